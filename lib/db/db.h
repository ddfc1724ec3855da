/*
 * db/db.h - DuckDB, through its C API.
 *
 * The one module that includes duckdb.h. Everything above it asks this module for rows and
 * never sees a duckdb_* type, so the rules DuckDB's C API imposes (one connection per
 * thread, results read through data chunks, no disconnect while a query runs) are kept in
 * one place.
 */
#ifndef DS_DB_DB_H
#define DS_DB_DB_H

/* The linked library's version, e.g. "v1.4.4". */
const char *db_duckdb_version(void);

#endif
