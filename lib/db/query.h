/*
 * db/query.h - clients' SQL: one read-only statement, run by a pool, streamed.
 *
 * POST /query hands DuckDB text written by a client. This module runs it so that it can
 * neither change data nor reach outside the database, and so that its result, however
 * large, flows to the client a chunk at a time:
 *
 *   - the statement runs on a connection of the query pool: DB_QUERY_CONNECTIONS DuckDB
 *     connections of its own, never the writer's nor an HTTP worker's, served by a few pool
 *     threads, so a long query holds neither an HTTP worker nor a write;
 *   - the text must hold exactly one statement (duckdb_extract_statements), its prepared
 *     type must be SELECT (duckdb_prepared_statement_type), and it runs inside BEGIN
 *     TRANSACTION READ ONLY, so that a SELECT with a side effect (nextval()) fails too;
 *   - the database is opened with external access disabled (db_config.lockdown) and its
 *     configuration is locked when the pool starts, before the first client statement,
 *     so no statement can read or write files, reach the network, load extensions or
 *     change a setting (see docs/internals/serve.md for what that costs the rest of the
 *     server: nothing it uses);
 *   - a deadline (DuckDB's interrupt, from a timer thread) and a row cap end runaway
 *     queries.
 *
 * Streaming. The result is rendered (db/render.c: JSON, NDJSON or CSV) into a per-query
 * buffer of at most DB_STREAM_HIGH bytes; when the consumer has not taken them, the query
 * is parked (no thread, no new chunk fetched) until it does, so memory stays flat whatever
 * the size of the result, and a slow client slows only its own query. The consumer is told
 * about progress through a notify callback, which runs on a pool thread:
 *
 *   1. once when the head is known: the query failed before any output (an answer with
 *      its own status: a 400 for a SQL error, 403 for a forbidden statement, ...), or its
 *      first DB_STREAM_HEAD bytes (or all of it, when smaller) are ready;
 *   2. afterwards, only after db_stream_read() answered DB_STREAM_WAIT: when more output is
 *      ready, or the query ended.
 *
 * A failure after output began (the deadline, the row cap, a runtime error) ends the output
 * after the last complete row; db_stream_read() then reports DB_STREAM_FAILED with the
 * error, and the consumer decides how to mark the cut (docs/api.md).
 *
 * Closing a stream (the client went away, or the response is done) interrupts the query if
 * it is running; the pool finishes it, returns the connection and frees everything. A
 * connection is never closed while a query runs on it: connections are closed only by
 * db_close(), after the pool has stopped.
 */
#ifndef DS_DB_QUERY_H
#define DS_DB_QUERY_H

#include <stddef.h>

#include "core/error.h"
#include "db/db.h"

/* Output is decided (and a small result sent with a Content-Length) within this much. */
#define DB_STREAM_HEAD (256 * 1024)
/* A query parks when this much output waits for its consumer. */
#define DB_STREAM_HIGH (256 * 1024)
/* DuckDB's own buffer of a streaming result, per query connection. */
#define DB_STREAM_DUCKDB_BUFFER "64KB"
/* A single row bigger than this ends the query (DB_ERR_TOO_BIG). */
#define DB_STREAM_ROW_MAX (16 * 1024 * 1024)

enum db_format {
	DB_FORMAT_JSON,   /* {"columns":[{"name","type"}],"rows":[[...],...],"row_count":N} */
	DB_FORMAT_NDJSON, /* {"column":value,...}\n per row */
	DB_FORMAT_CSV,    /* a header line, then one line per row; RFC 4180, CRLF */
};

struct db_query {
	const char *sql;                /* NUL-terminated; copied */
	const struct db_param *params;  /* bound to $1, $2, ...; copied */
	size_t nparams;
	enum db_format format;
	long long max_rows;             /* more rows than this fail with DB_ERR_TOO_MANY_ROWS */
	long timeout_ms;                /* from submission to the last byte; then DB_ERR_TIMEOUT */
};

struct db_stream;
typedef void (*db_stream_notify)(void *arg);

/*
 * Queue q on db's query pool (started by the first call). *out is set before the pool can
 * call notify(arg). Returns 0, or -1 with e set (DB_ERR_BUSY when every connection is taken
 * and the wait queue is full, DB_ERR_CLOSED when the database is closing); notify is then
 * never called and *out is NULL.
 */
int db_query_submit(struct db *db, const struct db_query *q, db_stream_notify notify, void *arg,
		    struct db_stream **out, struct ds_error *e);

/*
 * After the first notify: 0 when the query produced output (the answer is a success; read
 * it), or -1 with e set and coded when it failed before any: DB_ERR_SQL (bad SQL, any error
 * of the query itself), DB_ERR_FORBIDDEN (not a SELECT, or it tried to write or reach
 * outside), DB_ERR_MULTIPLE (more than one statement), DB_ERR_INPUT (parameters),
 * DB_ERR_TIMEOUT, DB_ERR_TOO_MANY_ROWS, DB_ERR_TOO_BIG (a row over DB_STREAM_ROW_MAX),
 * DB_ERR_BUSY, DB_ERR_NOMEM, DB_ERR_FATAL, DB_ERR_CLOSED.
 */
int db_stream_head(struct db_stream *s, struct ds_error *e);

/* Whether all output is produced and buffered (the answer can carry a Content-Length). */
int db_stream_complete(struct db_stream *s);

enum db_stream_state {
	DB_STREAM_DATA,   /* *got bytes copied */
	DB_STREAM_WAIT,   /* nothing yet: park(park_arg) was called; notify follows */
	DB_STREAM_END,    /* all output read: the result is complete */
	DB_STREAM_FAILED, /* all output read and the query failed after it began: e says why */
};

/*
 * Take up to n bytes of output. When there is none yet, park(park_arg) is called (under the
 * stream's lock, so that a notify cannot overtake it) and DB_STREAM_WAIT returned; park may
 * be NULL. Only the consumer calls this, from one thread at a time.
 */
enum db_stream_state db_stream_read(struct db_stream *s, char *buf, size_t n, size_t *got,
				    void (*park)(void *), void *park_arg, struct ds_error *e);

/* Redirect later notifications (the consumer moved from waiting for the head to reading). */
void db_stream_set_notify(struct db_stream *s, db_stream_notify notify, void *arg);

/* Rows rendered so far. */
long long db_stream_rows(struct db_stream *s);

/*
 * The consumer is done: no notify runs after this returns (so it must not be called from
 * inside notify). A query still running is interrupted; the pool frees the stream when it
 * has let go of it.
 */
void db_stream_close(struct db_stream *s);

struct db_query_stats {
	unsigned long long queries;   /* submitted */
	unsigned long long failed;    /* ended with an error (any kind) */
	unsigned long long forbidden; /* of which refused as not read-only */
	unsigned long long timeouts;  /* of which past their deadline */
	unsigned long long cancelled; /* closed by the consumer before the end */
	unsigned long long rows;      /* rendered */
	unsigned long long bytes;     /* of output */
	long running;                 /* holding a connection now */
	long waiting;                 /* waiting for a connection now */
};

void db_query_stats(struct db *db, struct db_query_stats *st);

#endif
