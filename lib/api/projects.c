/*
 * api/projects.c - the /ops/projects resource: schema, validation, handlers.
 *
 * Validation lives here, in one table (fields[]): each field's JSON kind, its SQL type,
 * whether a create needs it, its bounds. A request body is checked against the table
 * completely before anything reaches DuckDB, and the first problem found is answered with
 * a 400 naming the field. Every value is bound as a parameter; no request text is ever
 * spliced into SQL.
 *
 * Writes (create, update, delete) become jobs for the group-commit writer (db/writer.h) and
 * are answered only after the transaction holding them has committed. The response shows the
 * stored row, defaults included: a create renders the values it wrote (they go through
 * DuckDB's appender, which returns nothing), a PATCH reads the row back in the same
 * transaction (not UPDATE ... RETURNING, which DuckDB 1.4.4 does not check for write
 * conflicts; see db/writer.h).
 *
 * Listing is ordered by creation_date DESC, project_id DESC (project_id breaks ties, so the
 * order is total and pages never overlap). DuckDB has no ordered index to walk, so a plain
 * ORDER BY ... LIMIT is a top-N over the whole table (~17 ms for 100,000 rows, ~53 ms and
 * 50,000 buffered rows at OFFSET 50000). Instead, a list request first reads the histogram
 * of creation dates (one GROUP BY over one narrow column, ~0.3 ms for 100,000 rows), finds
 * there exactly which dates the page spans and how many rows come before them, and then
 * runs the page query bounded to those dates with the small remaining offset. Rows are
 * appended over time, so a table's dates are clustered by position and DuckDB's zone maps
 * skip everything outside the bounds: a page costs about the same at any depth. The answer
 * is exactly the plain ORDER BY's (tests/unit/api/projects.c checks it against one). See
 * docs/internals/serve.md.
 */
#include "api/internal.h"
#include "api/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"

#define COLS                                                                                \
	"project_id, project_name, description, total_amount, maturity_years, expected_tri, " \
	"dscr, status, creation_date, last_updated, currency_code"
#define COL_PROJECT_ID 0
#define COL_CREATION_DATE 8

static const struct db_migration migrations[] = {
	{1, "CREATE TABLE projects ("
	    " project_id UUID PRIMARY KEY,"
	    " project_name VARCHAR NOT NULL,"
	    " description TEXT,"
	    " total_amount DECIMAL(20,2) NOT NULL CHECK (total_amount >= 0),"
	    " maturity_years INTEGER NOT NULL CHECK (maturity_years >= 0),"
	    " expected_tri DECIMAL(5,2) NOT NULL,"
	    " dscr DECIMAL(5,2) NOT NULL,"
	    " status VARCHAR NOT NULL DEFAULT 'PROPOSED'"
	    "   CHECK (status IN ('PROPOSED', 'ACTIVE', 'COMPLETED')),"
	    " creation_date DATE NOT NULL DEFAULT current_date,"
	    " last_updated TIMESTAMP NOT NULL DEFAULT localtimestamp,"
	    " currency_code VARCHAR NOT NULL DEFAULT 'USD'"
	    "   CHECK (regexp_full_match(currency_code, '[A-Z]{3}'))"
	    ")"},
};

/* --- the schema ---------------------------------------------------------------------------- */

enum kind { K_TEXT, K_DECIMAL, K_INT, K_STATUS, K_DATE, K_CURRENCY };

enum field_flags {
	F_REQUIRED = 1 << 0, /* a create must give it */
	F_NULLABLE = 1 << 1, /* null is a value */
	F_NONNEG = 1 << 2,   /* >= 0 */
	F_NONEMPTY = 1 << 3, /* a string with at least one non-space character */
};

struct field {
	const char *name;
	enum kind kind;
	int width, scale; /* K_DECIMAL */
	long max;         /* K_TEXT: characters; K_INT: largest value */
	unsigned flags;
};

