/*
 * db/query.c - the query pool: clients' read-only SQL, streamed; see query.h.
 *
 * Pieces:
 *   - connections: DuckDB connections owned by the pool (db->query_connections), each
 *     lent to one query from its start to its end, never closed before db_close();
 *   - threads (db->query_threads) taking runnable queries from a FIFO and doing one step
 *     each: start it (or fetch and render the next chunk), hand the output to the stream,
 *     then requeue it, park it (its consumer has not read what is there), or finish it;
 *   - a wait queue of queries that found every connection lent;
 *   - a timer thread that marks queries past their deadline and interrupts the connection
 *     of one running inside DuckDB (duckdb_interrupt is DuckDB's way to stop a query from
 *     another thread).
 *
 * Locks: each stream has its own mutex (its output, its flags); the pool has one (queues,
 * the list of live queries, where each stream sits). A stream's lock may be held while
 * taking the pool's, never the other way round. DuckDB is called without either, except
 * duckdb_interrupt, which is called under the stream's lock so that it cannot hit a later
 * query of the same connection (in_duckdb is cleared under that lock after each call).
 *
 * Lifetime: a stream has two references, the consumer's (dropped by db_stream_close) and
 * the pool's (dropped when the query is finished: DuckDB objects destroyed, transaction
 * rolled back, connection returned). Whoever drops the last frees it.
 */
#include "db/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

/* The head is also decided when some output exists and the query has run this long, so
 * that a query that trickles rows does not keep its client waiting for headers. */
#define HEAD_AFTER_NS (500LL * 1000 * 1000)

enum sched {
	S_NONE,    /* parked (waiting for its consumer) or finished */
	S_WAITQ,   /* waiting for a connection */
	S_RUNQ,    /* runnable */
	S_RUNNING, /* a pool thread has it */
};

struct qconn {
	duckdb_connection c;
	duckdb_prepared_statement begin, rollback; /* prepared once: they run for every query */
	duckdb_prepared_statement ser;             /* json_serialize_sql, for guard.c */
	struct qconn *next;
};

struct db__qpool {
	struct db *db;
	pthread_mutex_t m;
	pthread_cond_t work; /* runq or stopping */
	pthread_cond_t tick; /* the timer: a new deadline, stopping, a query finished */
	struct db_stream *runq, *runq_tail, *waitq, *waitq_tail;
	struct db_stream *live; /* every query not finished, for the timer */
	struct qconn *conns;    /* [nconns] */
	struct qconn *free_conns;
	int nconns, nthreads, queue_max;
	pthread_t *threads;
	pthread_t timer;
	int stopping;
	long running, waiting, open_streams;
	atomic_ullong st_queries, st_failed, st_forbidden, st_timeouts, st_cancelled, st_rows,
		st_bytes;
};

struct db_stream {
	struct db__qpool *pool;
	atomic_int refs;
	/* The request, copied. */
	char *sql;
	struct db_param *params;
	size_t nparams;
	enum db_format format;
	long long max_rows;
	long timeout_ms;
	int64_t start_ns, deadline_ns;

	pthread_mutex_t m;
	pthread_cond_t cv;  /* notifying went to 0 */
	/* Under m. */
	db_stream_notify notify;
	void *notify_arg;
	int notifying;
	int closed;         /* the consumer is gone */
	int expired;        /* past the deadline */
	int in_duckdb;      /* a pool thread is inside a DuckDB call that can be interrupted */
	int head_done;
	int head_failed;    /* failed before any output: the answer is the error */
	int finished;
	int consumer_waiting;
	struct ds_error err;
	struct ds_buf out;  /* output not yet read, from out_off */
	size_t out_off;
	long long rows;

	/* Under the pool's lock. */
	enum sched sched;
	struct db_stream *qnext;        /* runq or waitq */
	struct db_stream *lnext, *lprev; /* live list */
	int timer_fired;
	struct qconn *conn;

	/* Only the pool thread running it. */
	int started, in_tx, ended;
	duckdb_prepared_statement ps;
	duckdb_pending_result pending;
	duckdb_result res;
	int have_res;
	duckdb_data_chunk chunk;
	idx_t chunk_row, chunk_size;
	struct db__render rd;
	int have_rd;
	struct ds_buf work;
	struct ds_error perr; /* the failure, before it is published in err */
	int pfailed;
};

/* --- queues (pool lock held) ------------------------------------------------------------- */

static void runq_push(struct db__qpool *p, struct db_stream *s)
{
	s->sched = S_RUNQ;
	s->qnext = NULL;
	if (p->runq_tail)
		p->runq_tail->qnext = s;
	else
		p->runq = s;
	p->runq_tail = s;
	pthread_cond_signal(&p->work);
}

static struct db_stream *runq_pop(struct db__qpool *p)
{
	struct db_stream *s = p->runq;

	if (s) {
		p->runq = s->qnext;
		if (!p->runq)
			p->runq_tail = NULL;
		s->qnext = NULL;
	}
	return s;
}

