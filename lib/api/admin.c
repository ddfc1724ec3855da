/*
 * api/admin.c - /admin/...: tables, the log level, CHECKPOINT; behind ADMIN_TOKEN.
 *
 * The routes exist only when ADMIN_TOKEN is set (router: API_ROUTE_ADMIN rows are skipped
 * otherwise, so /admin/... is a plain 404, not a hint that something is there). Every
 * admin request carries "Authorization: Bearer <token>"; the token is compared in time that
 * depends on the configured token's length only, never its content. A missing token is a
 * 401, a wrong one a 403; both are logged (request id, route, client) without the token.
 *
 * Table schemas arrive as JSON and leave as DDL. Nothing from the request is spliced into
 * SQL unchecked: table and column names must be identifiers ([A-Za-z_][A-Za-z0-9_]{0,62})
 * and are quoted all the same; a type must parse as a DuckDB type name (duckdb_types(),
 * loaded at startup) with optional DECIMAL/VARCHAR parameters and [] / [n] suffixes, and is
 * rebuilt from its parsed parts; descriptions become string literals with quotes doubled.
 * The DDL runs in one transaction on the worker's own connection.
 */
#include "api/internal.h"
#include "api/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

#define MAX_COLUMNS 256
#define IDENT_MAX 63
#define DESCRIPTION_MAX 1000

/* --- the gate ---------------------------------------------------------------------------- */

int api__secret_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	volatile unsigned char d = 0;
	size_t i;

	/* Walk the secret (b) whole whatever a is; a shorter a reads zeros past its end. */
	for (i = 0; i < blen; i++)
		d |= (unsigned char)((i < alen ? (unsigned char)a[i] : 0) ^ (unsigned char)b[i]);
	return d == 0 && alen == blen;
}

static void auth_log(struct api_req *r, const char *why)
{
	struct ds_log_line l;

	atomic_fetch_add(&r->ctx->auth_failures, 1);
	if (!ds_log_begin(&l, DS_LOG_WARN, "admin", "authentication failed"))
		return;
	ds_log_str(&l, "request_id", r->request_id);
	ds_log_str(&l, "route", r->route >= 0 ? api__routes[r->route].tmpl : "unmatched");
	ds_log_str(&l, "client", r->client[0] ? r->client : NULL);
	ds_log_str(&l, "reason", why);
	ds_log_end(&l);
}

int api__admin_auth(struct api_req *r)
{
	const struct ds_secret *tok = &r->ctx->cfg.admin_token;
	const char *h = r->authorization, *t;

	while (h && (*h == ' ' || *h == '\t'))
		h++;
	if (!h || strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t')) {
		auth_log(r, h && *h ? "not a bearer token" : "no Authorization header");
		api__problem(r, API_PROBLEM_UNAUTHORIZED, NULL,
			     "admin endpoints need 'Authorization: Bearer <ADMIN_TOKEN>'");
		api__header(r, "WWW-Authenticate", "Bearer realm=\"duckdb-spawn admin\"");
		return -1;
	}
	for (t = h + 7; *t == ' ' || *t == '\t'; t++)
		;
	{
		size_t n = strlen(t);

		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		if (!api__secret_equal(t, n, ds_secret_value(tok), tok->len)) {
			auth_log(r, "wrong token");
			api__problem(r, API_PROBLEM_FORBIDDEN, NULL, "the bearer token is not ADMIN_TOKEN");
			return -1;
		}
	}
	return 0;
}

/* --- set-up ------------------------------------------------------------------------------- */

int api__admin_setup(struct api_ctx *ctx, struct ds_error *e)
{
	return db_type_names(ctx->db, &ctx->type_names, &ctx->ntype_names, e);
}

void api__admin_release(struct api_ctx *ctx)
{
	db_names_free(ctx->type_names, ctx->ntype_names);
	ctx->type_names = NULL;
	ctx->ntype_names = 0;
}

/* --- names and types ---------------------------------------------------------------------- */

static int is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IDENT_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
					  s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Names a user table may not take: they would shadow DuckDB's catalog views for /query. */
