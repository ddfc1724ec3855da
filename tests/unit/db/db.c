/* Tests for lib/db/db.c and result.c: open, migrations, statements, rendering of every
 * column type the API uses, through a real DuckDB. */
#include <stdio.h>

#include "db/db.h"
#include "harness.h"
#include "test.h"

static struct db *open_mem(void)
{
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct db *db;

	if (db_open(&db, &c, &e))
		FAIL("db_open: %s", ds_error_msg(&e));
	return db;
}

static void close_db(struct db *db)
{
	struct ds_error e = DS_ERROR_INIT;

	if (db_close(db, 0, &e))
		FAIL("db_close: %s", ds_error_msg(&e));
}

/* Run stmt and return the rendered rows (freed at test end). */
static const char *rows_of(struct db *db, int stmt, const struct db_param *p, size_t n)
{
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf b = DS_BUF_INIT(0);
	struct db_rows r;
	struct db_conn *c = db_conn_get(db, &e);
	const char *s;

	ASSERT_NOT_NULL(c);
	db_rows_init(&r, &b);
	if (db_query(c, stmt, p, n, &r, &e))
		FAIL("db_query: %s", ds_error_msg(&e));
	s = ds_test_strdup(ds_buf_str(&b));
	ds_buf_release(&b);
	return s;
}

static int stmt(struct db *db, const char *sql)
{
	struct ds_error e = DS_ERROR_INIT;
	int id = db_stmt_add(db, sql, &e);

	if (id < 0)
		FAIL("db_stmt_add: %s", ds_error_msg(&e));
	return id;
}

TEST(db_open_reports_duckdb_1_4_4)
{
	struct db *db = open_mem();

	ASSERT_EQ_STR(db_duckdb_version(), "v1.4.4");
	ASSERT(db_is_memory(db));
	ASSERT_EQ_INT(db_file_size(db), 0);
	close_db(db);
}

TEST(db_render_decimals_exactly_from_every_storage_width)
{
	struct db *db = open_mem();
	/* DECIMAL(4,1) is int16, (9,2) int32, (18,3) int64, (20,2) and (38,10) hugeint. */
	int s = stmt(db, "SELECT 123.4::DECIMAL(4,1) AS a, -1234567.89::DECIMAL(9,2) AS b, "
			 "123456789012345.678::DECIMAL(18,3) AS c, "
			 "'999999999999999999.99'::DECIMAL(20,2) AS d, "
			 "'-1234567890123456789012345678.0123456789'::DECIMAL(38,10) AS e, "
			 "1234567890.12::DECIMAL(20,2) AS f");

	ASSERT_EQ_STR(rows_of(db, s, NULL, 0),
		      "{\"a\":123.4,\"b\":-1234567.89,\"c\":123456789012345.678,"
		      "\"d\":999999999999999999.99,"
		      "\"e\":-1234567890123456789012345678.0123456789,\"f\":1234567890.12}");
	close_db(db);
}

TEST(db_render_uuid_date_timestamp_text_and_null)
{
	struct db *db = open_mem();
	int s = stmt(db, "SELECT '00000000-0000-0000-0000-000000000001'::UUID AS lo, "
			 "'ffffffff-ffff-4fff-bfff-ffffffffffff'::UUID AS hi, DATE '2024-02-29' AS d, "
			 "TIMESTAMP '2024-02-29 23:59:59.123456' AS t, 'say \"hi\"\n' AS s, "
			 "'short' AS inl, NULL::VARCHAR AS n, 42::INTEGER AS i, true AS b, "
			 "9223372036854775807::BIGINT AS big");

	ASSERT_EQ_STR(rows_of(db, s, NULL, 0),
		      "{\"lo\":\"00000000-0000-0000-0000-000000000001\","
		      "\"hi\":\"ffffffff-ffff-4fff-bfff-ffffffffffff\",\"d\":\"2024-02-29\","
		      "\"t\":\"2024-02-29T23:59:59.123456Z\",\"s\":\"say \\\"hi\\\"\\n\","
		      "\"inl\":\"short\",\"n\":null,\"i\":42,\"b\":true,\"big\":9223372036854775807}");
	close_db(db);
}

TEST(db_bind_every_param_type_roundtrips)
{
	struct db *db = open_mem();
	int s = stmt(db, "SELECT $1::VARCHAR AS t, $2::BIGINT AS i, $3::BOOLEAN AS b, "
			 "$4::DECIMAL(20,2) AS d, $5::UUID AS u, $6::DATE AS day, "
			 "$7::TIMESTAMP AS ts, $8::VARCHAR AS n");
	struct db_param p[8];
	struct ds_error e = DS_ERROR_INIT;

	memset(p, 0, sizeof(p));
	p[0].type = DB_PARAM_TEXT;
	p[0].v.text.s = "O'Brien; DROP TABLE x; --";
	p[0].v.text.len = strlen(p[0].v.text.s);
	p[1].type = DB_PARAM_INT;
	p[1].v.i = -5;
	p[2].type = DB_PARAM_BOOL;
	p[2].v.i = 1;
	p[3].type = DB_PARAM_DECIMAL;
	ASSERT_EQ_INT(db_decimal_parse("1234567890.12", 13, 20, 2, &p[3].v.dec, &e), 0);
	p[4].type = DB_PARAM_UUID;
	memcpy(p[4].v.uuid, "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", 16);
	p[5].type = DB_PARAM_DATE;
	p[5].v.days = 19782;
	p[6].type = DB_PARAM_TIMESTAMP;
	p[6].v.micros = 1;
	p[7].type = DB_PARAM_NULL;
	ASSERT_EQ_STR(rows_of(db, s, p, 8),
		      "{\"t\":\"O'Brien; DROP TABLE x; --\",\"i\":-5,\"b\":true,\"d\":1234567890.12,"
		      "\"u\":\"123e4567-e89b-12d3-a456-426614174000\",\"day\":\"2024-02-29\","
		      "\"ts\":\"1970-01-01T00:00:00.000001Z\",\"n\":null}");
	close_db(db);
}

