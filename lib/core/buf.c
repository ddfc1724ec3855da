/*
 * core/buf.c - growable byte buffers with a ceiling; see buf.h.
 */
#include "core/buf.h"

#include "core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty[1];

void ds_buf_init(struct ds_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

/* Make room for n more bytes plus the NUL. */
static int grow(struct ds_buf *b, size_t n)
{
	size_t need, alloc;
	char *p;

	if (n > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + n;
	if (b->cap && need > b->cap)
		return -1;
	if (need + 1 <= b->alloc)
		return 0;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need + 1)
		alloc = alloc > SIZE_MAX / 2 ? need + 1 : alloc * 2;
	p = realloc(b->data, alloc);
	if (!p)
		return -1;
	b->data = p;
	b->alloc = alloc;
	return 0;
}

int ds_buf_add(struct ds_buf *b, const void *p, size_t n)
{
	if (grow(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ds_buf_addstr(struct ds_buf *b, const char *s)
{
	return ds_buf_add(b, s, strlen(s));
}

int ds_buf_addch(struct ds_buf *b, char c)
{
	return ds_buf_add(b, &c, 1);
}

int ds_buf_vaddf(struct ds_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char small[256];
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return ds_buf_add(b, small, (size_t)n);
	if (grow(b, (size_t)n))
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ds_buf_addf(struct ds_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ds_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int ds_buf_add_json_escaped(struct ds_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, l;
	size_t old = b->len;
	char esc[8];

	while (i < n) {
		unsigned char c = p[i];
		const char *rep = NULL;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			l = ds_utf8_seq_len(p + i, n - i);
			if (l) {
				i += l;
				continue;
			}
			rep = "\xef\xbf\xbd"; /* U+FFFD */
		} else if (c == '"') {
			rep = "\\\"";
		} else if (c == '\\') {
			rep = "\\\\";
		} else if (c == '\n') {
			rep = "\\n";
		} else if (c == '\r') {
			rep = "\\r";
		} else if (c == '\t') {
			rep = "\\t";
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			rep = esc;
		}
		if (ds_buf_add(b, p + start, i - start) || ds_buf_addstr(b, rep))
			goto fail;
		i++;
		start = i;
	}
	if (ds_buf_add(b, p + start, i - start))
		goto fail;
	return 0;
fail:
	/* All or nothing: a half-escaped string would corrupt the document around it. */
	b->len = old;
	if (b->data)
		b->data[old] = '\0';
	return -1;
}

const char *ds_buf_str(const struct ds_buf *b)
{
	return b->data ? b->data : empty;
}

void ds_buf_reset(struct ds_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void ds_buf_release(struct ds_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

char *ds_buf_detach(struct ds_buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
