/*
 * core/log.h - structured logs: one JSON object per line.
 *
 * A line is built field by field in memory and written with one write(2), so lines from
 * different threads never interleave and nothing sits in a stdio buffer when the process
 * dies (Koyeb collects stdout as it comes). Every line carries time (UTC, milliseconds),
 * level, module and msg, then the caller's fields in order.
 *
 * Secrets are kept out by construction: a field whose key names a secret (password, token,
 * secret, authorization, cookie, credential, api_key) is written as "[redacted]" whatever
 * its value, so a careless ds_log_str(&l, "token", t) leaks nothing. Values are escaped and
 * bounded (DS_LOG_VALUE_MAX bytes, then "...").
 *
 *	struct ds_log_line l;
 *	if (ds_log_begin(&l, DS_LOG_INFO, "api", "request")) {
 *		ds_log_str(&l, "route", "/ops/projects/{id}");
 *		ds_log_int(&l, "status", 200);
 *		ds_log_end(&l);
 *	}
 */
#ifndef DS_CORE_LOG_H
#define DS_CORE_LOG_H

#include "core/buf.h"

enum ds_log_level {
	DS_LOG_DEBUG,
	DS_LOG_INFO,
	DS_LOG_WARN,
	DS_LOG_ERROR,
	DS_LOG_OFF,
};

#define DS_LOG_VALUE_MAX 2048

struct ds_log_line {
	struct ds_buf b;
	int on;
	int truncated;
};

/* Process-wide settings; safe to change while other threads log. */
void ds_log_set_level(enum ds_log_level level);
enum ds_log_level ds_log_get_level(void);
void ds_log_set_fd(int fd); /* default 2 (stderr); serve switches to 1 */
int ds_log_enabled(enum ds_log_level level);

/* "debug", "info", "warn"/"warning", "error", "off", any case. Returns 0 or -1. */
int ds_log_level_parse(const char *s, enum ds_log_level *out);
const char *ds_log_level_name(enum ds_log_level level);

/* Start a line. Returns 0 (and the other calls do nothing) when the level is filtered
 * out, so callers may skip computing fields. */
int ds_log_begin(struct ds_log_line *l, enum ds_log_level level, const char *module,
		 const char *msg);
void ds_log_str(struct ds_log_line *l, const char *key, const char *value); /* NULL: null */
void ds_log_strn(struct ds_log_line *l, const char *key, const char *value, size_t n);
void ds_log_int(struct ds_log_line *l, const char *key, long long value);
void ds_log_dbl(struct ds_log_line *l, const char *key, double value);
void ds_log_bool(struct ds_log_line *l, const char *key, int value);
/* Write the line and release it. */
void ds_log_end(struct ds_log_line *l);

/* A line with a formatted msg and no fields. */
void ds_log(enum ds_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether key names a secret (exposed for tests and for other writers of key/values). */
int ds_log_key_is_secret(const char *key);

#endif
