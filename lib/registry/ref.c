/*
 * registry/ref.c - the image reference grammar; see ref.h.
 *
 * A hand-written scanner rather than distribution's regular expressions, so that each
 * failure can say which rule broke and where. The order of the cuts matches distribution:
 * the digest after the first '@', the tag after the last ':' that has no '/' after it, then
 * the domain is the first path component if it looks like a host ('.' or ':' in it, or
 * "localhost").
 */
#include "registry/ref.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

const char *ref_rule_name(enum ref_rule rule)
{
	switch (rule) {
	case REF_OK:
		return "ok";
	case REF_EMPTY:
		return "empty";
	case REF_TOO_LONG:
		return "too-long";
	case REF_WHITESPACE:
		return "whitespace";
	case REF_SCHEME:
		return "scheme";
	case REF_NO_REPOSITORY:
		return "no-repository";
	case REF_DOMAIN:
		return "domain";
	case REF_UPPERCASE:
		return "uppercase";
	case REF_PATH_COMPONENT:
		return "path-component";
	case REF_PATH_TOO_LONG:
		return "path-too-long";
	case REF_HEX_NAME:
		return "hex-name";
	case REF_TAG:
		return "tag";
	case REF_TAG_TOO_LONG:
		return "tag-too-long";
	case REF_DIGEST:
		return "digest";
	}
	return "unknown";
}

void ref_release(struct ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*. */
static int component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || !is_lower_alnum((unsigned char)s[0]) || !is_lower_alnum((unsigned char)s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i >= n || !is_lower_alnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* A host: dot-separated labels of [A-Za-z0-9-] not starting or ending with '-', or an IPv6
 * address in brackets; then an optional ":port". */
static int domain_ok(const char *s, size_t n, const char **why)
{
	size_t i = 0, host_end;
	const char *colon;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "unclosed '[' in an IPv6 address";
			return 0;
		}
		for (i = 1; s + i < close; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.') {
				*why = "an IPv6 address has only hex digits, ':' and '.'";
				return 0;
			}
		if (close == s + 1) {
			*why = "empty IPv6 address";
			return 0;
		}
		host_end = (size_t)(close - s) + 1;
	} else {
		size_t label = 0;

		colon = memchr(s, ':', n);
		host_end = colon ? (size_t)(colon - s) : n;
		if (!host_end) {
			*why = "the host name is empty";
			return 0;
		}
		for (i = 0; i < host_end; i++) {
			char c = s[i];

			if (c == '.') {
				if (!label || s[i - 1] == '-') {
					*why = "empty label or a label ending in '-'";
					return 0;
				}
				label = 0;
			} else if (isalnum((unsigned char)c) || (c == '-' && label)) {
				label++;
			} else {
				*why = c == '-' ? "a label starts with '-'"
						: "a host name has only letters, digits, '-' and '.'";
				return 0;
			}
		}
		if (!label || s[host_end - 1] == '-') {
			*why = "empty label or a label ending in '-'";
			return 0;
		}
	}
	if (host_end == n)
		return 1;
	if (s[host_end] != ':' || host_end + 1 == n) {
		*why = "a port must follow ':'";
		return 0;
	}
	for (i = host_end + 1; i < n; i++)
		if (!isdigit((unsigned char)s[i])) {
			*why = "the port has only digits";
			return 0;
		}
	if (n - host_end - 1 > 5 || strtol(s + host_end + 1, NULL, 10) > 65535) {
		*why = "the port is over 65535";
		return 0;
	}
	return 1;
}

static int looks_like_host(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9));
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* "registry.example.com", "localhost": a name whose last label is a word, as a host's is. */
static int reads_as_hostname(const char *s, size_t n)
{
	const char *dot;
	size_t i;

	if (n == 9 && !strncmp(s, "localhost", 9))
		return 1;
	dot = NULL;
	for (i = 0; i < n; i++)
		if (s[i] == '.')
			dot = s + i;
	if (!dot || dot + 1 == s + n)
		return 0;
	for (i = (size_t)(dot + 1 - s); i < n; i++)
		if (!isalpha((unsigned char)s[i]))
			return 0;
	return 1;
}

