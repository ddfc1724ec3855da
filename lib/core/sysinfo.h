/*
 * core/sysinfo.h - what the machine or container gives this process: memory, CPUs, RSS.
 *
 * Memory sizing must follow the container, not the host: on a 256 MB Koyeb nano the host may
 * have 64 GB, and a DuckDB sized from /proc/meminfo would be killed by the OOM killer long
 * before it spills to disk. So the cgroup limit comes first (v2 memory.max, then v1
 * memory.limit_in_bytes), and physical memory only when no limit is set.
 *
 * Every reader takes its file paths from the caller (NULL: the real /sys or /proc path) so
 * that tests feed it fake files.
 */
#ifndef DS_CORE_SYSINFO_H
#define DS_CORE_SYSINFO_H

#include "core/error.h"

/* The paths the real machine uses. */
#define DS_CGROUP2_MEMORY_MAX "/sys/fs/cgroup/memory.max"
#define DS_CGROUP1_MEMORY_LIMIT "/sys/fs/cgroup/memory/memory.limit_in_bytes"
#define DS_PROC_MEMINFO "/proc/meminfo"

/*
 * Parse the content of a cgroup memory limit file: a byte count, or "max" (v2) / a value at
 * or above 2^62 (v1's "no limit", 9223372036854771712) for unlimited. Returns 1 with *bytes
 * set for a limit, 0 for unlimited, -1 with e set when the text is neither.
 */
int ds_cgroup_parse_limit(const char *text, long long *bytes, struct ds_error *e);

/*
 * The container's memory limit: v2 file first, then v1 (NULL paths: the real ones).
 * Returns 1 with *bytes set, 0 when there is no limit or no cgroup file, -1 with e set when
 * a file exists but cannot be read or parsed.
 */
int ds_cgroup_memory_limit(const char *v2_path, const char *v1_path, long long *bytes,
			   struct ds_error *e);

/* MemTotal from a /proc/meminfo-format file (NULL: the real one), in bytes; 0 or -1. */
int ds_meminfo_total(const char *path, long long *bytes, struct ds_error *e);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int ds_cpu_count(void);

/* Resident set size and its peak (VmRSS, VmHWM of /proc/self/status) in bytes; 0 or -1. */
int ds_self_rss(long long *rss, long long *peak);

#endif