static int reserved_table(const char *s)
{
	return !strncasecmp(s, "duckdb_", 7) || !strncasecmp(s, "pg_", 3) ||
	       !strncasecmp(s, "sqlite_", 7) || !strcasecmp(s, "information_schema");
}

/* Type names that need more syntax than a name (or are not storable): not accepted here. */
static const char *const unsupported_types[] = {"list", "struct", "map", "union", "enum", "row",
					       "null", "integral", "variant", "any", "json"};

static int known_type(const struct api_ctx *ctx, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(unsupported_types) / sizeof(unsupported_types[0]); i++)
		if (strlen(unsupported_types[i]) == n && !strncasecmp(unsupported_types[i], name, n))
			return 0;
	for (i = 0; i < ctx->ntype_names; i++)
		if (strlen(ctx->type_names[i]) == n && !strncasecmp(ctx->type_names[i], name, n))
			return 1;
	return 0;
}

static int is_decimal(const char *s, size_t n)
{
	return (n == 7 && !strncasecmp(s, "decimal", 7)) || (n == 7 && !strncasecmp(s, "numeric", 7)) ||
	       (n == 3 && !strncasecmp(s, "dec", 3));
}

static int is_text(const char *s, size_t n)
{
	static const char *const t[] = {"varchar", "char", "bpchar", "text", "string", "nvarchar"};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i]) == n && !strncasecmp(t[i], s, n))
			return 1;
	return 0;
}

static void skip_ws(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

static int read_uint(const char **p, long max, long *out)
{
	long v = 0;

	skip_ws(p);
	if (**p < '0' || **p > '9')
		return -1;
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v > max)
			return -1;
		(*p)++;
	}
	skip_ws(p);
	*out = v;
	return 0;
}

/*
 * Parse a column type: NAME [ '(' N [ ',' N ] ')' ] { '[' [N] ']' }, where NAME is one of
 * DuckDB's type names (or "TIMESTAMP WITH TIME ZONE", "TIME WITH TIME ZONE", "DOUBLE
 * PRECISION") and parameters are allowed for DECIMAL (width 1..38, scale 0..width) and
 * VARCHAR (a length DuckDB ignores). The canonical text (upper case, no spaces) goes to out.
 * Returns 0, or -1 with why saying what is wrong.
 */
static int parse_type(const struct api_ctx *ctx, const char *s, struct ds_buf *out, char *why,
		      size_t whylen)
{
	static const struct {
		const char *spelled, *as;
	} multi[] = {
		{"timestamp with time zone", "TIMESTAMPTZ"},
		{"time with time zone", "TIMETZ"},
		{"double precision", "DOUBLE"},
	};
	const char *p = s, *name;
	size_t n, i;
	int depth = 0;

	skip_ws(&p);
	for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		size_t k = strlen(multi[i].spelled);

		if (!strncasecmp(p, multi[i].spelled, k) && (p[k] == '\0' || p[k] == '[' || p[k] == ' ')) {
			ds_buf_addstr(out, multi[i].as);
			p += k;
			goto suffixes;
		}
	}
	name = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '_')
		p++;
	n = (size_t)(p - name);
	if (!n) {
		snprintf(why, whylen, "a type starts with its name");
		return -1;
	}
	if (!known_type(ctx, name, n)) {
		snprintf(why, whylen, "'%.*s' is not a DuckDB type this endpoint creates (nested types "
				      "are written with [] or [n]: INTEGER[])",
			 (int)(n > 40 ? 40 : n), name);
		return -1;
	}
	for (i = 0; i < n; i++)
		ds_buf_addch(out, (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]));
	skip_ws(&p);
	if (*p == '(') {
		long a, b = -1;

		p++;
		if (is_decimal(name, n)) {
			if (read_uint(&p, 38, &a) || a < 1) {
				snprintf(why, whylen, "DECIMAL width must be 1 to 38");
				return -1;
			}
			if (*p == ',') {
				p++;
				if (read_uint(&p, a, &b)) {
					snprintf(why, whylen, "DECIMAL scale must be 0 to the width (%ld)", a);
					return -1;
				}
			}
		} else if (is_text(name, n)) {
			if (read_uint(&p, 1L << 30, &a) || a < 1) {
				snprintf(why, whylen, "a VARCHAR length must be a positive number");
				return -1;
			}
		} else {
			snprintf(why, whylen, "'%.*s' takes no parameters", (int)(n > 40 ? 40 : n), name);
			return -1;
		}
		if (*p != ')') {
			snprintf(why, whylen, "expected ')' after the type's parameters");
			return -1;
		}
		p++;
		if (b >= 0)
			ds_buf_addf(out, "(%ld,%ld)", a, b);
		else
			ds_buf_addf(out, "(%ld)", a);
	}
