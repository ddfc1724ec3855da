/*
 * registry/check.c - the verdict engine; see check.h.
 *
 * One attempt walks the pull path a platform takes and stops at the first step that fails,
 * turning that step's reply into a verdict:
 *
 *   reference -> scheme -> credentials -> manifest (HEAD first on Docker Hub, where GET costs
 *   a pull) -> index? pick the platform's manifest -> config blob -> os/architecture
 *
 * Every HTTP exchange is recorded as evidence by the HTTP client's observer, with the
 * registry's error code read from the body; the classifier adds notes (tags near a missing
 * one, what a refused token granted, rate-limit headers) and the fix. No step prints.
 *
 * Who said what decides the verdict, not the status alone: a 401 from the token server with
 * credentials is a wrong password (AUTH_ACCESS_DENIED); a 401 from the registry after a token
 * just issued with error="invalid_token" is a token the registry does not accept (expired,
 * or signed by a key it does not trust); Docker Hub's anonymous 401 means "private or does
 * not exist" and we say that rather than guess.
 */
#include "registry/check.h"

#include "core/text.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "registry/client.h"
#include "registry/creds.h"
#include "registry/ref.h"

#define DEFAULT_TIMEOUT_MS 30000
#define CONFIG_BLOB_MAX (4 * 1024 * 1024)
#define TAGS_MAX (4 * 1024 * 1024)
#define EVIDENCE_MAX 64
#define NEAREST_MAX 3

struct ctx {
	const struct registry_check_opts *o;
	struct registry_check_result *res;
	struct ref ref;
	int hub;            /* the reference's registry is Docker Hub */
	int may_fall_back;  /* https failed as "not TLS": try http (loopback, or --insecure) */
	int fell_back;
	int head_first;
	struct registry_creds creds;
	struct registry_client cl;
	int have_client;
	char want_os[32], want_arch[32], want_variant[32];
	int decided;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
	struct ds_buf b = DS_BUF_INIT(8192);

	if (ds_buf_vaddf(&b, fmt, ap)) {
		ds_buf_release(&b);
		return NULL;
	}
	return ds_buf_detach(&b, NULL);
}

/* --- result bookkeeping -------------------------------------------------------------------- */

void registry_check_result_init(struct registry_check_result *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = REGISTRY_GENERIC;
	r->rate.limit = r->rate.remaining = r->rate.window_s = r->rate.retry_after_ms = -1;
}

static void evidence_release(struct registry_evidence *ev)
{
	free(ev->text);
	free(ev->method);
	free(ev->url);
	free(ev->registry_error);
	free(ev->failure);
}

static void platform_release(struct registry_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	free(p->digest);
}

void registry_check_result_release(struct registry_check_result *r)
{
	size_t i;

	free(r->reference);
	free(r->normalized);
	free(r->platform);
	free(r->summary);
	free(r->fix);
	free(r->digest);
	free(r->media_type);
	for (i = 0; i < r->nevidence; i++)
		evidence_release(&r->evidence[i]);
	free(r->evidence);
	for (i = 0; i < r->nplatforms; i++)
		platform_release(&r->platforms[i]);
	free(r->platforms);
	ds_strlist_release(&r->exposed_ports);
	ds_strlist_release(&r->nearest_tags);
	free(r->creds_source);
	free(r->username);
	free(r->malformed_rule);
	registry_check_result_init(r);
}

static struct registry_evidence *evidence_new(struct registry_check_result *r)
{
	struct registry_evidence *ev;

	if (r->nevidence >= EVIDENCE_MAX)
		return NULL;
	ev = realloc(r->evidence, (r->nevidence + 1) * sizeof(*ev));
	if (!ev)
		return NULL;
	r->evidence = ev;
	ev = &r->evidence[r->nevidence++];
	memset(ev, 0, sizeof(*ev));
	return ev;
}

static void note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ctx *c, const char *fmt, ...)
{
	struct registry_evidence *ev = evidence_new(c->res);
	va_list ap;

	if (!ev)
		return;
	va_start(ap, fmt);
	ev->text = vformat(fmt, ap);
	va_end(ap);
}

