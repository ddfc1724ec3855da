/*
 * db/db.h - DuckDB, through its C API.
 *
 * The one module that includes duckdb.h, and the one that loads libduckdb.so, at the first
 * db_open() (db/loader.c). Everything above it asks this module for rows and
 * never sees a duckdb_* type, so the rules DuckDB's C API imposes are kept in one place:
 *
 *   - one database per process, opened with explicit settings (memory limit, threads);
 *   - one connection per thread, created the first time that thread asks for it
 *     (db_conn_get) and closed only by db_close(), when no query can be running: closing a
 *     connection while a query runs on it blocks forever;
 *   - statements are registered once by SQL text (db_stmt_add) before any thread uses the
 *     database, and each connection prepares each one lazily and keeps it: a request binds
 *     parameters and executes, it never parses SQL;
 *   - results are read through data chunks and vectors, never through the deprecated
 *     per-value accessors (after duckdb_value_varchar returned NULL on a UUID column, the
 *     next accessor call on that result crashed), and rendered straight to JSON: DECIMALs
 *     from their integer representation and scale (exact), UUIDs from their 128 bits.
 *
 * Writes go through the group-commit writer (db/writer.h), which owns its own connection.
 * Errors carry a code (enum db_errcode) so that callers map them to HTTP statuses without
 * parsing DuckDB's messages.
 */
#ifndef DS_DB_DB_H
#define DS_DB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/decimal.h"

/* Load libduckdb.so (db/loader.c: it is not linked, so that commands without a database
 * do not pay for it). Idempotent and thread-safe; db_open() calls it. 0, or -1 with e
 * saying why ("cannot load DuckDB (libduckdb.so): ... cannot open shared object file"). */
int db_load(struct ds_error *e);

/* The library's version, e.g. "v1.4.4", loading it if needed; NULL when it cannot load
 * (db_load() says why). */
const char *db_duckdb_version(void);

/* ds_error codes set by this module. */
enum db_errcode {
	DB_ERR_OTHER = 1,   /* anything not below */
	DB_ERR_LOCKED,      /* the database file is held by another process */
	DB_ERR_OPEN,        /* cannot open or create the database (path, permissions, format) */
	DB_ERR_CONFLICT,    /* write-write conflict between transactions */
	DB_ERR_CONSTRAINT,  /* primary key, NOT NULL or CHECK violated */
	DB_ERR_INPUT,       /* a value DuckDB refused (conversion, out of range) */
	DB_ERR_FATAL,       /* the database is invalidated; nothing will work until restart */
	DB_ERR_NOMEM,       /* out of memory (DuckDB's limit or malloc) */
	DB_ERR_CLOSED,      /* the writer is stopped: the server is shutting down */
	DB_ERR_TOO_BIG,     /* a result does not fit the caller's buffer ceiling */
	/* Clients' SQL (db/query.h). */
	DB_ERR_SQL,          /* the statement is wrong: DuckDB's parser, binder or executor says why */
	DB_ERR_FORBIDDEN,    /* not a SELECT, or it tried to write, read files or the network */
	DB_ERR_MULTIPLE,     /* more than one statement */
	DB_ERR_TIMEOUT,      /* interrupted at its deadline */
	DB_ERR_TOO_MANY_ROWS, /* more rows than the cap */
	DB_ERR_BUSY,         /* every query connection is taken and the wait queue is full */
};

struct db_config {
	const char *path;        /* file path or ":memory:"; copied */
	long long memory_limit;  /* bytes for DuckDB's buffer manager; 0: DuckDB's default */
	int threads;             /* DuckDB worker threads; 0: DuckDB's default (all cores) */
	int batch_max;           /* most writes per group commit; 0: 256 */
	/*
	 * Open the database locked down (the default): enable_external_access=false (no file
	 * but the database's own, no network, no extension loading), autoload of extensions
	 * off, and lock_configuration=true (no SET or PRAGMA can undo any of it). These are
	 * database-wide in DuckDB; nothing the server does needs what they forbid (its own
	 * file, WAL and temporary spill files stay reachable; CHECKPOINT and DDL work).
	 */
	int lockdown;
	/* The query pool (db/query.h); 0: the defaults below. */
	int query_threads;       /* DB_QUERY_THREADS */
	int query_connections;   /* DB_QUERY_CONNECTIONS: queries running or streaming at once */
	int query_queue;         /* DB_QUERY_QUEUE: queries waiting for a connection at most */
};

