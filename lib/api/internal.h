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
#define API_MAX_HEADERS 10
#define API_RESPONSE_LIMIT (8 * 1024 * 1024) /* a page of 1000 rows is ~0.5 MB */

/* Statement ids registered at startup. */
struct api_stmts {
	int health;
	int get, insert, update, del;
	int hist, hist_status;
	int list, list_status, list_after, list_after_status;
};

struct api_ratelimit;

/* CORS, from cfg.cors_origins. */
struct api_cors {
	int enabled;
	int any;                 /* "*" */
	char **origins;          /* [n], as configured */
	size_t n;
};

struct api_ctx {
	struct api_config cfg;   /* a copy; owned */
	struct db *db;
	struct api_metrics metrics;
	struct api_stmts st;
	struct api_cors cors;
	struct api_ratelimit *rl; /* NULL when rate limiting is off */
	char **type_names;       /* DuckDB's type names, for admin table schemas */
	size_t ntype_names;
	atomic_ullong auth_failures; /* admin requests refused (401 and 403) */
	atomic_ullong rate_limited;
	int64_t start_ns;        /* monotonic, at startup */
	atomic_int draining;     /* SIGTERM received: close connections after responding */
	atomic_int closing;      /* drain over: nothing may be suspended any more */
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
	const char *accept;        /* NULL when absent */
	const char *authorization; /* NULL when absent; never logged */
	const char *origin;        /* CORS: the Origin header */
	const char *acr_method;    /* CORS preflight: Access-Control-Request-Method */
	const char *forwarded_for; /* X-Forwarded-For */
	char client[64];           /* the peer address as text ("" in-process) */
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
	/* A pending request that is not a write: submit hands it over instead of the writer
	 * (a query); 0, or -1 with r answered at once. */
	int (*submit)(struct api_req *r);
	/* A query's output (api/query.c): owned by the request until the server hands it to
	 * the response that streams it. */
	struct db_stream *stream;
	int format;                /* enum db_format of the stream */

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

/* For tests and tools: precheck, dispatch, wait for a pending write or query, and read a
 * query's whole output into r->resp (with the failure record a stream would end with). */
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
/* Parse the request body as a JSON object into *doc (in r's arena). -1 when it is not one,
 * the 400 invalid-json problem already answered (the parser's message, or the type found). */
struct api_json;
int api__body_object(struct api_req *r, struct api_json **doc);

/* --- handlers ---------------------------------------------------------------------------- */

enum api_result api__info(struct api_req *r);
enum api_result api__health(struct api_req *r);
enum api_result api__metrics_get(struct api_req *r);
enum api_result api__projects_create(struct api_req *r);
enum api_result api__projects_list(struct api_req *r);
enum api_result api__projects_get(struct api_req *r);
enum api_result api__projects_patch(struct api_req *r);
enum api_result api__projects_delete(struct api_req *r);

enum api_result api__query_run(struct api_req *r);
enum api_result api__admin_tables_list(struct api_req *r);
enum api_result api__admin_tables_get(struct api_req *r);
enum api_result api__admin_tables_create(struct api_req *r);
enum api_result api__admin_tables_delete(struct api_req *r);
enum api_result api__admin_log_level_get(struct api_req *r);
enum api_result api__admin_log_level_set(struct api_req *r);
enum api_result api__admin_checkpoint(struct api_req *r);

/* Statement registration and migrations for the projects resource (projects.c). */
int api__projects_setup(struct api_ctx *ctx, struct ds_error *e);
/* The migration that creates projects, which DELETE /admin/tables/projects?force=true
 * forgets so that the next start recreates the table. */
#define API_PROJECTS_MIGRATION 1

/* --- queries (query.c) ------------------------------------------------------------------ */

/*
 * The record that ends a stream cut by a failure after its output began: for JSON the end
 * of the document, `],"error":{problem}}`; for NDJSON a last line `{"error":{problem}}`;
 * nothing for CSV (which has no place for it: the transfer is cut instead). Also counts the
 * problem in the metrics.
 */
void api__query_tail(struct api_ctx *ctx, int format, const struct ds_error *e,
		     const char *request_id, struct ds_buf *out);
/* The problem type for a query's error code. */
enum api_problem api__query_problem(int db_code);

/* --- admin (admin.c) -------------------------------------------------------------------- */

/* Load DuckDB's type names (duckdb_types()) for validating schemas. 0 or -1. */
int api__admin_setup(struct api_ctx *ctx, struct ds_error *e);
void api__admin_release(struct api_ctx *ctx);
/* Check the bearer token of an admin request: 0, or -1 with r answered 401/403 (and a
 * log line that never holds the token). */
int api__admin_auth(struct api_req *r);
/* Whether a and b are equal, in time that depends only on the length of b (the secret). */
int api__secret_equal(const char *a, size_t alen, const char *b, size_t blen);

/* --- around the API (around.c) ------------------------------------------------------------ */

int api__cors_init(struct api_cors *c, const char *origins);
void api__cors_release(struct api_cors *c);
/* Add CORS headers to r's answer when its Origin is allowed. */
void api__cors_headers(struct api_req *r);
/* Answer a preflight (OPTIONS with Origin and Access-Control-Request-Method) for a path
 * whose routes allow the methods in allow: 204 with the Access-Control-* headers. */
void api__cors_preflight(struct api_req *r, unsigned allow);

/* A token bucket per client address in a fixed-size table (set-associative, least
 * recently seen evicted), so memory is bounded whatever the number of clients. */
struct api_ratelimit *api_ratelimit_new(double rate, long burst, size_t slots);
void api_ratelimit_free(struct api_ratelimit *rl);
/* Take a token for client (an address as text) at now_ns: 0, or the seconds until one is
 * available (>= 1: the Retry-After). IPv6 clients are keyed by their /64. */
long api_ratelimit_take(struct api_ratelimit *rl, const char *client, int64_t now_ns);

#endif