static void waitq_push(struct db__qpool *p, struct db_stream *s)
{
	s->sched = S_WAITQ;
	s->qnext = NULL;
	if (p->waitq_tail)
		p->waitq_tail->qnext = s;
	else
		p->waitq = s;
	p->waitq_tail = s;
	p->waiting++;
}

static void waitq_remove(struct db__qpool *p, struct db_stream *s)
{
	struct db_stream **pp, *prev = NULL;

	for (pp = &p->waitq; *pp; prev = *pp, pp = &(*pp)->qnext) {
		if (*pp != s)
			continue;
		*pp = s->qnext;
		if (p->waitq_tail == s)
			p->waitq_tail = prev;
		s->qnext = NULL;
		p->waiting--;
		return;
	}
}

/* Give free connections to waiting queries. */
static void dispatch_waiting(struct db__qpool *p)
{
	while (p->waitq && p->free_conns) {
		struct db_stream *s = p->waitq;

		p->waitq = s->qnext;
		if (!p->waitq)
			p->waitq_tail = NULL;
		p->waiting--;
		s->conn = p->free_conns;
		p->free_conns = s->conn->next;
		p->running++;
		runq_push(p, s);
	}
}

/* With s's lock held: make sure a pool thread will look at s: a parked query when its
 * consumer made room; with force (a close, an expiry), also one waiting for a connection,
 * which is then finished without one. */
static void wake_locked(struct db_stream *s, int force)
{
	struct db__qpool *p = s->pool;

	pthread_mutex_lock(&p->m);
	if (s->sched == S_NONE && !s->finished) {
		runq_push(p, s);
	} else if (force && s->sched == S_WAITQ) {
		waitq_remove(p, s);
		runq_push(p, s);
	}
	pthread_mutex_unlock(&p->m);
}

/* --- streams ------------------------------------------------------------------------------ */

static void stream_free(struct db_stream *s)
{
	size_t i;

	for (i = 0; i < s->nparams; i++)
		if (s->params[i].type == DB_PARAM_TEXT)
			free((char *)s->params[i].v.text.s);
	free(s->params);
	free(s->sql);
	ds_buf_release(&s->out);
	ds_buf_release(&s->work);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->m);
	free(s);
}

static void unref(struct db_stream *s)
{
	if (atomic_fetch_sub(&s->refs, 1) == 1)
		stream_free(s);
}

/* Call the consumer's notify, outside the lock, so that db_stream_close can wait for it.
 * Called with s->m held; returns with it held. */
static void notify_locked(struct db_stream *s)
{
	db_stream_notify fn = s->notify;
	void *arg = s->notify_arg;

	if (!fn || s->closed)
		return;
	s->notifying++;
	pthread_mutex_unlock(&s->m);
	fn(arg);
	pthread_mutex_lock(&s->m);
	if (--s->notifying == 0)
		pthread_cond_broadcast(&s->cv);
}

/* --- errors ------------------------------------------------------------------------------- */

/* DuckDB's messages span lines ("LINE 1: ..." and a caret under the offending token): one
 * line with single spaces reads better in a problem document and a log line. */
static void clean_message(const char *in, char *out, size_t n)
{
	size_t j = 0;
	int space = 0;

	for (; in && *in && j + 1 < n; in++) {
		if (*in == ' ' || *in == '\n' || *in == '\r' || *in == '\t') {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < n)
			out[j++] = ' ';
		space = 0;
		out[j++] = *in;
	}
	out[j] = '\0';
}

