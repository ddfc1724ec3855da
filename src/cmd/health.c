/*
 * cmd/health.c - `duckdb-spawn health`: probe a running server's /health.
 *
 * The container health check (Dockerfile HEALTHCHECK, the image config's Healthcheck)
 * runs this inside the image, which has no curl: exit 0 when the server answers 200
 * within the timeout, 1 otherwise with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "http/http.h"

int cmd_health(int argc, const char **argv)
{
	const char *url = NULL, *env_port = getenv("PORT");
	long port = 8000, timeout_ms = 3000;
	struct http_options ho = {0};
	struct http_client c;
	struct http_response r;
	struct http_request req = {.method = "GET"};
	struct ds_error e = DS_ERROR_INIT;
	char buf[128];
	int code;
	const struct ds_option opts[] = {
		DS_OPT_INT('p', "port", &port, 1, 65535, "port on 127.0.0.1 (default: $PORT or 8000)"),
		DS_OPT_STRING(0, "url", &url, "URL", "probe this URL instead"),
		DS_OPT_DURATION(0, "timeout", &timeout_ms, "give up after this long (default 3s)"),
		DS_OPT_END(),
	};

	if (env_port && ds_parse_long(env_port, 1, 65535, &port, &e))
		return cmd_error("PORT: %s", ds_error_msg(&e));
	if (cmd_parse(argc, argv, opts, "health", "[--port=N | --url=URL] [--timeout=DURATION]",
		      &code) < 0)
		return code;
	if (!url) {
		snprintf(buf, sizeof(buf), "http://127.0.0.1:%ld/health", port);
		url = buf;
	}
	ho.timeout_ms = timeout_ms;
	ho.connect_timeout_ms = timeout_ms;
	if (http_client_init(&c, &ho, &e))
		return cmd_error("%s", ds_error_msg(&e));
	http_response_init(&r);
	req.url = url;
	if (http_request_perform(&c, &req, &r, &e)) {
		code = cmd_error("%s", ds_error_msg(&e));
	} else if (r.status != 200) {
		code = cmd_error("GET %s: %ld %.200s", url, r.status, ds_buf_str(&r.body));
	} else {
		printf("healthy: GET %s -> 200\n", url);
		code = EXIT_OK;
	}
	http_response_release(&r);
	http_client_release(&c);
	return code;
}
