/*
 * core/sysinfo.c - memory limits, CPUs and RSS from /sys and /proc; see sysinfo.h.
 */
#include "core/sysinfo.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* v1 reports "no limit" as the largest page-aligned long (9223372036854771712); anything
 * this large is no limit in practice. */
#define UNLIMITED_FROM (1LL << 62)

int ds_cgroup_parse_limit(const char *text, long long *bytes, struct ds_error *e)
{
	const char *p = text;
	char *end;
	long long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "max", 3)) {
		p += 3;
		while (*p == '\n' || *p == ' ')
			p++;
		if (*p)
			return ds_error_set(e, 0, "unexpected text after 'max': '%.32s'", p);
		return 0;
	}
	errno = 0;
	v = strtoll(p, &end, 10);
	if (end == p || errno || v < 0)
		return ds_error_set(e, 0, "'%.32s' is not a byte count or 'max'", p);
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return ds_error_set(e, 0, "unexpected text after the byte count: '%.32s'", end);
	if (v >= UNLIMITED_FROM)
		return 0;
	*bytes = v;
	return 1;
}

/* Read a small file into buf. 1 read, 0 absent, -1 error (e set). */
static int read_small(const char *path, char *buf, size_t size, struct ds_error *e)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ds_error_errno(e, errno, "open '%s'", path);
	}
	n = fread(buf, 1, size - 1, f);
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		return ds_error_errno(e, err, "read '%s'", path);
	}
	fclose(f);
	buf[n] = '\0';
	return 1;
}

int ds_cgroup_memory_limit(const char *v2_path, const char *v1_path, long long *bytes,
			   struct ds_error *e)
{
	const char *paths[2];
	char buf[128];
	size_t i;

	paths[0] = v2_path ? v2_path : DS_CGROUP2_MEMORY_MAX;
	paths[1] = v1_path ? v1_path : DS_CGROUP1_MEMORY_LIMIT;
	for (i = 0; i < 2; i++) {
		int r = read_small(paths[i], buf, sizeof(buf), e);

		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		r = ds_cgroup_parse_limit(buf, bytes, e);
		if (r < 0)
			return ds_error_prefix(e, "'%s'", paths[i]);
		return r;
	}
	return 0;
}

int ds_meminfo_total(const char *path, long long *bytes, struct ds_error *e)
{
	const char *p = path ? path : DS_PROC_MEMINFO;
	FILE *f = fopen(p, "r");
	char line[256];

	if (!f)
		return ds_error_errno(e, errno, "open '%s'", p);
	while (fgets(line, sizeof(line), f)) {
		long long kb;

		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1 && kb > 0) {
			fclose(f);
			*bytes = kb * 1024;
			return 0;
		}
	}
	fclose(f);
	return ds_error_set(e, 0, "'%s' has no MemTotal line", p);
}

int ds_cpu_count(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

int ds_self_rss(long long *rss, long long *peak)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long long kb;

		if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) {
			if (rss)
				*rss = kb * 1024;
			found |= 1;
		} else if (sscanf(line, "VmHWM: %lld kB", &kb) == 1) {
			if (peak)
				*peak = kb * 1024;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}
