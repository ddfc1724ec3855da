/*
 * api/config.c - serve's configuration: defaults, environment, machine-dependent values.
 *
 * Order of precedence: built-in default < environment < flag. The command (src/cmd/serve.c)
 * applies flags after api_config_from_env() and before api_config_finish(), which is why
 * "finish" exists: only then is it known whether the memory limit was given at all.
 */
#include "api/api.h"

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
	c->host = c->database = NULL;
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
	ds_log_end(&l);
}