suffixes:
	for (;;) {
		skip_ws(&p);
		if (*p != '[')
			break;
		if (++depth > 8) {
			snprintf(why, whylen, "at most 8 levels of [] in a type");
			return -1;
		}
		p++;
		skip_ws(&p);
		if (*p == ']') {
			ds_buf_addstr(out, "[]");
		} else {
			long size;

			if (read_uint(&p, 100000, &size) || size < 1) {
				snprintf(why, whylen, "an array size must be 1 to 100000");
				return -1;
			}
			ds_buf_addf(out, "[%ld]", size);
		}
		if (*p != ']') {
			snprintf(why, whylen, "expected ']'");
			return -1;
		}
		p++;
	}
	if (*p) {
		snprintf(why, whylen, "unexpected '%.20s' after the type", p);
		return -1;
	}
	return 0;
}

/* --- listing ------------------------------------------------------------------------------ */

static int json_str_or_null(struct ds_buf *o, const char *s)
{
	if (!s)
		return ds_buf_addstr(o, "null");
	return ds_buf_addch(o, '"') || ds_buf_add_json_escaped(o, s, strlen(s)) || ds_buf_addch(o, '"');
}

static int render_table(struct ds_buf *o, const struct db_table_info *t)
{
	size_t i;
	int rc = ds_buf_addstr(o, "{\"name\":") || json_str_or_null(o, t->name) ||
		 ds_buf_addstr(o, ",\"description\":") || json_str_or_null(o, t->comment) ||
		 ds_buf_addf(o, ",\"row_count\":%lld,\"builtin\":%s,\"columns\":[", t->rows,
			     !strcmp(t->name, "projects") || !strcmp(t->name, "schema_migrations")
				     ? "true"
				     : "false");

	for (i = 0; i < t->ncols && !rc; i++)
		rc = (i && ds_buf_addch(o, ',')) || ds_buf_addstr(o, "{\"name\":") ||
		     json_str_or_null(o, t->cols[i].name) || ds_buf_addstr(o, ",\"type\":") ||
		     json_str_or_null(o, t->cols[i].type) ||
		     ds_buf_addf(o, ",\"required\":%s,\"description\":",
				 t->cols[i].nullable ? "false" : "true") ||
		     json_str_or_null(o, t->cols[i].comment) || ds_buf_addch(o, '}');
	rc = rc || ds_buf_addstr(o, "],\"primary_key\":[");
	for (i = 0; i < t->npk && !rc; i++)
		rc = (i && ds_buf_addch(o, ',')) || json_str_or_null(o, t->pk[i]);
	return rc || ds_buf_addstr(o, "]}");
}

static void db_error_problem(struct api_req *r, const struct ds_error *e)
{
	api__problem(r, e->code == DB_ERR_CONFLICT ? API_PROBLEM_WRITE_CONFLICT
			: e->code == DB_ERR_FATAL || e->code == DB_ERR_NOMEM ? API_PROBLEM_UNAVAILABLE
									      : API_PROBLEM_INTERNAL,
		     NULL, "%s", ds_error_msg(e));
}