/* Set the verdict once: the first, most specific decision wins. fix NULL: the table's. */
static int decide(struct ctx *c, enum registry_verdict v, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int decide(struct ctx *c, enum registry_verdict v, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (c->decided)
		return -1;
	c->decided = 1;
	c->res->verdict = v;
	va_start(ap, fmt);
	free(c->res->summary);
	c->res->summary = vformat(fmt, ap);
	va_end(ap);
	free(c->res->fix);
	c->res->fix = xstrdup(fix ? fix : registry_verdict_fix(v));
	return -1;
}

/* --- evidence from the HTTP client ----------------------------------------------------------- */

static void parse_rate(const char *v, long *n, long *w)
{
	const char *p;

	if (!v)
		return;
	*n = strtol(v, NULL, 10);
	p = strstr(v, "w=");
	if (p)
		*w = strtol(p + 2, NULL, 10);
}

/* The URL without its query, for hops off the registry: storage redirects carry signatures. */
static char *url_for_evidence(const char *url, int redirect)
{
	size_t n = strlen(url);

	if (redirect)
		n = strcspn(url, "?");
	return strndup(url, n);
}

static void observe(void *arg, const struct http_exchange *x)
{
	struct ctx *c = arg;
	struct registry_evidence *ev = evidence_new(c->res);
	struct ds_buf t = DS_BUF_INIT(4096);
	const char *v;

	/* Rate-limit headers, wherever the registry sends them. */
	v = http_header_find(x->headers, x->nheaders, "ratelimit-limit");
	if (v)
		parse_rate(v, &c->res->rate.limit, &c->res->rate.window_s);
	v = http_header_find(x->headers, x->nheaders, "ratelimit-remaining");
	if (v)
		parse_rate(v, &c->res->rate.remaining, &c->res->rate.window_s);
	if (x->status == 429 || x->status == 503) {
		v = http_header_find(x->headers, x->nheaders, "Retry-After");
		if (v)
			c->res->rate.retry_after_ms = http_parse_retry_after_ms(v);
	}
	if (!ev)
		return;
	ev->method = xstrdup(x->method);
	ev->url = url_for_evidence(x->url, x->redirect);
	ev->status = x->status;
	ds_buf_addf(&t, "%s %s -> ", x->method, ev->url);
	if (x->fail != HTTP_FAIL_NONE) {
		ev->failure = xstrdup(http_fail_name(x->fail));
		ds_buf_addf(&t, "no response: %.300s (%s)", x->fail_msg ? x->fail_msg : "",
			    http_fail_name(x->fail));
	} else {
		ds_buf_addf(&t, "%ld", x->status);
		if (x->status >= 400 && x->body_len && x->body_len < 65536) {
			json_t *root = json_loadb(x->body, x->body_len, 0, NULL);
			json_t *err = json_array_get(json_object_get(root, "errors"), 0);
			const char *code = json_string_value(json_object_get(err, "code"));

			if (!code)
				code = json_string_value(json_object_get(root, "error"));
			if (code) {
				ev->registry_error = strndup(code, 64);
				ds_buf_addf(&t, " %s", ev->registry_error);
			}
			json_decref(root);
		}
		if (x->status == 401) {
			v = http_header_find(x->headers, x->nheaders, "WWW-Authenticate");
			if (v) {
				struct registry_challenge ch[2];
				int n = registry_auth_parse(v, ch, 2, NULL), i;

				if (n > 0) {
					ds_buf_addf(&t, " (%s challenge", ch[0].scheme_name);
					if (ch[0].error)
						ds_buf_addf(&t, ", error=%.60s", ch[0].error);
					ds_buf_addstr(&t, ")");
				}
				for (i = 0; i < n; i++)
					registry_challenge_release(&ch[i]);
			}
		}
		if (x->status == 429 || x->status == 503) {
			v = http_header_find(x->headers, x->nheaders, "Retry-After");
			if (v)
				ds_buf_addf(&t, ", Retry-After: %.40s", v);
		}
		v = http_header_find(x->headers, x->nheaders, "ratelimit-remaining");
		if (v)
			ds_buf_addf(&t, ", ratelimit-remaining: %.40s", v);
		if (x->status >= 300 && x->status < 400) {
			v = http_header_find(x->headers, x->nheaders, "Location");
			if (v) {
				char *loc = url_for_evidence(v, 1);

				ds_buf_addf(&t, " to %.300s", loc ? loc : "?");
				free(loc);
			}
		}
	}
	if (x->attempt > 1)
		ds_buf_addf(&t, " [attempt %d]", x->attempt);
	ev->text = ds_buf_detach(&t, NULL);
	ds_buf_release(&t);
}

/* --- small helpers --------------------------------------------------------------------------- */

static int parse_platform(struct ctx *c, const char *p)
{
	const char *s1 = strchr(p, '/'), *s2;

	if (!s1 || s1 == p || (size_t)(s1 - p) >= sizeof(c->want_os))
		return -1;
	s2 = strchr(s1 + 1, '/');
	snprintf(c->want_os, sizeof(c->want_os), "%.*s", (int)(s1 - p), p);
	if (s2) {
		snprintf(c->want_arch, sizeof(c->want_arch), "%.*s", (int)(s2 - s1 - 1), s1 + 1);
		snprintf(c->want_variant, sizeof(c->want_variant), "%s", s2 + 1);
	} else {
		snprintf(c->want_arch, sizeof(c->want_arch), "%s", s1 + 1);
	}
	return c->want_arch[0] ? 0 : -1;
}

static const char *norm_arch(const char *a)
{
	if (!a)
		return "";
	if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64"))
		return "amd64";
	if (!strcmp(a, "aarch64"))
		return "arm64";
	return a;
}

/* Whether (os, arch, variant) runs where the platform is wanted. An arm64 image without a
 * variant is v8, as containerd reads it. */
static int platform_fits(const struct ctx *c, const char *os, const char *arch, const char *variant)
{
	if (!os || strcasecmp(os, c->want_os) || strcmp(norm_arch(arch), norm_arch(c->want_arch)))
		return 0;
	if (!c->want_variant[0])
		return 1;
	if (!variant || !*variant)
		return !strcmp(norm_arch(arch), "arm64") && !strcmp(c->want_variant, "v8");
	return !strcmp(variant, c->want_variant);
}

static void platform_text(struct ds_buf *b, const struct registry_platform *p)
{
	ds_buf_addf(b, "%s/%s", p->os ? p->os : "?", p->architecture ? p->architecture : "?");
	if (p->variant && *p->variant)
		ds_buf_addf(b, "/%s", p->variant);
}

static char *platforms_list(const struct registry_check_result *r)
{
	struct ds_buf b = DS_BUF_INIT(8192);
	size_t i;

	for (i = 0; i < r->nplatforms; i++) {
		if (i)
			ds_buf_addstr(&b, ", ");
		platform_text(&b, &r->platforms[i]);
	}
	return ds_buf_detach(&b, NULL);
}

static int add_platform(struct registry_check_result *r, const char *os, const char *arch,
			const char *variant, const char *os_version, const char *digest)
{
	struct registry_platform *p = realloc(r->platforms, (r->nplatforms + 1) * sizeof(*p));

	if (!p)
		return -1;
	r->platforms = p;
	p = &r->platforms[r->nplatforms++];
	p->os = xstrdup(os);
	p->architecture = xstrdup(arch);
	p->variant = variant && *variant ? xstrdup(variant) : NULL;
	p->os_version = os_version && *os_version ? xstrdup(os_version) : NULL;
	p->digest = xstrdup(digest);
	return 0;
}

static void sha256_digest(const void *data, size_t n, char out[72])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	int i;

	EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static const char *http_fix_for(enum http_fail f)
{
	switch (f) {
	case HTTP_FAIL_CONNECT:
		return "start the registry, or check the host and port in the reference";
	default:
		return NULL;
	}
}

/* --- the steps -------------------------------------------------------------------------------- */

/* "host:port" of the URL in an http error message ("GET https://h:1/v2/...: ..."). */
static void failing_host(const char *msg, char *out, size_t n)
{
	const char *p = strstr(msg, "://"), *end;

	if (!p) {
		snprintf(out, n, "?");
		return;
	}
	p += 3;
	end = p + strcspn(p, "/?: ");
	if (*end == ':' && end[1] >= '0' && end[1] <= '9')
		end += 1 + strspn(end + 1, "0123456789");
	snprintf(out, n, "%.*s", (int)(end - p), p);
}

/* libcurl's words after "METHOD URL: ". */
static const char *cause_of(const char *msg)
{
	const char *p = strstr(msg, "://");

	p = p ? strstr(p, ": ") : NULL;
	return p ? p + 2 : msg;
}

/* A failure with no HTTP reply: DNS, TIMEOUT, TLS or a registry that is not there. */
static int decide_unreachable(struct ctx *c, const struct ds_error *e, enum registry_stage stage)
{
	const char *who = stage == REGISTRY_STAGE_TOKEN ? "the token server" : "the registry";
	const char *msg = ds_error_msg(e), *cause = cause_of(msg);
	char host[300];

	failing_host(msg, host, sizeof(host));
	switch ((enum http_fail)e->code) {
	case HTTP_FAIL_DNS:
		return decide(c, REGISTRY_DNS, NULL, "%s host '%s' does not resolve", who, host);
	case HTTP_FAIL_TIMEOUT: {
		long t = c->o->timeout_ms ? c->o->timeout_ms : DEFAULT_TIMEOUT_MS;

		/* Under --wait the budget left is a few ms short of a round number: say 2000. */
		if (t > 1000)
			t = (t + 50) / 100 * 100;
		return decide(c, REGISTRY_TIMEOUT, NULL, "%s at '%s' did not answer within %ld ms", who,
			      host, t);
	}
	case HTTP_FAIL_TLS:
		if (strstr(msg, "certificate") || strstr(msg, "issuer") || strstr(msg, "self-signed") ||
		    strstr(msg, "self signed"))
			return decide(c, REGISTRY_TLS,
				      c->o->ca_file ? "the certificate does not chain to --ca-file: "
						      "pass the CA that signed it"
						    : NULL,
				      "the certificate of %s at '%s' is not trusted (%s)", who, host,
				      cause);
		return decide(c, REGISTRY_TLS, NULL, "TLS handshake with %s at '%s' failed (%s)", who,
			      host, cause);
	case HTTP_FAIL_CONNECT:
		return decide(c, REGISTRY_REGISTRY_ERROR, http_fix_for(HTTP_FAIL_CONNECT),
			      "nothing accepts connections at '%s' (%s is down?)", host, who);
	default:
		return decide(c, REGISTRY_REGISTRY_ERROR, NULL, "%s at '%s' gave no usable answer (%s)",
			      who, host, cause);
	}
}

/* One registry call, with the plain-HTTP fallback on the first "not TLS" failure. */
static int call(struct ctx *c, const char *method, const char *path, const char *const *headers,
		size_t max_body, struct registry_reply *r, struct ds_error *e)
{
	int rc = registry_client_call(&c->cl, method, path, headers, max_body, c->ref.path, 3, r, e);

	if (rc && c->may_fall_back && !c->fell_back && r->stage == REGISTRY_STAGE_REGISTRY &&
	    registry_error_is_plain_http_peer(e)) {
		char base[600];

		c->fell_back = 1;
		snprintf(base, sizeof(base), "http://%s", c->ref.domain);
		note(c, "%s does not speak TLS: trying plain HTTP (allowed for %s)", c->ref.domain,
		     ref_domain_is_loopback(c->ref.domain) ? "a loopback registry" : "--insecure");
		if (registry_client_rebase(&c->cl, base))
			return rc;
		ds_error_init(e);
		rc = registry_client_call(&c->cl, method, path, headers, max_body, c->ref.path, 3, r, e);
		if (!rc && !ref_domain_is_loopback(c->ref.domain))
			return decide(c, REGISTRY_INVALID_SCHEME, NULL,
				      "'%s' serves the registry API over plain HTTP only", c->ref.domain);
	}
	return rc;
}

/* How near tag t is to the wanted one (lower is nearer), or -1 when not near at all. Tags that
 * extend the wanted one ("1.2" -> "1.2.0", "1.2-alpine") come first. */
static long tag_score(const char *want, const char *t)
{
	size_t lw = strlen(want), lt = strlen(t);
	size_t d;

	if (lt > lw && !strncmp(t, want, lw) && strchr(".-_", t[lw]))
		return (long)(lt - lw);
	if (lw > lt && !strncmp(want, t, lt) && strchr(".-_", want[lt]))
		return 100 + (long)(lw - lt);
	d = ds_edit_distance(want, t, 1);
	if (d <= 2 || d * 3 <= lw)
		return 200 + (long)d * 10;
	return -1;
}

/* On a missing manifest: list the tags, suggest the nearest. Returns 1 when the repository
 * exists (tags list answered 200), 0 when it does not (404), -1 when unknown. */
static int nearest_tags(struct ctx *c, const char *want)
{
	struct registry_reply r;
	struct ds_error e = DS_ERROR_INIT;
	char path[700];
	json_t *root = NULL, *tags, *t;
	struct {
		long score;
		const char *tag;
	} best[NEAREST_MAX];
	size_t nb = 0, i, k;
	struct ds_buf all = DS_BUF_INIT(600);
	int rc = -1;

	registry_reply_init(&r);
	snprintf(path, sizeof(path), "/v2/%s/tags/list", c->ref.path);
	if (registry_client_call(&c->cl, "GET", path, NULL, TAGS_MAX, c->ref.path, 3, &r, &e))
		goto out;
	if (r.http.status == 404) {
		rc = 0;
		goto out;
	}
	if (r.http.status != 200)
		goto out;
	rc = 1;
	root = json_loadb(r.http.body.data ? r.http.body.data : "", r.http.body.len, 0, NULL);
	tags = json_object_get(root, "tags");
	json_array_foreach(tags, i, t)
	{
		const char *s = json_string_value(t);
		long sc;

		if (!s)
			continue;
		if (all.len < 400)
			ds_buf_addf(&all, "%s%s", all.len ? ", " : "", s);
		sc = want ? tag_score(want, s) : -1;
		if (sc < 0)
			continue;
		/* Insert into best[], ordered by score then by tag (newest-looking last). */
		for (k = nb; k > 0 && (best[k - 1].score > sc ||
				       (best[k - 1].score == sc && strcmp(best[k - 1].tag, s) > 0));
		     k--)
			if (k < NEAREST_MAX)
				best[k] = best[k - 1];
		if (k < NEAREST_MAX) {
			best[k].score = sc;
			best[k].tag = s;
			if (nb < NEAREST_MAX)
				nb++;
		}
	}
	for (i = 0; i < nb; i++)
		ds_strlist_add(&c->res->nearest_tags, best[i].tag);
	if (!json_array_size(tags))
		note(c, "tags of %s/%s: none (the repository exists but has no tags)", c->ref.domain,
		     c->ref.path);
	else
		note(c, "tags of %s/%s: %s%s (%zu in all)", c->ref.domain, c->ref.path, ds_buf_str(&all),
		     all.len >= 400 ? ", ..." : "", json_array_size(tags));
out:
	ds_buf_release(&all);
	json_decref(root);
	registry_reply_release(&r);
	return rc;
}

static const char *hub_token_hint(const struct ctx *c)
{
	if (!c->hub || !ds_secret_is_set(&c->creds.password))
		return "";
	if (!strncmp(ds_secret_value(&c->creds.password), "dckr_pat_", 9) ||
	    !strncmp(ds_secret_value(&c->creds.password), "dckr_oat_", 9))
		return "";
	return "; the password does not look like a Docker Hub access token (dckr_pat_...): "
	       "create one under Account settings > Personal access tokens and use it instead";
}

/* A reply that is not what we asked for: turn it into the verdict. what: "manifest", ... */
static int decide_status(struct ctx *c, struct registry_reply *r, const char *what,
			 const char *target)
{
	long st = r->http.status;
	const char *code = r->error_code ? r->error_code : "";
	char fix[1024];

	if (r->stage == REGISTRY_STAGE_TOKEN) {
		if (st == 401 || st == 403) {
			if (r->authenticated && !c->res->username) {
				snprintf(fix, sizeof(fix),
					 "log in again (docker login %s): the identity token in %s is "
					 "expired or revoked",
					 c->ref.domain, c->res->creds_source);
				return decide(c, REGISTRY_AUTH_ACCESS_DENIED, fix,
					      "the token server '%s' refused the identity token (%ld%s%s)",
					      r->realm, st, *code ? " " : "", code);
			}
			if (r->authenticated) {
				snprintf(fix, sizeof(fix),
					 "check the username and password for %s (from %s)%s",
					 c->ref.domain, c->res->creds_source, hub_token_hint(c));
				return decide(c, REGISTRY_AUTH_ACCESS_DENIED, fix,
					      "the token server '%s' refused the credentials of '%s' (%ld%s%s)",
					      r->realm, c->res->username ? c->res->username : "", st,
					      *code ? " " : "", code);
			}
			return decide(c, REGISTRY_ANON_ACCESS_DENIED, NULL,
				      "the token server '%s' refused an anonymous token (%ld)", r->realm, st);
		}
		if (st == 429)
			return decide(c, REGISTRY_RATE_LIMITED, NULL,
				      "the token server '%s' answered 429 Too Many Requests", r->realm);
		return decide(c, REGISTRY_REGISTRY_ERROR, NULL, "the token server '%s' answered %ld%s%s", r->realm,
			      st, *code ? " " : "", code);
	}
	if (st == 401 || st == 403) {
		const char *err = r->have_challenge && r->challenge.error ? r->challenge.error : "";

		if (r->token && r->token->access)
			note(c, "the token from '%.*s' grants: %s", (int)strcspn(r->token->key, " "),
			     r->token->key, *r->token->access ? r->token->access : "nothing");
		if (r->token && !strcmp(err, "invalid_token")) {
			long long exp = r->token->exp;
			long long now = (long long)time(NULL);

			if (exp >= 0 && exp < now)
				note(c, "the token expired %lld s before it was used", now - exp);
			return decide(c, r->authenticated ? REGISTRY_AUTH_ACCESS_DENIED : REGISTRY_ANON_ACCESS_DENIED,
				      exp >= 0 && exp < now
					      ? "the token server issues tokens that are already expired: "
						"check its clock and token lifetime"
					      : "the registry does not accept the token server's tokens: check "
						"that they share the issuer, service and signing certificate",
				      "the registry rejected the token it was just given (%s%s)", err,
				      exp >= 0 && exp < now ? ": expired" : "");
		}
		if (r->authenticated) {
			snprintf(fix, sizeof(fix),
				 "check that '%s' may pull %s/%s and that the credentials (from %s) are "
				 "current%s",
				 c->res->username ? c->res->username : "", c->ref.domain, c->ref.path,
				 c->res->creds_source, hub_token_hint(c));
			return decide(c, REGISTRY_AUTH_ACCESS_DENIED, fix,
				      "%s/%s: access denied to '%s' (%ld%s%s)", c->ref.domain, c->ref.path,
				      c->res->username ? c->res->username : "", st, *err ? " " : "", err);
		}
		if (c->hub)
			return decide(c, REGISTRY_ANON_ACCESS_DENIED,
				      "check the repository name for a typo; if it is private, pass "
				      "credentials (--username with --password-stdin, DOCKER_HUB_USERNAME "
				      "and DOCKER_HUB_ACCESS_TOKEN, or docker login)",
				      "'%s/%s' is private or does not exist: Docker Hub answers both alike "
				      "to anonymous callers",
				      c->ref.domain, c->ref.path);
		return decide(c, REGISTRY_ANON_ACCESS_DENIED, NULL,
			      "%s/%s: anonymous access denied (%ld%s%s)", c->ref.domain, c->ref.path, st,
			      *err ? " " : "", err);
	}
	if (st == 404) {
		enum registry_verdict v = r->authenticated ? REGISTRY_AUTH_NOT_FOUND : REGISTRY_ANON_NOT_FOUND;
		int repo;

		if (strcmp(what, "manifest"))
			return decide(c, REGISTRY_REGISTRY_ERROR,
				      "push the image again: the registry has the manifest but not "
				      "what it refers to",
				      "the %s '%s' is missing from %s/%s (%s)", what, target, c->ref.domain,
				      c->ref.path, *code ? code : "404");
		if (!strcmp(code, "NAME_UNKNOWN"))
			repo = 0;
		else
			repo = nearest_tags(c, c->ref.digest ? NULL : target);
		if (repo == 0)
			return decide(c, v, "check the repository name, or push the image to it",
				      "repository '%s' not found in %s", c->ref.path, c->ref.domain);
		if (c->ref.digest && !(c->ref.tag && strcmp(target, c->ref.digest)))
			return decide(c, v, "check the digest, or deploy by tag",
				      "digest '%s' not found in %s/%s", c->ref.digest, c->ref.domain,
				      c->ref.path);
		if (c->res->nearest_tags.n)
			snprintf(fix, sizeof(fix), "push tag '%s', or deploy %s/%s:%s", target,
				 c->ref.domain, c->ref.path, c->res->nearest_tags.items[0]);
		else
			snprintf(fix, sizeof(fix), "push tag '%s' (the image may still be uploading: "
						   "--wait polls until it appears)",
				 target);
		return decide(c, v, fix, "tag '%s' not found in %s/%s", target, c->ref.domain,
			      c->ref.path);
	}
	if (st == 429) {
		int pull_limit = !strcmp(code, "TOOMANYREQUESTS") || c->res->rate.remaining == 0;
		char when[64] = "";

		if (c->res->rate.retry_after_ms >= 0)
			snprintf(when, sizeof(when), "; retry in %ld s",
				 (c->res->rate.retry_after_ms + 999) / 1000);
		if (r->authenticated)
			snprintf(fix, sizeof(fix), "wait until the limit resets%s%s", *when ? ": " : "",
				 *when ? when + 2 : "");
		else
			snprintf(fix, sizeof(fix),
				 "authenticate (anonymous pulls have the lowest limit: pass credentials "
				 "with --username and --password-stdin, or docker login), or wait%s%s",
				 *when ? ": " : "", *when ? when + 2 : "");
		if (pull_limit) {
			if (c->res->rate.limit >= 0)
				return decide(c, REGISTRY_RATE_LIMITED, fix,
					      "pull rate limit reached: %ld of %ld pulls left per %ld s window%s",
					      c->res->rate.remaining < 0 ? 0 : c->res->rate.remaining,
					      c->res->rate.limit, c->res->rate.window_s, when);
			return decide(c, REGISTRY_RATE_LIMITED, fix,
				      "pull rate limit reached (TOOMANYREQUESTS)%s", when);
		}
		return decide(c, REGISTRY_RATE_LIMITED, fix,
			      "the registry answered 429 Too Many Requests (a request rate limit, "
			      "not the pull limit: no TOOMANYREQUESTS code)%s",
			      when);
	}
	if (st >= 500)
		return decide(c, REGISTRY_REGISTRY_ERROR, NULL, "the registry answered %ld%s%s to the %s request%s",
			      st, *code ? " " : "", code, what,
			      r->http.attempts > 1 ? " (after retries)" : "");
	return decide(c, REGISTRY_REGISTRY_ERROR, NULL, "the registry answered %ld%s%s to the %s request", st,
		      *code ? " " : "", code, what);
}

static const char *media_type_of(const struct registry_reply *r, json_t *root)
{
	const char *mt = json_string_value(json_object_get(root, "mediaType"));
	static _Thread_local char ct[128];

	if (mt)
		return mt;
	mt = http_response_header(&r->http, "Content-Type");
	if (mt) {
		snprintf(ct, sizeof(ct), "%.*s", (int)strcspn(mt, "; "), mt);
		if (strcmp(ct, "application/json") && strcmp(ct, "text/plain"))
			return ct;
	}
	if (json_object_get(root, "manifests"))
		return "application/vnd.oci.image.index.v1+json";
	if (json_object_get(root, "config"))
		return "application/vnd.oci.image.manifest.v1+json";
	if (json_integer_value(json_object_get(root, "schemaVersion")) == 1)
		return "application/vnd.docker.distribution.manifest.v1+json";
	return "";
}

static int is_index(const char *mt)
{
	return !strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
	       !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json");
}

static int is_image(const char *mt)
{
	return !strcmp(mt, "application/vnd.oci.image.manifest.v1+json") ||
	       !strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json");
}

static int is_schema1(const char *mt)
{
	return !strncmp(mt, "application/vnd.docker.distribution.manifest.v1+", 49);
}

/* GET (or HEAD) the manifest at target. Returns 0 on 200, -1 after deciding. */
static int fetch_manifest(struct ctx *c, const char *method, const char *target,
			  struct registry_reply *r)
{
	static const char *const headers[] = {REGISTRY_MANIFEST_ACCEPT, NULL};
	struct ds_error e = DS_ERROR_INIT;
	char path[800];

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.path, target);
	if (call(c, method, path, headers, REGISTRY_MANIFEST_MAX, r, &e))
		return c->decided ? -1 : decide_unreachable(c, &e, r->stage);
	if (c->decided)
		return -1;
	if (r->http.status == 200)
		return 0;
	return decide_status(c, r, "manifest", target);
}

