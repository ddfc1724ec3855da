/*
 * api/query.c - POST /query and GET /query: clients' read-only SQL.
 *
 * The handler checks what can be checked without DuckDB (the body or the query string, the
 * parameters, the output format from Accept or ?format=) and hands the statement to the
 * query pool (db/query.h), which enforces the read-only boundary and streams the result.
 * The request is parked meanwhile, like a write: the HTTP worker goes on serving others.
 * When the pool knows how the query starts, finish() turns that into the answer: a problem
 * document (400 sql-error, 403 query-forbidden, 413 too-many-rows, 503 query-timeout, ...)
 * or 200 with the first part of the output, the rest of which the server streams
 * (server.c) with chunked transfer.
 *
 * Parameters are JSON values bound to $1, $2, ...: numbers without a fraction that fit
 * BIGINT as BIGINT, other numbers as the exact DECIMAL their digits spell (1234567890.12 is
 * DECIMAL(12,2), never a double), strings as VARCHAR (DuckDB casts them where the statement
 * wants another type: '2024-01-31' compared with a DATE), true/false, null.
 */
#include "api/internal.h"
#include "api/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "db/query.h"

#define MAX_PARAMS 100

static const struct {
	const char *name;   /* ?format= */
	const char *type;   /* Content-Type */
	enum db_format fmt;
} formats[] = {
	{"json", "application/json", DB_FORMAT_JSON},
	{"ndjson", "application/x-ndjson", DB_FORMAT_NDJSON},
	{"csv", "text/csv; charset=utf-8; header=present", DB_FORMAT_CSV},
};

/* --- content negotiation ----------------------------------------------------------------- */

/* The q of the most specific media range in accept that matches type/sub (RFC 9110
 * 12.5.1: "*\/\*" < "type/\*" < "type/sub"); -1 when none does. */
static double q_for(const char *accept, const char *type, const char *sub)
{
	const char *p = accept;
	double best = -1;
	int best_spec = -1;

	while (*p) {
		char item[128], *params, *slash, *t;
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		double q = 1;
		int spec = -1;

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, p, n);
		item[n] = '\0';
		params = strchr(item, ';');
		if (params)
			*params++ = '\0';
		while (params && *params) {
			char *next = strchr(params, ';');

			if (next)
				*next++ = '\0';
			while (*params == ' ' || *params == '\t')
				params++;
			if ((params[0] == 'q' || params[0] == 'Q') && params[1] == '=')
				q = strtod(params + 2, NULL);
			params = next;
		}
		for (t = item; *t == ' ' || *t == '\t'; t++)
			;
		n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		slash = strchr(t, '/');
		if (slash) {
			*slash++ = '\0';
			if (!strcmp(t, "*") && !strcmp(slash, "*"))
				spec = 0;
			else if (!strcasecmp(t, type) && !strcmp(slash, "*"))
				spec = 1;
			else if (!strcasecmp(t, type) && !strcasecmp(slash, sub))
				spec = 2;
		}
		if (spec > best_spec) {
			best_spec = spec;
			best = q;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return best;
}

/* Choose the format: ?format= first, then Accept (no header: JSON). -1 when nothing we
 * have is acceptable (r answered 406). */
static int negotiate(struct api_req *r)
{
	static const char *const alt[][2] = {
		{"application", "json"}, {"application", "x-ndjson"}, {"text", "csv"},
	};
	const char *f = api__query(r, "format");
	double best = 0;
	size_t i;
	int pick = -1;

	if (f) {
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			if (!strcmp(f, formats[i].name))
				return (int)i;
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, "format",
			     "'format' must be json, ndjson or csv, not '%.40s'", f);
		return -1;
	}
	if (!r->accept || !*r->accept)
		return 0;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		double q = q_for(r->accept, alt[i][0], alt[i][1]);

		/* NDJSON also goes by application/ndjson and application/jsonl. */
		if (i == 1) {
			double q2 = q_for(r->accept, "application", "ndjson");
			double q3 = q_for(r->accept, "application", "jsonl");

			if (q2 > q)
				q = q2;
			if (q3 > q)
				q = q3;
		}
		if (q > best) {
			best = q;
			pick = (int)i;
		}
	}
	if (pick < 0) {
		api__problem(r, API_PROBLEM_NOT_ACCEPTABLE, NULL,
			     "Accept '%.100s' allows none of application/json, application/x-ndjson, "
			     "text/csv",
			     r->accept);
		return -1;
	}
	return pick;
}

