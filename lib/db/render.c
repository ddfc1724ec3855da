/*
 * db/render.c - a client query's result as JSON, NDJSON or CSV, every DuckDB type exact.
 *
 * The projects API renders the few scalar types its schema has (result.c); /query returns
 * whatever a SELECT can produce, so this renderer resolves each column's logical type once
 * per result into a tree (struct rtype: a LIST's element, a STRUCT's fields, a MAP's key
 * and value, a UNION's members, an ENUM's labels) and then walks chunks and vectors with
 * it. Values are written from their storage form, never through a double or DuckDB's own
 * to-string:
 *
 *   integers, HUGEINT, UHUGEINT, DECIMAL   exact digits (128-bit arithmetic, the scale
 *                                          applied in text);
 *   FLOAT, DOUBLE                          the shortest text that reads back to the same
 *                                          value; NaN and infinities as strings;
 *   DATE, TIME, TIMESTAMP (_S/_MS/_NS)     ISO 8601, astronomical years ("+10000", "-0001");
 *                                          TIMESTAMP WITH TIME ZONE ends in "Z" (DuckDB
 *                                          stores the instant in UTC), TIMESTAMP has no zone;
 *                                          DuckDB's infinities as "infinity"/"-infinity";
 *   INTERVAL                               an ISO 8601 duration, each part with its own sign
 *                                          as PostgreSQL's iso_8601 style: "P1Y2M3DT4H5M6.5S";
 *   UUID                                   its canonical text;
 *   BLOB                                   base64 (RFC 4648, padded); BIT as '0'/'1' text;
 *   ENUM                                   its label;
 *   LIST, ARRAY, STRUCT, MAP, UNION        JSON arrays and objects (a MAP's keys become
 *                                          object keys, as text), a UNION as its value.
 *
 * Everything a client can send back through JSON stays exact: numbers are JSON numbers with
 * all their digits, which is why docs/api.md warns about double-only JSON parsers. BIGNUM
 * (arbitrary precision) has no renderer: the query is refused with a hint to cast.
 */
#include "db/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

struct rtype {
	duckdb_type id;
	duckdb_type internal;  /* DECIMAL and ENUM storage */
	uint8_t width, scale;  /* DECIMAL */
	idx_t array_size;      /* ARRAY */
	size_t nchild;
	struct rtype *child;   /* LIST/ARRAY: [1]; MAP: [key, value]; STRUCT: fields; UNION: members */
	struct ds_buf *keys;   /* STRUCT, UNION: each child's name as a JSON string with ':' */
	struct ds_buf *labels; /* ENUM: each label as a JSON string (quotes included) */
	char **raw_labels;     /* ENUM: the labels as DuckDB gives them (for CSV) */
	uint32_t nlabels;
};

typedef db_int128 i128;
typedef db_uint128 u128;

/* --- types ------------------------------------------------------------------------------ */

static void rtype_release(struct rtype *t)
{
	size_t i;

	for (i = 0; i < t->nchild; i++)
		rtype_release(&t->child[i]);
	free(t->child);
	if (t->keys) {
		for (i = 0; i < t->nchild; i++)
			ds_buf_release(&t->keys[i]);
		free(t->keys);
	}
	if (t->labels) {
		for (i = 0; i < t->nlabels; i++) {
			ds_buf_release(&t->labels[i]);
			duckdb_free(t->raw_labels[i]);
		}
		free(t->labels);
		free(t->raw_labels);
	}
	memset(t, 0, sizeof(*t));
}

static int json_key(struct ds_buf *b, const char *name)
{
	return ds_buf_addch(b, '"') || ds_buf_add_json_escaped(b, name, strlen(name)) ||
	       ds_buf_addstr(b, "\":");
}

