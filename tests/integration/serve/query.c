/*
 * `duckdb-spawn serve` over 127.0.0.1, issue 5: /query (the read-only boundary, streaming,
 * formats, deadlines, clients that go away), the admin endpoints behind ADMIN_TOKEN, CORS
 * and rate limiting.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "server.h"
#include "test.h"

static const char *const JSON_H[] = {"Content-Type: application/json", NULL};

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void post_query(struct ds_http_resp *r, const struct srv *s, const char *path,
		       const char *const *h, const char *sql_json)
{
	ds_http(r, "POST", srv_url(s, path), h ? h : JSON_H, sql_json, strlen(sql_json), 30000);
}

/* A JSON string literal for sql (test-allocated). */
static const char *body_for(const char *sql)
{
	json_t *o = json_pack("{s:s}", "sql", sql);
	char *t = json_dumps(o, JSON_COMPACT);
	const char *copy = ds_test_strdup(t);

	free(t);
	json_decref(o);
	return copy;
}

/* The body of a raw chunked HTTP/1.1 response, decoded; *complete says whether it ended
 * with the zero-length chunk. */
static const char *dechunk(const char *resp, int *complete)
{
	const char *p = strstr(resp, "\r\n\r\n");
	struct ds_buf b = DS_BUF_INIT(0);
	const char *out;

	*complete = 0;
	if (!p)
		return "";
	p += 4;
	for (;;) {
		char *end;
		unsigned long n = strtoul(p, &end, 16);

		if (end == p || strncmp(end, "\r\n", 2))
			break;
		p = end + 2;
		if (n == 0) {
			*complete = 1;
			break;
		}
		if (strlen(p) < n + 2)
			break;
		ds_buf_add(&b, p, n);
		p += n + 2;
	}
	out = ds_test_strdup(ds_buf_str(&b));
	ds_buf_release(&b);
	return out;
}

static const char *raw_get(int port, const char *target, const char *extra, int *eof)
{
	int fd = raw_connect(port);
	const char *req = ds_test_printf("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
					 target, extra ? extra : "");
	char *resp;

	ASSERT_EQ_INT(raw_send(fd, req, strlen(req)), 0);
	resp = raw_read(fd, 20000, 64 << 20, eof);
	close(fd);
	return resp;
}

