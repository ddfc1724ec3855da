/*
 * Tests for lib/api/query.c, admin.c and around.c, driven in-process: real DuckDB (in
 * memory, locked down as the server opens it), real handlers and query pool, no socket
 * (api__run_sync reads a streamed result whole, failure record included).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "apit.h"
#include "core/clock.h"
#include "harness.h"
#include "test.h"

/* Start the context; tune (may be NULL) changes the configuration first. */
static void ctx_up_with(void (*tune)(struct api_config *c))
{
	apit_up("t0ken-for-tests", tune);
}

static void ctx_up(void)
{
	ctx_up_with(NULL);
}

struct opts {
	const char *accept, *auth, *origin, *acr, *client;
	const char *ctype; /* default application/json when there is a body */
};

/* One request through the real handler path. target may carry "?a=1&b=2" (no decoding:
 * '+' is a space, nothing else is decoded). */
static struct apit_resp call_o(const char *method, const char *target, const char *body,
			       const struct opts *o)
{
	struct apit_opts ao = {NULL, NULL, NULL, NULL, NULL};

	if (o) {
		ao.accept = o->accept;
		ao.auth = o->auth;
		ao.origin = o->origin;
		ao.acr = o->acr;
		ao.client = o->client;
	}
	return apit_call(method, target,
			 o && o->ctype ? o->ctype : body ? "application/json" : NULL, body, &ao);
}

static struct apit_resp call(const char *method, const char *target, const char *body)
{
	return call_o(method, target, body, NULL);
}

static struct apit_resp admin(const char *method, const char *target, const char *body)
{
	struct opts o = {NULL, "Bearer t0ken-for-tests", NULL, NULL, NULL, NULL};

	return call_o(method, target, body, &o);
}