/* Resolve t into r. Returns 0, or -1 with e naming what is not supported. */
static int rtype_init(struct rtype *r, duckdb_logical_type t, const char *col, int depth,
		      struct ds_error *e)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = duckdb_get_type_id(t);
	if (depth > 32)
		return ds_error_set(e, DB_ERR_SQL, "column '%s' nests types deeper than 32", col);
	switch (r->id) {
	case DUCKDB_TYPE_DECIMAL:
		r->internal = duckdb_decimal_internal_type(t);
		r->width = duckdb_decimal_width(t);
		r->scale = duckdb_decimal_scale(t);
		return 0;
	case DUCKDB_TYPE_ENUM: {
		uint32_t n = duckdb_enum_dictionary_size(t);

		r->internal = duckdb_enum_internal_type(t);
		r->labels = calloc(n ? n : 1, sizeof(*r->labels));
		r->raw_labels = calloc(n ? n : 1, sizeof(*r->raw_labels));
		if (!r->labels || !r->raw_labels)
			goto nomem;
		for (i = 0; i < n; i++) {
			char *l = duckdb_enum_dictionary_value(t, i);

			r->nlabels = (uint32_t)i + 1;
			r->raw_labels[i] = l;
			ds_buf_init(&r->labels[i], 0);
			if (!l || ds_buf_addch(&r->labels[i], '"') ||
			    ds_buf_add_json_escaped(&r->labels[i], l, strlen(l)) ||
			    ds_buf_addch(&r->labels[i], '"'))
				goto nomem;
		}
		return 0;
	}
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_ARRAY: {
		duckdb_logical_type c = r->id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t)
								  : duckdb_array_type_child_type(t);
		int rc;

		if (r->id == DUCKDB_TYPE_ARRAY)
			r->array_size = duckdb_array_type_array_size(t);
		r->child = calloc(1, sizeof(*r->child));
		if (!r->child) {
			duckdb_destroy_logical_type(&c);
			goto nomem;
		}
		r->nchild = 1;
		rc = rtype_init(&r->child[0], c, col, depth + 1, e);
		duckdb_destroy_logical_type(&c);
		return rc;
	}
	case DUCKDB_TYPE_MAP: {
		duckdb_logical_type k = duckdb_map_type_key_type(t), v = duckdb_map_type_value_type(t);
		int rc = -1;

		r->child = calloc(2, sizeof(*r->child));
		if (r->child) {
			r->nchild = 2;
			rc = rtype_init(&r->child[0], k, col, depth + 1, e) ||
					     rtype_init(&r->child[1], v, col, depth + 1, e)
				     ? -1
				     : 0;
		} else {
			ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		}
		duckdb_destroy_logical_type(&k);
		duckdb_destroy_logical_type(&v);
		return rc;
	}
	case DUCKDB_TYPE_STRUCT:
	case DUCKDB_TYPE_UNION: {
		int is_union = r->id == DUCKDB_TYPE_UNION;
		idx_t n = is_union ? duckdb_union_type_member_count(t) : duckdb_struct_type_child_count(t);

		r->child = calloc(n ? n : 1, sizeof(*r->child));
		r->keys = calloc(n ? n : 1, sizeof(*r->keys));
		if (!r->child || !r->keys)
			goto nomem;
		for (i = 0; i < n; i++) {
			char *name = is_union ? duckdb_union_type_member_name(t, i)
					      : duckdb_struct_type_child_name(t, i);
			duckdb_logical_type c = is_union ? duckdb_union_type_member_type(t, i)
							 : duckdb_struct_type_child_type(t, i);
			int rc;

			r->nchild = i + 1;
			ds_buf_init(&r->keys[i], 0);
			rc = json_key(&r->keys[i], name ? name : "");
			duckdb_free(name);
			if (rc) {
				duckdb_destroy_logical_type(&c);
				goto nomem;
			}
			rc = rtype_init(&r->child[i], c, col, depth + 1, e);
			duckdb_destroy_logical_type(&c);
			if (rc)
				return -1;
		}
		return 0;
	}
	case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_UHUGEINT: case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: case DUCKDB_TYPE_DATE: case DUCKDB_TYPE_TIME:
	case DUCKDB_TYPE_TIME_NS: case DUCKDB_TYPE_TIME_TZ: case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S: case DUCKDB_TYPE_TIMESTAMP_MS: case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: case DUCKDB_TYPE_INTERVAL: case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB: case DUCKDB_TYPE_BIT: case DUCKDB_TYPE_UUID: case DUCKDB_TYPE_SQLNULL:
		return 0;
	default: {
		struct ds_buf name = DS_BUF_INIT(256);

		db__type_name(&name, t);
		ds_error_set(e, DB_ERR_SQL,
			     "column '%s' has type %s, which /query cannot render exactly; cast it "
			     "(for example ::VARCHAR)",
			     col, name.len ? ds_buf_str(&name) : "?");
		ds_buf_release(&name);
		return -1;
	}
	}
nomem:
	return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
}

static const char *simple_name(duckdb_type id)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
	case DUCKDB_TYPE_TINYINT: return "TINYINT";
	case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
	case DUCKDB_TYPE_INTEGER: return "INTEGER";
	case DUCKDB_TYPE_BIGINT: return "BIGINT";
	case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
	case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
	case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
	case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
	case DUCKDB_TYPE_FLOAT: return "FLOAT";
	case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
	case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
	case DUCKDB_TYPE_DATE: return "DATE";
	case DUCKDB_TYPE_TIME: return "TIME";
	case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
	case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
	case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
	case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
	case DUCKDB_TYPE_BLOB: return "BLOB";
	case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
	case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
	case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
	case DUCKDB_TYPE_UUID: return "UUID";
	case DUCKDB_TYPE_BIT: return "BIT";
	case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
	case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
	case DUCKDB_TYPE_BIGNUM: return "BIGNUM";
	case DUCKDB_TYPE_SQLNULL: return "NULL";
	case DUCKDB_TYPE_TIME_NS: return "TIME_NS";
	default: return NULL;
	}
}

