/*
 * integration/koyeb/kfx.c - the fixture process and its control endpoints; see kfx.h.
 */
#include "kfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static void decref(void *p)
{
	json_decref(p);
}

/* One deferred cleanup for every value kept, however many (the harness bounds them). */
static json_t *keep(json_t *j)
{
	static json_t *kept;

	if (!j)
		return NULL;
	if (!kept) {
		kept = json_array();
		ds_test_defer(decref, kept);
	}
	json_array_append_new(kept, j);
	return j;
}

json_t *kfxp_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text ? text : "", JSON_DECODE_ANY, &je);

	if (!j)
		FAIL("not JSON (%s): %.3000s", je.text, text ? text : "(null)");
	return keep(j);
}

const char *kfxp_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	const char *out = ds_test_strdup(s ? s : "");

	free(s);
	return out;
}

const char *kfxp_jstr(const json_t *j, const char *a, const char *b)
{
	const json_t *x = json_object_get(j, a);
	const char *s;

	if (b)
		x = json_object_get(x, b);
	s = json_string_value(x);
	return s ? s : "";
}

long long kfxp_jint(const json_t *j, const char *a, const char *b)
{
	const json_t *x = json_object_get(j, a);

	if (b)
		x = json_object_get(x, b);
	return json_is_integer(x) ? json_integer_value(x) : -1;
}

static void stop(void *p)
{
	struct kfx_proc *k = p;

	ds_proc_stop(&k->proc, 3000);
}

struct kfx_proc *kfxp_start(long step_ms, const char *registry_ca)
{
	return kfxp_start_platform(step_ms, registry_ca, NULL, 0);
}

struct kfx_proc *kfxp_start_platform(long step_ms, const char *registry_ca,
				     const char *platform_dir, long health_timeout_ms)
{
	struct kfx_proc *k = ds_test_alloc(sizeof(*k));
	const char *bin = ds_test_printf("%s/tests/fixtures/koyeb/koyeb-fixture", ds_test_build_dir());
	const char *argv[16];
	int n = 0, tries;

	snprintf(k->token, sizeof(k->token), "kfx-token-%d-%ld", (int)getpid(), (long)random());
	snprintf(k->token_file, sizeof(k->token_file), "%s/koyeb-token-%ld", ds_test_tmpdir(),
		 (long)random());
	ds_test_write_file(k->token_file, k->token, strlen(k->token));
	argv[n++] = bin;
	argv[n++] = "--token-file";
	argv[n++] = k->token_file;
	argv[n++] = "--port";
	argv[n++] = "0"; /* the fixture picks a free port and says which: no race for one */
	argv[n++] = "--step-ms";
	argv[n++] = ds_test_printf("%ld", step_ms);
	if (registry_ca) {
		argv[n++] = "--registry-ca";
		argv[n++] = registry_ca;
	}
	if (platform_dir) {
		argv[n++] = "--platform";
		argv[n++] = platform_dir;
		argv[n++] = "--health-timeout-ms";
		argv[n++] = ds_test_printf("%ld", health_timeout_ms);
	}
	argv[n] = NULL;
	ds_proc_start(&k->proc, argv, NULL, NULL);
	ds_test_defer(stop, k);
	for (tries = 0; tries < 1500 && !k->port; tries++) {
		const char *out = ds_proc_stdout(&k->proc), *p = strstr(out, "listening on 127.0.0.1:");

		if (p)
			k->port = (int)strtol(p + 23, NULL, 10);
		else if (!ds_proc_wait(&k->proc, 10))
			FAIL("koyeb-fixture exited: %s", ds_proc_stderr(&k->proc));
	}
	ASSERT_MSG(k->port > 0, "koyeb-fixture did not say its port: %s", ds_proc_stderr(&k->proc));
	snprintf(k->url, sizeof(k->url), "http://127.0.0.1:%d", k->port);
	ds_http_wait_ok(ds_test_printf("%s/_fixture/health", k->url), &k->proc, 15000);
	return k;
}

