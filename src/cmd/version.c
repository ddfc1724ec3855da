/*
 * cmd/version.c - `duckdb-spawn version`: what this binary is and which DuckDB it runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "build_info.h"
#include "cmd.h"
#include "db/db.h"

int cmd_version(int argc, const char **argv)
{
	int json = 0, code;
	const char *duckdb;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print a JSON object"),
		DS_OPT_END(),
	};

	if (cmd_parse(argc, argv, opts, "version", "[--json]", &code) < 0)
		return code;
	duckdb = db_duckdb_version();
	if (!duckdb) {
		struct ds_error e = DS_ERROR_INIT;

		db_load(&e);
		return cmd_error("%s", ds_error_msg(&e));
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", DS_NAME, "version",
				      DS_VERSION, "revision", DS_GIT_REVISION, "duckdb", duckdb);
		char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

		if (!s)
			return cmd_error("out of memory");
		puts(s);
		free(s);
		json_decref(o);
	} else {
		printf(DS_NAME " %s (revision %s, DuckDB %s)\n", DS_VERSION, DS_GIT_REVISION, duckdb);
	}
	return EXIT_OK;
}