static void exposed_ports(struct ctx *c, json_t *cfg)
{
	json_t *ports = json_object_get(json_object_get(cfg, "config"), "ExposedPorts");
	const char *k;
	json_t *v;

	json_object_foreach(ports, k, v)
	{
		ds_strlist_add(&c->res->exposed_ports, k);
	}
}

/* The image manifest in body: read its config blob and judge the platform. */
static int judge_image(struct ctx *c, json_t *manifest, const char *index_digest)
{
	const char *cfg_digest = json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
	struct registry_reply r;
	struct ds_error e = DS_ERROR_INIT;
	char path[800], got[72];
	json_t *cfg = NULL;
	const char *os, *arch, *variant, *osv;
	int rc = -1;

	registry_reply_init(&r);
	if (!cfg_digest || strncmp(cfg_digest, "sha256:", 7) || strlen(cfg_digest) != 71) {
		decide(c, REGISTRY_REGISTRY_ERROR, "push the image again with a current tool",
		       "the image manifest has no usable config digest");
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.path, cfg_digest);
	if (call(c, "GET", path, NULL, CONFIG_BLOB_MAX, &r, &e)) {
		if (!c->decided)
			decide_unreachable(c, &e, r.stage);
		goto out;
	}
	if (c->decided)
		goto out;
	if (r.http.status != 200) {
		decide_status(c, &r, "config blob", cfg_digest);
		goto out;
	}
	sha256_digest(r.http.body.data ? r.http.body.data : "", r.http.body.len, got);
	if (strcmp(got, cfg_digest)) {
		decide(c, REGISTRY_REGISTRY_ERROR, "push the image again: the registry's copy is damaged",
		       "the config blob does not match its digest %s (got %s)", cfg_digest, got);
		goto out;
	}
	cfg = json_loadb(r.http.body.data ? r.http.body.data : "", r.http.body.len, 0, NULL);
	os = json_string_value(json_object_get(cfg, "os"));
	arch = json_string_value(json_object_get(cfg, "architecture"));
	variant = json_string_value(json_object_get(cfg, "variant"));
	osv = json_string_value(json_object_get(cfg, "os.version"));
	if (!os || !arch) {
		decide(c, REGISTRY_REGISTRY_ERROR, "rebuild the image: its config must name os and architecture",
		       "the image config has no os or architecture");
		goto out;
	}
	if (!index_digest)
		add_platform(c->res, os, arch, variant, osv, NULL);
	exposed_ports(c, cfg);
	if (!platform_fits(c, os, arch, variant)) {
		struct ds_buf have = DS_BUF_INIT(256);
		struct registry_platform p = {(char *)os, (char *)arch, (char *)variant, NULL, NULL};

		platform_text(&have, &p);
		if (strcasecmp(os, c->want_os))
			decide(c, REGISTRY_INVALID_OS, NULL, "the image is built for %s, not %s",
			       ds_buf_str(&have), c->res->platform);
		else
			decide(c, REGISTRY_INVALID_ARCH, NULL, "the image is built for %s, not %s",
			       ds_buf_str(&have), c->res->platform);
		ds_buf_release(&have);
		goto out;
	}
	rc = 0;
out:
	json_decref(cfg);
	registry_reply_release(&r);
	return rc;
}