static const char *statement_type_name(duckdb_statement_type t)
{
	static const char *const names[] = {
		"invalid", "SELECT", "INSERT", "UPDATE", "EXPLAIN", "DELETE", "PREPARE", "CREATE",
		"EXECUTE", "ALTER", "transaction", "COPY", "ANALYZE", "SET", "CREATE FUNCTION",
		"DROP", "EXPORT", "PRAGMA", "VACUUM", "CALL", "SET/RESET", "LOAD", "relation",
		"extension", "logical plan", "ATTACH", "DETACH", "multi-statement",
	};

	if ((size_t)t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return "unknown";
}

/* Record the query's failure (the first one wins), classified. type is DuckDB's error type
 * when known, DUCKDB_ERROR_INVALID otherwise (a prepare error comes as text only). */
static void fail(struct db_stream *s, duckdb_error_type type, const char *msg)
{
	char clean[900];
	int expired, closed, code = DB_ERR_SQL;

	if (s->pfailed)
		return;
	s->pfailed = 1;
	pthread_mutex_lock(&s->m);
	expired = s->expired;
	closed = s->closed;
	pthread_mutex_unlock(&s->m);
	clean_message(msg ? msg : "unknown DuckDB error", clean, sizeof(clean));
	if (type == DUCKDB_ERROR_INTERRUPT || !strncmp(clean, "INTERRUPT Error", 15)) {
		if (expired)
			ds_error_set(&s->perr, DB_ERR_TIMEOUT,
				     "the query ran past its time limit of %ld ms", s->timeout_ms);
		else
			ds_error_set(&s->perr, DB_ERR_CLOSED, "the query was cancelled%s",
				     closed ? ": its client went away" : "");
		return;
	}
	if (type == DUCKDB_ERROR_PERMISSION || !strncmp(clean, "Permission Error:", 17))
		code = DB_ERR_FORBIDDEN;
	else if (strstr(clean, "read-only mode") || strstr(clean, "read-only transaction"))
		code = DB_ERR_FORBIDDEN; /* a write from inside the READ ONLY transaction */
	else if (type == DUCKDB_ERROR_OUT_OF_MEMORY || !strncmp(clean, "Out of Memory Error", 19))
		code = DB_ERR_NOMEM;
	else if (type == DUCKDB_ERROR_FATAL || strstr(clean, "database has been invalidated"))
		code = DB_ERR_FATAL;
	if (code == DB_ERR_FATAL)
		atomic_store(&s->pool->db->fatal, 1);
	ds_error_set(&s->perr, code, "%s", clean);
}

static void fail_code(struct db_stream *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_code(struct db_stream *s, int code, const char *fmt, ...)
{
	va_list ap;

	if (s->pfailed)
		return;
	s->pfailed = 1;
	va_start(ap, fmt);
	ds_error_vset(&s->perr, code, fmt, ap);
	va_end(ap);
}

/* --- running a query (pool thread) -------------------------------------------------------- */

/* Mark s as inside DuckDB (interruptible) or out of it. */
static void in_duckdb(struct db_stream *s, int on)
{
	pthread_mutex_lock(&s->m);
	s->in_duckdb = on;
	pthread_mutex_unlock(&s->m);
}

static int simple_exec(struct db_stream *s, const char *sql, struct ds_error *e)
{
	duckdb_result res;
	int rc = 0;

	if (duckdb_query(s->conn->c, sql, &res) == DuckDBError)
		rc = ds_error_set(e, DB_ERR_OTHER, "%s", duckdb_result_error(&res));
	duckdb_destroy_result(&res);
	return rc;
}

/* BEGIN TRANSACTION READ ONLY or ROLLBACK through the connection's prepared copy. */
static int tx_exec(struct db_stream *s, duckdb_prepared_statement p, const char *sql,
		   struct ds_error *e)
{
	duckdb_result res;
	int rc = 0;

	if (!p)
		return simple_exec(s, sql, e);
	if (duckdb_execute_prepared(p, &res) == DuckDBError)
		rc = ds_error_set(e, DB_ERR_OTHER, "%s", duckdb_result_error(&res));
	duckdb_destroy_result(&res);
	return rc;
}

static int start(struct db_stream *s)
{
	duckdb_extracted_statements ex = NULL;
	duckdb_statement_type type;
	struct ds_error e = DS_ERROR_INIT;
	idx_t n, i;

	s->started = 1;
	/* Every statement of a query runs in a READ ONLY transaction: DuckDB then refuses any
	 * write, including the ones a SELECT can make (nextval() on a sequence). */
	if (tx_exec(s, s->conn->begin, "BEGIN TRANSACTION READ ONLY", &e)) {
		/* A transaction left open by an earlier failure: close it and retry once. */
		struct ds_error e2 = DS_ERROR_INIT;

		simple_exec(s, "ROLLBACK", &e2);
		ds_error_init(&e);
		if (tx_exec(s, s->conn->begin, "BEGIN TRANSACTION READ ONLY", &e)) {
			fail(s, DUCKDB_ERROR_INVALID, ds_error_msg(&e));
			return -1;
		}
	}
	s->in_tx = 1;
	n = duckdb_extract_statements(s->conn->c, s->sql, &ex);
	if (n != 1) {
		const char *m = n == 0 ? duckdb_extract_statements_error(ex) : NULL;

		if (n > 1)
			fail_code(s, DB_ERR_MULTIPLE,
				  "the query holds %llu statements; /query runs exactly one (no ';' "
				  "between statements)",
				  (unsigned long long)n);
		else if (m)
			fail(s, DUCKDB_ERROR_PARSER, m);
		else
			fail_code(s, DB_ERR_SQL, "the query holds no statement");
		duckdb_destroy_extracted(&ex);
		return -1;
	}
	if (duckdb_prepare_extracted_statement(s->conn->c, ex, 0, &s->ps) == DuckDBError) {
		fail(s, DUCKDB_ERROR_INVALID, duckdb_prepare_error(s->ps));
		duckdb_destroy_extracted(&ex);
		return -1;
	}
	duckdb_destroy_extracted(&ex);
	/* The boundary: only a SELECT-class statement. DESCRIBE, SHOW, SUMMARIZE, FROM-first,
	 * VALUES, PIVOT and PRAGMAs that DuckDB rewrites into a SELECT over a table function
	 * (PRAGMA table_info) are SELECTs; EXPLAIN is not (EXPLAIN ANALYZE runs what it
	 * explains), nor CALL, SET, PRAGMA, COPY, EXPORT, ATTACH, INSTALL/LOAD, ... */
	type = duckdb_prepared_statement_type(s->ps);
	if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
		fail_code(s, DB_ERR_FORBIDDEN,
			  "only SELECT statements run on /query; this is a%s %s statement",
			  type == DUCKDB_STATEMENT_TYPE_INSERT || type == DUCKDB_STATEMENT_TYPE_UPDATE ||
					  type == DUCKDB_STATEMENT_TYPE_EXPLAIN ||
					  type == DUCKDB_STATEMENT_TYPE_EXPORT ||
					  type == DUCKDB_STATEMENT_TYPE_EXECUTE ||
					  type == DUCKDB_STATEMENT_TYPE_ALTER ||
					  type == DUCKDB_STATEMENT_TYPE_ANALYZE ||
					  type == DUCKDB_STATEMENT_TYPE_ATTACH ||
					  type == DUCKDB_STATEMENT_TYPE_INVALID
				  ? "n"
				  : "",
			  statement_type_name(type));
		return -1;
	}
	ds_error_init(&e);
	if (db__guard_check(s->conn->ser, s->sql, &e)) {
		fail_code(s, e.code, "%s", ds_error_msg(&e));
		return -1;
	}
	if (duckdb_nparams(s->ps) != s->nparams) {
		fail_code(s, DB_ERR_INPUT, "the statement takes %llu parameter%s ($1...), %zu given",
			  (unsigned long long)duckdb_nparams(s->ps),
			  duckdb_nparams(s->ps) == 1 ? "" : "s", s->nparams);
		return -1;
	}
	for (i = 0; i < s->nparams; i++) {
		ds_error_init(&e);
		if (db__bind(s->ps, i + 1, &s->params[i], &e)) {
			fail_code(s, DB_ERR_INPUT, "parameter $%llu: DuckDB refused the value",
				  (unsigned long long)(i + 1));
			return -1;
		}
	}
	/* The only streaming entry point of the C API in 1.4; marked deprecated, with no
	 * replacement yet (docs/internals/serve.md). */
	if (duckdb_pending_prepared_streaming(s->ps, &s->pending) == DuckDBError) {
		fail(s, DUCKDB_ERROR_INVALID, duckdb_pending_error(s->pending));
		return -1;
	}
	in_duckdb(s, 1);
	if (duckdb_execute_pending(s->pending, &s->res) == DuckDBError) {
		in_duckdb(s, 0);
		s->have_res = 1;
		fail(s, duckdb_result_error_type(&s->res), duckdb_result_error(&s->res));
		return -1;
	}
	in_duckdb(s, 0);
	s->have_res = 1;
	ds_error_init(&e);
	if (db__render_init(&s->rd, &s->res, s->format, &e)) {
		fail_code(s, e.code ? e.code : DB_ERR_SQL, "%s", ds_error_msg(&e));
		return -1;
	}
	s->have_rd = 1;
	if (db__render_header(&s->rd, &s->work)) {
		fail_code(s, DB_ERR_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* Render up to budget bytes into s->work: rows of the current chunk, fetching one new chunk
 * at most (so that queries take turns). Sets s->ended at the end of the result. */
static void produce(struct db_stream *s, size_t budget)
{
	int fetched = 0;

	while (s->work.len < budget) {
		if (!s->chunk || s->chunk_row >= s->chunk_size) {
			if (s->chunk)
				duckdb_destroy_data_chunk(&s->chunk);
			s->chunk = NULL;
			if (fetched)
				return;
			in_duckdb(s, 1);
			s->chunk = duckdb_fetch_chunk(s->res);
			in_duckdb(s, 0);
			fetched = 1;
			if (!s->chunk) {
				if (duckdb_result_error(&s->res)) {
					fail(s, duckdb_result_error_type(&s->res), duckdb_result_error(&s->res));
					return;
				}
				if (db__render_footer(&s->rd, &s->work)) {
					fail_code(s, DB_ERR_NOMEM, "out of memory");
					return;
				}
				s->ended = 1;
				return;
			}
			s->chunk_size = duckdb_data_chunk_get_size(s->chunk);
			s->chunk_row = 0;
			db__render_chunk(&s->rd, s->chunk);
		}
		while (s->chunk_row < s->chunk_size && s->work.len < budget) {
			if (s->rd.rows >= s->max_rows) {
				fail_code(s, DB_ERR_TOO_MANY_ROWS,
					  "the result has more than %lld rows, the limit; add a LIMIT, "
					  "aggregate, or page with WHERE",
					  s->max_rows);
				return;
			}
			if (db__render_row(&s->rd, s->chunk_row, &s->work)) {
				if (s->work.len)
					return; /* hand over what is there; the row is tried again */
				fail_code(s, DB_ERR_TOO_BIG, "a row of the result is larger than %d bytes",
					  DB_STREAM_ROW_MAX);
				return;
			}
			s->chunk_row++;
		}
	}
}

/* Destroy s's DuckDB objects, end its transaction, return its connection. */
static void cleanup(struct db__qpool *p, struct db_stream *s)
{
	struct qconn *c;

	if (s->chunk)
		duckdb_destroy_data_chunk(&s->chunk);
	if (s->have_rd)
		db__render_release(&s->rd);
	if (s->have_res)
		duckdb_destroy_result(&s->res);
	if (s->pending)
		duckdb_destroy_pending(&s->pending);
	if (s->ps)
		duckdb_destroy_prepare(&s->ps);
	s->have_rd = s->have_res = 0;
	if (s->in_tx) {
		struct ds_error e = DS_ERROR_INIT;

		/* Read only: nothing to keep. A late interrupt may make this fail once; the
		 * next query's BEGIN recovers (start()). */
		if (tx_exec(s, s->conn->rollback, "ROLLBACK", &e)) {
			ds_error_init(&e);
			simple_exec(s, "ROLLBACK", &e);
		}
		s->in_tx = 0;
	}
	ds_buf_release(&s->work);
	pthread_mutex_lock(&p->m);
	c = s->conn;
	s->conn = NULL;
	if (c) {
		c->next = p->free_conns;
		p->free_conns = c;
		p->running--;
	}
	dispatch_waiting(p);
	pthread_mutex_unlock(&p->m);
}

static void live_remove(struct db__qpool *p, struct db_stream *s)
{
	if (s->lprev)
		s->lprev->lnext = s->lnext;
	else
		p->live = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	s->lnext = s->lprev = NULL;
}

static void step(struct db__qpool *p, struct db_stream *s)
{
	size_t budget;
	int stop, expired, finished = 0;
	long long rows;

	pthread_mutex_lock(&s->m);
	stop = s->closed || s->expired;
	expired = s->expired;
	budget = s->out.len - s->out_off < DB_STREAM_HIGH ? DB_STREAM_HIGH - (s->out.len - s->out_off) : 0;
	pthread_mutex_unlock(&s->m);
	if (stop) {
		if (expired)
			fail_code(s, DB_ERR_TIMEOUT, "the query ran past its time limit of %ld ms%s",
				  s->timeout_ms, s->conn ? "" : " waiting for a free query connection");
		else
			fail_code(s, DB_ERR_CLOSED, "the query was cancelled: its client went away");
	} else if (!s->started) {
		start(s);
	}
	if (!s->pfailed && budget)
		produce(s, budget);
	rows = s->have_rd ? s->rd.rows : s->rows;

	/* Publish the output: whole rows only, so even before a failure it is valid. */
	pthread_mutex_lock(&s->m);
	if (s->work.len) {
		if (s->out_off && s->out_off == s->out.len) {
			ds_buf_reset(&s->out);
			s->out_off = 0;
		} else if (s->out_off) {
			memmove(s->out.data, s->out.data + s->out_off, s->out.len - s->out_off);
			s->out.len -= s->out_off;
			s->out.data[s->out.len] = '\0';
			s->out_off = 0;
		}
		if (ds_buf_add(&s->out, s->work.data, s->work.len))
			fail_code(s, DB_ERR_NOMEM, "out of memory");
		else
			atomic_fetch_add(&p->st_bytes, s->work.len);
		ds_buf_reset(&s->work);
	}
	if (rows > s->rows) {
		atomic_fetch_add(&p->st_rows, (unsigned long long)(rows - s->rows));
		s->rows = rows;
	}
	pthread_mutex_unlock(&s->m);

	if (s->pfailed || s->ended) {
		finished = 1;
		cleanup(p, s);
	}

	pthread_mutex_lock(&s->m);
	if (finished) {
		s->finished = 1;
		if (s->pfailed) {
			s->err = s->perr;
			atomic_fetch_add(&p->st_failed, 1);
			if (s->perr.code == DB_ERR_FORBIDDEN)
				atomic_fetch_add(&p->st_forbidden, 1);
			else if (s->perr.code == DB_ERR_TIMEOUT)
				atomic_fetch_add(&p->st_timeouts, 1);
			else if (s->perr.code == DB_ERR_CLOSED)
				atomic_fetch_add(&p->st_cancelled, 1);
			if (!s->head_done) {
				/* Nothing was sent: the failure is the answer. */
				ds_buf_reset(&s->out);
				s->out_off = 0;
			}
		}
	}
	/* Tell the consumer. */
	if (!s->head_done &&
	    (s->finished || s->out.len - s->out_off >= DB_STREAM_HEAD ||
	     (s->out.len > s->out_off && ds_clock_mono_ns() - s->start_ns >= HEAD_AFTER_NS))) {
		s->head_done = 1;
		s->head_failed = s->finished && s->err.set;
		s->consumer_waiting = 0;
		notify_locked(s);
	} else if (s->consumer_waiting && (s->finished || s->out.len > s->out_off)) {
		s->consumer_waiting = 0;
		notify_locked(s);
	}
	/* Where next. */
	pthread_mutex_lock(&p->m);
	if (s->finished) {
		s->sched = S_NONE;
		live_remove(p, s);
		pthread_cond_broadcast(&p->tick);
	} else if (s->closed || s->expired || s->out.len - s->out_off < DB_STREAM_HIGH) {
		runq_push(p, s);
	} else {
		s->sched = S_NONE; /* parked until the consumer reads */
	}
	pthread_mutex_unlock(&p->m);
	pthread_mutex_unlock(&s->m);
	if (finished)
		unref(s); /* the pool's reference */
}

static void *worker(void *arg)
{
	struct db__qpool *p = arg;

	pthread_mutex_lock(&p->m);
	for (;;) {
		struct db_stream *s = runq_pop(p);

		if (!s) {
			if (p->stopping && !p->live)
				break;
			pthread_cond_wait(&p->work, &p->m);
			continue;
		}
		s->sched = S_RUNNING;
		pthread_mutex_unlock(&p->m);
		step(p, s);
		pthread_mutex_lock(&p->m);
	}
	pthread_mutex_unlock(&p->m);
	return NULL;
}

/* Mark s expired and get it moving. */
static void expire(struct db_stream *s)
{
	pthread_mutex_lock(&s->m);
	if (!s->finished) {
		s->expired = 1;
		if (s->in_duckdb && s->conn)
			duckdb_interrupt(s->conn->c);
		wake_locked(s, 1);
	}
	pthread_mutex_unlock(&s->m);
}

#define EXPIRE_BATCH 32

static void *timer(void *arg)
{
	struct db__qpool *p = arg;

	pthread_mutex_lock(&p->m);
	for (;;) {
		struct db_stream *due[EXPIRE_BATCH], *s;
		int n = 0, i;
		int64_t now = ds_clock_mono_ns(), next = now + 1000000000LL;

		if (p->stopping && !p->live)
			break;
		for (s = p->live; s && n < EXPIRE_BATCH; s = s->lnext) {
			if (s->timer_fired)
				continue;
			if (p->stopping || s->deadline_ns <= now) {
				s->timer_fired = 1;
				atomic_fetch_add(&s->refs, 1);
				due[n++] = s;
			} else if (s->deadline_ns < next) {
				next = s->deadline_ns;
			}
		}
		if (n) {
			pthread_mutex_unlock(&p->m);
			for (i = 0; i < n; i++) {
				expire(due[i]);
				unref(due[i]);
			}
			pthread_mutex_lock(&p->m);
			continue;
		}
		{
			struct timespec ts;
			int64_t wait_ns = next - now;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait_ns / 1000000000LL);
			ts.tv_nsec += (long)(wait_ns % 1000000000LL);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&p->tick, &p->m, &ts);
		}
	}
	pthread_mutex_unlock(&p->m);
	return NULL;
}

/* --- the pool ------------------------------------------------------------------------------ */

static void pool_free(struct db__qpool *p)
{
	int i;

	for (i = 0; i < p->nconns; i++) {
		if (p->conns[i].begin)
			duckdb_destroy_prepare(&p->conns[i].begin);
		if (p->conns[i].rollback)
			duckdb_destroy_prepare(&p->conns[i].rollback);
		if (p->conns[i].ser)
			duckdb_destroy_prepare(&p->conns[i].ser);
		if (p->conns[i].c)
			duckdb_disconnect(&p->conns[i].c);
	}
	free(p->conns);
	free(p->threads);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->tick);
	pthread_mutex_destroy(&p->m);
	free(p);
}

static struct db__qpool *pool_start(struct db *db, struct ds_error *e)
{
	struct db__qpool *p = calloc(1, sizeof(*p));
	int i;

	if (!p) {
		ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	p->db = db;
	pthread_mutex_init(&p->m, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->tick, NULL);
	p->nconns = db->query_connections;
	p->queue_max = db->query_queue;
	p->conns = calloc((size_t)p->nconns, sizeof(*p->conns));
	p->threads = calloc((size_t)db->query_threads, sizeof(*p->threads));
	if (!p->conns || !p->threads) {
		ds_error_set(e, DB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < p->nconns; i++) {
		if (duckdb_connect(db->ddb, &p->conns[i].c) == DuckDBError) {
			p->conns[i].c = NULL;
			ds_error_set(e, DB_ERR_OTHER, "DuckDB refused a query connection");
			goto fail;
		}
		/* DuckDB buffers up to streaming_buffer_size of a streaming result before the
		 * first fetch returns (976 KiB by default): a selective scan of a big table then
		 * shows its client nothing for seconds (measured: 17 s to the first of a
		 * row-per-30,000 scan), and every query holds that much. One chunk's worth is
		 * enough, since the pool fetches chunk by chunk. It is a connection setting, set
		 * here before the configuration is locked. */
		if (db->lock_pending) {
			duckdb_result res;
			duckdb_state st = duckdb_query(p->conns[i].c, "SET streaming_buffer_size = '"
							DB_STREAM_DUCKDB_BUFFER "'", &res);

			if (st == DuckDBError)
				ds_error_set(e, DB_ERR_OTHER, "setting streaming_buffer_size: %s",
					     duckdb_result_error(&res));
			duckdb_destroy_result(&res);
			if (st == DuckDBError)
				goto fail;
		}
		/* Failing to prepare these only costs a parse per query (tx_exec falls back). */
		if (duckdb_prepare(p->conns[i].c, "BEGIN TRANSACTION READ ONLY", &p->conns[i].begin) ==
		    DuckDBError)
			duckdb_destroy_prepare(&p->conns[i].begin);
		if (duckdb_prepare(p->conns[i].c, "ROLLBACK", &p->conns[i].rollback) == DuckDBError)
			duckdb_destroy_prepare(&p->conns[i].rollback);
		/* Without it (no JSON in this DuckDB) guard.c refuses what it cannot check. */
		if (duckdb_prepare(p->conns[i].c, "SELECT json_serialize_sql($1::VARCHAR)",
				   &p->conns[i].ser) == DuckDBError)
			duckdb_destroy_prepare(&p->conns[i].ser);
		p->conns[i].next = p->free_conns;
		p->free_conns = &p->conns[i];
	}
	/* Lock the configuration before any client statement can run: no SET, RESET or
	 * PRAGMA can undo external access being off (db_open) from now on. */
	if (db->lock_pending) {
		duckdb_result res;

		if (duckdb_query(p->conns[0].c, "SET lock_configuration = true", &res) == DuckDBError) {
			ds_error_set(e, DB_ERR_OTHER, "locking the configuration: %s",
				     duckdb_result_error(&res));
			duckdb_destroy_result(&res);
			goto fail;
		}
		duckdb_destroy_result(&res);
		db->lock_pending = 0;
	}
	for (i = 0; i < db->query_threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p)) {
			ds_error_set(e, DB_ERR_OTHER, "cannot start a query thread");
			goto fail_threads;
		}
		p->nthreads++;
	}
	if (pthread_create(&p->timer, NULL, timer, p)) {
		ds_error_set(e, DB_ERR_OTHER, "cannot start the query timer");
		goto fail_threads;
	}
	return p;
fail_threads:
	pthread_mutex_lock(&p->m);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->m);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
fail:
	pool_free(p);
	return NULL;
}