enum api_result api__admin_tables_list(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_table_info *t;
	size_t n, i;
	int rc;

	if (db_tables(r->ctx->db, NULL, &t, &n, &e)) {
		db_error_problem(r, &e);
		return API_DONE;
	}
	rc = ds_buf_addstr(&r->resp, "{\"tables\":[");
	for (i = 0; i < n && !rc; i++)
		rc = (i && ds_buf_addch(&r->resp, ',')) || render_table(&r->resp, &t[i]);
	rc = rc || ds_buf_addstr(&r->resp, "]}");
	db_tables_free(t, n);
	if (rc)
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "the listing is larger than the response limit");
	else
		api__json(r, 200);
	return API_DONE;
}

/* One table as the body, status given (200, 201). 0, or -1 when it is gone (404). */
static int answer_table(struct api_req *r, const char *name, int status)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_table_info *t;
	size_t n;

	if (db_tables(r->ctx->db, name, &t, &n, &e)) {
		db_error_problem(r, &e);
		return 0;
	}
	if (!n) {
		api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no table '%.100s'", name);
		db_tables_free(t, n);
		return -1;
	}
	ds_buf_reset(&r->resp);
	if (render_table(&r->resp, &t[0]))
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "the table is larger than the response limit");
	else
		api__json(r, status);
	db_tables_free(t, n);
	return 0;
}

enum api_result api__admin_tables_get(struct api_req *r)
{
	if (!is_ident(r->params[0], r->param_lens[0])) {
		api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no table '%.100s' (not an identifier)",
			     r->params[0]);
		return API_DONE;
	}
	answer_table(r, r->params[0], 200);
	return API_DONE;
}

/* --- create ------------------------------------------------------------------------------- */

static const struct api_json *member(const struct api_json *o, const char *key)
{
	return api_json_get(o, key);
}

/* Only these members; the first other one is answered 400. */
static int only_members(struct api_req *r, const struct api_json *o, const char *const *known,
			const char *where)
{
	const struct api_json *m;
	size_t i;

	for (m = o->child; m; m = m->next) {
		for (i = 0; known[i]; i++)
			if (strlen(known[i]) == m->key_len && !strcmp(known[i], m->key))
				break;
		if (!known[i]) {
			const char *k = ds_arena_strndup(&r->arena, m->key, m->key_len > 60 ? 60 : m->key_len);

			api__problem(r, API_PROBLEM_UNKNOWN_FIELD, k ? k : "?",
				     "%s: field '%s' is not known", where, k ? k : "?");
			return -1;
		}
	}
	return 0;
}

static int description(struct api_req *r, const struct api_json *v, const char *field,
		       const char **out)
{
	*out = NULL;
	if (!v || v->type == API_JSON_NULL)
		return 0;
	if (v->type != API_JSON_STRING || v->has_nul || v->len > DESCRIPTION_MAX) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, field,
			     "'%s' must be a string of at most %d bytes without NUL", field,
			     DESCRIPTION_MAX);
		return -1;
	}
	*out = v->s;
	return 0;
}

enum api_result api__admin_tables_create(struct api_req *r)
{
	static const char *const table_keys[] = {"name", "columns", "primary_key", "description", NULL};
	static const char *const col_keys[] = {"name", "type", "required", "description", NULL};
	struct ds_error e = DS_ERROR_INIT;
	struct api_json *doc;
	const struct api_json *name, *cols, *pk, *c, *tdesc;
	const char *desc;
	struct ds_buf ddl = DS_BUF_INIT(API_BODY_LIMIT * 2), comments = DS_BUF_INIT(API_BODY_LIMIT * 2);
	struct ds_buf type = DS_BUF_INIT(256);
	const char **colnames;
	size_t ncols = 0, i, k;
	char why[200];