/* A name needs quotes in a STRUCT(...) type unless it is a plain lower-case identifier. */
static int add_ident(struct ds_buf *o, const char *s)
{
	const char *p;
	int plain = (*s >= 'a' && *s <= 'z') || *s == '_';

	for (p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
		return ds_buf_addstr(o, s);
	if (ds_buf_addch(o, '"'))
		return -1;
	for (p = s; *p; p++)
		if ((*p == '"' && ds_buf_addch(o, '"')) || ds_buf_addch(o, *p))
			return -1;
	return ds_buf_addch(o, '"');
}

int db__type_name(struct ds_buf *o, duckdb_logical_type t)
{
	duckdb_type id = duckdb_get_type_id(t);
	char *alias = duckdb_logical_type_get_alias(t);
	const char *s;
	int rc = 0;
	idx_t i, n;

	if (alias) {
		rc = ds_buf_addstr(o, alias);
		duckdb_free(alias);
		return rc;
	}
	if ((s = simple_name(id)))
		return ds_buf_addstr(o, s);
	switch (id) {
	case DUCKDB_TYPE_DECIMAL:
		return ds_buf_addf(o, "DECIMAL(%d,%d)", duckdb_decimal_width(t), duckdb_decimal_scale(t));
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_ARRAY: {
		duckdb_logical_type c = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t)
							       : duckdb_array_type_child_type(t);

		rc = db__type_name(o, c);
		duckdb_destroy_logical_type(&c);
		if (id == DUCKDB_TYPE_LIST)
			return rc || ds_buf_addstr(o, "[]");
		return rc || ds_buf_addf(o, "[%llu]", (unsigned long long)duckdb_array_type_array_size(t));
	}
	case DUCKDB_TYPE_MAP: {
		duckdb_logical_type k = duckdb_map_type_key_type(t), v = duckdb_map_type_value_type(t);

		rc = ds_buf_addstr(o, "MAP(") || db__type_name(o, k) || ds_buf_addstr(o, ", ") ||
		     db__type_name(o, v) || ds_buf_addch(o, ')');
		duckdb_destroy_logical_type(&k);
		duckdb_destroy_logical_type(&v);
		return rc;
	}
	case DUCKDB_TYPE_STRUCT:
	case DUCKDB_TYPE_UNION: {
		int is_union = id == DUCKDB_TYPE_UNION;

		n = is_union ? duckdb_union_type_member_count(t) : duckdb_struct_type_child_count(t);
		rc = ds_buf_addstr(o, is_union ? "UNION(" : "STRUCT(");
		for (i = 0; i < n && !rc; i++) {
			char *name = is_union ? duckdb_union_type_member_name(t, i)
					      : duckdb_struct_type_child_name(t, i);
			duckdb_logical_type c = is_union ? duckdb_union_type_member_type(t, i)
							 : duckdb_struct_type_child_type(t, i);

			rc = (i && ds_buf_addstr(o, ", ")) || add_ident(o, name ? name : "") ||
			     ds_buf_addch(o, ' ') || db__type_name(o, c);
			duckdb_free(name);
			duckdb_destroy_logical_type(&c);
		}
		return rc || ds_buf_addch(o, ')');
	}
	case DUCKDB_TYPE_ENUM:
		n = duckdb_enum_dictionary_size(t);
		rc = ds_buf_addstr(o, "ENUM(");
		for (i = 0; i < n && !rc; i++) {
			char *l = duckdb_enum_dictionary_value(t, i);
			const char *p;

			/* A type name is metadata: keep it short even for a huge ENUM. */
			if (o->len > 1024) {
				rc = ds_buf_addstr(o, ", ...");
				duckdb_free(l);
				break;
			}
			rc = (i && ds_buf_addstr(o, ", ")) || ds_buf_addch(o, '\'');
			for (p = l ? l : ""; *p && !rc; p++)
				rc = (*p == '\'' && ds_buf_addch(o, '\'')) || ds_buf_addch(o, *p);
			rc = rc || ds_buf_addch(o, '\'');
			duckdb_free(l);
		}
		return rc || ds_buf_addch(o, ')');
	default:
		return ds_buf_addf(o, "TYPE%d", (int)id);
	}
}

/* --- scalar text ------------------------------------------------------------------------- */

