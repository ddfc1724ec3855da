/* Tests for lib/api/config.c: environment, DATABASE_URL forms, the memory rule. */
#include <stdio.h>

#include "api/api.h"
#include "harness.h"
#include "test.h"

static const char *const *env_table;

static const char *fake_get(const char *name)
{
	size_t n = strlen(name);
	const char *const *p;

	for (p = env_table; p && *p; p++)
		if (!strncmp(*p, name, n) && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

static void release(void *c)
{
	api_config_release(c);
}

static struct api_config *config(void)
{
	struct api_config *c = ds_test_alloc(sizeof(*c));

	ASSERT_EQ_INT(api_config_init(c), 0);
	ds_test_defer(release, c);
	return c;
}

TEST(config_defaults_match_the_docs)
{
	struct api_config *c = config();

	ASSERT_EQ_INT(c->port, 8000);
	ASSERT_EQ_STR(c->database, "./duckdb_spawn.db");
	ASSERT_EQ_STR(c->host, "0.0.0.0");
	ASSERT_EQ_INT(c->threads, 1);
	ASSERT_EQ_INT(c->body_limit, 1024 * 1024);
	ASSERT(!ds_secret_is_set(&c->admin_token));
}

TEST(config_from_env_reads_every_variable)
{
	static const char *const env[] = {"PORT=9001", "HOST=127.0.0.1",
					  "DATABASE_URL=/data/duckdb_spawn.db", "LOG_LEVEL=WARN",
					  "ADMIN_TOKEN=s3cret", "DUCKDB_MEMORY_LIMIT=96MiB",
					  "DUCKDB_THREADS=2", NULL};
	struct api_config *c = config();
	struct ds_error e = DS_ERROR_INIT;

	env_table = env;
	ASSERT_EQ_INT(api_config_from_env(c, fake_get, &e), 0);
	ASSERT_EQ_INT(c->port, 9001);
	ASSERT_EQ_STR(c->host, "127.0.0.1");
	ASSERT_EQ_STR(c->database, "/data/duckdb_spawn.db");
	ASSERT_EQ_INT(c->log_level, DS_LOG_WARN);
	ASSERT_EQ_STR(ds_secret_value(&c->admin_token), "s3cret");
	ASSERT_EQ_INT(c->memory_limit, 96LL * 1024 * 1024);
	ASSERT_EQ_INT(c->memory_source, API_MEMORY_CONFIGURED);
	ASSERT_EQ_INT(c->threads, 2);
}

TEST(config_bad_env_value_names_the_variable)
{
	static const char *const port[] = {"PORT=eighty", NULL};
	static const char *const level[] = {"LOG_LEVEL=loud", NULL};
	static const char *const mem[] = {"DUCKDB_MEMORY_LIMIT=lots", NULL};
	struct ds_error e = DS_ERROR_INIT;

	env_table = port;
	ASSERT_EQ_INT(api_config_from_env(config(), fake_get, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "PORT: 'eighty' is not a number");
	ds_error_init(&e);
	env_table = level;
	ASSERT_EQ_INT(api_config_from_env(config(), fake_get, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "LOG_LEVEL: 'loud'");
	ds_error_init(&e);
	env_table = mem;
	ASSERT_EQ_INT(api_config_from_env(config(), fake_get, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "DUCKDB_MEMORY_LIMIT");
}

TEST(config_database_url_accepts_paths_memory_and_sqlalchemy_form)
{
	struct api_config *c = config();
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(api_config_database(c, ":memory:", &e), 0);
	ASSERT_EQ_STR(c->database, ":memory:");
	ASSERT_EQ_INT(api_config_database(c, "duckdb:///data.db", &e), 0);
	ASSERT_EQ_STR(c->database, "data.db");
	ASSERT_EQ_INT(api_config_database(c, "duckdb:////data/x.db", &e), 0);
	ASSERT_EQ_STR(c->database, "/data/x.db");
	ASSERT_EQ_INT(api_config_database(c, "duckdb:///:memory:", &e), 0);
	ASSERT_EQ_STR(c->database, ":memory:");
	ASSERT_EQ_INT(api_config_database(c, "postgres://u@h/db", &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "is not a DuckDB path");
}

TEST(config_memory_defaults_to_40_percent_of_cgroup_limit)
{
	const char *dir = ds_test_tmpdir();
	struct api_config *c = config();
	struct ds_error e = DS_ERROR_INIT;

	c->cgroup2_path = ds_test_path(dir, "memory.max");
	c->cgroup1_path = ds_test_path(dir, "none");
	c->meminfo_path = ds_test_path(dir, "none");
	ds_test_write_file(c->cgroup2_path, "268435456\n", 10); /* a 256 MB Koyeb nano */
	ASSERT_EQ_INT(api_config_finish(c, &e), 0);
	ASSERT_EQ_INT(c->memory_limit, 268435456LL / 100 * 40);
	ASSERT_EQ_INT(c->memory_source, API_MEMORY_CGROUP);
	ASSERT_CMP_INT(c->workers, >=, 2);
}

TEST(config_memory_without_limit_uses_capped_share_of_ram)
{
	const char *dir = ds_test_tmpdir();
	const char *meminfo = "MemTotal:       24683664 kB\n";
	struct api_config *c = config();
	struct ds_error e = DS_ERROR_INIT;

	c->cgroup2_path = ds_test_path(dir, "memory.max");
	c->cgroup1_path = ds_test_path(dir, "none");
	c->meminfo_path = ds_test_path(dir, "meminfo");
	ds_test_write_file(c->cgroup2_path, "max\n", 4);
	ds_test_write_file(c->meminfo_path, meminfo, strlen(meminfo));
	ASSERT_EQ_INT(api_config_finish(c, &e), 0);
	ASSERT_EQ_INT(c->memory_limit, 1024LL * 1024 * 1024);
	ASSERT_EQ_INT(c->memory_source, API_MEMORY_HOST);
}

TEST(config_finish_refuses_inconsistent_limits)
{
	struct api_config *c = config();
	struct ds_error e = DS_ERROR_INIT;

	c->memory_limit = 1024;
	c->memory_source = API_MEMORY_CONFIGURED;
	ASSERT_EQ_INT(api_config_finish(c, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "below the minimum");
	ds_error_init(&e);
	c->memory_limit = 64LL << 20;
	c->idle_timeout_ms = 200;
	ASSERT_EQ_INT(api_config_finish(c, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "idle timeout");
}
