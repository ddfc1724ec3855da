/*
 * bench/serve_bench.c - the serve benchmark's helper: seeding, the in-process ceiling, and
 * cold start. bench/serve.sh drives it; run it alone as
 *
 *   serve_bench seed DB N          create the schema (the server's own migrations) and N rows
 *   serve_bench ids DB FILE N      write N random project ids, one a line (for wrk's Lua)
 *   serve_bench ceiling DB SECONDS the same queries in-process through the C API, no HTTP
 *                                  (append64_raw: the writer's create path, 64 rows a commit;
 *                                  its p50/p99 are per batch of 64)
 *   serve_bench coldstart BIN DB RUNS   exec -> first 200 on /health, RUNS times
 *
 * The ceiling runs each query the way the server does (one connection per thread, prepared
 * once, DuckDB threads=1) on 1 and on 2 threads: raw (execute and fetch the chunks) and
 * through lib/db (the same plus the JSON rendering the server sends). It prints
 * tab-separated lines "name<TAB>threads<TAB>ops/s<TAB>p50 us<TAB>p99 us" for the script.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"
#include "core/clock.h"
#include "core/opt.h"
#include "core/rand.h"
#include "db/internal.h" /* the raw ceiling uses lib/db's connection for the thread */

static int die(const char *what, const struct ds_error *e)
{
	fprintf(stderr, "serve_bench: %s: %s\n", what, e ? ds_error_msg(e) : strerror(errno));
	return 1;
}

/* Open the database the way the server does: its config, migrations and statements. */
static int open_ctx(struct api_ctx *ctx, const char *path, struct ds_error *e)
{
	struct api_config c;

	if (api_config_init(&c) || api_config_database(&c, path, e))
		return -1;
	c.memory_limit = 1024LL * 1024 * 1024;
	c.threads = 1;
	c.workers = 2;
	if (api__ctx_init(ctx, &c, e)) {
		api_config_release(&c);
		return -1;
	}
	api_config_release(&c);
	return 0;
}

/* N rows over the last ~3 years, in creation order (as a table fills over time). */
static int seed(const char *path, long n)
{
	struct api_ctx ctx;
	struct ds_error e = DS_ERROR_INIT;
	char sql[2048];

	if (open_ctx(&ctx, path, &e))
		return die("open", &e);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO projects SELECT gen_random_uuid(), 'Project ' || i, "
		 "CASE WHEN i %% 4 = 0 THEN NULL ELSE 'Financing for site ' || i END, "
		 "(random() * 1e9)::DECIMAL(20,2), 1 + (i %% 30), (random() * 20)::DECIMAL(5,2), "
		 "(0.5 + random() * 2)::DECIMAL(5,2), "
		 "['PROPOSED', 'ACTIVE', 'COMPLETED'][1 + (i %% 3)::INT], "
		 "current_date - 1100 + (i * 1100 // %ld)::INT, "
		 "TIMESTAMP '2024-01-01' + to_microseconds(i), 'USD' FROM range(%ld) t(i)",
		 n, n);
	if (db_exec_sql(ctx.db, sql, &e))
		return die("seed", &e);
	if (api__ctx_release(&ctx, 1, &e))
		return die("close", &e);
	return 0;
}

static int ids(const char *path, const char *file, long n)
{
	struct api_ctx ctx;
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *c;
	struct db_rows rows;
	struct ds_buf out = DS_BUF_INIT(0);
	int st;
	char sql[256];
	FILE *f;
	const char *p;

	if (open_ctx(&ctx, path, &e))
		return die("open", &e);
	snprintf(sql, sizeof(sql), "SELECT project_id FROM projects USING SAMPLE %ld ROWS", n);
	if ((st = db_stmt_add(ctx.db, sql, &e)) < 0 || !(c = db_conn_get(ctx.db, &e)))
		return die("ids", &e);
	db_rows_init(&rows, &out);
	if (db_query(c, st, NULL, 0, &rows, &e))
		return die("ids", &e);
	f = fopen(file, "w");
	if (!f)
		return die(file, NULL);
	/* Rows are {"project_id":"..."} objects: take the quoted values. */
	for (p = ds_buf_str(&out); (p = strstr(p, "\"project_id\":\"")); p += 14 + 36)
		fprintf(f, "%.36s\n", p + 14);
	fclose(f);
	ds_buf_release(&out);
	api__ctx_release(&ctx, 0, &e);
	return 0;
}

