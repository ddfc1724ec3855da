/*
 * registry/auth.c - WWW-Authenticate challenges, token replies, JWT claims; see auth.h.
 *
 * The challenge grammar (RFC 9110 11.6.1) is ambiguous on commas: "Bearer realm=x, Basic
 * realm=y" separates parameters and challenges with the same comma. A token followed by '='
 * is a parameter name; a token followed by a space and another token, or by the end, starts a
 * new challenge. That is how curl and Go's net/http read it too.
 */
#include "registry/auth.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

#define PARAM_MAX 4096

void registry_challenge_release(struct registry_challenge *c)
{
	free(c->scheme_name);
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	free(c->error_description);
	memset(c, 0, sizeof(*c));
}

const struct registry_challenge *registry_challenge_find(const struct registry_challenge *ch,
							 size_t n, enum registry_auth_scheme scheme)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ch[i].scheme == scheme)
			return &ch[i];
	return NULL;
}

/* RFC 9110 tchar. */
static int is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Read a token at p; returns its length (0 if none). */
static size_t token_len(const char *p)
{
	size_t n = 0;

	while (is_tchar((unsigned char)p[n]))
		n++;
	return n;
}

/* Read a quoted string at p (p[0] == '"') into out; returns the position after the closing
 * quote, or NULL when it is unterminated or too long. */
static const char *read_quoted(const char *p, struct ds_buf *out)
{
	for (p++; *p; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			p++;
			if (!*p)
				return NULL;
		}
		if (ds_buf_addch(out, *p))
			return NULL;
	}
	return NULL;
}

static int set_param(struct registry_challenge *c, const char *name, size_t nlen, const char *v)
{
	char **slot = NULL;

	if (nlen == 5 && !strncasecmp(name, "realm", 5))
		slot = &c->realm;
	else if (nlen == 7 && !strncasecmp(name, "service", 7))
		slot = &c->service;
	else if (nlen == 5 && !strncasecmp(name, "scope", 5))
		slot = &c->scope;
	else if (nlen == 5 && !strncasecmp(name, "error", 5))
		slot = &c->error;
	else if (nlen == 17 && !strncasecmp(name, "error_description", 17))
		slot = &c->error_description;
	if (!slot || *slot) /* unknown, or a repeat: the first one counts */
		return 0;
	*slot = strdup(v);
	return *slot ? 0 : -1;
}

static enum registry_auth_scheme scheme_of(const char *s, size_t n)
{
	if (n == 5 && !strncasecmp(s, "Basic", 5))
		return REGISTRY_AUTH_BASIC;
	if (n == 6 && !strncasecmp(s, "Bearer", 6))
		return REGISTRY_AUTH_BEARER;
	return REGISTRY_AUTH_OTHER;
}

int registry_auth_parse(const char *value, struct registry_challenge *out, size_t max,
			struct ds_error *e)
{
	const char *p = value ? value : "";
	size_t n = 0, i;
	struct ds_buf v = DS_BUF_INIT(PARAM_MAX);