void db__query_stop(struct db *db)
{
	struct db__qpool *p = db->qpool;
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->m);
	if (p->open_streams)
		DS_BUG("db_close() with %ld query stream(s) still open", p->open_streams);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->tick);
	pthread_mutex_unlock(&p->m);
	pthread_join(p->timer, NULL);
	pthread_mutex_lock(&p->m);
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->m);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pool_free(p);
	db->qpool = NULL;
}

/* --- the consumer's side ------------------------------------------------------------------ */

static int copy_params(struct db_stream *s, const struct db_query *q)
{
	size_t i;

	s->nparams = q->nparams;
	if (!q->nparams)
		return 0;
	s->params = calloc(q->nparams, sizeof(*s->params));
	if (!s->params)
		return -1;
	for (i = 0; i < q->nparams; i++) {
		s->params[i] = q->params[i];
		if (q->params[i].type == DB_PARAM_TEXT) {
			char *t = malloc(q->params[i].v.text.len + 1);

			if (!t) {
				s->params[i].type = DB_PARAM_NULL;
				return -1;
			}
			memcpy(t, q->params[i].v.text.s, q->params[i].v.text.len);
			t[q->params[i].v.text.len] = '\0';
			s->params[i].v.text.s = t;
		}
	}
	return 0;
}