	if (api__body_object(r, &doc))
		return API_DONE;
	if (only_members(r, doc, table_keys, "table"))
		return API_DONE;
	name = member(doc, "name");
	cols = member(doc, "columns");
	pk = member(doc, "primary_key");
	tdesc = member(doc, "description");
	if (!name || !cols) {
		api__problem(r, API_PROBLEM_MISSING_FIELD, !name ? "name" : "columns",
			     "field '%s' is required", !name ? "name" : "columns");
		return API_DONE;
	}
	if (name->type != API_JSON_STRING || !is_ident(name->s, name->len)) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "name",
			     "'name' must be an identifier: a letter or '_', then letters, digits or "
			     "'_', at most %d",
			     IDENT_MAX);
		return API_DONE;
	}
	if (reserved_table(name->s)) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "name",
			     "'%s' would shadow DuckDB's catalog; names starting with duckdb_, pg_ "
			     "or sqlite_ are reserved",
			     name->s);
		return API_DONE;
	}
	if (cols->type != API_JSON_ARRAY || cols->count == 0 || cols->count > MAX_COLUMNS) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "columns",
			     "'columns' must be an array of 1 to %d column objects", MAX_COLUMNS);
		return API_DONE;
	}
	if (description(r, tdesc, "description", &desc))
		return API_DONE;
	colnames = ds_arena_calloc(&r->arena, cols->count * sizeof(*colnames));
	if (!colnames) {
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
		return API_DONE;
	}
	ds_buf_addstr(&ddl, "CREATE TABLE main.");
	db_quote_ident(&ddl, name->s);
	ds_buf_addstr(&ddl, " (");
	if (desc) {
		ds_buf_addstr(&comments, ";\nCOMMENT ON TABLE main.");
		db_quote_ident(&comments, name->s);
		ds_buf_addstr(&comments, " IS ");
		db_quote_literal(&comments, desc);
	}
	for (c = cols->child; c; c = c->next, ncols++) {
		const struct api_json *cn, *ct, *creq;
		const char *cdesc;
		char field[32];

		snprintf(field, sizeof(field), "columns[%zu]", ncols);
		if (c->type != API_JSON_OBJECT) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, field, "%s must be an object", field);
			goto out;
		}
		if (only_members(r, c, col_keys, field))
			goto out;
		cn = member(c, "name");
		ct = member(c, "type");
		creq = member(c, "required");
		if (!cn || !ct) {
			api__problem(r, API_PROBLEM_MISSING_FIELD, field, "%s: '%s' is required", field,
				     !cn ? "name" : "type");
			goto out;
		}
		if (cn->type != API_JSON_STRING || !is_ident(cn->s, cn->len)) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, field,
				     "%s: 'name' must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most "
				     "%d)",
				     field, IDENT_MAX);
			goto out;
		}
		for (k = 0; k < ncols; k++)
			if (!strcasecmp(colnames[k], cn->s)) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, field,
					     "%s: column '%s' appears twice (names are case-insensitive)",
					     field, cn->s);
				goto out;
			}
		colnames[ncols] = cn->s;
		ds_buf_reset(&type);
		if (ct->type != API_JSON_STRING || ct->has_nul || ct->len > 200 ||
		    parse_type(r->ctx, ct->s, &type, why, sizeof(why))) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, field, "%s: 'type': %s", field,
				     ct->type == API_JSON_STRING ? why : "must be a string");
			goto out;
		}
		if (creq && creq->type != API_JSON_TRUE && creq->type != API_JSON_FALSE) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, field, "%s: 'required' must be a boolean",
				     field);
			goto out;
		}
		if (description(r, member(c, "description"), field, &cdesc))
			goto out;
		if (ncols)
			ds_buf_addstr(&ddl, ", ");
		db_quote_ident(&ddl, cn->s);
		ds_buf_addch(&ddl, ' ');
		ds_buf_addstr(&ddl, ds_buf_str(&type));
		if (creq && creq->type == API_JSON_TRUE)
			ds_buf_addstr(&ddl, " NOT NULL");
		if (cdesc) {
			ds_buf_addstr(&comments, ";\nCOMMENT ON COLUMN main.");
			db_quote_ident(&comments, name->s);
			ds_buf_addch(&comments, '.');
			db_quote_ident(&comments, cn->s);
			ds_buf_addstr(&comments, " IS ");
			db_quote_literal(&comments, cdesc);
		}
	}
	if (pk && pk->type != API_JSON_NULL) {
		const struct api_json *one = pk->type == API_JSON_STRING ? pk : NULL, *v;

		if (!one && (pk->type != API_JSON_ARRAY || pk->count == 0)) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, "primary_key",
				     "'primary_key' must be a column name or a non-empty array of them");
			goto out;
		}
		ds_buf_addstr(&ddl, ", PRIMARY KEY (");
		for (v = one ? one : pk->child, i = 0; v; v = one ? NULL : v->next, i++) {
			for (k = 0; k < ncols && v->type == API_JSON_STRING; k++)
				if (!strcmp(colnames[k], v->s))
					break;
			if (v->type != API_JSON_STRING || k == ncols) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, "primary_key",
					     "'primary_key' names '%.60s', which is not a column",
					     v->type == API_JSON_STRING ? v->s : "(not a string)");
				goto out;
			}
			if (i)
				ds_buf_addstr(&ddl, ", ");
			db_quote_ident(&ddl, v->s);
		}
		ds_buf_addch(&ddl, ')');
	}
	ds_buf_addch(&ddl, ')');
	if (ds_buf_add(&ddl, ds_buf_str(&comments), comments.len)) {
		api__problem(r, API_PROBLEM_PAYLOAD_TOO_LARGE, NULL, "the schema is too large");
		goto out;
	}
	if (db_exec_transaction(r->ctx->db, ds_buf_str(&ddl), &e)) {
		const char *m = ds_error_msg(&e);

		if (strstr(m, "already exists"))
			api__problem(r, API_PROBLEM_TABLE_EXISTS, "name", "a table named '%s' exists",
				     name->s);
		else if (e.code == DB_ERR_FATAL || e.code == DB_ERR_NOMEM)
			api__problem(r, API_PROBLEM_UNAVAILABLE, NULL, "%s", m);
		else
			/* DuckDB refused the schema (a key over a LIST column, ...). */
			api__problem(r, API_PROBLEM_INVALID_FIELD, NULL, "%s", m);
		goto out;
	}
	ds_log(DS_LOG_INFO, "admin", "created table '%s' (%zu columns)", name->s, ncols);
	if (!answer_table(r, name->s, 201)) {
		char *loc = ds_arena_printf(&r->arena, "/admin/tables/%s", name->s);

		if (loc && r->status == 201)
			api__header(r, "Location", loc);
	}