static int digest_check(const char *d, struct ds_error *e)
{
	const char *colon = strchr(d, ':');
	size_t alen, hlen, want = 0, i;

	if (!*d)
		return ds_error_set(e, REF_DIGEST, "nothing follows '@': a digest is 'sha256:<64 hex>'");
	if (!colon)
		return ds_error_set(e, REF_DIGEST,
				    "digest '%.80s' has no algorithm: write it as 'sha256:<64 hex>'", d);
	alen = (size_t)(colon - d);
	hlen = strlen(colon + 1);
	if (alen == 6 && !strncmp(d, "sha256", 6))
		want = 64;
	else if (alen == 6 && !strncmp(d, "sha512", 6))
		want = 128;
	else
		return ds_error_set(e, REF_DIGEST,
				    "digest algorithm '%.*s' is not supported: use sha256 or sha512",
				    (int)(alen > 40 ? 40 : alen), d);
	for (i = 0; i < hlen; i++) {
		char c = colon[1 + i];

		if (!is_hex((unsigned char)c)) {
			if (isxdigit((unsigned char)c))
				return ds_error_set(e, REF_DIGEST, "digest must be lowercase hex: '%.80s'", d);
			return ds_error_set(e, REF_DIGEST, "digest has a character that is not hex: '%c'",
					    isprint((unsigned char)c) ? c : '?');
		}
	}
	if (hlen != want)
		return ds_error_set(e, REF_DIGEST, "a %.*s digest has %zu hex characters, not %zu", (int)alen,
				    d, want, hlen);
	return 0;
}

static int tag_check(const char *t, struct ds_error *e)
{
	size_t n = strlen(t), i;

	if (!n)
		return ds_error_set(e, REF_TAG, "nothing follows ':': the tag is empty");
	if (n > REF_TAG_MAX)
		return ds_error_set(e, REF_TAG_TOO_LONG, "tag is %zu characters long, at most %d", n,
				    REF_TAG_MAX);
	if (t[0] == '.' || t[0] == '-')
		return ds_error_set(e, REF_TAG, "tag '%.128s' starts with '%c'; a tag starts with a letter, a digit or '_'", t, t[0]);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return ds_error_set(e, REF_TAG,
					    "tag '%.128s' has '%c'; a tag has only letters, digits, '_', '.' and '-'",
					    t, isprint(c) ? c : '?');
	}
	return 0;
}

static int path_check(const char *p, struct ds_error *e)
{
	size_t n = strlen(p), i, start = 0;
	int upper = 0;

	for (i = 0; i < n; i++)
		if (isupper((unsigned char)p[i]))
			upper = 1;
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (i == start) {
			if (!n)
				return ds_error_set(e, REF_NO_REPOSITORY, "the reference has no repository name");
			return ds_error_set(e, REF_PATH_COMPONENT,
					    "repository '%.255s' has an empty component (a stray '/')", p);
		}
		if (!upper && !component_ok(p + start, i - start))
			return ds_error_set(e, REF_PATH_COMPONENT,
					    "repository component '%.*s' is not valid: lowercase letters and "
					    "digits, joined by '.', '_', '__' or dashes",
					    (int)(i - start > 255 ? 255 : i - start), p + start);
		start = i + 1;
	}
	if (upper)
		return ds_error_set(e, REF_UPPERCASE, "repository must be lowercase: '%.255s'", p);
	return 0;
}