int db_query_submit(struct db *db, const struct db_query *q, db_stream_notify notify, void *arg,
		    struct db_stream **out, struct ds_error *e)
{
	struct db_stream *s;
	struct db__qpool *p;

	*out = NULL;
	pthread_mutex_lock(&db->lock);
	if (!db->qpool)
		db->qpool = pool_start(db, e);
	p = db->qpool;
	pthread_mutex_unlock(&db->lock);
	if (!p)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	s->pool = p;
	atomic_init(&s->refs, 2);
	pthread_mutex_init(&s->m, NULL);
	pthread_cond_init(&s->cv, NULL);
	ds_buf_init(&s->out, 0);
	ds_buf_init(&s->work, DB_STREAM_HIGH + DB_STREAM_ROW_MAX);
	s->sql = strdup(q->sql ? q->sql : "");
	if (!s->sql || copy_params(s, q)) {
		stream_free(s);
		return ds_error_set(e, DB_ERR_NOMEM, "out of memory");
	}
	s->format = q->format;
	s->max_rows = q->max_rows > 0 ? q->max_rows : 1;
	s->timeout_ms = q->timeout_ms > 0 ? q->timeout_ms : 1;
	s->start_ns = ds_clock_mono_ns();
	s->deadline_ns = s->start_ns + (int64_t)s->timeout_ms * 1000000;
	s->notify = notify;
	s->notify_arg = arg;