/* The order is the order of the INSERT's and the UPDATE's parameters below. */
static const struct field fields[] = {
	{"project_name", K_TEXT, 0, 0, 200, F_REQUIRED | F_NONEMPTY},
	{"description", K_TEXT, 0, 0, 10000, F_NULLABLE},
	{"total_amount", K_DECIMAL, 20, 2, 0, F_REQUIRED | F_NONNEG},
	{"maturity_years", K_INT, 0, 0, 1000, F_REQUIRED | F_NONNEG},
	{"expected_tri", K_DECIMAL, 5, 2, 0, F_REQUIRED},
	{"dscr", K_DECIMAL, 5, 2, 0, F_REQUIRED},
	{"status", K_STATUS, 0, 0, 0, 0},
	{"creation_date", K_DATE, 0, 0, 0, 0},
	{"currency_code", K_CURRENCY, 0, 0, 0, 0},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
enum { FI_NAME, FI_DESC, FI_AMOUNT, FI_YEARS, FI_TRI, FI_DSCR, FI_STATUS, FI_DATE, FI_CURRENCY };

static const char *const statuses[] = {"PROPOSED", "ACTIVE", "COMPLETED"};

/* A validated body: for each field, whether it was given and its parameter. */
struct input {
	int seen[NFIELDS];
	struct db_param v[NFIELDS];
	int has_id;
	unsigned char id[16];
};

static size_t utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* A copy of a key fit for the "field" member: bounded. */
static const char *field_name(struct api_req *r, const char *key, size_t n)
{
	const char *f = ds_arena_strndup(&r->arena, key, n > 100 ? 100 : n);

	return f ? f : "?";
}

static int check_value(struct api_req *r, const struct field *f, const struct api_json *v,
		       struct db_param *out)
{
	struct ds_error e = DS_ERROR_INIT;
	size_t i;

	if (v->type == API_JSON_NULL) {
		if (f->flags & F_NULLABLE) {
			out->type = DB_PARAM_NULL;
			return 0;
		}
		api__problem(r, API_PROBLEM_INVALID_FIELD, f->name, "field '%s' must not be null",
			     f->name);
		return -1;
	}
	switch (f->kind) {
	case K_TEXT:
		if (v->type != API_JSON_STRING)
			break;
		if (v->has_nul) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' contains a NUL character", f->name);
			return -1;
		}
		if (utf8_chars(v->s, v->len) > (size_t)f->max) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' is longer than %ld characters", f->name, f->max);
			return -1;
		}
		if (f->flags & F_NONEMPTY) {
			for (i = 0; i < v->len && (v->s[i] == ' ' || v->s[i] == '\t'); i++)
				;
			if (i == v->len) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
					     "field '%s' must not be empty", f->name);
				return -1;
			}
		}
		out->type = DB_PARAM_TEXT;
		out->v.text.s = v->s;
		out->v.text.len = v->len;
		return 0;
	case K_DECIMAL:
		/* A number, or a string holding one: clients whose JSON library would turn
		 * 1234567890.12 into a double send "1234567890.12". */
		if (v->type != API_JSON_NUMBER && v->type != API_JSON_STRING)
			break;
		if (db_decimal_parse(v->s, v->len, f->width, f->scale, &out->v.dec, &e)) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name, "field '%s': %s", f->name,
				     ds_error_msg(&e));
			return -1;
		}
		if ((f->flags & F_NONNEG) && db_decimal_sign(&out->v.dec) < 0) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must not be negative", f->name);
			return -1;
		}
		out->type = DB_PARAM_DECIMAL;
		return 0;
	case K_INT: {
		char buf[32], *end;
		long long n;

		if (v->type != API_JSON_NUMBER)
			break;
		if (!api_json_is_integer(v) || v->len >= sizeof(buf)) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must be a whole number, not %.40s", f->name,
				     ds_arena_strndup(&r->arena, v->s, v->len > 40 ? 40 : v->len));
			return -1;
		}
		memcpy(buf, v->s, v->len);
		buf[v->len] = '\0';
		errno = 0;
		n = strtoll(buf, &end, 10);
		if ((f->flags & F_NONNEG) && n < 0) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must not be negative", f->name);
			return -1;
		}
		if (errno || n > f->max || n < -f->max) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must be at most %ld", f->name, f->max);
			return -1;
		}
		out->type = DB_PARAM_INT;
		out->v.i = n;
		return 0;
	}
	case K_STATUS:
		if (v->type != API_JSON_STRING)
			break;
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (!strcmp(v->s, statuses[i]) && strlen(statuses[i]) == v->len)
				break;
		if (i == sizeof(statuses) / sizeof(statuses[0])) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must be one of PROPOSED, ACTIVE, COMPLETED, not '%.40s'",
				     f->name, v->s);
			return -1;
		}
		out->type = DB_PARAM_TEXT;
		out->v.text.s = statuses[i];
		out->v.text.len = strlen(statuses[i]);
		return 0;
	case K_DATE:
		if (v->type != API_JSON_STRING)
			break;
		if (ds_date_parse(v->s, v->len, &out->v.days)) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must be a date as YYYY-MM-DD, not '%.40s'", f->name,
				     v->s);
			return -1;
		}
		out->type = DB_PARAM_DATE;
		return 0;
	case K_CURRENCY:
		if (v->type != API_JSON_STRING)
			break;
		if (v->len != 3 || v->s[0] < 'A' || v->s[0] > 'Z' || v->s[1] < 'A' || v->s[1] > 'Z' ||
		    v->s[2] < 'A' || v->s[2] > 'Z') {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name,
				     "field '%s' must be three upper-case letters (ISO 4217), not '%.40s'",
				     f->name, v->s);
			return -1;
		}
		out->type = DB_PARAM_TEXT;
		out->v.text.s = v->s;
		out->v.text.len = 3;
		return 0;
	}
	{
		static const char *const want[] = {"a string", "a number or a decimal string",
						   "a whole number", "a string", "a date string",
						   "a string"};

		api__problem(r, API_PROBLEM_INVALID_FIELD, f->name, "field '%s' must be %s, not %s",
			     f->name, want[f->kind], api_json_type_name(v->type));
	}
	return -1;
}

