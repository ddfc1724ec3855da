/*
 * db/guard.c - the last layer of /query's boundary: functions a SELECT may call that act
 * beyond the statement.
 *
 * The READ ONLY transaction, external access off and the locked configuration stop a
 * SELECT from writing data, reading files or changing settings. A few built-in functions
 * still act on the whole database or on the pooled connection, and DuckDB 1.4.4 lets a
 * SELECT call them (each was tried through /query):
 *
 *   checkpoint(), force_checkpoint()   write the database file (POST /admin/checkpoint is
 *                                      the way, behind the admin token);
 *   enable_logging(), disable_logging(), truncate_duckdb_logs()
 *                                      switch or clear query logging for every connection,
 *                                      whatever lock_configuration says;
 *   duckdb_logs(), duckdb_logs_parsed(), duckdb_log_contexts()
 *                                      read those logs: other clients' SQL, literals included;
 *   setseed()                          leaves its state on the connection for the next client;
 *   query(), json_execute_serialized_sql()
 *                                      run SQL given as a string, which no check of the
 *                                      statement (this one included) can see into.
 *
 * How: most statements name none of them, so a case-insensitive search of the text comes
 * first and costs nothing else. Only a hit pays for DuckDB's own parse tree
 * (json_serialize_sql), whose function names are compared exactly: a column or a string
 * that merely contains "query" passes, while quoting ("CheckPoint"()) or qualifying
 * (system.main.checkpoint()) a name does not hide it. A statement DuckDB cannot serialize
 * (PRAGMA, the PIVOT statement) or a tree we cannot read is refused when its text names
 * one: the check fails closed.
 *
 * It runs after the prepare and the type check (query.c), so that a parse error stays a
 * 400 and a CALL stays "a CALL statement". Preparing binds these functions but runs none
 * of them (checked: enable_logging() prepared and refused leaves logging off).
 */
#include "db/internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whole names: the text search looks for each as a substring, the tree check compares
 * them exactly. */
static const char *const denied[] = {
	"checkpoint",
	"force_checkpoint",
	"enable_logging",
	"disable_logging",
	"truncate_duckdb_logs",
	"duckdb_logs",
	"duckdb_logs_parsed",
	"duckdb_log_contexts",
	"setseed",
	"query",
	"json_execute_serialized_sql",
};
#define NDENIED (sizeof(denied) / sizeof(denied[0]))

/* Views over them, named like a table (FROM duckdb_logs). */
static const char *const denied_views[] = {"duckdb_logs"};

static const char *in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(name, list[i]))
			return list[i];
	return NULL;
}

static const char *text_mentions(const char *sql)
{
	size_t i;

	for (i = 0; i < NDENIED; i++)
		if (strcasestr(sql, denied[i]))
			return denied[i];
	return NULL;
}

/* Depth-first over the serialized tree: the first denied function (or view), or NULL. The
 * tree's depth follows the statement's nesting, which DuckDB's parser already bounds
 * (max_expression_depth). */
static const char *tree_calls(json_t *j)
{
	const char *key, *hit;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if (!strcmp(key, "function_name") && json_is_string(v) &&
			    (hit = in_list(json_string_value(v), denied, NDENIED)))
				return hit;
			if (!strcmp(key, "table_name") && json_is_string(v) &&
			    (hit = in_list(json_string_value(v), denied_views,
					   sizeof(denied_views) / sizeof(denied_views[0]))))
				return hit;
			if ((hit = tree_calls(v)))
				return hit;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((hit = tree_calls(v)))
				return hit;
	}
	return NULL;
}

/* DuckDB's parse tree of sql as JSON text (malloc'd), or NULL. */
static char *serialize(duckdb_prepared_statement ser, const char *sql)
{
	duckdb_result res;
	duckdb_data_chunk ch;
	char *out = NULL;

	if (duckdb_bind_varchar_length(ser, 1, sql, strlen(sql)) == DuckDBError)
		return NULL;
	if (duckdb_execute_prepared(ser, &res) == DuckDBError) {
		duckdb_destroy_result(&res);
		return NULL;
	}
	ch = duckdb_fetch_chunk(res);
	if (ch && duckdb_data_chunk_get_size(ch) == 1 &&
	    db__cell_text(duckdb_data_chunk_get_vector(ch, 0), 0, &out))
		out = NULL;
	if (ch)
		duckdb_destroy_data_chunk(&ch);
	duckdb_destroy_result(&res);
	return out;
}

int db__guard_check(duckdb_prepared_statement ser, const char *sql, struct ds_error *e)
{
	const char *named = text_mentions(sql), *hit = NULL;
	json_t *tree = NULL, *err;
	char *text;
	int readable = 0;

	if (!named)
		return 0;
	text = ser ? serialize(ser, sql) : NULL;
	/* As reals: the tree holds 2^64-1 (an unknown query_location), beyond json_int_t. */
	if (text)
		tree = json_loads(text, JSON_DECODE_INT_AS_REAL, NULL);
	free(text);
	err = tree ? json_object_get(tree, "error") : NULL;
	if (json_is_false(err)) {
		readable = 1;
		hit = tree_calls(json_object_get(tree, "statements"));
	}
	json_decref(tree);
	if (hit)
		return ds_error_set(e, DB_ERR_FORBIDDEN,
				    "%s is not allowed on /query: it acts beyond this read-only "
				    "statement (the database file, logging, the connection, or SQL "
				    "run from a string)",
				    hit);
	if (!readable)
		return ds_error_set(e, DB_ERR_FORBIDDEN,
				    "the statement names %s, and its parse tree could not be "
				    "checked for it (PRAGMA and PIVOT statements are not); write it "
				    "as a plain SELECT",
				    named);
	return 0;
}
