/*
 * api/config.c - serve's configuration: defaults, environment, machine-dependent values.
 *
 * Order of precedence: built-in default < environment < flag. The command (src/cmd/serve.c)
 * applies flags after api_config_from_env() and before api_config_finish(), which is why
 * "finish" exists: only then is it known whether the memory limit was given at all.
 */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/opt.h"
#include "core/sysinfo.h"

/* The share of the container's memory DuckDB's buffer manager may use. The rest is for
 * DuckDB's allocations outside the buffer pool, the HTTP side and the page cache of a
 * 256 MB Koyeb nano: 40% leaves ~150 MB there. */
#define MEMORY_SHARE_PCT 40
#define HOST_MEMORY_CAP (1024LL * 1024 * 1024)
#define MEMORY_MIN (16LL * 1024 * 1024)

int api_config_set(char **field, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

int api_config_init(struct api_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = API_DEFAULT_PORT;
	c->log_level = DS_LOG_INFO;
	c->threads = 1;
	c->workers = 0;
	c->max_connections = 1024;
	c->idle_timeout_ms = 15000;
	c->drain_timeout_ms = 10000;
	c->body_limit = API_BODY_LIMIT;
	c->batch_max = 256;
	c->query_max_rows = 100000;
	c->query_timeout_ms = 10000;
	c->query_threads = 0;
	c->query_connections = 8;
	if (api_config_set(&c->host, "0.0.0.0") || api_config_set(&c->database, API_DEFAULT_DATABASE)) {
		api_config_release(c);
		return -1;
	}
	return 0;
}

void api_config_release(struct api_config *c)
{
	free(c->host);
	free(c->database);
	free(c->cors_origins);
	c->host = c->database = c->cors_origins = NULL;
	ds_secret_release(&c->admin_token);
}

int api_config_database(struct api_config *c, const char *url, struct ds_error *e)
{
	const char *path = url;

	if (!url || !*url)
		return ds_error_set(e, 0, "empty database path");
	/* SQLAlchemy's spelling, which guides for the Python original of this service use:
	 * duckdb:///relative.db, duckdb:////absolute.db, duckdb:///:memory:. */
	if (!strncmp(url, "duckdb:///", 10))
		path = url + 10;
	else if (strstr(url, "://"))
		return ds_error_set(e, 0, "'%.200s' is not a DuckDB path (a file path, ':memory:' or "
					  "duckdb:///path)", url);
	if (!*path)
		return ds_error_set(e, 0, "'%.200s' names no file", url);
	if (api_config_set(&c->database, path))
		return ds_error_set(e, 0, "out of memory");
	return 0;
}

int api_config_rate(const char *s, double *out, struct ds_error *e)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e6)
		return ds_error_set(e, 0, "'%.40s' is not a rate (requests per second, more than 0, "
					  "at most 1000000: 10, 0.5)", s);
	*out = v;
	return 0;
}

/* "http://host", "https://host:port": a browser's Origin, nothing after the host. */
static int origin_ok(const char *o, size_t n)
{
	size_t i, start;

	if (n > 7 && !strncmp(o, "http://", 7))
		start = 7;
	else if (n > 8 && !strncmp(o, "https://", 8))
		start = 8;
	else
		return 0;
	if (n - start > 253)
		return 0;
	for (i = start; i < n; i++) {
		char ch = o[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == ':' || ch == '[' || ch == ']'))
			return 0;
	}
	return 1;
}

