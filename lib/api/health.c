/*
 * api/health.c - the operational endpoints: service info (/), health (/health and
 * /monitoring/health) and Prometheus metrics (/metrics).
 *
 * Health runs a real query (a count over the projects table) on the calling worker's own
 * connection, so it proves what a request needs: the database answers, the schema is
 * there, this thread can use it. A shutting-down server reports 503 so that a load
 * balancer stops sending it traffic while it drains.
 */
#include "api/internal.h"

#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "core/clock.h"
#include "core/sysinfo.h"
#include "db/query.h"

enum api_result api__info(struct api_req *r)
{
	struct ds_buf *o = &r->resp;

	ds_buf_addf(o, "{\"name\":\"%s\",\"version\":\"%s\",\"revision\":\"%s\",\"duckdb\":\"%s\",",
		    DS_NAME, DS_VERSION, DS_GIT_REVISION, db_duckdb_version());
	ds_buf_addstr(o, "\"links\":{\"self\":\"/\",\"health\":\"/health\","
			 "\"monitoring_health\":\"/monitoring/health\",\"metrics\":\"/metrics\","
			 "\"projects\":\"/ops/projects\",\"project\":\"/ops/projects/{id}\","
			 "\"query\":\"/query\"");
	if (ds_secret_is_set(&r->ctx->cfg.admin_token))
		ds_buf_addstr(o, ",\"admin_tables\":\"/admin/tables\"");
	ds_buf_addstr(o, "}}");
	api__json(r, 200);
	return API_DONE;
}

static void unhealthy(struct api_req *r, const char *reason)
{
	ds_buf_reset(&r->resp);
	ds_buf_addstr(&r->resp, "{\"status\":\"unhealthy\",\"reason\":\"");
	ds_buf_add_json_escaped(&r->resp, reason, strlen(reason) > 300 ? 300 : strlen(reason));
	ds_buf_addstr(&r->resp, "\"}");
	api__json(r, 503);
}

enum api_result api__health(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *c;
	long long n = 0;
	double up = (double)(ds_clock_mono_ns() - r->ctx->start_ns) / 1e9;

	if (atomic_load(&r->ctx->draining)) {
		unhealthy(r, "shutting down");
		return API_DONE;
	}
	c = db_conn_get(r->ctx->db, &e);
	if (!c || db_query_int(c, r->ctx->st.health, NULL, 0, &n, &e) < 0) {
		unhealthy(r, ds_error_msg(&e));
		return API_DONE;
	}
	ds_buf_addf(&r->resp,
		    "{\"status\":\"healthy\",\"database\":\"ok\",\"projects\":%lld,"
		    "\"duckdb\":\"%s\",\"uptime_seconds\":%.3f}",
		    n, db_duckdb_version(), up);
	api__json(r, 200);
	return API_DONE;
}

enum api_result api__metrics_get(struct api_req *r)
{
	struct api_ctx *ctx = r->ctx;
	struct ds_buf *o = &r->resp;
	struct db_writer_stats ws;
	struct db_query_stats qs;
	long long rss = 0, peak = 0;