out:
	ds_buf_release(&ddl);
	ds_buf_release(&comments);
	ds_buf_release(&type);
	return API_DONE;
}

/* --- delete ------------------------------------------------------------------------------- */

enum api_result api__admin_tables_delete(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_table_info *t;
	const char *name = r->params[0], *force = api__query(r, "force");
	struct ds_buf sql = DS_BUF_INIT(4096);
	size_t n, i;
	int forced = 0;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, "force")) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, r->query[i].key,
				     "unknown query parameter '%.40s' (known: force)", r->query[i].key);
			return API_DONE;
		}
	if (force) {
		if (!strcmp(force, "true"))
			forced = 1;
		else if (strcmp(force, "false")) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, "force",
				     "'force' must be true or false, not '%.20s'", force);
			return API_DONE;
		}
	}
	if (!is_ident(name, r->param_lens[0])) {
		api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no table '%.100s' (not an identifier)", name);
		return API_DONE;
	}
	if (!strcmp(name, "schema_migrations")) {
		api__problem(r, API_PROBLEM_PROTECTED_TABLE, NULL,
			     "'schema_migrations' is the server's record of its schema and cannot be "
			     "dropped");
		return API_DONE;
	}
	if (!strcmp(name, "projects") && !forced) {
		api__problem(r, API_PROBLEM_PROTECTED_TABLE, NULL,
			     "'projects' is the built-in resource of /ops/projects; add ?force=true to "
			     "drop it (the next start recreates it empty)");
		return API_DONE;
	}
	if (db_tables(r->ctx->db, name, &t, &n, &e)) {
		db_error_problem(r, &e);
		return API_DONE;
	}
	db_tables_free(t, n);
	if (!n) {
		api__problem(r, API_PROBLEM_NOT_FOUND, NULL, "no table '%s'", name);
		return API_DONE;
	}
	ds_buf_addstr(&sql, "DROP TABLE main.");
	db_quote_ident(&sql, name);
	if (!strcmp(name, "projects"))
		ds_buf_addf(&sql, "; DELETE FROM schema_migrations WHERE version = %d",
			    API_PROJECTS_MIGRATION);
	if (db_exec_transaction(r->ctx->db, ds_buf_str(&sql), &e)) {
		db_error_problem(r, &e);
	} else {
		ds_log(DS_LOG_WARN, "admin", "dropped table '%s'%s", name, forced ? " (forced)" : "");
		r->status = 204;
	}
	ds_buf_release(&sql);
	return API_DONE;
}