/* Parse and check the body against the schema. 0, or -1 when r is answered. */
static int read_body(struct api_req *r, int create, struct input *in)
{
	struct api_json *doc;
	const struct api_json *m;
	size_t i;

	memset(in, 0, sizeof(*in));
	if (r->body_len == 0) {
		api__problem(r, API_PROBLEM_INVALID_JSON, NULL, "the body is empty; send a JSON object");
		return -1;
	}
	if (api__body_object(r, &doc))
		return -1;
	for (m = doc->child; m; m = m->next) {
		const struct field *f = NULL;

		for (i = 0; i < NFIELDS; i++)
			if (strlen(fields[i].name) == m->key_len && !strcmp(fields[i].name, m->key))
				f = &fields[i];
		if (!f) {
			const char *name = field_name(r, m->key, m->key_len);

			if (m->key_len == 10 && !strcmp(m->key, "project_id") && create) {
				if (in->has_id) {
					api__problem(r, API_PROBLEM_INVALID_FIELD, "project_id",
						     "field 'project_id' appears twice");
					return -1;
				}
				if (m->type != API_JSON_STRING || ds_uuid_parse(m->s, m->len, in->id)) {
					api__problem(r, API_PROBLEM_INVALID_FIELD, "project_id",
						     "field 'project_id' must be a UUID string "
						     "(8-4-4-4-12 hex digits)");
					return -1;
				}
				in->has_id = 1;
			} else if (!strcmp(name, "project_id") || !strcmp(name, "last_updated")) {
				api__problem(r, API_PROBLEM_INVALID_FIELD, name,
					     "field '%s' is set by the server and cannot be changed", name);
				return -1;
			} else {
				api__problem(r, API_PROBLEM_UNKNOWN_FIELD, name,
					     "field '%s' is not a project field (known: project_name, "
					     "description, total_amount, maturity_years, expected_tri, "
					     "dscr, status, creation_date, currency_code)",
					     name);
				return -1;
			}
			continue;
		}
		i = (size_t)(f - fields);
		if (in->seen[i]) {
			api__problem(r, API_PROBLEM_INVALID_FIELD, f->name, "field '%s' appears twice",
				     f->name);
			return -1;
		}
		in->seen[i] = 1;
		if (check_value(r, f, m, &in->v[i]))
			return -1;
	}
	if (create) {
		for (i = 0; i < NFIELDS; i++)
			if ((fields[i].flags & F_REQUIRED) && !in->seen[i]) {
				api__problem(r, API_PROBLEM_MISSING_FIELD, fields[i].name,
					     "field '%s' is required", fields[i].name);
				return -1;
			}
	} else {
		for (i = 0; i < NFIELDS && !in->seen[i]; i++)
			;
		if (i == NFIELDS) {
			api__problem(r, API_PROBLEM_MISSING_FIELD, NULL,
				     "the body names no field to change");
			return -1;
		}
	}
	return 0;
}

/* The {id} path parameter as a UUID. 0, or -1 when r is answered. */
static int path_id(struct api_req *r, unsigned char id[16])
{
	if (ds_uuid_parse(r->params[0], r->param_lens[0], id)) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, "project_id",
			     "'%.60s' is not a project id (a UUID: 8-4-4-4-12 hex digits)", r->params[0]);
		return -1;
	}
	return 0;
}