static long long metric(const struct srv *s, const char *name)
{
	struct ds_http_resp r;
	const char *p;

	ds_http(&r, "GET", srv_url(s, "/metrics"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	p = strstr(r.body, ds_test_printf("\n%s ", name));
	if (!p)
		FAIL("no metric %s", name);
	return strtoll(p + strlen(name) + 2, NULL, 10);
}

TEST(serve_query_streams_json_ndjson_and_csv_with_chunked_transfer)
{
	static const char *const args[] = {"--query-max-rows", "1000000", NULL};
	struct ds_http_resp r;
	struct srv s;
	const char *sql = "SELECT i, 'row ' || i AS s, (i / 100)::DECIMAL(20,2) AS d FROM range(300000) t(i)";
	json_t *j;
	const char *h_nd[] = {"Content-Type: application/json", "Accept: application/x-ndjson", NULL};
	const char *h_csv[] = {"Content-Type: application/json", "Accept: text/csv", NULL};
	const char *last;

	srv_start(&s, NULL, args, NULL);
	post_query(&r, &s, "/query", NULL, body_for(sql));
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(ds_http_header(&r, "Transfer-Encoding"), "chunked");
	j = srv_json(r.body);
	ASSERT_EQ_INT(json_integer_value(json_object_get(j, "row_count")), 300000);
	ASSERT_EQ_INT(json_array_size(json_object_get(j, "rows")), 300000);
	ASSERT_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "columns"), 2), "type")),
		      "DECIMAL(20,2)");
	post_query(&r, &s, "/query", h_nd, body_for(sql));
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(ds_http_header(&r, "Content-Type"), "application/x-ndjson");
	last = r.body + r.body_len - 1;
	ASSERT_EQ_INT(*last, '\n');
	while (last > r.body && last[-1] != '\n')
		last--;
	ASSERT_EQ_STR(last, "{\"i\":299999,\"s\":\"row 299999\",\"d\":2999.99}\n");
	post_query(&r, &s, "/query", h_csv, body_for(sql));
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(ds_http_header(&r, "Content-Type"), "text/csv");
	ASSERT_EQ_INT(strncmp(r.body, "i,s,d\r\n0,row 0,0.00\r\n", 21), 0);
	ASSERT_CONTAINS(r.body, "\r\n299999,row 299999,2999.99\r\n");
	/* A small result has a Content-Length. */
	ds_http(&r, "GET", srv_url(&s, "/query?sql=SELECT+42+AS+answer"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_NOT_NULL(ds_http_header(&r, "Content-Length"));
	ASSERT_EQ_STR(r.body, "{\"columns\":[{\"name\":\"answer\",\"type\":\"INTEGER\"}],\"rows\":[[42]],"
			      "\"row_count\":1}");
	srv_stop_ok(&s);
}

/* Everything that must not get through, sent as a client would. The server's database is
 * in a folder of its own so that a file written beside it would show. */
TEST(serve_query_refuses_files_network_writes_settings_and_extra_statements)
{
	static const struct {
		const char *sql;
		int status;
	} cases[] = {
		{"SELECT * FROM read_csv('/etc/passwd')", 403},
		{"SELECT * FROM read_text('/etc/passwd')", 403},
		{"SELECT * FROM read_blob('/proc/self/environ')", 403},
		{"SELECT * FROM glob('/*')", 403},
		{"WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT count(*) FROM x", 403},
		{"SELECT * FROM 'https://example.com/data.parquet'", 403},
		{"SELECT * FROM read_parquet('s3://bucket/x.parquet')", 403},
		{"COPY (SELECT * FROM projects) TO 'DIR/stolen.csv'", 403},
		{"EXPORT DATABASE 'DIR/export'", 403},
		{"ATTACH 'DIR/other.db' AS other", 403},
		{"INSTALL httpfs", 403},
		{"LOAD httpfs", 403},
		{"PRAGMA enable_profiling", 403},
		{"PRAGMA force_checkpoint", 403},
		{"SET enable_external_access = true", 403},
		{"SET memory_limit = '10GB'", 403},
		{"RESET lock_configuration", 403},
		{"CALL pragma_table_info('projects')", 403},
		{"DELETE FROM projects", 403},
		{"UPDATE projects SET status = 'ACTIVE'", 403},
		{"INSERT INTO projects (project_id) VALUES (gen_random_uuid())", 403},
		{"DROP TABLE projects", 403},
		{"CREATE TABLE x AS SELECT 1", 403},
		{"CHECKPOINT", 403},
		{"EXPLAIN ANALYZE DELETE FROM projects", 403},
		{"SELECT 1; DROP TABLE projects", 400},
		{"SELECT 1 /* ; */ -- ;\n; DELETE FROM projects", 400},
		{"SELECT * FROM query('DELETE FROM projects')", 400},
		{"SELECT getenv('ADMIN_TOKEN')", 400},
		{"SELECT * FROM checkpoint()", 403},
		{"SELECT * FROM enable_logging()", 403},
		{"SELECT * FROM duckdb_logs", 403},
		{"SELECT * FROM query('SELECT 1')", 403},
		{"SELECT setseed(0.1)", 403},
	};
	struct srv s;
	const char *dir = ds_test_tmpdir();
	struct ds_http_resp r;
	size_t i;
	struct stat st;

	srv_start(&s, ds_test_path(dir, "q.db"), NULL, NULL);
	srv_create(&s, "keep me", "10");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *sql = cases[i].sql, *d = strstr(sql, "DIR/");

		if (d)
			sql = ds_test_printf("%.*s%s/%s", (int)(d - sql), sql, dir, d + 4);
		post_query(&r, &s, "/query", NULL, body_for(sql));
		ASSERT_MSG(r.status == cases[i].status, "%s: %ld %s", sql, r.status, r.body);
		ASSERT_EQ_STR(ds_http_header(&r, "Content-Type"), "application/problem+json");
	}
	ASSERT(stat(ds_test_path(dir, "stolen.csv"), &st) != 0);
	ASSERT(stat(ds_test_path(dir, "export"), &st) != 0);
	ASSERT(stat(ds_test_path(dir, "other.db"), &st) != 0);
	post_query(&r, &s, "/query", NULL, body_for("SELECT count(*) FROM projects"));
	ASSERT_CONTAINS(r.body, "\"rows\":[[1]]");
	ds_http(&r, "GET", srv_url(&s, "/health"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	srv_stop_ok(&s);
}

TEST(serve_query_past_its_deadline_answers_503_query_timeout)
{
	static const char *const args[] = {"--query-timeout", "300ms", NULL};
	struct ds_http_resp r;
	struct srv s;
	json_t *j;

	srv_start(&s, NULL, args, NULL);
	post_query(&r, &s, "/query", NULL, body_for("SELECT count(*) FROM range(1000000000000)"));
	ASSERT_EQ_INT(r.status, 503);
	j = srv_json(r.body);
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "type")),
		      "urn:duckdb-spawn:problem:query-timeout");
	ds_http(&r, "GET", srv_url(&s, "/query?sql=SELECT+1"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_INT(metric(&s, "db_query_failures_total{kind=\"timeout\"}"), 1);
	srv_stop_ok(&s);
}

TEST(serve_query_failure_after_output_began_cuts_the_transfer_after_an_error_record)
{
	struct srv s;
	const char *resp, *body;
	int eof, complete;

	srv_start(&s, NULL, NULL, NULL);
	/* The default cap, 100,000 rows: the first rows go out before the cap is reached. */
	resp = raw_get(s.port, "/query?sql=SELECT+i+FROM+range(200000)+t(i)&format=ndjson", NULL, &eof);
	ASSERT(eof);
	ASSERT_EQ_INT(raw_status(resp), 200);
	ASSERT_CONTAINS(resp, "Transfer-Encoding: chunked");
	body = dechunk(resp, &complete);
	ASSERT_EQ_INT(complete, 0);
	ASSERT_CONTAINS(body, "{\"i\":99999}\n{\"error\":{\"type\":\"urn:duckdb-spawn:problem:too-many-rows\"");
	/* CSV has no place for the record: only the cut says it. */
	resp = raw_get(s.port, "/query?sql=SELECT+i+FROM+range(200000)+t(i)&format=csv", NULL, &eof);
	body = dechunk(resp, &complete);
	ASSERT_EQ_INT(complete, 0);
	ASSERT_CONTAINS(body, "\r\n99999\r\n");
	ASSERT_NOT_CONTAINS(body, "error");
	ASSERT_CONTAINS(ds_proc_stdout(&s.p), "\"msg\":\"query failed after its output began\"");
	srv_stop_ok(&s);
}

TEST(serve_query_client_gone_mid_stream_interrupts_the_query_and_frees_it)
{
	static const char *const args[] = {"--query-max-rows", "1000000000", "--query-timeout", "60s",
					   NULL};
	struct srv s;
	int fd, eof, i;
	const char *req = "GET /query?sql=SELECT+i,+i*2+FROM+range(100000000000)+t(i)&format=csv "
			  "HTTP/1.1\r\nHost: x\r\n\r\n";
	char *got;

	srv_start(&s, NULL, args, NULL);
	fd = raw_connect(s.port);
	ASSERT_EQ_INT(raw_send(fd, req, strlen(req)), 0);
	got = raw_read(fd, 5000, 300000, &eof);
	ASSERT_CMP_INT(strlen(got), >=, 300000);
	close(fd);
	for (i = 0; i < 200 && metric(&s, "db_queries_running") != 0; i++)
		nap(25);
	ASSERT_EQ_INT(metric(&s, "db_queries_running"), 0);
	ASSERT_EQ_INT(metric(&s, "db_query_failures_total{kind=\"cancelled\"}"), 1);
	/* Long before the 60 s deadline; and the server goes on. */
	ds_http_wait_ok(srv_url(&s, "/health"), &s.p, 5000);
	srv_stop_ok(&s);
}

TEST(serve_sigterm_while_queries_stream_drains_and_exits_0)
{
	static const char *const args[] = {"--query-max-rows", "1000000000", "--query-timeout", "2s",
					   "--drain-timeout", "1s", NULL};
	struct srv s;
	int fd, eof;
	const char *req = "GET /query?sql=SELECT+i+FROM+range(100000000000)+t(i)&format=csv "
			  "HTTP/1.1\r\nHost: x\r\n\r\n";

	srv_start(&s, NULL, args, NULL);
	/* A client that reads a little and then stops reading: its query parks. */
	fd = raw_connect(s.port);
	ASSERT_EQ_INT(raw_send(fd, req, strlen(req)), 0);
	raw_read(fd, 2000, 100000, &eof);
	ds_proc_signal(&s.p, SIGTERM);
	ASSERT_EQ_INT(ds_proc_wait(&s.p, 15000), 0);
	ds_proc_assert_exit(&s.p, 0);
	close(fd);
	ASSERT_CONTAINS(ds_proc_stdout(&s.p), "\"msg\":\"stopped cleanly\"");
}

TEST(serve_sigterm_while_a_client_reads_a_trickling_stream_exits_0)
{
	/* The query timeout is far beyond the drain: the stop, not the timeout, must end it,
	 * however slow the machine (a sanitizer build on a loaded box scans 10x slower). */
	static const char *const args[] = {"--query-max-rows", "1000000000", "--query-timeout", "60s",
					   "--drain-timeout", "500ms", NULL};
	struct srv s;
	int fd, eof;
	/* A chunk of rows every few milliseconds: the connection is suspended and resumed again
	 * and again while the server stops, which must neither abort libmicrohttpd (it refuses
	 * to stop with a connection suspended) nor hang. */
	const char *req = "GET /query?sql=SELECT+i+FROM+range(1000000000000)+t(i)+WHERE+i+%25+3000+=+0"
			  "&format=ndjson HTTP/1.1\r\nHost: x\r\n\r\n";
	char *got;

	srv_start(&s, NULL, args, NULL);
	fd = raw_connect(s.port);
	ASSERT_EQ_INT(raw_send(fd, req, strlen(req)), 0);
	/* Streaming has begun (status line and some rows), then the stop. */
	got = raw_read(fd, 30000, 2000, &eof);
	ASSERT_EQ_INT(raw_status(got), 200);
	ds_proc_signal(&s.p, SIGTERM);
	raw_read(fd, 10000, 64 << 20, &eof);
	ASSERT(eof);
	ASSERT_EQ_INT(ds_proc_wait(&s.p, 15000), 0);
	ds_proc_assert_exit(&s.p, 0);
	close(fd);
}

/* --- admin --------------------------------------------------------------------------------- */

TEST(serve_admin_routes_are_404_without_admin_token)
{
	struct ds_http_resp r;
	struct srv s;
	const char *h[] = {"Authorization: Bearer anything", NULL};

	srv_start(&s, NULL, NULL, (const char *const[]){"ADMIN_TOKEN", NULL});
	ds_http(&r, "GET", srv_url(&s, "/admin/tables"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 404);
	ds_http(&r, "POST", srv_url(&s, "/admin/checkpoint"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 404);
	srv_stop_ok(&s);
}

TEST(serve_admin_401_403_are_logged_without_the_token)
{
	static const char *const env[] = {"ADMIN_TOKEN=sup3r-s3cret-admin-t0ken", NULL};
	const char *wrong[] = {"Authorization: Bearer wr0ng-guess-of-the-t0ken", NULL};
	const char *right[] = {"Authorization: Bearer sup3r-s3cret-admin-t0ken", NULL};
	struct ds_http_resp r;
	struct srv s;
	const char *out;

	srv_start(&s, NULL, NULL, env);
	ds_http(&r, "GET", srv_url(&s, "/admin/tables"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 401);
	ASSERT_CONTAINS(ds_http_header(&r, "WWW-Authenticate"), "Bearer");
	ds_http(&r, "GET", srv_url(&s, "/admin/tables"), wrong, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 403);
	ds_http(&r, "GET", srv_url(&s, "/admin/tables"), right, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	srv_stop_ok(&s);
	out = ds_proc_stdout(&s.p);
	ASSERT_CONTAINS(out, "\"reason\":\"no Authorization header\"");
	ASSERT_CONTAINS(out, "\"reason\":\"wrong token\"");
	ASSERT_NOT_CONTAINS(out, "sup3r-s3cret");
	ASSERT_NOT_CONTAINS(out, "wr0ng-guess");
	ASSERT_NOT_CONTAINS(ds_proc_stderr(&s.p), "s3cret");
}

TEST(serve_admin_tables_round_trip_and_forced_drop_recreates_projects_at_start)
{
	static const char *const env[] = {"ADMIN_TOKEN=t0k", NULL};
	const char *h[] = {"Authorization: Bearer t0k", "Content-Type: application/json", NULL};
	const char *schema = "{\"name\":\"rates\",\"columns\":[{\"name\":\"day\",\"type\":\"DATE\","
			     "\"required\":true},{\"name\":\"rate\",\"type\":\"DECIMAL(9,6)\","
			     "\"description\":\"ECB's\"}],\"primary_key\":\"day\"}";
	struct ds_http_resp r;
	struct srv s;
	json_t *j;

	srv_start(&s, NULL, NULL, env);
	ds_http(&r, "POST", srv_url(&s, "/admin/tables"), h, schema, strlen(schema), 5000);
	ASSERT_EQ_INT(r.status, 201);
	ASSERT_EQ_STR(ds_http_header(&r, "Location"), "/admin/tables/rates");
	ds_http(&r, "GET", srv_url(&s, "/admin/tables"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	j = srv_json(r.body);
	ASSERT_EQ_INT(json_array_size(json_object_get(j, "tables")), 3);
	post_query(&r, &s, "/query", NULL, body_for("SELECT column_name, comment FROM duckdb_columns() "
						    "WHERE table_name = 'rates' ORDER BY column_index"));
	ASSERT_CONTAINS(r.body, "[\"rate\",\"ECB's\"]");
	ds_http(&r, "DELETE", srv_url(&s, "/admin/tables/rates"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 204);
	srv_create(&s, "gone soon", "1");
	ds_http(&r, "DELETE", srv_url(&s, "/admin/tables/projects"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 409);
	ds_http(&r, "DELETE", srv_url(&s, "/admin/tables/projects?force=true"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 204);
	ds_http(&r, "GET", srv_url(&s, "/health"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 503);
	ds_http(&r, "POST", srv_url(&s, "/admin/checkpoint"), h, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	srv_stop_ok(&s);
	/* The next start applies the projects migration again: an empty table. */
	srv_start(&s, s.db, NULL, env);
	ds_http(&r, "GET", srv_url(&s, "/health"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(r.body, "\"projects\":0");
	srv_stop_ok(&s);
}

TEST(serve_admin_sets_the_log_level_at_run_time)
{
	static const char *const env[] = {"ADMIN_TOKEN=t0k", NULL};
	const char *h[] = {"Authorization: Bearer t0k", "Content-Type: application/json", NULL};
	struct ds_http_resp r;
	struct srv s;

	srv_start(&s, NULL, NULL, env);
	ds_http(&r, "POST", srv_url(&s, "/admin/logging/level"), h, "{\"level\":\"warn\"}", 16, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ds_http(&r, "GET", srv_url(&s, "/query?sql=SELECT+'after-warn'"), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	srv_stop_ok(&s);
	/* Request lines are info: the /query after the change is not logged. */
	ASSERT_CONTAINS(ds_proc_stdout(&s.p), "\"msg\":\"log level info -> warn\"");
	ASSERT_NOT_CONTAINS(ds_proc_stdout(&s.p), "\"route\":\"/query\"");
}

/* --- around the API ---------------------------------------------------------------------------- */

TEST(serve_cors_preflight_and_allowed_origin_headers)
{
	static const char *const args[] = {"--cors-origins", "https://app.example.com", NULL};
	const char *pre[] = {"Origin: https://app.example.com", "Access-Control-Request-Method: POST",
			     "Access-Control-Request-Headers: content-type", NULL};
	const char *get[] = {"Origin: https://app.example.com", NULL};
	const char *evil[] = {"Origin: https://evil.example.net", NULL};
	struct ds_http_resp r;
	struct srv s;

	srv_start(&s, NULL, args, NULL);
	ds_http(&r, "OPTIONS", srv_url(&s, "/query"), pre, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 204);
	ASSERT_EQ_STR(ds_http_header(&r, "Access-Control-Allow-Origin"), "https://app.example.com");
	ASSERT_CONTAINS(ds_http_header(&r, "Access-Control-Allow-Methods"), "POST");
	ASSERT_CONTAINS(ds_http_header(&r, "Access-Control-Allow-Headers"), "Content-Type");
	ASSERT_EQ_STR(ds_http_header(&r, "Vary"), "Origin");
	ds_http(&r, "GET", srv_url(&s, "/query?sql=SELECT+1"), get, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_STR(ds_http_header(&r, "Access-Control-Allow-Origin"), "https://app.example.com");
	ds_http(&r, "GET", srv_url(&s, "/query?sql=SELECT+1"), evil, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_NULL(ds_http_header(&r, "Access-Control-Allow-Origin"));
	srv_stop_ok(&s);
}

TEST(serve_rate_limit_answers_429_with_retry_after_per_client)
{
	static const char *const args[] = {"--rate-limit", "1", "--rate-burst", "2", "--trust-proxy", NULL};
	const char *a[] = {"X-Forwarded-For: 203.0.113.50, 198.51.100.1", NULL};
	const char *b[] = {"X-Forwarded-For: 198.51.100.2", NULL};
	struct ds_http_resp r;
	struct srv s;
	int i;

	srv_start(&s, NULL, args, NULL);
	for (i = 0; i < 2; i++) {
		ds_http(&r, "GET", srv_url(&s, "/"), a, NULL, 0, 5000);
		ASSERT_EQ_INT(r.status, 200);
	}
	ds_http(&r, "GET", srv_url(&s, "/"), a, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 429);
	ASSERT_EQ_STR(ds_http_header(&r, "Retry-After"), "1");
	ASSERT_CONTAINS(r.body, "rate-limited");
	ds_http(&r, "GET", srv_url(&s, "/"), b, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ds_http(&r, "GET", srv_url(&s, "/health"), a, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	nap(1100);
	ds_http(&r, "GET", srv_url(&s, "/"), a, NULL, 0, 5000);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_CONTAINS(ds_proc_stdout(&s.p), "\"client\":\"198.51.100.1\"");
	srv_stop_ok(&s);
}
