/*
 * db/result.c - rendering DuckDB results to JSON through data chunks and vectors.
 *
 * Each column's type is looked up once per result; then every chunk is walked column by
 * column over its raw vector data, which is how DuckDB means results to be read (the
 * per-value accessors are deprecated and have crashed on UUID columns). Values are written
 * from their storage form:
 *
 *   DECIMAL    the integer in the vector (int16/32/64 or hugeint, per the type's internal
 *              type) and the type's scale: digits, never a double;
 *   UUID       a hugeint whose top bit is flipped (DuckDB stores it so that signed
 *              comparison orders UUIDs as their text does);
 *   VARCHAR    duckdb_string_t: inline up to 12 bytes, else a pointer;
 *   DATE       days since the epoch;  TIMESTAMP  microseconds since the epoch.
 */
#include "db/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

struct col {
	duckdb_type type;
	duckdb_type internal; /* DECIMAL's storage type */
	uint8_t width, scale;
	struct ds_buf key;    /* ,"name": */
};

#define MAX_COLS 64

typedef db_int128 i128;
typedef db_uint128 u128;

/* Write the value as plain text into tmp (no JSON quoting); returns length, and sets *quote
 * when JSON needs it quoted. For VARCHAR, *str and *slen point at the bytes instead. */
static int value_text(const struct col *c, void *data, idx_t row, char *tmp, size_t tmpsize,
		      int *quote, const char **str, size_t *slen)
{
	*quote = 0;
	*str = NULL;
	switch (c->type) {
	case DUCKDB_TYPE_BOOLEAN:
		return snprintf(tmp, tmpsize, "%s", ((bool *)data)[row] ? "true" : "false");
	case DUCKDB_TYPE_TINYINT:
		return snprintf(tmp, tmpsize, "%d", ((int8_t *)data)[row]);
	case DUCKDB_TYPE_SMALLINT:
		return snprintf(tmp, tmpsize, "%d", ((int16_t *)data)[row]);
	case DUCKDB_TYPE_INTEGER:
		return snprintf(tmp, tmpsize, "%d", ((int32_t *)data)[row]);
	case DUCKDB_TYPE_BIGINT:
		return snprintf(tmp, tmpsize, "%lld", (long long)((int64_t *)data)[row]);
	case DUCKDB_TYPE_UTINYINT:
		return snprintf(tmp, tmpsize, "%u", ((uint8_t *)data)[row]);
	case DUCKDB_TYPE_USMALLINT:
		return snprintf(tmp, tmpsize, "%u", ((uint16_t *)data)[row]);
	case DUCKDB_TYPE_UINTEGER:
		return snprintf(tmp, tmpsize, "%u", ((uint32_t *)data)[row]);
	case DUCKDB_TYPE_UBIGINT:
		return snprintf(tmp, tmpsize, "%llu", (unsigned long long)((uint64_t *)data)[row]);
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_DECIMAL: {
		struct db_decimal d;

		d.width = c->type == DUCKDB_TYPE_DECIMAL ? c->width : 38;
		d.scale = c->type == DUCKDB_TYPE_DECIMAL ? c->scale : 0;
		switch (c->type == DUCKDB_TYPE_DECIMAL ? c->internal : DUCKDB_TYPE_HUGEINT) {
		case DUCKDB_TYPE_SMALLINT:
			d.unscaled = ((int16_t *)data)[row];
			break;
		case DUCKDB_TYPE_INTEGER:
			d.unscaled = ((int32_t *)data)[row];
			break;
		case DUCKDB_TYPE_BIGINT:
			d.unscaled = ((int64_t *)data)[row];
			break;
		default: {
			duckdb_hugeint h = ((duckdb_hugeint *)data)[row];

			d.unscaled = (i128)(((u128)(uint64_t)h.upper << 64) | h.lower);
			break;
		}
		}
		if (tmpsize < DB_DECIMAL_STR_MAX)
			return 0;
		return (int)db_decimal_format(&d, tmp);
	}
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: {
		double v = c->type == DUCKDB_TYPE_FLOAT ? ((float *)data)[row] : ((double *)data)[row];

		if (!isfinite(v))
			return snprintf(tmp, tmpsize, "null");
		return snprintf(tmp, tmpsize, "%.17g", v);
	}
	case DUCKDB_TYPE_UUID: {
		duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
		uint64_t hi = (uint64_t)h.upper ^ (1ULL << 63), lo = h.lower;
		static const char hex[] = "0123456789abcdef";
		int i, j = 0;

		if (tmpsize < 37)
			return 0;
		for (i = 0; i < 32; i++) {
			uint64_t w = i < 16 ? hi : lo;
			int shift = 60 - 4 * (i % 16);

			if (i == 8 || i == 12 || i == 16 || i == 20)
				tmp[j++] = '-';
			tmp[j++] = hex[(w >> shift) & 15];
		}
		tmp[j] = '\0';
		*quote = 1;
		return j;
	}
	case DUCKDB_TYPE_DATE:
		*quote = 1;
		return (int)ds_date_format(((duckdb_date *)data)[row].days, tmp);
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		*quote = 1;
		return (int)ds_timestamp_format(((duckdb_timestamp *)data)[row].micros, tmp);
	case DUCKDB_TYPE_VARCHAR: {
		duckdb_string_t *s = &((duckdb_string_t *)data)[row];

		*quote = 1;
		*slen = duckdb_string_t_length(*s);
		*str = duckdb_string_t_data(s);
		return 0;
	}
	default:
		return -1;
	}
}

