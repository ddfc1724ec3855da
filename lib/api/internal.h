/*
 * api/internal.h - what the files of lib/api share: the server-wide context, the request,
 * and the handler toolkit.
 *
 * A handler sees a struct api_req, never libmicrohttpd: server.c turns an MHD connection
 * into a request and the request's response back into MHD calls. That keeps handlers
 * testable in-process (tests/unit/api drive them through api__run_sync with a real DuckDB
 * and no socket) and keeps MHD's rules in one file.
 */
#ifndef DS_API_INTERNAL_H
#define DS_API_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/router.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/db.h"
#include "db/writer.h"

#define API_REQUEST_ID_MAX 64
#define API_MAX_QUERY 16
#define API_MAX_HEADERS 4
#define API_RESPONSE_LIMIT (8 * 1024 * 1024) /* a page of 1000 rows is ~0.5 MB */

/* Statement ids registered at startup. */
struct api_stmts {
	int health;
	int get, insert, update, del;
	int hist, hist_status;
	int list, list_status, list_after, list_after_status;
};

struct api_ctx {
	struct api_config cfg;   /* a copy; owned */
	struct db *db;
	struct api_metrics metrics;
	struct api_stmts st;
	int64_t start_ns;        /* monotonic, at startup */
	atomic_int draining;     /* SIGTERM received: close connections after responding */
	atomic_long in_flight;   /* requests begun and not yet complete */
	atomic_long suspended;   /* of which waiting for the writer */
};

struct api_kv {
	const char *key;
	const char *value;
};

struct api_req {
	struct api_ctx *ctx;
	struct ds_arena arena;     /* freed when the request completes */

	/* The request, as the server or a test fills it. Strings are borrowed. */
	enum api_method method;
	const char *path;          /* without the query string */
	struct api_kv query[API_MAX_QUERY];
	size_t nquery;
	int query_overflow;        /* more than API_MAX_QUERY arguments */
	const char *content_type;  /* NULL when absent */
	long long content_length;  /* -1 when unknown (absent or chunked) */
	const char *body;
	size_t body_len;
	char request_id[API_REQUEST_ID_MAX + 1];
	int64_t start_ns;

	/* Routing. */
	int route;                 /* row in api__routes, -1 unmatched */
	const char *params[API_ROUTE_MAX_PARAMS]; /* NUL-terminated copies */
	size_t param_lens[API_ROUTE_MAX_PARAMS];

	/* The response. */
	int status;                /* 0 until answered */
	const char *resp_type;     /* Content-Type */
	struct ds_buf resp;        /* body; ceiling API_RESPONSE_LIMIT */
	struct api_kv headers[API_MAX_HEADERS];
	size_t nheaders;
	int problem;               /* enum api_problem answered, or -1 */

	/* A write in flight (API_PENDING). finish runs on the writer thread once job is
	 * done and renders the response; then resume tells the runner to send it. */
	struct db_job job;
	void (*finish)(struct api_req *r);
	void (*resume)(struct api_req *r);
	void *resume_arg;
	void *handler_state;       /* for finish */

	char arena_mem[3072];      /* the arena's first block: most requests malloc nothing */
};

/* The route table (routes.c). */
extern const struct api_route api__routes[];
extern const size_t api__nroutes;

/* Context: open the database, migrate, register statements, set up metrics. c is copied. */
int api__ctx_init(struct api_ctx *ctx, const struct api_config *c, struct ds_error *e);
/* Close the database (writer flushed, CHECKPOINT when checkpoint is set). */
int api__ctx_release(struct api_ctx *ctx, int checkpoint, struct ds_error *e);

/* A request's life: init (zeroed, arena ready), release (everything it allocated). */
void api__req_init(struct api_req *r, struct api_ctx *ctx);
void api__req_release(struct api_req *r);

/* Take the incoming X-Request-Id when it is sane (1..64 of [A-Za-z0-9._:-]), else make
 * one (16 hex digits). */
void api__req_set_id(struct api_req *r, const char *incoming);

/*
 * Before the body: route the request and apply what can be decided from the headers (404,
 * 405 with Allow, 415, 413 from Content-Length). Returns 0 to go on, 1 when the request
 * is already answered.
 */
int api__precheck(struct api_req *r);

/* With the body in r: run the handler. */
enum api_result api__dispatch(struct api_req *r);

/* Submit r->job (after API_PENDING). On failure the request is answered at once (503) and
 * -1 returned: the caller must respond without waiting. */
int api__submit(struct api_req *r);

/* For tests and tools: precheck, dispatch, and wait for a pending write. */
void api__run_sync(struct api_req *r);

/* --- response helpers ------------------------------------------------------------------ */

/* Answer with a problem document; detail is printf-formatted. field may be NULL. */
void api__problem(struct api_req *r, enum api_problem p, const char *field, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
/* Answer 200-ish with r->resp already filled, as application/json. */
void api__json(struct api_req *r, int status);
/* Add a response header (name and value must live as long as the request). */
void api__header(struct api_req *r, const char *name, const char *value);
/* The value of query argument key, or NULL. */
const char *api__query(const struct api_req *r, const char *key);

/* --- handlers ---------------------------------------------------------------------------- */

enum api_result api__info(struct api_req *r);
enum api_result api__health(struct api_req *r);
enum api_result api__metrics_get(struct api_req *r);
enum api_result api__projects_create(struct api_req *r);
enum api_result api__projects_list(struct api_req *r);
enum api_result api__projects_get(struct api_req *r);
enum api_result api__projects_patch(struct api_req *r);
enum api_result api__projects_delete(struct api_req *r);

/* Statement registration and migrations for the projects resource (projects.c). */
int api__projects_setup(struct api_ctx *ctx, struct ds_error *e);

#endif