static size_t u128_text(u128 v, char *buf)
{
	char tmp[48];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

static size_t i128_text(i128 v, char *buf)
{
	if (v < 0) {
		buf[0] = '-';
		return 1 + u128_text((u128)0 - (u128)v, buf + 1);
	}
	return u128_text((u128)v, buf);
}

/* The shortest of %.{min..max}g that reads back to the same value. */
static size_t double_text(double v, int is_float, char *buf, size_t size)
{
	int p, n = 0;

	for (p = is_float ? 6 : 15; p <= (is_float ? 9 : 17); p++) {
		n = snprintf(buf, size, "%.*g", p, v);
		if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			break;
	}
	return n > 0 ? (size_t)n : 0;
}

#define DATE_INF INT32_MAX
#define TS_INF INT64_MAX

static size_t date_text(int32_t days, char *buf)
{
	int y, m, d;

	if (days == DATE_INF || days == -DATE_INF)
		return (size_t)snprintf(buf, 16, "%s", days > 0 ? "infinity" : "-infinity");
	ds_date_to_ymd(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		return (size_t)snprintf(buf, 24, "%04d-%02d-%02d", y, m, d);
	return (size_t)snprintf(buf, 24, "%+05d-%02d-%02d", y, m, d);
}

/* hh:mm:ss[.fraction]; frac_digits 6 (micros) or 9 (nanos), left out when zero. */
static size_t time_text(int64_t units, int frac_digits, char *buf)
{
	int64_t per_s = frac_digits == 9 ? 1000000000LL : 1000000LL, s = units / per_s;
	int64_t frac = units % per_s;
	int n = snprintf(buf, 32, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));

	if (frac)
		n += snprintf(buf + n, 16, ".%0*lld", frac_digits, (long long)frac);
	return (size_t)n;
}

/* units since the epoch, per_day units in a day (seconds, millis, micros or nanos); ISO
 * 8601, "Z" appended when zulu. */
static size_t timestamp_text(int64_t units, int64_t per_day, int frac_digits, int zulu, char *buf)
{
	int64_t days = units / per_day, rem = units % per_day, sub;
	size_t n;

	if (units == TS_INF || units == -TS_INF)
		return (size_t)snprintf(buf, 16, "%s", units > 0 ? "infinity" : "-infinity");
	if (rem < 0) {
		rem += per_day;
		days--;
	}
	/* The time of day in micros (or nanos for TIMESTAMP_NS). */
	sub = frac_digits == 9 ? rem : rem * (86400000000LL / per_day);
	n = date_text((int32_t)days, buf);
	buf[n++] = 'T';
	n += time_text(sub, frac_digits, buf + n);
	if (zulu)
		buf[n++] = 'Z';
	buf[n] = '\0';
	return n;
}

static size_t interval_text(const duckdb_interval *iv, char *buf)
{
	int n = snprintf(buf, 8, "P");
	int32_t years = iv->months / 12, months = iv->months % 12;
	int64_t us = iv->micros;

	if (years)
		n += snprintf(buf + n, 16, "%dY", years);
	if (months)
		n += snprintf(buf + n, 16, "%dM", months);
	if (iv->days)
		n += snprintf(buf + n, 16, "%dD", iv->days);
	if (us || n == 1) {
		int64_t h = us / 3600000000LL, m = us / 60000000LL % 60, s = us / 1000000 % 60,
			f = us % 1000000;

		n += snprintf(buf + n, 4, "T");
		if (h)
			n += snprintf(buf + n, 24, "%lldH", (long long)h);
		if (m)
			n += snprintf(buf + n, 8, "%lldM", (long long)m);
		if (s || f || (!h && !m)) {
			if (f) {
				int k;

				n += snprintf(buf + n, 32, "%s%lld.%06lld", (s < 0 || f < 0) ? "-" : "",
					      (long long)(s < 0 ? -s : s), (long long)(f < 0 ? -f : f));
				/* Trailing zeros of the fraction say nothing. */
				for (k = n; buf[k - 1] == '0'; k--)
					;
				n = k;
			} else {
				n += snprintf(buf + n, 8, "%lld", (long long)s);
			}
			buf[n++] = 'S';
		}
	}
	buf[n] = '\0';
	return (size_t)n;
}

static size_t uuid_text(duckdb_hugeint h, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t hi = (uint64_t)h.upper ^ (1ULL << 63), lo = h.lower;
	int i, j = 0;

	for (i = 0; i < 32; i++) {
		uint64_t w = i < 16 ? hi : lo;

		if (i == 8 || i == 12 || i == 16 || i == 20)
			buf[j++] = '-';
		buf[j++] = hex[(w >> (60 - 4 * (i % 16))) & 15];
	}
	buf[j] = '\0';
	return (size_t)j;
}

static int add_base64(struct ds_buf *o, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		q[0] = tab[v >> 18];
		q[1] = tab[(v >> 12) & 63];
		q[2] = tab[(v >> 6) & 63];
		q[3] = tab[v & 63];
		if (ds_buf_add(o, q, 4))
			return -1;
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		q[0] = tab[v >> 18];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = '=';
		if (ds_buf_add(o, q, 4))
			return -1;
	}
	return 0;
}

/* DuckDB's BIT: a first byte counting the padding bits of the second, then the bits. */
static int add_bits(struct ds_buf *o, const unsigned char *p, size_t n)
{
	size_t i;
	int b, pad = n ? p[0] : 0;

	for (i = 1; i < n; i++)
		for (b = 7; b >= 0; b--) {
			if (i == 1 && 7 - b < pad)
				continue;
			if (ds_buf_addch(o, (p[i] >> b) & 1 ? '1' : '0'))
				return -1;
		}
	return 0;
}

/* --- values ------------------------------------------------------------------------------ */

enum kind {
	K_BARE,  /* JSON number or literal: written as is */
	K_TEXT,  /* ASCII text that JSON quotes (no escaping needed) */
	K_STR,   /* arbitrary bytes in *str: escaped in JSON, quoted in CSV as needed */
	K_BLOB,  /* bytes in *str: base64 */
	K_BITS,  /* bytes in *str: '0'/'1' */
	K_NULL,
};