static int judge_index(struct ctx *c, json_t *index)
{
	json_t *ms = json_object_get(index, "manifests"), *m, *fit = NULL;
	size_t i;
	int os_seen = 0;
	char *list;

	json_array_foreach(ms, i, m)
	{
		json_t *p = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		const char *variant = json_string_value(json_object_get(p, "variant"));

		/* BuildKit's attestation manifests say unknown/unknown: not a platform. */
		if (!os || !arch || (!strcmp(os, "unknown") && !strcmp(arch, "unknown")))
			continue;
		add_platform(c->res, os, arch, variant, json_string_value(json_object_get(p, "os.version")),
			     json_string_value(json_object_get(m, "digest")));
		if (!strcasecmp(os, c->want_os))
			os_seen = 1;
		if (!fit && platform_fits(c, os, arch, variant))
			fit = m;
	}
	list = platforms_list(c->res);
	note(c, "the index offers: %s", list && *list ? list : "no platform");
	if (!fit) {
		if (!os_seen)
			decide(c, REGISTRY_INVALID_OS, NULL, "the image index has no %s image, only %s",
			       c->res->platform, list && *list ? list : "no platform at all");
		else
			decide(c, REGISTRY_INVALID_ARCH, NULL, "the image index has no %s image, only %s",
			       c->res->platform, list && *list ? list : "nothing");
		free(list);
		return -1;
	}
	free(list);
	{
		const char *d = json_string_value(json_object_get(fit, "digest"));
		struct registry_reply r;
		json_t *man;
		char got[72];
		int rc;

		if (!d) {
			return decide(c, REGISTRY_REGISTRY_ERROR, NULL, "the index entry for %s has no digest",
				      c->res->platform);
		}
		registry_reply_init(&r);
		if (fetch_manifest(c, "GET", d, &r)) {
			registry_reply_release(&r);
			return -1;
		}
		sha256_digest(r.http.body.data ? r.http.body.data : "", r.http.body.len, got);
		if (!strncmp(d, "sha256:", 7) && strcmp(got, d)) {
			registry_reply_release(&r);
			return decide(c, REGISTRY_REGISTRY_ERROR, "push the image again",
				      "the %s manifest does not match its digest", c->res->platform);
		}
		man = json_loadb(r.http.body.data ? r.http.body.data : "", r.http.body.len, 0, NULL);
		if (!is_image(media_type_of(&r, man))) {
			json_decref(man);
			registry_reply_release(&r);
			return decide(c, REGISTRY_GENERIC, NULL,
				      "the index's %s entry is not an image manifest", c->res->platform);
		}
		rc = judge_image(c, man, d);
		json_decref(man);
		registry_reply_release(&r);
		return rc;
	}
}

