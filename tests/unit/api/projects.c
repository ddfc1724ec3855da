/*
 * Tests for lib/api/projects.c, handler.c and health.c, driven in-process: real DuckDB
 * (in memory), real handlers and group-commit writer, no socket (api__run_sync).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "apit.h"
#include "core/clock.h"
#include "harness.h"
#include "test.h"

static void ctx_up(void)
{
	apit_up(NULL, NULL);
}

/* One request through the real handler path. target may carry "?a=1&b=2". */
static struct apit_resp call(const char *method, const char *target, const char *ctype,
			     const char *body)
{
	return apit_call(method, target, ctype, body, NULL);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

#define JSON_CT "application/json"
#define VALID "{\"project_name\":\"Solar farm\",\"total_amount\":1234567890.12,\"maturity_years\":20," \
	      "\"expected_tri\":8.5,\"dscr\":1.35}"

static const char *create(const char *body)
{
	struct apit_resp r = call("POST", "/ops/projects", JSON_CT, body);

	ASSERT_MSG(r.status == 201, "status %d: %s", r.status, r.body);
	return jstr(r.json, "project_id");
}

TEST(projects_create_returns_201_location_and_stored_row)
{
	struct apit_resp r;
	char today[16];

	ctx_up();
	r = call("POST", "/ops/projects", JSON_CT, VALID);
	ASSERT_EQ_INT(r.status, 201);
	ASSERT_EQ_STR(r.type, "application/json");
	ASSERT_NOT_NULL(r.json);
	ASSERT_EQ_STR(r.location, ds_test_printf("/ops/projects/%s", jstr(r.json, "project_id")));
	ASSERT_EQ_STR(jstr(r.json, "project_name"), "Solar farm");
	/* Defaults, applied in UTC. */
	ASSERT_EQ_STR(jstr(r.json, "status"), "PROPOSED");
	ASSERT_EQ_STR(jstr(r.json, "currency_code"), "USD");
	ds_date_format((int32_t)(ds_clock_real_us() / 86400000000LL), today);
	ASSERT_EQ_STR(jstr(r.json, "creation_date"), today);
	ASSERT(json_is_null(json_object_get(r.json, "description")));
	ASSERT_NOT_NULL(jstr(r.json, "last_updated"));
}

TEST(projects_create_answers_byte_for_byte_what_get_returns)
{
	const char *bodies[] = {
		VALID,
		"{\"project_name\":\"Caf\u00e9 \\\"quoted\\\" \\u2603\",\"description\":\"line1\\nline2\\t\",\"total_amount\":\"0.5\","
		"\"maturity_years\":0,\"expected_tri\":-12.3,\"dscr\":0,\"status\":\"COMPLETED\","
		"\"creation_date\":\"1999-12-31\",\"currency_code\":\"EUR\"}",
	};
	size_t i;

	ctx_up();
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct apit_resp c = call("POST", "/ops/projects", JSON_CT, bodies[i]), g;

		ASSERT_MSG(c.status == 201, "%d %s", c.status, c.body);
		g = call("GET", c.location, NULL, NULL);
		ASSERT_EQ_INT(g.status, 200);
		ASSERT_EQ_STR(c.body, g.body);
	}
}

TEST(projects_decimals_roundtrip_exactly_as_numbers_and_strings)
{
	struct apit_resp r;

	ctx_up();
	r = call("POST", "/ops/projects", JSON_CT,
		 "{\"project_name\":\"x\",\"total_amount\":\"999999999999999999.99\","
		 "\"maturity_years\":1,\"expected_tri\":-999.99,\"dscr\":\"0.1\"}");
	ASSERT_EQ_INT(r.status, 201);
	/* Exact digits in the response text, not what a double would print. */
	ASSERT_CONTAINS(r.body, "\"total_amount\":999999999999999999.99,");
	ASSERT_CONTAINS(r.body, "\"expected_tri\":-999.99,");
	ASSERT_CONTAINS(r.body, "\"dscr\":0.10,");
	r = call("GET", ds_test_printf("/ops/projects/%s", jstr(r.json, "project_id")), NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"total_amount\":999999999999999999.99,");
	r = call("POST", "/ops/projects", JSON_CT, VALID);
	ASSERT_CONTAINS(r.body, "\"total_amount\":1234567890.12,");
}

