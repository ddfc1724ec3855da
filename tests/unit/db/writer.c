/* Tests for lib/db/writer.c: group commit, acknowledgement after commit, failure isolation. */
#include <pthread.h>
#include <stdio.h>

#include "db/db.h"
#include "db/internal.h" /* db__writer_stop, to test the closed state */
#include "db/writer.h"
#include "harness.h"
#include "test.h"

struct fixture {
	struct db *db;
	int ins, count;
};

static void setup(struct fixture *f, const char *path)
{
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;

	c.path = path;
	c.batch_max = 64;
	if (db_open(&f->db, &c, &e) ||
	    db_exec_sql(f->db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v VARCHAR "
			       "CHECK (v <> 'bad'))", &e))
		FAIL("setup: %s", ds_error_msg(&e));
	f->ins = db_stmt_add(f->db, "INSERT INTO t VALUES ($1, $2) RETURNING id", &e);
	f->count = db_stmt_add(f->db, "SELECT count(*) FROM t", &e);
	ASSERT_CMP_INT(f->ins, >=, 0);
	ASSERT_CMP_INT(f->count, >=, 0);
}

static long long count(struct fixture *f)
{
	struct ds_error e = DS_ERROR_INIT;
	long long n = -1;

	if (db_query_int(db_conn_get(f->db, &e), f->count, NULL, 0, &n, &e) < 0)
		FAIL("count: %s", ds_error_msg(&e));
	return n;
}

struct many {
	struct db_job job;
	struct db_param p[2];
	struct ds_buf out;
	pthread_mutex_t *m;
	pthread_cond_t *c;
	int *left;
	char v[16];
};

static void many_done(struct db_job *j)
{
	struct many *x = j->arg;

	pthread_mutex_lock(x->m);
	(*x->left)--;
	pthread_cond_signal(x->c);
	pthread_mutex_unlock(x->m);
}

/* Submit n inserts at once (ids from base; "bad" where bad[i]) and wait for all. */
static struct many *submit_many(struct fixture *f, int n, int base, const int *bad)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	static int left;
	struct many *x = ds_test_alloc(sizeof(*x) * (size_t)n);
	struct ds_error e = DS_ERROR_INIT;
	int i;

	left = n;
	for (i = 0; i < n; i++) {
		snprintf(x[i].v, sizeof(x[i].v), "%s", bad && bad[i] ? "bad" : "ok");
		x[i].p[0].type = DB_PARAM_INT;
		x[i].p[0].v.i = base + i;
		x[i].p[1].type = DB_PARAM_TEXT;
		x[i].p[1].v.text.s = x[i].v;
		x[i].p[1].v.text.len = strlen(x[i].v);
		ds_buf_init(&x[i].out, 0);
		x[i].m = &m;
		x[i].c = &c;
		x[i].left = &left;
		x[i].job.stmt = f->ins;
		x[i].job.params = x[i].p;
		x[i].job.nparams = 2;
		db_rows_init(&x[i].job.rows, &x[i].out);
		x[i].job.done = many_done;
		x[i].job.arg = &x[i];
	}
	/* Queue them all while the writer is busy with nothing: hold the lock so no done
	 * callback runs before all are queued, which makes one batch likely, not certain. */
	for (i = 0; i < n; i++)
		if (db_writer_submit(f->db, &x[i].job, &e))
			FAIL("submit: %s", ds_error_msg(&e));
	pthread_mutex_lock(&m);
	while (left > 0)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	return x;
}

