/*
 * db/catalog.c - what the admin endpoints need from DuckDB: the tables of the main schema
 * with their columns, keys, comments and row counts; DuckDB's type names; DDL in one
 * transaction; identifier quoting.
 *
 * Catalog rows come from DuckDB's own table functions (duckdb_tables(), duckdb_columns(),
 * duckdb_constraints(), duckdb_types()), read through chunks. A row count is an exact
 * count(*) over the table, whose name is quoted as an identifier (never spliced raw), all in
 * one read transaction so that the listing is one snapshot.
 */
#include "db/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s between two q, each q inside doubled: SQL's quoting of identifiers and strings. */
static int quote(struct ds_buf *o, const char *s, char q)
{
	const char *p;

	if (ds_buf_addch(o, q))
		return -1;
	for (p = s; *p; p++)
		if ((*p == q && ds_buf_addch(o, q)) || ds_buf_addch(o, *p))
			return -1;
	return ds_buf_addch(o, q);
}

int db_quote_ident(struct ds_buf *o, const char *name)
{
	return quote(o, name, '"');
}

int db_quote_literal(struct ds_buf *o, const char *s)
{
	return quote(o, s, '\'');
}

/* Run sql on c and call fn for every row of every chunk. */
static int each_row(struct db_conn *c, const char *sql,
		    int (*fn)(void *arg, duckdb_data_chunk ch, idx_t row), void *arg,
		    struct ds_error *e)
{
	duckdb_result res;
	duckdb_data_chunk ch;
	int rc = 0;

	if (duckdb_query(c->c, sql, &res) == DuckDBError) {
		rc = db__fail(c->db, e, duckdb_result_error_type(&res), duckdb_result_error(&res), NULL);
		duckdb_destroy_result(&res);
		return rc;
	}
	while (!rc && (ch = duckdb_fetch_chunk(res))) {
		idx_t n = duckdb_data_chunk_get_size(ch), i;

		for (i = 0; i < n && !rc; i++)
			if (fn(arg, ch, i))
				rc = ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		duckdb_destroy_data_chunk(&ch);
	}
	if (!rc && duckdb_result_error(&res))
		rc = db__fail(c->db, e, duckdb_result_error_type(&res), duckdb_result_error(&res), NULL);
	duckdb_destroy_result(&res);
	return rc;
}

struct names {
	char **v;
	size_t n, alloc;
};

static int push_name(struct names *l, char *s)
{
	if (l->n == l->alloc) {
		size_t a = l->alloc ? l->alloc * 2 : 64;
		char **p = realloc(l->v, a * sizeof(*p));

		if (!p)
			return -1;
		l->v = p;
		l->alloc = a;
	}
	l->v[l->n++] = s;
	return 0;
}

static int type_row(void *arg, duckdb_data_chunk ch, idx_t row)
{
	char *s;

	if (db__cell_text(duckdb_data_chunk_get_vector(ch, 0), row, &s))
		return -1;
	if (!s)
		return 0;
	if (push_name(arg, s)) {
		free(s);
		return -1;
	}
	return 0;
}

int db_type_names(struct db *db, char ***out, size_t *n, struct ds_error *e)
{
	struct db_conn *c = db_conn_get(db, e);
	struct names l = {NULL, 0, 0};

	*out = NULL;
	*n = 0;
	if (!c)
		return -1;
	if (each_row(c, "SELECT DISTINCT lower(type_name) FROM duckdb_types() "
			"WHERE database_name = 'system' ORDER BY 1",
		     type_row, &l, e)) {
		db_names_free(l.v, l.n);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

void db_names_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --- tables ------------------------------------------------------------------------------ */

struct listing {
	struct db_table_info *t;
	size_t n, alloc;
	const char *only;
};

static struct db_table_info *find(struct listing *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->t[i].name, name))
			return &l->t[i];
	return NULL;
}

static int table_row(void *arg, duckdb_data_chunk ch, idx_t row)
{
	struct listing *l = arg;
	struct db_table_info *t;
	char *name, *comment;

	if (db__cell_text(duckdb_data_chunk_get_vector(ch, 0), row, &name))
		return -1;
	if (!name)
		return 0;
	if (l->only && strcmp(name, l->only)) {
		free(name);
		return 0;
	}
	if (db__cell_text(duckdb_data_chunk_get_vector(ch, 1), row, &comment)) {
		free(name);
		return -1;
	}
	if (l->n == l->alloc) {
		size_t a = l->alloc ? l->alloc * 2 : 16;
		struct db_table_info *p = realloc(l->t, a * sizeof(*p));

		if (!p) {
			free(name);
			free(comment);
			return -1;
		}
		l->t = p;
		l->alloc = a;
	}
	t = &l->t[l->n++];
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->comment = comment;
	return 0;
}

