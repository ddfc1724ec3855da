/*
 * `duckdb-spawn health`, the container health probe, against a real HTTP server in this
 * process (libmicrohttpd on 127.0.0.1) that answers what each test scripts.
 */
#include <microhttpd.h>
#include <stdio.h>

#include "harness.h"
#include "test.h"

static unsigned answer_status;

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	const char *body = answer_status == 200 ? "{\"status\":\"healthy\"}" : "{\"status\":\"down\"}";
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (strcmp(url, "/health"))
		body = "not here";
	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(conn, strcmp(url, "/health") ? 404 : answer_status, r);
	MHD_destroy_response(r);
	return rc;
}

static void stop(void *d)
{
	MHD_stop_daemon(d);
}

static int serve(unsigned status)
{
	struct MHD_Daemon *d;

	answer_status = status;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_END);
	ASSERT_NOT_NULL(d);
	ds_test_defer(stop, d);
	return MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
}

TEST(health_exits_0_when_server_answers_200)
{
	struct ds_run r;
	char *port = ds_test_printf("%d", serve(200));
	const char *argv[] = {ds_test_bin(), "health", NULL};
	const char *env[] = {ds_test_printf("PORT=%s", port), NULL};

	ds_run(&r, argv, env, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, ds_test_printf("GET http://127.0.0.1:%s/health -> 200", port));
}

TEST(health_exits_1_with_status_when_unhealthy)
{
	struct ds_run r;
	int port = serve(503);
	const char *argv[] = {ds_test_bin(), "health", "--port", ds_test_printf("%d", port), NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "503");
	ASSERT_CONTAINS(r.err, "down");
}

TEST(health_exits_1_when_nothing_listens)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "health", "--url",
			      ds_test_printf("http://127.0.0.1:%d/health", ds_test_free_port()),
			      "--timeout", "2s", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "error: GET http://127.0.0.1:");
}

TEST(health_bad_port_env_is_reported)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "health", NULL};
	const char *env[] = {"PORT=eighty", NULL};

	ds_run(&r, argv, env, NULL, 10000);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "PORT: 'eighty' is not a number");
}
