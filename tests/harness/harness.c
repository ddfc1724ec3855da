/*
 * harness/harness.c - processes, folders, ports and HTTP for integration tests; see
 * harness.h.
 */
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

extern char **environ;

/* --- memory that lives until the test ends ------------------------------------------------ */

struct alloc {
	struct alloc *next;
	max_align_t data[];
};
static struct alloc *allocs;

static void free_allocs(void *unused)
{
	while (allocs) {
		struct alloc *a = allocs;

		allocs = a->next;
		free(a);
	}
}

void *ds_test_alloc(size_t n)
{
	struct alloc *a = calloc(1, sizeof(*a) + n + 1);

	if (!a)
		FAIL("out of memory");
	if (!allocs)
		ds_test_defer(free_allocs, NULL);
	a->next = allocs;
	allocs = a;
	return a->data;
}

char *ds_test_strdup(const char *s)
{
	size_t n = strlen(s);
	char *p = ds_test_alloc(n + 1);

	memcpy(p, s, n + 1);
	return p;
}

char *ds_test_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = ds_test_alloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* --- environment, folders, files ----------------------------------------------------------- */

static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		FAIL("%s is not set: run the tests through ctest", name);
	return v;
}

const char *ds_test_bin(void)
{
	return need_env("DS_BIN");
}

const char *ds_test_source_dir(void)
{
	return need_env("DS_SOURCE_DIR");
}

const char *ds_test_build_dir(void)
{
	return need_env("DS_BUILD_DIR");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void remove_tree(void *dir)
{
	const char *keep = getenv("DS_TEST_KEEP");

	if (keep && *keep && *keep != '0') {
		ds_test_note("kept %s", (char *)dir);
		return;
	}
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *ds_test_tmpdir(void)
{
	static char *dir;
	const char *base = getenv("TMPDIR");

	if (dir)
		return dir;
	dir = ds_test_printf("%s/ds-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		FAIL("mkdtemp %s: %s", dir, strerror(errno));
	ds_test_defer(remove_tree, dir);
	return dir;
}

const char *ds_test_path(const char *dir, const char *name)
{
	return ds_test_printf("%s/%s", dir, name);
}

char *ds_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct ds_buf b = DS_BUF_INIT(0);
	char chunk[8192];
	size_t n;
	char *out;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ds_buf_add(&b, chunk, n))
			FAIL("out of memory reading %s", path);
	fclose(f);
	out = ds_test_alloc(b.len + 1);
	if (b.len)
		memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	if (len)
		*len = b.len;
	ds_buf_release(&b);
	return out;
}

void ds_test_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		FAIL("open %s: %s", path, strerror(errno));
	if (len && fwrite(data, 1, len, f) != len)
		FAIL("write %s: %s", path, strerror(errno));
	if (fclose(f))
		FAIL("close %s: %s", path, strerror(errno));
}

