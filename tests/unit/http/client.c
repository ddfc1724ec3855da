/*
 * Tests for lib/http/client.c against a real HTTP server (libmicrohttpd, in this process,
 * on 127.0.0.1): credentials across redirects, retries, ceilings, failure classes,
 * connection reuse.
 */
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "http/http.h"
#include "test.h"

struct server {
	struct MHD_Daemon *d;
	int port;
	atomic_int hits;       /* requests seen */
	atomic_int flaky_left; /* /flaky answers 503 this many times */
	int other_port;        /* where /to-other redirects */
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body,
			     const char *hname, const char *hval)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	if (hname)
		MHD_add_response_header(resp, hname, hval);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_size, void **state)
{
	struct server *s = cls;
	const char *auth;
	char loc[128];

	if (!*state) {
		*state = s; /* first call: headers only */
		return MHD_YES;
	}
	if (*data_size) {
		*data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&s->hits, 1);
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (!strcmp(url, "/echo-auth"))
		return reply(conn, 200, auth ? auth : "none", NULL, NULL);
	if (!strcmp(url, "/echo-method"))
		return reply(conn, 200, method, NULL, NULL);
	if (!strcmp(url, "/to-other")) {
		snprintf(loc, sizeof(loc), "http://127.0.0.1:%d/echo-auth", s->other_port);
		return reply(conn, 307, "", "Location", loc);
	}
	if (!strcmp(url, "/to-same"))
		return reply(conn, 302, "", "Location", "/echo-auth");
	if (!strcmp(url, "/see-other"))
		return reply(conn, 303, "", "Location", "/echo-method");
	if (!strcmp(url, "/loop"))
		return reply(conn, 302, "", "Location", "/loop");
	if (!strcmp(url, "/flaky")) {
		if (atomic_fetch_sub(&s->flaky_left, 1) > 0)
			return reply(conn, 503, "busy", NULL, NULL);
		return reply(conn, 200, "ok", NULL, NULL);
	}
	if (!strcmp(url, "/limited"))
		return reply(conn, 429, "slow down", "Retry-After", "3600");
	if (!strcmp(url, "/big")) {
		static char big[100000];

		memset(big, 'b', sizeof(big) - 1);
		return reply(conn, 200, big, NULL, NULL);
	}
	if (!strcmp(url, "/slow")) {
		sleep(1);
		return reply(conn, 200, "late", NULL, NULL);
	}
	return reply(conn, 404, "no such thing", NULL, NULL);
}

static void stop_server(void *p)
{
	struct server *s = p;

	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
}

static void start(struct server *s)
{
	const union MHD_DaemonInfo *info;

	memset(s, 0, sizeof(*s));
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
					MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	ASSERT_NOT_NULL(s->d);
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info->port;
	ds_test_defer(stop_server, s);
}

static char *url(struct server *s, const char *path)
{
	return ds_test_printf("http://127.0.0.1:%d%s", s->port, path);
}

struct observed {
	int n;
	char last_url[256];
	long last_status;
};

static void observe(void *ctx, const struct http_exchange *x)
{
	struct observed *o = ctx;

	o->n++;
	snprintf(o->last_url, sizeof(o->last_url), "%s", x->url);
	o->last_status = x->status;
}

TEST(http_bearer_reaches_origin_but_not_redirect_target)
{
	struct server a, b;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct ds_secret tok = DS_SECRET_INIT;
	struct http_request req = {.method = "GET", .bearer = &tok, .max_redirects = 5};

	start(&a);
	start(&b);
	a.other_port = b.port;
	ds_secret_set(&tok, "s3cret-token");
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);

	http_response_init(&r);
	req.url = url(&a, "/echo-auth");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_STR(ds_buf_str(&r.body), "Bearer s3cret-token");
	http_response_release(&r);

	/* Another port is another origin: the token must not follow the redirect. */
	http_response_init(&r);
	req.url = url(&a, "/to-other");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_INT(r.redirects, 1);
	ASSERT_EQ_STR(ds_buf_str(&r.body), "none");
	ASSERT_CONTAINS(r.url, ds_test_printf(":%d/echo-auth", b.port));
	http_response_release(&r);

	http_client_release(&c);
	ds_secret_release(&tok);
}