/* --- ceiling ------------------------------------------------------------------------------- */

struct worker {
	struct api_ctx *ctx;
	const char *what;
	char (*idv)[37];
	long nids;
	double seconds;
	long ops;
	double *lat; /* microseconds */
	long nlat, cap;
	pthread_barrier_t *start;
};

static void record(struct worker *w, double us)
{
	if (w->nlat < w->cap)
		w->lat[w->nlat++] = us;
	w->ops++;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *c = db_conn_get(w->ctx->db, &e);
	duckdb_connection raw = NULL;
	duckdb_prepared_statement ps = NULL;
	struct ds_buf out = DS_BUF_INIT(0);
	int64_t end;
	long i = (long)(ds_random_u64() % (unsigned long long)w->nids);

	if (!c)
		return NULL;
	/* The raw variant uses lib/db's own connection for this thread. */
	raw = c->c;
	if (!strcmp(w->what, "point_raw"))
		duckdb_prepare(raw, "SELECT project_id, project_name, description, total_amount, "
				    "maturity_years, expected_tri, dscr, status, creation_date, "
				    "last_updated, currency_code FROM projects WHERE project_id = $1",
			       &ps);
	if (!strcmp(w->what, "insert_raw"))
		duckdb_prepare(raw, "INSERT INTO projects (project_id, project_name, total_amount, "
				    "maturity_years, expected_tri, dscr) VALUES (gen_random_uuid(), "
				    "'bench', 1234567890.12, 5, 7.5, 1.25)",
			       &ps);
	pthread_barrier_wait(w->start);
	end = ds_clock_mono_ns() + (int64_t)(w->seconds * 1e9);
	while (ds_clock_mono_ns() < end) {
		int64_t t0 = ds_clock_mono_ns();

		i = (i + 7919) % w->nids;
		if (!strcmp(w->what, "point_raw")) {
			duckdb_result res;
			duckdb_data_chunk ch;

			duckdb_bind_varchar(ps, 1, w->idv[i]);
			if (duckdb_execute_prepared(ps, &res) == DuckDBError) {
				fprintf(stderr, "%s\n", duckdb_result_error(&res));
				duckdb_destroy_result(&res);
				break;
			}
			while ((ch = duckdb_fetch_chunk(res)))
				duckdb_destroy_data_chunk(&ch);
			duckdb_destroy_result(&res);
		} else if (!strcmp(w->what, "append64_raw")) {
			/* What the server's writer does for creates: 64 rows through the
			 * appender, one commit. One "op" is one row. */
			duckdb_appender ap;
			duckdb_result res;
			int k;

			duckdb_query(raw, "BEGIN TRANSACTION", &res);
			duckdb_destroy_result(&res);
			duckdb_appender_create(raw, NULL, "projects", &ap);
			for (k = 0; k < 64; k++) {
				unsigned char u[16];
				duckdb_uhugeint h = {0, 0};
				duckdb_decimal d = {20, 2, {123456789012ULL, 0}};
				duckdb_value v;
				duckdb_date day = {20000};
				duckdb_timestamp ts = {1};
				int b;

				ds_uuid_v4(u);
				for (b = 0; b < 8; b++) {
					h.upper = h.upper << 8 | u[b];
					h.lower = h.lower << 8 | u[b + 8];
				}
				v = duckdb_create_uuid(h);
				duckdb_append_value(ap, v);
				duckdb_destroy_value(&v);
				duckdb_append_varchar(ap, "bench");
				duckdb_append_null(ap);
				v = duckdb_create_decimal(d);
				duckdb_append_value(ap, v);
				duckdb_destroy_value(&v);
				duckdb_append_int32(ap, 5);
				d.width = 5;
				d.value.lower = 725;
				v = duckdb_create_decimal(d);
				duckdb_append_value(ap, v);
				duckdb_append_value(ap, v);
				duckdb_destroy_value(&v);
				duckdb_append_varchar(ap, "PROPOSED");
				duckdb_append_date(ap, day);
				duckdb_append_timestamp(ap, ts);
				duckdb_append_varchar(ap, "USD");
				duckdb_appender_end_row(ap);
			}
			duckdb_appender_destroy(&ap);
			duckdb_query(raw, "COMMIT", &res);
			duckdb_destroy_result(&res);
			w->ops += 63; /* + 1 below */
		} else if (!strcmp(w->what, "insert_raw")) {
			duckdb_result res;

			if (duckdb_execute_prepared(ps, &res) == DuckDBError) {
				fprintf(stderr, "%s\n", duckdb_result_error(&res));
				duckdb_destroy_result(&res);
				break;
			}
			duckdb_destroy_result(&res);
		} else {
			/* Through lib/db and the handlers' own code: an in-process request. */
			struct api_req r;

			api__req_init(&r, w->ctx);
			r.method = API_GET;
			if (!strcmp(w->what, "point_api")) {
				r.path = ds_arena_printf(&r.arena, "/ops/projects/%s", w->idv[i]);
			} else {
				r.path = "/ops/projects";
				r.query[0].key = "limit";
				r.query[0].value = "100";
				r.nquery = 1;
			}
			api__run_sync(&r);
			if (r.status != 200) {
				fprintf(stderr, "%s: status %d: %s\n", w->what, r.status, ds_buf_str(&r.resp));
				api__req_release(&r);
				break;
			}
			api__req_release(&r);
		}
		record(w, (double)(ds_clock_mono_ns() - t0) / 1e3);
	}
	if (ps)
		duckdb_destroy_prepare(&ps);
	ds_buf_release(&out);
	return NULL;
}

