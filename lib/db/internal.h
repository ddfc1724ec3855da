/*
 * db/internal.h - what the files of lib/db share and nobody else sees.
 */
#ifndef DS_DB_INTERNAL_H
#define DS_DB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "db/db.h"
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
};

/* Map a DuckDB error type and message to our code, and record it in e. */
int db__fail(struct db *db, struct ds_error *e, duckdb_error_type t, const char *msg,
	     const char *what);

/* Run one SQL statement on conn c, discarding the result; 0 or -1 with e set. */
int db__exec(struct db_conn *c, const char *sql, struct ds_error *e);

/* The writer's private part of db_close: commit what is queued, stop the thread. */
void db__writer_stop(struct db *db);

/* Render the rows of a materialized result into r. */
int db__render(duckdb_result *res, struct db_rows *r, struct ds_error *e);
/* Copy integer columns of a materialized result (db_query_ints). */
int db__ints(duckdb_result *res, int64_t *out, size_t ncols, size_t max_rows, size_t *rows,
	     struct ds_error *e);

#endif