struct bad_case {
	const char *body;
	int status;
	const char *type;
	const char *field;
	const char *detail;
};

TEST(projects_create_rejects_each_bad_body_naming_the_field)
{
	static const struct bad_case cases[] = {
		{"", 400, "invalid-json", NULL, "empty"},
		{"{\"project_name\": }", 400, "invalid-json", NULL, "line 1 column 18: unexpected '}'"},
		{"[1]", 400, "invalid-json", NULL, "must be a JSON object"},
		{"{\"project_name\":\"\xff\"}", 400, "invalid-json", NULL, "invalid UTF-8"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"colour\":\"red\"}", 400, "unknown-field", "colour", "'colour'"},
		{"{\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,\"dscr\":1}", 400,
		 "missing-field", "project_name", "required"},
		{"{\"project_name\":42,\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "project_name", "must be a string, not a number"},
		{"{\"project_name\":\"  \",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "project_name", "must not be empty"},
		{"{\"project_name\":null,\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "project_name", "must not be null"},
		{"{\"project_name\":\"x\",\"total_amount\":-1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "total_amount", "must not be negative"},
		{"{\"project_name\":\"x\",\"total_amount\":1.234,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "total_amount", "more than 2 decimal places"},
		{"{\"project_name\":\"x\",\"total_amount\":true,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "total_amount", "not a boolean"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1.5,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "maturity_years", "whole number"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":-3,\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "maturity_years", "negative"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":\"3\",\"expected_tri\":1,"
		 "\"dscr\":1}", 400, "invalid-field", "maturity_years", "not a string"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1000,"
		 "\"dscr\":1}", 400, "invalid-field", "expected_tri", "does not fit DECIMAL(5,2)"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"status\":\"DONE\"}", 400, "invalid-field", "status", "one of PROPOSED"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"status\":\"active\"}", 400, "invalid-field", "status", "one of PROPOSED"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"currency_code\":\"usd\"}", 400, "invalid-field", "currency_code", "upper-case"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"currency_code\":\"EURO\"}", 400, "invalid-field", "currency_code", "three"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"creation_date\":\"2023-02-30\"}", 400, "invalid-field", "creation_date",
		 "YYYY-MM-DD"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"project_id\":\"not-a-uuid\"}", 400, "invalid-field", "project_id", "UUID"},
		{"{\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,"
		 "\"dscr\":1,\"last_updated\":\"2024-01-01\"}", 400, "invalid-field", "last_updated",
		 "set by the server"},
		{"{\"project_name\":\"x\",\"project_name\":\"y\",\"total_amount\":1,\"maturity_years\":1,"
		 "\"expected_tri\":1,\"dscr\":1}", 400, "invalid-field", "project_name", "twice"},
		{"{\"project_name\":\"a\\u0000b\",\"total_amount\":1,\"maturity_years\":1,"
		 "\"expected_tri\":1,\"dscr\":1}", 400, "invalid-field", "project_name", "NUL"},
	};
	size_t i;

	ctx_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		struct apit_resp r = call("POST", "/ops/projects", JSON_CT, c->body);

		ASSERT_MSG(r.status == c->status, "case %zu: status %d, want %d: %s", i, r.status,
			   c->status, r.body);
		ASSERT_EQ_STR(r.type, "application/problem+json");
		ASSERT_MSG(r.json, "case %zu: not JSON: %s", i, r.body);
		ASSERT_EQ_STR(jstr(r.json, "type"),
			      ds_test_printf("urn:duckdb-spawn:problem:%s", c->type));
		if (c->field)
			ASSERT_EQ_STR(jstr(r.json, "field"), c->field);
		ASSERT_CONTAINS(jstr(r.json, "detail"), c->detail);
	}
	/* Nothing was written. */
	ASSERT_CONTAINS(call("GET", "/ops/projects", NULL, NULL).body, "\"count\":0");
}

TEST(projects_strings_with_sql_metacharacters_are_stored_verbatim)
{
	const char *name = "Robert'); DROP TABLE projects; -- \\\" %s \\u00e9";
	const char *stored = "Robert'); DROP TABLE projects; -- \\\" %s \xc3\xa9";
	struct apit_resp r;
	const char *id;

	ctx_up();
	id = create(ds_test_printf("{\"project_name\":\"%s\",\"description\":\"' OR 1=1 --\","
				   "\"total_amount\":1,\"maturity_years\":1,\"expected_tri\":1,\"dscr\":1}",
				   name));
	r = call("GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(r.json, "project_name"), ds_test_printf("Robert'); DROP TABLE projects; -- \" %%s \xc3\xa9"));
	(void)stored;
	ASSERT_EQ_STR(jstr(r.json, "description"), "' OR 1=1 --");
}

TEST(projects_client_chosen_id_is_used_and_a_duplicate_is_409)
{
	const char *body = "{\"project_id\":\"123E4567-E89B-42D3-A456-426614174000\","
			   "\"project_name\":\"x\",\"total_amount\":1,\"maturity_years\":1,"
			   "\"expected_tri\":1,\"dscr\":1}";
	struct apit_resp r;

	ctx_up();
	r = call("POST", "/ops/projects", JSON_CT, body);
	ASSERT_EQ_INT(r.status, 201);
	ASSERT_EQ_STR(jstr(r.json, "project_id"), "123e4567-e89b-42d3-a456-426614174000");
	r = call("POST", "/ops/projects", JSON_CT, body);
	ASSERT_EQ_INT(r.status, 409);
	ASSERT_EQ_STR(jstr(r.json, "type"), "urn:duckdb-spawn:problem:write-conflict");
	ASSERT_EQ_STR(jstr(r.json, "field"), "project_id");
}

TEST(projects_get_unknown_is_404_malformed_is_400)
{
	struct apit_resp r;

	ctx_up();
	r = call("GET", "/ops/projects/123e4567-e89b-42d3-a456-426614174000", NULL, NULL);
	ASSERT_EQ_INT(r.status, 404);
	ASSERT_EQ_STR(jstr(r.json, "type"), "urn:duckdb-spawn:problem:not-found");
	r = call("GET", "/ops/projects/42", NULL, NULL);
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(jstr(r.json, "field"), "project_id");
	ASSERT_EQ_STR(jstr(r.json, "type"), "urn:duckdb-spawn:problem:invalid-parameter");
}

TEST(projects_patch_changes_only_given_fields_and_last_updated)
{
	struct apit_resp before, after;
	const char *id;

	ctx_up();
	id = create(VALID);
	before = call("GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	after = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT,
		     "{\"status\":\"ACTIVE\",\"total_amount\":\"42.10\",\"description\":\"now\"}");
	ASSERT_MSG(after.status == 200, "%d %s", after.status, after.body);
	ASSERT_EQ_STR(jstr(after.json, "status"), "ACTIVE");
	ASSERT_CONTAINS(after.body, "\"total_amount\":42.10,");
	ASSERT_EQ_STR(jstr(after.json, "description"), "now");
	ASSERT_EQ_STR(jstr(after.json, "project_name"), "Solar farm");
	ASSERT_CONTAINS(after.body, "\"dscr\":1.35,");
	ASSERT_EQ_STR(jstr(after.json, "creation_date"), jstr(before.json, "creation_date"));
	ASSERT_MSG(strcmp(jstr(after.json, "last_updated"), jstr(before.json, "last_updated")) > 0,
		   "last_updated did not move: %s -> %s", jstr(before.json, "last_updated"),
		   jstr(after.json, "last_updated"));
	/* description can be cleared with null. */
	after = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT, "{\"description\":null}");
	ASSERT(json_is_null(json_object_get(after.json, "description")));
}

TEST(projects_patch_refuses_empty_readonly_and_unknown)
{
	struct apit_resp r;
	const char *id;

	ctx_up();
	id = create(VALID);
	r = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT, "{}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_CONTAINS(jstr(r.json, "detail"), "no field to change");
	r = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT,
		 "{\"project_id\":\"123e4567-e89b-42d3-a456-426614174000\"}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(jstr(r.json, "field"), "project_id");
	r = call("PATCH", "/ops/projects/123e4567-e89b-42d3-a456-426614174000", JSON_CT,
		 "{\"status\":\"ACTIVE\"}");
	ASSERT_EQ_INT(r.status, 404);
	r = call("PATCH", ds_test_printf("/ops/projects/%s", id), "text/plain", "{\"status\":\"ACTIVE\"}");
	ASSERT_EQ_INT(r.status, 415);
}

TEST(projects_patch_conflicting_with_another_transaction_is_409)
{
	struct ds_error e = DS_ERROR_INIT;
	struct apit_resp r;
	const char *id;

	ctx_up();
	id = create(VALID);
	/* A transaction outside the writer holds a change to the same row. */
	ASSERT_EQ_INT(db_conn_begin(db_conn_get(apit_ctx.db, &e), &e), 0);
	ASSERT_EQ_INT(db_exec_sql(apit_ctx.db, ds_test_printf("UPDATE projects SET status = 'COMPLETED' WHERE "
							"project_id = '%s'", id),
				  &e),
		      0);
	r = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT, "{\"status\":\"ACTIVE\"}");
	ASSERT_MSG(r.status == 409, "%d %s", r.status, r.body);
	ASSERT_EQ_STR(jstr(r.json, "type"), "urn:duckdb-spawn:problem:write-conflict");
	db_conn_rollback(db_conn_get(apit_ctx.db, &e));
	r = call("PATCH", ds_test_printf("/ops/projects/%s", id), JSON_CT, "{\"status\":\"ACTIVE\"}");
	ASSERT_EQ_INT(r.status, 200);
}

TEST(projects_delete_is_204_then_404)
{
	struct apit_resp r;
	const char *id;

	ctx_up();
	id = create(VALID);
	r = call("DELETE", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_EQ_INT(r.status, 204);
	ASSERT_EQ_STR(r.body, "");
	r = call("DELETE", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_EQ_INT(r.status, 404);
	r = call("GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_EQ_INT(r.status, 404);
}

/* Fill the table straight through SQL: n rows, dates clustered by insertion order like a
 * real table, plus a few outliers (old and future dates) and ties. */
static void bulk(long n)
{
	struct ds_error e = DS_ERROR_INIT;
	char *sql = ds_test_printf(
		"INSERT INTO projects SELECT gen_random_uuid(), 'p' || i, NULL, i, 1, 1, 1, "
		"['PROPOSED','ACTIVE','COMPLETED'][1 + (i %% 3)::INT], "
		"CASE WHEN i %% 997 = 0 THEN DATE '1999-01-01' + (i %% 50)::INT "
		"WHEN i %% 1009 = 0 THEN DATE '2099-01-01' ELSE DATE '2020-01-01' + (i // 40)::INT END, "
		"TIMESTAMP '2024-01-01', 'USD' FROM range(%ld) t(i)", n);

	if (db_exec_sql(apit_ctx.db, sql, &e))
		FAIL("bulk: %s", ds_error_msg(&e));
}

/* Ids of a page, in order, joined by ','. */
static const char *page_ids(json_t *page)
{
	json_t *items = json_object_get(page, "items");
	struct ds_buf b = DS_BUF_INIT(0);
	size_t i;
	const char *s;

	for (i = 0; i < json_array_size(items); i++) {
		ds_buf_addstr(&b, jstr(json_array_get(items, i), "project_id"));
		ds_buf_addch(&b, ',');
	}
	s = ds_test_strdup(ds_buf_str(&b));
	ds_buf_release(&b);
	return s;
}

/* The same page from a plain ORDER BY without any window, straight from DuckDB. */
static const char *truth(const char *status, long limit, long offset)
{
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf b = DS_BUF_INIT(0);
	struct db_rows rows;
	const char *p, *s;
	int st = db_stmt_add(apit_ctx.db,
			     ds_test_printf("SELECT project_id FROM projects %s%s%s ORDER BY "
					    "creation_date DESC, project_id DESC LIMIT %ld OFFSET %ld",
					    status ? "WHERE status = '" : "", status ? status : "",
					    status ? "'" : "", limit, offset),
			     &e);
	struct ds_buf ids = DS_BUF_INIT(0);

	ASSERT_CMP_INT(st, >=, 0);
	db_rows_init(&rows, &b);
	ASSERT_EQ_INT(db_query(db_conn_get(apit_ctx.db, &e), st, NULL, 0, &rows, &e), 0);
	for (p = ds_buf_str(&b); (p = strstr(p, "\"project_id\":\"")); p += 14 + 36) {
		ds_buf_add(&ids, p + 14, 36);
		ds_buf_addch(&ids, ',');
	}
	s = ds_test_strdup(ds_buf_str(&ids));
	ds_buf_release(&ids);
	ds_buf_release(&b);
	return s;
}

TEST(projects_list_pages_equal_a_plain_order_by)
{
	static const long offsets[] = {0, 7, 100, 1999, 5000, 19950, 25000};
	static const long limits[] = {1, 50, 100, 1000};
	static const char *const statuses[] = {NULL, "ACTIVE"};
	size_t i, j, k;
	int rep;

	ctx_up();
	bulk(20000);
	/* Twice: the second round starts from the windows the first one learned. */
	for (rep = 0; rep < 2; rep++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
				for (j = 0; j < sizeof(limits) / sizeof(limits[0]); j++) {
					const char *q = ds_test_printf(
						"/ops/projects?limit=%ld&offset=%ld%s%s", limits[j],
						offsets[i], statuses[k] ? "&status=" : "",
						statuses[k] ? statuses[k] : "");
					struct apit_resp r = call("GET", q, NULL, NULL);

					ASSERT_MSG(r.status == 200, "%s: %d %s", q, r.status, r.body);
					ASSERT_MSG(!strcmp(page_ids(r.json),
							   truth(statuses[k], limits[j], offsets[i])),
						   "%s differs from ORDER BY", q);
				}
}

TEST(projects_list_keyset_walk_visits_every_row_once_in_order)
{
	const char *after = NULL;
	struct ds_buf walked = DS_BUF_INIT(0);
	int pages = 0;

	ctx_up();
	bulk(3000);
	for (;;) {
		struct apit_resp r = call("GET", after ? ds_test_printf("/ops/projects?limit=137&after=%s", after)
						  : "/ops/projects?limit=137",
				     NULL, NULL);
		json_t *next;

		ASSERT_MSG(r.status == 200, "%d %s", r.status, r.body);
		ds_buf_addstr(&walked, page_ids(r.json));
		pages++;
		next = json_object_get(r.json, "next_after");
		if (json_is_null(next))
			break;
		after = ds_test_strdup(json_string_value(next));
		ASSERT_CMP_INT(pages, <, 100);
	}
	ASSERT_EQ_INT(pages, 3000 / 137 + 1);
	ASSERT_MSG(!strcmp(ds_buf_str(&walked), truth(NULL, 5000, 0)), "keyset walk differs from ORDER BY");
	ds_buf_release(&walked);
}

TEST(projects_list_with_thousands_of_dates_grows_the_histogram_and_stays_exact)
{
	struct ds_error e = DS_ERROR_INIT;
	struct apit_resp r;

	ctx_up();
	/* 6,000 distinct dates: more than the first histogram buffer (4,096) holds. */
	ASSERT_EQ_INT(db_exec_sql(apit_ctx.db,
				  "INSERT INTO projects SELECT gen_random_uuid(), 'p' || i, NULL, i, 1, 1, 1, "
				  "'ACTIVE', DATE '2000-01-01' + (i // 2)::INT, TIMESTAMP '2024-01-01', 'USD' "
				  "FROM range(12000) t(i)",
				  &e),
		      0);
	r = call("GET", "/ops/projects?limit=100&offset=9000", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_MSG(!strcmp(page_ids(r.json), truth(NULL, 100, 9000)), "offset page differs");
	r = call("GET", ds_test_printf("/ops/projects?limit=100&after=%s",
				       json_string_value(json_object_get(r.json, "next_after"))),
		 NULL, NULL);
	ASSERT_MSG(!strcmp(page_ids(r.json), truth(NULL, 100, 9100)), "keyset page differs");
}

TEST(projects_list_with_more_dates_than_the_histogram_holds_is_still_exact)
{
	struct ds_error e = DS_ERROR_INIT;
	struct apit_resp r;

	ctx_up();
	/* 70,000 distinct dates: past the histogram's 65,536, so the plain query runs. */
	ASSERT_EQ_INT(db_exec_sql(apit_ctx.db,
				  "INSERT INTO projects SELECT gen_random_uuid(), 'p' || i, NULL, i, 1, 1, 1, "
				  "'ACTIVE', DATE '1900-01-01' + i::INT, TIMESTAMP '2024-01-01', 'USD' "
				  "FROM range(70000) t(i)",
				  &e),
		      0);
	r = call("GET", "/ops/projects?limit=100&offset=1000", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_MSG(!strcmp(page_ids(r.json), truth(NULL, 100, 1000)), "offset page differs");
	r = call("GET", ds_test_printf("/ops/projects?limit=100&after=%s",
				       json_string_value(json_object_get(r.json, "next_after"))),
		 NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_MSG(!strcmp(page_ids(r.json), truth(NULL, 100, 1100)), "keyset page differs");
}

TEST(projects_list_refuses_bad_parameters)
{
	static const struct {
		const char *q, *field, *detail;
	} cases[] = {
		{"limit=0", "limit", "out of range"},
		{"limit=1001", "limit", "out of range"},
		{"limit=ten", "limit", "not a number"},
		{"offset=-1", "offset", "out of range"},
		{"status=DONE", "status", "one of"},
		{"after=yesterday", "after", "cursor"},
		{"offset=5&after=2024-01-01_123e4567-e89b-42d3-a456-426614174000", "after", "not both"},
		{"colour=red", "colour", "unknown query parameter"},
	};
	size_t i;

	ctx_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct apit_resp r = call("GET", ds_test_printf("/ops/projects?%s", cases[i].q), NULL, NULL);

		ASSERT_MSG(r.status == 400, "%s: %d", cases[i].q, r.status);
		ASSERT_EQ_STR(jstr(r.json, "field"), cases[i].field);
		ASSERT_CONTAINS(jstr(r.json, "detail"), cases[i].detail);
	}
}

TEST(projects_list_empty_table_is_an_empty_page)
{
	struct apit_resp r;

	ctx_up();
	r = call("GET", "/ops/projects", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(r.body, "{\"items\":[],\"limit\":50,\"offset\":0,\"count\":0,\"next_after\":null}");
}

TEST(api_precheck_answers_404_405_415_413_before_the_body)
{
	struct api_req *r = malloc(sizeof(*r));
	struct apit_resp x;

	ctx_up();
	x = call("GET", "/nope", NULL, NULL);
	ASSERT_EQ_INT(x.status, 404);
	ASSERT_EQ_STR(jstr(x.json, "type"), "urn:duckdb-spawn:problem:not-found");
	x = call("PUT", "/ops/projects", JSON_CT, "{}");
	ASSERT_EQ_INT(x.status, 405);
	ASSERT_EQ_STR(x.allow, "GET, HEAD, POST");
	x = call("POST", "/ops/projects", NULL, VALID);
	ASSERT_EQ_INT(x.status, 415);
	x = call("POST", "/ops/projects", "application/json; charset=utf-8", VALID);
	ASSERT_EQ_INT(x.status, 201);
	x = call("POST", "/ops/projects", "application/merge-patch+json", VALID);
	ASSERT_EQ_INT(x.status, 201);
	/* 413 from the announced length alone. */
	api__req_init(r, &apit_ctx);
	r->method = API_POST;
	r->path = "/ops/projects";
	r->content_type = JSON_CT;
	r->content_length = 1024 * 1024 + 1;
	ASSERT_EQ_INT(api__precheck(r), 1);
	ASSERT_EQ_INT(r->status, 413);
	api__req_release(r);
	free(r);
}

TEST(health_is_200_with_a_real_query_and_503_when_the_table_is_gone)
{
	struct ds_error e = DS_ERROR_INIT;
	struct apit_resp r;

	ctx_up();
	create(VALID);
	r = call("GET", "/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(r.json, "status"), "healthy");
	ASSERT_EQ_INT(json_integer_value(json_object_get(r.json, "projects")), 1);
	r = call("GET", "/monitoring/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_INT(db_exec_sql(apit_ctx.db, "DROP TABLE projects", &e), 0);
	r = call("GET", "/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 503);
	ASSERT_EQ_STR(jstr(r.json, "status"), "unhealthy");
	ASSERT_CONTAINS(jstr(r.json, "reason"), "projects");
	atomic_store(&apit_ctx.draining, 1);
	ASSERT_EQ_STR(jstr(call("GET", "/health", NULL, NULL).json, "reason"), "shutting down");
}

TEST(info_names_service_versions_and_links)
{
	struct apit_resp r;

	ctx_up();
	r = call("GET", "/", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(r.json, "name"), "duckdb-spawn");
	ASSERT_EQ_STR(jstr(r.json, "duckdb"), "v1.4.4");
	ASSERT_EQ_STR(jstr(json_object_get(r.json, "links"), "projects"), "/ops/projects");
}
