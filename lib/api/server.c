/*
 * api/server.c - libmicrohttpd glue: the socket, limits, the request life cycle, drain.
 *
 * Threads: MHD runs a pool of worker threads, each with its own epoll set; a worker runs a
 * request's handler to the end, including its DuckDB query, on its own DuckDB connection.
 * Writes are handed to the group-commit writer and the MHD connection is suspended
 * meanwhile, so a worker never sleeps on a commit: it serves other connections and the
 * writer resumes this one when the batch holding its write is durable.
 *
 * A request's life, in MHD's callbacks:
 *   uri_log      the request line arrived: allocate the request, start its clock;
 *   on_request   (1) headers: route, early checks (404/405/415/413 from Content-Length);
 *                (2..n) body pieces, collected under the body ceiling;
 *                (last) dispatch; a write suspends the connection;
 *                (after resume) queue the response the writer thread prepared;
 *   respond      queue the response and count it in the metrics;
 *   on_completed the response is sent or the connection died: one log line, free.
 *
 * Limits that keep one client from pinning the server: a connection cap, an idle timeout
 * (MHD's, in whole seconds), a per-connection memory pool that bounds the header block
 * (beyond it MHD answers 431 by itself), the body ceiling (413; a chunked body that keeps
 * coming after the ceiling gets its connection closed), and an arena ceiling per request.
 */
#include "api/internal.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

/* The header block must fit the connection's memory pool with room to spare for MHD's
 * own buffers; 32 KiB allows ~24 KiB of headers. */
#define CONNECTION_MEMORY (32 * 1024)
/* A chunked body past the ceiling is read and dropped up to this much before the
 * connection is closed (MHD cannot answer in the middle of a body). */
#define DISCARD_MAX (8 * 1024 * 1024)

struct api_server {
	struct api_ctx ctx;
	struct MHD_Daemon *d;
	int listen_fd;
	int port;
};

enum phase { PH_HEADERS, PH_BODY, PH_WAIT, PH_DONE };

struct conn_req {
	struct api_server *srv;
	struct MHD_Connection *conn;
	enum phase phase;
	struct ds_buf body;
	size_t discarded;
	int too_big;
	size_t bytes_out;
	struct api_req req; /* last: it ends with the arena's inline block */
};

/* --- MHD -> request ---------------------------------------------------------------------- */

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct api_req *r = cls;

	if (r->nquery == API_MAX_QUERY) {
		r->query_overflow = 1;
		return MHD_NO;
	}
	r->query[r->nquery].key = key;
	r->query[r->nquery].value = value;
	r->nquery++;
	return MHD_YES;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct api_server *s = cls;
	struct conn_req *cr = malloc(sizeof(*cr));

	if (!cr)
		return NULL;
	cr->srv = s;
	cr->conn = conn;
	cr->phase = PH_HEADERS;
	cr->discarded = 0;
	cr->too_big = 0;
	cr->bytes_out = 0;
	ds_buf_init(&cr->body, (size_t)s->ctx.cfg.body_limit);
	api__req_init(&cr->req, &s->ctx);
	atomic_fetch_add(&s->ctx.in_flight, 1);
	return cr;
}

static void fill_request(struct conn_req *cr, const char *url, const char *method)
{
	struct api_req *r = &cr->req;
	const char *v;

	r->method = api_method_parse(method);
	r->path = url;
	api__req_set_id(r, MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND, "X-Request-Id"));
	r->content_type = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	v = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		/* MHD has already refused a malformed Content-Length; be safe anyway. */
		r->content_length = (errno || *end || n < 0) ? -1 : n;
	}
	MHD_get_connection_values(cr->conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
}

/* --- request -> MHD ---------------------------------------------------------------------- */

static enum MHD_Result respond(struct conn_req *cr)
{
	struct api_req *r = &cr->req;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len, i;
	char *data;

