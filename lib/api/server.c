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
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/query.h"

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

struct stream_ctx;

struct conn_req {
	struct api_server *srv;
	struct MHD_Connection *conn;
	enum phase phase;
	struct ds_buf body;
	size_t discarded;
	int too_big;
	size_t bytes_out;
	struct stream_ctx *stream; /* a streamed answer, owned by its MHD response */
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
	cr->stream = NULL;
	ds_buf_init(&cr->body, (size_t)s->ctx.cfg.body_limit);
	api__req_init(&cr->req, &s->ctx);
	atomic_fetch_add(&s->ctx.in_flight, 1);
	return cr;
}

/* The peer's address as text; IPv4-mapped IPv6 addresses as plain IPv4. */
static void peer_address(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	out[0] = '\0';
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)n);
		else
			inet_ntop(AF_INET6, a, out, (socklen_t)n);
	}
}

/* Behind a trusted proxy: the last X-Forwarded-For entry (the one the proxy added), when it
 * looks like an address. */
static void forwarded_client(const char *xff, char *out, size_t n)
{
	const char *last = strrchr(xff, ','), *p;
	size_t len;

	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	len = strlen(last);
	while (len && (last[len - 1] == ' ' || last[len - 1] == '\t'))
		len--;
	if (!len || len >= n)
		return;
	for (p = last; p < last + len; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
		      *p == '.' || *p == ':'))
			return;
	memcpy(out, last, len);
	out[len] = '\0';
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
	r->accept = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	r->authorization = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	r->origin = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND, "Origin");
	r->acr_method = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND,
						    "Access-Control-Request-Method");
	r->forwarded_for = MHD_lookup_connection_value(cr->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	peer_address(cr->conn, r->client, sizeof(r->client));
	if (cr->srv->ctx.cfg.trust_proxy && r->forwarded_for)
		forwarded_client(r->forwarded_for, r->client, sizeof(r->client));
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

/* --- streamed query results ------------------------------------------------------------ */

/*
 * A query's output after its head: MHD asks for the next block when the socket can take
 * it (chunked transfer); the stream hands over what the pool has rendered. When nothing
 * is there yet, the connection is suspended (under the stream's lock, so the pool's
 * notification cannot come first) and resumed by that notification. A failure after output
 * began ends the body with the format's error record and then the connection is closed
 * without the last chunk, so that no client can take a cut result for a whole one.
 */
struct stream_ctx {
	struct api_server *srv;
	struct MHD_Connection *conn;
	struct db_stream *s;
	struct conn_req *cr;      /* for the log line's byte count; gone after on_completed */
	int format;
	char request_id[API_REQUEST_ID_MAX + 1];
	struct ds_buf tail;       /* the error record */
	size_t tail_off;
	int failed;
	int cut;                  /* shutting down: end the stream instead of waiting */
	atomic_int parked;        /* suspended by stream_park, not yet resumed */
};

/* Count first, then look at closing (api_server_stop sets closing, then waits for the
 * count to reach 0): either this sees closing, or the stop sees the count. libmicrohttpd
 * aborts in MHD_stop_daemon when a connection is still suspended. */
static void stream_park(void *arg)
{
	struct stream_ctx *sc = arg;

	atomic_fetch_add(&sc->srv->ctx.suspended, 1);
	if (atomic_load(&sc->srv->ctx.closing)) {
		atomic_fetch_sub(&sc->srv->ctx.suspended, 1);
		sc->cut = 1;
		return;
	}
	atomic_store(&sc->parked, 1);
	MHD_suspend_connection(sc->conn);
}

static void stream_wake(void *arg)
{
	struct stream_ctx *sc = arg;

	if (!atomic_exchange(&sc->parked, 0))
		return;
	MHD_resume_connection(sc->conn);
	atomic_fetch_sub(&sc->srv->ctx.suspended, 1);
}

static void cut_now(struct stream_ctx *sc)
{
	/* With MHD_USE_TURBO, libmicrohttpd closes the socket of a connection it gave up on
	 * only when its worker next wakes (up to the idle timeout later), and the client waits
	 * that long for the end of the body. Say it now. */
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(sc->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	if (ci)
		shutdown(ci->connect_fd, SHUT_WR);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *sc = cls;
	struct ds_error e = DS_ERROR_INIT;
	size_t got = 0;

	if (sc->failed) {
		if (sc->tail_off < sc->tail.len) {
			got = sc->tail.len - sc->tail_off < max ? sc->tail.len - sc->tail_off : max;
			memcpy(buf, sc->tail.data + sc->tail_off, got);
			sc->tail_off += got;
			goto out;
		}
		cut_now(sc);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	switch (db_stream_read(sc->s, buf, max, &got, stream_park, sc, &e)) {
	case DB_STREAM_DATA:
		goto out;
	case DB_STREAM_WAIT:
		if (sc->cut) {
			/* The server is stopping and this stream would wait: end it here. */
			cut_now(sc);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		return 0;
	case DB_STREAM_END:
		return MHD_CONTENT_READER_END_OF_STREAM;
	case DB_STREAM_FAILED:
		break;
	}
	sc->failed = 1;
	api__query_tail(&sc->srv->ctx, sc->format, &e, sc->request_id, &sc->tail);
	if (sc->cr)
		sc->cr->req.problem = (int)api__query_problem(e.code);
	{
		struct ds_log_line l;

		if (ds_log_begin(&l, DS_LOG_WARN, "api", "query failed after its output began")) {
			ds_log_str(&l, "request_id", sc->request_id);
			ds_log_str(&l, "problem", api_problem_code(api__query_problem(e.code)));
			ds_log_str(&l, "detail", ds_error_msg(&e));
			ds_log_end(&l);
		}
	}
	return stream_read(cls, pos, buf, max);
out:
	if (sc->cr)
		sc->cr->bytes_out += got;
	return (ssize_t)got;
}

static void stream_free(void *cls)
{
	struct stream_ctx *sc = cls;

	db_stream_close(sc->s);
	ds_buf_release(&sc->tail);
	free(sc);
}

/* A query's answer: drained into a plain body when it is all there already (small
 * results get a Content-Length), else a chunked stream. NULL: no memory. */
static struct MHD_Response *query_response(struct conn_req *cr)
{
	struct api_req *r = &cr->req;
	struct MHD_Response *resp;
	struct stream_ctx *sc;

	if (db_stream_complete(r->stream)) {
		struct ds_buf body = DS_BUF_INIT(0);
		struct ds_error e = DS_ERROR_INIT;
		char buf[16384];
		size_t got;
		char *data;

		while (db_stream_read(r->stream, buf, sizeof(buf), &got, NULL, NULL, &e) == DB_STREAM_DATA)
			if (ds_buf_add(&body, buf, got))
				break;
		db_stream_close(r->stream);
		r->stream = NULL;
		data = ds_buf_detach(&body, &got);
		if (!data)
			return NULL;
		resp = MHD_create_response_from_buffer(got, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
		cr->bytes_out = got;
		return resp;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->srv = cr->srv;
	sc->conn = cr->conn;
	sc->s = r->stream;
	sc->cr = cr;
	sc->format = r->format;
	memcpy(sc->request_id, r->request_id, sizeof(sc->request_id));
	ds_buf_init(&sc->tail, 0);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, sc,
						 stream_free);
	if (!resp) {
		free(sc);
		return NULL;
	}
	/* The response owns the stream now; its free callback closes it. */
	r->stream = NULL;
	cr->stream = sc;
	db_stream_set_notify(sc->s, stream_wake, sc);
	return resp;
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
	if (r->stream && r->status == 200) {
		resp = query_response(cr);
		if (!resp)
			return MHD_NO;
		len = cr->bytes_out;
	} else {
		data = ds_buf_detach(&r->resp, &len);
		if (!data)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(data);
			return MHD_NO;
		}
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
	struct api_ctx *ctx = &cr->srv->ctx;

	/* Resume first: the stop waits for the count, and must not run before libmicrohttpd
	 * knows of the resume. cr may be freed as soon as the connection is resumed (its
	 * worker answers and completes it): nothing of it is touched after. */
	MHD_resume_connection(cr->conn);
	atomic_fetch_sub(&ctx->suspended, 1);
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
	atomic_fetch_add(&cr->srv->ctx.suspended, 1);
	if (atomic_load(&cr->srv->ctx.closing)) {
		/* Past the drain: nothing may be suspended any more (see stream_park). */
		atomic_fetch_sub(&cr->srv->ctx.suspended, 1);
		api__problem(r, API_PROBLEM_UNAVAILABLE, NULL, "the server is shutting down");
		return respond(cr);
	}
	cr->phase = PH_WAIT;
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
			ds_log_str(&l, "client", r->client[0] ? r->client : NULL);
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
	/* The response (and its stream) may outlive this: it must not count bytes into cr. */
	if (cr->stream)
		cr->stream->cr = NULL;
	atomic_fetch_sub(&s->ctx.in_flight, 1);
	ds_buf_release(&cr->body);
	api__req_release(r);
	free(cr);
	*con_cls = NULL;
}

/* libmicrohttpd hands its own format strings; the attribute tells compilers so (clang's
 * -Wformat-nonliteral refuses the vsnprintf otherwise). */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
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
	/* A suspended request waits only for the writer or the query pool, which always
	 * answer (a query's deadline bounds it); MHD must not be stopped while one is parked
	 * (libmicrohttpd aborts). closing keeps anything from being suspended from now on. */
	atomic_store(&s->ctx.closing, 1);
	while (atomic_load(&s->ctx.suspended) > 0)
		nap_ms(5);
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	rc = api__ctx_release(&s->ctx, 1, e);
	free(s);
	return rc;
}