int db__render(duckdb_result *res, struct db_rows *r, struct ds_error *e)
{
	struct col cols[MAX_COLS];
	idx_t ncols = duckdb_column_count(res), i, k;
	duckdb_data_chunk ch;
	int rc = 0;

	if (ncols > MAX_COLS)
		return ds_error_set(e, DB_ERR_OTHER, "result has %llu columns, at most %d supported",
				    (unsigned long long)ncols, MAX_COLS);
	for (i = 0; i < ncols; i++) {
		duckdb_logical_type t = duckdb_column_logical_type(res, i);
		const char *name = duckdb_column_name(res, i);

		cols[i].type = duckdb_get_type_id(t);
		cols[i].internal = DUCKDB_TYPE_INVALID;
		cols[i].width = cols[i].scale = 0;
		if (cols[i].type == DUCKDB_TYPE_DECIMAL) {
			cols[i].internal = duckdb_decimal_internal_type(t);
			cols[i].width = duckdb_decimal_width(t);
			cols[i].scale = duckdb_decimal_scale(t);
		}
		duckdb_destroy_logical_type(&t);
		ds_buf_init(&cols[i].key, 0);
		if (r->out && (ds_buf_addstr(&cols[i].key, i ? ",\"" : "{\"") ||
			       ds_buf_add_json_escaped(&cols[i].key, name ? name : "", name ? strlen(name) : 0) ||
			       ds_buf_addstr(&cols[i].key, "\":"))) {
			ncols = i + 1;
			rc = ds_error_set(e, DB_ERR_NOMEM, "out of memory");
			goto out;
		}
	}

	while ((ch = duckdb_fetch_chunk(*res))) {
		idx_t size = duckdb_data_chunk_get_size(ch), row;
		void *data[MAX_COLS];
		uint64_t *valid[MAX_COLS];

		for (i = 0; i < ncols; i++) {
			duckdb_vector v = duckdb_data_chunk_get_vector(ch, i);

			data[i] = duckdb_vector_get_data(v);
			valid[i] = duckdb_vector_get_validity(v);
		}
		for (row = 0; row < size && !rc; row++) {
			int last = row + 1 == size;

			if (r->out && r->rows && ds_buf_addch(r->out, ','))
				goto too_big;
			for (i = 0; i < ncols; i++) {
				char tmp[64];
				const char *str;
				size_t slen = 0;
				int quote, n, isnull = valid[i] && !duckdb_validity_row_is_valid(valid[i], row);

				if (isnull) {
					n = 4;
					memcpy(tmp, "null", 5);
					quote = 0;
					str = NULL;
				} else {
					n = value_text(&cols[i], data[i], row, tmp, sizeof(tmp), &quote, &str,
						       &slen);
				}
				if (n < 0) {
					const char *name = duckdb_column_name(res, i);

					rc = ds_error_set(e, DB_ERR_OTHER,
							  "column '%s' has a type the JSON renderer does not "
							  "support (DuckDB type %d)",
							  name ? name : "?", (int)cols[i].type);
					break;
				}
				if (last) {
					for (k = 0; k < DB_MAX_KEYS; k++) {
						if (r->key_cols[k] != (int)i)
							continue;
						if (str)
							snprintf(r->last_key[k], sizeof(r->last_key[k]), "%.*s",
								 (int)(slen > 63 ? 63 : slen), str);
						else
							snprintf(r->last_key[k], sizeof(r->last_key[k]), "%.*s", n,
								 tmp);
					}
				}
				if (!r->out)
					continue;
				if (ds_buf_add(r->out, cols[i].key.data, cols[i].key.len))
					goto too_big;
				if (quote && ds_buf_addch(r->out, '"'))
					goto too_big;
				if (str ? ds_buf_add_json_escaped(r->out, str, slen)
					: ds_buf_add(r->out, tmp, (size_t)n))
					goto too_big;
				if (quote && ds_buf_addch(r->out, '"'))
					goto too_big;
			}
			if (rc)
				break;
			if (r->out && ds_buf_addch(r->out, '}'))
				goto too_big;
			r->rows++;
			continue;
too_big:
			rc = ds_error_set(e, DB_ERR_TOO_BIG, "the result is larger than %zu bytes",
					  r->out->cap);
		}
		duckdb_destroy_data_chunk(&ch);
		if (rc)
			break;
	}
	if (!rc && duckdb_result_error(res))
		rc = db__fail(NULL, e, duckdb_result_error_type(res), duckdb_result_error(res), NULL);
out:
	for (i = 0; i < ncols; i++)
		ds_buf_release(&cols[i].key);
	return rc;
}