/* Answer a failed database call. */
static void db_problem(struct api_req *r, const struct ds_error *e, const char *what)
{
	switch (e->code) {
	case DB_ERR_CONFLICT:
		api__problem(r, API_PROBLEM_WRITE_CONFLICT, NULL, "%s: %s", what, ds_error_msg(e));
		break;
	case DB_ERR_CONSTRAINT:
		if (strstr(ds_error_msg(e), "uplicate key"))
			api__problem(r, API_PROBLEM_WRITE_CONFLICT, "project_id",
				     "%s: a project with this project_id exists", what);
		else
			api__problem(r, API_PROBLEM_INVALID_FIELD, NULL, "%s: %s", what, ds_error_msg(e));
		break;
	case DB_ERR_INPUT:
		api__problem(r, API_PROBLEM_INVALID_FIELD, NULL, "%s: %s", what, ds_error_msg(e));
		break;
	case DB_ERR_CLOSED:
	case DB_ERR_FATAL:
	case DB_ERR_NOMEM:
		api__problem(r, API_PROBLEM_UNAVAILABLE, NULL, "%s: %s", what, ds_error_msg(e));
		break;
	default:
		ds_log(DS_LOG_ERROR, "api", "%s: %s", what, ds_error_msg(e));
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "%s failed; see the server log (request %s)",
			     what, r->request_id);
		break;
	}
}

static struct db_conn *conn(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *c = db_conn_get(r->ctx->db, &e);

	if (!c)
		api__problem(r, API_PROBLEM_UNAVAILABLE, NULL, "no database connection: %s",
			     ds_error_msg(&e));
	return c;
}

static void *alloc_or_500(struct api_req *r, size_t n)
{
	void *p = ds_arena_calloc(&r->arena, n);

	if (!p)
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
	return p;
}

/* --- create ------------------------------------------------------------------------------- */

/* The row as GET renders it (db/result.c): same keys, same order, same value formats. A
 * create answers with this, rendered from the values it wrote, so that the appender path
 * (which returns no rows) and the INSERT path answer alike; a unit test checks that it is
 * byte for byte what a GET of the stored row returns. row[] is in table column order. */
static int render_row(struct ds_buf *o, const struct db_param *row)
{
	static const char *const keys[] = {"project_id",   "project_name", "description",
					   "total_amount", "maturity_years", "expected_tri",
					   "dscr",         "status",       "creation_date",
					   "last_updated", "currency_code"};
	char tmp[64];
	size_t i;
	int rc = 0;

	for (i = 0; i < 11; i++) {
		const struct db_param *v = &row[i];

		rc |= ds_buf_addstr(o, i ? ",\"" : "{\"");
		rc |= ds_buf_addstr(o, keys[i]);
		rc |= ds_buf_addstr(o, "\":");
		switch (v->type) {
		case DB_PARAM_NULL:
			rc |= ds_buf_addstr(o, "null");
			break;
		case DB_PARAM_TEXT:
			rc |= ds_buf_addch(o, '"') || ds_buf_add_json_escaped(o, v->v.text.s, v->v.text.len) ||
			      ds_buf_addch(o, '"');
			break;
		case DB_PARAM_INT:
		case DB_PARAM_BOOL:
			rc |= ds_buf_addf(o, "%lld", v->v.i);
			break;
		case DB_PARAM_DECIMAL: {
			char d[DB_DECIMAL_STR_MAX];

			db_decimal_format(&v->v.dec, d);
			rc |= ds_buf_addstr(o, d);
			break;
		}
		case DB_PARAM_UUID:
			ds_uuid_format(v->v.uuid, tmp);
			rc |= ds_buf_addf(o, "\"%s\"", tmp);
			break;
		case DB_PARAM_DATE:
			ds_date_format(v->v.days, tmp);
			rc |= ds_buf_addf(o, "\"%s\"", tmp);
			break;
		case DB_PARAM_TIMESTAMP:
			ds_timestamp_format(v->v.micros, tmp);
			rc |= ds_buf_addf(o, "\"%s\"", tmp);
			break;
		}
	}
	return rc || ds_buf_addch(o, '}');
}

static void create_done(struct api_req *r)
{
	if (r->job.err.set) {
		db_problem(r, &r->job.err, "creating the project");
		return;
	}
	ds_buf_reset(&r->resp);
	if (render_row(&r->resp, r->job.params)) {
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "the response does not fit");
		return;
	}
	api__header(r, "Location", r->handler_state);
	api__json(r, 201);
}

enum api_result api__projects_create(struct api_req *r)
{
	struct input in;
	struct db_param *p;
	char id[DS_UUID_STR_LEN + 1];
	int64_t now_us = ds_clock_real_us();

