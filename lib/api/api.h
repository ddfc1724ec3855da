/*
 * api/api.h - the data-product HTTP API: configuration and the server's life cycle.
 *
 * `duckdb-spawn serve` is a thin shell around this header: it fills a struct api_config
 * from the environment and its flags, starts the server, waits for SIGTERM or SIGINT, and
 * stops it. Everything else (routes, validation, the database) is behind api_server_start.
 */
#ifndef DS_API_API_H
#define DS_API_API_H

#include <stddef.h>

#include "core/error.h"
#include "core/log.h"
#include "core/secret.h"

#define API_DEFAULT_PORT 8000
#define API_DEFAULT_DATABASE "./duckdb_spawn.db"
#define API_BODY_LIMIT (1024 * 1024)

/* Which rule chose the DuckDB memory limit (for the startup log). */
enum api_memory_source {
	API_MEMORY_CONFIGURED, /* DUCKDB_MEMORY_LIMIT or --memory-limit */
	API_MEMORY_CGROUP,     /* a share of the container's limit */
	API_MEMORY_HOST,       /* no container limit: a share of RAM, capped */
};

struct api_config {
	char *host;               /* bind address; "0.0.0.0" */
	long port;                /* 8000; 0 picks a free port */
	char *database;           /* a file path or ":memory:" */
	enum ds_log_level log_level;
	struct ds_secret admin_token; /* environment only: a flag would put it in argv */
	long long memory_limit;   /* bytes for DuckDB; 0 until api_config_finish() */
	enum api_memory_source memory_source;
	long threads;             /* DuckDB threads; 1 (see docs/internals/serve.md) */
	long workers;             /* HTTP worker threads; 0: one per CPU, at least 2 */
	long max_connections;     /* open connections at most */
	long idle_timeout_ms;     /* close a connection idle (or trickling nothing) this long */
	long drain_timeout_ms;    /* how long SIGTERM waits for requests in flight */
	long long body_limit;     /* request body ceiling (413 beyond) */
	long batch_max;           /* writes per group commit at most */
	/* POST /query (docs/api.md). */
	long long query_max_rows; /* a result with more rows fails (413 or in-band) */
	long query_timeout_ms;    /* a query is interrupted this long after it arrived */
	long query_threads;       /* threads running queries (DuckDB calls and rendering) */
	long query_connections;   /* queries running or streaming at once; more wait */
	/* Around the API: off unless set. */
	char *cors_origins;       /* NULL, "*", or "https://a.example,https://b.example:8443" */
	double rate_limit;        /* requests per second per client address; 0: off */
	long rate_burst;          /* a client's bucket; 0: twice the rate, at least 1 */
	int trust_proxy;          /* the client is the last X-Forwarded-For entry */
	/* Where the memory rule reads from (NULL: the real /sys and /proc files); tests. */
	const char *cgroup2_path, *cgroup1_path, *meminfo_path;
};

/* Defaults, no allocation beyond the default strings. */
int api_config_init(struct api_config *c);
void api_config_release(struct api_config *c);

/* Set a string field (host, database), copying v. 0 or -1. */
int api_config_set(char **field, const char *v);

/*
 * Read PORT, HOST, DATABASE_URL, LOG_LEVEL, ADMIN_TOKEN, DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS,
 * QUERY_MAX_ROWS, QUERY_TIMEOUT, CORS_ORIGINS, RATE_LIMIT, RATE_LIMIT_BURST and TRUST_PROXY
 * through get (getenv, or a test's table). A set but invalid variable is an error naming
 * it: "PORT: 'eighty' is not a number". DATABASE_URL is a path, ":memory:", or the
 * SQLAlchemy form "duckdb:///path" (the scheme is stripped).
 */
int api_config_from_env(struct api_config *c, const char *(*get)(const char *name),
			struct ds_error *e);

/* Check and set the CORS origins list ("*", or comma-separated origins "scheme://host[:port]"),
 * or NULL/"" to turn CORS off. 0 or -1 with e naming the bad entry. */
int api_config_cors(struct api_config *c, const char *list, struct ds_error *e);

/* Parse a rate ("10", "0.5": requests per second, at most 1e6). 0 or -1 with e. */
int api_config_rate(const char *s, double *out, struct ds_error *e);

/* Normalise a DATABASE_URL value into a path (what api_config_from_env stores). */
int api_config_database(struct api_config *c, const char *url, struct ds_error *e);

/*
 * Fill in what depends on the machine: the memory limit when none was configured (40% of
 * the cgroup limit; without one, 40% of RAM capped at 1 GiB) and the worker count. Checks
 * the whole configuration for consistency. 0 or -1.
 */
int api_config_finish(struct api_config *c, struct ds_error *e);

/* Log the effective configuration (one line, no secrets: only whether ADMIN_TOKEN is set). */
void api_config_log(const struct api_config *c);

struct api_server;

/*
 * Open the database (migrating it), bind the socket and start serving. Returns 0, or -1
 * with e set: a database locked by another process (code DB_ERR_LOCKED from db/db.h), an
 * address in use, ... . c is copied.
 */
int api_server_start(struct api_server **out, const struct api_config *c, struct ds_error *e);

/* The port actually bound (useful with port 0). */
int api_server_port(const struct api_server *s);

/*
 * Shut down: stop accepting, let requests in flight finish (at most drain_timeout_ms, then
 * the rest are closed), commit queued writes, CHECKPOINT, close the database, free s.
 * Returns 0, or -1 with e set when something could not be closed cleanly (every
 * acknowledged write is still in the WAL).
 */
int api_server_stop(struct api_server *s, struct ds_error *e);

#endif