int db__ints(duckdb_result *res, int64_t *out, size_t ncols, size_t max_rows, size_t *rows,
	     struct ds_error *e)
{
	duckdb_type types[8];
	duckdb_data_chunk ch;
	size_t i;

	if (ncols > 8 || ncols > duckdb_column_count(res))
		return ds_error_set(e, DB_ERR_OTHER, "asked for %zu integer columns of %llu", ncols,
				    (unsigned long long)duckdb_column_count(res));
	for (i = 0; i < ncols; i++)
		types[i] = duckdb_column_type(res, i);
	while ((ch = duckdb_fetch_chunk(*res))) {
		idx_t size = duckdb_data_chunk_get_size(ch), row;

		if (*rows + size > max_rows) {
			duckdb_destroy_data_chunk(&ch);
			return ds_error_set(e, DB_ERR_TOO_BIG, "more than %zu rows", max_rows);
		}
		for (i = 0; i < ncols; i++) {
			duckdb_vector v = duckdb_data_chunk_get_vector(ch, i);
			void *d = duckdb_vector_get_data(v);
			uint64_t *valid = duckdb_vector_get_validity(v);

			for (row = 0; row < size; row++) {
				int64_t x;

				switch (types[i]) {
				case DUCKDB_TYPE_TINYINT:
					x = ((int8_t *)d)[row];
					break;
				case DUCKDB_TYPE_SMALLINT:
					x = ((int16_t *)d)[row];
					break;
				case DUCKDB_TYPE_INTEGER:
					x = ((int32_t *)d)[row];
					break;
				case DUCKDB_TYPE_BIGINT:
					x = ((int64_t *)d)[row];
					break;
				case DUCKDB_TYPE_UINTEGER:
					x = ((uint32_t *)d)[row];
					break;
				case DUCKDB_TYPE_DATE:
					x = ((duckdb_date *)d)[row].days;
					break;
				default:
					duckdb_destroy_data_chunk(&ch);
					return ds_error_set(e, DB_ERR_OTHER,
							    "column %zu is not an integer (DuckDB type %d)", i,
							    (int)types[i]);
				}
				if (valid && !duckdb_validity_row_is_valid(valid, row))
					x = DB_INT_NULL;
				out[(*rows + row) * ncols + i] = x;
			}
		}
		*rows += size;
		duckdb_destroy_data_chunk(&ch);
	}
	if (duckdb_result_error(res))
		return db__fail(NULL, e, duckdb_result_error_type(res), duckdb_result_error(res), NULL);
	return 0;
}

int db__cell_text(duckdb_vector v, idx_t row, char **out)
{
	uint64_t *valid = duckdb_vector_get_validity(v);
	duckdb_string_t *s;
	uint32_t n;

	*out = NULL;
	if (valid && !duckdb_validity_row_is_valid(valid, row))
		return 0;
	s = &((duckdb_string_t *)duckdb_vector_get_data(v))[row];
	n = duckdb_string_t_length(*s);
	*out = malloc((size_t)n + 1);
	if (!*out)
		return -1;
	memcpy(*out, duckdb_string_t_data(s), n);
	(*out)[n] = '\0';
	return 0;
}
