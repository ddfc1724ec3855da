/*
 * api/handler.c - the request life cycle shared by the server and by in-process tests:
 * context set-up, routing and header checks, dispatch, the write hand-off, responses.
 */
#include "api/internal.h"
#include "api/json.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/rand.h"
#include "db/query.h"

/* --- context ------------------------------------------------------------------------------ */

static int config_copy(struct api_config *dst, const struct api_config *src)
{
	*dst = *src;
	dst->host = NULL;
	dst->database = NULL;
	dst->admin_token.value = NULL;
	dst->admin_token.len = 0;
	dst->cors_origins = NULL;
	if ((src->cors_origins && api_config_set(&dst->cors_origins, src->cors_origins)) ||
	    api_config_set(&dst->host, src->host ? src->host : "0.0.0.0") ||
	    api_config_set(&dst->database, src->database ? src->database : API_DEFAULT_DATABASE) ||
	    (ds_secret_is_set(&src->admin_token) &&
	     ds_secret_set(&dst->admin_token, ds_secret_value(&src->admin_token)))) {
		api_config_release(dst);
		return -1;
	}
	return 0;
}

int api__ctx_init(struct api_ctx *ctx, const struct api_config *c, struct ds_error *e)
{
	struct db_config dc = DB_CONFIG_INIT;
	memset(ctx, 0, sizeof(*ctx));
	if (config_copy(&ctx->cfg, c))
		return ds_error_set(e, 0, "out of memory");
	dc.path = ctx->cfg.database;
	dc.memory_limit = ctx->cfg.memory_limit;
	dc.threads = (int)ctx->cfg.threads;
	dc.batch_max = (int)ctx->cfg.batch_max;
	dc.query_threads = (int)ctx->cfg.query_threads;
	dc.query_connections = (int)ctx->cfg.query_connections;
	if (api__cors_init(&ctx->cors, ctx->cfg.cors_origins)) {
		ds_error_set(e, 0, "out of memory");
		goto fail;
	}
	if (ctx->cfg.rate_limit > 0) {
		ctx->rl = api_ratelimit_new(ctx->cfg.rate_limit, ctx->cfg.rate_burst, 8192);
		if (!ctx->rl) {
			ds_error_set(e, 0, "out of memory");
			goto fail;
		}
	}
	if (db_open(&ctx->db, &dc, e))
		goto fail;
	if (api__projects_setup(ctx, e) || api__admin_setup(ctx, e))
		goto fail_db;
	ctx->st.health = db_stmt_add(ctx->db, "SELECT count(*) FROM projects", e);
	if (ctx->st.health < 0)
		goto fail_db;
	if (api_metrics_init(&ctx->metrics, api__routes, api__nroutes)) {
		ds_error_set(e, 0, "out of memory");
		goto fail_db;
	}
	ctx->start_ns = ds_clock_mono_ns();
	return 0;
fail_db:
	api__admin_release(ctx);
	db_close(ctx->db, 0, NULL);
	ctx->db = NULL;
fail:
	api_ratelimit_free(ctx->rl);
	ctx->rl = NULL;
	api__cors_release(&ctx->cors);
	api_config_release(&ctx->cfg);
	return -1;
}

int api__ctx_release(struct api_ctx *ctx, int checkpoint, struct ds_error *e)
{
	int rc = db_close(ctx->db, checkpoint, e);

	ctx->db = NULL;
	api__admin_release(ctx);
	api_ratelimit_free(ctx->rl);
	ctx->rl = NULL;
	api__cors_release(&ctx->cors);
	api_metrics_release(&ctx->metrics);
	api_config_release(&ctx->cfg);
	return rc;
}

/* --- requests ------------------------------------------------------------------------------ */

void api__req_init(struct api_req *r, struct api_ctx *ctx)
{
	memset(r, 0, offsetof(struct api_req, arena_mem));
	r->ctx = ctx;
	ds_arena_init_with(&r->arena, r->arena_mem, sizeof(r->arena_mem), 4 * API_BODY_LIMIT);
	ds_buf_init(&r->resp, API_RESPONSE_LIMIT);
	r->content_length = -1;
	r->route = -1;
	r->problem = -1;
	r->start_ns = ds_clock_mono_ns();
}

void api__req_release(struct api_req *r)
{
	if (r->stream) {
		db_stream_close(r->stream);
		r->stream = NULL;
	}
	ds_buf_release(&r->resp);
	ds_arena_release(&r->arena);
}

static int id_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == ':';
}