	api_metrics_render(&ctx->metrics, o);
	db_writer_stats(ctx->db, &ws);
	db_query_stats(ctx->db, &qs);
	ds_self_rss(&rss, &peak);
	ds_buf_addstr(o, "# HELP http_requests_in_flight Requests begun and not yet answered.\n"
			 "# TYPE http_requests_in_flight gauge\n");
	ds_buf_addf(o, "http_requests_in_flight %ld\n", atomic_load(&ctx->in_flight));
	ds_buf_addstr(o, "# HELP duckdb_database_size_bytes The database file plus its WAL.\n"
			 "# TYPE duckdb_database_size_bytes gauge\n");
	ds_buf_addf(o, "duckdb_database_size_bytes %lld\n", db_file_size(ctx->db));
	ds_buf_addstr(o, "# HELP db_write_jobs_total Writes acknowledged by the group-commit writer.\n"
			 "# TYPE db_write_jobs_total counter\n");
	ds_buf_addf(o, "db_write_jobs_total %llu\n", ws.jobs);
	ds_buf_addstr(o, "# HELP db_write_failed_total Writes acknowledged with an error.\n"
			 "# TYPE db_write_failed_total counter\n");
	ds_buf_addf(o, "db_write_failed_total %llu\n", ws.failed);
	ds_buf_addstr(o, "# HELP db_commits_total Transactions committed by the writer.\n"
			 "# TYPE db_commits_total counter\n");
	ds_buf_addf(o, "db_commits_total %llu\n", ws.commits);
	ds_buf_addstr(o, "# HELP db_commit_retries_total Transactions retried after a write conflict.\n"
			 "# TYPE db_commit_retries_total counter\n");
	ds_buf_addf(o, "db_commit_retries_total %llu\n", ws.retries);
	ds_buf_addstr(o, "# HELP db_write_batch_max Most writes committed in one transaction.\n"
			 "# TYPE db_write_batch_max gauge\n");
	ds_buf_addf(o, "db_write_batch_max %llu\n", ws.batch_max);
	ds_buf_addstr(o, "# HELP db_appended_rows_total Rows written through DuckDB's appender.\n"
			 "# TYPE db_appended_rows_total counter\n");
	ds_buf_addf(o, "db_appended_rows_total %llu\n", ws.appended);
	ds_buf_addstr(o, "# HELP db_append_fallbacks_total Batches re-run with statements after an append failed.\n"
			 "# TYPE db_append_fallbacks_total counter\n");
	ds_buf_addf(o, "db_append_fallbacks_total %llu\n", ws.append_fallbacks);
	ds_buf_addstr(o, "# HELP db_write_queue_length Writes waiting for the writer.\n"
			 "# TYPE db_write_queue_length gauge\n");
	ds_buf_addf(o, "db_write_queue_length %ld\n", ws.queued);
	ds_buf_addstr(o, "# HELP db_queries_total Client queries (/query) submitted.\n"
			 "# TYPE db_queries_total counter\n");
	ds_buf_addf(o, "db_queries_total %llu\n", qs.queries);
	ds_buf_addstr(o, "# HELP db_query_failures_total Client queries that ended with an error, by kind.\n"
			 "# TYPE db_query_failures_total counter\n");
	ds_buf_addf(o, "db_query_failures_total{kind=\"forbidden\"} %llu\n", qs.forbidden);
	ds_buf_addf(o, "db_query_failures_total{kind=\"timeout\"} %llu\n", qs.timeouts);
	ds_buf_addf(o, "db_query_failures_total{kind=\"cancelled\"} %llu\n", qs.cancelled);
	ds_buf_addf(o, "db_query_failures_total{kind=\"other\"} %llu\n",
		    qs.failed - qs.forbidden - qs.timeouts - qs.cancelled);
	ds_buf_addstr(o, "# HELP db_query_rows_total Rows of client queries rendered.\n"
			 "# TYPE db_query_rows_total counter\n");
	ds_buf_addf(o, "db_query_rows_total %llu\n", qs.rows);
	ds_buf_addstr(o, "# HELP db_query_bytes_total Bytes of client query output.\n"
			 "# TYPE db_query_bytes_total counter\n");
	ds_buf_addf(o, "db_query_bytes_total %llu\n", qs.bytes);
	ds_buf_addstr(o, "# HELP db_queries_running Client queries holding a query connection.\n"
			 "# TYPE db_queries_running gauge\n");
	ds_buf_addf(o, "db_queries_running %ld\n", qs.running);
	ds_buf_addstr(o, "# HELP db_queries_waiting Client queries waiting for a query connection.\n"
			 "# TYPE db_queries_waiting gauge\n");
	ds_buf_addf(o, "db_queries_waiting %ld\n", qs.waiting);
	ds_buf_addstr(o, "# HELP api_admin_auth_failures_total Admin requests refused (401, 403).\n"
			 "# TYPE api_admin_auth_failures_total counter\n");
	ds_buf_addf(o, "api_admin_auth_failures_total %llu\n", atomic_load(&ctx->auth_failures));
	ds_buf_addstr(o, "# HELP api_rate_limited_total Requests answered 429.\n"
			 "# TYPE api_rate_limited_total counter\n");
	ds_buf_addf(o, "api_rate_limited_total %llu\n", atomic_load(&ctx->rate_limited));
	ds_buf_addstr(o, "# HELP process_resident_memory_bytes Resident set size.\n"
			 "# TYPE process_resident_memory_bytes gauge\n");
	ds_buf_addf(o, "process_resident_memory_bytes %lld\n", rss);
	ds_buf_addstr(o, "# HELP process_uptime_seconds Seconds since the server started.\n"
			 "# TYPE process_uptime_seconds gauge\n");
	ds_buf_addf(o, "process_uptime_seconds %.3f\n",
		    (double)(ds_clock_mono_ns() - ctx->start_ns) / 1e9);
	ds_buf_addstr(o, "# HELP duckdb_spawn_build_info Build of this server; always 1.\n"
			 "# TYPE duckdb_spawn_build_info gauge\n");
	ds_buf_addf(o, "duckdb_spawn_build_info{version=\"%s\",revision=\"%s\",duckdb=\"%s\"} 1\n",
		    DS_VERSION, DS_GIT_REVISION, db_duckdb_version());
	r->status = 200;
	r->resp_type = "text/plain; version=0.0.4; charset=utf-8";
	return API_DONE;
}