TEST(http_authorization_header_dropped_on_cross_origin_redirect)
{
	struct server a, b;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	const char *hdrs[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
	struct http_request req = {.method = "GET", .headers = hdrs, .max_redirects = 5};

	start(&a);
	start(&b);
	a.other_port = b.port;
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/to-same");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_STR(ds_buf_str(&r.body), "Basic dXNlcjpwYXNz");
	http_response_release(&r);
	http_response_init(&r);
	req.url = url(&a, "/to-other");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_STR(ds_buf_str(&r.body), "none");
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_303_after_post_becomes_get)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "POST", .body = "x=1", .body_len = 3,
				   .max_redirects = 2};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/see-other");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_STR(ds_buf_str(&r.body), "GET");
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_redirect_loop_stops_at_max_redirects)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET", .max_redirects = 3};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/loop");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_INT(r.status, 302);
	ASSERT_EQ_INT(r.redirects, 3);
	ASSERT_EQ_INT(atomic_load(&a.hits), 4);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_retries_5xx_then_returns_success)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct observed o = {0};
	struct http_request req = {.method = "GET", .retry_on = HTTP_RETRY_5XX, .max_attempts = 4,
				   .retry_base_ms = 5, .retry_max_ms = 20};

	start(&a);
	atomic_store(&a.flaky_left, 2);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_client_set_observer(&c, observe, &o);
	http_response_init(&r);
	req.url = url(&a, "/flaky");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_INT(r.status, 200);
	ASSERT_EQ_INT(r.attempts, 3);
	ASSERT_EQ_INT(o.n, 3);
	ASSERT_EQ_INT(c.requests, 3);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_5xx_without_retry_flag_is_returned_at_once)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET", .retry_on = HTTP_RETRY_429};

	start(&a);
	atomic_store(&a.flaky_left, 5);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/flaky");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_INT(r.status, 503);
	ASSERT_EQ_INT(r.attempts, 1);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_retry_after_beyond_ceiling_is_not_waited_for)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET", .retry_on = HTTP_RETRY_429, .max_attempts = 5,
				   .retry_max_ms = 1000};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/limited");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
	ASSERT_EQ_INT(r.status, 429);
	ASSERT_EQ_INT(r.attempts, 1);
	ASSERT_EQ_INT(r.retry_after_ms, 3600 * 1000);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_body_over_ceiling_fails_too_big)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET", .max_body = 1000};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/big");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), -1);
	ASSERT_EQ_INT(e.code, HTTP_FAIL_TOO_BIG);
	ASSERT_CONTAINS(ds_error_msg(&e), "larger than 1000 bytes");
	ASSERT_CMP_INT(r.body.len, <=, 1000);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_refused_connection_is_connect_failure)
{
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET"};
	int port = ds_test_free_port();

	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	http_response_init(&r);
	req.url = ds_test_printf("http://127.0.0.1:%d/v2/", port);
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), -1);
	ASSERT_EQ_INT(e.code, HTTP_FAIL_CONNECT);
	ASSERT_CONTAINS(ds_error_msg(&e), ds_test_printf("GET http://127.0.0.1:%d/v2/: ", port));
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_slow_server_is_timeout_failure)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_options o = {.timeout_ms = 300};
	struct http_request req = {.method = "GET"};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, &o, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/slow");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), -1);
	ASSERT_EQ_INT(e.code, HTTP_FAIL_TIMEOUT);
	http_response_release(&r);
	http_client_release(&c);
}

TEST(http_requests_to_one_host_share_one_connection)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_request req = {.method = "GET"};
	int i;

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, NULL, &e), 0);
	for (i = 0; i < 5; i++) {
		http_response_init(&r);
		req.url = url(&a, i % 2 ? "/echo-method" : "/echo-auth");
		req.method = i == 3 ? "HEAD" : "GET";
		ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), 0);
		ASSERT_EQ_INT(r.status, 200);
		if (i == 3)
			ASSERT_EQ_INT(r.body.len, 0);
		http_response_release(&r);
	}
	ASSERT_EQ_INT(c.requests, 5);
	ASSERT_EQ_INT(c.connects, 1);
	http_client_release(&c);
}

TEST(http_helpers_escape_and_detect_loopback)
{
	struct ds_buf b = DS_BUF_INIT(0);

	ASSERT_EQ_INT(http_buf_add_escaped(&b, "repository:acme/api:pull,push ~x"), 0);
	ASSERT_EQ_STR(ds_buf_str(&b), "repository%3Aacme%2Fapi%3Apull%2Cpush%20~x");
	ds_buf_release(&b);
	ASSERT(http_url_is_loopback("http://127.0.0.1:5000/v2/"));
	ASSERT(http_url_is_loopback("http://localhost/v2/"));
	ASSERT(http_url_is_loopback("http://[::1]:8080/"));
	ASSERT(!http_url_is_loopback("http://registry.example.com/v2/"));
	ASSERT(!http_url_is_loopback("http://127.example.com/"));
	ASSERT_EQ_INT(http_parse_retry_after_ms("120"), 120000);
	ASSERT_EQ_INT(http_parse_retry_after_ms("soon"), -1);
}

TEST(http_request_timeout_overrides_client_timeout)
{
	struct server a;
	struct http_client c;
	struct http_response r;
	struct ds_error e = DS_ERROR_INIT;
	struct http_options o = {.timeout_ms = 30000};
	struct http_request req = {.method = "GET", .timeout_ms = 300};

	start(&a);
	ASSERT_EQ_INT(http_client_init(&c, &o, &e), 0);
	http_response_init(&r);
	req.url = url(&a, "/slow");
	ASSERT_EQ_INT(http_request_perform(&c, &req, &r, &e), -1);
	/* /slow answers after 1 s: only the request's 300 ms can have cut it short. */
	ASSERT_EQ_INT(e.code, HTTP_FAIL_TIMEOUT);
	http_response_release(&r);
	http_client_release(&c);
}