static void ceiling_one(struct api_ctx *ctx, const char *what, int threads, char (*idv)[37],
			long nids, double seconds)
{
	struct worker w[2];
	pthread_t t[2];
	pthread_barrier_t b;
	long ops = 0, n = 0, k, i;
	double *all;

	pthread_barrier_init(&b, NULL, (unsigned)threads);
	for (k = 0; k < threads; k++) {
		memset(&w[k], 0, sizeof(w[k]));
		w[k].ctx = ctx;
		w[k].what = what;
		w[k].idv = idv;
		w[k].nids = nids;
		w[k].seconds = seconds;
		w[k].cap = 2000000;
		w[k].lat = malloc(sizeof(double) * (size_t)w[k].cap);
		w[k].start = &b;
		pthread_create(&t[k], NULL, run_worker, &w[k]);
	}
	for (k = 0; k < threads; k++) {
		pthread_join(t[k], NULL);
		ops += w[k].ops;
		n += w[k].nlat;
	}
	all = malloc(sizeof(double) * (size_t)(n ? n : 1));
	for (k = 0, i = 0; k < threads; k++) {
		memcpy(all + i, w[k].lat, sizeof(double) * (size_t)w[k].nlat);
		i += w[k].nlat;
		free(w[k].lat);
	}
	qsort(all, (size_t)n, sizeof(double), cmp_dbl);
	printf("%s\t%d\t%.0f\t%.0f\t%.0f\n", what, threads, (double)ops / seconds,
	       n ? all[n / 2] : 0.0, n ? all[(long)((double)n * 0.99)] : 0.0);
	fflush(stdout);
	free(all);
	pthread_barrier_destroy(&b);
}

