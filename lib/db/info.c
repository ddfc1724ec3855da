/*
 * db/info.c - facts about the DuckDB library.
 */
#include "db/db.h"

#include "duckdb.h"

const char *db_duckdb_version(void)
{
	struct ds_error e = DS_ERROR_INIT;

	if (db_load(&e))
		return NULL;
	return duckdb_library_version();
}
