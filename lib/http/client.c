/*
 * http/client.c - libcurl underneath the shared HTTP client; see http.h.
 *
 * Each request resets the easy handle (curl_easy_reset keeps live connections, the DNS
 * cache and TLS sessions) and sets every option again, so nothing leaks from one request
 * into the next: not a method, not a body, not a credential. libcurl's own redirect
 * following stays off; follow() below decides per hop whether credentials go along.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "build_info.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_MAX_BODY (8u * 1024 * 1024)
#define MAX_HEADERS 200
#define MAX_HEADER_BYTES (64 * 1024)

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_global_init(void)
{
	pthread_once(&global_once, global_init);
}

const char *http_fail_name(enum http_fail f)
{
	switch (f) {
	case HTTP_FAIL_NONE:
		return "none";
	case HTTP_FAIL_DNS:
		return "dns";
	case HTTP_FAIL_CONNECT:
		return "connect";
	case HTTP_FAIL_TIMEOUT:
		return "timeout";
	case HTTP_FAIL_TLS:
		return "tls";
	case HTTP_FAIL_NETWORK:
		return "network";
	case HTTP_FAIL_PROTOCOL:
		return "protocol";
	case HTTP_FAIL_TOO_BIG:
		return "too-big";
	case HTTP_FAIL_OTHER:
		break;
	}
	return "other";
}

int http_client_init(struct http_client *c, const struct http_options *o, struct ds_error *e)
{
	memset(c, 0, sizeof(*c));
	http_global_init();
	if (o)
		c->o = *o;
	if (!c->o.connect_timeout_ms)
		c->o.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (!c->o.timeout_ms)
		c->o.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!c->o.max_body)
		c->o.max_body = DEFAULT_MAX_BODY;
	c->ca_file = c->o.ca_file ? strdup(c->o.ca_file) : NULL;
	c->user_agent = strdup(c->o.user_agent ? c->o.user_agent : DS_NAME "/" DS_VERSION);
	c->o.ca_file = c->ca_file;
	c->o.user_agent = c->user_agent;
	c->curl = curl_easy_init();
	if (!c->curl || !c->user_agent || (o && o->ca_file && !c->ca_file)) {
		http_client_release(c);
		return ds_error_set(e, HTTP_FAIL_OTHER, "cannot initialise the HTTP client");
	}
	return 0;
}

void http_client_release(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->ca_file);
	free(c->user_agent);
	c->curl = NULL;
	c->ca_file = NULL;
	c->user_agent = NULL;
}

void http_client_set_observer(struct http_client *c, http_observer_fn fn, void *ctx)
{
	c->observer = fn;
	c->observer_ctx = ctx;
}

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	ds_buf_init(&r->body, 0);
	r->retry_after_ms = -1;
}

static void clear_headers(struct http_response *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->nheaders = 0;
}

void http_response_release(struct http_response *r)
{
	clear_headers(r);
	ds_buf_release(&r->body);
	free(r->url);
	r->url = NULL;
}

const char *http_header_find(const struct http_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(h[i].name, name))
			return h[i].value;
	return NULL;
}

const char *http_response_header(const struct http_response *r, const char *name)
{
	return http_header_find(r->headers, r->nheaders, name);
}

long http_parse_retry_after_ms(const char *v)
{
	char *end;
	long secs;
	struct tm tm;

	if (!v || !*v)
		return -1;
	secs = strtol(v, &end, 10);
	if (end != v && *end == '\0')
		return secs < 0 ? -1 : (secs > 86400 * 7 ? 86400L * 7 * 1000 : secs * 1000);
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end && *end == '\0') {
		time_t when = timegm(&tm), now = time(NULL);

		return when > now ? (long)(when - now) * 1000 : 0;
	}
	return -1;
}

int http_buf_add_escaped(struct ds_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			if (ds_buf_addch(b, (char)ch))
				return -1;
		} else if (ds_buf_addch(b, '%') || ds_buf_addch(b, hex[ch >> 4]) ||
			   ds_buf_addch(b, hex[ch & 15])) {
			return -1;
		}
	}
	return 0;
}

/* --- origins ---------------------------------------------------------------------------- */