/* --- parameters --------------------------------------------------------------------------- */

/* A JSON number as the exact value its digits spell. */
static int number_param(struct api_req *r, size_t i, const struct api_json *v, struct db_param *p)
{
	struct ds_error e = DS_ERROR_INIT;
	char buf[32];
	size_t k, frac = 0;
	long exp10 = 0;
	int in_frac = 0, scale, digits;

	if (api_json_is_integer(v) && v->len < sizeof(buf)) {
		char *end;
		long long n;

		memcpy(buf, v->s, v->len);
		buf[v->len] = '\0';
		errno = 0;
		n = strtoll(buf, &end, 10);
		if (!errno && !*end) {
			p->type = DB_PARAM_INT;
			p->v.i = n;
			return 0;
		}
	}
	/* The scale is the fraction digits less the exponent. */
	for (k = 0; k < v->len; k++) {
		char ch = v->s[k];

		if (ch == '.') {
			in_frac = 1;
		} else if (ch == 'e' || ch == 'E') {
			char eb[16];
			size_t n = v->len - k - 1 < sizeof(eb) - 1 ? v->len - k - 1 : sizeof(eb) - 1;

			memcpy(eb, v->s + k + 1, n);
			eb[n] = '\0';
			exp10 = strtol(eb, NULL, 10);
			break;
		} else if (in_frac) {
			frac++;
		}
	}
	scale = (long)frac - exp10 < 0 ? 0 : (long)frac - exp10 > 38 ? 39 : (int)((long)frac - exp10);
	if (scale > 38 || db_decimal_parse(v->s, v->len, 38, scale, &p->v.dec, &e)) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, "params",
			     "params[%zu]: %.40s has more digits than DECIMAL(38) holds; pass it as a "
			     "string and cast it in the statement",
			     i, ds_arena_strndup(&r->arena, v->s, v->len > 40 ? 40 : v->len));
		return -1;
	}
	/* The narrowest width that holds it, so DuckDB sees DECIMAL(12,2) for 1234567890.12. */
	{
		db_uint128 u = p->v.dec.unscaled < 0 ? (db_uint128)0 - (db_uint128)p->v.dec.unscaled
						     : (db_uint128)p->v.dec.unscaled;

		for (digits = 0; u; digits++)
			u /= 10;
	}
	p->v.dec.width = (uint8_t)(digits > scale ? digits : scale + 1 > 38 ? 38 : scale + 1);
	p->v.dec.scale = (uint8_t)scale;
	p->type = DB_PARAM_DECIMAL;
	return 0;
}

static int read_params(struct api_req *r, const struct api_json *arr, struct db_param **out,
		       size_t *n)
{
	const struct api_json *v;
	struct db_param *p;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (arr->type != API_JSON_ARRAY) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "params",
			     "field 'params' must be an array of values for $1, $2, ..., not %s",
			     api_json_type_name(arr->type));
		return -1;
	}
	if (arr->count > MAX_PARAMS) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "params",
			     "field 'params' has %zu values; at most %d", arr->count, MAX_PARAMS);
		return -1;
	}
	if (!arr->count)
		return 0;
	p = ds_arena_calloc(&r->arena, arr->count * sizeof(*p));
	if (!p) {
		api__problem(r, API_PROBLEM_PAYLOAD_TOO_LARGE, "params", "the parameters are too large");
		return -1;
	}
	for (v = arr->child; v; v = v->next, i++) {
		switch (v->type) {
		case API_JSON_NULL:
			p[i].type = DB_PARAM_NULL;
			break;
		case API_JSON_TRUE:
		case API_JSON_FALSE:
			p[i].type = DB_PARAM_BOOL;
			p[i].v.i = v->type == API_JSON_TRUE;
			break;
		case API_JSON_STRING:
			if (v->has_nul) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, "params",
					     "params[%zu] contains a NUL character", i);
				return -1;
			}
			p[i].type = DB_PARAM_TEXT;
			p[i].v.text.s = v->s;
			p[i].v.text.len = v->len;
			break;
		case API_JSON_NUMBER:
			if (number_param(r, i, v, &p[i]))
				return -1;
			break;
		default:
			api__problem(r, API_PROBLEM_INVALID_FIELD, "params",
				     "params[%zu] is %s; values are strings, numbers, booleans or null "
				     "(pass JSON as a string and cast it: $1::JSON)",
				     i, api_json_type_name(v->type));
			return -1;
		}
	}
	*out = p;
	*n = arr->count;
	return 0;
}