int api_config_cors(struct api_config *c, const char *list, struct ds_error *e)
{
	struct ds_buf b = DS_BUF_INIT(64 * 1024);
	const char *p = list;

	if (!list || !*list) {
		free(c->cors_origins);
		c->cors_origins = NULL;
		return 0;
	}
	while (*p) {
		const char *q = strchr(p, ',');
		size_t n = q ? (size_t)(q - p) : strlen(p);

		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (n == 1 && *p == '*') {
			if (b.len || (q && q[1])) {
				ds_buf_release(&b);
				return ds_error_set(e, 0, "'*' allows every origin and must be alone");
			}
		} else if (!origin_ok(p, n)) {
			ds_buf_release(&b);
			return ds_error_set(e, 0, "'%.*s' is not an origin (scheme://host[:port], no path: "
						  "https://app.example.com)", (int)(n > 100 ? 100 : n), p);
		}
		if ((b.len && ds_buf_addch(&b, ',')) || ds_buf_add(&b, p, n)) {
			ds_buf_release(&b);
			return ds_error_set(e, 0, "the origins list is too long");
		}
		p = q ? q + 1 : p + n;
	}
	if (!b.len) {
		ds_buf_release(&b);
		return ds_error_set(e, 0, "no origin given");
	}
	free(c->cors_origins);
	c->cors_origins = ds_buf_detach(&b, NULL);
	return c->cors_origins ? 0 : ds_error_set(e, 0, "out of memory");
}

int api_config_from_env(struct api_config *c, const char *(*get)(const char *name),
			struct ds_error *e)
{
	const char *v;
	long n;
	long long size;

	if ((v = get("PORT")) && *v) {
		if (ds_parse_long(v, 0, 65535, &n, e))
			return ds_error_prefix(e, "PORT");
		c->port = n;
	}
	if ((v = get("HOST")) && *v && api_config_set(&c->host, v))
		return ds_error_set(e, 0, "out of memory");
	if ((v = get("DATABASE_URL")) && *v && api_config_database(c, v, e))
		return ds_error_prefix(e, "DATABASE_URL");
	if ((v = get("LOG_LEVEL")) && *v && ds_log_level_parse(v, &c->log_level))
		return ds_error_set(e, 0, "LOG_LEVEL: '%.40s' is not a level (debug, info, warn, "
					  "error, off)", v);
	if ((v = get("ADMIN_TOKEN")) && *v && ds_secret_set(&c->admin_token, v))
		return ds_error_set(e, 0, "out of memory");
	if ((v = get("DUCKDB_MEMORY_LIMIT")) && *v) {
		if (ds_parse_size(v, &size, e))
			return ds_error_prefix(e, "DUCKDB_MEMORY_LIMIT");
		c->memory_limit = size;
		c->memory_source = API_MEMORY_CONFIGURED;
	}
	if ((v = get("DUCKDB_THREADS")) && *v) {
		if (ds_parse_long(v, 1, 256, &n, e))
			return ds_error_prefix(e, "DUCKDB_THREADS");
		c->threads = n;
	}
	if ((v = get("QUERY_MAX_ROWS")) && *v) {
		if (ds_parse_long(v, 1, 1000000000L, &n, e))
			return ds_error_prefix(e, "QUERY_MAX_ROWS");
		c->query_max_rows = n;
	}
	if ((v = get("QUERY_TIMEOUT")) && *v) {
		if (ds_parse_duration_ms(v, &n, e))
			return ds_error_prefix(e, "QUERY_TIMEOUT");
		c->query_timeout_ms = n;
	}
	if ((v = get("CORS_ORIGINS")) && *v && api_config_cors(c, v, e))
		return ds_error_prefix(e, "CORS_ORIGINS");
	if ((v = get("RATE_LIMIT")) && *v && api_config_rate(v, &c->rate_limit, e))
		return ds_error_prefix(e, "RATE_LIMIT");
	if ((v = get("RATE_LIMIT_BURST")) && *v) {
		if (ds_parse_long(v, 1, 1000000, &n, e))
			return ds_error_prefix(e, "RATE_LIMIT_BURST");
		c->rate_burst = n;
	}
	if ((v = get("TRUST_PROXY")) && *v) {
		if (!strcmp(v, "1") || !strcmp(v, "true"))
			c->trust_proxy = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "false"))
			c->trust_proxy = 0;
		else
			return ds_error_set(e, 0, "TRUST_PROXY: '%.20s' is not 1, 0, true or false", v);
	}
	return 0;
}