TEST(db_stmt_add_refuses_bad_sql_at_once)
{
	struct db *db = open_mem();
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(db_stmt_add(db, "SELEC 1", &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "SELEC 1");
	close_db(db);
}

TEST(db_query_wrong_param_count_is_an_error)
{
	struct db *db = open_mem();
	struct ds_error e = DS_ERROR_INIT;
	struct db_rows r;
	int s = stmt(db, "SELECT $1::INTEGER");

	db_rows_init(&r, NULL);
	ASSERT_EQ_INT(db_query(db_conn_get(db, &e), s, NULL, 0, &r, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "takes 1 parameters");
	close_db(db);
}

TEST(db_render_many_chunks_and_last_key)
{
	struct db *db = open_mem();
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf b = DS_BUF_INIT(0);
	struct db_rows r;
	int s = stmt(db, "SELECT i, 'row' || i AS name FROM range(5000) t(i)");

	db_rows_init(&r, &b);
	r.key_cols[0] = 1;
	r.key_cols[1] = 0;
	ASSERT_EQ_INT(db_query(db_conn_get(db, &e), s, NULL, 0, &r, &e), 0);
	ASSERT_EQ_INT(r.rows, 5000);
	ASSERT_EQ_STR(r.last_key[0], "row4999");
	ASSERT_EQ_STR(r.last_key[1], "4999");
	ASSERT(ds_buf_str(&b)[0] == '{');
	ASSERT_CONTAINS(ds_buf_str(&b), "},{\"i\":2048,");
	ds_buf_release(&b);
	close_db(db);
}

TEST(db_render_stops_at_the_buffer_ceiling)
{
	struct db *db = open_mem();
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf b = DS_BUF_INIT(1000);
	struct db_rows r;
	int s = stmt(db, "SELECT i FROM range(5000) t(i)");

	db_rows_init(&r, &b);
	ASSERT_EQ_INT(db_query(db_conn_get(db, &e), s, NULL, 0, &r, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_TOO_BIG);
	ds_buf_release(&b);
	close_db(db);
}

TEST(db_migrate_runs_each_version_once)
{
	const char *path = ds_test_path(ds_test_tmpdir(), "m.db");
	static const struct db_migration m[] = {
		{1, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)"},
		{2, "INSERT INTO t VALUES (2); INSERT INTO t VALUES (3)"},
	};
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct db *db;
	long long n = 0;
	int round;

	c.path = path;
	for (round = 0; round < 2; round++) {
		int s;

		ASSERT_EQ_INT(db_open(&db, &c, &e), 0);
		if (db_migrate(db, m, 2, &e))
			FAIL("migrate: %s", ds_error_msg(&e));
		s = stmt(db, "SELECT count(*) FROM t");
		ASSERT_EQ_INT(db_query_int(db_conn_get(db, &e), s, NULL, 0, &n, &e), 0);
		ASSERT_EQ_INT(n, 3);
		ASSERT_EQ_INT(db_close(db, 1, &e), 0);
	}
}

TEST(db_migrate_failure_leaves_nothing_behind)
{
	static const struct db_migration m[] = {
		{1, "CREATE TABLE t (a INTEGER); INSERT INTO nope VALUES (1)"},
	};
	struct db *db = open_mem();
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(db_migrate(db, m, 1, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "migration 1");
	ASSERT_CONTAINS(ds_error_msg(&e), "nope");
	/* The CREATE rolled back with the failed INSERT. */
	ASSERT_EQ_INT(db_exec_sql(db, "SELECT * FROM t", &e), -1);
	close_db(db);
}

TEST(db_open_unwritable_path_says_which)
{
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct db *db;

	c.path = "/nonexistent-dir/x/y.db";
	ASSERT_EQ_INT(db_open(&db, &c, &e), -1);
	ASSERT_EQ_INT(e.code, DB_ERR_OPEN);
	ASSERT_CONTAINS(ds_error_msg(&e), "/nonexistent-dir/x/y.db");
}

TEST(db_close_checkpoint_folds_the_wal)
{
	const char *path = ds_test_path(ds_test_tmpdir(), "c.db");
	const char *wal = ds_test_printf("%s.wal", path);
	struct db_config c = DB_CONFIG_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct db *db;

	c.path = path;
	ASSERT_EQ_INT(db_open(&db, &c, &e), 0);
	ASSERT_EQ_INT(db_exec_sql(db, "CREATE TABLE t AS SELECT range AS i FROM range(10)", &e), 0);
	ASSERT_CMP_INT(db_file_size(db), >, 0);
	ASSERT_EQ_INT(db_close(db, 1, &e), 0);
	ASSERT_NULL(ds_test_read_file(wal, NULL));
}
