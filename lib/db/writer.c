/*
 * db/writer.c - the group-commit writer thread; see writer.h.
 *
 * The queue is a singly linked list under one mutex; submitters append and signal, the
 * writer swaps out up to batch_max jobs at a time. The writer thread is started by the
 * first submission, so read-only users of the database never pay for it.
 *
 * Why a single writer: DuckDB serialises commits anyway, and concurrent writers on
 * different connections would conflict on the same table's indexes. One thread with its
 * own connection makes every write one of a sequence, turns conflicts between our own
 * writes into an impossibility, and lets a batch share one WAL sync.
 */
#include "db/internal.h"

#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

static void ack(struct db *db, struct db_job *j, int batch)
{
	j->batch_size = batch;
	atomic_fetch_add(&db->st_jobs, 1);
	if (j->err.set)
		atomic_fetch_add(&db->st_failed, 1);
	j->done(j);
}

static void reset_rows(struct db_job *j, size_t *out_len)
{
	j->rows.rows = 0;
	if (j->rows.out) {
		j->rows.out->len = *out_len;
		if (j->rows.out->data)
			j->rows.out->data[*out_len] = '\0';
	}
}

static void backoff(int attempt)
{
	struct timespec ts = {0, (long)attempt * 2 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

void db_job_init(struct db_job *job)
{
	memset(job, 0, sizeof(*job));
	db_rows_init(&job->rows, NULL);
}

static int exec_job(struct db *db, struct db_job *j, struct ds_error *e)
{
	int64_t count = 0;
	size_t n = 0;

	if (!j->read_back)
		return db_query(db->wconn, j->stmt, j->params, j->nparams, &j->rows, e);
	/* A DML statement without RETURNING answers one row: the count. */
	if (db_query_ints(db->wconn, j->stmt, j->params, j->nparams, &count, 1, 1, &n, e))
		return -1;
	j->changed = n ? count : 0;
	if (j->changed <= 0)
		return 0;
	return db_query(db->wconn, j->read_stmt, j->read_params, j->read_nparams, &j->rows, e);
}

static void rollback(struct db *db)
{
	struct ds_error ignored = DS_ERROR_INIT;

	db__exec(db->wconn, "ROLLBACK", &ignored);
}

/* --- the appender path ------------------------------------------------------------------ */

struct appender {
	duckdb_appender a;
	const char *table;
	size_t rows;
};

static int append_value(duckdb_appender a, const struct db_param *v)
{
	duckdb_value val = NULL;
	duckdb_state st;

	switch (v->type) {
	case DB_PARAM_NULL:
		return duckdb_append_null(a) == DuckDBSuccess ? 0 : -1;
	case DB_PARAM_TEXT:
		return duckdb_append_varchar_length(a, v->v.text.s, v->v.text.len) == DuckDBSuccess ? 0 : -1;
	case DB_PARAM_INT:
		return duckdb_append_int64(a, v->v.i) == DuckDBSuccess ? 0 : -1;
	case DB_PARAM_BOOL:
		return duckdb_append_bool(a, v->v.i != 0) == DuckDBSuccess ? 0 : -1;
	case DB_PARAM_DATE: {
		duckdb_date d = {v->v.days};

		return duckdb_append_date(a, d) == DuckDBSuccess ? 0 : -1;
	}
	case DB_PARAM_TIMESTAMP: {
		duckdb_timestamp t = {v->v.micros};

		return duckdb_append_timestamp(a, t) == DuckDBSuccess ? 0 : -1;
	}
	case DB_PARAM_DECIMAL:
		val = duckdb_create_decimal(db__decimal_of(v));
		break;
	case DB_PARAM_UUID:
		val = duckdb_create_uuid(db__uuid_of(v));
		break;
	}
	if (!val)
		return -1;
	st = duckdb_append_value(a, val);
	duckdb_destroy_value(&val);
	return st == DuckDBSuccess ? 0 : -1;
}

/* Flush and close the open appender, if any. 0, or -1 with e set. */
static int appender_close(struct appender *ap, struct ds_error *e)
{
	int rc = 0;

	if (!ap->a)
		return 0;
	if (duckdb_appender_flush(ap->a) == DuckDBError) {
		const char *m = duckdb_appender_error(ap->a);

		rc = ds_error_set(e, DB_ERR_OTHER, "appending to '%s': %s", ap->table,
				  m ? m : "unknown error");
	}
	duckdb_appender_destroy(&ap->a);
	ap->a = NULL;
	ap->table = NULL;
	ap->rows = 0;
	return rc;
}

/* Append job j's row (opening an appender for its table). 0, or -1 with e set. */
static int append_job(struct db *db, struct appender *ap, struct db_job *j, struct ds_error *e)
{
	size_t i;

	if (ap->a && strcmp(ap->table, j->append_table) && appender_close(ap, e))
		return -1;
	if (!ap->a) {
		if (duckdb_appender_create(db->wconn->c, NULL, j->append_table, &ap->a) == DuckDBError) {
			const char *m = ap->a ? duckdb_appender_error(ap->a) : NULL;

			ds_error_set(e, DB_ERR_OTHER, "appender for '%s': %s", j->append_table,
				     m ? m : "cannot be created");
			if (ap->a)
				duckdb_appender_destroy(&ap->a);
			ap->a = NULL;
			return -1;
		}
		ap->table = j->append_table;
	}
	for (i = 0; i < j->append_ncols; i++)
		if (append_value(ap->a, &j->append_row[i]))
			break;
	if (i < j->append_ncols || duckdb_appender_end_row(ap->a) == DuckDBError) {
		const char *m = duckdb_appender_error(ap->a);

		return ds_error_set(e, DB_ERR_OTHER, "appending to '%s': %s", j->append_table,
				    m ? m : "unknown error");
	}
	ap->rows++;
	j->changed = 1;
	return 0;
}

/* One job on its own, retried on conflicts: in autocommit, or in a transaction of its own
 * when it has a read-back (which must see exactly its own write). */
static void run_single(struct db *db, struct db_job *j, size_t out_len)
{
	int attempt, txn = j->read_back;

	if (j->append_table) {
		struct appender ap = {NULL, NULL, 0};
		struct ds_error e = DS_ERROR_INIT;

		/* Autocommit: the flush is the commit. */
		if (!append_job(db, &ap, j, &e) && !appender_close(&ap, &e)) {
			atomic_fetch_add(&db->st_commits, 1);
			atomic_fetch_add(&db->st_appended, 1);
			return;
		}
		appender_close(&ap, &e);
		atomic_fetch_add(&db->st_append_fallbacks, 1);
		j->changed = 0;
		/* The statement gives the typed error (or succeeds after all). */
	}

	for (attempt = 0;; attempt++) {
		struct ds_error e = DS_ERROR_INIT;

		reset_rows(j, &out_len);
		j->changed = 0;
		if (!(txn && db__exec(db->wconn, "BEGIN TRANSACTION", &e)) && !exec_job(db, j, &e) &&
		    !(txn && db__exec(db->wconn, "COMMIT", &e))) {
			atomic_fetch_add(&db->st_commits, 1);
			return;
		}
		if (txn)
			rollback(db);
		if (e.code != DB_ERR_CONFLICT || attempt >= DB_WRITER_RETRIES) {
			j->err = e;
			if (e.code == DB_ERR_CONFLICT)
				ds_error_prefix(&j->err, "write conflict persisted after %d retries",
						DB_WRITER_RETRIES);
			return;
		}
		atomic_fetch_add(&db->st_retries, 1);
		backoff(attempt + 1);
	}
}

static void fail_all(struct db_job **jobs, size_t n, const struct ds_error *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!jobs[i]->failed) {
			jobs[i]->err = *e;
			jobs[i]->failed = 1;
		}
}

static void run_batch(struct db *db, struct db_job **jobs, size_t *out_lens, size_t n)
{
	int attempt = 0, use_appender = 1;
	size_t i, live;

	for (;;) {
		struct ds_error e = DS_ERROR_INIT;
		struct db_job *bad = NULL;
		struct appender ap = {NULL, NULL, 0};
		int append_failed = 0;

		for (i = 0, live = 0; i < n; i++)
			live += !jobs[i]->failed;
		if (live == 0)
			return;
		if (live == 1) {
			for (i = 0; i < n; i++)
				if (!jobs[i]->failed)
					run_single(db, jobs[i], out_lens[i]);
			return;
		}
		if (db__exec(db->wconn, "BEGIN TRANSACTION", &e)) {
			fail_all(jobs, n, &e);
			return;
		}
		for (i = 0; i < n; i++) {
			if (jobs[i]->failed)
				continue;
			reset_rows(jobs[i], &out_lens[i]);
			jobs[i]->changed = 0;
			if (jobs[i]->append_table && use_appender) {
				if (append_job(db, &ap, jobs[i], &e)) {
					append_failed = 1;
					break;
				}
				continue;
			}
			/* A statement after appended rows: flush them first, so that it sees
			 * them (a PATCH of a project created in the same batch). */
			if (appender_close(&ap, &e)) {
				append_failed = 1;
				break;
			}
			if (exec_job(db, jobs[i], &e)) {
				bad = jobs[i];
				break;
			}
		}
		if (!bad && !append_failed && appender_close(&ap, &e))
			append_failed = 1;
		appender_close(&ap, NULL);
		if (!bad && !append_failed && db__exec(db->wconn, "COMMIT", &e) == 0) {
			for (i = 0; i < n; i++)
				if (!jobs[i]->failed && jobs[i]->append_table && use_appender)
					atomic_fetch_add(&db->st_appended, 1);
			atomic_fetch_add(&db->st_commits, 1);
			return;
		}
		rollback(db);
		if (append_failed) {
			/* Which row broke is not known: run the batch again with statements,
			 * which pin the error on its job. */
			use_appender = 0;
			atomic_fetch_add(&db->st_append_fallbacks, 1);
			continue;
		}
		if (e.code == DB_ERR_CONFLICT) {
			if (++attempt > DB_WRITER_RETRIES) {
				ds_error_prefix(&e, "write conflict persisted after %d retries",
						DB_WRITER_RETRIES);
				fail_all(jobs, n, &e);
				return;
			}
			atomic_fetch_add(&db->st_retries, 1);
			backoff(attempt);
			continue;
		}
		if (e.code == DB_ERR_FATAL) {
			fail_all(jobs, n, &e);
			return;
		}
		if (bad) {
			/* This job's own fault (a constraint, a value DuckDB refused): answer it
			 * and run the others again without it. */
			bad->err = e;
			bad->failed = 1;
			continue;
		}
		/* COMMIT failed for a reason that names no job: run each on its own, so only
		 * the culprit fails. */
		for (i = 0; i < n; i++)
			if (!jobs[i]->failed)
				run_single(db, jobs[i], out_lens[i]);
		return;
	}
}

static void *writer_main(void *arg)
{
	struct db *db = arg;
	struct db_job **jobs = db->wjobs;
	size_t *out_lens = db->wlens;
	struct ds_error e = DS_ERROR_INIT;

	db->wconn = db_conn_get(db, &e);
	pthread_mutex_lock(&db->wlock);
	for (;;) {
		size_t n = 0, i;

		while (!db->qhead && !db->wstopping)
			pthread_cond_wait(&db->wcond, &db->wlock);
		if (!db->qhead && db->wstopping)
			break;
		while (db->qhead && n < (size_t)db->batch_max) {
			jobs[n] = db->qhead;
			db->qhead = db->qhead->next;
			n++;
		}
		if (!db->qhead)
			db->qtail = NULL;
		db->queued -= (long)n;
		pthread_mutex_unlock(&db->wlock);

		if (n > atomic_load(&db->st_batch_max))
			atomic_store(&db->st_batch_max, n);
		for (i = 0; i < n; i++) {
			jobs[i]->failed = 0;
			out_lens[i] = jobs[i]->rows.out ? jobs[i]->rows.out->len : 0;
		}
		if (!db->wconn)
			fail_all(jobs, n, &e);
		else
			run_batch(db, jobs, out_lens, n);
		for (i = 0; i < n; i++)
			ack(db, jobs[i], (int)n);

		pthread_mutex_lock(&db->wlock);
	}
	pthread_mutex_unlock(&db->wlock);
	return NULL;
}

int db_writer_submit(struct db *db, struct db_job *job, struct ds_error *e)
{
	pthread_mutex_lock(&db->wlock);
	if (db->wstopping) {
		pthread_mutex_unlock(&db->wlock);
		return ds_error_set(e, DB_ERR_CLOSED, "the database is closing");
	}
	if (!db->wstarted) {
		if (pthread_create(&db->wthread, NULL, writer_main, db)) {
			pthread_mutex_unlock(&db->wlock);
			return ds_error_set(e, DB_ERR_OTHER, "cannot start the writer thread");
		}
		db->wstarted = 1;
	}
	ds_error_init(&job->err);
	job->queued_ns = ds_clock_mono_ns();
	job->batch_size = 0;
	job->failed = 0;
	job->next = NULL;
	if (db->qtail)
		db->qtail->next = job;
	else
		db->qhead = job;
	db->qtail = job;
	db->queued++;
	pthread_cond_signal(&db->wcond);
	pthread_mutex_unlock(&db->wlock);
	return 0;
}

struct sync_wait {
	pthread_mutex_t m;
	pthread_cond_t c;
	int done;
	void (*inner_done)(struct db_job *);
	void *inner_arg;
};

static void sync_done(struct db_job *j)
{
	struct sync_wait *w = j->arg;

	pthread_mutex_lock(&w->m);
	w->done = 1;
	pthread_cond_signal(&w->c);
	pthread_mutex_unlock(&w->m);
}

int db_writer_run(struct db *db, struct db_job *job, struct ds_error *e)
{
	struct sync_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, NULL};
	void (*done)(struct db_job *) = job->done;
	void *arg = job->arg;
	int rc;

	job->done = sync_done;
	job->arg = &w;
	if (db_writer_submit(db, job, e)) {
		job->done = done;
		job->arg = arg;
		return -1;
	}
	pthread_mutex_lock(&w.m);
	while (!w.done)
		pthread_cond_wait(&w.c, &w.m);
	pthread_mutex_unlock(&w.m);
	job->done = done;
	job->arg = arg;
	rc = job->err.set ? -1 : 0;
	if (rc && e)
		*e = job->err;
	pthread_cond_destroy(&w.c);
	pthread_mutex_destroy(&w.m);
	return rc;
}

void db_writer_stats(struct db *db, struct db_writer_stats *s)
{
	s->jobs = atomic_load(&db->st_jobs);
	s->failed = atomic_load(&db->st_failed);
	s->commits = atomic_load(&db->st_commits);
	s->retries = atomic_load(&db->st_retries);
	s->batch_max = atomic_load(&db->st_batch_max);
	s->appended = atomic_load(&db->st_appended);
	s->append_fallbacks = atomic_load(&db->st_append_fallbacks);
	pthread_mutex_lock(&db->wlock);
	s->queued = db->queued;
	pthread_mutex_unlock(&db->wlock);
}

void db__writer_stop(struct db *db)
{
	int started;

	pthread_mutex_lock(&db->wlock);
	db->wstopping = 1;
	started = db->wstarted;
	pthread_cond_signal(&db->wcond);
	pthread_mutex_unlock(&db->wlock);
	if (started)
		pthread_join(db->wthread, NULL);
}