int ref_parse(struct ref *r, const char *s, struct ds_error *e)
{
	char *work = NULL, *at, *colon, *slash, *name, *tag = NULL, *digest = NULL;
	const char *p, *why = NULL;
	char *domain = NULL, *path = NULL;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!s || !*s)
		return ds_error_set(e, REF_EMPTY, "the image reference is empty");
	n = strlen(s);
	if (n > REF_INPUT_MAX)
		return ds_error_set(e, REF_TOO_LONG, "the image reference is %zu bytes long, at most %d",
				    n, REF_INPUT_MAX);
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return ds_error_set(e, REF_WHITESPACE,
					    "the image reference contains %s at offset %zu",
					    *p == ' ' ? "a space" : "a control character or tab",
					    (size_t)(p - s));
	p = strstr(s, "://");
	if (p)
		return ds_error_set(e, REF_SCHEME,
				    "an image reference has no scheme: strip '%.*s'", (int)(p - s + 3 > 20 ? 20 : p - s + 3), s);

	work = strdup(s);
	if (!work)
		return ds_error_set(e, 0, "out of memory");
	at = strchr(work, '@');
	if (at) {
		*at = '\0';
		digest = at + 1;
		if (digest_check(digest, e))
			goto fail;
	}
	slash = strrchr(work, '/');
	colon = strrchr(slash ? slash : work, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
	}
	name = work;
	if (!*name) {
		ds_error_set(e, REF_NO_REPOSITORY, "the reference has no repository name before '%c'",
			     tag ? ':' : '@');
		goto fail;
	}
	slash = strchr(name, '/');
	if (!slash && reads_as_hostname(name, strlen(name)) && !digest && (!tag || all_digits(tag))) {
		ds_error_set(e, REF_NO_REPOSITORY,
			     "'%.255s' names a registry but no repository: add '/<repository>[:tag]'", s);
		goto fail;
	}
	if (tag && tag_check(tag, e))
		goto fail;
	if (slash && looks_like_host(name, (size_t)(slash - name))) {
		if (!domain_ok(name, (size_t)(slash - name), &why)) {
			ds_error_set(e, REF_DOMAIN, "registry '%.*s' is not a valid host[:port]: %s",
				     (int)(slash - name > 255 ? 255 : slash - name), name, why);
			goto fail;
		}
		*slash = '\0';
		domain = strdup(name);
		name = slash + 1;
		if (!domain)
			goto oom;
		for (char *d = domain; *d; d++)
			*d = (char)tolower((unsigned char)*d);
		if (!strcmp(domain, "index.docker.io") || !strcmp(domain, "registry-1.docker.io")) {
			free(domain);
			domain = strdup("docker.io");
			if (!domain)
				goto oom;
		}
	} else {
		domain = strdup("docker.io");
		if (!domain)
			goto oom;
	}
	if (path_check(name, e)) {
		if (e && e->code == REF_NO_REPOSITORY)
			ds_error_set(e, REF_NO_REPOSITORY, "'%.255s' names a registry but no repository", s);
		goto fail;
	}
	if (!strcmp(domain, "docker.io") && !strchr(name, '/')) {
		size_t len = strlen(name);

		if (len == 64) {
			size_t i;

			for (i = 0; i < len && is_hex((unsigned char)name[i]); i++)
				;
			if (i == len && !strchr(s, '/')) {
				ds_error_set(e, REF_HEX_NAME,
					     "a repository name cannot be 64 hex digits; for a digest write "
					     "'<repository>@sha256:%.64s'",
					     name);
				goto fail;
			}
		}
		path = malloc(len + 9);
		if (!path)
			goto oom;
		snprintf(path, len + 9, "library/%s", name);
	} else {
		path = strdup(name);
		if (!path)
			goto oom;
	}
	/* The limit holds for the normalised path ("library/" included), so that a normalised
	 * reference always parses again to itself. */
	if (strlen(path) > REF_PATH_MAX) {
		ds_error_set(e, REF_PATH_TOO_LONG, "repository is %zu characters long%s, at most %d",
			     strlen(path), strlen(path) != strlen(name) ? " with 'library/'" : "",
			     REF_PATH_MAX);
		goto fail;
	}
	r->domain = domain;
	r->path = path;
	r->tag = tag ? strdup(tag) : (digest ? NULL : strdup("latest"));
	r->digest = digest ? strdup(digest) : NULL;
	free(work);
	if ((!r->tag && !digest) || (digest && !r->digest) || (tag && !r->tag)) {
		ref_release(r);
		return ds_error_set(e, 0, "out of memory");
	}
	return 0;