/* --- the handler ------------------------------------------------------------------------- */

struct query_state {
	struct db_query q;
};

enum api_problem api__query_problem(int code)
{
	switch (code) {
	case DB_ERR_SQL:
		return API_PROBLEM_SQL_ERROR;
	case DB_ERR_MULTIPLE:
		return API_PROBLEM_MULTIPLE_STATEMENTS;
	case DB_ERR_FORBIDDEN:
		return API_PROBLEM_QUERY_FORBIDDEN;
	case DB_ERR_INPUT:
		return API_PROBLEM_INVALID_PARAMETER;
	case DB_ERR_TIMEOUT:
		return API_PROBLEM_QUERY_TIMEOUT;
	case DB_ERR_TOO_MANY_ROWS:
		return API_PROBLEM_TOO_MANY_ROWS;
	case DB_ERR_TOO_BIG:
		return API_PROBLEM_ROW_TOO_LARGE;
	case DB_ERR_BUSY:
	case DB_ERR_NOMEM:
	case DB_ERR_FATAL:
	case DB_ERR_CLOSED:
		return API_PROBLEM_UNAVAILABLE;
	default:
		return API_PROBLEM_INTERNAL;
	}
}

static const char *problem_field(int code)
{
	switch (code) {
	case DB_ERR_SQL:
	case DB_ERR_MULTIPLE:
	case DB_ERR_FORBIDDEN:
		return "sql";
	case DB_ERR_INPUT:
		return "params";
	default:
		return NULL;
	}
}

/* The pool knows how the query starts (on a pool thread; the connection is suspended). */
static void query_finish(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;

	if (db_stream_head(r->stream, &e)) {
		/* The stream is closed with the request (closing it here, inside its own
		 * notification, would wait for itself). */
		api__problem(r, api__query_problem(e.code), problem_field(e.code), "%s",
			     ds_error_msg(&e));
		return;
	}
	r->status = 200;
	r->resp_type = formats[r->format].type;
}

static void head_ready(void *arg)
{
	struct api_req *r = arg;

	r->finish(r);
	r->resume(r);
}

static int query_submit(struct api_req *r)
{
	struct query_state *st = r->handler_state;
	struct ds_error e = DS_ERROR_INIT;

	r->finish = query_finish;
	if (db_query_submit(r->ctx->db, &st->q, head_ready, r, &r->stream, &e)) {
		api__problem(r, e.code == DB_ERR_BUSY || e.code == DB_ERR_CLOSED
					? API_PROBLEM_UNAVAILABLE
					: API_PROBLEM_INTERNAL,
			     NULL, "%s", ds_error_msg(&e));
		if (e.code == DB_ERR_BUSY)
			api__header(r, "Retry-After", "1");
		return -1;
	}
	return 0;
}

enum api_result api__query_run(struct api_req *r)
{
	struct query_state *st = ds_arena_calloc(&r->arena, sizeof(*st));
	const char *sql = NULL;
	size_t i;
	int fmt;