void api__req_set_id(struct api_req *r, const char *incoming)
{
	size_t n = 0;

	if (incoming) {
		while (incoming[n] && n <= API_REQUEST_ID_MAX && id_char_ok(incoming[n]))
			n++;
		if (n > 0 && n <= API_REQUEST_ID_MAX && !incoming[n]) {
			memcpy(r->request_id, incoming, n + 1);
			return;
		}
	}
	snprintf(r->request_id, sizeof(r->request_id), "%016llx",
		 (unsigned long long)ds_random_u64());
}

const char *api__query(const struct api_req *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nquery; i++)
		if (!strcmp(r->query[i].key, key))
			return r->query[i].value ? r->query[i].value : "";
	return NULL;
}

int api__body_object(struct api_req *r, struct api_json **doc)
{
	struct ds_error e = DS_ERROR_INIT;

	if (api_json_parse(&r->arena, r->body, r->body_len, doc, &e)) {
		api__problem(r, API_PROBLEM_INVALID_JSON, NULL, "%s", ds_error_msg(&e));
		return -1;
	}
	if ((*doc)->type != API_JSON_OBJECT) {
		api__problem(r, API_PROBLEM_INVALID_JSON, NULL, "the body must be a JSON object, not %s",
			     api_json_type_name((*doc)->type));
		return -1;
	}
	return 0;
}

void api__header(struct api_req *r, const char *name, const char *value)
{
	if (r->nheaders < API_MAX_HEADERS) {
		r->headers[r->nheaders].key = name;
		r->headers[r->nheaders].value = value;
		r->nheaders++;
	}
}

void api__json(struct api_req *r, int status)
{
	r->status = status;
	r->resp_type = "application/json";
}

void api__problem(struct api_req *r, enum api_problem p, const char *field, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ds_buf_reset(&r->resp);
	if (api_problem_render(&r->resp, p, detail, field, r->path, r->request_id)) {
		/* Cannot happen with a fresh 8 MiB ceiling; stay valid JSON regardless. */
		ds_buf_reset(&r->resp);
		ds_buf_addf(&r->resp, "{\"status\":%d}", api_problem_status(p));
	}
	r->status = api_problem_status(p);
	r->resp_type = "application/problem+json";
	r->problem = (int)p;
	api_metrics_problem(&r->ctx->metrics, p);
}

/* --- routing and checks -------------------------------------------------------------------- */

/* application/json, or any application/<x>+json, with parameters allowed after ';'. */
static int is_json_type(const char *ct)
{
	size_t n;
	const char *semi;

	if (!ct)
		return 0;
	while (*ct == ' ')
		ct++;
	semi = strchr(ct, ';');
	n = semi ? (size_t)(semi - ct) : strlen(ct);
	while (n && ct[n - 1] == ' ')
		n--;
	if (n == 16 && !strncasecmp(ct, "application/json", 16))
		return 1;
	return n > 17 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5);
}

int api__precheck(struct api_req *r)
{
	struct api_match m;
	const struct api_route *rt;
	unsigned skip = ds_secret_is_set(&r->ctx->cfg.admin_token) ? 0 : API_ROUTE_ADMIN;
	size_t i;

	api__cors_headers(r);
	api_route_match(api__routes, api__nroutes, skip, r->method, r->path, &m);
	if (m.route < 0 && m.allow && r->method == API_OPTIONS && r->ctx->cors.enabled &&
	    r->origin && r->acr_method) {
		api__cors_preflight(r, m.allow);
		return 1;
	}
	if (r->ctx->rl && (m.route < 0 || !(api__routes[m.route].flags & API_ROUTE_NO_LIMIT))) {
		long wait = api_ratelimit_take(r->ctx->rl, r->client, ds_clock_mono_ns());

		if (wait > 0) {
			char *ra = ds_arena_printf(&r->arena, "%ld", wait);

			r->route = m.route;
			atomic_fetch_add(&r->ctx->rate_limited, 1);
			api__problem(r, API_PROBLEM_RATE_LIMITED, NULL,
				     "client '%s' is over %g requests a second (burst %ld); retry in %ld s",
				     r->client[0] ? r->client : "?", r->ctx->cfg.rate_limit,
				     r->ctx->cfg.rate_burst, wait);
			if (ra)
				api__header(r, "Retry-After", ra);
			return 1;
		}
	}
	if (m.route < 0) {
		if (m.allow) {
			struct ds_buf allow = DS_BUF_INIT(256);
			char *a;

			api_allow_header(m.allow, &allow);
			a = ds_arena_strdup(&r->arena, ds_buf_str(&allow));
			ds_buf_release(&allow);
			api__problem(r, API_PROBLEM_METHOD_NOT_ALLOWED, NULL,
				     "method %s is not allowed on '%.200s'; allowed: %s",
				     api_method_name(r->method), r->path, a ? a : "");
			if (a)
				api__header(r, "Allow", a);
		} else {
			api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no route for '%.200s'", r->path);
		}
		return 1;
	}
	r->route = m.route;
	for (i = 0; i < m.nparams; i++) {
		r->params[i] = ds_arena_strndup(&r->arena, m.params[i], m.param_lens[i]);
		r->param_lens[i] = m.param_lens[i];
		if (!r->params[i]) {
			api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
			return 1;
		}
	}
	rt = &api__routes[m.route];
	/* Authentication before anything else is said about the request. */
	if ((rt->flags & API_ROUTE_ADMIN) && api__admin_auth(r))
		return 1;
	if ((rt->flags & API_ROUTE_JSON_BODY) && !is_json_type(r->content_type)) {
		api__problem(r, API_PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
			     "content type '%.100s' is not accepted; send application/json",
			     r->content_type ? r->content_type : "(none)");
		return 1;
	}
	if (r->content_length > r->ctx->cfg.body_limit) {
		api__problem(r, API_PROBLEM_PAYLOAD_TOO_LARGE, NULL,
			     "the body is %lld bytes; the limit is %lld bytes", r->content_length,
			     r->ctx->cfg.body_limit);
		return 1;
	}
	return 0;
}

