/*
 * db/info.c - facts about the linked DuckDB library.
 */
#include "db/db.h"

#include "duckdb.h"

const char *db_duckdb_version(void)
{
	return duckdb_library_version();
}