TEST(db_writer_batches_and_acknowledges_every_job)
{
	struct fixture f;
	struct db_writer_stats st;
	struct many *x;
	int i;

	setup(&f, ":memory:");
	x = submit_many(&f, 200, 0, NULL);
	for (i = 0; i < 200; i++) {
		ASSERT_MSG(!x[i].job.err.set, "job %d: %s", i, ds_error_msg(&x[i].job.err));
		ASSERT_EQ_INT(x[i].job.rows.rows, 1);
		ASSERT_EQ_STR(ds_buf_str(&x[i].out), ds_test_printf("{\"id\":%d}", i));
		ds_buf_release(&x[i].out);
	}
	ASSERT_EQ_INT(count(&f), 200);
	db_writer_stats(f.db, &st);
	ASSERT_EQ_INT(st.jobs, 200);
	ASSERT_EQ_INT(st.failed, 0);
	/* 200 jobs queued at once in batches of at most 64: fewer commits than jobs. */
	ASSERT_CMP_INT(st.commits, <, 200);
	ASSERT_CMP_INT(st.batch_max, >, 1);
	ASSERT_CMP_INT(st.batch_max, <=, 64);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_isolates_a_failing_job_in_a_batch)
{
	struct fixture f;
	struct many *x;
	int bad[50] = {0}, i;

	setup(&f, ":memory:");
	bad[7] = bad[31] = 1;
	x = submit_many(&f, 50, 1000, bad);
	for (i = 0; i < 50; i++) {
		if (bad[i]) {
			ASSERT_MSG(x[i].job.err.set, "bad job %d succeeded", i);
			ASSERT_EQ_INT(x[i].job.err.code, DB_ERR_CONSTRAINT);
			ASSERT_CONTAINS(ds_error_msg(&x[i].job.err), "CHECK");
		} else {
			ASSERT_MSG(!x[i].job.err.set, "good job %d failed: %s", i,
				   ds_error_msg(&x[i].job.err));
			/* Its RETURNING output is its own row only, not a failed attempt's. */
			ASSERT_EQ_STR(ds_buf_str(&x[i].out), ds_test_printf("{\"id\":%d}", 1000 + i));
		}
		ds_buf_release(&x[i].out);
	}
	ASSERT_EQ_INT(count(&f), 48);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_duplicate_key_fails_only_that_job)
{
	struct fixture f;
	struct ds_error e = DS_ERROR_INIT;
	struct db_job j;
	struct db_param p[2];

	setup(&f, ":memory:");
	memset(&j, 0, sizeof(j));
	p[0].type = DB_PARAM_INT;
	p[0].v.i = 1;
	p[1].type = DB_PARAM_TEXT;
	p[1].v.text.s = "x";
	p[1].v.text.len = 1;
	j.stmt = f.ins;
	j.params = p;
	j.nparams = 2;
	db_rows_init(&j.rows, NULL);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_CONSTRAINT);
	ASSERT_CONTAINS(ds_error_msg(&e), "uplicate key");
	ASSERT_EQ_INT(count(&f), 1);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_acknowledged_writes_survive_reopen)
{
	const char *path = ds_test_path(ds_test_tmpdir(), "w.db");
	struct fixture f;
	struct many *x;
	int i;

	setup(&f, path);
	x = submit_many(&f, 100, 0, NULL);
	for (i = 0; i < 100; i++)
		ds_buf_release(&x[i].out);
	/* No checkpoint: the rows are only in the WAL. */
	db_close(f.db, 0, NULL);
	setup(&f, path);
	ASSERT_EQ_INT(count(&f), 100);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_gives_up_on_a_lasting_conflict_with_db_err_conflict)
{
	struct fixture f;
	struct ds_error e = DS_ERROR_INIT;
	struct db_job j;
	struct db_param p;
	struct db_writer_stats st;
	int upd;

	setup(&f, ":memory:");
	ASSERT_EQ_INT(db_exec_sql(f.db, "INSERT INTO t VALUES (1, 'a')", &e), 0);
	upd = db_stmt_add(f.db, "UPDATE t SET v = 'writer' WHERE id = $1", &e);
	ASSERT_CMP_INT(upd, >=, 0);
	/* Another transaction (this thread's connection) changes the row and stays open:
	 * the writer's update of the same row conflicts every time it tries. */
	ASSERT_EQ_INT(db_conn_begin(db_conn_get(f.db, &e), &e), 0);
	ASSERT_EQ_INT(db_exec_sql(f.db, "UPDATE t SET v = 'other' WHERE id = 1", &e), 0);
	db_job_init(&j);
	p.type = DB_PARAM_INT;
	p.v.i = 1;
	j.stmt = upd;
	j.params = &p;
	j.nparams = 1;
	db_rows_init(&j.rows, NULL);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_CONFLICT);
	ASSERT_CONTAINS(ds_error_msg(&e), "retries");
	db_writer_stats(f.db, &st);
	ASSERT_EQ_INT(st.retries, DB_WRITER_RETRIES);
	db_conn_rollback(db_conn_get(f.db, &e));
	/* Once the other transaction is gone, the same write goes through. */
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	db_close(f.db, 0, NULL);
}