static const char *endpoint_for(const struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->o->nendpoints; i++)
		if (c->o->endpoints[i].domain && !strcasecmp(c->o->endpoints[i].domain, c->ref.domain))
			return c->o->endpoints[i].url;
	return NULL;
}

static void resolve_creds(struct ctx *c)
{
	const struct registry_check_opts *o = c->o;
	struct ds_error e = DS_ERROR_INIT;
	size_t i;

	if (o->username && o->password && ds_secret_is_set(o->password)) {
		c->creds.source = REGISTRY_CREDS_CALLER;
		c->creds.username = strdup(o->username);
		ds_secret_set(&c->creds.password, ds_secret_value(o->password));
		c->creds.origin = strdup(o->creds_label ? o->creds_label : "--username");
	} else if (!(o->flags & REGISTRY_CHECK_NO_AMBIENT_CREDS)) {
		struct registry_creds_query q = {c->ref.domain, o->docker_config_dir, 0, 0, 0};

		if (registry_creds_find(&q, &c->creds, &e))
			note(c, "credentials: %s", ds_error_msg(&e));
	}
	for (i = 0; i < c->creds.notes.n; i++)
		note(c, "credentials: %s", c->creds.notes.items[i]);
	if (registry_creds_present(&c->creds)) {
		c->res->creds_source = xstrdup(c->creds.origin ? c->creds.origin : "?");
		c->res->username = xstrdup(c->creds.username);
		if (c->creds.username)
			note(c, "credentials: user '%s' from %s", c->creds.username, c->res->creds_source);
		else
			note(c, "credentials: an identity token from %s", c->res->creds_source);
	} else {
		c->res->creds_source = strdup("none");
		note(c, "credentials: none, anonymous");
	}
}