json_t *kfxp_api(struct kfx_proc *k, const char *method, const char *path, const char *body,
		long *status)
{
	struct ds_http_resp r;
	const char *hdrs[] = {ds_test_printf("Authorization: Bearer %s", k->token),
			      "Content-Type: application/json", NULL};

	ds_http(&r, method, ds_test_printf("%s%s", k->url, path), hdrs, body,
		body ? strlen(body) : 0, 15000);
	if (status)
		*status = r.status;
	return keep(json_loads(r.body ? r.body : "", JSON_DECODE_ANY, NULL));
}

void kfxp_control(struct kfx_proc *k, const char *path, const char *body)
{
	struct ds_http_resp r;

	ds_http(&r, "POST", ds_test_printf("%s%s", k->url, path), NULL, body, strlen(body), 10000);
	ASSERT_MSG(r.status == 200, "POST %s: %ld %s", path, r.status, r.body ? r.body : "");
}

json_t *kfxp_requests(struct kfx_proc *k)
{
	struct ds_http_resp r;

	ds_http(&r, "GET", ds_test_printf("%s/_fixture/requests", k->url), NULL, NULL, 0, 10000);
	ASSERT_EQ_INT(r.status, 200);
	return json_object_get(kfxp_json(r.body), "requests");
}

void kfxp_reset_log(struct kfx_proc *k)
{
	struct ds_http_resp r;

	ds_http(&r, "DELETE", ds_test_printf("%s/_fixture/requests", k->url), NULL, NULL, 0, 10000);
	ASSERT_EQ_INT(r.status, 200);
}

void kfxp_clear_faults(struct kfx_proc *k)
{
	struct ds_http_resp r;

	ds_http(&r, "DELETE", ds_test_printf("%s/_fixture/faults", k->url), NULL, NULL, 0, 10000);
	ASSERT_EQ_INT(r.status, 200);
}

json_t *kfxp_state(struct kfx_proc *k)
{
	struct ds_http_resp r;

	ds_http(&r, "GET", ds_test_printf("%s/_fixture/state", k->url), NULL, NULL, 0, 10000);
	ASSERT_EQ_INT(r.status, 200);
	return kfxp_json(r.body);
}

size_t kfxp_mutations(const json_t *log)
{
	size_t i, n = 0;
	json_t *x;

	json_array_foreach(log, i, x) {
		const char *m = kfxp_jstr(x, "method", NULL);

		n += !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") ||
		     !strcmp(m, "DELETE");
	}
	return n;
}

size_t kfxp_count(const json_t *log, const char *op)
{
	size_t i, n = 0;
	json_t *x;

	json_array_foreach(log, i, x)
		n += !strcmp(kfxp_jstr(x, "operation", NULL), op);
	return n;
}

void kfxp_exec(struct ds_run *r, const char *const *argv, const char *const *env,
	      const char *stdin_data, int timeout_ms)
{
	/* ds_run() would do, but it registers its cleanup on a struct ds_proc that lives on
	 * its own stack; one that outlives the call is safe. */
	struct ds_proc *p = ds_test_alloc(sizeof(*p));

	ds_proc_start(p, argv, env, stdin_data);
	if (ds_proc_wait(p, timeout_ms)) {
		ds_proc_stop(p, 1000);
		FAIL("'%s' did not finish within %d ms; stderr:\n%.4000s", argv[0], timeout_ms,
		     ds_proc_stderr(p));
	}
	r->out = ds_proc_stdout(p);
	r->err = ds_proc_stderr(p);
	if (WIFSIGNALED(p->status))
		FAIL("'%s' died of signal %d; stderr:\n%.4000s", argv[0], WTERMSIG(p->status),
		     r->err);
	r->code = WEXITSTATUS(p->status);
}