static uint32_t enum_index(const struct rtype *t, const void *data, idx_t row)
{
	if (t->internal == DUCKDB_TYPE_UTINYINT)
		return ((const uint8_t *)data)[row];
	if (t->internal == DUCKDB_TYPE_USMALLINT)
		return ((const uint16_t *)data)[row];
	return ((const uint32_t *)data)[row];
}

/* A scalar's text. tmp holds 96 bytes. */
static enum kind scalar(const struct rtype *t, const void *data, idx_t row, char *tmp, size_t *n,
			const char **str)
{
	switch (t->id) {
	case DUCKDB_TYPE_BOOLEAN:
		*n = (size_t)snprintf(tmp, 8, "%s", ((const bool *)data)[row] ? "true" : "false");
		return K_BARE;
	case DUCKDB_TYPE_TINYINT:
		*n = (size_t)snprintf(tmp, 8, "%d", ((const int8_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_SMALLINT:
		*n = (size_t)snprintf(tmp, 8, "%d", ((const int16_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_INTEGER:
		*n = (size_t)snprintf(tmp, 16, "%d", ((const int32_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_BIGINT:
		*n = i128_text(((const int64_t *)data)[row], tmp);
		return K_BARE;
	case DUCKDB_TYPE_UTINYINT:
		*n = (size_t)snprintf(tmp, 8, "%u", ((const uint8_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_USMALLINT:
		*n = (size_t)snprintf(tmp, 8, "%u", ((const uint16_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_UINTEGER:
		*n = (size_t)snprintf(tmp, 16, "%u", ((const uint32_t *)data)[row]);
		return K_BARE;
	case DUCKDB_TYPE_UBIGINT:
		*n = u128_text(((const uint64_t *)data)[row], tmp);
		return K_BARE;
	case DUCKDB_TYPE_HUGEINT: {
		duckdb_hugeint h = ((const duckdb_hugeint *)data)[row];

		*n = i128_text((i128)(((u128)(uint64_t)h.upper << 64) | h.lower), tmp);
		return K_BARE;
	}
	case DUCKDB_TYPE_UHUGEINT: {
		duckdb_uhugeint h = ((const duckdb_uhugeint *)data)[row];

		*n = u128_text(((u128)h.upper << 64) | h.lower, tmp);
		return K_BARE;
	}
	case DUCKDB_TYPE_DECIMAL: {
		struct db_decimal d;

		d.width = t->width;
		d.scale = t->scale;
		switch (t->internal) {
		case DUCKDB_TYPE_SMALLINT:
			d.unscaled = ((const int16_t *)data)[row];
			break;
		case DUCKDB_TYPE_INTEGER:
			d.unscaled = ((const int32_t *)data)[row];
			break;
		case DUCKDB_TYPE_BIGINT:
			d.unscaled = ((const int64_t *)data)[row];
			break;
		default: {
			duckdb_hugeint h = ((const duckdb_hugeint *)data)[row];

			d.unscaled = (i128)(((u128)(uint64_t)h.upper << 64) | h.lower);
			break;
		}
		}
		*n = db_decimal_format(&d, tmp);
		return K_BARE;
	}
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: {
		double v = t->id == DUCKDB_TYPE_FLOAT ? ((const float *)data)[row]
						      : ((const double *)data)[row];

		if (isnan(v)) {
			*n = (size_t)snprintf(tmp, 8, "NaN");
			return K_TEXT;
		}
		if (isinf(v)) {
			*n = (size_t)snprintf(tmp, 16, "%s", v > 0 ? "Infinity" : "-Infinity");
			return K_TEXT;
		}
		*n = double_text(v, t->id == DUCKDB_TYPE_FLOAT, tmp, 64);
		return K_BARE;
	}
	case DUCKDB_TYPE_DATE:
		*n = date_text(((const duckdb_date *)data)[row].days, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIME:
		*n = time_text(((const duckdb_time *)data)[row].micros, 6, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIME_NS:
		*n = time_text(((const duckdb_time_ns *)data)[row].nanos, 9, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIME_TZ: {
		duckdb_time_tz_struct s = duckdb_from_time_tz(((const duckdb_time_tz *)data)[row]);
		int64_t us = (int64_t)s.time.hour * 3600000000LL + (int64_t)s.time.min * 60000000LL +
			     (int64_t)s.time.sec * 1000000LL + s.time.micros;
		int32_t off = s.offset < 0 ? -s.offset : s.offset;

		*n = time_text(us, 6, tmp);
		*n += (size_t)snprintf(tmp + *n, 16, "%c%02d:%02d", s.offset < 0 ? '-' : '+',
				       (int)(off / 3600), (int)(off / 60 % 60));
		if (off % 60)
			*n += (size_t)snprintf(tmp + *n, 8, ":%02d", (int)(off % 60));
		return K_TEXT;
	}
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		*n = timestamp_text(((const int64_t *)data)[row], 86400000000LL, 6,
				    t->id == DUCKDB_TYPE_TIMESTAMP_TZ, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIMESTAMP_S:
		*n = timestamp_text(((const int64_t *)data)[row], 86400LL, 6, 0, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIMESTAMP_MS:
		*n = timestamp_text(((const int64_t *)data)[row], 86400000LL, 6, 0, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_TIMESTAMP_NS:
		*n = timestamp_text(((const int64_t *)data)[row], 86400000000000LL, 9, 0, tmp);
		return K_TEXT;
	case DUCKDB_TYPE_INTERVAL:
		*n = interval_text(&((const duckdb_interval *)data)[row], tmp);
		return K_TEXT;
	case DUCKDB_TYPE_UUID:
		*n = uuid_text(((const duckdb_hugeint *)data)[row], tmp);
		return K_TEXT;
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB:
	case DUCKDB_TYPE_BIT: {
		duckdb_string_t *s = &((duckdb_string_t *)data)[row];

		*n = duckdb_string_t_length(*s);
		*str = duckdb_string_t_data(s);
		return t->id == DUCKDB_TYPE_VARCHAR ? K_STR : t->id == DUCKDB_TYPE_BLOB ? K_BLOB : K_BITS;
	}
	case DUCKDB_TYPE_ENUM: {
		uint32_t i = enum_index(t, data, row);

		if (i >= t->nlabels)
			return K_NULL;
		*str = t->raw_labels[i];
		*n = strlen(*str);
		return K_STR;
	}
	default:
		return K_NULL;
	}
}

static int is_valid(duckdb_vector v, idx_t row)
{
	uint64_t *valid = duckdb_vector_get_validity(v);

	return !valid || duckdb_validity_row_is_valid(valid, row);
}

static int json_value(struct ds_buf *o, const struct rtype *t, duckdb_vector v, idx_t row);

/* JSON for a scalar of kind k. */
static int json_scalar(struct ds_buf *o, const struct rtype *t, enum kind k, const char *tmp,
		       size_t n, const char *str)
{
	switch (k) {
	case K_BARE:
		return ds_buf_add(o, tmp, n);
	case K_TEXT:
		return ds_buf_addch(o, '"') || ds_buf_add(o, tmp, n) || ds_buf_addch(o, '"');
	case K_STR:
		return ds_buf_addch(o, '"') || ds_buf_add_json_escaped(o, str, n) ||
		       ds_buf_addch(o, '"');
	case K_BLOB:
		return ds_buf_addch(o, '"') || add_base64(o, (const unsigned char *)str, n) ||
		       ds_buf_addch(o, '"');
	case K_BITS:
		return ds_buf_addch(o, '"') || add_bits(o, (const unsigned char *)str, n) ||
		       ds_buf_addch(o, '"');
	case K_NULL:
		break;
	}
	return ds_buf_addstr(o, "null");
}

/* A MAP key as an object key: its text, quoted. */
static int json_map_key(struct ds_buf *o, const struct rtype *t, duckdb_vector v, idx_t row)
{
	char tmp[96];
	const char *str = NULL;
	size_t n = 0;
	enum kind k;

	if (!is_valid(v, row))
		return ds_buf_addstr(o, "\"null\":");
	if (t->nchild || t->id == DUCKDB_TYPE_SQLNULL) {
		/* A nested key (rare): its JSON text, as a string. */
		struct ds_buf tmpb = DS_BUF_INIT(0);
		int rc = json_value(&tmpb, t, v, row) || ds_buf_addch(o, '"') ||
			 ds_buf_add_json_escaped(o, ds_buf_str(&tmpb), tmpb.len) ||
			 ds_buf_addstr(o, "\":");

		ds_buf_release(&tmpb);
		return rc;
	}
	k = scalar(t, duckdb_vector_get_data(v), row, tmp, &n, &str);
	switch (k) {
	case K_BARE:
	case K_TEXT:
		return ds_buf_addch(o, '"') || ds_buf_add(o, tmp, n) || ds_buf_addstr(o, "\":");
	case K_STR:
		return ds_buf_addch(o, '"') || ds_buf_add_json_escaped(o, str, n) ||
		       ds_buf_addstr(o, "\":");
	default:
		return json_scalar(o, t, k, tmp, n, str) || ds_buf_addch(o, ':');
	}
}

static int json_value(struct ds_buf *o, const struct rtype *t, duckdb_vector v, idx_t row)
{
	size_t i;

	if (t->id == DUCKDB_TYPE_SQLNULL || !is_valid(v, row))
		return ds_buf_addstr(o, "null");
	switch (t->id) {
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_MAP: {
		duckdb_list_entry e = ((duckdb_list_entry *)duckdb_vector_get_data(v))[row];
		duckdb_vector c = duckdb_list_vector_get_child(v);
		idx_t k;

		if (t->id == DUCKDB_TYPE_LIST) {
			if (ds_buf_addch(o, '['))
				return -1;
			for (k = 0; k < e.length; k++)
				if ((k && ds_buf_addch(o, ',')) ||
				    json_value(o, &t->child[0], c, e.offset + k))
					return -1;
			return ds_buf_addch(o, ']');
		}
		if (ds_buf_addch(o, '{'))
			return -1;
		for (k = 0; k < e.length; k++) {
			duckdb_vector kv = duckdb_struct_vector_get_child(c, 0);
			duckdb_vector vv = duckdb_struct_vector_get_child(c, 1);

			if ((k && ds_buf_addch(o, ',')) ||
			    json_map_key(o, &t->child[0], kv, e.offset + k) ||
			    json_value(o, &t->child[1], vv, e.offset + k))
				return -1;
		}
		return ds_buf_addch(o, '}');
	}
	case DUCKDB_TYPE_ARRAY: {
		duckdb_vector c = duckdb_array_vector_get_child(v);
		idx_t k;

		if (ds_buf_addch(o, '['))
			return -1;
		for (k = 0; k < t->array_size; k++)
			if ((k && ds_buf_addch(o, ',')) ||
			    json_value(o, &t->child[0], c, row * t->array_size + k))
				return -1;
		return ds_buf_addch(o, ']');
	}
	case DUCKDB_TYPE_STRUCT:
		if (ds_buf_addch(o, '{'))
			return -1;
		for (i = 0; i < t->nchild; i++)
			if ((i && ds_buf_addch(o, ',')) ||
			    ds_buf_add(o, t->keys[i].data, t->keys[i].len) ||
			    json_value(o, &t->child[i], duckdb_struct_vector_get_child(v, i), row))
				return -1;
		return ds_buf_addch(o, '}');
	case DUCKDB_TYPE_UNION: {
		/* Child 0 of a union's vector is the tag; members follow. */
		duckdb_vector tagv = duckdb_struct_vector_get_child(v, 0);
		uint8_t tag = ((const uint8_t *)duckdb_vector_get_data(tagv))[row];

		if (tag >= t->nchild)
			return ds_buf_addstr(o, "null");
		return json_value(o, &t->child[tag], duckdb_struct_vector_get_child(v, 1 + tag), row);
	}
	case DUCKDB_TYPE_ENUM: {
		/* Labels are escaped once per result. */
		uint32_t k = enum_index(t, duckdb_vector_get_data(v), row);

		if (k >= t->nlabels)
			return ds_buf_addstr(o, "null");
		return ds_buf_add(o, t->labels[k].data, t->labels[k].len);
	}
	default: {
		char tmp[96];
		const char *str = NULL;
		size_t n = 0;
		enum kind k = scalar(t, duckdb_vector_get_data(v), row, tmp, &n, &str);

		return json_scalar(o, t, k, tmp, n, str);
	}
	}
}

/* --- CSV -------------------------------------------------------------------------------- */

/* RFC 4180: a field holding a comma, a quote, CR or LF is quoted, quotes doubled. */
static int csv_field(struct ds_buf *o, const char *s, size_t n, int force_quotes)
{
	size_t i, start = 0;
	int quote = force_quotes;

	for (i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote)
		return ds_buf_add(o, s, n);
	if (ds_buf_addch(o, '"'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		if (ds_buf_add(o, s + start, i + 1 - start) || ds_buf_addch(o, '"'))
			return -1;
		start = i + 1;
	}
	return ds_buf_add(o, s + start, n - start) || ds_buf_addch(o, '"');
}

static int csv_value(struct ds_buf *o, const struct rtype *t, duckdb_vector v, const void *data,
		     idx_t row, struct ds_buf *scratch)
{
	char tmp[96];
	const char *str = NULL;
	size_t n = 0;
	enum kind k;

	if (t->id == DUCKDB_TYPE_SQLNULL || !is_valid(v, row))
		return 0; /* NULL is an empty field; an empty string is "" */
	if (t->nchild) {
		ds_buf_reset(scratch);
		if (json_value(scratch, t, v, row))
			return -1;
		return csv_field(o, scratch->data, scratch->len, 0);
	}
	k = scalar(t, data, row, tmp, &n, &str);
	switch (k) {
	case K_BARE:
	case K_TEXT:
		return ds_buf_add(o, tmp, n);
	case K_STR:
		return csv_field(o, str, n, n == 0);
	case K_BLOB:
	case K_BITS:
		ds_buf_reset(scratch);
		if ((k == K_BLOB ? add_base64 : add_bits)(scratch, (const unsigned char *)str, n))
			return -1;
		return ds_buf_add(o, scratch->data ? scratch->data : "", scratch->len);
	case K_NULL:
		break;
	}
	return 0;
}

/* --- results ----------------------------------------------------------------------------- */

int db__render_init(struct db__render *rd, duckdb_result *res, enum db_format fmt,
		    struct ds_error *e)
{
	idx_t i;

	memset(rd, 0, sizeof(*rd));
	rd->fmt = fmt;
	rd->res = res;
	rd->ncols = duckdb_column_count(res);
	ds_buf_init(&rd->scratch, 0);
	rd->cols = calloc(rd->ncols ? rd->ncols : 1, sizeof(*rd->cols));
	rd->keys = calloc(rd->ncols ? rd->ncols : 1, sizeof(*rd->keys));
	rd->vecs = calloc(rd->ncols ? rd->ncols : 1, sizeof(*rd->vecs));
	rd->data = calloc(rd->ncols ? rd->ncols : 1, sizeof(*rd->data));
	if (!rd->cols || !rd->keys || !rd->vecs || !rd->data) {
		db__render_release(rd);
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < rd->ncols; i++) {
		duckdb_logical_type t = duckdb_column_logical_type(res, i);
		const char *name = duckdb_column_name(res, i);
		int rc;

		if (!name)
			name = "";
		ds_buf_init(&rd->keys[i], 0);
		rc = rtype_init(&rd->cols[i], t, name, 0, e);
		duckdb_destroy_logical_type(&t);
		rd->ninit = i + 1;
		if (rc || (fmt == DB_FORMAT_NDJSON &&
			   (ds_buf_addstr(&rd->keys[i], i ? ",\"" : "{\"") ||
			    ds_buf_add_json_escaped(&rd->keys[i], name, strlen(name)) ||
			    ds_buf_addstr(&rd->keys[i], "\":")))) {
			if (!rc)
				ds_error_set(e, DB_ERR_NOMEM, "out of memory");
			db__render_release(rd);
			return -1;
		}
	}
	return 0;
}

void db__render_release(struct db__render *rd)
{
	idx_t i;

	for (i = 0; i < rd->ninit; i++) {
		rtype_release(&rd->cols[i]);
		ds_buf_release(&rd->keys[i]);
	}
	free(rd->cols);
	free(rd->keys);
	free(rd->vecs);
	free(rd->data);
	ds_buf_release(&rd->scratch);
	memset(rd, 0, sizeof(*rd));
}

int db__render_header(struct db__render *rd, struct ds_buf *o)
{
	idx_t i;

	if (rd->fmt == DB_FORMAT_NDJSON)
		return 0;
	if (rd->fmt == DB_FORMAT_CSV) {
		for (i = 0; i < rd->ncols; i++) {
			const char *name = duckdb_column_name(rd->res, i);

			if ((i && ds_buf_addch(o, ',')) || csv_field(o, name ? name : "", name ? strlen(name) : 0, 0))
				return -1;
		}
		return ds_buf_addstr(o, "\r\n");
	}
	if (ds_buf_addstr(o, "{\"columns\":["))
		return -1;
	for (i = 0; i < rd->ncols; i++) {
		const char *name = duckdb_column_name(rd->res, i);
		duckdb_logical_type t = duckdb_column_logical_type(rd->res, i);
		int rc;

		ds_buf_reset(&rd->scratch);
		rc = db__type_name(&rd->scratch, t);
		duckdb_destroy_logical_type(&t);
		if (rc || (i && ds_buf_addch(o, ',')) || ds_buf_addstr(o, "{\"name\":\"") ||
		    ds_buf_add_json_escaped(o, name ? name : "", name ? strlen(name) : 0) ||
		    ds_buf_addstr(o, "\",\"type\":\"") ||
		    ds_buf_add_json_escaped(o, ds_buf_str(&rd->scratch), rd->scratch.len) ||
		    ds_buf_addstr(o, "\"}"))
			return -1;
	}
	return ds_buf_addstr(o, "],\"rows\":[");
}

void db__render_chunk(struct db__render *rd, duckdb_data_chunk ch)
{
	idx_t i;

	for (i = 0; i < rd->ncols; i++) {
		rd->vecs[i] = duckdb_data_chunk_get_vector(ch, i);
		rd->data[i] = duckdb_vector_get_data(rd->vecs[i]);
	}
}

int db__render_row(struct db__render *rd, idx_t row, struct ds_buf *o)
{
	size_t start = o->len;
	idx_t i;
	int rc = 0;

	switch (rd->fmt) {
	case DB_FORMAT_JSON:
		rc = (rd->rows && ds_buf_addch(o, ',')) || ds_buf_addch(o, '[');
		for (i = 0; i < rd->ncols && !rc; i++)
			rc = (i && ds_buf_addch(o, ',')) ||
			     json_value(o, &rd->cols[i], rd->vecs[i], row);
		rc = rc || ds_buf_addch(o, ']');
		break;
	case DB_FORMAT_NDJSON:
		for (i = 0; i < rd->ncols && !rc; i++)
			rc = ds_buf_add(o, rd->keys[i].data, rd->keys[i].len) ||
			     json_value(o, &rd->cols[i], rd->vecs[i], row);
		rc = rc || ds_buf_addstr(o, rd->ncols ? "}\n" : "{}\n");
		break;
	case DB_FORMAT_CSV:
		for (i = 0; i < rd->ncols && !rc; i++)
			rc = (i && ds_buf_addch(o, ',')) ||
			     csv_value(o, &rd->cols[i], rd->vecs[i], rd->data[i], row, &rd->scratch);
		rc = rc || ds_buf_addstr(o, "\r\n");
		break;
	}
	if (rc) {
		o->len = start;
		if (o->data)
			o->data[start] = '\0';
		return -1;
	}
	rd->rows++;
	return 0;
}

int db__render_footer(struct db__render *rd, struct ds_buf *o)
{
	if (rd->fmt != DB_FORMAT_JSON)
		return 0;
	return ds_buf_addf(o, "],\"row_count\":%lld}", rd->rows);
}
