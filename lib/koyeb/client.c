/*
 * koyeb/client.c - calls, pagination, retries and error messages; see client.h.
 */
#include "koyeb/client.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_ATTEMPTS 4
#define DEFAULT_BASE_MS 300
#define DEFAULT_MAX_MS 5000
#define PAGE_LIMIT 100
#define MAX_PAGES 10000
#define TOKEN_MAX 4096
#define REPLY_MAX (32u * 1024 * 1024)

int koyeb_client_init(struct koyeb_client *c, const struct koyeb_options *o, struct ds_error *e)
{
	struct koyeb_options d = {0};
	struct http_options ho = {0};
	const char *base, *env;
	size_t len, i;

	memset(c, 0, sizeof(*c));
	if (!o)
		o = &d;
	base = o->base_url;
	if (!base || !*base) {
		env = getenv("KOYEB_API_URL");
		base = env && *env ? env : KOYEB_DEFAULT_URL;
	}
	if (strncasecmp(base, "https://", 8) && strncasecmp(base, "http://", 7))
		return ds_error_set(e, KOYEB_E_CONFIG,
				    "Koyeb API URL '%.200s' must start with https://", base);
	if (!strncasecmp(base, "http://", 7) && !http_url_is_loopback(base))
		return ds_error_set(e, KOYEB_E_CONFIG,
				    "refusing to send the Koyeb token over plain http to '%.200s'; "
				    "use https",
				    base);
	c->base = strdup(base);
	if (!c->base)
		return ds_error_set(e, KOYEB_E_CONFIG, "out of memory");
	len = strlen(c->base);
	while (len && c->base[len - 1] == '/')
		c->base[--len] = '\0';

	if (o->token_file) {
		if (ds_secret_read_file(&c->token, o->token_file, TOKEN_MAX, e)) {
			koyeb_client_release(c);
			return ds_error_prefix(e, "reading the Koyeb token from '%s'", o->token_file);
		}
	} else {
		env = getenv("KOYEB_TOKEN");
		if (env && *env && ds_secret_set(&c->token, env)) {
			koyeb_client_release(c);
			return ds_error_set(e, KOYEB_E_CONFIG, "out of memory");
		}
	}
	if (!ds_secret_is_set(&c->token)) {
		koyeb_client_release(c);
		return ds_error_set(e, KOYEB_E_TOKEN,
				    "no Koyeb token: set KOYEB_TOKEN or pass --token-file FILE "
				    "(an API token from the Koyeb control panel)");
	}
	/* A token with a space or a line break would split the Authorization header. */
	for (i = 0; i < c->token.len; i++) {
		unsigned char ch = (unsigned char)c->token.value[i];

		if (ch <= ' ' || ch == 0x7f) {
			koyeb_client_release(c);
			return ds_error_set(e, KOYEB_E_TOKEN,
					    "the Koyeb token contains a space or a control "
					    "character; check %s",
					    o->token_file ? "the token file" : "KOYEB_TOKEN");
		}
	}
	ho.timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	ho.ca_file = o->ca_file;
	ho.max_body = REPLY_MAX;
	if (http_client_init(&c->http, &ho, e)) {
		koyeb_client_release(c);
		return -1;
	}
	c->max_attempts = o->max_attempts > 0 ? o->max_attempts : DEFAULT_ATTEMPTS;
	c->retry_base_ms = o->retry_base_ms > 0 ? o->retry_base_ms : DEFAULT_BASE_MS;
	c->retry_max_ms = o->retry_max_ms > 0 ? o->retry_max_ms : DEFAULT_MAX_MS;
	return 0;
}

void koyeb_client_release(struct koyeb_client *c)
{
	if (c->http.curl)
		http_client_release(&c->http);
	ds_secret_release(&c->token);
	free(c->base);
	c->base = NULL;
}

void koyeb_client_set_note(struct koyeb_client *c, koyeb_note_fn fn, void *ctx)
{
	c->note = fn;
	c->note_ctx = ctx;
}

static void note(struct koyeb_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct koyeb_client *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!c->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->note(c->note_ctx, msg);
}

