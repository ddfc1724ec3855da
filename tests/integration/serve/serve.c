/*
 * `duckdb-spawn serve` over HTTP on 127.0.0.1: every endpoint, every error status the API
 * documents, logs, configuration, and the life cycle (lock, SIGTERM).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "server.h"
#include "test.h"

static const char *const JSON_H[] = {"Content-Type: application/json", NULL};
#define VALID "{\"project_name\":\"Wind park\",\"total_amount\":1234567890.12," \
	      "\"maturity_years\":15,\"expected_tri\":9.75,\"dscr\":1.20}"

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void req(struct ds_http_resp *r, const struct srv *s, const char *method, const char *path,
		const char *const *h, const char *body)
{
	ds_http(r, method, srv_url(s, path), h, body, body ? strlen(body) : 0, 10000);
	if (r->status == 0)
		FAIL("%s %s: no response: %s", method, path, r->error);
}

TEST(serve_info_names_service_versions_and_links)
{
	struct srv s;
	struct ds_http_resp r;
	json_t *j;

	srv_start(&s, NULL, NULL, NULL);
	req(&r, &s, "GET", "/", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(ds_http_header(&r, "Content-Type"), "application/json");
	j = srv_json(r.body);
	ASSERT_EQ_STR(jstr(j, "name"), "duckdb-spawn");
	ASSERT_EQ_STR(jstr(j, "duckdb"), "v1.4.4");
	ASSERT_NOT_NULL(jstr(j, "version"));
	ASSERT_EQ_STR(jstr(json_object_get(j, "links"), "health"), "/health");
	ASSERT_EQ_STR(jstr(json_object_get(j, "links"), "metrics"), "/metrics");
	srv_stop_ok(&s);
}

TEST(serve_health_endpoints_run_a_query_and_answer_200)
{
	struct srv s;
	struct ds_http_resp r;

	srv_start(&s, NULL, NULL, NULL);
	srv_create(&s, "a", "1");
	req(&r, &s, "GET", "/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"status\":\"healthy\"");
	ASSERT_CONTAINS(r.body, "\"projects\":1");
	req(&r, &s, "GET", "/monitoring/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"status\":\"healthy\"");
	req(&r, &s, "HEAD", "/health", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(r.body, "");
	srv_stop_ok(&s);
}

TEST(serve_metrics_label_routes_by_template_with_histogram_size_uptime_build)
{
	struct srv s;
	struct ds_http_resp r;
	const char *id;

	srv_start(&s, NULL, NULL, NULL);
	id = srv_create(&s, "m", "2.50");
	req(&r, &s, "GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	req(&r, &s, "GET", "/ops/projects/123e4567-e89b-42d3-a456-426614174000", NULL, NULL);
	req(&r, &s, "GET", "/wp-admin/setup.php", NULL, NULL);
	req(&r, &s, "GET", "/metrics", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(ds_http_header(&r, "Content-Type"), "text/plain; version=0.0.4");
	ASSERT_CONTAINS(r.body, "http_requests_total{route=\"/ops/projects/{id}\",method=\"GET\",status=\"200\"} 1\n");
	ASSERT_CONTAINS(r.body, "http_requests_total{route=\"/ops/projects/{id}\",method=\"GET\",status=\"404\"} 1\n");
	ASSERT_CONTAINS(r.body, "http_requests_total{route=\"/ops/projects\",method=\"POST\",status=\"201\"} 1\n");
	ASSERT_CONTAINS(r.body, "http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n");
	/* Never a raw path as a label. */
	ASSERT_NOT_CONTAINS(r.body, id);
	ASSERT_NOT_CONTAINS(r.body, "wp-admin");
	ASSERT_CONTAINS(r.body, "# TYPE http_request_duration_seconds histogram\n");
	ASSERT_CONTAINS(r.body, "http_request_duration_seconds_bucket{route=\"/ops/projects\",method=\"POST\",le=\"+Inf\"} 1\n");
	ASSERT_CONTAINS(r.body, "\nduckdb_database_size_bytes ");
	ASSERT_NOT_CONTAINS(r.body, "\nduckdb_database_size_bytes 0\n");
	ASSERT_CONTAINS(r.body, "\nprocess_uptime_seconds ");
	ASSERT_CONTAINS(r.body, "duckdb_spawn_build_info{version=\"");
	ASSERT_CONTAINS(r.body, "duckdb=\"v1.4.4\"} 1\n");
	ASSERT_CONTAINS(r.body, "api_problems_total{type=\"not-found\"} 2\n");
	ASSERT_CONTAINS(r.body, "\ndb_write_jobs_total 1\n");
	srv_stop_ok(&s);
}