static int column_row(void *arg, duckdb_data_chunk ch, idx_t row)
{
	struct listing *l = arg;
	struct db_table_info *t;
	struct db_column_info *c;
	char *table;
	bool *nullable;
	int rc = 0;

	if (db__cell_text(duckdb_data_chunk_get_vector(ch, 0), row, &table))
		return -1;
	t = table ? find(l, table) : NULL;
	free(table);
	if (!t)
		return 0;
	if (t->ncols % 16 == 0) {
		struct db_column_info *p = realloc(t->cols, (t->ncols + 16) * sizeof(*p));

		if (!p)
			return -1;
		t->cols = p;
	}
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	rc = db__cell_text(duckdb_data_chunk_get_vector(ch, 1), row, &c->name) ||
	     db__cell_text(duckdb_data_chunk_get_vector(ch, 2), row, &c->type) ||
	     db__cell_text(duckdb_data_chunk_get_vector(ch, 4), row, &c->comment);
	nullable = duckdb_vector_get_data(duckdb_data_chunk_get_vector(ch, 3));
	c->nullable = nullable[row];
	t->ncols++;
	return rc;
}

static int pk_row(void *arg, duckdb_data_chunk ch, idx_t row)
{
	struct listing *l = arg;
	struct db_table_info *t;
	char *table;

	if (db__cell_text(duckdb_data_chunk_get_vector(ch, 0), row, &table))
		return -1;
	t = table ? find(l, table) : NULL;
	free(table);
	if (!t)
		return 0;
	{
		struct names n = {t->pk, t->npk, t->npk};
		char *col;

		if (db__cell_text(duckdb_data_chunk_get_vector(ch, 1), row, &col))
			return -1;
		if (!col)
			return 0;
		if (push_name(&n, col)) {
			free(col);
			return -1;
		}
		t->pk = n.v;
		t->npk = n.n;
	}
	return 0;
}

static int count_row(void *arg, duckdb_data_chunk ch, idx_t row)
{
	int64_t *v = duckdb_vector_get_data(duckdb_data_chunk_get_vector(ch, 0));

	*(long long *)arg = v[row];
	return 0;
}

int db_tables(struct db *db, const char *only, struct db_table_info **out, size_t *n,
	      struct ds_error *e)
{
	struct db_conn *c = db_conn_get(db, e);
	struct listing l = {NULL, 0, 0, only};
	struct ds_buf sql = DS_BUF_INIT(4096);
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (!c)
		return -1;
	if (db_conn_begin(c, e))
		return -1;
	if (each_row(c, "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' "
			"AND database_name = current_database() AND NOT temporary ORDER BY table_name",
		     table_row, &l, e) ||
	    each_row(c, "SELECT table_name, column_name, data_type, is_nullable, comment "
			"FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = "
			"current_database() ORDER BY table_name, column_index",
		     column_row, &l, e) ||
	    each_row(c, "SELECT table_name, unnest(constraint_column_names) FROM duckdb_constraints() "
			"WHERE schema_name = 'main' AND database_name = current_database() "
			"AND constraint_type = 'PRIMARY KEY' ORDER BY table_name, constraint_index",
		     pk_row, &l, e))
		goto out;
	for (i = 0; i < l.n; i++) {
		ds_buf_reset(&sql);
		if (ds_buf_addstr(&sql, "SELECT count(*) FROM main.") ||
		    db_quote_ident(&sql, l.t[i].name)) {
			ds_error_set(e, DB_ERR_NOMEM, "table name too long");
			goto out;
		}
		if (each_row(c, ds_buf_str(&sql), count_row, &l.t[i].rows, e))
			goto out;
	}
	rc = 0;
out:
	ds_buf_release(&sql);
	db_conn_rollback(c);
	if (rc) {
		db_tables_free(l.t, l.n);
		return -1;
	}
	*out = l.t;
	*n = l.n;
	return 0;
}

void db_tables_free(struct db_table_info *t, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < t[i].ncols; k++) {
			free(t[i].cols[k].name);
			free(t[i].cols[k].type);
			free(t[i].cols[k].comment);
		}
		free(t[i].cols);
		db_names_free(t[i].pk, t[i].npk);
		free(t[i].name);
		free(t[i].comment);
	}
	free(t);
}

int db_exec_transaction(struct db *db, const char *sql, struct ds_error *e)
{
	struct db_conn *c = db_conn_get(db, e);

	if (!c || db_conn_begin(c, e))
		return -1;
	if (db_exec_sql(db, sql, e) || db_conn_commit(c, e)) {
		db_conn_rollback(c);
		return -1;
	}
	return 0;
}