oom:
	ds_error_set(e, 0, "out of memory");
fail:
	free(domain);
	free(path);
	free(work);
	memset(r, 0, sizeof(*r));
	return -1;
}

char *ref_string(const struct ref *r)
{
	struct ds_buf b = DS_BUF_INIT(0);

	if (ds_buf_addf(&b, "%s/%s", r->domain, r->path) ||
	    (r->tag && ds_buf_addf(&b, ":%s", r->tag)) ||
	    (r->digest && ds_buf_addf(&b, "@%s", r->digest))) {
		ds_buf_release(&b);
		return NULL;
	}
	return ds_buf_detach(&b, NULL);
}

int ref_is_docker_hub(const struct ref *r)
{
	return r->domain && !strcmp(r->domain, "docker.io");
}

int ref_domain_is_loopback(const char *d)
{
	size_t n;
	unsigned a, b, c, x;
	char tail;

	if (!d)
		return 0;
	if (!strncasecmp(d, "localhost", 9) && (d[9] == '\0' || d[9] == ':'))
		return 1;
	if (!strncmp(d, "[::1]", 5) && (d[5] == '\0' || d[5] == ':'))
		return 1;
	n = strcspn(d, ":");
	if (n > 15)
		return 0;
	{
		char host[16];

		memcpy(host, d, n);
		host[n] = '\0';
		if (sscanf(host, "%u.%u.%u.%u%c", &x, &a, &b, &c, &tail) == 4 && x == 127 && a < 256 &&
		    b < 256 && c < 256)
			return 1;
	}
	return 0;
}

/* --- suggestions ----------------------------------------------------------------------------- */

char *ref_suggest(const char *s)
{
	struct ds_buf b = DS_BUF_INIT(REF_INPUT_MAX * 2);
	struct ref r = REF_INIT;
	struct ds_error e = DS_ERROR_INIT;
	const char *start, *end, *p;
	char *fixed, *slash, *tagc, *at;
	size_t i, path_from, path_to;

	if (!s)
		return NULL;
	start = s;
	end = s + strlen(s);
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	p = strstr(start, "://");
	if (p && p < end && p - start <= 10)
		start = p + 3;
	/* Copy, collapsing "//" and dropping a trailing '/', ':' or '@'. */
	for (p = start; p < end; p++) {
		if (*p == '/' && b.len && b.data[b.len - 1] == '/')
			continue;
		if (ds_buf_addch(&b, *p))
			goto none;
	}
	while (b.len && (b.data[b.len - 1] == '/' || b.data[b.len - 1] == ':' ||
			 b.data[b.len - 1] == '@'))
		b.data[--b.len] = '\0';
	if (!b.len)
		goto none;
	/* Lower-case the repository path only: the domain keeps its case, the tag too. */
	fixed = b.data;
	at = strchr(fixed, '@');
	path_to = at ? (size_t)(at - fixed) : b.len;
	slash = memchr(fixed, '/', path_to);
	path_from = 0;
	if (slash && looks_like_host(fixed, (size_t)(slash - fixed)))
		path_from = (size_t)(slash - fixed) + 1;
	for (tagc = fixed + path_to; tagc > fixed + path_from; tagc--)
		if (tagc[-1] == '/')
			break;
	tagc = memchr(tagc, ':', (size_t)(fixed + path_to - tagc));
	if (tagc)
		path_to = (size_t)(tagc - fixed);
	for (i = path_from; i < path_to; i++)
		fixed[i] = (char)tolower((unsigned char)fixed[i]);
	if (!strcmp(fixed, s) || ref_parse(&r, fixed, &e))
		goto none;
	ref_release(&r);
	return ds_buf_detach(&b, NULL);
none:
	ds_buf_release(&b);
	return NULL;
}