	if (read_body(r, 1, &in))
		return API_DONE;
	if (!in.has_id && ds_uuid_v4(in.id)) {
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "no randomness for a project id");
		return API_DONE;
	}
	p = alloc_or_500(r, 11 * sizeof(*p));
	if (!p)
		return API_DONE;
	/* Defaults are applied here rather than by DuckDB so that they are UTC and the same
	 * on every machine (DuckDB's current_date follows the session's time zone). */
	if (!in.seen[FI_STATUS]) {
		in.v[FI_STATUS].type = DB_PARAM_TEXT;
		in.v[FI_STATUS].v.text.s = "PROPOSED";
		in.v[FI_STATUS].v.text.len = 8;
	}
	if (!in.seen[FI_DATE]) {
		in.v[FI_DATE].type = DB_PARAM_DATE;
		in.v[FI_DATE].v.days = (int32_t)(now_us / 86400000000LL);
	}
	if (!in.seen[FI_CURRENCY]) {
		in.v[FI_CURRENCY].type = DB_PARAM_TEXT;
		in.v[FI_CURRENCY].v.text.s = "USD";
		in.v[FI_CURRENCY].v.text.len = 3;
	}
	if (!in.seen[FI_DESC])
		in.v[FI_DESC].type = DB_PARAM_NULL;
	/* The table's column order (COLS): the appender needs it. */
	p[0].type = DB_PARAM_UUID;
	memcpy(p[0].v.uuid, in.id, 16);
	p[1] = in.v[FI_NAME];
	p[2] = in.v[FI_DESC];
	p[3] = in.v[FI_AMOUNT];
	p[4] = in.v[FI_YEARS];
	p[5] = in.v[FI_TRI];
	p[6] = in.v[FI_DSCR];
	p[7] = in.v[FI_STATUS];
	p[8] = in.v[FI_DATE];
	p[9].type = DB_PARAM_TIMESTAMP;
	p[9].v.micros = now_us;
	p[10] = in.v[FI_CURRENCY];

	ds_uuid_format(in.id, id);
	r->handler_state = ds_arena_printf(&r->arena, "/ops/projects/%s", id);
	if (!r->handler_state) {
		api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
		return API_DONE;
	}
	/* The appender first (no statement to plan); the INSERT if the batch must be re-run
	 * (a duplicate project_id, say): see db/writer.h. */
	db_job_init(&r->job);
	r->job.append_table = "projects";
	r->job.append_row = p;
	r->job.append_ncols = 11;
	r->job.stmt = r->ctx->st.insert;
	r->job.params = p;
	r->job.nparams = 11;
	r->finish = create_done;
	return API_PENDING;
}

/* --- read one ------------------------------------------------------------------------------ */

enum api_result api__projects_get(struct api_req *r)
{
	struct ds_error e = DS_ERROR_INIT;
	struct db_param p;
	struct db_rows rows;
	struct db_conn *c;

	p.type = DB_PARAM_UUID;
	if (path_id(r, p.v.uuid) || !(c = conn(r)))
		return API_DONE;
	db_rows_init(&rows, &r->resp);
	if (db_query(c, r->ctx->st.get, &p, 1, &rows, &e)) {
		db_problem(r, &e, "reading the project");
		return API_DONE;
	}
	if (rows.rows == 0) {
		api__problem(r, API_PROBLEM_NOT_FOUND, "project_id", "no project '%s'", r->params[0]);
		return API_DONE;
	}
	api__json(r, 200);
	return API_DONE;
}

/* --- update -------------------------------------------------------------------------------- */

static void patch_done(struct api_req *r)
{
	if (r->job.err.set) {
		db_problem(r, &r->job.err, "updating the project");
		return;
	}
	if (r->job.rows.rows == 0) {
		api__problem(r, API_PROBLEM_NOT_FOUND, "project_id", "no project '%s'", r->params[0]);
		return;
	}
	api__json(r, 200);
}

enum api_result api__projects_patch(struct api_req *r)
{
	struct input in;
	unsigned char id[16];
	struct db_param *p;
	size_t i;

	if (path_id(r, id) || read_body(r, 0, &in))
		return API_DONE;
	p = alloc_or_500(r, 20 * sizeof(*p));
	if (!p)
		return API_DONE;
	p[0].type = DB_PARAM_UUID;
	memcpy(p[0].v.uuid, id, 16);
	for (i = 0; i < NFIELDS; i++) {
		p[1 + 2 * i].type = DB_PARAM_BOOL;
		p[1 + 2 * i].v.i = in.seen[i];
		p[2 + 2 * i] = in.seen[i] ? in.v[i] : (struct db_param){.type = DB_PARAM_NULL};
	}
	p[19].type = DB_PARAM_TIMESTAMP;
	p[19].v.micros = ds_clock_real_us();
	db_job_init(&r->job);
	r->job.stmt = r->ctx->st.update;
	r->job.params = p;
	r->job.nparams = 20;
	/* A plain UPDATE and a read-back, not UPDATE ... RETURNING: see db/writer.h (DuckDB
	 * 1.4.4 skips the write-conflict check for UPDATE with RETURNING). */
	r->job.read_back = 1;
	r->job.read_stmt = r->ctx->st.get;
	r->job.read_params = p;
	r->job.read_nparams = 1;
	db_rows_init(&r->job.rows, &r->resp);
	r->finish = patch_done;
	return API_PENDING;
}