/* One check. */
static void check_once(struct ctx *c)
{
	const struct registry_check_opts *o = c->o;
	struct registry_check_result *res = c->res;
	struct ds_error e = DS_ERROR_INIT;
	const char *s = o->reference ? o->reference : "", *ep;
	int plain = 0;
	char base[600], *sugg;
	struct registry_reply r;
	struct http_options ho = {0};
	json_t *root = NULL;
	const char *mt, *target;
	char got[72], head_digest[80];

	registry_reply_init(&r);
	res->reference = strdup(s);
	res->platform = strdup(o->platform ? o->platform : "linux/amd64");
	if (parse_platform(c, res->platform)) {
		decide(c, REGISTRY_GENERIC, "write the platform as os/arch[/variant], e.g. linux/amd64",
		       "platform '%s' is not os/arch[/variant]", res->platform);
		goto out;
	}
	/* "http://" says "this registry speaks plain HTTP": fine on loopback, never for a
	 * platform that pulls over https. "https://" is no part of a reference: MALFORMED. */
	if (!strncasecmp(s, "http://", 7)) {
		plain = 1;
		s += 7;
	}
	if (ref_parse(&c->ref, s, &e)) {
		res->malformed_rule = strdup(ref_rule_name((enum ref_rule)e.code));
		sugg = ref_suggest(o->reference);
		if (sugg) {
			char fix[1200];

			snprintf(fix, sizeof(fix), "write it as '%s'", sugg);
			decide(c, REGISTRY_MALFORMED, fix, "%s", ds_error_msg(&e));
			free(sugg);
		} else {
			decide(c, REGISTRY_MALFORMED,
			       e.code == REF_NO_REPOSITORY
				       ? "name the repository after the registry: registry.example.com/team/app:tag"
				       : NULL,
			       "%s", ds_error_msg(&e));
		}
		goto out;
	}
	res->normalized = ref_string(&c->ref);
	c->hub = ref_is_docker_hub(&c->ref);
	/* Polling (--wait) uses HEAD, free against Docker Hub's pull limit, until the image is
	 * there; then one GET. */
	c->head_first = c->hub || (o->flags & REGISTRY_CHECK_HEAD_FIRST) || o->wait_ms > 0;
	ep = endpoint_for(c);
	if (ep) {
		snprintf(base, sizeof(base), "%s", ep);
		note(c, "%s is served at %s (endpoint override)", c->ref.domain, ep);
	} else if (c->hub) {
		snprintf(base, sizeof(base), "%s", REGISTRY_DOCKER_HUB_URL);
	} else {
		snprintf(base, sizeof(base), "%s://%s", plain ? "http" : "https", c->ref.domain);
		c->may_fall_back = !plain && (ref_domain_is_loopback(c->ref.domain) ||
					      (o->flags & REGISTRY_CHECK_INSECURE));
	}
	if (!strncasecmp(base, "http://", 7) && !http_url_is_loopback(base)) {
		decide(c, REGISTRY_INVALID_SCHEME, NULL,
		       "'%s' is plain http on a host that is not loopback; platforms pull over https",
		       base);
		goto out;
	}
	resolve_creds(c);

	ho.timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.ca_file = o->ca_file;
	ho.insecure = !!(o->flags & REGISTRY_CHECK_INSECURE);
	if (registry_client_init(&c->cl, base, &c->creds, &ho, &e)) {
		decide(c, REGISTRY_GENERIC, NULL, "%s", ds_error_msg(&e));
		goto out;
	}
	c->have_client = 1;
	if (ho.insecure)
		note(c, "TLS certificates are not verified (--insecure); a platform verifies them");
	c->cl.deadline = now_ms() + ho.timeout_ms;
	http_client_set_observer(&c->cl.http, observe, c);

	target = c->ref.digest ? c->ref.digest : c->ref.tag;
	if (c->head_first) {
		const char *d;

		if (fetch_manifest(c, "HEAD", target, &r))
			goto out;
		d = http_response_header(&r.http, "Docker-Content-Digest");
		if (c->res->rate.remaining >= 0)
			note(c, "rate limit: %ld of %ld pulls left per %ld s window (HEAD requests are "
				"free; the GET below costs one)",
			     c->res->rate.remaining, c->res->rate.limit, c->res->rate.window_s);
		/* GET by digest, so a tag moved meanwhile cannot mix two images. The header
		 * dies with the reply: keep a copy. */
		if (d && !strncmp(d, "sha256:", 7) && strlen(d) == 71) {
			snprintf(head_digest, sizeof(head_digest), "%s", d);
			target = head_digest;
		}
		registry_reply_release(&r);
		if (c->res->rate.remaining == 0)
			note(c, "no pulls left: the GET of the manifest may be refused");
	}
	if (fetch_manifest(c, "GET", target, &r))
		goto out;
	sha256_digest(r.http.body.data ? r.http.body.data : "", r.http.body.len, got);
	if (!strncmp(target, "sha256:", 7) && strcmp(got, target)) {
		decide(c, REGISTRY_REGISTRY_ERROR, "push the image again: the registry's copy is damaged",
		       "the manifest does not match its digest %s (got %s)", target, got);
		goto out;
	}
	free(res->digest);
	res->digest = strdup(got);
	root = json_loadb(r.http.body.data ? r.http.body.data : "", r.http.body.len, 0, NULL);
	if (!json_is_object(root)) {
		decide(c, REGISTRY_REGISTRY_ERROR, NULL, "the manifest is not a JSON object");
		goto out;
	}
	mt = media_type_of(&r, root);
	res->media_type = strdup(mt);
	if (is_index(mt)) {
		if (judge_index(c, root))
			goto out;
	} else if (is_image(mt)) {
		if (judge_image(c, root, NULL))
			goto out;
	} else if (is_schema1(mt)) {
		const char *arch = json_string_value(json_object_get(root, "architecture"));

		add_platform(res, "linux", arch ? arch : "?", NULL, NULL, NULL);
		if (!platform_fits(c, "linux", arch, NULL)) {
			decide(c, REGISTRY_INVALID_ARCH, NULL, "the (schema 1) image is built for linux/%s, not %s",
			       arch ? arch : "?", res->platform);
			goto out;
		}
		note(c, "the manifest is Docker's deprecated schema 1: push it again with a current tool");
	} else {
		decide(c, REGISTRY_GENERIC, "push the image as an OCI or Docker v2 image",
		       "the manifest has media type '%.100s', which is not an image", mt);
		goto out;
	}
	if (res->exposed_ports.n) {
		struct ds_buf b = DS_BUF_INIT(1024);
		size_t i;

		for (i = 0; i < res->exposed_ports.n; i++)
			ds_buf_addf(&b, "%s%s", i ? ", " : "", res->exposed_ports.items[i]);
		note(c, "exposed ports: %s", ds_buf_str(&b));
		ds_buf_release(&b);
	}
	decide(c, REGISTRY_OK, NULL, "%s can be pulled for %s", res->normalized, res->platform);
out:
	json_decref(root);
	registry_reply_release(&r);
	if (c->have_client) {
		size_t i;

		for (i = 0; i < c->cl.notes.n; i++)
			note(c, "%s", c->cl.notes.items[i]);
		res->stats.requests += c->cl.http.requests;
		res->stats.connections += c->cl.http.connects;
		res->stats.token_requests += c->cl.token_requests;
	}
	if (!c->decided)
		decide(c, REGISTRY_GENERIC, NULL, "the check stopped without a verdict");
}

