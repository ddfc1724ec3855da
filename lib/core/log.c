/*
 * core/log.c - JSON-lines logging; see log.h.
 *
 * The level and the fd are atomics rather than a mutex-protected config: logging sits on
 * every request path and must not serialise the workers.
 */
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES (16 * 1024)

static atomic_int log_level = DS_LOG_INFO;
static atomic_int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void ds_log_set_level(enum ds_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum ds_log_level ds_log_get_level(void)
{
	return (enum ds_log_level)atomic_load(&log_level);
}

void ds_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

int ds_log_enabled(enum ds_log_level level)
{
	return level != DS_LOG_OFF && (int)level >= atomic_load(&log_level);
}

int ds_log_level_parse(const char *s, enum ds_log_level *out)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum ds_log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "warning")) {
		*out = DS_LOG_WARN;
		return 0;
	}
	return -1;
}

const char *ds_log_level_name(enum ds_log_level level)
{
	if ((int)level < 0 || level > DS_LOG_OFF)
		return "unknown";
	return level_names[level];
}

int ds_log_key_is_secret(const char *key)
{
	static const char *const words[] = {"password", "passwd", "token",  "secret",
					    "authorization", "cookie", "credential", "api_key",
					    "apikey"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(key, words[i]))
			return 1;
	return 0;
}

static int add_key(struct ds_log_line *l, const char *key)
{
	return ds_buf_addstr(&l->b, ",\"") ||
	       ds_buf_add_json_escaped(&l->b, key, strlen(key)) || ds_buf_addstr(&l->b, "\":");
}

/* A field that does not fit is dropped whole, key included, so the line stays valid JSON;
 * ds_log_end() then says the line was truncated. */
static void field_done(struct ds_log_line *l, size_t old, int failed)
{
	if (!failed)
		return;
	l->b.len = old;
	if (l->b.data)
		l->b.data[old] = '\0';
	l->truncated = 1;
}

int ds_log_begin(struct ds_log_line *l, enum ds_log_level level, const char *module,
		 const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	ds_buf_init(&l->b, LINE_MAX_BYTES);
	l->truncated = 0;
	l->on = ds_log_enabled(level);
	if (!l->on)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	ds_buf_addf(&l->b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", when, ts.tv_nsec / 1000000,
		    level_names[level]);
	ds_log_str(l, "module", module);
	ds_log_str(l, "msg", msg);
	return 1;
}

void ds_log_strn(struct ds_log_line *l, const char *key, const char *value, size_t n)
{
	size_t old = l->b.len;
	int bad;

	if (!l->on)
		return;
	bad = add_key(l, key);
	if (!bad && !value)
		bad = ds_buf_addstr(&l->b, "null");
	else if (!bad && ds_log_key_is_secret(key))
		bad = ds_buf_addstr(&l->b, "\"[redacted]\"");
	else if (!bad)
		bad = ds_buf_addch(&l->b, '"') ||
		      ds_buf_add_json_escaped(&l->b, value, n > DS_LOG_VALUE_MAX ? DS_LOG_VALUE_MAX : n) ||
		      (n > DS_LOG_VALUE_MAX && ds_buf_addstr(&l->b, "...")) || ds_buf_addch(&l->b, '"');
	field_done(l, old, bad);
}

void ds_log_str(struct ds_log_line *l, const char *key, const char *value)
{
	ds_log_strn(l, key, value, value ? strlen(value) : 0);
}

void ds_log_int(struct ds_log_line *l, const char *key, long long value)
{
	size_t old = l->b.len;

	if (!l->on)
		return;
	field_done(l, old, add_key(l, key) || ds_buf_addf(&l->b, "%lld", value));
}

void ds_log_dbl(struct ds_log_line *l, const char *key, double value)
{
	size_t old = l->b.len;

	if (!l->on)
		return;
	/* JSON has no NaN or infinity. */
	field_done(l, old,
		   add_key(l, key) || (isfinite(value) ? ds_buf_addf(&l->b, "%.6g", value)
						       : ds_buf_addstr(&l->b, "null")));
}

void ds_log_bool(struct ds_log_line *l, const char *key, int value)
{
	size_t old = l->b.len;

	if (!l->on)
		return;
	field_done(l, old, add_key(l, key) || ds_buf_addstr(&l->b, value ? "true" : "false"));
}

void ds_log_end(struct ds_log_line *l)
{
	const char *p;
	size_t left;
	ssize_t n;
	int fd;

	if (!l->on)
		return;
	/* The ceiling bounds the fields; the closing bytes always fit. */
	l->b.cap = 0;
	if (l->truncated)
		ds_buf_addstr(&l->b, ",\"truncated\":true");
	if (ds_buf_addstr(&l->b, "}\n")) {
		ds_buf_release(&l->b);
		l->on = 0;
		return;
	}
	fd = atomic_load(&log_fd);
	p = l->b.data;
	left = l->b.len;
	while (left) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere to report a failing log stream */
		p += n;
		left -= (size_t)n;
	}
	ds_buf_release(&l->b);
	l->on = 0;
}

void ds_log(enum ds_log_level level, const char *module, const char *fmt, ...)
{
	struct ds_log_line l;
	char msg[DS_LOG_VALUE_MAX];
	va_list ap;

	if (!ds_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ds_log_begin(&l, level, module, msg))
		ds_log_end(&l);
}