int koyeb_path(struct ds_buf *b, const char *what, const char *id)
{
	if (ds_buf_addf(b, "/v1/%s/", what))
		return -1;
	return http_buf_add_escaped(b, id ? id : "");
}

int koyeb_error_is_not_found(const struct ds_error *e)
{
	return e->set && (e->code == 404 || e->code == KOYEB_E_NOT_FOUND);
}

void koyeb_json_wipe(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			if (json_is_string(x) && (!strcmp(key, "password") || !strcmp(key, "value") ||
						  !strcmp(key, "keyfile_content"))) {
				/* jansson owns the bytes; they are ours to clear before the free. */
				char *s = (char *)json_string_value(x);

				explicit_bzero(s, json_string_length(x));
			} else {
				koyeb_json_wipe(x);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			koyeb_json_wipe(x);
	}
}

/* --- error replies ------------------------------------------------------------------------ */

/* Copy s into out with control characters replaced, at most n bytes: server text goes on
 * a terminal. */
static void clean(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? ' ' : *s;
	out[i] = '\0';
}

/*
 * "<METHOD> <path>: <status> <code>: <message>[; field '<f>': <description>]..." from the
 * Error, ErrorWithFields or google.rpc.Status body the contract documents for errors.
 */
static int fail_reply(const char *method, const char *path, const struct http_response *r,
		      struct ds_error *e)
{
	struct ds_buf m = DS_BUF_INIT(DS_ERROR_MAX);
	json_t *body = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	char tmp[400];
	int rc;

	ds_buf_addf(&m, "%s %s: %ld", method, path, r->status);
	if (json_is_object(body)) {
		const char *code = json_string_value(json_object_get(body, "code"));
		const char *msg = json_string_value(json_object_get(body, "message"));
		json_t *fields = json_object_get(body, "fields"), *f;
		size_t i;

		if (code) {
			clean(tmp, 64, code);
			ds_buf_addf(&m, " %s", tmp);
		}
		if (msg && *msg) {
			clean(tmp, sizeof(tmp), msg);
			ds_buf_addf(&m, ": %s", tmp);
		}
		json_array_foreach(fields, i, f) {
			char fld[128], desc[256];

			clean(fld, sizeof(fld), json_string_value(json_object_get(f, "field")));
			clean(desc, sizeof(desc), json_string_value(json_object_get(f, "description")));
			ds_buf_addf(&m, "%s field '%s': %s", i ? ";" : ":", fld, desc);
		}
	} else if (r->body.len) {
		clean(tmp, 200, r->body.data);
		ds_buf_addf(&m, ": %s", tmp);
	}
	if (r->status == 401)
		ds_buf_addstr(&m, " (check the token: KOYEB_TOKEN or --token-file)");
	json_decref(body);
	rc = ds_error_set(e, (int)r->status, "%s", ds_buf_str(&m));
	ds_buf_release(&m);
	return rc;
}

static int parse_reply(const char *method, const char *path, const struct http_response *r,
		       json_t **out, struct ds_error *e)
{
	json_error_t je;
	json_t *v = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);

	if (!json_is_object(v)) {
		json_decref(v);
		return ds_error_set(e, KOYEB_E_REPLY, "%s %s: %ld reply is not a JSON object (%s)",
				    method, path, r->status, je.text);
	}
	*out = v;
	return 0;
}

/* --- one request -------------------------------------------------------------------------- */

static int send_once(struct koyeb_client *c, const char *method, const char *path,
		     const char *body, size_t body_len, unsigned retry_on, int attempts,
		     struct http_response *r, struct ds_error *e)
{
	struct ds_buf url = DS_BUF_INIT(0);
	static const char *const with_body[] = {"Accept: application/json",
						"Content-Type: application/json", NULL};
	static const char *const no_body[] = {"Accept: application/json", NULL};
	struct http_request req;
	int rc;
	int mut = strcmp(method, "GET") && strcmp(method, "HEAD");