	pthread_mutex_lock(&p->m);
	if (p->stopping) {
		pthread_mutex_unlock(&p->m);
		stream_free(s);
		return ds_error_set(e, DB_ERR_CLOSED, "the server is shutting down");
	}
	if (!p->free_conns && p->waiting >= p->queue_max) {
		long running = p->running, waiting = p->waiting;

		pthread_mutex_unlock(&p->m);
		stream_free(s);
		return ds_error_set(e, DB_ERR_BUSY,
				    "%ld queries are running and %ld waiting, the most this server "
				    "takes; retry later",
				    running, waiting);
	}
	*out = s;
	p->open_streams++;
	atomic_fetch_add(&p->st_queries, 1);
	s->lnext = p->live;
	if (p->live)
		p->live->lprev = s;
	p->live = s;
	if (p->free_conns) {
		s->conn = p->free_conns;
		p->free_conns = s->conn->next;
		p->running++;
		runq_push(p, s);
	} else {
		waitq_push(p, s);
	}
	pthread_cond_signal(&p->tick);
	pthread_mutex_unlock(&p->m);
	return 0;
}

int db_stream_head(struct db_stream *s, struct ds_error *e)
{
	int rc = 0;

	pthread_mutex_lock(&s->m);
	if (!s->head_done)
		DS_BUG("db_stream_head() before the head notification");
	if (s->head_failed) {
		*e = s->err;
		rc = -1;
	}
	pthread_mutex_unlock(&s->m);
	return rc;
}