/* --- delete -------------------------------------------------------------------------------- */

static void delete_done(struct api_req *r)
{
	if (r->job.err.set) {
		db_problem(r, &r->job.err, "deleting the project");
		return;
	}
	if (r->job.rows.rows == 0) {
		api__problem(r, API_PROBLEM_NOT_FOUND, "project_id", "no project '%s'", r->params[0]);
		return;
	}
	r->status = 204;
	r->resp_type = NULL;
}

enum api_result api__projects_delete(struct api_req *r)
{
	struct db_param *p;

	p = alloc_or_500(r, sizeof(*p));
	if (!p)
		return API_DONE;
	p->type = DB_PARAM_UUID;
	if (path_id(r, p->v.uuid))
		return API_DONE;
	db_job_init(&r->job);
	r->job.stmt = r->ctx->st.del;
	r->job.params = p;
	r->job.nparams = 1;
	db_rows_init(&r->job.rows, NULL);
	r->finish = delete_done;
	return API_PENDING;
}

/* --- list ---------------------------------------------------------------------------------- */

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 1000
#define OFFSET_MAX 100000000L
#define DAYS_MIN (-100000000) /* far below any date a client can send */
#define DAYS_MAX 100000000    /* far above */
/* Distinct creation dates the histogram may hold: first HIST_SMALL (11 years of days, 64 KiB,
 * from the request's arena without an mmap), then HIST_MAX (180 years); a table with more
 * falls back to an unbounded query, correct and slower. */
#define HIST_SMALL 4096
#define HIST_MAX 65536

struct list_args {
	long limit, offset;
	const char *status;
	int has_after;
	int32_t after_date;
	unsigned char after_id[16];
};

static int list_args(struct api_req *r, struct list_args *a)
{
	struct ds_error e = DS_ERROR_INIT;
	const char *v;
	size_t i;

	a->limit = LIMIT_DEFAULT;
	a->offset = 0;
	a->status = NULL;
	a->has_after = 0;
	if (r->query_overflow) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, NULL,
			     "too many query parameters (at most %d)", API_MAX_QUERY);
		return -1;
	}
	for (i = 0; i < r->nquery; i++) {
		const char *k = r->query[i].key;

		if (strcmp(k, "limit") && strcmp(k, "offset") && strcmp(k, "status") && strcmp(k, "after")) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, field_name(r, k, strlen(k)),
				     "unknown query parameter '%.60s' (known: limit, offset, status, after)",
				     k);
			return -1;
		}
	}
	if ((v = api__query(r, "limit")) && ds_parse_long(v, 1, LIMIT_MAX, &a->limit, &e)) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, "limit", "limit: %s", ds_error_msg(&e));
		return -1;
	}
	if ((v = api__query(r, "offset")) && ds_parse_long(v, 0, OFFSET_MAX, &a->offset, &e)) {
		api__problem(r, API_PROBLEM_INVALID_PARAMETER, "offset", "offset: %s", ds_error_msg(&e));
		return -1;
	}
	if ((v = api__query(r, "status"))) {
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (!strcmp(v, statuses[i]))
				a->status = statuses[i];
		if (!a->status) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, "status",
				     "status must be one of PROPOSED, ACTIVE, COMPLETED, not '%.40s'", v);
			return -1;
		}
	}
	if ((v = api__query(r, "after"))) {
		size_t n = strlen(v);

		if (n != 11 + DS_UUID_STR_LEN || v[10] != '_' || ds_date_parse(v, 10, &a->after_date) ||
		    ds_uuid_parse(v + 11, DS_UUID_STR_LEN, a->after_id)) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, "after",
				     "after must be a cursor from a previous page's next_after, not '%.60s'",
				     v);
			return -1;
		}
		if (a->offset) {
			api__problem(r, API_PROBLEM_INVALID_PARAMETER, "after",
				     "give either offset or after, not both");
			return -1;
		}
		a->has_after = 1;
	}
	return 0;
}

/* The dates a page spans, from the histogram h (n rows of {date, count}, dates descending):
 * [*lo, *hi], and how many rows sort before *hi (*before). Returns 0, or 1 when the page is
 * past the end. In keyset mode (after), h holds only dates <= the cursor's; the cursor's
 * own date may hold rows before the cursor, so it is not counted towards the page. */
