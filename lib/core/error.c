/*
 * core/error.c - fixed-size, first-wins error reports; see error.h.
 */
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_error_init(struct ds_error *e)
{
	e->set = 0;
	e->code = 0;
	e->msg[0] = '\0';
}

int ds_error_vset(struct ds_error *e, int code, const char *fmt, va_list ap)
{
	if (!e || e->set)
		return -1;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->code = code;
	e->set = 1;
	return -1;
}

int ds_error_set(struct ds_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ds_error_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int ds_error_errno(struct ds_error *e, int errnum, const char *fmt, ...)
{
	char what[DS_ERROR_MAX / 2];
	char buf[128];
	const char *reason;
	va_list ap;

	if (!e || e->set)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* The GNU strerror_r returns the message, which may or may not be in buf. */
	reason = strerror_r(errnum, buf, sizeof(buf));
	return ds_error_set(e, errnum, "%s: %s", what, reason);
}

int ds_error_prefix(struct ds_error *e, const char *fmt, ...)
{
	char ctx[DS_ERROR_MAX];
	size_t clen, mlen;
	va_list ap;

	if (!e || !e->set)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx) - 2, fmt, ap);
	va_end(ap);
	memcpy(ctx + strlen(ctx), ": ", 3);
	clen = strlen(ctx);
	/* Shift the message right to make room; its tail is what gets cut when space runs out. */
	mlen = strlen(e->msg);
	if (clen + mlen > sizeof(e->msg) - 1)
		mlen = sizeof(e->msg) - 1 - clen;
	memmove(e->msg + clen, e->msg, mlen);
	memcpy(e->msg, ctx, clen);
	e->msg[clen + mlen] = '\0';
	return -1;
}

const char *ds_error_msg(const struct ds_error *e)
{
	return e && e->set ? e->msg : "unknown error";
}

void ds_bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
