/*
 * http/http.h - the HTTP client that registry/ and koyeb/ share, over libcurl.
 *
 * One struct http_client owns one libcurl easy handle for its whole life, so every request
 * to a host it has already talked to reuses the open connection (and its TLS session):
 * a registry check is one TLS handshake per host, not one per request.
 *
 * What the client decides, so that no caller gets it wrong:
 *   - Redirects are followed here, not by libcurl, and credentials (Bearer, Basic, and any
 *     Authorization header) are sent only to the origin (scheme, host, port) of the
 *     request's URL: a registry that redirects a blob to object storage never sees the
 *     storage host receive the registry token.
 *   - Timeouts on connect and on the whole exchange; a response body has a ceiling, and
 *     passing it is an error (HTTP_FAIL_TOO_BIG), not an out-of-memory.
 *   - Retries with exponential backoff and full jitter, only for the failures the request
 *     names (5xx, 429, timeouts, refused connections), honouring Retry-After up to the
 *     request's ceiling.
 *   - Each exchange (including retries and redirect hops) is reported to an optional
 *     observer with method, URL, status, the response headers and timing, never the
 *     request's credentials: the evidence a diagnosis is built from.
 *
 * It does not parse bodies or know any API: registry/ and koyeb/ do.
 */
#ifndef DS_HTTP_HTTP_H
#define DS_HTTP_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/secret.h"

/* Why an exchange produced no HTTP response; travels as struct ds_error's code. */
enum http_fail {
	HTTP_FAIL_NONE = 0,
	HTTP_FAIL_DNS,      /* the host name did not resolve */
	HTTP_FAIL_CONNECT,  /* refused or unreachable */
	HTTP_FAIL_TIMEOUT,  /* connect or total timeout */
	HTTP_FAIL_TLS,      /* handshake failed or the certificate was not trusted */
	HTTP_FAIL_NETWORK,  /* connection reset, empty reply, send/receive error */
	HTTP_FAIL_PROTOCOL, /* malformed URL or reply, too many redirects */
	HTTP_FAIL_TOO_BIG,  /* response body over the ceiling */
	HTTP_FAIL_OTHER,
};

const char *http_fail_name(enum http_fail f); /* "dns", "connect", ... */

struct http_options {
	long connect_timeout_ms; /* 0: 5000 */
	long timeout_ms;         /* whole exchange; 0: 30000 */
	const char *ca_file;     /* PEM bundle to trust instead of the system store */
	int insecure;            /* do not verify TLS certificates */
	const char *user_agent;  /* 0: "duckdb-spawn/<version>" */
	size_t max_body;         /* default response ceiling; 0: 8 MiB */
};

struct http_header {
	char *name;
	char *value;
};

/* One exchange as the observer sees it. Everything is borrowed for the call only. */
struct http_exchange {
	const char *method;
	const char *url;
	long status; /* 0 when no response */
	enum http_fail fail;
	const char *fail_msg; /* libcurl's words when fail != NONE */
	const struct http_header *headers; /* response headers */
	size_t nheaders;
	const char *body; /* response body (may be truncated at the ceiling), NUL-terminated */
	size_t body_len;
	long elapsed_ms;
	int attempt;  /* 1 for the first try */
	int redirect; /* 0 for the request's own URL, n for the nth hop */
};

typedef void (*http_observer_fn)(void *ctx, const struct http_exchange *x);

struct http_client {
	void *curl; /* CURL *, kept for connection reuse */
	struct http_options o;
	char *ca_file;
	char *user_agent;
	http_observer_fn observer;
	void *observer_ctx;
	/* Counters, for benchmarks and for "no more requests than the verdict needs". */
	unsigned long requests; /* exchanges sent, retries and redirect hops included */
	unsigned long connects; /* new TCP connections */
};

enum http_retry_on {
	HTTP_RETRY_5XX = 1 << 0,
	HTTP_RETRY_429 = 1 << 1,
	HTTP_RETRY_TIMEOUT = 1 << 2,
	HTTP_RETRY_CONNECT = 1 << 3, /* refused, reset, empty reply */
};

/* Streamed body receiver: return 0 to continue, -1 to abort (HTTP_FAIL_OTHER). */
typedef int (*http_sink_fn)(void *ctx, const void *data, size_t n);

struct http_request {
	const char *method; /* GET HEAD POST PUT PATCH DELETE */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value", may be NULL */
	const void *body;           /* NULL: no body */
	size_t body_len;
	/* Credentials, sent only to the origin of url (never after a cross-origin redirect). */
	const struct ds_secret *bearer;
	const char *basic_user;
	const struct ds_secret *basic_password;
	int max_redirects; /* 0: do not follow */
	size_t max_body;   /* 0: the client's default */
	http_sink_fn sink; /* when set, the body goes here and not into the response */
	void *sink_ctx;
	unsigned retry_on;    /* enum http_retry_on bits; 0: no retries */
	int max_attempts;     /* including the first; 0: 3 when retry_on is set */
	long retry_base_ms;   /* 0: 200 */
	long retry_max_ms;    /* longest single wait, Retry-After included; 0: 5000 */
	/* This request's limit on each exchange, connect included; 0: the client's timeout_ms.
	 * A caller with a deadline of its own passes what is left of it. */
	long timeout_ms;
};

struct http_response {
	long status;
	struct http_header *headers;
	size_t nheaders;
	struct ds_buf body;
	char *url; /* the URL that answered (after redirects) */
	int attempts;
	int redirects;
	long elapsed_ms;
	long retry_after_ms; /* from the last response's Retry-After, -1 when absent */
};

void http_global_init(void);

/* Copies what it keeps from o (o may be NULL for defaults). */
int http_client_init(struct http_client *c, const struct http_options *o, struct ds_error *e);
void http_client_release(struct http_client *c);
void http_client_set_observer(struct http_client *c, http_observer_fn fn, void *ctx);

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/*
 * Perform req. Returns 0 when an HTTP response arrived, whatever its status (after the
 * retries req allows: the last response is kept); -1 when none did, with e->code an enum
 * http_fail and e->msg naming method and URL ("GET https://r.example/v2/: could not resolve
 * host 'r.example'"). r is filled either way as far as it got; release it in both cases.
 */
int http_request_perform(struct http_client *c, const struct http_request *req,
			 struct http_response *r, struct ds_error *e);

/* First header called name (case-insensitive), or NULL. */
const char *http_response_header(const struct http_response *r, const char *name);
const char *http_header_find(const struct http_header *h, size_t n, const char *name);

/* Retry-After: delta-seconds or an HTTP date; -1 when absent or unreadable. */
long http_parse_retry_after_ms(const char *value);

/* Percent-encode s for a query value or path segment (RFC 3986 unreserved kept). */
int http_buf_add_escaped(struct ds_buf *b, const char *s);

/* Whether url's host is a loopback name or address (localhost, 127.0.0.0/8, ::1). */
int http_url_is_loopback(const char *url);

#endif
