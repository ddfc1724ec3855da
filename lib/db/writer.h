/*
 * db/writer.h - group commit: every write goes through one writer thread, which runs the
 * writes that queued up while it was committing in a single transaction.
 *
 * A commit is the expensive part of a write (DuckDB appends to its WAL and syncs it), so one
 * commit for a batch of N writes costs about what one commit for one write costs. A job is
 * acknowledged (its done callback runs) only after the transaction holding it has committed,
 * so an acknowledged write survives a crash; a failed job is acknowledged with its error.
 *
 * There is no timer: the writer takes whatever is queued when it wakes, so a lone write is
 * committed at once and, under load, batches grow by themselves while the previous commit
 * is syncing.
 *
 * Failures are kept apart: when one statement of a batch fails (a constraint, a bad value),
 * the transaction is rolled back, that job is answered with its error, and the others are
 * run again without it. A commit that fails on a write-write conflict (a transaction outside
 * the writer changed the same rows) is retried, up to DB_WRITER_RETRIES times with a short
 * backoff; after that its jobs fail with DB_ERR_CONFLICT.
 */
#ifndef DS_DB_WRITER_H
#define DS_DB_WRITER_H

#include "db/db.h"

#define DB_WRITER_RETRIES 3

struct db_job {
	/* Filled by the submitter; params and out are borrowed until done runs. */
	int stmt;
	const struct db_param *params;
	size_t nparams;
	/*
	 * Optional read-back (read_back set): stmt must then be a plain INSERT/UPDATE/DELETE
	 * (its row count lands in changed), and read_stmt runs after it in the same
	 * transaction, when it changed a row, rendering into rows. Use this instead of UPDATE ... RETURNING: in DuckDB 1.4.4 an UPDATE with
	 * RETURNING is not checked for write-write conflicts, and the other transaction's
	 * committed update is silently lost (tests/unit/db/writer.c shows both behaviours).
	 */
	int read_back;
	int read_stmt;
	const struct db_param *read_params;
	size_t read_nparams;
	long long changed;      /* rows stmt changed (with read_stmt only) */
	/*
	 * Optional fast path for an INSERT (append_table set): the row, in the table's column
	 * order, goes through DuckDB's appender, which skips planning a statement (a prepared
	 * INSERT is re-planned at every execution in DuckDB 1.4.4: ~300 us against ~35 us a
	 * row). Appended rows of a batch are flushed together before COMMIT. If the append or
	 * the flush fails (a duplicate key, a CHECK), the batch is rolled back and run again
	 * with stmt (an equivalent INSERT) for every job, so that the culprit gets its own,
	 * typed error. An appended job renders no rows: its submitter knows what it wrote.
	 * changed is 1 after a successful append.
	 */
	const char *append_table;
	const struct db_param *append_row;
	size_t append_ncols;
	struct db_rows rows;    /* RETURNING or read-back rows; rows.out may be NULL */
	void (*done)(struct db_job *job); /* runs on the writer thread; must not block */
	void *arg;
	/* Set by the writer before done runs. */
	struct ds_error err;    /* err.set when the job failed */
	int64_t queued_ns;      /* monotonic time of submission, for metrics */
	int batch_size;         /* jobs in the transaction that committed this one */
	/* Private. */
	struct db_job *next;
	int failed;
};

/* A job with nothing set (a zeroed struct db_job is the same). */
void db_job_init(struct db_job *job);

/*
 * Queue job; done runs later, on the writer thread. Returns 0, or -1 with e set
 * (DB_ERR_CLOSED) when the writer has stopped; done is then not called.
 */
int db_writer_submit(struct db *db, struct db_job *job, struct ds_error *e);

/*
 * Run job and wait for it on the calling thread (tools, tests, migrations of data).
 * Returns 0 or -1 with e set to the job's error.
 */
int db_writer_run(struct db *db, struct db_job *job, struct ds_error *e);

struct db_writer_stats {
	unsigned long long jobs;      /* jobs acknowledged */
	unsigned long long failed;    /* of which with an error */
	unsigned long long commits;   /* transactions committed */
	unsigned long long retries;   /* transactions retried after a conflict */
	unsigned long long batch_max; /* largest batch so far */
	unsigned long long appended;  /* rows written through the appender */
	unsigned long long append_fallbacks; /* batches re-run with statements after an append failure */
	long queued;                  /* jobs waiting now */
};

void db_writer_stats(struct db *db, struct db_writer_stats *s);

#endif
