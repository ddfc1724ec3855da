/*
 * api/json.c - a strict, arena-allocating JSON parser; see json.h.
 *
 * Recursive descent with an explicit depth bound. Positions are tracked as a byte offset
 * and turned into line and column only when reporting an error.
 */
#include "api/json.h"

#include "core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct parser {
	struct ds_arena *a;
	const char *s;
	size_t n, i;
	struct ds_error *e;
};

static int fail_at(struct parser *p, size_t at, const char *what)
{
	size_t i, line = 1, col = 1;

	for (i = 0; i < at && i < p->n; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	return ds_error_set(p->e, 0, "line %zu column %zu: %s", line, col, what);
}

static int unexpected(struct parser *p)
{
	char what[64];
	unsigned char c;

	if (p->i >= p->n)
		return fail_at(p, p->i, "unexpected end of input");
	c = (unsigned char)p->s[p->i];
	if (c >= 0x20 && c < 0x7f)
		snprintf(what, sizeof(what), "unexpected '%c'", c);
	else
		snprintf(what, sizeof(what), "unexpected byte 0x%02x", c);
	return fail_at(p, p->i, what);
}

static int nomem(struct parser *p)
{
	return ds_error_set(p->e, 0, "the document is too large");
}

static void skip_ws(struct parser *p)
{
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->i++;
	}
}

static int hex4(const char *s, uint32_t *v)
{
	int k;

	*v = 0;
	for (k = 0; k < 4; k++) {
		char c = s[k];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at p->i (which is '"'): decoded into the arena. */
static int parse_string(struct parser *p, const char **out, size_t *out_len, int *has_nul)
{
	size_t start = ++p->i, end = start, len = 0;
	char *o;

	*has_nul = 0;
	/* First pass: find the end and validate, so the copy can be sized exactly (decoded
	 * text is never longer than the escaped text). */
	for (;;) {
		unsigned char c;

		if (end >= p->n) {
			p->i = end;
			return fail_at(p, end, "unterminated string");
		}
		c = (unsigned char)p->s[end];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(p, end, "control character in a string (escape it)");
		if (c == '\\') {
			end += 2;
			continue;
		}
		if (c >= 0x80) {
			size_t l = ds_utf8_seq_len((const unsigned char *)p->s + end, p->n - end);

			if (!l)
				return fail_at(p, end, "invalid UTF-8 in a string");
			end += l;
			continue;
		}
		end++;
	}
	o = ds_arena_alloc(p->a, end - start + 1);
	if (!o)
		return nomem(p);
	for (p->i = start; p->i < end;) {
		char c = p->s[p->i];
		uint32_t cp, lo;

		if (c != '\\') {
			o[len++] = c;
			p->i++;
			continue;
		}
		if (p->i + 1 >= end)
			return fail_at(p, p->i, "unterminated escape");
		c = p->s[p->i + 1];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			o[len++] = c;
			break;
		case 'b':
			o[len++] = '\b';
			break;
		case 'f':
			o[len++] = '\f';
			break;
		case 'n':
			o[len++] = '\n';
			break;
		case 'r':
			o[len++] = '\r';
			break;
		case 't':
			o[len++] = '\t';
			break;
		case 'u':
			if (p->i + 6 > end || hex4(p->s + p->i + 2, &cp))
				return fail_at(p, p->i, "bad \\u escape (want four hex digits)");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail_at(p, p->i, "lone low surrogate in a \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->i + 12 > end || p->s[p->i + 6] != '\\' || p->s[p->i + 7] != 'u' ||
				    hex4(p->s + p->i + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return fail_at(p, p->i, "high surrogate not followed by a low one");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->i += 6;
			}
			if (cp == 0)
				*has_nul = 1;
			len += put_utf8(o + len, cp);
			p->i += 6;
			continue;
		default:
			return fail_at(p, p->i, "unknown escape in a string");
		}
		p->i += 2;
	}
	o[len] = '\0';
	p->i = end + 1;
	*out = o;
	*out_len = len;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, struct api_json *v)
{
	size_t start = p->i;

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n || !is_digit(p->s[p->i]))
		return unexpected(p);
	if (p->s[p->i] == '0') {
		p->i++;
		if (p->i < p->n && is_digit(p->s[p->i]))
			return fail_at(p, p->i, "leading zero in a number");
	} else {
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->n || !is_digit(p->s[p->i]))
			return unexpected(p);
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->n || !is_digit(p->s[p->i]))
			return unexpected(p);
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	}
	v->type = API_JSON_NUMBER;
	v->s = p->s + start;
	v->len = p->i - start;
	return 0;
}