	if (!r->status)
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "the handler gave no response");
	data = ds_buf_detach(&r->resp, &len);
	if (!data)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	if (r->resp_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].key, r->headers[i].value);
	if (atomic_load(&cr->srv->ctx.draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(cr->conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	cr->bytes_out = len;
	cr->phase = PH_DONE;
	/* Counted when the answer is decided and queued, not when MHD reports completion:
	 * a client that reads its response and asks /metrics at once must find its request
	 * counted. The log line (on_completed) has the full duration, sending included. */
	api_metrics_observe(&cr->srv->ctx.metrics, r->route, r->method, r->status,
			    ds_clock_mono_ns() - r->start_ns);
	return ret;
}

static void resume(struct api_req *r)
{
	struct conn_req *cr = r->resume_arg;

	atomic_fetch_sub(&cr->srv->ctx.suspended, 1);
	MHD_resume_connection(cr->conn);
}

static enum MHD_Result dispatch(struct conn_req *cr)
{
	struct api_req *r = &cr->req;

	if (api__dispatch(r) == API_DONE)
		return respond(cr);
	/* A write: park the connection, then hand the job over. The writer may finish and
	 * resume before this function returns; MHD handles that order (the resume is
	 * processed once the handler has returned). */
	r->resume = resume;
	r->resume_arg = cr;
	cr->phase = PH_WAIT;
	atomic_fetch_add(&cr->srv->ctx.suspended, 1);
	MHD_suspend_connection(cr->conn);
	if (api__submit(r)) {
		/* Refused (shutting down): r holds a 503; send it at once. */
		resume(r);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct conn_req *cr = *con_cls;
	struct api_req *r;

	if (!cr) {
		/* uri_log failed to allocate: no memory to answer with either. */
		return MHD_NO;
	}
	r = &cr->req;
	switch (cr->phase) {
	case PH_HEADERS:
		cr->conn = conn;
		fill_request(cr, url, method);
		if (api__precheck(r))
			return respond(cr);
		/* Even without a body, answer on the next call: a response queued in this
		 * first call makes MHD close the connection (it cannot know that no body
		 * follows), which would cost every keep-alive client a reconnect. */
		cr->phase = PH_BODY;
		return MHD_YES;
	case PH_BODY:
		if (*upload_size) {
			if (!cr->too_big && ds_buf_add(&cr->body, upload, *upload_size))
				cr->too_big = 1;
			if (cr->too_big) {
				cr->discarded += *upload_size;
				if (cr->discarded > DISCARD_MAX)
					return MHD_NO;
			}
			*upload_size = 0;
			return MHD_YES;
		}
		if (cr->too_big) {
			api__problem(r, API_PROBLEM_PAYLOAD_TOO_LARGE, NULL,
				     "the body is larger than the limit of %lld bytes",
				     cr->srv->ctx.cfg.body_limit);
			return respond(cr);
		}
		r->body = ds_buf_str(&cr->body);
		r->body_len = cr->body.len;
		return dispatch(cr);
	case PH_WAIT:
		return respond(cr);
	case PH_DONE:
		break;
	}
	return MHD_YES;
}

static const char *termination(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "ok";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read-error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client-abort";
	}
	return "unknown";
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct api_server *s = cls;
	struct conn_req *cr = *con_cls;
	struct api_req *r;
	int64_t dur;
	struct ds_log_line l;

	if (!cr)
		return;
	r = &cr->req;
	dur = ds_clock_mono_ns() - r->start_ns;
	if (cr->phase == PH_DONE) {
		if (ds_log_begin(&l, r->status >= 500 ? DS_LOG_ERROR : DS_LOG_INFO, "api", "request")) {
			ds_log_str(&l, "request_id", r->request_id);
			ds_log_str(&l, "method", r->method == API_OTHER ? "OTHER" : api_method_name(r->method));
			ds_log_str(&l, "route", r->route >= 0 ? api__routes[r->route].tmpl : "unmatched");
			ds_log_strn(&l, "path", r->path ? r->path : "", r->path ? strlen(r->path) : 0);
			ds_log_int(&l, "status", r->status);
			ds_log_dbl(&l, "duration_ms", (double)dur / 1e6);
			ds_log_int(&l, "bytes", (long long)cr->bytes_out);
			if (r->problem >= 0)
				ds_log_str(&l, "problem", api_problem_code((enum api_problem)r->problem));
			if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
				ds_log_str(&l, "termination", termination(toe));
			ds_log_end(&l);
		}
	} else if (ds_log_begin(&l, DS_LOG_WARN, "api", "request ended without a response")) {
		/* The client went away mid-request, timed out, or MHD refused the request
		 * itself (a header block over the limit gets 431 from MHD). */
		ds_log_str(&l, "request_id", r->request_id[0] ? r->request_id : NULL);
		ds_log_str(&l, "termination", termination(toe));
		ds_log_dbl(&l, "duration_ms", (double)dur / 1e6);
		ds_log_end(&l);
	}
	atomic_fetch_sub(&s->ctx.in_flight, 1);
	ds_buf_release(&cr->body);
	api__req_release(r);
	free(cr);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	ds_log(DS_LOG_WARN, "mhd", "%s", msg);
}

/* --- life cycle -------------------------------------------------------------------------- */

static int listen_on(const char *host, long port, int *out_port, struct ds_error *e)
{
	struct addrinfo hints, *res, *ai;
	char service[16];
	int fd = -1, rc, one = 1, err = 0;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%ld", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc)
		return ds_error_set(e, 0, "address '%s': %s", host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, SOMAXCONN))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ds_error_errno(e, err, "listen on %s:%ld", host, port);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		*out_port = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
						     : ntohs(((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

int api_server_start(struct api_server **out, const struct api_config *c, struct ds_error *e)
{
	struct api_server *s = calloc(1, sizeof(*s));
	unsigned int timeout_s;

	*out = NULL;
	if (!s)
		return ds_error_set(e, 0, "out of memory");
	if (api__ctx_init(&s->ctx, c, e)) {
		free(s);
		return -1;
	}
	s->port = (int)c->port;
	s->listen_fd = listen_on(c->host, c->port, &s->port, e);
	if (s->listen_fd < 0) {
		api__ctx_release(&s->ctx, 0, NULL);
		free(s);
		return -1;
	}
	timeout_s = (unsigned int)((c->idle_timeout_ms + 999) / 1000);
	s->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			MHD_USE_ERROR_LOG | MHD_USE_TURBO,
		0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->workers, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)c->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (!s->d) {
		ds_error_set(e, 0, "libmicrohttpd did not start (see the log line before this one)");
		close(s->listen_fd);
		api__ctx_release(&s->ctx, 0, NULL);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int api_server_port(const struct api_server *s)
{
	return s->port;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int api_server_stop(struct api_server *s, struct ds_error *e)
{
	int64_t deadline;
	MHD_socket fd;
	long left;
	int rc;

	if (!s)
		return 0;
	atomic_store(&s->ctx.draining, 1);
	fd = MHD_quiesce_daemon(s->d);
	deadline = ds_clock_mono_ns() + (int64_t)s->ctx.cfg.drain_timeout_ms * 1000000;
	while ((left = atomic_load(&s->ctx.in_flight)) > 0 && ds_clock_mono_ns() < deadline)
		nap_ms(5);
	if (left > 0)
		ds_log(DS_LOG_WARN, "api", "drain timeout: closing %ld request(s) still in flight", left);
	/* A suspended request waits only for the writer, which always answers; MHD must not
	 * be stopped while one is parked (it would never be resumed). */
	while (atomic_load(&s->ctx.suspended) > 0)
		nap_ms(5);
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	rc = api__ctx_release(&s->ctx, 1, e);
	free(s);
	return rc;
}