	if (ds_buf_addstr(&url, c->base) || ds_buf_addstr(&url, path))
		return ds_error_set(e, HTTP_FAIL_OTHER, "out of memory");
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = ds_buf_str(&url);
	req.headers = body ? with_body : no_body;
	req.body = body;
	req.body_len = body_len;
	req.bearer = &c->token;
	req.max_redirects = 0;
	req.retry_on = retry_on;
	req.max_attempts = retry_on ? attempts : 1;
	req.retry_base_ms = c->retry_base_ms;
	req.retry_max_ms = c->retry_max_ms;
	rc = http_request_perform(&c->http, &req, r, e);
	c->calls += (unsigned long)(r->attempts > 0 ? r->attempts : 1);
	if (mut)
		c->mutations += (unsigned long)(r->attempts > 0 ? r->attempts : 1);
	if (rc) {
		/* lib/http names the full URL; keep the message to the path, like the rest. */
		struct ds_error e2 = DS_ERROR_INIT;
		const char *msg = ds_error_msg(e), *tail = strstr(msg, ds_buf_str(&url));

		if (tail) {
			tail += url.len;
			ds_error_set(&e2, e->code, "%s %s%s", method, path, tail);
			*e = e2;
		}
	}
	ds_buf_release(&url);
	return rc;
}

int koyeb_get(struct koyeb_client *c, const char *path, json_t **out, struct ds_error *e)
{
	struct http_response r;
	int rc;

	*out = NULL;
	http_response_init(&r);
	rc = send_once(c, "GET", path, NULL, 0,
		       HTTP_RETRY_5XX | HTTP_RETRY_429 | HTTP_RETRY_TIMEOUT | HTTP_RETRY_CONNECT,
		       c->max_attempts, &r, e);
	if (!rc) {
		if (r.attempts > 1)
			note(c, "GET %s answered after %d attempts", path, r.attempts);
		if (r.status >= 200 && r.status < 300)
			rc = parse_reply("GET", path, &r, out, e);
		else
			rc = fail_reply("GET", path, &r, e);
	}
	http_response_release(&r);
	return rc;
}

int koyeb_list(struct koyeb_client *c, const char *path, const char *key, json_t **items,
	       struct ds_error *e)
{
	const char *sep = strchr(path, '?') ? "&" : "?";
	long offset = 0;
	int pages = 0;

	*items = json_array();
	for (;;) {
		struct ds_buf p = DS_BUF_INIT(0);
		json_t *reply = NULL, *arr, *hn, *cnt, *lim;
		size_t n;
		long limit = PAGE_LIMIT, count;
		int has_next;

		ds_buf_addf(&p, "%s%slimit=%d&offset=%ld", path, sep, PAGE_LIMIT, offset);
		if (koyeb_get(c, ds_buf_str(&p), &reply, e)) {
			ds_buf_release(&p);
			goto fail;
		}
		arr = json_object_get(reply, key);
		if (arr && !json_is_array(arr)) {
			ds_error_set(e, KOYEB_E_REPLY, "GET %s: '%s' is not an array", ds_buf_str(&p),
				     key);
			json_decref(reply);
			ds_buf_release(&p);
			goto fail;
		}
		ds_buf_release(&p);
		n = json_array_size(arr);
		json_array_extend(*items, arr ? arr : json_array());
		hn = json_object_get(reply, "has_next");
		cnt = json_object_get(reply, "count");
		lim = json_object_get(reply, "limit");
		/* The server may serve smaller pages than asked; its own limit says. */
		if (json_is_integer(lim) && json_integer_value(lim) > 0)
			limit = (long)json_integer_value(lim);
		has_next = json_is_boolean(hn) ? json_is_true(hn) : -1;
		count = json_is_integer(cnt) ? (long)json_integer_value(cnt) : -1;
		json_decref(reply);
		if (!n)
			break;
		if (has_next >= 0) {
			if (!has_next)
				break;
		} else if (count >= 0) {
			if (offset + (long)n >= count)
				break;
		} else if ((long)n < limit) {
			break;
		}
		offset += (long)n;
		if (++pages >= MAX_PAGES) {
			ds_error_set(e, KOYEB_E_REPLY, "GET %s: more than %d pages", path, MAX_PAGES);
			goto fail;
		}
	}
	return 0;
fail:
	json_decref(*items);
	*items = NULL;
	return -1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Full jitter in [cap/2, cap], cap doubling from the base. */
static void backoff(struct koyeb_client *c, int n)
{
	static _Thread_local unsigned seed;
	long cap = c->retry_base_ms, ms;
	struct timespec ts;

	while (n-- > 0 && cap < c->retry_max_ms)
		cap *= 2;
	if (cap > c->retry_max_ms)
		cap = c->retry_max_ms;
	if (!seed)
		seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)&seed;
	ms = cap / 2 + (long)(rand_r(&seed) % (unsigned)(cap / 2 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts))
		;
}

