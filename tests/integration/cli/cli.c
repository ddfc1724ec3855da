/* The binary's top level: dispatch, usage errors, version. */
#include "harness.h"
#include "test.h"

TEST(cli_version_names_duckdb_1_4_4)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "version", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "duckdb-spawn ");
	ASSERT_CONTAINS(r.out, "DuckDB v1.4.4");
}

TEST(cli_version_json_has_all_fields)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "version", "--json", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "\"duckdb\": \"v1.4.4\"");
	ASSERT_CONTAINS(r.out, "\"revision\":");
}

TEST(cli_unknown_command_is_usage_error_exit_2)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "serv", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "'serv' is not a command");
	ASSERT_EQ_STR(r.out, "");
}

TEST(cli_unknown_option_points_at_help)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "version", "--jsn", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "unknown option '--jsn'; did you mean '--json'?");
	ASSERT_CONTAINS(r.err, "see 'duckdb-spawn version --help'");
}

TEST(cli_help_goes_to_stdout_exit_0)
{
	struct ds_run r;
	const char *argv[] = {ds_test_bin(), "--help", NULL};

	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "usage: duckdb-spawn <command>");
	ASSERT_CONTAINS(r.out, "version");
}
