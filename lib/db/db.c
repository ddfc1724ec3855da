/*
 * db/db.c - opening and closing the database, per-thread connections, the statement
 * registry, parameter binding, migrations; see db.h.
 *
 * Connections are found through a pthread key per database rather than a plain
 * _Thread_local pointer, so that tests and tools may open several databases in one process.
 * Every connection is also on the database's list, because threads we do not own (MHD's
 * workers) may end without telling us: db_close() disconnects them all at once, when no
 * thread can be using them.
 */
#include "db/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"

int db__fail(struct db *db, struct ds_error *e, duckdb_error_type t, const char *msg,
	     const char *what)
{
	int code = DB_ERR_OTHER;

	if (!msg)
		msg = "unknown DuckDB error";
	switch (t) {
	case DUCKDB_ERROR_TRANSACTION:
		code = DB_ERR_CONFLICT;
		break;
	case DUCKDB_ERROR_CONSTRAINT:
		code = DB_ERR_CONSTRAINT;
		break;
	case DUCKDB_ERROR_CONVERSION:
	case DUCKDB_ERROR_OUT_OF_RANGE:
	case DUCKDB_ERROR_INVALID_INPUT:
	case DUCKDB_ERROR_DECIMAL:
	case DUCKDB_ERROR_MISMATCH_TYPE:
		code = DB_ERR_INPUT;
		break;
	case DUCKDB_ERROR_FATAL:
		code = DB_ERR_FATAL;
		break;
	case DUCKDB_ERROR_OUT_OF_MEMORY:
		code = DB_ERR_NOMEM;
		break;
	default:
		break;
	}
	/* After a fatal error (a failed WAL write, say) DuckDB refuses everything with
	 * "database has been invalidated", whatever the error type says. */
	if (strstr(msg, "database has been invalidated") || strstr(msg, "FATAL Error"))
		code = DB_ERR_FATAL;
	if (code == DB_ERR_FATAL && db)
		atomic_store(&db->fatal, 1);
	return ds_error_set(e, code, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

int db__exec(struct db_conn *c, const char *sql, struct ds_error *e)
{
	duckdb_result res;
	int rc = 0;

	if (duckdb_query(c->c, sql, &res) == DuckDBError)
		rc = db__fail(c->db, e, duckdb_result_error_type(&res), duckdb_result_error(&res), NULL);
	duckdb_destroy_result(&res);
	return rc;
}

/* DuckDB's lock error names the holder: '... Conflicting lock is held in /usr/bin/x (PID
 * 1234) by user ...'. The PID is what an operator needs; the rest is noise. */
static int lock_error(struct ds_error *e, const char *path, const char *msg)
{
	const char *p = strstr(msg, "(PID ");
	long pid = 0;

	if (p)
		pid = strtol(p + 5, NULL, 10);
	if (pid > 0)
		return ds_error_set(e, DB_ERR_LOCKED,
				    "database '%s' is in use by another process (PID %ld); one "
				    "server per database file",
				    path, pid);
	return ds_error_set(e, DB_ERR_LOCKED,
			    "database '%s' is in use by another process; one server per database "
			    "file",
			    path);
}

static int set_config(duckdb_config cfg, const char *name, const char *value,
		      struct ds_error *e)
{
	if (duckdb_set_config(cfg, name, value) == DuckDBError)
		return ds_error_set(e, DB_ERR_OPEN, "DuckDB refused setting %s='%s'", name, value);
	return 0;
}

/* What db_open sets up first and db_close (or a failed open) frees last. */
static void shell_free(struct db *db)
{
	free(db->wjobs);
	free(db->wlens);
	pthread_cond_destroy(&db->wcond);
	pthread_mutex_destroy(&db->wlock);
	pthread_mutex_destroy(&db->lock);
	free(db->path);
	free(db);
}

int db_open(struct db **out, const struct db_config *c, struct ds_error *e)
{
	struct db *db;
	duckdb_config cfg = NULL;
	char *err = NULL, val[64];
	const char *path = c->path && *c->path ? c->path : ":memory:";

	*out = NULL;
	if (db_load(e))
		return -1;
	db = calloc(1, sizeof(*db));
	if (!db)
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	db->path = strdup(path);
	if (!db->path) {
		free(db);
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	}
	db->memory = !strcmp(path, ":memory:");
	db->batch_max = c->batch_max > 0 ? c->batch_max : 256;
	db->query_threads = c->query_threads > 0 ? c->query_threads : DB_QUERY_THREADS;
	db->query_connections = c->query_connections > 0 ? c->query_connections : DB_QUERY_CONNECTIONS;
	db->query_queue = c->query_queue > 0 ? c->query_queue : DB_QUERY_QUEUE;
	pthread_mutex_init(&db->lock, NULL);
	pthread_mutex_init(&db->wlock, NULL);
	pthread_cond_init(&db->wcond, NULL);
	db->wjobs = calloc((size_t)db->batch_max, sizeof(*db->wjobs));
	db->wlens = calloc((size_t)db->batch_max, sizeof(*db->wlens));
	if (!db->wjobs || !db->wlens) {
		ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (pthread_key_create(&db->key, NULL)) {
		ds_error_set(e, DB_ERR_OTHER, "pthread_key_create failed");
		goto fail;
	}

	if (duckdb_create_config(&cfg) == DuckDBError) {
		ds_error_set(e, DB_ERR_NOMEM, "out of memory creating the DuckDB configuration");
		goto fail_key;
	}
	if (c->memory_limit > 0) {
		/* KiB: DuckDB wants a unit, and bytes rounded down to KiB lose nothing that
		 * matters for a buffer pool. */
		snprintf(val, sizeof(val), "%lldKiB", c->memory_limit / 1024 > 0 ? c->memory_limit / 1024 : 1);
		if (set_config(cfg, "memory_limit", val, e))
			goto fail_cfg;
	}
	if (c->threads > 0) {
		snprintf(val, sizeof(val), "%d", c->threads);
		if (set_config(cfg, "threads", val, e))
			goto fail_cfg;
	}
	/* A server must not try to download extensions at run time: it has no business on
	 * the network, and a missing extension is a build problem to see at once. */
	if (set_config(cfg, "autoinstall_known_extensions", "false", e))
		goto fail_cfg;
	/* With insertion order preserved, DuckDB answers a LIMIT of more than a few thousand
	 * rows by collecting them all before returning the first (measured: 267 MB of RSS to
	 * stream SELECT * FROM projects LIMIT 1000000, 81 MB without the LIMIT). Order is
	 * what ORDER BY says, in SQL and in every query of this server; without one, rows come
	 * in scan order anyway with the default threads=1. */
	if (set_config(cfg, "preserve_insertion_order", "false", e))
		goto fail_cfg;
	/* Clients run SQL on this database (db/query.h): it may read nothing but itself. These
	 * settings are database-wide in DuckDB (there is no per-connection sandbox), and
	 * lock_configuration keeps a SET or PRAGMA from undoing them. DuckDB still reaches
	 * its own file, WAL and temporary directory (a sort bigger than the memory limit
	 * spills: tests/unit/db/query.c checks it). */
	if (c->lockdown &&
	    (set_config(cfg, "enable_external_access", "false", e) ||
	     set_config(cfg, "autoload_known_extensions", "false", e) ||
	     set_config(cfg, "allow_community_extensions", "false", e)))
		goto fail_cfg;
	/* lock_configuration comes later, when the query pool has given its connections their
	 * own settings (query.c), and always before the first client statement runs. */
	db->lock_pending = c->lockdown;

	if (duckdb_open_ext(path, &db->ddb, cfg, &err) == DuckDBError) {
		const char *m = err ? err : "unknown error";

		if (strstr(m, "Could not set lock") || strstr(m, "Conflicting lock"))
			lock_error(e, path, m);
		else
			ds_error_set(e, DB_ERR_OPEN, "cannot open database '%s': %s", path, m);
		if (err)
			duckdb_free(err);
		goto fail_cfg;
	}
	duckdb_destroy_config(&cfg);
	*out = db;
	return 0;

fail_cfg:
	duckdb_destroy_config(&cfg);
fail_key:
	pthread_key_delete(db->key);
fail:
	shell_free(db);
	return -1;
}

static void conn_free(struct db_conn *c)
{
	size_t i;

	for (i = 0; i < c->nps; i++)
		if (c->ps[i])
			duckdb_destroy_prepare(&c->ps[i]);
	free(c->ps);
	duckdb_disconnect(&c->c);
	free(c);
}

int db_close(struct db *db, int checkpoint, struct ds_error *e)
{
	int rc = 0;
	size_t i;

	if (!db)
		return 0;
	db__query_stop(db);
	db__writer_stop(db);
	if (checkpoint && !db->memory) {
		struct db_conn *c = db_conn_get(db, e);

		if (!c || db__exec(c, "CHECKPOINT", e))
			rc = ds_error_prefix(e, "checkpoint");
	}
	while (db->conns) {
		struct db_conn *c = db->conns;

		db->conns = c->next;
		conn_free(c);
	}
	duckdb_close(&db->ddb);
	pthread_key_delete(db->key);
	for (i = 0; i < db->nstmts; i++)
		free(db->stmt_sql[i]);
	free(db->stmt_sql);
	shell_free(db);
	return rc;
}

const char *db_path(const struct db *db)
{
	return db->path;
}

int db_is_memory(const struct db *db)
{
	return db->memory;
}

long long db_file_size(const struct db *db)
{
	struct stat st;
	long long total = 0;
	char wal[4096];

	if (db->memory)
		return 0;
	if (!stat(db->path, &st))
		total += st.st_size;
	if ((size_t)snprintf(wal, sizeof(wal), "%s.wal", db->path) < sizeof(wal) && !stat(wal, &st))
		total += st.st_size;
	return total;
}

struct db_conn *db_conn_get(struct db *db, struct ds_error *e)
{
	struct db_conn *c = pthread_getspecific(db->key);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->db = db;
	if (duckdb_connect(db->ddb, &c->c) == DuckDBError) {
		free(c);
		ds_error_set(e, atomic_load(&db->fatal) ? DB_ERR_FATAL : DB_ERR_OTHER,
			     "DuckDB refused a new connection");
		return NULL;
	}
	pthread_mutex_lock(&db->lock);
	c->next = db->conns;
	db->conns = c;
	pthread_mutex_unlock(&db->lock);
	pthread_setspecific(db->key, c);
	return c;
}

int db_conn_begin(struct db_conn *c, struct ds_error *e)
{
	return db__exec(c, "BEGIN TRANSACTION", e);
}

int db_conn_commit(struct db_conn *c, struct ds_error *e)
{
	return db__exec(c, "COMMIT", e);
}

void db_conn_rollback(struct db_conn *c)
{
	struct ds_error ignored = DS_ERROR_INIT;

	db__exec(c, "ROLLBACK", &ignored);
}

/* --- statements ------------------------------------------------------------------------ */

static duckdb_prepared_statement stmt_get(struct db_conn *c, int id, struct ds_error *e)
{
	struct db *db = c->db;

	if (id < 0 || (size_t)id >= db->nstmts) {
		ds_error_set(e, DB_ERR_OTHER, "statement %d is not registered", id);
		return NULL;
	}
	if ((size_t)id >= c->nps) {
		duckdb_prepared_statement *ps = realloc(c->ps, db->nstmts * sizeof(*ps));

		if (!ps) {
			ds_error_set(e, DB_ERR_NOMEM, "out of memory");
			return NULL;
		}
		memset(ps + c->nps, 0, (db->nstmts - c->nps) * sizeof(*ps));
		c->ps = ps;
		c->nps = db->nstmts;
	}
	if (!c->ps[id]) {
		duckdb_prepared_statement p = NULL;

		if (duckdb_prepare(c->c, db->stmt_sql[id], &p) == DuckDBError) {
			db__fail(db, e, DUCKDB_ERROR_INVALID, duckdb_prepare_error(p), "prepare");
			duckdb_destroy_prepare(&p);
			return NULL;
		}
		c->ps[id] = p;
	}
	return c->ps[id];
}

int db_stmt_add(struct db *db, const char *sql, struct ds_error *e)
{
	struct db_conn *c;
	int id;

	pthread_mutex_lock(&db->lock);
	if (db->nstmts == db->stmts_alloc) {
		size_t n = db->stmts_alloc ? db->stmts_alloc * 2 : 16;
		char **p = realloc(db->stmt_sql, n * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&db->lock);
			return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		}
		db->stmt_sql = p;
		db->stmts_alloc = n;
	}
	db->stmt_sql[db->nstmts] = strdup(sql);
	if (!db->stmt_sql[db->nstmts]) {
		pthread_mutex_unlock(&db->lock);
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	}
	id = (int)db->nstmts++;
	pthread_mutex_unlock(&db->lock);
	/* Prepare once now so that a broken statement fails at startup. */
	c = db_conn_get(db, e);
	if (!c || !stmt_get(c, id, e)) {
		ds_error_prefix(e, "statement '%.80s'", sql);
		pthread_mutex_lock(&db->lock);
		free(db->stmt_sql[--db->nstmts]);
		pthread_mutex_unlock(&db->lock);
		return -1;
	}
	return id;
}

duckdb_decimal db__decimal_of(const struct db_param *v)
{
	duckdb_decimal d;
	db_uint128 u = (db_uint128)v->v.dec.unscaled;

	d.width = v->v.dec.width;
	d.scale = v->v.dec.scale;
	d.value.lower = (uint64_t)u;
	d.value.upper = (int64_t)(u >> 64);
	return d;
}

duckdb_uhugeint db__uuid_of(const struct db_param *v)
{
	duckdb_uhugeint u = {0, 0};
	int k;

	for (k = 0; k < 8; k++) {
		u.upper = u.upper << 8 | v->v.uuid[k];
		u.lower = u.lower << 8 | v->v.uuid[k + 8];
	}
	return u;
}

int db__bind(duckdb_prepared_statement p, idx_t i, const struct db_param *v, struct ds_error *e)
{
	duckdb_state st = DuckDBError;

	switch (v->type) {
	case DB_PARAM_NULL:
		st = duckdb_bind_null(p, i);
		break;
	case DB_PARAM_TEXT:
		st = duckdb_bind_varchar_length(p, i, v->v.text.s, v->v.text.len);
		break;
	case DB_PARAM_INT:
		st = duckdb_bind_int64(p, i, v->v.i);
		break;
	case DB_PARAM_BOOL:
		st = duckdb_bind_boolean(p, i, v->v.i != 0);
		break;
	case DB_PARAM_DECIMAL:
		st = duckdb_bind_decimal(p, i, db__decimal_of(v));
		break;
	case DB_PARAM_UUID: {
		duckdb_value val = duckdb_create_uuid(db__uuid_of(v));

		if (!val)
			return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		st = duckdb_bind_value(p, i, val);
		duckdb_destroy_value(&val);
		break;
	}
	case DB_PARAM_DATE: {
		duckdb_date d = {v->v.days};

		st = duckdb_bind_date(p, i, d);
		break;
	}
	case DB_PARAM_TIMESTAMP: {
		duckdb_timestamp t = {v->v.micros};

		st = duckdb_bind_timestamp(p, i, t);
		break;
	}
	}
	if (st == DuckDBError)
		return ds_error_set(e, DB_ERR_INPUT, "DuckDB refused parameter %llu",
				    (unsigned long long)i);
	return 0;
}

static int execute(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
		   duckdb_result *res, struct ds_error *e)
{
	duckdb_prepared_statement p = stmt_get(c, stmt, e);
	size_t i;

	if (!p)
		return -1;
	if (duckdb_nparams(p) != n)
		return ds_error_set(e, DB_ERR_OTHER, "statement %d takes %llu parameters, given %zu",
				    stmt, (unsigned long long)duckdb_nparams(p), n);
	for (i = 0; i < n; i++)
		if (db__bind(p, (idx_t)(i + 1), &params[i], e))
			return -1;
	if (duckdb_execute_prepared(p, res) == DuckDBError) {
		db__fail(c->db, e, duckdb_result_error_type(res), duckdb_result_error(res), NULL);
		duckdb_destroy_result(res);
		return -1;
	}
	return 0;
}

void db_rows_init(struct db_rows *r, struct ds_buf *out)
{
	int i;

	r->out = out;
	r->rows = 0;
	for (i = 0; i < DB_MAX_KEYS; i++) {
		r->key_cols[i] = -1;
		r->last_key[i][0] = '\0';
	}
}

int db_query(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
	     struct db_rows *r, struct ds_error *e)
{
	duckdb_result res;
	int rc;

	if (execute(c, stmt, params, n, &res, e))
		return -1;
	rc = db__render(&res, r, e);
	duckdb_destroy_result(&res);
	return rc;
}

int db_query_ints(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
		  int64_t *out, size_t ncols, size_t max_rows, size_t *rows, struct ds_error *e)
{
	duckdb_result res;
	int rc;

	*rows = 0;
	if (execute(c, stmt, params, n, &res, e))
		return -1;
	rc = db__ints(&res, out, ncols, max_rows, rows, e);
	duckdb_destroy_result(&res);
	return rc;
}

int db_query_int(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
		 long long *v, struct ds_error *e)
{
	struct db_rows r;
	int rc;

	/* Render the first column's last value as text and read it back: one code path for
	 * every integer width and for DATE (days), at no cost that matters here. */
	db_rows_init(&r, NULL);
	r.key_cols[0] = 0;
	rc = db_query(c, stmt, params, n, &r, e);
	if (rc)
		return -1;
	*v = 0;
	if (r.rows == 0 || !strcmp(r.last_key[0], "") || !strcmp(r.last_key[0], "null"))
		return 1;
	{
		char *end;

		errno = 0;
		*v = strtoll(r.last_key[0], &end, 10);
		if (errno || *end)
			return ds_error_set(e, DB_ERR_OTHER, "'%s' is not an integer", r.last_key[0]);
	}
	return 0;
}

/* --- migrations ------------------------------------------------------------------------ */

/* Run every statement of sql on c (DuckDB's own splitter, so semicolons inside strings are
 * not a problem). */
static int exec_multi(struct db_conn *c, const char *sql, struct ds_error *e)
{
	duckdb_extracted_statements ex = NULL;
	idx_t n, i;
	int rc = 0;

	n = duckdb_extract_statements(c->c, sql, &ex);
	if (n == 0) {
		const char *m = duckdb_extract_statements_error(ex);

		if (m)
			rc = ds_error_set(e, DB_ERR_OTHER, "%s", m);
		duckdb_destroy_extracted(&ex);
		return rc;
	}
	for (i = 0; i < n && !rc; i++) {
		duckdb_prepared_statement p = NULL;
		duckdb_result res;

		if (duckdb_prepare_extracted_statement(c->c, ex, i, &p) == DuckDBError) {
			rc = db__fail(c->db, e, DUCKDB_ERROR_INVALID, duckdb_prepare_error(p), NULL);
		} else if (duckdb_execute_prepared(p, &res) == DuckDBError) {
			rc = db__fail(c->db, e, duckdb_result_error_type(&res), duckdb_result_error(&res),
				      NULL);
			duckdb_destroy_result(&res);
		} else {
			duckdb_destroy_result(&res);
		}
		duckdb_destroy_prepare(&p);
	}
	duckdb_destroy_extracted(&ex);
	return rc;
}

int db_exec_sql(struct db *db, const char *sql, struct ds_error *e)
{
	struct db_conn *c = db_conn_get(db, e);

	if (!c)
		return -1;
	return exec_multi(c, sql, e);
}

int db_migrate(struct db *db, const struct db_migration *m, size_t n, struct ds_error *e)
{
	struct db_conn *c = db_conn_get(db, e);
	size_t i;

	if (!c)
		return -1;
	if (db__exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
			"applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
		     e))
		return ds_error_prefix(e, "creating schema_migrations");
	for (i = 0; i < n; i++) {
		char sql[160];
		duckdb_result res;
		int have = 0;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM schema_migrations WHERE version = %d",
			 m[i].version);
		if (duckdb_query(c->c, sql, &res) == DuckDBError) {
			db__fail(db, e, duckdb_result_error_type(&res), duckdb_result_error(&res), NULL);
			duckdb_destroy_result(&res);
			return ds_error_prefix(e, "reading schema_migrations");
		}
		{
			duckdb_data_chunk ch = duckdb_fetch_chunk(res);

			if (ch) {
				int64_t *v = duckdb_vector_get_data(duckdb_data_chunk_get_vector(ch, 0));

				have = duckdb_data_chunk_get_size(ch) > 0 && v[0] > 0;
				duckdb_destroy_data_chunk(&ch);
			}
		}
		duckdb_destroy_result(&res);
		if (have)
			continue;
		if (db__exec(c, "BEGIN TRANSACTION", e))
			return ds_error_prefix(e, "migration %d", m[i].version);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations (version) VALUES (%d)",
			 m[i].version);
		if (exec_multi(c, m[i].sql, e) || db__exec(c, sql, e) || db__exec(c, "COMMIT", e)) {
			struct ds_error ignored = DS_ERROR_INIT;

			db__exec(c, "ROLLBACK", &ignored);
			return ds_error_prefix(e, "migration %d", m[i].version);
		}
		ds_log(DS_LOG_INFO, "db", "applied migration %d", m[i].version);
	}
	return 0;
}
