/* Tests for lib/core/sysinfo.c: cgroup limits (v2, v1), meminfo, RSS. */
#include <stdio.h>

#include "core/sysinfo.h"
#include "harness.h"
#include "test.h"

TEST(cgroup_parse_limit_reads_bytes_and_max)
{
	struct ds_error e = DS_ERROR_INIT;
	long long b = 0;

	ASSERT_EQ_INT(ds_cgroup_parse_limit("268435456\n", &b, &e), 1);
	ASSERT_EQ_INT(b, 268435456);
	ASSERT_EQ_INT(ds_cgroup_parse_limit("max\n", &b, &e), 0);
	/* cgroup v1's "no limit" */
	ASSERT_EQ_INT(ds_cgroup_parse_limit("9223372036854771712\n", &b, &e), 0);
	ASSERT_EQ_INT(ds_cgroup_parse_limit("12ab\n", &b, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "unexpected text");
}

TEST(cgroup_memory_limit_prefers_v2_then_v1)
{
	const char *dir = ds_test_tmpdir();
	const char *v2 = ds_test_path(dir, "memory.max");
	const char *v1 = ds_test_path(dir, "memory.limit_in_bytes");
	const char *none = ds_test_path(dir, "absent");
	struct ds_error e = DS_ERROR_INIT;
	long long b = 0;

	ds_test_write_file(v2, "268435456\n", 10);
	ds_test_write_file(v1, "134217728\n", 10);
	ASSERT_EQ_INT(ds_cgroup_memory_limit(v2, v1, &b, &e), 1);
	ASSERT_EQ_INT(b, 268435456);
	ASSERT_EQ_INT(ds_cgroup_memory_limit(none, v1, &b, &e), 1);
	ASSERT_EQ_INT(b, 134217728);
	ASSERT_EQ_INT(ds_cgroup_memory_limit(none, none, &b, &e), 0);
	ds_test_write_file(v2, "max\n", 4);
	ASSERT_EQ_INT(ds_cgroup_memory_limit(v2, v1, &b, &e), 0);
}

TEST(cgroup_memory_limit_garbage_names_the_file)
{
	const char *dir = ds_test_tmpdir();
	const char *v2 = ds_test_path(dir, "memory.max");
	struct ds_error e = DS_ERROR_INIT;
	long long b = 0;

	ds_test_write_file(v2, "lots\n", 5);
	ASSERT_EQ_INT(ds_cgroup_memory_limit(v2, v2, &b, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "memory.max");
}

TEST(meminfo_total_reads_kib)
{
	const char *path = ds_test_path(ds_test_tmpdir(), "meminfo");
	const char *text = "MemFree: 1 kB\nMemTotal:       24683664 kB\n";
	struct ds_error e = DS_ERROR_INIT;
	long long b = 0;

	ds_test_write_file(path, text, strlen(text));
	ASSERT_EQ_INT(ds_meminfo_total(path, &b, &e), 0);
	ASSERT_EQ_INT(b, 24683664LL * 1024);
}

TEST(self_rss_is_positive_and_below_peak)
{
	long long rss = 0, peak = 0;

	ASSERT_EQ_INT(ds_self_rss(&rss, &peak), 0);
	ASSERT_CMP_INT(rss, >, 0);
	ASSERT_CMP_INT(peak, >=, rss);
	ASSERT_CMP_INT(ds_cpu_count(), >=, 1);
}
