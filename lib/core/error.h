/*
 * core/error.h - how a library function says what failed and why.
 *
 * Library functions return 0 on success or -1 on failure and, on failure, fill a
 * caller-supplied struct ds_error. The first, innermost message wins: a lower layer that
 * knows exactly what broke ("line 1 column 18: unexpected '}'") writes it, and outer layers
 * may only add context in front ("reading the request body: ...") with ds_error_prefix().
 * An error is fixed-size and lives on the caller's stack, so reporting an error never
 * allocates and never fails.
 *
 * A code travels with the message so that callers can branch without parsing text; codes
 * are per module (registry verdicts, HTTP statuses, ...) and 0 means "unspecified".
 */
#ifndef DS_CORE_ERROR_H
#define DS_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define DS_ERROR_MAX 1024

struct ds_error {
	int set;  /* 0 until the first ds_error_set() */
	int code; /* module-specific, 0 when unspecified */
	char msg[DS_ERROR_MAX];
};

#define DS_ERROR_INIT {0, 0, {0}}

void ds_error_init(struct ds_error *e);

/* Record the failure unless one is recorded already (the first message wins). Returns -1 so
 * that "return ds_error_set(e, ...);" reads naturally. e may be NULL. */
int ds_error_set(struct ds_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ds_error_vset(struct ds_error *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Record strerror(errnum) after the formatted text: "open '/x': No such file or directory". */
int ds_error_errno(struct ds_error *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add context in front of a recorded message: "<context>: <message>". No-op when nothing is
 * recorded. Returns -1. */
int ds_error_prefix(struct ds_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message, or "unknown error" when nothing was recorded (never NULL). */
const char *ds_error_msg(const struct ds_error *e);

/*
 * DS_BUG: a broken invariant of our own, never bad input. Prints file and line and aborts,
 * so a test or a core dump points at the code.
 */
#define DS_BUG(...) ds_bug_at(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void ds_bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