static int ceiling(const char *path, double seconds)
{
	struct api_ctx ctx;
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *c;
	struct db_rows rows;
	struct ds_buf out = DS_BUF_INIT(0);
	char (*idv)[37];
	long n = 0, cap = 1000;
	int st, threads;
	const char *p;
	const char *whats[] = {"point_raw", "point_api", "list100_api", "insert_raw", "append64_raw"};
	size_t k;

	if (open_ctx(&ctx, path, &e))
		return die("open", &e);
	if ((st = db_stmt_add(ctx.db, "SELECT project_id FROM projects USING SAMPLE 1000 ROWS", &e)) < 0 ||
	    !(c = db_conn_get(ctx.db, &e)))
		return die("ids", &e);
	db_rows_init(&rows, &out);
	if (db_query(c, st, NULL, 0, &rows, &e))
		return die("ids", &e);
	idv = calloc((size_t)cap, sizeof(*idv));
	for (p = ds_buf_str(&out); n < cap && (p = strstr(p, "\"project_id\":\"")); p += 14 + 36)
		snprintf(idv[n++], 37, "%.36s", p + 14);
	ds_buf_release(&out);
	for (k = 0; k < sizeof(whats) / sizeof(whats[0]); k++)
		for (threads = 1; threads <= 2; threads++)
			ceiling_one(&ctx, whats[k], threads, idv, n, seconds);
	free(idv);
	api__ctx_release(&ctx, 0, &e);
	return 0;
}

/* --- cold start ---------------------------------------------------------------------------- */

static int health_ok(int port)
{
	struct sockaddr_in a;
	char req[128], buf[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok = 0;
	ssize_t n;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 0;
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(req, sizeof(req), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
		if (write(fd, req, strlen(req)) > 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			ok = !strncmp(buf, "HTTP/1.1 200", 12);
		}
	}
	close(fd);
	return ok;
}

static int coldstart(const char *bin, const char *db, int runs)
{
	double *ms = calloc((size_t)runs, sizeof(double));
	int i;

	for (i = 0; i < runs; i++) {
		/* Below the ephemeral range (32768+), where client sockets could hold the port. */
		int port = 10000 + (int)(ds_random_u64() % 20000);
		char portarg[16];
		int64_t t0 = ds_clock_mono_ns();
		pid_t pid;
		int status;

		snprintf(portarg, sizeof(portarg), "%d", port);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			execl(bin, bin, "serve", "--host", "127.0.0.1", "--port", portarg, "--database",
			      db, (char *)NULL);
			_exit(127);
		}
		while (!health_ok(port)) {
			struct timespec nap = {0, 200000};

			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "serve_bench: server exited during cold start\n");
				return 1;
			}
			nanosleep(&nap, NULL);
		}
		ms[i] = (double)(ds_clock_mono_ns() - t0) / 1e6;
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_dbl);
	printf("coldstart_ms\t%.1f\t%.1f\t%.1f\n", ms[runs / 2], ms[0], ms[runs - 1]);
	free(ms);
	return 0;
}

static long number(const char *s)
{
	struct ds_error e = DS_ERROR_INIT;
	long v;

	if (ds_parse_long(s, 1, 100000000, &v, &e)) {
		fprintf(stderr, "serve_bench: %s\n", ds_error_msg(&e));
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct ds_error e = DS_ERROR_INIT;

	ds_log_set_level(DS_LOG_WARN);
	/* DuckDB is loaded on demand (lib/db/loader.c); this program calls it directly. */
	if (db_load(&e)) {
		fprintf(stderr, "serve_bench: %s\n", ds_error_msg(&e));
		return 1;
	}
	if (argc == 4 && !strcmp(argv[1], "seed"))
		return seed(argv[2], number(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "ids"))
		return ids(argv[2], argv[3], number(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "ceiling"))
		return ceiling(argv[2], (double)number(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "coldstart"))
		return coldstart(argv[2], argv[3], (int)number(argv[4]));
	fprintf(stderr, "usage: serve_bench seed DB N | ids DB FILE N | ceiling DB SECONDS | "
			"coldstart BIN DB RUNS\n");
	return 2;
}