int db_stream_complete(struct db_stream *s)
{
	int done;

	pthread_mutex_lock(&s->m);
	done = s->finished && !s->err.set;
	pthread_mutex_unlock(&s->m);
	return done;
}

enum db_stream_state db_stream_read(struct db_stream *s, char *buf, size_t n, size_t *got,
				    void (*park)(void *), void *park_arg, struct ds_error *e)
{
	enum db_stream_state st;
	size_t avail;

	*got = 0;
	pthread_mutex_lock(&s->m);
	avail = s->out.len - s->out_off;
	if (avail && n) {
		size_t k = avail < n ? avail : n;

		memcpy(buf, s->out.data + s->out_off, k);
		s->out_off += k;
		if (s->out_off == s->out.len) {
			ds_buf_reset(&s->out);
			s->out_off = 0;
		}
		*got = k;
		/* Below the low-water mark: let a parked query go on. */
		if (!s->finished && s->out.len - s->out_off <= DB_STREAM_HIGH / 2)
			wake_locked(s, 0);
		st = DB_STREAM_DATA;
	} else if (s->finished) {
		st = s->err.set ? DB_STREAM_FAILED : DB_STREAM_END;
		if (s->err.set && e)
			*e = s->err;
	} else {
		s->consumer_waiting = 1;
		if (park)
			park(park_arg);
		wake_locked(s, 0);
		st = DB_STREAM_WAIT;
	}
	pthread_mutex_unlock(&s->m);
	return st;
}

