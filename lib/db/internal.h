/*
 * db/internal.h - what the files of lib/db share and nobody else sees.
 */
#ifndef DS_DB_INTERNAL_H
#define DS_DB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "db/db.h"
#include "db/query.h"
#include "db/writer.h"
#include "duckdb.h"

struct db_conn {
	struct db *db;
	duckdb_connection c;
	duckdb_prepared_statement *ps; /* [db->nstmts], prepared on first use */
	size_t nps;
	struct db_conn *next;
};

struct db {
	duckdb_database ddb;
	char *path;
	int memory;
	pthread_key_t key; /* this db's connection for the calling thread */
	pthread_mutex_t lock; /* conns, stmts */
	struct db_conn *conns;
	char **stmt_sql;
	size_t nstmts;
	size_t stmts_alloc;
	atomic_int fatal; /* DuckDB said the database is invalidated */

	/* The writer (writer.c). */
	pthread_mutex_t wlock;
	pthread_cond_t wcond;
	pthread_t wthread;
	int wstarted;
	int wstopping;
	struct db_job *qhead, *qtail;
	long queued;
	int batch_max;
	struct db_conn *wconn;
	struct db_job **wjobs; /* [batch_max], the batch in hand */
	size_t *wlens;         /* [batch_max], each job's out length at submission */
	atomic_ullong st_jobs, st_failed, st_commits, st_retries, st_batch_max;
	atomic_ullong st_appended, st_append_fallbacks;

	/* The query pool (query.c), started by the first query. */
	struct db__qpool *qpool;
	int query_threads, query_connections, query_queue;
	int lock_pending; /* lockdown: lock_configuration is still to be set (query.c) */
};

/* Map a DuckDB error type and message to our code, and record it in e. */
int db__fail(struct db *db, struct ds_error *e, duckdb_error_type t, const char *msg,
	     const char *what);

/* Run one SQL statement on conn c, discarding the result; 0 or -1 with e set. */
int db__exec(struct db_conn *c, const char *sql, struct ds_error *e);

/* The writer's private part of db_close: commit what is queued, stop the thread. */
void db__writer_stop(struct db *db);

/* A parameter's DECIMAL or UUID in DuckDB's C form, for binding and for the appender. */
duckdb_decimal db__decimal_of(const struct db_param *v);
duckdb_uhugeint db__uuid_of(const struct db_param *v);

/* Bind one parameter (1-based index). 0 or -1 with e (DB_ERR_INPUT). */
int db__bind(duckdb_prepared_statement p, idx_t i, const struct db_param *v, struct ds_error *e);

/* The query pool's part of db_close: every stream must be closed already. */
void db__query_stop(struct db *db);

/* A logical type's name as DuckDB writes it ("DECIMAL(20,2)", "INTEGER[]", ...). */
int db__type_name(struct ds_buf *o, duckdb_logical_type t);

/*
 * Rendering a client query's result (render.c): init resolves every column's type (-1 with
 * e, DB_ERR_SQL, for a type it cannot render exactly), header writes what comes before the
 * rows, chunk points at the next chunk's vectors, row appends one row (or nothing and -1
 * at o's ceiling), footer closes the document. res must outlive rd.
 */
struct rtype;
struct db__render {
	enum db_format fmt;
	duckdb_result *res;
	idx_t ncols, ninit;
	struct rtype *cols;
	struct ds_buf *keys;     /* NDJSON: each column's "name": prefix */
	duckdb_vector *vecs;     /* the current chunk's */
	void **data;
	struct ds_buf scratch;
	long long rows;          /* rendered */
};
int db__render_init(struct db__render *rd, duckdb_result *res, enum db_format fmt,
		    struct ds_error *e);
int db__render_header(struct db__render *rd, struct ds_buf *o);
void db__render_chunk(struct db__render *rd, duckdb_data_chunk ch);
int db__render_row(struct db__render *rd, idx_t row, struct ds_buf *o);
int db__render_footer(struct db__render *rd, struct ds_buf *o);
void db__render_release(struct db__render *rd);

/* Render the rows of a materialized result into r. */
int db__render(duckdb_result *res, struct db_rows *r, struct ds_error *e);
/* A VARCHAR cell (or NULL: *out NULL) as a malloc'd string; -1 when out of memory. */
int db__cell_text(duckdb_vector v, idx_t row, char **out);

/*
 * /query's function check (guard.c): 0 when sql calls none of the functions that reach
 * beyond a read-only statement, else -1 with e set (DB_ERR_FORBIDDEN, naming the function).
 * ser is the connection's prepared "SELECT json_serialize_sql($1::VARCHAR)", or NULL when
 * DuckDB could not prepare it (then any statement naming one is refused).
 */
int db__guard_check(duckdb_prepared_statement ser, const char *sql, struct ds_error *e);

/* Copy integer columns of a materialized result (db_query_ints). */
int db__ints(duckdb_result *res, int64_t *out, size_t ncols, size_t max_rows, size_t *rows,
	     struct ds_error *e);

#endif
