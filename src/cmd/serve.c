/*
 * cmd/serve.c - `duckdb-spawn serve`: the data-product API.
 *
 * Configuration comes from the environment (PORT, HOST, DATABASE_URL, LOG_LEVEL, ADMIN_TOKEN,
 * DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS, QUERY_MAX_ROWS, QUERY_TIMEOUT, CORS_ORIGINS,
 * RATE_LIMIT, RATE_LIMIT_BURST, TRUST_PROXY) and flags override it; ADMIN_TOKEN has no flag, so
 * the secret never appears in argv (and so in `ps`). Logs are JSON lines on stdout.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread before any is started and taken
 * here with sigwait(), so no handler runs at an awkward moment inside DuckDB or MHD; the
 * main thread then drains and closes the server in plain code.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "build_info.h"
#include "cmd.h"
#include "core/log.h"

static const char *env_get(const char *name)
{
	return getenv(name);
}

static int rate_cb(const struct ds_option *o, const char *arg, struct ds_error *e)
{
	return api_config_rate(arg, o->value, e);
}

static int level_cb(const struct ds_option *o, const char *arg, struct ds_error *e)
{
	if (ds_log_level_parse(arg, o->value))
		return ds_error_set(e, 0, "'%s' is not a level (debug, info, warn, error, off)", arg);
	return 0;
}

int cmd_serve(int argc, const char **argv)
{
	struct api_config c;
	struct api_server *srv = NULL;
	struct ds_error e = DS_ERROR_INIT;
	const char *host = NULL, *database = NULL, *cors = NULL;
	long port = -1, threads = -1, workers = -1, max_conn = -1, idle_ms = -1, drain_ms = -1;
	long batch = -1, qrows = -1, qtimeout = -1, qthreads = -1, qconns = -1, burst = -1;
	double rate = -1;
	int trust = -1;
	long long memory = -1;
	enum ds_log_level level = (enum ds_log_level)-1;
	sigset_t sigs;
	int sig = 0, code, n;
	const struct ds_option opts[] = {
		DS_OPT_GROUP("where"),
		DS_OPT_STRING(0, "host", &host, "ADDR", "address to listen on (env HOST; 0.0.0.0)"),
		DS_OPT_INT('p', "port", &port, 0, 65535, "port to listen on (env PORT; 8000; 0: any free port)"),
		DS_OPT_STRING(0, "database", &database, "PATH",
			      "DuckDB file or :memory: (env DATABASE_URL; ./duckdb_spawn.db)"),
		DS_OPT_GROUP("DuckDB"),
		DS_OPT_SIZE(0, "memory-limit", &memory,
			    "buffer memory (env DUCKDB_MEMORY_LIMIT; 40% of the container's limit)"),
		DS_OPT_INT(0, "threads", &threads, 1, 256, "DuckDB threads (env DUCKDB_THREADS; 1)"),
		DS_OPT_INT(0, "write-batch", &batch, 1, 100000, "most writes per group commit (256)"),
		DS_OPT_GROUP("HTTP"),
		DS_OPT_INT(0, "workers", &workers, 1, 256, "HTTP worker threads (one per CPU, at least 2)"),
		DS_OPT_INT(0, "max-connections", &max_conn, 1, 1000000, "open connections at most (1024)"),
		DS_OPT_DURATION(0, "idle-timeout", &idle_ms, "close idle connections after this (15s)"),
		DS_OPT_DURATION(0, "drain-timeout", &drain_ms,
				"on SIGTERM, wait this long for requests in flight (10s)"),
		DS_OPT_GROUP("/query"),
		DS_OPT_INT(0, "query-max-rows", &qrows, 1, 1000000000L,
			   "rows a result may have (env QUERY_MAX_ROWS; 100000)"),
		DS_OPT_DURATION(0, "query-timeout", &qtimeout,
				"a query is interrupted after this (env QUERY_TIMEOUT; 10s)"),
		DS_OPT_INT(0, "query-threads", &qthreads, 1, 64, "threads running queries (2)"),
		DS_OPT_INT(0, "query-connections", &qconns, 1, 1024,
			   "queries running or streaming at once; more wait (8)"),
		DS_OPT_GROUP("around the API (off unless set)"),
		DS_OPT_STRING(0, "cors-origins", &cors, "LIST",
			      "origins allowed by CORS, comma-separated, or * (env CORS_ORIGINS)"),
		DS_OPT_CALLBACK(0, "rate-limit", &rate, "RATE",
				"requests a second per client address (env RATE_LIMIT)", rate_cb, 0),
		DS_OPT_INT(0, "rate-burst", &burst, 1, 1000000,
			   "a client's burst (env RATE_LIMIT_BURST; twice the rate)"),
		DS_OPT_BOOL(0, "trust-proxy", &trust,
			    "the client is the last X-Forwarded-For entry (env TRUST_PROXY)"),
		DS_OPT_GROUP("logs"),
		DS_OPT_CALLBACK(0, "log-level", &level, "LEVEL",
				"debug, info, warn, error or off (env LOG_LEVEL; info)", level_cb, 0),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "serve", "[<options>]", &code);
	if (n < 0)
		return code;
	if (n > 0)
		return cmd_usage_error("serve", "unexpected argument '%s'", argv[0]);
	if (api_config_init(&c))
		return cmd_error("out of memory");
	if (api_config_from_env(&c, env_get, &e)) {
		api_config_release(&c);
		return cmd_usage_error("serve", "%s", ds_error_msg(&e));
	}
	if ((host && api_config_set(&c.host, host)) ||
	    (database && api_config_database(&c, database, &e))) {
		api_config_release(&c);
		return cmd_usage_error("serve", "--database: %s", ds_error_msg(&e));
	}
	if (cors && api_config_cors(&c, cors, &e)) {
		api_config_release(&c);
		return cmd_usage_error("serve", "--cors-origins: %s", ds_error_msg(&e));
	}
	if (port >= 0)
		c.port = port;
	if (memory >= 0) {
		c.memory_limit = memory;
		c.memory_source = API_MEMORY_CONFIGURED;
	}
	if (threads > 0)
		c.threads = threads;
	if (workers > 0)
		c.workers = workers;
	if (max_conn > 0)
		c.max_connections = max_conn;
	if (idle_ms >= 0)
		c.idle_timeout_ms = idle_ms;
	if (drain_ms >= 0)
		c.drain_timeout_ms = drain_ms;
	if (batch > 0)
		c.batch_max = batch;
	if (qrows > 0)
		c.query_max_rows = qrows;
	if (qtimeout >= 0)
		c.query_timeout_ms = qtimeout;
	if (qthreads > 0)
		c.query_threads = qthreads;
	if (qconns > 0)
		c.query_connections = qconns;
	if (rate > 0)
		c.rate_limit = rate;
	if (burst > 0)
		c.rate_burst = burst;
	if (trust >= 0)
		c.trust_proxy = trust;
	if ((int)level >= 0)
		c.log_level = level;
	if (api_config_finish(&c, &e)) {
		api_config_release(&c);
		return cmd_usage_error("serve", "%s", ds_error_msg(&e));
	}

	ds_log_set_fd(1);
	ds_log_set_level(c.log_level);
	/* Before any thread exists, so that every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	api_config_log(&c);
	if (api_server_start(&srv, &c, &e)) {
		ds_log(DS_LOG_ERROR, "serve", "%s", ds_error_msg(&e));
		api_config_release(&c);
		return cmd_error("%s", ds_error_msg(&e));
	}
	{
		struct ds_log_line l;

		if (ds_log_begin(&l, DS_LOG_INFO, "serve", "listening")) {
			ds_log_str(&l, "host", c.host);
			ds_log_int(&l, "port", api_server_port(srv));
			ds_log_str(&l, "version", DS_VERSION);
			ds_log_end(&l);
		}
	}
	while (sigwait(&sigs, &sig) != 0)
		;
	ds_log(DS_LOG_INFO, "serve", "%s received: draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
	code = EXIT_OK;
	if (api_server_stop(srv, &e)) {
		ds_log(DS_LOG_ERROR, "serve", "shutdown: %s", ds_error_msg(&e));
		code = EXIT_FAILURE_;
	} else {
		ds_log(DS_LOG_INFO, "serve", "stopped cleanly");
	}
	api_config_release(&c);
	return code;
}