int koyeb_mutate(struct koyeb_client *c, const char *method, const char *path,
		 const json_t *body, koyeb_converge_fn converge, void *ctx, json_t **out,
		 struct ds_error *e)
{
	char *text = NULL;
	size_t len = 0;
	int attempt, rc = -1;

	*out = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return ds_error_set(e, HTTP_FAIL_OTHER, "out of memory");
		len = strlen(text);
	}
	for (attempt = 1; attempt <= c->max_attempts; attempt++) {
		struct http_response r;
		struct ds_error te = DS_ERROR_INIT;
		int ambiguous = 0, resend = 0, sent;

		http_response_init(&r);
		/* A 429 is a refusal before any work, so lib/http may resend it as is. */
		sent = send_once(c, method, path, text, len, HTTP_RETRY_429, c->max_attempts, &r,
				 &te);
		if (sent) {
			if (te.code == HTTP_FAIL_CONNECT)
				resend = 1; /* never reached the server */
			else if (te.code == HTTP_FAIL_TIMEOUT || te.code == HTTP_FAIL_NETWORK)
				ambiguous = 1;
		} else if (r.status >= 200 && r.status < 300) {
			rc = parse_reply(method, path, &r, out, e);
			http_response_release(&r);
			goto done;
		} else {
			fail_reply(method, path, &r, &te);
			if (r.status >= 500)
				ambiguous = 1;
		}
		http_response_release(&r);
		if (ambiguous && converge) {
			int took;

			backoff(c, attempt - 1);
			note(c, "%s; checking whether it took effect", ds_error_msg(&te));
			took = converge(c, ctx, out, e);
			if (took < 0)
				goto done;
			if (took > 0) {
				note(c, "%s %s had taken effect; not sending it again", method, path);
				rc = 0;
				goto done;
			}
			if (attempt == c->max_attempts) {
				*e = te;
				goto done;
			}
			note(c, "%s %s had not taken effect; sending it again", method, path);
			continue;
		}
		if (!resend || attempt == c->max_attempts) {
			*e = te;
			if (ambiguous)
				ds_error_prefix(e, "not retried (it may have taken effect)");
			goto done;
		}
		note(c, "%s; sending it again", ds_error_msg(&te));
		backoff(c, attempt - 1);
	}
done:
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}

int koyeb_delete(struct koyeb_client *c, const char *path, struct ds_error *e)
{
	int attempt;

	for (attempt = 1; attempt <= c->max_attempts; attempt++) {
		struct http_response r;
		struct ds_error te = DS_ERROR_INIT;
		int retry = 0;

		http_response_init(&r);
		if (send_once(c, "DELETE", path, NULL, 0, HTTP_RETRY_429, c->max_attempts, &r, &te)) {
			retry = te.code == HTTP_FAIL_CONNECT || te.code == HTTP_FAIL_TIMEOUT ||
				te.code == HTTP_FAIL_NETWORK;
		} else if (r.status >= 200 && r.status < 300) {
			http_response_release(&r);
			return 0;
		} else if (r.status == 404 && attempt > 1) {
			/* An earlier attempt whose reply was lost did the deleting. */
			http_response_release(&r);
			return 0;
		} else {
			fail_reply("DELETE", path, &r, &te);
			retry = r.status >= 500;
		}
		http_response_release(&r);
		if (!retry || attempt == c->max_attempts) {
			*e = te;
			return -1;
		}
		note(c, "%s; sending it again", ds_error_msg(&te));
		backoff(c, attempt - 1);
	}
	return ds_error_set(e, HTTP_FAIL_OTHER, "DELETE %s: no attempt made", path);
}