TEST(serve_project_crud_roundtrip)
{
	struct srv s;
	struct ds_http_resp r;
	const char *loc, *id;
	json_t *j;

	srv_start(&s, NULL, NULL, NULL);
	req(&r, &s, "POST", "/ops/projects", JSON_H, VALID);
	ASSERT_EQ_INT(r.status, 201);
	j = srv_json(r.body);
	id = jstr(j, "project_id");
	loc = ds_http_header(&r, "Location");
	ASSERT_EQ_STR(loc, ds_test_printf("/ops/projects/%s", id));
	ASSERT_EQ_STR(jstr(j, "status"), "PROPOSED");
	ASSERT_EQ_STR(jstr(j, "currency_code"), "USD");

	req(&r, &s, "GET", loc, NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(jstr(srv_json(r.body), "project_name"), "Wind park");

	req(&r, &s, "GET", "/ops/projects?limit=10&status=PROPOSED", NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, id);
	req(&r, &s, "GET", "/ops/projects?status=ACTIVE", NULL, NULL);
	ASSERT_NOT_CONTAINS(r.body, id);

	req(&r, &s, "PATCH", loc, JSON_H, "{\"status\":\"ACTIVE\",\"dscr\":\"1.55\"}");
	ASSERT_EQ_INT(r.status, 200);
	j = srv_json(r.body);
	ASSERT_EQ_STR(jstr(j, "status"), "ACTIVE");
	ASSERT_CONTAINS(r.body, "\"dscr\":1.55,");
	ASSERT_CONTAINS(r.body, "\"total_amount\":1234567890.12,");

	req(&r, &s, "DELETE", loc, NULL, NULL);
	ASSERT_EQ_INT(r.status, 204);
	ASSERT_EQ_STR(r.body, "");
	req(&r, &s, "GET", loc, NULL, NULL);
	ASSERT_EQ_INT(r.status, 404);
	srv_stop_ok(&s);
}

TEST(serve_decimal_1234567890_12_stays_exact_in_every_response)
{
	struct srv s;
	struct ds_http_resp r;
	const char *id;

	srv_start(&s, NULL, NULL, NULL);
	id = srv_create(&s, "exact", "1234567890.12");
	req(&r, &s, "GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_CONTAINS(r.body, "\"total_amount\":1234567890.12,");
	req(&r, &s, "GET", "/ops/projects", NULL, NULL);
	ASSERT_CONTAINS(r.body, "\"total_amount\":1234567890.12,");
	id = srv_create(&s, "huge", "\"999999999999999999.99\"");
	req(&r, &s, "GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_CONTAINS(r.body, "\"total_amount\":999999999999999999.99,");
	srv_stop_ok(&s);
}

static void expect_problem(const struct ds_http_resp *r, long status, const char *type)
{
	json_t *j;

	ASSERT_MSG(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	ASSERT_EQ_STR(ds_http_header(r, "Content-Type"), "application/problem+json");
	j = srv_json(r->body);
	ASSERT_EQ_STR(jstr(j, "type"), ds_test_printf("urn:duckdb-spawn:problem:%s", type));
	ASSERT_EQ_INT(json_integer_value(json_object_get(j, "status")), status);
	ASSERT_NOT_NULL(jstr(j, "title"));
	ASSERT_NOT_NULL(jstr(j, "detail"));
}

TEST(serve_errors_are_problem_json_with_the_documented_status)
{
	static const char *const text_h[] = {"Content-Type: text/plain", NULL};
	struct srv s;
	struct ds_http_resp r;
	char *big;

	srv_start(&s, NULL, NULL, NULL);
	req(&r, &s, "POST", "/ops/projects", JSON_H, "{\"project_name\": }");
	expect_problem(&r, 400, "invalid-json");
	ASSERT_CONTAINS(r.body, "line 1 column 18");
	req(&r, &s, "POST", "/ops/projects", JSON_H, "{\"project_name\":\"x\"}");
	expect_problem(&r, 400, "missing-field");
	ASSERT_EQ_STR(jstr(srv_json(r.body), "field"), "total_amount");
	req(&r, &s, "GET", "/ops/projects/123e4567-e89b-42d3-a456-426614174000", NULL, NULL);
	expect_problem(&r, 404, "not-found");
	req(&r, &s, "GET", "/ops/projects/not-a-uuid", NULL, NULL);
	expect_problem(&r, 400, "invalid-parameter");
	req(&r, &s, "GET", "/no/such/route", NULL, NULL);
	expect_problem(&r, 404, "not-found");
	req(&r, &s, "PUT", "/ops/projects", JSON_H, "{}");
	expect_problem(&r, 405, "method-not-allowed");
	ASSERT_EQ_STR(ds_http_header(&r, "Allow"), "GET, HEAD, POST");
	req(&r, &s, "DELETE", "/health", NULL, NULL);
	expect_problem(&r, 405, "method-not-allowed");
	ASSERT_EQ_STR(ds_http_header(&r, "Allow"), "GET, HEAD");
	req(&r, &s, "POST", "/ops/projects", text_h, VALID);
	expect_problem(&r, 415, "unsupported-media-type");
	req(&r, &s, "POST", "/ops/projects", NULL, VALID);
	expect_problem(&r, 415, "unsupported-media-type");
	big = ds_test_alloc(1024 * 1024 + 2);
	memset(big, ' ', 1024 * 1024 + 1);
	ds_http(&r, "POST", srv_url(&s, "/ops/projects"), JSON_H, big, 1024 * 1024 + 1, 10000);
	expect_problem(&r, 413, "payload-too-large");
	/* Exactly the limit is not too large: it is whitespace, so invalid JSON. */
	ds_http(&r, "POST", srv_url(&s, "/ops/projects"), JSON_H, big, 1024 * 1024, 10000);
	expect_problem(&r, 400, "invalid-json");
	srv_stop_ok(&s);
}

TEST(serve_request_id_is_echoed_when_sane_and_generated_otherwise)
{
	static const char *const mine[] = {"X-Request-Id: trace-42.a:b_c", NULL};
	static const char *const evil[] = {"X-Request-Id: bad id\"{}", NULL};
	struct srv s;
	struct ds_http_resp r;
	const char *id;

	srv_start(&s, NULL, NULL, NULL);
	req(&r, &s, "GET", "/health", mine, NULL);
	ASSERT_EQ_STR(ds_http_header(&r, "X-Request-Id"), "trace-42.a:b_c");
	req(&r, &s, "GET", "/health", evil, NULL);
	id = ds_http_header(&r, "X-Request-Id");
	ASSERT_NOT_NULL(id);
	ASSERT_EQ_INT(strlen(id), 16);
	req(&r, &s, "GET", "/nope", NULL, NULL);
	id = ds_http_header(&r, "X-Request-Id");
	ASSERT_EQ_STR(jstr(srv_json(r.body), "request_id"), id);
	srv_stop_ok(&s);
}

TEST(serve_logs_one_json_line_per_request_with_id_route_status_duration_bytes)
{
	static const char *const mine[] = {"X-Request-Id: log-test-1", NULL};
	struct srv s;
	struct ds_http_resp r;
	const char *out, *line;
	int seen = 0;

	srv_start(&s, NULL, NULL, NULL);
	req(&r, &s, "GET", "/ops/projects/123e4567-e89b-42d3-a456-426614174000", mine, NULL);
	srv_stop_ok(&s);
	out = ds_proc_stdout(&s.p);
	/* Every line of stdout is one JSON object. */
	for (line = out; *line;) {
		const char *nl = strchr(line, '\n');
		char *copy;
		json_t *j;

		ASSERT_MSG(nl, "last line not terminated: %s", line);
		copy = ds_test_alloc((size_t)(nl - line) + 1);
		memcpy(copy, line, (size_t)(nl - line));
		j = srv_json(copy);
		ASSERT_NOT_NULL(jstr(j, "time"));
		ASSERT_NOT_NULL(jstr(j, "level"));
		if (jstr(j, "request_id") && !strcmp(jstr(j, "request_id"), "log-test-1")) {
			ASSERT_EQ_STR(jstr(j, "method"), "GET");
			ASSERT_EQ_STR(jstr(j, "route"), "/ops/projects/{id}");
			ASSERT_EQ_INT(json_integer_value(json_object_get(j, "status")), 404);
			ASSERT(json_is_number(json_object_get(j, "duration_ms")));
			ASSERT_CMP_INT(json_integer_value(json_object_get(j, "bytes")), >, 0);
			ASSERT_EQ_STR(jstr(j, "problem"), "not-found");
			seen++;
		}
		line = nl + 1;
	}
	ASSERT_EQ_INT(seen, 1);
}

TEST(serve_startup_logs_effective_config_without_secrets)
{
	static const char *const env[] = {"ADMIN_TOKEN=hunter2-very-secret", "LOG_LEVEL=debug",
					  "DUCKDB_THREADS=2", NULL};
	struct srv s;
	const char *out;

	srv_start(&s, NULL, NULL, env);
	srv_stop_ok(&s);
	out = ds_proc_stdout(&s.p);
	ASSERT_CONTAINS(out, "\"msg\":\"configuration\"");
	ASSERT_CONTAINS(out, "\"admin_auth\":true");
	ASSERT_CONTAINS(out, "\"log_level\":\"debug\"");
	ASSERT_CONTAINS(out, "\"duckdb_threads\":2");
	ASSERT_CONTAINS(out, "\"duckdb_memory_limit\":134217728");
	ASSERT_NOT_CONTAINS(out, "hunter2");
	ASSERT_NOT_CONTAINS(ds_proc_stderr(&s.p), "hunter2");
}

TEST(serve_second_process_on_the_same_file_fails_fast_with_one_message)
{
	struct srv s;
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "serve", "--host", "127.0.0.1", "--port", "0",
			      "--database", NULL, NULL};
	const char *nl;

	srv_start(&s, NULL, NULL, NULL);
	argv[7] = s.db;
	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "is in use by another process (PID ");
	ASSERT_CONTAINS(r.err, s.db);
	/* One line on stderr, not a stack of errors. */
	nl = strchr(r.err, '\n');
	ASSERT_MSG(nl && !nl[1], "more than one line on stderr:\n%s", r.err);
	/* The first server is unharmed. */
	ds_http_wait_ok(srv_url(&s, "/health"), &s.p, 5000);
	srv_stop_ok(&s);
}