#define DB_QUERY_THREADS 2
#define DB_QUERY_CONNECTIONS 8
#define DB_QUERY_QUEUE 64

#define DB_CONFIG_INIT {":memory:", 0, 1, 0, 1, 0, 0, 0}

struct db;      /* a database and everything attached to it */
struct db_conn; /* one thread's connection, with its prepared statements */

/*
 * Open (or create) the database. Returns 0, or -1 with e set; when another process holds
 * the file, e->code is DB_ERR_LOCKED and the message says so in one sentence ("database
 * '/data/x.db' is in use by another process (PID 42)").
 */
int db_open(struct db **out, const struct db_config *c, struct ds_error *e);

/*
 * Stop the writer after it has committed everything queued, optionally CHECKPOINT (fold the
 * WAL into the file, so that the next start replays nothing), close every connection and the
 * database, and free db. No other thread may use db or its connections any more. Returns 0,
 * or -1 with e set when the checkpoint failed (the database is closed all the same; the WAL
 * still holds every committed write).
 */
int db_close(struct db *db, int checkpoint, struct ds_error *e);

/* The path it was opened with, and whether it lives in memory. */
const char *db_path(const struct db *db);
int db_is_memory(const struct db *db);
/* Bytes on disk: the database file plus its WAL (0 in memory). */
long long db_file_size(const struct db *db);

/* --- migrations ----------------------------------------------------------------------- */

struct db_migration {
	int version;     /* 1, 2, 3, ... in order */
	const char *sql; /* one or more statements */
};

/*
 * Bring the schema to the last version: each migration not yet recorded in
 * schema_migrations runs in its own transaction together with its record, so a crash leaves
 * either all of it or none. Call before serving.
 */
int db_migrate(struct db *db, const struct db_migration *m, size_t n, struct ds_error *e);

/* Run SQL text (one or more statements, split by DuckDB's own parser) on the calling
 * thread's connection, discarding results. For setup, tests and tools, not for requests. */
int db_exec_sql(struct db *db, const char *sql, struct ds_error *e);

/* --- the catalog, for the admin endpoints (catalog.c) --------------------------------- */

struct db_column_info {
	char *name;
	char *type;      /* as DuckDB writes it: "DECIMAL(20,2)", "VARCHAR", "INTEGER[]" */
	int nullable;
	char *comment;   /* NULL when none */
};

struct db_table_info {
	char *name;
	char *comment;
	long long rows;  /* exact count(*) */
	struct db_column_info *cols;
	size_t ncols;
	char **pk;       /* primary key columns, in key order */
	size_t npk;
};

/* The tables of the main schema (only: just the one named so, or all when NULL), in one
 * snapshot, on the calling thread's connection. Free with db_tables_free. 0 or -1. */
int db_tables(struct db *db, const char *only, struct db_table_info **out, size_t *n,
	      struct ds_error *e);
void db_tables_free(struct db_table_info *t, size_t n);

/* DuckDB's built-in type names and aliases, lower case (duckdb_types()). 0 or -1. */
int db_type_names(struct db *db, char ***out, size_t *n, struct ds_error *e);
void db_names_free(char **v, size_t n);

/* Append name as a quoted identifier ("a""b"), or s as a string literal ('it''s'). The
 * caller has checked what may appear in them; quoting is the second line. 0 or -1. */
int db_quote_ident(struct ds_buf *o, const char *name);
int db_quote_literal(struct ds_buf *o, const char *s);

/* Run SQL text (one or more statements) in one transaction on the calling thread's
 * connection: all of it or none. 0 or -1 with e coded. */
int db_exec_transaction(struct db *db, const char *sql, struct ds_error *e);

/* --- statements and parameters ------------------------------------------------------- */