/* --- the log level and CHECKPOINT --------------------------------------------------------- */

enum api_result api__admin_log_level_get(struct api_req *r)
{
	ds_buf_addf(&r->resp, "{\"level\":\"%s\"}", ds_log_level_name(ds_log_get_level()));
	api__json(r, 200);
	return API_DONE;
}

enum api_result api__admin_log_level_set(struct api_req *r)
{
	static const char *const keys[] = {"level", NULL};
	struct api_json *doc;
	const struct api_json *lv;
	enum ds_log_level old = ds_log_get_level(), level;

	if (api__body_object(r, &doc))
		return API_DONE;
	if (only_members(r, doc, keys, "body"))
		return API_DONE;
	lv = member(doc, "level");
	if (!lv) {
		api__problem(r, API_PROBLEM_MISSING_FIELD, "level", "field 'level' is required");
		return API_DONE;
	}
	if (lv->type != API_JSON_STRING || ds_log_level_parse(lv->s, &level)) {
		api__problem(r, API_PROBLEM_INVALID_FIELD, "level",
			     "'level' must be debug, info, warn, error or off");
		return API_DONE;
	}
	/* Said at warn, so that it shows at every level but error and off. */
	ds_log(DS_LOG_WARN, "admin", "log level %s -> %s", ds_log_level_name(old),
	       ds_log_level_name(level));
	ds_log_set_level(level);
	ds_buf_addf(&r->resp, "{\"level\":\"%s\",\"previous\":\"%s\"}", ds_log_level_name(level),
		    ds_log_level_name(old));
	api__json(r, 200);
	return API_DONE;
}

enum api_result api__admin_checkpoint(struct api_req *r)
{
	long long before = db_file_size(r->ctx->db);
	int64_t t0 = ds_clock_mono_ns();
	int attempt;

	if (r->body_len) {
		struct ds_error e = DS_ERROR_INIT;
		struct api_json *doc;

		if (api_json_parse(&r->arena, r->body, r->body_len, &doc, &e) ||
		    doc->type != API_JSON_OBJECT || doc->count) {
			api__problem(r, API_PROBLEM_INVALID_JSON, NULL,
				     "POST /admin/checkpoint takes no body (or {})");
			return API_DONE;
		}
	}
	/* DuckDB refuses a CHECKPOINT while another transaction has written and not committed;
	 * the group-commit writer holds one only for the length of a batch. */
	for (attempt = 0;; attempt++) {
		struct ds_error e = DS_ERROR_INIT;
		struct timespec nap = {0, 20 * 1000 * 1000};

		if (!db_exec_sql(r->ctx->db, "CHECKPOINT", &e))
			break;
		if (attempt < 50 && (strstr(ds_error_msg(&e), "transaction") ||
				     e.code == DB_ERR_CONFLICT)) {
			nanosleep(&nap, NULL);
			continue;
		}
		db_error_problem(r, &e);
		return API_DONE;
	}
	ds_log(DS_LOG_INFO, "admin", "checkpoint done");
	ds_buf_addf(&r->resp,
		    "{\"checkpoint\":\"done\",\"duration_ms\":%.3f,\"database_size_bytes_before\":%lld,"
		    "\"database_size_bytes\":%lld}",
		    (double)(ds_clock_mono_ns() - t0) / 1e6, before, db_file_size(r->ctx->db));
	api__json(r, 200);
	return API_DONE;
}
