/*
 * bench/query_bench.c - the /query benchmark's helper: the in-process ceiling of the
 * aggregate. bench/query.sh drives it; run it alone as
 *
 *   query_bench ceiling DB SECONDS
 *
 * It runs the aggregate
 *   SELECT status, currency_code, count(*), sum(total_amount), avg(dscr) FROM projects
 *   GROUP BY ALL
 * the way the server would without HTTP, on 1 and 2 threads: raw (a prepared statement on a
 * connection of its own, executed and its chunks fetched) and through the API (POST /query
 * handled in-process by api__run_sync: the query pool, the read-only transaction, JSON
 * rendering). It prints "name<TAB>threads<TAB>ops/s<TAB>p50 us<TAB>p99 us" lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/clock.h"
#include "db/internal.h" /* the raw ceiling uses a DuckDB connection directly */

#define AGG "SELECT status, currency_code, count(*), sum(total_amount), avg(dscr) FROM projects GROUP BY ALL"

struct worker {
	struct api_ctx *ctx;
	int api;
	double seconds;
	long ops;
	double *lat;
	long nlat, cap;
	pthread_barrier_t *start;
	int failed;
};

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	duckdb_connection c = NULL;
	duckdb_prepared_statement ps = NULL;
	int64_t end;

	if (!w->api) {
		if (duckdb_connect(w->ctx->db->ddb, &c) == DuckDBError ||
		    duckdb_prepare(c, AGG, &ps) == DuckDBError) {
			fprintf(stderr, "query_bench: prepare failed\n");
			w->failed = 1;
		}
	}
	pthread_barrier_wait(w->start);
	end = ds_clock_mono_ns() + (int64_t)(w->seconds * 1e9);
	while (!w->failed && ds_clock_mono_ns() < end) {
		int64_t t0 = ds_clock_mono_ns();

		if (!w->api) {
			duckdb_result res;
			duckdb_data_chunk ch;

			if (duckdb_execute_prepared(ps, &res) == DuckDBError) {
				fprintf(stderr, "query_bench: %s\n", duckdb_result_error(&res));
				w->failed = 1;
			}
			while ((ch = duckdb_fetch_chunk(res)))
				duckdb_destroy_data_chunk(&ch);
			duckdb_destroy_result(&res);
		} else {
			struct api_req r;
			static const char body[] = "{\"sql\":\"" AGG "\"}";

			api__req_init(&r, w->ctx);
			r.method = API_POST;
			r.path = "/query";
			r.content_type = "application/json";
			r.body = body;
			r.body_len = sizeof(body) - 1;
			r.content_length = (long long)r.body_len;
			api__run_sync(&r);
			if (r.status != 200) {
				fprintf(stderr, "query_bench: %d %s\n", r.status, ds_buf_str(&r.resp));
				w->failed = 1;
			}
			api__req_release(&r);
		}
		if (w->nlat < w->cap)
			w->lat[w->nlat++] = (double)(ds_clock_mono_ns() - t0) / 1e3;
		w->ops++;
	}
	if (ps)
		duckdb_destroy_prepare(&ps);
	if (c)
		duckdb_disconnect(&c);
	return NULL;
}

static void one(struct api_ctx *ctx, int api, int threads, double seconds)
{
	struct worker w[2];
	pthread_t t[2];
	pthread_barrier_t b;
	long ops = 0, n = 0, i = 0;
	int k;
	double *all;

	pthread_barrier_init(&b, NULL, (unsigned)threads);
	for (k = 0; k < threads; k++) {
		memset(&w[k], 0, sizeof(w[k]));
		w[k].ctx = ctx;
		w[k].api = api;
		w[k].seconds = seconds;
		w[k].cap = 1000000;
		w[k].lat = malloc(sizeof(double) * (size_t)w[k].cap);
		w[k].start = &b;
		pthread_create(&t[k], NULL, run, &w[k]);
	}
	for (k = 0; k < threads; k++) {
		pthread_join(t[k], NULL);
		ops += w[k].ops;
		n += w[k].nlat;
	}
	all = malloc(sizeof(double) * (size_t)(n ? n : 1));
	for (k = 0; k < threads; k++) {
		memcpy(all + i, w[k].lat, sizeof(double) * (size_t)w[k].nlat);
		i += w[k].nlat;
		free(w[k].lat);
	}
	qsort(all, (size_t)n, sizeof(double), cmp_dbl);
	printf("%s\t%d\t%.0f\t%.0f\t%.0f\n", api ? "agg_api" : "agg_raw", threads,
	       (double)ops / seconds, n ? all[n / 2] : 0.0, n ? all[(long)((double)n * 0.99)] : 0.0);
	fflush(stdout);
	free(all);
	pthread_barrier_destroy(&b);
}

int main(int argc, char **argv)
{
	struct api_ctx ctx;
	struct api_config c;
	struct ds_error e = DS_ERROR_INIT;
	double seconds;
	int threads;

	if (argc != 4 || strcmp(argv[1], "ceiling")) {
		fprintf(stderr, "usage: query_bench ceiling DB SECONDS\n");
		return 2;
	}
	seconds = strtod(argv[3], NULL);
	ds_log_set_level(DS_LOG_WARN);
	if (api_config_init(&c) || api_config_database(&c, argv[2], &e)) {
		fprintf(stderr, "query_bench: %s\n", ds_error_msg(&e));
		return 1;
	}
	c.memory_limit = 1024LL * 1024 * 1024;
	c.threads = 1;
	c.workers = 2;
	if (api__ctx_init(&ctx, &c, &e)) {
		fprintf(stderr, "query_bench: %s\n", ds_error_msg(&e));
		return 1;
	}
	api_config_release(&c);
	for (threads = 1; threads <= 2; threads++) {
		one(&ctx, 0, threads, seconds);
		one(&ctx, 1, threads, seconds);
	}
	api__ctx_release(&ctx, 0, &e);
	return 0;
}