/*
 * Register a statement; returns its id (>= 0) or -1 with e set. The SQL is checked by
 * preparing it once, so a typo fails at startup, not on the first request. Must be called
 * before any other thread uses db. sql is copied.
 */
int db_stmt_add(struct db *db, const char *sql, struct ds_error *e);

enum db_param_type {
	DB_PARAM_NULL,
	DB_PARAM_TEXT,      /* v.text, UTF-8, may contain any byte but NUL */
	DB_PARAM_INT,       /* v.i */
	DB_PARAM_BOOL,      /* v.i != 0 */
	DB_PARAM_DECIMAL,   /* v.dec, bound exactly (never through a double) */
	DB_PARAM_UUID,      /* v.uuid, 16 bytes in network order */
	DB_PARAM_DATE,      /* v.days since 1970-01-01 */
	DB_PARAM_TIMESTAMP, /* v.micros since 1970-01-01T00:00:00 */
};

struct db_param {
	enum db_param_type type;
	union {
		struct {
			const char *s;
			size_t len;
		} text;
		long long i;
		struct db_decimal dec;
		unsigned char uuid[16];
		int32_t days;
		int64_t micros;
	} v;
};

/* --- connections and queries --------------------------------------------------------- */

/* The calling thread's connection, created on first use. NULL with e set when DuckDB
 * refuses a connection (the database is invalidated, or memory is short). */
struct db_conn *db_conn_get(struct db *db, struct ds_error *e);

/*
 * A read transaction on the calling thread's connection, so that several queries see one
 * snapshot (DuckDB's MVCC): a histogram and the page it was computed for, say. Writes do
 * not go here; they go through the writer. 0 or -1.
 */
int db_conn_begin(struct db_conn *c, struct ds_error *e);
int db_conn_commit(struct db_conn *c, struct ds_error *e);
void db_conn_rollback(struct db_conn *c); /* errors ignored: used on the way out */

#define DB_MAX_KEYS 4

/*
 * Where a query's rows go. Each row becomes one JSON object {"column": value, ...}, objects
 * separated by ',' (no brackets: the caller frames them). NULL is null; DECIMAL a JSON
 * number with exactly scale fraction digits; UUID, VARCHAR, DATE ("YYYY-MM-DD") and
 * TIMESTAMP ("YYYY-MM-DDTHH:MM:SS.ffffffZ", the stored value read as UTC) are strings.
 * key_cols names up to DB_MAX_KEYS column indexes whose values in the last row are also
 * copied as text into last_key (for keyset cursors); -1 ends the list.
 */
struct db_rows {
	struct ds_buf *out;  /* may be NULL: rows are counted, not rendered */
	long rows;           /* rows seen */
	int key_cols[DB_MAX_KEYS];
	char last_key[DB_MAX_KEYS][64];
};

void db_rows_init(struct db_rows *r, struct ds_buf *out);

/*
 * Bind params to statement stmt on conn, execute, and render the rows into r (appending to
 * r->out). Returns 0, or -1 with e set and coded; r->out then holds what was rendered before
 * the failure (callers discard it). An out that reaches its ceiling fails with DB_ERR_TOO_BIG.
 */
int db_query(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
	     struct db_rows *r, struct ds_error *e);

/*
 * Run stmt and copy the first ncols columns of each row, read as integers (any integer
 * type; DATE as days since the epoch; NULL as DB_INT_NULL), into out[row * ncols + col].
 * At most max_rows rows: a result with more fails with DB_ERR_TOO_BIG. *rows is set to the
 * rows copied. For small aggregates (a histogram), not for rows a client sees.
 */
#define DB_INT_NULL INT64_MIN
int db_query_ints(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
		  int64_t *out, size_t ncols, size_t max_rows, size_t *rows, struct ds_error *e);

/* The first column of the first row as an integer (count(*), a version); 0 or -1. A NULL or
 * missing row gives *v = 0 and returns 1. */
int db_query_int(struct db_conn *c, int stmt, const struct db_param *params, size_t n,
		 long long *v, struct ds_error *e);

#endif
