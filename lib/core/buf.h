/*
 * core/buf.h - growable byte buffers with a ceiling.
 *
 * Every buffer that holds input from the network or a user (a request body, a manifest, a
 * token, a JSON reply) gets its ceiling when it is initialised; an append that would pass
 * it fails with -1 and leaves the buffer as it was, so "too big" is an error the caller
 * reports, never an out-of-memory. The data is always NUL-terminated, so text can be
 * handed to string functions without a copy (binary data may contain NULs: use len).
 */
#ifndef DS_CORE_BUF_H
#define DS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ds_buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;   /* bytes in use, not counting the terminating NUL */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* most bytes len may reach; 0 means no ceiling */
};

#define DS_BUF_INIT(ceiling) {NULL, 0, 0, (ceiling)}

void ds_buf_init(struct ds_buf *b, size_t cap);

/* Append; -1 (buffer unchanged) when it would pass the ceiling or memory is short. */
int ds_buf_add(struct ds_buf *b, const void *p, size_t n);
int ds_buf_addstr(struct ds_buf *b, const char *s);
int ds_buf_addch(struct ds_buf *b, char c);
int ds_buf_addf(struct ds_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ds_buf_vaddf(struct ds_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Append s as the inside of a JSON string (quotes not included): escapes quotes,
 * backslashes and control characters; invalid UTF-8 bytes become U+FFFD so the output is
 * always valid JSON. */
int ds_buf_add_json_escaped(struct ds_buf *b, const char *s, size_t n);

/* The buffer's text, "" when empty (never NULL). */
const char *ds_buf_str(const struct ds_buf *b);

void ds_buf_reset(struct ds_buf *b);   /* len = 0, memory kept */
void ds_buf_release(struct ds_buf *b); /* free the data; the ceiling is kept */

/* Hand the data to the caller (who frees it) and leave b empty. Returns "" allocated when
 * b is empty, NULL only when memory is short. */
char *ds_buf_detach(struct ds_buf *b, size_t *len);

#endif