/* --- secrets out ----------------------------------------------------------------------------- */

static void scrub_str(char *s, const char *secret)
{
	size_t n = strlen(secret);
	char *p;

	if (!s || n < 3)
		return;
	while ((p = strstr(s, secret))) {
		/* Overwrite in place with '*': same length, nothing reallocated. */
		memset(p, '*', n);
	}
}

static void scrub(struct registry_check_result *r, const char *secret)
{
	size_t i;

	if (!secret || !*secret)
		return;
	scrub_str(r->summary, secret);
	scrub_str(r->fix, secret);
	scrub_str(r->creds_source, secret);
	for (i = 0; i < r->nevidence; i++) {
		scrub_str(r->evidence[i].text, secret);
		scrub_str(r->evidence[i].url, secret);
	}
}

static void ctx_release(struct ctx *c)
{
	size_t i;

	scrub(c->res, ds_secret_value(&c->creds.password));
	scrub(c->res, ds_secret_value(&c->creds.identity_token));
	if (c->o->password)
		scrub(c->res, ds_secret_value(c->o->password));
	if (c->have_client) {
		for (i = 0; registry_client_secret(&c->cl, i); i++)
			scrub(c->res, ds_secret_value(registry_client_secret(&c->cl, i)));
		registry_client_release(&c->cl);
	}
	registry_creds_release(&c->creds);
	ref_release(&c->ref);
	memset(c, 0, sizeof(*c));
}