struct origin {
	char *scheme, *host, *port;
};

static void origin_release(struct origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
	memset(o, 0, sizeof(*o));
}

static int origin_of(const char *url, struct origin *o)
{
	CURLU *u = curl_url();
	int r = -1;

	memset(o, 0, sizeof(*o));
	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		r = 0;
	curl_url_cleanup(u);
	if (r)
		origin_release(o);
	return r;
}

static int same_origin(const char *a, const char *b)
{
	struct origin x, y;
	int same = 0;

	if (origin_of(a, &x))
		return 0;
	if (!origin_of(b, &y)) {
		same = !strcasecmp(x.scheme, y.scheme) && !strcasecmp(x.host, y.host) &&
		       !strcmp(x.port, y.port);
		origin_release(&y);
	}
	origin_release(&x);
	return same;
}

int http_url_is_loopback(const char *url)
{
	struct origin o;
	struct in_addr a4;
	int yes = 0;

	if (origin_of(url, &o))
		return 0;
	/* An address, not a prefix: "127.example.com" is a name like any other. */
	if (!strcasecmp(o.host, "localhost") || !strcmp(o.host, "[::1]"))
		yes = 1;
	else if (inet_pton(AF_INET, o.host, &a4) == 1)
		yes = (ntohl(a4.s_addr) >> 24) == 127;
	origin_release(&o);
	return yes;
}

/* Resolve Location against base; NULL when it is not a usable http(s) URL. */
static char *resolve_location(const char *base, const char *location)
{
	CURLU *u = curl_url();
	char *out = NULL, *scheme = NULL, *copy;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")))
		curl_url_get(u, CURLUPART_URL, &out, 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	/* Hand back malloc'd memory, not curl's. */
	copy = out ? strdup(out) : NULL;
	curl_free(out);
	return copy;
}

/* --- one exchange ----------------------------------------------------------------------- */

struct exchange {
	struct http_response *r;
	size_t max_body;
	size_t header_bytes;
	http_sink_fn sink;
	void *sink_ctx;
	int too_big;
	int sink_failed;
};

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct exchange *x = ctx;
	struct http_response *r = x->r;
	size_t len = size * n;
	const char *colon, *v, *end;
	struct http_header *h;

	x->header_bytes += len;
	if (x->header_bytes > MAX_HEADER_BYTES)
		return 0;
	/* A new status line starts a new header block (after 100 Continue or a redirect). */
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		clear_headers(r);
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || r->nheaders >= MAX_HEADERS)
		return len;
	v = colon + 1;
	end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	h = realloc(r->headers, (r->nheaders + 1) * sizeof(*h));
	if (!h)
		return 0;
	r->headers = h;
	h[r->nheaders].name = strndup(data, (size_t)(colon - data));
	h[r->nheaders].value = strndup(v, (size_t)(end - v));
	if (!h[r->nheaders].name || !h[r->nheaders].value) {
		free(h[r->nheaders].name);
		free(h[r->nheaders].value);
		return 0;
	}
	r->nheaders++;
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct exchange *x = ctx;
	size_t len = size * n;

	if (x->sink) {
		if (x->sink(x->sink_ctx, data, len)) {
			x->sink_failed = 1;
			return 0;
		}
		return len;
	}
	if (x->r->body.len + len > x->max_body || ds_buf_add(&x->r->body, data, len)) {
		x->too_big = 1;
		return 0;
	}
	return len;
}