static int page_bounds(const int64_t *h, size_t n, const struct list_args *a, int32_t *lo,
		       int32_t *hi, long *before)
{
	long long sum = 0, need;
	size_t i, first = 0;

	if (n == 0)
		return 1;
	if (a->has_after) {
		*hi = a->after_date;
		*before = 0;
		need = a->limit;
		i = 0;
		if (h[0] == a->after_date)
			i = 1; /* rows on the cursor's date: maybe none after it, count none */
	} else {
		/* The date holding the row at position offset. */
		for (first = 0; first < n; first++) {
			if (sum + h[2 * first + 1] > a->offset)
				break;
			sum += h[2 * first + 1];
		}
		if (first == n)
			return 1;
		*hi = (int32_t)h[2 * first];
		*before = (long)sum;
		need = a->offset + a->limit;
		i = first;
	}
	/* The date at which enough rows are in. */
	for (; i < n; i++) {
		sum += h[2 * i + 1];
		if (sum >= need)
			break;
	}
	*lo = (int32_t)h[2 * (i < n ? i : n - 1)];
	return 0;
}

enum api_result api__projects_list(struct api_req *r)
{
	struct api_ctx *ctx = r->ctx;
	struct ds_error e = DS_ERROR_INIT;
	struct list_args a;
	struct db_conn *c;
	struct db_param p[5];
	struct db_rows rows;
	int64_t *h;
	size_t nh = 0, np = 0, cap = HIST_SMALL;
	int32_t lo = DAYS_MIN, hi = DAYS_MAX;
	long before = 0;
	int empty = 0, stmt;

	if (list_args(r, &a) || !(c = conn(r)))
		return API_DONE;
	/* One snapshot for the histogram and the page: a write committed between the two
	 * would otherwise shift the page, or cut it short and end a keyset walk early. */
	if (db_conn_begin(c, &e)) {
		db_problem(r, &e, "listing projects");
		return API_DONE;
	}

	/* The histogram of creation dates, newest first (for this filter, and up to the
	 * cursor's date in keyset mode). */
	p[0].type = DB_PARAM_DATE;
	p[0].v.days = a.has_after ? a.after_date : DAYS_MAX;
	if (a.status) {
		p[1].type = DB_PARAM_TEXT;
		p[1].v.text.s = a.status;
		p[1].v.text.len = strlen(a.status);
	}
	for (;;) {
		h = ds_arena_alloc(&r->arena, sizeof(*h) * 2 * cap);
		if (!h) {
			db_conn_rollback(c);
			api__problem(r, API_PROBLEM_INTERNAL, NULL, "out of memory");
			return API_DONE;
		}
		ds_error_init(&e);
		if (!db_query_ints(c, a.status ? ctx->st.hist_status : ctx->st.hist, p,
				   a.status ? 2 : 1, h, 2, cap, &nh, &e) ||
		    e.code != DB_ERR_TOO_BIG || cap == HIST_MAX)
			break;
		cap = HIST_MAX;
	}
	if (e.set) {
		if (e.code != DB_ERR_TOO_BIG) {
			db_conn_rollback(c);
			db_problem(r, &e, "listing projects");
			return API_DONE;
		}
		/* Too many distinct dates for the histogram: no bounds, a plain top-N. */
		lo = DAYS_MIN;
		hi = a.has_after ? a.after_date : DAYS_MAX;
		before = 0;
	} else {
		empty = page_bounds(h, nh, &a, &lo, &hi, &before);
	}

	ds_buf_addstr(&r->resp, "{\"items\":[");
	db_rows_init(&rows, &r->resp);
	if (!empty) {
		p[np].type = DB_PARAM_DATE;
		p[np++].v.days = lo;
		p[np].type = DB_PARAM_DATE;
		p[np++].v.days = hi;
		if (a.has_after) {
			p[np].type = DB_PARAM_UUID;
			memcpy(p[np++].v.uuid, a.after_id, 16);
			p[np].type = DB_PARAM_INT;
			p[np++].v.i = a.limit;
			stmt = a.status ? ctx->st.list_after_status : ctx->st.list_after;
		} else {
			p[np].type = DB_PARAM_INT;
			p[np++].v.i = a.limit;
			p[np].type = DB_PARAM_INT;
			p[np++].v.i = a.offset - before;
			stmt = a.status ? ctx->st.list_status : ctx->st.list;
		}
		if (a.status) {
			p[np].type = DB_PARAM_TEXT;
			p[np].v.text.s = a.status;
			p[np++].v.text.len = strlen(a.status);
		}
		rows.key_cols[0] = COL_CREATION_DATE;
		rows.key_cols[1] = COL_PROJECT_ID;
		if (db_query(c, stmt, p, np, &rows, &e)) {
			db_conn_rollback(c);
			db_problem(r, &e, "listing projects");
			return API_DONE;
		}
	}
	if (db_conn_commit(c, &e)) {
		db_problem(r, &e, "listing projects");
		return API_DONE;
	}
	ds_buf_addf(&r->resp, "],\"limit\":%ld,\"offset\":%ld,\"count\":%ld,\"next_after\":", a.limit,
		    a.offset, rows.rows);
	if (rows.rows == a.limit)
		ds_buf_addf(&r->resp, "\"%s_%s\"}", rows.last_key[0], rows.last_key[1]);
	else
		ds_buf_addstr(&r->resp, "null}");
	api__json(r, 200);
	return API_DONE;
}