int ds_test_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		FAIL("socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &len))
		FAIL("bind 127.0.0.1:0: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

void ds_test_require_program(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;

	if (!path)
		SKIP("%s: no PATH", prog);
	copy = ds_test_strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = ds_test_printf("%s/%s", dir, prog);

		if (!access(full, X_OK))
			return;
	}
	SKIP("'%s' is not installed (scripts/setup-deps.sh installs it)", prog);
}

/* --- child processes ------------------------------------------------------------------------ */

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Meant for this test process only: DS_LIBDUCKDB tells an in-process lib/db where DuckDB is;
 * a child (the real binary, a fixture) must find it the way it does for users. */
static int for_this_process_only(const char *kv)
{
	return !strncmp(kv, "DS_LIBDUCKDB=", 13);
}

/* environ minus the keys env names, plus env's "K=V" entries. */
static char **build_env(const char *const *env)
{
	size_t n = 0, m = 0, i, j;
	char **out;

	while (environ[n])
		n++;
	while (env && env[m])
		m++;
	out = ds_test_alloc((n + m + 1) * sizeof(*out));
	for (i = 0, n = 0; environ[i]; i++) {
		int replaced = 0;

		for (j = 0; j < m; j++)
			if (key_len(env[j]) == key_len(environ[i]) &&
			    !strncmp(env[j], environ[i], key_len(env[j])))
				replaced = 1;
		if (!replaced && !for_this_process_only(environ[i]))
			out[n++] = environ[i];
	}
	for (j = 0; j < m; j++)
		if (strchr(env[j], '='))
			out[n++] = (char *)env[j];
	out[n] = NULL;
	return out;
}

/*
 * The end-of-test cleanup must not touch the caller's struct ds_proc: it usually lives on a
 * stack frame (a test function's, or ds_run()'s) that is gone by then. It gets this record,
 * allocated for the life of the test, which ds_proc_wait() keeps up to date.
 */
struct ds_proc_track {
	pid_t pid;
	int exited;
};

static void stop_at_end(void *arg)
{
	struct ds_proc_track *t = arg;
	struct ds_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = t->pid;
	p.exited = t->exited;
	p.track = t;
	ds_proc_stop(&p, 5000);
}

void ds_proc_start(struct ds_proc *p, const char *const *argv, const char *const *env,
		   const char *stdin_data)
{
	static int seq;
	const char *dir = ds_test_tmpdir();
	char *in_path = NULL;
	char **envp = build_env(env);
	pid_t pid;

	memset(p, 0, sizeof(*p));
	seq++;
	p->out_path = ds_test_printf("%s/proc%d.out", dir, seq);
	p->err_path = ds_test_printf("%s/proc%d.err", dir, seq);
	/* stdin from a file, not a pipe: a child that never reads cannot block the test. */
	if (stdin_data) {
		in_path = ds_test_printf("%s/proc%d.in", dir, seq);
		ds_test_write_file(in_path, stdin_data, strlen(stdin_data));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || out < 0 || err < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		/* Own process group, so that stopping the child also stops what it started. */
		setpgid(0, 0);
		if (strchr(argv[0], '/'))
			execve(argv[0], (char *const *)argv, envp);
		else {
			environ = envp;
			execvp(argv[0], (char *const *)argv);
		}
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	p->track = ds_test_alloc(sizeof(*p->track));
	p->track->pid = pid;
	ds_test_defer(stop_at_end, p->track);
}

int ds_proc_wait(struct ds_proc *p, int timeout_ms)
{
	struct timespec start, now, nap = {0, 5 * 1000 * 1000};

	if (p->exited)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);

		if (r == p->pid) {
			p->exited = 1;
			if (p->track)
				p->track->exited = 1;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			FAIL("waitpid %d: %s", (int)p->pid, strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			return -1;
		nanosleep(&nap, NULL);
	}
}

void ds_proc_signal(struct ds_proc *p, int sig)
{
	if (!p->exited && p->pid > 0)
		kill(p->pid, sig);
}

void ds_proc_stop(struct ds_proc *p, int grace_ms)
{
	if (p->pid <= 0)
		return;
	if (!p->exited) {
		kill(p->pid, SIGTERM);
		if (ds_proc_wait(p, grace_ms)) {
			kill(-p->pid, SIGKILL);
			kill(p->pid, SIGKILL);
			ds_proc_wait(p, 10000);
		}
	}
	/* Whatever the child started in its group goes too. */
	kill(-p->pid, SIGKILL);
}

char *ds_proc_stdout(struct ds_proc *p)
{
	char *s = ds_test_read_file(p->out_path, NULL);

	return s ? s : ds_test_strdup("");
}

char *ds_proc_stderr(struct ds_proc *p)
{
	char *s = ds_test_read_file(p->err_path, NULL);

	return s ? s : ds_test_strdup("");
}

void ds_proc_assert_exit(struct ds_proc *p, int code)
{
	if (!p->exited)
		FAIL("process %d has not exited", (int)p->pid);
	if (WIFSIGNALED(p->status))
		FAIL("process died of signal %d; stderr:\n%.4000s", WTERMSIG(p->status),
		     ds_proc_stderr(p));
	if (WEXITSTATUS(p->status) != code)
		FAIL("exit code %d, want %d; stderr:\n%.4000s", WEXITSTATUS(p->status), code,
		     ds_proc_stderr(p));
}

void ds_run(struct ds_run *r, const char *const *argv, const char *const *env,
	    const char *stdin_data, int timeout_ms)
{
	struct ds_proc p;

	ds_proc_start(&p, argv, env, stdin_data);
	if (ds_proc_wait(&p, timeout_ms)) {
		ds_proc_stop(&p, 1000);
		FAIL("'%s' did not finish within %d ms; stderr:\n%.4000s", argv[0], timeout_ms,
		     ds_proc_stderr(&p));
	}
	r->out = ds_proc_stdout(&p);
	r->err = ds_proc_stderr(&p);
	if (WIFSIGNALED(p.status))
		FAIL("'%s' died of signal %d; stderr:\n%.4000s", argv[0], WTERMSIG(p.status), r->err);
	r->code = WEXITSTATUS(p.status);
}

/* --- HTTP ------------------------------------------------------------------------------------ */

static size_t collect(char *data, size_t size, size_t n, void *buf)
{
	if (ds_buf_add(buf, data, size * n))
		return 0;
	return size * n;
}

void ds_http(struct ds_http_resp *r, const char *method, const char *url,
	     const char *const *headers, const char *body, size_t body_len, int timeout_ms)
{
	static int inited;
	struct ds_buf hb = DS_BUF_INIT(0), bb = DS_BUF_INIT(0);
	struct curl_slist *hl = NULL;
	CURL *c;
	CURLcode rc;

	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	memset(r, 0, sizeof(*r));
	c = curl_easy_init();
	if (!c)
		FAIL("curl_easy_init failed");
	while (headers && *headers)
		hl = curl_slist_append(hl, *headers++);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	r->headers = ds_test_strdup(ds_buf_str(&hb));
	r->body = ds_test_alloc(bb.len + 1);
	if (bb.len)
		memcpy(r->body, bb.data, bb.len);
	r->body_len = bb.len;
	ds_buf_release(&hb);
	ds_buf_release(&bb);
}

const char *ds_http_header(const struct ds_http_resp *r, const char *name)
{
	const char *block = r->headers, *line, *p;
	size_t nlen = strlen(name);

	/* Only the last response's block counts (after a 100 Continue, say). */
	for (p = block; (p = strstr(p, "HTTP/")); p++)
		if (p == r->headers || p[-1] == '\n')
			block = p;
	for (line = block; line && *line;) {
		const char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len > nlen && line[nlen] == ':' && !strncasecmp(line, name, nlen)) {
			const char *v = line + nlen + 1;
			size_t vlen = len - nlen - 1;
			char *copy;

			while (vlen && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			copy = ds_test_alloc(vlen + 1);
			memcpy(copy, v, vlen);
			copy[vlen] = '\0';
			return copy;
		}
		line = eol ? eol + 2 : NULL;
	}
	return NULL;
}

void ds_http_wait_ok(const char *url, struct ds_proc *proc, int timeout_ms)
{
	struct timespec start, now, nap = {0, 20 * 1000 * 1000};
	struct ds_http_resp r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ds_http(&r, "GET", url, NULL, NULL, 0, 1000);
		if (r.status == 200)
			return;
		if (proc && ds_proc_wait(proc, 0) == 0)
			FAIL("server exited (status %d) before %s answered 200; stderr:\n%.4000s",
			     proc->status, url, ds_proc_stderr(proc));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			FAIL("%s did not answer 200 within %d ms (last: %ld %s)", url, timeout_ms,
			     r.status, r.error);
		nanosleep(&nap, NULL);
	}
}