TEST(serve_sigterm_checkpoints_exits_0_and_keeps_the_data)
{
	struct srv s;
	struct ds_http_resp r;
	const char *id, *wal;

	srv_start(&s, NULL, NULL, NULL);
	id = srv_create(&s, "kept", "77.70");
	wal = ds_test_printf("%s.wal", s.db);
	srv_stop_ok(&s);
	ASSERT_CONTAINS(ds_proc_stdout(&s.p), "\"msg\":\"stopped cleanly\"");
	/* CHECKPOINT folded the WAL into the file. */
	ASSERT_NULL(ds_test_read_file(wal, NULL));
	srv_start(&s, s.db, NULL, NULL);
	req(&r, &s, "GET", ds_test_printf("/ops/projects/%s", id), NULL, NULL);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"total_amount\":77.70,");
	ds_proc_signal(&s.p, SIGINT);
	ASSERT_EQ_INT(ds_proc_wait(&s.p, 15000), 0);
	ds_proc_assert_exit(&s.p, 0);
}

TEST(serve_bad_configuration_is_a_usage_error_exit_2)
{
	static const char *const env[] = {"PORT=eighty", NULL};
	static const char *const env2[] = {"DATABASE_URL=postgres://x/y", NULL};
	const char *argv[] = {ds_test_bin(), "serve", NULL};
	const char *argv2[] = {ds_test_bin(), "serve", "--threads", "0", NULL};
	struct ds_run r;

	ds_run(&r, argv, env, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "PORT: 'eighty' is not a number");
	ds_run(&r, argv, env2, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "DATABASE_URL");
	ds_run(&r, argv2, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--threads");
}

TEST(serve_memory_database_serves_and_forgets)
{
	struct srv s;

	srv_start(&s, ":memory:", NULL, NULL);
	srv_create(&s, "volatile", "1");
	srv_stop_ok(&s);
}

TEST(serve_help_flags_are_all_documented)
{
	const char *argv[] = {ds_test_bin(), "serve", "--help", NULL};
	const char *doc = ds_test_read_file(ds_test_printf("%s/docs/cli/serve.md", ds_test_source_dir()), NULL);
	struct ds_run r;
	const char *p;
	int n = 0;

	ASSERT_MSG(doc, "docs/cli/serve.md is missing");
	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	for (p = r.out; (p = strstr(p, "--")); ) {
		char flag[64];
		size_t k = 0;

		while (k < sizeof(flag) - 1 && (p[k] == '-' || (p[k] >= 'a' && p[k] <= 'z')))
			flag[k] = p[k], k++;
		flag[k] = '\0';
		p += k;
		if (k <= 2)
			continue;
		ASSERT_MSG(strstr(doc, ds_test_printf("`%s", flag)), "%s is not in docs/cli/serve.md", flag);
		n++;
	}
	ASSERT_CMP_INT(n, >=, 10);
}