void db_stream_set_notify(struct db_stream *s, db_stream_notify notify, void *arg)
{
	pthread_mutex_lock(&s->m);
	s->notify = notify;
	s->notify_arg = arg;
	pthread_mutex_unlock(&s->m);
}

long long db_stream_rows(struct db_stream *s)
{
	long long n;

	pthread_mutex_lock(&s->m);
	n = s->rows;
	pthread_mutex_unlock(&s->m);
	return n;
}

void db_stream_close(struct db_stream *s)
{
	struct db__qpool *p;

	if (!s)
		return;
	p = s->pool;
	pthread_mutex_lock(&s->m);
	s->closed = 1;
	s->notify = NULL;
	s->consumer_waiting = 0;
	while (s->notifying)
		pthread_cond_wait(&s->cv, &s->m);
	if (!s->finished) {
		if (s->in_duckdb && s->conn)
			duckdb_interrupt(s->conn->c);
		wake_locked(s, 1);
	}
	pthread_mutex_unlock(&s->m);
	pthread_mutex_lock(&p->m);
	p->open_streams--;
	pthread_mutex_unlock(&p->m);
	unref(s);
}

void db_query_stats(struct db *db, struct db_query_stats *st)
{
	struct db__qpool *p;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&db->lock);
	p = db->qpool;
	pthread_mutex_unlock(&db->lock);
	if (!p)
		return;
	st->queries = atomic_load(&p->st_queries);
	st->failed = atomic_load(&p->st_failed);
	st->forbidden = atomic_load(&p->st_forbidden);
	st->timeouts = atomic_load(&p->st_timeouts);
	st->cancelled = atomic_load(&p->st_cancelled);
	st->rows = atomic_load(&p->st_rows);
	st->bytes = atomic_load(&p->st_bytes);
	pthread_mutex_lock(&p->m);
	st->running = p->running;
	st->waiting = p->waiting;
	pthread_mutex_unlock(&p->m);
}