/* Why PATCH reads back instead of using RETURNING: with RETURNING, DuckDB 1.4.4 lets an
 * UPDATE through over another transaction's uncommitted update of the same cell, and that
 * transaction's commit is then lost. If this test starts failing after a DuckDB upgrade,
 * the read-back in api/projects.c may go back to UPDATE ... RETURNING. */
TEST(db_duckdb_1_4_4_update_returning_skips_the_conflict_check)
{
	struct db *db;
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct db_conn *mine;
	struct db_job j;
	int upd, get;
	long long v = 0;

	ASSERT_EQ_INT(db_open(&db, &c, &e), 0);
	ASSERT_EQ_INT(db_exec_sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); "
				      "INSERT INTO t VALUES (1, 1)", &e), 0);
	upd = db_stmt_add(db, "UPDATE t SET v = 3 WHERE id = 1 RETURNING v", &e);
	get = db_stmt_add(db, "SELECT v FROM t WHERE id = 1", &e);
	mine = db_conn_get(db, &e);
	ASSERT_EQ_INT(db_conn_begin(mine, &e), 0);
	ASSERT_EQ_INT(db_exec_sql(db, "UPDATE t SET v = 2 WHERE id = 1", &e), 0);
	db_job_init(&j);
	j.stmt = upd;
	ASSERT_EQ_INT(db_writer_run(db, &j, &e), 0); /* no "Conflict on update!" */
	ASSERT_EQ_INT(db_conn_commit(mine, &e), 0);
	ASSERT_EQ_INT(db_query_int(mine, get, NULL, 0, &v, &e), 0);
	ASSERT_EQ_INT(v, 3); /* the other transaction's committed 2 is gone */
	db_close(db, 0, NULL);
}