int api_config_finish(struct api_config *c, struct ds_error *e)
{
	if (c->memory_limit == 0) {
		long long limit = 0;
		int r = ds_cgroup_memory_limit(c->cgroup2_path, c->cgroup1_path, &limit, e);

		if (r < 0)
			return ds_error_prefix(e, "reading the container's memory limit");
		if (r > 0) {
			c->memory_limit = limit / 100 * MEMORY_SHARE_PCT;
			c->memory_source = API_MEMORY_CGROUP;
		} else {
			if (ds_meminfo_total(c->meminfo_path, &limit, e))
				return ds_error_prefix(e, "reading the machine's memory");
			c->memory_limit = limit / 100 * MEMORY_SHARE_PCT;
			if (c->memory_limit > HOST_MEMORY_CAP)
				c->memory_limit = HOST_MEMORY_CAP;
			c->memory_source = API_MEMORY_HOST;
		}
		if (c->memory_limit < MEMORY_MIN)
			c->memory_limit = MEMORY_MIN;
	} else if (c->memory_limit < MEMORY_MIN) {
		return ds_error_set(e, 0, "memory limit %lld bytes is below the minimum of 16MiB",
				    c->memory_limit);
	}
	if (c->workers <= 0) {
		int cpus = ds_cpu_count();

		c->workers = cpus < 2 ? 2 : cpus > 16 ? 16 : cpus;
	}
	if (c->body_limit <= 0)
		return ds_error_set(e, 0, "the body limit must be positive");
	if (c->max_connections < c->workers)
		return ds_error_set(e, 0, "max connections (%ld) must be at least the worker count (%ld)",
				    c->max_connections, c->workers);
	if (c->idle_timeout_ms < 1000)
		return ds_error_set(e, 0, "the idle timeout must be at least 1s (libmicrohttpd counts "
					  "whole seconds)");
	if (c->query_timeout_ms < 1)
		return ds_error_set(e, 0, "the query timeout must be positive");
	if (c->query_max_rows < 1)
		return ds_error_set(e, 0, "the query row limit must be positive");
	if (c->rate_limit > 0 && c->rate_burst <= 0)
		c->rate_burst = c->rate_limit * 2 < 1 ? 1 : (long)(c->rate_limit * 2);
	return 0;
}

void api_config_log(const struct api_config *c)
{
	static const char *const sources[] = {"configured", "cgroup", "host"};
	struct ds_log_line l;

	if (!ds_log_begin(&l, DS_LOG_INFO, "api", "configuration"))
		return;
	ds_log_str(&l, "host", c->host);
	ds_log_int(&l, "port", c->port);
	ds_log_str(&l, "database", c->database);
	ds_log_str(&l, "log_level", ds_log_level_name(c->log_level));
	/* Only whether it is set: the value never reaches a log. */
	ds_log_bool(&l, "admin_auth", ds_secret_is_set(&c->admin_token));
	ds_log_int(&l, "duckdb_memory_limit", c->memory_limit);
	ds_log_str(&l, "duckdb_memory_limit_from", sources[c->memory_source]);
	ds_log_int(&l, "duckdb_threads", c->threads);
	ds_log_int(&l, "workers", c->workers);
	ds_log_int(&l, "max_connections", c->max_connections);
	ds_log_int(&l, "idle_timeout_ms", c->idle_timeout_ms);
	ds_log_int(&l, "drain_timeout_ms", c->drain_timeout_ms);
	ds_log_int(&l, "body_limit", c->body_limit);
	ds_log_int(&l, "write_batch_max", c->batch_max);
	ds_log_int(&l, "query_max_rows", c->query_max_rows);
	ds_log_int(&l, "query_timeout_ms", c->query_timeout_ms);
	ds_log_int(&l, "query_threads", c->query_threads);
	ds_log_int(&l, "query_connections", c->query_connections);
	ds_log_str(&l, "cors_origins", c->cors_origins);
	ds_log_dbl(&l, "rate_limit", c->rate_limit);
	ds_log_int(&l, "rate_burst", c->rate_burst);
	ds_log_bool(&l, "trust_proxy", c->trust_proxy);
	ds_log_end(&l);
}