enum api_result api__dispatch(struct api_req *r)
{
	if (r->route < 0 || (size_t)r->route >= api__nroutes) {
		api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no route for '%.200s'", r->path);
		return API_DONE;
	}
	return api__routes[r->route].handler(r);
}

/* --- the write hand-off -------------------------------------------------------------------- */

static void job_done(struct db_job *job)
{
	struct api_req *r = job->arg;

	r->finish(r);
	r->resume(r);
}

int api__submit(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;

	if (r->submit)
		return r->submit(r);
	r->job.done = job_done;
	r->job.arg = r;
	if (db_writer_submit(r->ctx->db, &r->job, &e)) {
		api__problem(r, API_PROBLEM_UNAVAILABLE, NULL, "%s", ds_error_msg(&e));
		return -1;
	}
	return 0;
}

struct sync_state {
	pthread_mutex_t m;
	pthread_cond_t c;
	int done;
};

static void sync_resume_arg(void *arg)
{
	struct sync_state *s = arg;

	pthread_mutex_lock(&s->m);
	s->done = 1;
	pthread_cond_signal(&s->c);
	pthread_mutex_unlock(&s->m);
}

static void sync_resume(struct api_req *r)
{
	sync_resume_arg(r->resume_arg);
}

static void sync_park(void *arg)
{
	(void)arg;
}

/* Read a query's whole output into r->resp the way the server streams it. */
static void sync_drain(struct api_req *r, struct sync_state *s)
{
	struct ds_buf out = DS_BUF_INIT(0);
	struct ds_error e = DS_ERROR_INIT;
	pthread_mutex_lock(&s->m);
	s->done = 0;
	pthread_mutex_unlock(&s->m);
	db_stream_set_notify(r->stream, sync_resume_arg, s);
	for (;;) {
		char buf[16384];
		size_t got;
		enum db_stream_state st = db_stream_read(r->stream, buf, sizeof(buf), &got, sync_park,
							 NULL, &e);

		if (st == DB_STREAM_DATA) {
			ds_buf_add(&out, buf, got);
			continue;
		}
		if (st == DB_STREAM_WAIT) {
			pthread_mutex_lock(&s->m);
			while (!s->done)
				pthread_cond_wait(&s->c, &s->m);
			s->done = 0;
			pthread_mutex_unlock(&s->m);
			continue;
		}
		if (st == DB_STREAM_FAILED)
			api__query_tail(r->ctx, r->format, &e, r->request_id, &out);
		break;
	}
	db_stream_close(r->stream);
	r->stream = NULL;
	ds_buf_release(&r->resp);
	r->resp = out;
}

void api__run_sync(struct api_req *r)
{
	struct sync_state s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

	if (!r->request_id[0])
		api__req_set_id(r, NULL);
	if (api__precheck(r))
		return;
	if (api__dispatch(r) != API_PENDING)
		return;
	r->resume = sync_resume;
	r->resume_arg = &s;
	if (api__submit(r))
		return;
	pthread_mutex_lock(&s.m);
	while (!s.done)
		pthread_cond_wait(&s.c, &s.m);
	pthread_mutex_unlock(&s.m);
	if (r->stream && r->status == 200)
		sync_drain(r, &s);
	pthread_cond_destroy(&s.c);
	pthread_mutex_destroy(&s.m);
}