static enum http_fail classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_FAIL_DNS;
	case CURLE_COULDNT_CONNECT:
		return HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return HTTP_FAIL_TLS;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return HTTP_FAIL_NETWORK;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_FAIL_PROTOCOL;
	default:
		return HTTP_FAIL_OTHER;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One request/response on the wire. creds: whether credentials go along (only to the
 * request's origin). Returns 0 with r filled, or -1 with *fail and msg set.
 */
static int exchange_once(struct http_client *c, const struct http_request *req, const char *method,
			 const char *url, int with_body, int creds, struct http_response *r,
			 enum http_fail *fail, char *msg, size_t msglen)
{
	CURL *h = c->curl;
	struct curl_slist *hl = NULL;
	const char *const *hp;
	struct exchange x = {0};
	char errbuf[CURL_ERROR_SIZE] = "";
	long nconn = 0;
	CURLcode rc;

	clear_headers(r);
	ds_buf_reset(&r->body);
	r->status = 0;
	x.r = r;
	x.max_body = req->max_body ? req->max_body : c->o.max_body;
	x.sink = req->sink;
	x.sink_ctx = req->sink_ctx;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	{
		long total = req->timeout_ms > 0 ? req->timeout_ms : c->o.timeout_ms;

		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
				 c->o.connect_timeout_ms < total ? c->o.connect_timeout_ms : total);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total);
	}
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->o.user_agent);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (c->o.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
	if (c->o.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (with_body && req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (with_body && (!strcmp(method, "POST") || !strcmp(method, "PUT") ||
				 !strcmp(method, "PATCH"))) {
		/* An empty body, said explicitly, rather than libcurl reading stdin. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	for (hp = req->headers; hp && *hp; hp++) {
		if (!creds && !strncasecmp(*hp, "Authorization:", 14))
			continue;
		hl = curl_slist_append(hl, *hp);
	}
	/* No "Expect: 100-continue" round trip before bodies. */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	if (creds && req->bearer && ds_secret_is_set(req->bearer)) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, ds_secret_value(req->bearer));
	} else if (creds && req->basic_user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 req->basic_password ? ds_secret_value(req->basic_password) : "");
	}

	rc = curl_easy_perform(h);
	c->requests++;
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK && nconn > 0)
		c->connects += (unsigned long)nconn;
	curl_slist_free_all(hl);
	/* Drop the credential copies libcurl holds until the next request. */
	curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, NULL);
	curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);

	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		return 0;
	}
	if (x.too_big) {
		*fail = HTTP_FAIL_TOO_BIG;
		snprintf(msg, msglen, "response body is larger than %zu bytes", x.max_body);
	} else if (x.sink_failed) {
		*fail = HTTP_FAIL_OTHER;
		snprintf(msg, msglen, "the receiver of the response body stopped");
	} else if (x.header_bytes > MAX_HEADER_BYTES) {
		*fail = HTTP_FAIL_PROTOCOL;
		snprintf(msg, msglen, "response headers are larger than %d bytes", MAX_HEADER_BYTES);
	} else {
		*fail = classify(rc);
		snprintf(msg, msglen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	return -1;
}

static void notify(struct http_client *c, const char *method, const char *url,
		   const struct http_response *r, enum http_fail fail, const char *msg, long ms,
		   int attempt, int hop)
{
	struct http_exchange x;

	if (!c->observer)
		return;
	x.method = method;
	x.url = url;
	x.status = fail == HTTP_FAIL_NONE ? r->status : 0;
	x.fail = fail;
	x.fail_msg = fail == HTTP_FAIL_NONE ? NULL : msg;
	x.headers = r->headers;
	x.nheaders = r->nheaders;
	x.body = ds_buf_str(&r->body);
	x.body_len = r->body.len;
	x.elapsed_ms = ms;
	x.attempt = attempt;
	x.redirect = hop;
	c->observer(c->observer_ctx, &x);
}

static int is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/*
 * One attempt: the request and the redirects it leads to. Returns 0 with the final
 * response, -1 with *fail/msg.
 */
static int attempt_once(struct http_client *c, const struct http_request *req, int attempt,
			struct http_response *r, enum http_fail *fail, char *msg, size_t msglen)
{
	const char *method = req->method;
	char *url = strdup(req->url);
	int hop = 0, with_body = 1;

	r->redirects = 0;
	if (!url) {
		*fail = HTTP_FAIL_OTHER;
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	for (;;) {
		int creds = same_origin(req->url, url);
		long t0 = now_ms(), ms;
		const char *loc;
		char *next;
		int rc;

		*fail = HTTP_FAIL_NONE;
		rc = exchange_once(c, req, method, url, with_body, creds, r, fail, msg, msglen);
		ms = now_ms() - t0;
		notify(c, method, url, r, rc ? *fail : HTTP_FAIL_NONE, msg, ms, attempt, hop);
		if (rc) {
			free(url);
			return -1;
		}
		if (!is_redirect(r->status) || hop >= req->max_redirects)
			break;
		loc = http_response_header(r, "Location");
		if (!loc)
			break;
		next = resolve_location(url, loc);
		if (!next) {
			*fail = HTTP_FAIL_PROTOCOL;
			snprintf(msg, msglen, "redirect to an unusable location '%.200s'", loc);
			free(url);
			return -1;
		}
		/* 303, and 301/302 after POST, turn into GET without a body (RFC 9110 15.4). */
		if (r->status == 303 || ((r->status == 301 || r->status == 302) &&
					 !strcmp(method, "POST"))) {
			if (strcmp(method, "HEAD"))
				method = "GET";
			with_body = 0;
		}
		free(url);
		url = next;
		hop++;
		r->redirects = hop;
	}
	free(r->url);
	r->url = url;
	return 0;
}

static int should_retry(const struct http_request *req, int rc, enum http_fail fail,
			const struct http_response *r)
{
	if (rc) {
		if (fail == HTTP_FAIL_TIMEOUT)
			return !!(req->retry_on & HTTP_RETRY_TIMEOUT);
		if (fail == HTTP_FAIL_CONNECT || fail == HTTP_FAIL_NETWORK)
			return !!(req->retry_on & HTTP_RETRY_CONNECT);
		return 0;
	}
	if (r->status >= 500 && r->status <= 599)
		return !!(req->retry_on & HTTP_RETRY_5XX);
	if (r->status == 429)
		return !!(req->retry_on & HTTP_RETRY_429);
	return 0;
}

/* Full jitter: a uniform wait in [0, min(max, base * 2^n)], so clients that failed together
 * do not retry together. */
static long backoff_ms(const struct http_request *req, int n)
{
	long base = req->retry_base_ms ? req->retry_base_ms : 200;
	long max = req->retry_max_ms ? req->retry_max_ms : 5000;
	long cap = base;
	static _Thread_local unsigned seed;

	while (n-- > 0 && cap < max)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (!seed)
		seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)&seed;
	return cap / 2 + (long)(rand_r(&seed) % (unsigned)(cap / 2 + 1));
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

int http_request_perform(struct http_client *c, const struct http_request *req,
			 struct http_response *r, struct ds_error *e)
{
	int max = req->max_attempts ? req->max_attempts : (req->retry_on ? 3 : 1);
	long max_wait = req->retry_max_ms ? req->retry_max_ms : 5000;
	long t0 = now_ms();
	enum http_fail fail = HTTP_FAIL_NONE;
	char msg[CURL_ERROR_SIZE + 64] = "";
	int attempt, rc = -1;

	for (attempt = 1; attempt <= max; attempt++) {
		long wait;

		r->attempts = attempt;
		rc = attempt_once(c, req, attempt, r, &fail, msg, sizeof(msg));
		r->retry_after_ms = rc ? -1 : http_parse_retry_after_ms(http_response_header(r, "Retry-After"));
		if (attempt == max || !should_retry(req, rc, fail, r))
			break;
		wait = backoff_ms(req, attempt - 1);
		if (!rc && r->retry_after_ms >= 0) {
			/* The server said when; waiting longer than our ceiling is the caller's call. */
			if (r->retry_after_ms > max_wait)
				break;
			wait = r->retry_after_ms;
		}
		sleep_ms(wait);
	}
	r->elapsed_ms = now_ms() - t0;
	if (rc)
		return ds_error_set(e, (int)fail, "%s %s: %s", req->method, req->url, msg);
	return 0;
}
