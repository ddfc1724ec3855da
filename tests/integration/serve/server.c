/* integration/serve/server.c - see server.h. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static int read_port(struct srv *s, int timeout_ms)
{
	struct timespec nap = {0, 10 * 1000 * 1000};
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		const char *out = ds_proc_stdout(&s->p), *l = strstr(out, "\"msg\":\"listening\"");

		if (l) {
			const char *p = strstr(l, "\"port\":");

			if (p)
				return (int)strtol(p + 7, NULL, 10);
		}
		if (ds_proc_wait(&s->p, 0) == 0)
			FAIL("serve exited (status %d) before listening; stderr:\n%.4000s\nstdout:\n%.4000s",
			     s->p.status, ds_proc_stderr(&s->p), ds_proc_stdout(&s->p));
		nanosleep(&nap, NULL);
	}
	FAIL("serve did not log 'listening' within %d ms; stdout:\n%.4000s", timeout_ms,
	     ds_proc_stdout(&s->p));
}

void srv_start(struct srv *s, const char *db, const char *const *args, const char *const *env)
{
	const char *argv[40];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->db = db ? db : ds_test_path(ds_test_tmpdir(), "serve.db");
	argv[n++] = ds_test_bin();
	argv[n++] = "serve";
	argv[n++] = "--host";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--database";
	argv[n++] = s->db;
	/* Small enough for a test box, and an idle timeout short enough for the slow-client
	 * tests; a test's own args come later and win. */
	argv[n++] = "--memory-limit";
	argv[n++] = "128MiB";
	while (args && *args && n < 38)
		argv[n++] = *args++;
	argv[n] = NULL;
	ds_proc_start(&s->p, argv, env, NULL);
	s->port = read_port(s, 10000);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	ds_http_wait_ok(srv_url(s, "/health"), &s->p, 10000);
}

void srv_stop_ok(struct srv *s)
{
	ds_proc_signal(&s->p, SIGTERM);
	if (ds_proc_wait(&s->p, 15000))
		FAIL("serve did not exit within 15 s of SIGTERM");
	ds_proc_assert_exit(&s->p, 0);
}

const char *srv_url(const struct srv *s, const char *path)
{
	return ds_test_printf("%s%s", s->base, path);
}

const char *srv_create(const struct srv *s, const char *name, const char *amount)
{
	static const char *const h[] = {"Content-Type: application/json", NULL};
	struct ds_http_resp r;
	const char *body = ds_test_printf("{\"project_name\":\"%s\",\"total_amount\":%s,"
					  "\"maturity_years\":10,\"expected_tri\":7.25,\"dscr\":1.40}",
					  name, amount);
	const char *loc;

	ds_http(&r, "POST", srv_url(s, "/ops/projects"), h, body, strlen(body), 10000);
	if (r.status != 201)
		FAIL("POST: %ld %s %s", r.status, r.error, r.body);
	loc = ds_http_header(&r, "Location");
	ASSERT_NOT_NULL(loc);
	return loc + strlen("/ops/projects/");
}

int raw_connect(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		FAIL("socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		FAIL("connect 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

int raw_send(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *raw_read(int fd, int timeout_ms, size_t max, int *eof)
{
	struct ds_buf b = DS_BUF_INIT(0);
	char chunk[4096];
	char *out;

	*eof = 0;
	while (b.len < max) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;
		int r = poll(&p, 1, timeout_ms);

		if (r <= 0)
			break;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0) {
			*eof = 1;
			break;
		}
		ds_buf_add(&b, chunk, (size_t)n);
	}
	out = ds_test_strdup(ds_buf_str(&b));
	ds_buf_release(&b);
	return out;
}

int raw_status(const char *resp)
{
	if (strncmp(resp, "HTTP/1.", 7) || strlen(resp) < 12)
		return 0;
	return (int)strtol(resp + 9, NULL, 10);
}

/* Parsed documents live until the test ends; one cleanup frees them all (the harness has a
 * small fixed number of cleanup slots). */
static json_t *docs;

static void free_docs(void *unused)
{
	json_decref(docs);
	docs = NULL;
}

json_t *srv_json(const char *body)
{
	json_error_t err;
	json_t *j = json_loads(body, JSON_DECODE_ANY, &err);

	if (!j)
		FAIL("not JSON (%s): %.2000s", err.text, body);
	if (!docs) {
		docs = json_array();
		ds_test_defer(free_docs, NULL);
	}
	json_array_append_new(docs, j);
	return j;
}