/* argv[0] is the binary under test; env is the fixture's plus the test's. */
static void run_args(struct kfx_proc *k, const char *const *args, const char *const *env,
		     const char ***argv_out, const char ***env_out)
{
	const char **argv, **e;
	size_t na = 0, ne = 0, i;

	while (args[na])
		na++;
	while (env && env[ne])
		ne++;
	argv = ds_test_alloc((na + 2) * sizeof(*argv));
	argv[0] = ds_test_bin();
	for (i = 0; i < na; i++)
		argv[i + 1] = args[i];
	e = ds_test_alloc((ne + 10) * sizeof(*e));
	i = 0;
	e[i++] = ds_test_printf("KOYEB_API_URL=%s", k->url);
	for (na = 0; na < ne && strncmp(env[na], "KOYEB_TOKEN", 11); na++)
		;
	/* Unless the test sets (or removes) the token itself. */
	e[i++] = na < ne ? "DS_UNUSED_" : ds_test_printf("KOYEB_TOKEN=%s", k->token);
	/* The developer's own registry credentials must not decide a test. */
	e[i++] = "REGISTRY_USERNAME";
	e[i++] = "REGISTRY_PASSWORD";
	e[i++] = "DOCKER_HUB_USERNAME";
	e[i++] = "DOCKER_HUB_ACCESS_TOKEN";
	e[i++] = ds_test_printf("DOCKER_CONFIG=%s/no-docker-config", ds_test_tmpdir());
	if (ne)
		memcpy(e + i, env, ne * sizeof(*e));
	e[i + ne] = NULL;
	*argv_out = argv;
	*env_out = e;
}

void kfxp_run(struct kfx_proc *k, struct ds_run *r, const char *stdin_data,
	      const char *const *args, const char *const *env)
{
	const char **argv, **e;

	run_args(k, args, env, &argv, &e);
	kfxp_exec(r, argv, e, stdin_data, 60000);
	/* Whatever happened, the token never shows. */
	ASSERT_NOT_CONTAINS(r->out, k->token);
	ASSERT_NOT_CONTAINS(r->err, k->token);
}

void kfxp_run_tty(struct kfx_proc *k, struct ds_run *r, const char *const *args,
		  const char *const *env)
{
	const char **argv, **e;
	const char *script[5];
	size_t i, n = 1;
	char *cmd, *w;

	ds_test_require_program("script");
	run_args(k, args, env, &argv, &e);
	for (i = 0; argv[i]; i++)
		n += 3 + 4 * strlen(argv[i]);
	/* One shell word per argument, single-quoted ('\'' for a quote). */
	w = cmd = ds_test_alloc(n);
	for (i = 0; argv[i]; i++) {
		const char *c;

		if (i)
			*w++ = ' ';
		*w++ = '\'';
		for (c = argv[i]; *c; c++) {
			if (*c == '\'') {
				memcpy(w, "'\\''", 4);
				w += 4;
			} else {
				*w++ = *c;
			}
		}
		*w++ = '\'';
	}
	*w = '\0';
	script[0] = "script";
	script[1] = "-qefc"; /* quiet, the command's exit code, flush */
	script[2] = cmd;
	script[3] = "/dev/null";
	script[4] = NULL;
	kfxp_exec(r, script, e, NULL, 60000);
	ASSERT_NOT_CONTAINS(r->out, k->token);
	ASSERT_NOT_CONTAINS(r->err, k->token);
}

const char *kfxp_make_app(struct kfx_proc *k, const char *name)
{
	long st;
	json_t *j = kfxp_api(k, "POST", "/v1/apps", ds_test_printf("{\"name\":\"%s\"}", name), &st);

	ASSERT_EQ_INT(st, 200);
	return ds_test_strdup(kfxp_jstr(j, "app", "id"));
}

const char *kfxp_make_registry_secret(struct kfx_proc *k, const char *name, const char *host,
				     const char *user, const char *password)
{
	long st;
	json_t *j = kfxp_api(k, "POST", "/v1/secrets",
			    ds_test_printf("{\"name\":\"%s\",\"type\":\"REGISTRY\",\"private_registry\":"
					   "{\"username\":\"%s\",\"password\":\"%s\",\"url\":\"%s\"}}",
					   name, user, password, host),
			    &st);

	ASSERT_EQ_INT(st, 200);
	return ds_test_strdup(kfxp_jstr(j, "secret", "id"));
}

void kfxp_verify_answer(struct kfx_proc *k, const char *image, int success, const char *code)
{
	kfxp_control(k, "/_fixture/verify",
		    ds_test_printf("{\"image\":\"%s\",\"success\":%s,\"code\":\"%s\",\"reason\":"
				   "\"scripted by the test\"}",
				   image, success ? "true" : "false", code ? code : "UNKNOWN"));
}