	for (;;) {
		struct registry_challenge *c;
		size_t sl;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		sl = token_len(p);
		if (!sl) {
			ds_error_set(e, 0, "WWW-Authenticate: expected an auth scheme at offset %zu",
				     (size_t)(p - value));
			goto fail;
		}
		if (n == max) /* more challenges than room: keep the first ones */
			break;
		c = &out[n++];
		memset(c, 0, sizeof(*c));
		c->scheme = scheme_of(p, sl);
		c->scheme_name = strndup(p, sl);
		if (!c->scheme_name)
			goto oom;
		p += sl;
		if (*p && *p != ' ' && *p != '\t' && *p != ',') {
			ds_error_set(e, 0, "WWW-Authenticate: unexpected '%c' after the scheme", *p);
			goto fail;
		}
		/* Parameters (or one token68) until the next challenge. */
		for (;;) {
			const char *q = skip_ws(p), *name;
			size_t nl;

			if (*q == ',')
				q = skip_ws(q + 1);
			while (*q == ',')
				q = skip_ws(q + 1);
			name = q;
			nl = token_len(q);
			if (!nl) {
				if (*q) {
					ds_error_set(e, 0, "WWW-Authenticate: unexpected '%c' at offset %zu",
						     *q, (size_t)(q - value));
					goto fail;
				}
				p = q;
				break;
			}
			q = skip_ws(q + nl);
			if (*q != '=') {
				/* A token not followed by '=': the next challenge's scheme. */
				p = name;
				break;
			}
			/* token68 ("Basic dXNlcg==") ends in '=' signs and has no value after them. */
			{
				const char *t = q;

				while (*t == '=')
					t++;
				t = skip_ws(t);
				if (*t == '\0' || *t == ',') {
					if (name == skip_ws(p)) {
						p = t;
						break;
					}
				}
			}
			q = skip_ws(q + 1);
			ds_buf_reset(&v);
			if (*q == '"') {
				q = read_quoted(q, &v);
				if (!q) {
					ds_error_set(e, 0, "WWW-Authenticate: unterminated or oversized quoted "
							   "value of '%.*s'", (int)(nl > 40 ? 40 : nl), name);
					goto fail;
				}
			} else {
				size_t vl = token_len(q);

				/* Tolerate unquoted values with '/' and ':' (realm=https://...): some
				 * registries send them. */
				while (q[vl] && q[vl] != ',' && q[vl] != ' ' && q[vl] != '\t' && q[vl] != '"')
					vl++;
				if (ds_buf_add(&v, q, vl))
					goto oom;
				q += vl;
			}
			if (set_param(c, name, nl, ds_buf_str(&v)))
				goto oom;
			p = skip_ws(q);
			if (*p && *p != ',') {
				ds_error_set(e, 0, "WWW-Authenticate: expected ',' at offset %zu",
					     (size_t)(p - value));
				goto fail;
			}
		}
	}
	ds_buf_release(&v);
	return (int)n;
oom:
	ds_error_set(e, 0, "out of memory");
fail:
	for (i = 0; i < n; i++)
		registry_challenge_release(&out[i]);
	ds_buf_release(&v);
	return -1;
}

int registry_auth_parse_token_reply(const char *body, size_t len, struct ds_secret *token,
				    long *expires_in, struct ds_error *e)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je), *t, *x;
	int r = -1;

	*expires_in = 60;
	if (!root || !json_is_object(root)) {
		ds_error_set(e, 0, "the token server's reply is not a JSON object");
		goto out;
	}
	t = json_object_get(root, "token");
	if (!json_is_string(t) || !json_string_length(t))
		t = json_object_get(root, "access_token");
	if (!json_is_string(t) || !json_string_length(t)) {
		ds_error_set(e, 0, "the token server's reply has no 'token' nor 'access_token'");
		goto out;
	}
	if (json_string_length(t) > REGISTRY_TOKEN_MAX) {
		ds_error_set(e, 0, "the token server's token is over %d bytes", REGISTRY_TOKEN_MAX);
		goto out;
	}
	x = json_object_get(root, "expires_in");
	if (json_is_integer(x) && json_integer_value(x) > 0)
		*expires_in = (long)json_integer_value(x);
	if (ds_secret_set(token, json_string_value(t))) {
		ds_error_set(e, 0, "out of memory");
		goto out;
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

static const char *str_or(const char *s)
{
	return s ? s : "?";
}

int registry_auth_jwt_claims(const char *token, long long *exp, struct ds_buf *access)
{
	const char *d1 = strchr(token, '.'), *d2;
	unsigned char *payload = NULL;
	json_t *root = NULL, *a, *item;
	size_t i, n;
	long len;
	int r = -1;

	*exp = -1;
	if (!d1 || !(d2 = strchr(d1 + 1, '.')))
		return -1;
	n = (size_t)(d2 - d1 - 1);
	payload = malloc(n / 4 * 3 + 2);
	len = payload ? ds_base64_decode(d1 + 1, n, payload) : -1;
	if (len < 0 || len > REGISTRY_TOKEN_MAX)
		goto out;
	root = json_loadb((const char *)payload, (size_t)len, 0, NULL);
	if (!json_is_object(root))
		goto out;
	if (json_is_integer(json_object_get(root, "exp")))
		*exp = (long long)json_integer_value(json_object_get(root, "exp"));
	a = json_object_get(root, "access");
	json_array_foreach(a, i, item)
	{
		json_t *acts = json_object_get(item, "actions"), *act;
		size_t j;

		ds_buf_addf(access, "%s%s:%s:", access->len ? "; " : "",
			    str_or(json_string_value(json_object_get(item, "type"))),
			    str_or(json_string_value(json_object_get(item, "name"))));
		json_array_foreach(acts, j, act)
		{
			ds_buf_addf(access, "%s%s", j ? "," : "", str_or(json_string_value(act)));
		}
		if (!json_array_size(acts))
			ds_buf_addstr(access, "(none)");
	}
	r = 0;
out:
	json_decref(root);
	free(payload);
	return r;
}