static struct apit_resp post_sql(const char *body)
{
	return call("POST", "/query", body);
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *problem_type(const struct apit_resp *r)
{
	const char *t = r->json ? jstr(r->json, "type") : NULL;

	return t ? t + strlen(API_PROBLEM_TYPE_PREFIX) : "(no problem type)";
}

static void create_project(const char *name, const char *amount, const char *status)
{
	char body[512];
	struct apit_resp r;

	snprintf(body, sizeof(body),
		 "{\"project_name\":\"%s\",\"total_amount\":%s,\"maturity_years\":10,"
		 "\"expected_tri\":7.25,\"dscr\":1.40,\"status\":\"%s\"}",
		 name, amount, status);
	r = call("POST", "/ops/projects", body);
	ASSERT_EQ_INT(r.status, 201);
}

/* --- /query ----------------------------------------------------------------------------- */

TEST(api_query_answers_columns_and_rows_with_exact_decimals)
{
	struct apit_resp r;

	ctx_up();
	create_project("a", "1234567890.12", "ACTIVE");
	create_project("b", "999999999999999999.99", "ACTIVE");
	r = post_sql("{\"sql\":\"SELECT status, currency_code, count(*) AS n, sum(total_amount) AS s, "
		     "avg(dscr) AS d FROM projects GROUP BY ALL\"}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(r.type, "application/json");
	ASSERT_EQ_STR(r.body,
		      "{\"columns\":[{\"name\":\"status\",\"type\":\"VARCHAR\"},"
		      "{\"name\":\"currency_code\",\"type\":\"VARCHAR\"},{\"name\":\"n\",\"type\":\"BIGINT\"},"
		      "{\"name\":\"s\",\"type\":\"DECIMAL(38,2)\"},{\"name\":\"d\",\"type\":\"DOUBLE\"}],"
		      "\"rows\":[[\"ACTIVE\",\"USD\",2,1000000001234567890.11,1.4]],\"row_count\":1}");
}

TEST(api_query_get_takes_sql_params_and_format_from_the_query_string)
{
	struct apit_resp r;

	ctx_up();
	r = call("GET", "/query?sql=SELECT+$1::INTEGER+*+2+AS+x,+$2+AS+y&params=[21,\"z\"]&format=csv",
		 NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(r.type, "text/csv; charset=utf-8; header=present");
	ASSERT_EQ_STR(r.body, "x,y\r\n42,z\r\n");
	r = call("GET", "/query", NULL);
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(problem_type(&r), "invalid-parameter");
	r = call("GET", "/query?sql=SELECT+1&limit=3", NULL);
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_CONTAINS(r.body, "unknown query parameter 'limit'");
}

TEST(api_query_accept_picks_the_format_and_406_for_none)
{
	static const struct {
		const char *accept, *type;
	} cases[] = {
		{NULL, "application/json"},
		{"*/*", "application/json"},
		{"application/json", "application/json"},
		{"application/x-ndjson", "application/x-ndjson"},
		{"application/jsonl", "application/x-ndjson"},
		{"text/csv", "text/csv; charset=utf-8; header=present"},
		{"text/*", "text/csv; charset=utf-8; header=present"},
		{"application/json;q=0.2, text/csv", "text/csv; charset=utf-8; header=present"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"},
		{"text/csv;q=0, */*", "application/json"},
	};
	struct opts o;
	struct apit_resp r;
	size_t i;

	ctx_up();
	memset(&o, 0, sizeof(o));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.accept = cases[i].accept;
		r = call_o("POST", "/query", "{\"sql\":\"SELECT 1 AS one\"}", &o);
		ASSERT_MSG(r.status == 200 && r.type && !strcmp(r.type, cases[i].type),
			   "Accept '%s': %d %s", cases[i].accept ? cases[i].accept : "(none)", r.status,
			   r.type ? r.type : "(none)");
	}
	r = call_o("POST", "/query?format=ndjson", "{\"sql\":\"SELECT 1 AS one\"}", &o);
	ASSERT_EQ_STR(r.body, "{\"one\":1}\n");
	o.accept = "application/xml";
	r = call_o("POST", "/query", "{\"sql\":\"SELECT 1\"}", &o);
	ASSERT_EQ_INT(r.status, 406);
	ASSERT_EQ_STR(problem_type(&r), "not-acceptable");
	o.accept = "text/csv;q=0";
	r = call_o("POST", "/query", "{\"sql\":\"SELECT 1\"}", &o);
	ASSERT_EQ_INT(r.status, 406);
	r = call("POST", "/query?format=xml", "{\"sql\":\"SELECT 1\"}");
	ASSERT_EQ_INT(r.status, 400);
}

TEST(api_query_refuses_writes_403_and_bad_sql_400_with_duckdbs_words)
{
	struct apit_resp r;

	ctx_up();
	r = post_sql("{\"sql\":\"DELETE FROM projects\"}");
	ASSERT_EQ_INT(r.status, 403);
	ASSERT_EQ_STR(problem_type(&r), "query-forbidden");
	ASSERT_EQ_STR(jstr(r.json, "field"), "sql");
	ASSERT_CONTAINS(jstr(r.json, "detail"), "this is a DELETE statement");
	r = post_sql("{\"sql\":\"SELECT * FROM read_csv('/etc/passwd')\"}");
	ASSERT_EQ_INT(r.status, 403);
	ASSERT_CONTAINS(jstr(r.json, "detail"), "Permission Error");
	r = post_sql("{\"sql\":\"SELECT * FROM nowhere\"}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(problem_type(&r), "sql-error");
	ASSERT_CONTAINS(jstr(r.json, "detail"), "Catalog Error: Table with name nowhere does not exist");
	ASSERT_NOT_CONTAINS(jstr(r.json, "detail"), "\n");
	r = post_sql("{\"sql\":\"SELECT 1; DROP TABLE projects\"}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(problem_type(&r), "multiple-statements");
	r = post_sql("{\"sql\":\"SELECT count(*) FROM projects\"}");
	ASSERT_EQ_INT(r.status, 200);
}

TEST(api_query_binds_json_params_exactly)
{
	struct apit_resp r;

	ctx_up();
	create_project("x", "1234567890.12", "ACTIVE");
	create_project("y", "1234567890.11", "ACTIVE");
	r = post_sql("{\"sql\":\"SELECT project_name FROM projects WHERE total_amount = $1\","
		     "\"params\":[1234567890.12]}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"rows\":[[\"x\"]]");
	r = post_sql("{\"sql\":\"SELECT $1 AS big, $2 AS frac, $3 AS e, $4 AS s, $5 AS b, $6 AS n\","
		     "\"params\":[1180591620717411303424, 0.1, 1.5e3, \"it's\", true, null]}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"rows\":[[1180591620717411303424,0.1,1500,\"it's\",true,null]]");
	r = post_sql("{\"sql\":\"SELECT $1\",\"params\":[[1,2]]}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(jstr(r.json, "field"), "params");
	r = post_sql("{\"sql\":\"SELECT $1\",\"params\":[1e400]}");
	ASSERT_EQ_INT(r.status, 400);
	r = post_sql("{\"sql\":\"SELECT $1, $2\",\"params\":[1]}");
	ASSERT_EQ_INT(r.status, 400);
	ASSERT_EQ_STR(problem_type(&r), "invalid-parameter");
	ASSERT_CONTAINS(jstr(r.json, "detail"), "takes 2 parameters");
}

TEST(api_query_checks_the_body)
{
	static const struct {
		const char *body, *type;
	} cases[] = {
		{"", "invalid-json"},
		{"[1]", "invalid-json"},
		{"{\"sql\":", "invalid-json"},
		{"{}", "missing-field"},
		{"{\"sql\":1}", "invalid-field"},
		{"{\"sql\":\"   \"}", "invalid-field"},
		{"{\"sql\":\"SELECT 1\\u0000\"}", "invalid-field"},
		{"{\"sql\":\"SELECT 1\",\"sql\":\"SELECT 2\"}", "invalid-field"},
		{"{\"sql\":\"SELECT 1\",\"limit\":3}", "unknown-field"},
		{"{\"sql\":\"SELECT 1\",\"params\":{\"a\":1}}", "invalid-field"},
	};
	struct opts o = {NULL, NULL, NULL, NULL, NULL, "text/plain"};
	struct apit_resp r;
	size_t i;

	ctx_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = post_sql(cases[i].body);
		ASSERT_MSG(r.status == 400 && !strcmp(problem_type(&r), cases[i].type), "%s: %d %s",
			   cases[i].body, r.status, r.body);
	}
	r = call_o("POST", "/query", "{\"sql\":\"SELECT 1\"}", &o);
	ASSERT_EQ_INT(r.status, 415);
}

static void small_cap(struct api_config *c)
{
	c->query_max_rows = 1000;
	c->query_timeout_ms = 300;
}

TEST(api_query_row_cap_is_413_before_output_and_an_error_record_after)
{
	struct apit_resp r;
	json_t *err;

	ctx_up_with(small_cap);
	r = post_sql("{\"sql\":\"SELECT * FROM range(1001)\"}");
	ASSERT_EQ_INT(r.status, 413);
	ASSERT_EQ_STR(problem_type(&r), "too-many-rows");
	r = post_sql("{\"sql\":\"SELECT * FROM range(1000)\"}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"row_count\":1000}");
	/* Wide rows: the first 256 KiB go out before the 1001st row is seen. */
	r = post_sql("{\"sql\":\"SELECT i, repeat('x', 400) FROM range(5000) t(i)\"}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_NOT_NULL(r.json);
	ASSERT_EQ_INT(json_array_size(json_object_get(r.json, "rows")), 1000);
	err = json_object_get(r.json, "error");
	ASSERT_EQ_STR(jstr(err, "type"), API_PROBLEM_TYPE_PREFIX "too-many-rows");
	ASSERT_NULL(json_object_get(r.json, "row_count"));
	/* NDJSON: the last line is the error. */
	r = call("POST", "/query?format=ndjson", "{\"sql\":\"SELECT i, repeat('x', 400) FROM range(5000) t(i)\"}");
	ASSERT_CONTAINS(r.body, "xx\"}\n{\"error\":{\"type\":\"urn:duckdb-spawn:problem:too-many-rows\"");
	ASSERT_EQ_INT(r.body[strlen(r.body) - 1], '\n');
}

TEST(api_query_past_its_deadline_is_503_query_timeout)
{
	struct apit_resp r;

	ctx_up_with(small_cap);
	r = post_sql("{\"sql\":\"SELECT count(*) FROM range(100000000000)\"}");
	ASSERT_EQ_INT(r.status, 503);
	ASSERT_EQ_STR(problem_type(&r), "query-timeout");
	ASSERT_CONTAINS(jstr(r.json, "detail"), "300 ms");
	r = post_sql("{\"sql\":\"SELECT 1\"}");
	ASSERT_EQ_INT(r.status, 200);
}

TEST(api_metrics_count_query_problems_by_type)
{
	struct apit_resp r;

	ctx_up();
	post_sql("{\"sql\":\"DELETE FROM projects\"}");
	post_sql("{\"sql\":\"SELECT * FROM nowhere\"}");
	post_sql("{\"sql\":\"SELECT 1\"}");
	r = call("GET", "/metrics", NULL);
	ASSERT_CONTAINS(r.body, "api_problems_total{type=\"query-forbidden\"} 1\n");
	ASSERT_CONTAINS(r.body, "api_problems_total{type=\"sql-error\"} 1\n");
	ASSERT_CONTAINS(r.body, "db_queries_total 3\n");
	ASSERT_CONTAINS(r.body, "db_query_failures_total{kind=\"forbidden\"} 1\n");
	ASSERT_CONTAINS(r.body, "db_queries_running 0\n");
}

/* --- admin ------------------------------------------------------------------------------- */

static void no_token(struct api_config *c)
{
	ds_secret_release(&c->admin_token);
}

TEST(api_admin_routes_are_absent_without_admin_token)
{
	struct apit_resp r;

	ctx_up_with(no_token);
	r = admin("GET", "/admin/tables", NULL);
	ASSERT_EQ_INT(r.status, 404);
	r = admin("PUT", "/admin/tables", NULL);
	ASSERT_EQ_INT(r.status, 404);
	r = admin("POST", "/admin/checkpoint", NULL);
	ASSERT_EQ_INT(r.status, 404);
	r = call("GET", "/", NULL);
	ASSERT_NOT_CONTAINS(r.body, "admin");
}

TEST(api_admin_wants_the_bearer_token_401_then_403)
{
	struct opts o;
	struct apit_resp r;

	ctx_up();
	r = call("GET", "/admin/tables", NULL);
	ASSERT_EQ_INT(r.status, 401);
	ASSERT_EQ_STR(problem_type(&r), "unauthorized");
	ASSERT_CONTAINS(r.headers, "WWW-Authenticate: Bearer realm=\"duckdb-spawn admin\"\n");
	memset(&o, 0, sizeof(o));
	o.auth = "Basic dTpw";
	r = call_o("GET", "/admin/tables", NULL, &o);
	ASSERT_EQ_INT(r.status, 401);
	o.auth = "Bearer t0ken-for-test";
	r = call_o("GET", "/admin/tables", NULL, &o);
	ASSERT_EQ_INT(r.status, 403);
	ASSERT_EQ_STR(problem_type(&r), "forbidden");
	ASSERT_NOT_CONTAINS(r.body, "t0ken");
	o.auth = "Bearer t0ken-for-tests-and-more";
	r = call_o("GET", "/admin/tables", NULL, &o);
	ASSERT_EQ_INT(r.status, 403);
	o.auth = "bearer   t0ken-for-tests ";
	r = call_o("GET", "/admin/tables", NULL, &o);
	ASSERT_EQ_INT(r.status, 200);
	/* Authentication comes before anything else: a bad body still gets 401. */
	r = call("POST", "/admin/tables", "not json");
	ASSERT_EQ_INT(r.status, 401);
	r = call("GET", "/metrics", NULL);
	ASSERT_CONTAINS(r.body, "api_admin_auth_failures_total 5\n");
}

TEST(api_admin_secret_compare_needs_every_byte_and_the_length)
{
	ASSERT(api__secret_equal("abc", 3, "abc", 3));
	ASSERT(!api__secret_equal("abd", 3, "abc", 3));
	ASSERT(!api__secret_equal("ab", 2, "abc", 3));
	ASSERT(!api__secret_equal("abcd", 4, "abc", 3));
	ASSERT(!api__secret_equal("", 0, "abc", 3));
	ASSERT(!api__secret_equal("abc\0", 4, "abc", 3));
}

TEST(api_admin_creates_lists_queries_and_drops_a_table)
{
	struct apit_resp r;
	json_t *cols;

	ctx_up();
	r = admin("POST", "/admin/tables",
		  "{\"name\":\"loans\",\"description\":\"Loans, per project\","
		  "\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\",\"required\":true},"
		  "{\"name\":\"amount\",\"type\":\"decimal(20, 2)\",\"description\":\"it's money\"},"
		  "{\"name\":\"tags\",\"type\":\"VARCHAR[]\"},"
		  "{\"name\":\"at\",\"type\":\"TIMESTAMP WITH TIME ZONE\"},"
		  "{\"name\":\"vec\",\"type\":\"DOUBLE[3]\"}],"
		  "\"primary_key\":[\"id\"]}");
	ASSERT_EQ_INT(r.status, 201);
	ASSERT_CONTAINS(r.headers, "Location: /admin/tables/loans\n");
	ASSERT_EQ_STR(jstr(r.json, "name"), "loans");
	ASSERT_EQ_STR(jstr(r.json, "description"), "Loans, per project");
	cols = json_object_get(r.json, "columns");
	ASSERT_EQ_INT(json_array_size(cols), 5);
	ASSERT_EQ_STR(jstr(json_array_get(cols, 1), "type"), "DECIMAL(20,2)");
	ASSERT_EQ_STR(jstr(json_array_get(cols, 1), "description"), "it's money");
	ASSERT(json_is_true(json_object_get(json_array_get(cols, 0), "required")));
	ASSERT_EQ_STR(jstr(json_array_get(cols, 2), "type"), "VARCHAR[]");
	ASSERT_EQ_STR(jstr(json_array_get(cols, 3), "type"), "TIMESTAMP WITH TIME ZONE");
	ASSERT_EQ_STR(jstr(json_array_get(cols, 4), "type"), "DOUBLE[3]");
	ASSERT_EQ_STR(json_string_value(json_array_get(json_object_get(r.json, "primary_key"), 0)), "id");
	/* /query sees it (and cannot write to it). */
	r = post_sql("{\"sql\":\"SELECT count(*) FROM loans\"}");
	ASSERT_CONTAINS(r.body, "\"rows\":[[0]]");
	r = post_sql("{\"sql\":\"INSERT INTO loans (id) VALUES (1)\"}");
	ASSERT_EQ_INT(r.status, 403);
	r = admin("GET", "/admin/tables", NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "{\"name\":\"loans\",\"description\":\"Loans, per project\",\"row_count\":0,"
				"\"builtin\":false");
	ASSERT_CONTAINS(r.body, "{\"name\":\"projects\",\"description\":null,\"row_count\":0,\"builtin\":true");
	r = admin("POST", "/admin/tables", "{\"name\":\"LOANS\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}]}");
	ASSERT_EQ_INT(r.status, 409);
	ASSERT_EQ_STR(problem_type(&r), "table-exists");
	r = admin("DELETE", "/admin/tables/loans", NULL);
	ASSERT_EQ_INT(r.status, 204);
	r = admin("GET", "/admin/tables/loans", NULL);
	ASSERT_EQ_INT(r.status, 404);
	r = admin("DELETE", "/admin/tables/loans", NULL);
	ASSERT_EQ_INT(r.status, 404);
}

TEST(api_admin_refuses_names_and_types_that_are_not_what_they_claim)
{
	static const struct {
		const char *body, *type, *field;
	} cases[] = {
		{"{\"name\":\"1abc\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}]}", "invalid-field", "name"},
		{"{\"name\":\"a-b\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}]}", "invalid-field", "name"},
		{"{\"name\":\"x\\\"; DROP TABLE projects; --\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}]}",
		 "invalid-field", "name"},
		{"{\"name\":\"duckdb_tables\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}]}", "invalid-field", "name"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a b\",\"type\":\"INTEGER\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER); DROP TABLE projects; --\"}]}",
		 "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER DEFAULT 1\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"STRUCT(x INTEGER)\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"ENUM\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"NOTATYPE\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"DECIMAL(40,2)\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"DECIMAL(5,6)\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER(3)\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER[0]\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"},{\"name\":\"A\",\"type\":\"INTEGER\"}]}",
		 "invalid-field", "columns[1]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\",\"required\":\"yes\"}]}", "invalid-field", "columns[0]"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\",\"default\":1}]}", "unknown-field", "default"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}],\"primary_key\":[\"b\"]}",
		 "invalid-field", "primary_key"},
		{"{\"name\":\"t\",\"columns\":[]}", "invalid-field", "columns"},
		{"{\"name\":\"t\"}", "missing-field", "columns"},
		{"{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"INTEGER\"}],\"owner\":\"me\"}", "unknown-field", "owner"},
	};
	struct apit_resp r;
	size_t i;

	ctx_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = admin("POST", "/admin/tables", cases[i].body);
		ASSERT_MSG(r.status == 400 && !strcmp(problem_type(&r), cases[i].type) &&
				   jstr(r.json, "field") && !strcmp(jstr(r.json, "field"), cases[i].field),
			   "%s: %d %s", cases[i].body, r.status, r.body);
	}
	r = admin("GET", "/admin/tables", NULL);
	ASSERT_CONTAINS(r.body, "\"name\":\"projects\"");
	ASSERT_NOT_CONTAINS(r.body, "\"name\":\"t\"");
	/* Accepted spellings. */
	r = admin("POST", "/admin/tables",
		  "{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"varchar(10)\"},"
		  "{\"name\":\"b\",\"type\":\"double precision\"},{\"name\":\"c\",\"type\":\"INT[][2]\"},"
		  "{\"name\":\"d\",\"type\":\"UUID\"},{\"name\":\"e\",\"type\":\"numeric(5)\"}],"
		  "\"primary_key\":\"d\"}");
	ASSERT_EQ_INT(r.status, 201);
	ASSERT_CONTAINS(r.body, "\"primary_key\":[\"d\"]");
}

TEST(api_admin_drops_projects_only_when_forced_and_then_forgets_its_migration)
{
	struct apit_resp r;

	ctx_up();
	r = admin("DELETE", "/admin/tables/projects", NULL);
	ASSERT_EQ_INT(r.status, 409);
	ASSERT_EQ_STR(problem_type(&r), "protected-table");
	r = admin("DELETE", "/admin/tables/schema_migrations?force=true", NULL);
	ASSERT_EQ_INT(r.status, 409);
	r = admin("DELETE", "/admin/tables/projects?force=maybe", NULL);
	ASSERT_EQ_INT(r.status, 400);
	r = admin("DELETE", "/admin/tables/projects?force=true", NULL);
	ASSERT_EQ_INT(r.status, 204);
	r = post_sql("{\"sql\":\"SELECT count(*) FROM schema_migrations WHERE version = 1\"}");
	ASSERT_CONTAINS(r.body, "\"rows\":[[0]]");
	r = call("GET", "/health", NULL);
	ASSERT_EQ_INT(r.status, 503);
}

TEST(api_admin_sets_the_log_level_and_checkpoints)
{
	struct apit_resp r;

	ctx_up();
	r = admin("POST", "/admin/logging/level", "{\"level\":\"debug\"}");
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(r.json, "level"), "debug");
	ASSERT_EQ_STR(jstr(r.json, "previous"), "off");
	ASSERT_EQ_INT(ds_log_get_level(), DS_LOG_DEBUG);
	r = admin("GET", "/admin/logging/level", NULL);
	ASSERT_EQ_STR(jstr(r.json, "level"), "debug");
	r = admin("POST", "/admin/logging/level", "{\"level\":\"loud\"}");
	ASSERT_EQ_INT(r.status, 400);
	ds_log_set_level(DS_LOG_OFF);
	create_project("c", "1", "ACTIVE");
	r = admin("POST", "/admin/checkpoint", NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(r.json, "checkpoint"), "done");
	r = admin("POST", "/admin/checkpoint", "{\"x\":1}");
	ASSERT_EQ_INT(r.status, 400);
}

/* --- CORS and rate limiting --------------------------------------------------------------- */

static void cors_list(struct api_config *c)
{
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(api_config_cors(c, "https://app.example.com, http://localhost:3000", &e), 0);
}

TEST(api_cors_answers_allowed_origins_and_preflights)
{
	struct opts o;
	struct apit_resp r;

	ctx_up_with(cors_list);
	memset(&o, 0, sizeof(o));
	o.origin = "https://app.example.com";
	r = call_o("GET", "/health", NULL, &o);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.headers, "Access-Control-Allow-Origin: https://app.example.com\n");
	ASSERT_CONTAINS(r.headers, "Vary: Origin\n");
	ASSERT_CONTAINS(r.headers, "Access-Control-Expose-Headers: X-Request-Id");
	/* Errors too, so a page can read them. */
	r = call_o("GET", "/nowhere", NULL, &o);
	ASSERT_EQ_INT(r.status, 404);
	ASSERT_CONTAINS(r.headers, "Access-Control-Allow-Origin: https://app.example.com\n");
	o.origin = "https://evil.example.com";
	r = call_o("GET", "/health", NULL, &o);
	ASSERT_NOT_CONTAINS(r.headers, "Access-Control-Allow-Origin");
	ASSERT_CONTAINS(r.headers, "Vary: Origin\n");
	/* Preflight. */
	o.origin = "http://localhost:3000";
	o.acr = "POST";
	r = call_o("OPTIONS", "/query", NULL, &o);
	ASSERT_EQ_INT(r.status, 204);
	ASSERT_CONTAINS(r.headers, "Access-Control-Allow-Origin: http://localhost:3000\n");
	ASSERT_CONTAINS(r.headers, "Access-Control-Allow-Methods: GET, HEAD, POST\n");
	ASSERT_CONTAINS(r.headers, "Access-Control-Allow-Headers: Content-Type, Authorization");
	ASSERT_CONTAINS(r.headers, "Access-Control-Max-Age: 600\n");
	o.origin = "https://evil.example.com";
	r = call_o("OPTIONS", "/query", NULL, &o);
	ASSERT_EQ_INT(r.status, 403);
	o.origin = "http://localhost:3000";
	r = call_o("OPTIONS", "/nowhere", NULL, &o);
	ASSERT_EQ_INT(r.status, 404);
}

TEST(api_cors_is_off_by_default)
{
	struct opts o;
	struct apit_resp r;

	ctx_up();
	memset(&o, 0, sizeof(o));
	o.origin = "https://app.example.com";
	o.acr = "POST";
	r = call_o("GET", "/health", NULL, &o);
	ASSERT_NOT_CONTAINS(r.headers, "Access-Control");
	ASSERT_NOT_CONTAINS(r.headers, "Vary");
	r = call_o("OPTIONS", "/query", NULL, &o);
	ASSERT_EQ_INT(r.status, 405);
}

TEST(api_config_checks_cors_origins)
{
	struct api_config c;
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(api_config_init(&c), 0);
	ASSERT_EQ_INT(api_config_cors(&c, "*", &e), 0);
	ASSERT_EQ_STR(c.cors_origins, "*");
	ASSERT_EQ_INT(api_config_cors(&c, "https://a.example:8443,http://[::1]:3000", &e), 0);
	ASSERT_EQ_INT(api_config_cors(&c, "https://a.example/path", &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "'https://a.example/path' is not an origin");
	ds_error_init(&e);
	ASSERT_EQ_INT(api_config_cors(&c, "*,https://a.example", &e), -1);
	ds_error_init(&e);
	ASSERT_EQ_INT(api_config_cors(&c, "ftp://a.example", &e), -1);
	ASSERT_EQ_INT(api_config_cors(&c, "", &e), 0);
	ASSERT_NULL(c.cors_origins);
	api_config_release(&c);
}

static void limited(struct api_config *c)
{
	c->rate_limit = 1;
	c->rate_burst = 2;
}

TEST(api_ratelimit_answers_429_with_retry_after_per_client)
{
	struct opts a, b;
	struct apit_resp r;

	ctx_up_with(limited);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.client = "198.51.100.7";
	b.client = "198.51.100.8";
	ASSERT_EQ_INT(call_o("GET", "/", NULL, &a).status, 200);
	ASSERT_EQ_INT(call_o("GET", "/nowhere", NULL, &a).status, 404);
	r = call_o("GET", "/", NULL, &a);
	ASSERT_EQ_INT(r.status, 429);
	ASSERT_EQ_STR(problem_type(&r), "rate-limited");
	ASSERT_CONTAINS(r.headers, "Retry-After: 1\n");
	/* Another client has its own bucket; health checks are never limited. */
	ASSERT_EQ_INT(call_o("GET", "/", NULL, &b).status, 200);
	ASSERT_EQ_INT(call_o("GET", "/health", NULL, &a).status, 200);
	r = call("GET", "/metrics", NULL);
	ASSERT_CONTAINS(r.body, "api_rate_limited_total 1\n");
}

TEST(api_ratelimit_refills_at_the_rate)
{
	struct api_ratelimit *rl = api_ratelimit_new(2, 1, 64);
	int64_t t = 1000000000LL;

	ASSERT_NOT_NULL(rl);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t), 0);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t), 1);
	/* Half a second at 2/s is one token. */
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t + 500000000LL), 0);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t + 500000000LL), 1);
	api_ratelimit_free(rl);
	rl = api_ratelimit_new(0.1, 1, 64);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t), 0);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "10.0.0.1", t), 10);
	api_ratelimit_free(rl);
}