/* --- the loop ---------------------------------------------------------------------------------- */

static int worth_waiting(const struct registry_check_result *r, int hub)
{
	switch (r->verdict) {
	case REGISTRY_ANON_NOT_FOUND:
	case REGISTRY_AUTH_NOT_FOUND:
	case REGISTRY_REGISTRY_ERROR:
	case REGISTRY_TIMEOUT:
	case REGISTRY_RATE_LIMITED:
		return 1;
	case REGISTRY_ANON_ACCESS_DENIED:
		return hub; /* a repository Docker Hub has not created yet looks private */
	default:
		return 0;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

static long jitter(long cap)
{
	static _Thread_local unsigned seed;

	if (!seed)
		seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)&seed;
	return cap / 2 + (long)(rand_r(&seed) % (unsigned)(cap / 2 + 1));
}

int registry_check(const struct registry_check_opts *o, struct registry_check_result *r)
{
	long t0 = now_ms(), delay = 500, deadline = t0 + (o->wait_ms > 0 ? o->wait_ms : 0);
	unsigned long requests = 0, connections = 0, tokens = 0;
	int attempt = 0;

	http_global_init();
	registry_check_result_init(r);
	for (;;) {
		struct ctx c;
		long left, wait;
		int hub;

		struct registry_check_opts oo = *o;

		/* Under --wait no attempt may outlast the budget (a hanging registry would
		 * otherwise hold the first attempt for the whole --timeout); 1 s at least. */
		if (o->wait_ms > 0) {
			long budget = deadline - now_ms(), t = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;

			oo.timeout_ms = budget < t ? (budget > 1000 ? budget : 1000) : t;
		}
		memset(&c, 0, sizeof(c));
		c.o = &oo;
		c.res = r;
		attempt++;
		if (attempt > 1)
			registry_check_result_release(r);
		check_once(&c);
		hub = c.hub;
		ctx_release(&c);
		requests += r->stats.requests;
		connections += r->stats.connections;
		tokens += r->stats.token_requests;
		if (o->wait_ms <= 0 || !worth_waiting(r, hub))
			break;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		wait = jitter(delay);
		delay = delay * 2 > 10000 ? 10000 : delay * 2;
		/* The registry said when: earlier is pointless, and with no pulls left, so is
		 * polling before the window moves. */
		if (r->rate.retry_after_ms > wait)
			wait = r->rate.retry_after_ms;
		if (r->verdict == REGISTRY_RATE_LIMITED && r->rate.retry_after_ms < 0 && wait < 30000)
			wait = 30000;
		if (wait > left) {
			if (r->rate.retry_after_ms > left)
				break; /* the reset comes after our deadline */
			wait = left;
		}
		if (o->progress) {
			struct registry_wait_progress p = {attempt, r->verdict, r->summary,
							   now_ms() - t0, wait};

			o->progress(o->progress_ctx, &p);
		}
		sleep_ms(wait);
	}
	r->stats.requests = requests;
	r->stats.connections = connections;
	r->stats.token_requests = tokens;
	r->stats.attempts = attempt;
	r->stats.elapsed_ms = now_ms() - t0;
	if (o->wait_ms > 0 && attempt > 1) {
		struct registry_evidence *ev = evidence_new(r);

		if (ev) {
			struct ds_buf b = DS_BUF_INIT(256);

			ds_buf_addf(&b, "waited %.1f s over %d attempt%s", (double)r->stats.elapsed_ms / 1000,
				    attempt, attempt == 1 ? "" : "s");
			ev->text = ds_buf_detach(&b, NULL);
			ds_buf_release(&b);
		}
		if (o->progress) {
			struct registry_wait_progress p = {attempt, r->verdict, r->summary,
							   r->stats.elapsed_ms, -1};

			o->progress(o->progress_ctx, &p);
		}
	}
	return registry_verdict_exit_code(r->verdict);
}