/* --- set-up ------------------------------------------------------------------------------- */

int api__projects_setup(struct api_ctx *ctx, struct ds_error *e)
{
	struct api_stmts *s = &ctx->st;
	struct db *db = ctx->db;

	if (db_migrate(db, migrations, sizeof(migrations) / sizeof(migrations[0]), e))
		return -1;
#define ADD(field, sql)                                  \
	do {                                             \
		if ((s->field = db_stmt_add(db, sql, e)) < 0) \
			return -1;                       \
	} while (0)
	ADD(get, "SELECT " COLS " FROM projects WHERE project_id = $1");
	ADD(insert, "INSERT INTO projects (" COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		    " $10, $11)");
	ADD(update, "UPDATE projects SET"
		    " project_name = CASE WHEN $2::BOOLEAN THEN $3::VARCHAR ELSE project_name END,"
		    " description = CASE WHEN $4::BOOLEAN THEN $5::VARCHAR ELSE description END,"
		    " total_amount = CASE WHEN $6::BOOLEAN THEN $7::DECIMAL(20,2) ELSE total_amount END,"
		    " maturity_years = CASE WHEN $8::BOOLEAN THEN $9::INTEGER ELSE maturity_years END,"
		    " expected_tri = CASE WHEN $10::BOOLEAN THEN $11::DECIMAL(5,2) ELSE expected_tri END,"
		    " dscr = CASE WHEN $12::BOOLEAN THEN $13::DECIMAL(5,2) ELSE dscr END,"
		    " status = CASE WHEN $14::BOOLEAN THEN $15::VARCHAR ELSE status END,"
		    " creation_date = CASE WHEN $16::BOOLEAN THEN $17::DATE ELSE creation_date END,"
		    " currency_code = CASE WHEN $18::BOOLEAN THEN $19::VARCHAR ELSE currency_code END,"
		    " last_updated = $20::TIMESTAMP"
		    " WHERE project_id = $1::UUID");
	ADD(del, "DELETE FROM projects WHERE project_id = $1 RETURNING project_id");
	ADD(hist, "SELECT creation_date, count(*) FROM projects WHERE creation_date <= $1"
		  " GROUP BY creation_date ORDER BY creation_date DESC");
	ADD(hist_status, "SELECT creation_date, count(*) FROM projects WHERE creation_date <= $1"
			 " AND status = $2 GROUP BY creation_date ORDER BY creation_date DESC");
	/* Both bounds as plain conjuncts: DuckDB pushes them into the scan as zone-map
	 * filters (an OR, as in the keyset predicate, it does not). */
	ADD(list, "SELECT " COLS " FROM projects WHERE creation_date >= $1 AND creation_date <= $2"
		  " ORDER BY creation_date DESC, project_id DESC LIMIT $3 OFFSET $4");
	ADD(list_status, "SELECT " COLS " FROM projects WHERE creation_date >= $1"
			 " AND creation_date <= $2 AND status = $5"
			 " ORDER BY creation_date DESC, project_id DESC LIMIT $3 OFFSET $4");
	ADD(list_after, "SELECT " COLS " FROM projects WHERE creation_date >= $1"
			" AND creation_date <= $2"
			" AND (creation_date < $2 OR (creation_date = $2 AND project_id < $3))"
			" ORDER BY creation_date DESC, project_id DESC LIMIT $4");
	ADD(list_after_status, "SELECT " COLS " FROM projects WHERE creation_date >= $1"
			       " AND creation_date <= $2"
			       " AND (creation_date < $2 OR (creation_date = $2 AND project_id < $3))"
			       " AND status = $5 ORDER BY creation_date DESC, project_id DESC LIMIT $4");
#undef ADD
	return 0;
}