TEST(db_writer_read_back_update_detects_conflicts_and_reads_its_own_row)
{
	struct fixture f;
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf out = DS_BUF_INIT(0);
	struct db_job j;
	struct db_param p;
	int upd, get;

	setup(&f, ":memory:");
	ASSERT_EQ_INT(db_exec_sql(f.db, "INSERT INTO t VALUES (1, 'a'), (2, 'b')", &e), 0);
	upd = db_stmt_add(f.db, "UPDATE t SET v = 'new' WHERE id = $1", &e);
	get = db_stmt_add(f.db, "SELECT id, v FROM t WHERE id = $1", &e);
	p.type = DB_PARAM_INT;
	p.v.i = 1;
	db_job_init(&j);
	j.stmt = upd;
	j.params = &p;
	j.nparams = 1;
	j.read_back = 1;
	j.read_stmt = get;
	j.read_params = &p;
	j.read_nparams = 1;
	j.rows.out = &out;
	ASSERT_EQ_INT(db_conn_begin(db_conn_get(f.db, &e), &e), 0);
	ASSERT_EQ_INT(db_exec_sql(f.db, "UPDATE t SET v = 'other' WHERE id = 1", &e), 0);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_CONFLICT);
	db_conn_rollback(db_conn_get(f.db, &e));
	ds_buf_reset(&out);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	ASSERT_EQ_INT(j.changed, 1);
	ASSERT_EQ_STR(ds_buf_str(&out), "{\"id\":1,\"v\":\"new\"}");
	/* No row changed: no read-back, no rows. */
	p.v.i = 99;
	ds_buf_reset(&out);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	ASSERT_EQ_INT(j.changed, 0);
	ASSERT_EQ_INT(j.rows.rows, 0);
	ds_buf_release(&out);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_appends_batches_and_falls_back_to_statements_on_a_bad_row)
{
	struct fixture f;
	struct db_writer_stats st;
	struct many *x;
	int bad[40] = {0}, i;

	setup(&f, ":memory:");
	/* Turn the jobs into appends (table order: id, v), with the INSERT as fallback. */
	bad[13] = 1;
	x = ds_test_alloc(sizeof(*x) * 40);
	{
		/* Submit by hand so that append_table is set before queueing. */
		static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
		static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
		static int left;
		struct ds_error e = DS_ERROR_INIT;

		left = 40;
		for (i = 0; i < 40; i++) {
			snprintf(x[i].v, sizeof(x[i].v), "%s", bad[i] ? "bad" : "ok");
			x[i].p[0].type = DB_PARAM_INT;
			x[i].p[0].v.i = 500 + i;
			x[i].p[1].type = DB_PARAM_TEXT;
			x[i].p[1].v.text.s = x[i].v;
			x[i].p[1].v.text.len = strlen(x[i].v);
			x[i].m = &m;
			x[i].c = &c;
			x[i].left = &left;
			db_job_init(&x[i].job);
			x[i].job.stmt = f.ins;
			x[i].job.params = x[i].p;
			x[i].job.nparams = 2;
			x[i].job.append_table = "t";
			x[i].job.append_row = x[i].p;
			x[i].job.append_ncols = 2;
			x[i].job.done = many_done;
			x[i].job.arg = &x[i];
			ASSERT_EQ_INT(db_writer_submit(f.db, &x[i].job, &e), 0);
		}
		pthread_mutex_lock(&m);
		while (left > 0)
			pthread_cond_wait(&c, &m);
		pthread_mutex_unlock(&m);
	}
	for (i = 0; i < 40; i++) {
		if (bad[i]) {
			ASSERT_MSG(x[i].job.err.set, "bad row %d accepted", i);
			ASSERT_EQ_INT(x[i].job.err.code, DB_ERR_CONSTRAINT);
		} else {
			ASSERT_MSG(!x[i].job.err.set, "row %d: %s", i, ds_error_msg(&x[i].job.err));
		}
	}
	ASSERT_EQ_INT(count(&f), 39);
	db_writer_stats(f.db, &st);
	ASSERT_CMP_INT(st.append_fallbacks, >=, 1);
	/* Now a clean batch goes through the appender. */
	db_close(f.db, 0, NULL);
}

TEST(db_writer_append_jobs_use_the_appender)
{
	struct fixture f;
	struct db_writer_stats st;
	struct ds_error e = DS_ERROR_INIT;
	struct db_job j;
	struct db_param p[2];

	setup(&f, ":memory:");
	p[0].type = DB_PARAM_INT;
	p[0].v.i = 7;
	p[1].type = DB_PARAM_TEXT;
	p[1].v.text.s = "fine";
	p[1].v.text.len = 4;
	db_job_init(&j);
	j.stmt = f.ins;
	j.params = p;
	j.nparams = 2;
	j.append_table = "t";
	j.append_row = p;
	j.append_ncols = 2;
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	ASSERT_EQ_INT(j.changed, 1);
	/* The same id again: the appender fails, the INSERT names the error. */
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_CONSTRAINT);
	ASSERT_EQ_INT(count(&f), 1);
	db_writer_stats(f.db, &st);
	ASSERT_EQ_INT(st.appended, 1);
	ASSERT_EQ_INT(st.append_fallbacks, 1);
	db_close(f.db, 0, NULL);
}

TEST(db_writer_refuses_jobs_once_stopping)
{
	struct fixture f;
	struct ds_error e = DS_ERROR_INIT;
	struct db_job j;

	setup(&f, ":memory:");
	memset(&j, 0, sizeof(j));
	j.stmt = f.count;
	db_rows_init(&j.rows, NULL);
	ASSERT_EQ_INT(db_writer_run(f.db, &j, &e), 0);
	/* What db_close does first: the writer finishes its queue and stops. */
	db__writer_stop(f.db);
	ASSERT_EQ_INT(db_writer_submit(f.db, &j, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_CLOSED);
	db_close(f.db, 0, NULL);
}
