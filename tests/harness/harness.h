/*
 * harness/harness.h - what integration tests need around the real binary: temporary
 * folders, free loopback ports, child processes with captured output, an HTTP client.
 *
 * Everything a helper starts is registered for cleanup with ds_test_defer(), so a failing
 * assertion still stops servers (TERM, then KILL after a grace period) and removes folders.
 * A child that dies of a signal is a failure: sanitizers and crashes must not pass as
 * "exit status non-zero, as expected".
 */
#ifndef DS_TEST_HARNESS_H
#define DS_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

/* DS_BIN (the duckdb-spawn under test), DS_SOURCE_DIR, DS_BUILD_DIR; fail when unset. */
const char *ds_test_bin(void);
const char *ds_test_source_dir(void);
const char *ds_test_build_dir(void);

/* A fresh folder under $TMPDIR, removed when the test ends (kept with DS_TEST_KEEP=1).
 * The returned string lives until the test ends. */
const char *ds_test_tmpdir(void);
/* "<tmpdir>/<name>", allocated for the life of the test. */
const char *ds_test_path(const char *dir, const char *name);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int ds_test_free_port(void);

/* Skip (exit 77) unless the program is on PATH. */
void ds_test_require_program(const char *prog);

/* Whole file into memory (NUL-terminated, freed when the test ends); NULL if unreadable. */
char *ds_test_read_file(const char *path, size_t *len);
void ds_test_write_file(const char *path, const char *data, size_t len);

struct ds_proc {
	pid_t pid;
	int status;      /* wait status, valid once exited */
	int exited;
	char *out_path;  /* stdout and stderr go to files in the test's tmpdir */
	char *err_path;
	struct ds_proc_track *track; /* what the end-of-test cleanup sees (lives until then) */
};

/*
 * Start argv (argv[0] looked up in PATH when it has no '/'), its environment being this
 * process's plus env ("K=V" entries set or replace; "K" alone removes K), NULL-terminated.
 * stdin_data (may be NULL: /dev/null) is written to the child's stdin, which is then
 * closed. The child is stopped at the end of the test if still running.
 */
void ds_proc_start(struct ds_proc *p, const char *const *argv, const char *const *env,
		   const char *stdin_data);
/* Wait up to timeout_ms; returns 0 when it exited (p->status set), -1 on timeout. */
int ds_proc_wait(struct ds_proc *p, int timeout_ms);
/* Send sig (no wait). */
void ds_proc_signal(struct ds_proc *p, int sig);
/* TERM, wait grace_ms, then KILL and reap. Safe to call twice. */
void ds_proc_stop(struct ds_proc *p, int grace_ms);
/* Its output so far (freed when the test ends). */
char *ds_proc_stdout(struct ds_proc *p);
char *ds_proc_stderr(struct ds_proc *p);
/* Fail the test unless it exited normally with code. */
void ds_proc_assert_exit(struct ds_proc *p, int code);

/* Run to completion (fails the test after timeout_ms) and capture everything. */
struct ds_run {
	int code;  /* exit code; the test fails if the child died of a signal */
	char *out; /* freed when the test ends */
	char *err;
};
void ds_run(struct ds_run *r, const char *const *argv, const char *const *env,
	    const char *stdin_data, int timeout_ms);

/* An HTTP exchange through libcurl, the way a real client talks to the server. */
struct ds_http_resp {
	long status;    /* 0 when no response (connection refused, reset, timeout) */
	char *headers;  /* raw header block, lower-cased names not guaranteed */
	char *body;
	size_t body_len;
	char error[256]; /* libcurl's message when status is 0 */
};
/* headers: NULL-terminated "Name: value" list, may be NULL. body may be NULL. Everything
 * returned is freed when the test ends. */
void ds_http(struct ds_http_resp *r, const char *method, const char *url,
	     const char *const *headers, const char *body, size_t body_len, int timeout_ms);
/* The value of header name (case-insensitive) in r, or NULL (freed at the end). */
const char *ds_http_header(const struct ds_http_resp *r, const char *name);
/* Poll url with GET until it answers 200; fail the test after timeout_ms, or at once if
 * proc (may be NULL) exits meanwhile. */
void ds_http_wait_ok(const char *url, struct ds_proc *proc, int timeout_ms);

/* Allocate memory released when the test ends. */
void *ds_test_alloc(size_t n);
char *ds_test_strdup(const char *s);
char *ds_test_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