	if (!st) {
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
		return API_DONE;
	}
	/* Query string: format everywhere; sql and params for GET. */
	for (i = 0; i < r->nquery; i++) {
		const char *k = r->query[i].key;

		if (!strcmp(k, "format") || (r->method != API_POST && (!strcmp(k, "sql") || !strcmp(k, "params"))))
			continue;
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, k,
			     "unknown query parameter '%.40s' (known: %s)", k,
			     r->method == API_POST ? "format" : "sql, params, format");
		return API_DONE;
	}
	if (r->query_overflow) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, NULL, "too many query parameters");
		return API_DONE;
	}
	fmt = negotiate(r);
	if (fmt < 0)
		return API_DONE;
	if (r->method == API_POST) {
		struct api_json *doc;
		const struct api_json *m, *s = NULL, *params = NULL;

		if (r->body_len == 0) {
			api__problem(r, API_PROBLEM_INVALID_JSON, NULL,
				     "the body is empty; send {\"sql\": \"SELECT ...\", \"params\": [...]}");
			return API_DONE;
		}
		if (api__body_object(r, &doc))
			return API_DONE;
		for (m = doc->child; m; m = m->next) {
			const struct api_json **slot = NULL;

			if (m->key_len == 3 && !strcmp(m->key, "sql"))
				slot = &s;
			else if (m->key_len == 6 && !strcmp(m->key, "params"))
				slot = &params;
			if (!slot) {
				const char *name = ds_arena_strndup(&r->arena, m->key,
								    m->key_len > 100 ? 100 : m->key_len);

				api__problem(r, API_PROBLEM_UNKNOWN_FIELD, name ? name : "?",
					     "field '%s' is not a query field (known: sql, params)",
					     name ? name : "?");
				return API_DONE;
			}
			if (*slot) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, m->key, "field '%s' appears twice",
					     m->key);
				return API_DONE;
			}
			*slot = m;
		}
		if (!s) {
			api__problem(r, API_PROBLEM_MISSING_FIELD, "sql", "field 'sql' is required");
			return API_DONE;
		}
		if (s->type != API_JSON_STRING) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, "sql",
				     "field 'sql' must be a string, not %s", api_json_type_name(s->type));
			return API_DONE;
		}
		if (s->has_nul) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, "sql", "field 'sql' contains a NUL character");
			return API_DONE;
		}
		sql = s->s;
		if (params && read_params(r, params, (struct db_param **)&st->q.params, &st->q.nparams))
			return API_DONE;
	} else {
		const char *pj = api__query(r, "params");

		sql = api__query(r, "sql");
		if (!sql) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, "sql",
				     "query parameter 'sql' is required: /query?sql=SELECT+1");
			return API_DONE;
		}
		if (pj && *pj) {
			struct ds_error e = DS_ERROR_INIT;
			struct api_json *doc;

			if (api_json_parse(&r->arena, pj, strlen(pj), &doc, &e)) {
				api__problem(r, API_PROBLEM_INVALID_PARAMETER, "params",
					     "query parameter 'params' must be a JSON array: %s",
					     ds_error_msg(&e));
				return API_DONE;
			}
			if (read_params(r, doc, (struct db_param **)&st->q.params, &st->q.nparams))
				return API_DONE;
		}
	}
	for (i = 0; sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r'; i++)
		;
	if (!sql[i]) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "sql", "the SQL statement is empty");
		return API_DONE;
	}
	st->q.sql = sql;
	st->q.format = formats[fmt].fmt;
	st->q.max_rows = r->ctx->cfg.query_max_rows;
	st->q.timeout_ms = r->ctx->cfg.query_timeout_ms;
	r->format = (int)formats[fmt].fmt;
	r->handler_state = st;
	r->submit = query_submit;
	return API_PENDING;
}

void api__query_tail(struct api_ctx *ctx, int format, const struct ds_error *e,
		     const char *request_id, struct ds_buf *out)
{
	enum api_problem p = api__query_problem(e->code);

	api_metrics_problem(&ctx->metrics, p);
	if (format == DB_FORMAT_CSV)
		return;
	ds_buf_addstr(out, format == DB_FORMAT_JSON ? "],\"error\":" : "{\"error\":");
	api_problem_render(out, p, ds_error_msg(e), problem_field(e->code), "/query", request_id);
	ds_buf_addstr(out, format == DB_FORMAT_JSON ? "}" : "}\n");
}