static int literal(struct parser *p, const char *word, enum api_json_type t, struct api_json *v)
{
	size_t n = strlen(word);

	if (p->n - p->i < n || memcmp(p->s + p->i, word, n)) {
		/* Point at the first byte that differs. */
		size_t k = 0;

		while (p->i + k < p->n && k < n && p->s[p->i + k] == word[k])
			k++;
		p->i += k;
		return unexpected(p);
	}
	p->i += n;
	v->type = t;
	return 0;
}

static int parse_value(struct parser *p, struct api_json *v, int depth);

static int parse_container(struct parser *p, struct api_json *v, int depth)
{
	int object = p->s[p->i] == '{';
	char close = object ? '}' : ']';
	struct api_json **tail = &v->child;

	if (depth >= API_JSON_MAX_DEPTH)
		return fail_at(p, p->i, "nesting too deep");
	v->type = object ? API_JSON_OBJECT : API_JSON_ARRAY;
	p->i++;
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		struct api_json *m = ds_arena_calloc(p->a, sizeof(*m));

		if (!m)
			return nomem(p);
		skip_ws(p);
		if (object) {
			int nul;

			if (p->i >= p->n || p->s[p->i] != '"')
				return unexpected(p);
			if (parse_string(p, &m->key, &m->key_len, &nul))
				return -1;
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return unexpected(p);
			p->i++;
		}
		if (parse_value(p, m, depth + 1))
			return -1;
		*tail = m;
		tail = &m->next;
		v->count++;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		return unexpected(p);
	}
}

static int parse_value(struct parser *p, struct api_json *v, int depth)
{
	skip_ws(p);
	if (p->i >= p->n)
		return unexpected(p);
	switch (p->s[p->i]) {
	case '{':
	case '[':
		return parse_container(p, v, depth);
	case '"':
		v->type = API_JSON_STRING;
		return parse_string(p, &v->s, &v->len, &v->has_nul);
	case 't':
		return literal(p, "true", API_JSON_TRUE, v);
	case 'f':
		return literal(p, "false", API_JSON_FALSE, v);
	case 'n':
		return literal(p, "null", API_JSON_NULL, v);
	default:
		return parse_number(p, v);
	}
}

int api_json_parse(struct ds_arena *a, const char *text, size_t n, struct api_json **out,
		   struct ds_error *e)
{
	struct parser p = {a, text, n, 0, e};
	struct api_json *v = ds_arena_calloc(a, sizeof(*v));

	*out = NULL;
	if (!v)
		return nomem(&p);
	if (parse_value(&p, v, 0))
		return -1;
	skip_ws(&p);
	if (p.i < p.n)
		return unexpected(&p);
	*out = v;
	return 0;
}

const char *api_json_type_name(enum api_json_type t)
{
	switch (t) {
	case API_JSON_NULL:
		return "null";
	case API_JSON_FALSE:
	case API_JSON_TRUE:
		return "a boolean";
	case API_JSON_NUMBER:
		return "a number";
	case API_JSON_STRING:
		return "a string";
	case API_JSON_ARRAY:
		return "an array";
	case API_JSON_OBJECT:
		return "an object";
	}
	return "a value";
}

const struct api_json *api_json_get(const struct api_json *o, const char *key)
{
	const struct api_json *m;
	size_t n = strlen(key);

	if (!o || o->type != API_JSON_OBJECT)
		return NULL;
	for (m = o->child; m; m = m->next)
		if (m->key_len == n && !memcmp(m->key, key, n))
			return m;
	return NULL;
}

int api_json_is_integer(const struct api_json *v)
{
	size_t i;

	if (v->type != API_JSON_NUMBER)
		return 0;
	for (i = 0; i < v->len; i++)
		if (v->s[i] == '.' || v->s[i] == 'e' || v->s[i] == 'E')
			return 0;
	return 1;
}