TEST(api_ratelimit_keys_ipv6_by_64_and_stays_bounded)
{
	struct api_ratelimit *rl = api_ratelimit_new(1, 1, 64);
	int64_t t = 1000000000LL;
	char addr[64];
	int i;

	ASSERT_EQ_INT(api_ratelimit_take(rl, "2001:db8:1:2::1", t), 0);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "2001:db8:1:2::ffff", t), 1);
	ASSERT_EQ_INT(api_ratelimit_take(rl, "2001:db8:1:3::1", t), 0);
	/* 100,000 clients through a 64-entry table: no growth, and a client pushed out comes
	 * back with a full bucket (never wrongly refused). */
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		ASSERT_EQ_INT(api_ratelimit_take(rl, addr, t + i), 0);
	}
	ASSERT_EQ_INT(api_ratelimit_take(rl, "2001:db8:1:2::1", t + 100000), 0);
	api_ratelimit_free(rl);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

TEST(api_config_reads_query_cors_and_rate_settings_from_env)
{
	static const char *env[][2] = {
		{"QUERY_MAX_ROWS", "500"}, {"QUERY_TIMEOUT", "2s"}, {"CORS_ORIGINS", "*"},
		{"RATE_LIMIT", "0.5"}, {"RATE_LIMIT_BURST", "3"}, {"TRUST_PROXY", "true"},
	};
	struct api_config c;
	struct ds_error e = DS_ERROR_INIT;
	size_t i;

	ASSERT_EQ_INT(api_config_init(&c), 0);
	ASSERT_EQ_INT(c.query_max_rows, 100000);
	ASSERT_EQ_INT(c.query_timeout_ms, 10000);
	ASSERT(c.rate_limit == 0);
	ASSERT_NULL(c.cors_origins);
	for (i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		setenv(env[i][0], env[i][1], 1);
	ASSERT_EQ_INT(api_config_from_env(&c, env_get, &e), 0);
	ASSERT_EQ_INT(c.query_max_rows, 500);
	ASSERT_EQ_INT(c.query_timeout_ms, 2000);
	ASSERT_EQ_STR(c.cors_origins, "*");
	ASSERT(c.rate_limit == 0.5);
	ASSERT_EQ_INT(c.rate_burst, 3);
	ASSERT_EQ_INT(c.trust_proxy, 1);
	setenv("RATE_LIMIT", "fast", 1);
	ASSERT_EQ_INT(api_config_from_env(&c, env_get, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "RATE_LIMIT");
	for (i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		unsetenv(env[i][0]);
	api_config_release(&c);
}
