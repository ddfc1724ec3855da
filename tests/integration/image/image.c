/*
 * `duckdb-spawn image check` through the real binary against real registries (regfix.h),
 * for what a case file (tests/cases/image/) cannot say: an image pushed while --wait polls,
 * credentials from the environment, config.json and a credential helper, secrets absent from
 * every output, request and connection counts, and usage errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "regfix-test.h"
#include "test.h"

/* Environment without the developer's credentials. */
static const char *const *clean_env(const char *extra1, const char *extra2)
{
	const char **env = ds_test_alloc(8 * sizeof(*env));
	int n = 0;

	env[n++] = "REGISTRY_USERNAME";
	env[n++] = "REGISTRY_PASSWORD";
	env[n++] = "DOCKER_HUB_USERNAME";
	env[n++] = "DOCKER_HUB_ACCESS_TOKEN";
	env[n++] = ds_test_printf("DOCKER_CONFIG=%s/empty-docker-config", ds_test_tmpdir());
	if (extra1)
		env[n++] = extra1;
	if (extra2)
		env[n++] = extra2;
	env[n] = NULL;
	return env;
}

static json_t *parse_json(const char *out)
{
	json_error_t je;
	json_t *j = json_loads(out, 0, &je);

	if (!j)
		FAIL("stdout is not JSON (%s): %.2000s", je.text, out);
	return j;
}

static long jint(json_t *j, const char *a, const char *b)
{
	json_t *x = json_object_get(j, a);

	if (b)
		x = json_object_get(x, b);
	return (long)json_integer_value(x);
}

static const char *jstr(json_t *j, const char *a, const char *b)
{
	json_t *x = json_object_get(j, a);

	if (b)
		x = json_object_get(x, b);
	return json_string_value(x);
}

TEST(image_check_wait_sees_an_image_pushed_meanwhile)
{
	struct regfix *f = regfix_test_start(REGFIX_ANON, NULL);
	char *ref = ds_test_printf("http://%s/acme/late:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--wait", "60s", ref, NULL};
	struct ds_proc p;
	struct timespec nap = {1, 200 * 1000 * 1000};
	json_t *j;

	ds_proc_start(&p, argv, clean_env(NULL, NULL), NULL);
	nanosleep(&nap, NULL);
	ASSERT_MSG(ds_proc_wait(&p, 0) != 0, "the check ended before the push: %s", ds_proc_stdout(&p));
	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/late:1.0");
	ASSERT_EQ_INT(ds_proc_wait(&p, 60000), 0);
	ds_proc_assert_exit(&p, 0);
	j = parse_json(ds_proc_stdout(&p));
	ASSERT_EQ_STR(jstr(j, "verdict", NULL), "OK");
	ASSERT_CMP_INT(jint(j, "stats", "attempts"), >, 1);
	ASSERT_CONTAINS(ds_proc_stdout(&p), "waited ");
	json_decref(j);
}

TEST(image_check_wait_gives_up_with_the_last_verdict)
{
	struct regfix *f = regfix_test_start(REGFIX_ANON, NULL);
	char *ref = ds_test_printf("http://%s/acme/never:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--wait", "2s", ref, NULL};
	struct ds_run r;
	json_t *j;

	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 3);
	j = parse_json(r.out);
	ASSERT_EQ_STR(jstr(j, "verdict", NULL), "ANON_NOT_FOUND");
	ASSERT_CMP_INT(jint(j, "stats", "attempts"), >=, 2);
	/* Polling uses HEAD: free against Docker Hub's pull limit. */
	ASSERT_CONTAINS(r.out, "HEAD http://");
	json_decref(j);
}

/* Run the check a few ways with and without credentials; no output may hold a secret. */
TEST(image_check_never_prints_passwords_or_tokens)
{
	struct regfix *f = regfix_test_start(REGFIX_TOKEN, NULL);
	const char *pw = ds_test_printf("%s\n", f->password);
	const char *refs[] = {"acme/private:1.0", "acme/private:nope", "acme/public:1.0"};
	size_t i;
	int json;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/private:1.0");
	regfix_test_push(f, REGFIX_IMAGE_MULTI, "acme/public:1.0");
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		for (json = 0; json < 2; json++) {
			char *ref = ds_test_printf("%s/%s", f->host, refs[i]);
			const char *with[] = {ds_test_bin(), "image", "check", "--stats", "--ca-file",
					      f->ca_file, "-u", f->user, "--password-stdin",
					      json ? "--json" : "--platform=linux/amd64", ref, NULL};
			const char *env_creds[] = {ds_test_bin(), "image", "check", "--ca-file",
						   f->ca_file, json ? "--json" : "--stats", ref, NULL};
			struct ds_run r;

			ds_run(&r, with, clean_env(NULL, NULL), pw, 30000);
			ASSERT_NOT_CONTAINS(r.out, f->password);
			ASSERT_NOT_CONTAINS(r.err, f->password);
			ASSERT_NOT_CONTAINS(r.out, "eyJ");
			ASSERT_NOT_CONTAINS(r.err, "eyJ");
			ASSERT_CONTAINS(r.out, "alice");
			ds_run(&r, with, clean_env(NULL, NULL), "wrong-password-xyz\n", 30000);
			ASSERT_EQ_INT(r.code, 4);
			ASSERT_NOT_CONTAINS(r.out, "wrong-password-xyz");
			ASSERT_NOT_CONTAINS(r.err, "wrong-password-xyz");
			ds_run(&r, env_creds,
			       clean_env("REGISTRY_USERNAME=alice",
					 ds_test_printf("REGISTRY_PASSWORD=%s", f->password)),
			       NULL, 30000);
			ASSERT_NOT_CONTAINS(r.out, f->password);
			ASSERT_NOT_CONTAINS(r.err, f->password);
			ASSERT_NOT_CONTAINS(r.out, "eyJ");
			ASSERT_CONTAINS(r.out, "REGISTRY_USERNAME");
		}
}

TEST(image_check_takes_credentials_from_the_environment)
{
	struct regfix *f = regfix_test_start(REGFIX_BASIC_TLS, NULL);
	char *ref = ds_test_printf("%s/acme/api:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file, ref, NULL};
	struct ds_run r;
	json_t *j;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	ds_run(&r, argv,
	       clean_env("REGISTRY_USERNAME=alice", ds_test_printf("REGISTRY_PASSWORD=%s", f->password)),
	       NULL, 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	ASSERT_EQ_STR(jstr(j, "credentials", "source"), "REGISTRY_USERNAME");
	json_decref(j);
	/* DOCKER_HUB_* name Docker Hub's credentials: not used for this registry. */
	ds_run(&r, argv,
	       clean_env("DOCKER_HUB_USERNAME=alice",
			 ds_test_printf("DOCKER_HUB_ACCESS_TOKEN=%s", f->password)),
	       NULL, 30000);
	ASSERT_EQ_INT(r.code, 4);
	ASSERT_CONTAINS(r.out, "\"verdict\": \"ANON_ACCESS_DENIED\"");
}

TEST(image_check_reads_docker_config_auths)
{
	struct regfix *f = regfix_test_start(REGFIX_BASIC_TLS, NULL);
	const char *dir = ds_test_printf("%s/docker", ds_test_tmpdir());
	char *ref = ds_test_printf("%s/acme/api:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			      "--docker-config", dir, ref, NULL};
	char *json, *creds = ds_test_printf("%s:%s", f->user, f->password);
	struct ds_buf b64 = DS_BUF_INIT(0);
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = strlen(creds);
	struct ds_run r;
	json_t *j;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)creds[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)creds[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)creds[i + 2];
		ds_buf_addch(&b64, t[(v >> 18) & 63]);
		ds_buf_addch(&b64, t[(v >> 12) & 63]);
		ds_buf_addch(&b64, i + 1 < n ? t[(v >> 6) & 63] : '=');
		ds_buf_addch(&b64, i + 2 < n ? t[v & 63] : '=');
	}
	mkdir(dir, 0700);
	json = ds_test_printf("{\"auths\":{\"https://%s\":{\"auth\":\"%s\"}}}", f->host, ds_buf_str(&b64));
	ds_test_write_file(ds_test_path(dir, "config.json"), json, strlen(json));
	ds_buf_release(&b64);
	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	ASSERT_CONTAINS(jstr(j, "credentials", "source"), "config.json auths['https://");
	ASSERT_EQ_STR(jstr(j, "credentials", "username"), "alice");
	ASSERT_NOT_CONTAINS(r.out, f->password);
	json_decref(j);
}

TEST(image_check_runs_the_credential_helper_with_the_server_on_stdin)
{
	struct regfix *f = regfix_test_start(REGFIX_TOKEN, NULL);
	const char *dir = ds_test_tmpdir();
	const char *cfgdir = ds_test_printf("%s/docker", dir);
	char *ref = ds_test_printf("%s/acme/private:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			      "--docker-config", cfgdir, ref, NULL};
	char *script = ds_test_printf("#!/bin/sh\necho \"$@\" > '%s/helper.argv'\ncat > '%s/helper.stdin'\n"
				      "printf '{\"Username\":\"%s\",\"Secret\":\"%s\"}'\n",
				      dir, dir, f->user, f->password);
	char *helper = ds_test_printf("%s/docker-credential-fixture", dir);
	const char *cfg = "{\"credHelpers\":{\"ignored.example\":\"x\"},\"credsStore\":\"fixture\"}";
	struct ds_run r;
	json_t *j;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/private:1.0");
	ds_test_write_file(helper, script, strlen(script));
	chmod(helper, 0755);
	mkdir(cfgdir, 0700);
	ds_test_write_file(ds_test_path(cfgdir, "config.json"), cfg, strlen(cfg));
	ds_run(&r, argv, clean_env(ds_test_printf("PATH=%s:%s", dir, getenv("PATH")), NULL), NULL,
	       30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	ASSERT_EQ_STR(jstr(j, "credentials", "source"), "docker-credential-fixture");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(dir, "helper.argv"), NULL), "get\n");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(dir, "helper.stdin"), NULL), f->host);
	ASSERT_NOT_CONTAINS(r.out, f->password);
	json_decref(j);
}

/* One TLS connection per host, one token per scope, no request the verdict does not need. */
TEST(image_check_uses_one_connection_per_host_and_one_token_per_scope)
{
	struct regfix *f = regfix_test_start(REGFIX_TOKEN, NULL);
	const char *pw = ds_test_printf("%s\n", f->password);
	char *single = ds_test_printf("%s/acme/private:1.0", f->host);
	char *multi = ds_test_printf("%s/acme/private:multi", f->host);
	const char *a1[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			    "-u", f->user, "--password-stdin", single, NULL};
	const char *a2[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			    "-u", f->user, "--password-stdin", multi, NULL};
	struct ds_run r;
	json_t *j;
	long before;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/private:1.0");
	regfix_test_push(f, REGFIX_IMAGE_MULTI, "acme/private:multi");
	before = regfix_log_count(f, 1, "token user=");
	ds_run(&r, a1, clean_env(NULL, NULL), pw, 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	/* 401 manifest, token, manifest, config blob. */
	ASSERT_EQ_INT(jint(j, "stats", "requests"), 4);
	ASSERT_EQ_INT(jint(j, "stats", "token_requests"), 1);
	ASSERT_EQ_INT(jint(j, "stats", "connections"), 2); /* registry (TLS) + token server */
	ASSERT_EQ_INT(regfix_log_count(f, 1, "token user=") - before, 1);
	json_decref(j);
	ds_run(&r, a2, clean_env(NULL, NULL), pw, 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	/* 401, token, index, amd64 manifest, config blob. */
	ASSERT_EQ_INT(jint(j, "stats", "requests"), 5);
	ASSERT_EQ_INT(jint(j, "stats", "token_requests"), 1);
	ASSERT_EQ_INT(jint(j, "stats", "connections"), 2);
	json_decref(j);
}

TEST(image_check_basic_tls_is_one_connection_three_requests)
{
	struct regfix *f = regfix_test_start(REGFIX_BASIC_TLS, NULL);
	char *ref = ds_test_printf("%s/acme/api:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			      "-u", f->user, "--password-stdin", ref, NULL};
	struct ds_run r;
	json_t *j;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	ds_run(&r, argv, clean_env(NULL, NULL), ds_test_printf("%s\n", f->password), 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	ASSERT_EQ_INT(jint(j, "stats", "requests"), 3); /* 401, manifest with Basic, config blob */
	ASSERT_EQ_INT(jint(j, "stats", "connections"), 1);
	ASSERT_EQ_INT(jint(j, "stats", "token_requests"), 0);
	json_decref(j);
}

TEST(image_check_usage_errors_exit_2)
{
	const char *a1[] = {ds_test_bin(), "image", "check", NULL};
	const char *a2[] = {ds_test_bin(), "image", "check", "--password-stdin", "nginx", NULL};
	const char *a3[] = {ds_test_bin(), "image", "check", "-u", "alice", "nginx", NULL};
	const char *a4[] = {ds_test_bin(), "image", "check", "--endpoint", "docker.io", "nginx", NULL};
	const char *a5[] = {ds_test_bin(), "image", "chek", NULL};
	struct ds_run r;

	ds_run(&r, a1, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "an image reference is required");
	ds_run(&r, a2, NULL, "pw\n", 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--password-stdin needs --username");
	ds_run(&r, a3, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "a password is never taken from the command line");
	ds_run(&r, a4, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ds_run(&r, a5, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "'chek' is not a command");
	ASSERT_EQ_STR(r.out, "");
}

static void stop_proxy(void *p)
{
	regfix_proxy_stop(p);
}

static struct regfix_proxy *fault(enum regfix_fault mode, int retry_after)
{
	static struct regfix_proxy p;
	struct ds_error e = DS_ERROR_INIT;

	if (regfix_proxy_start(&p, ds_test_tmpdir(), mode, NULL, retry_after, 0, &e))
		FAIL("%s", ds_error_msg(&e));
	ds_test_defer(stop_proxy, &p);
	return &p;
}

TEST(image_check_wait_honours_retry_after_within_the_budget)
{
	struct regfix_proxy *p = fault(REGFIX_FAULT_429_PLAIN, 1);
	char *ref = ds_test_printf("http://%s/acme/api:1.0", p->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--wait", "2500ms", ref, NULL};
	struct ds_run r;
	json_t *j;

	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 6);
	j = parse_json(r.out);
	/* Retry-After: 1 within a 2.5 s budget: tried again, but not before a second passed. */
	ASSERT_CMP_INT(jint(j, "stats", "attempts"), >=, 2);
	ASSERT_CMP_INT(jint(j, "stats", "attempts"), <=, 4);
	json_decref(j);
}

TEST(image_check_wait_stops_when_the_limit_resets_after_the_budget)
{
	struct regfix_proxy *p = fault(REGFIX_FAULT_429_PULL, 3600);
	char *ref = ds_test_printf("http://%s/acme/api:1.0", p->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--wait", "60s", ref, NULL};
	struct ds_run r;
	json_t *j;

	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 6);
	j = parse_json(r.out);
	ASSERT_EQ_INT(jint(j, "stats", "attempts"), 1);
	ASSERT_EQ_INT(jint(j, "rate_limit", "remaining"), 0);
	ASSERT_EQ_INT(jint(j, "rate_limit", "retry_after_seconds"), 3600);
	json_decref(j);
}

/* config.json "identitytoken" is an OAuth2 refresh token: POSTed to the realm, never in a URL. */
TEST(image_check_uses_an_identity_token_from_docker_config)
{
	struct regfix *f = regfix_test_start(REGFIX_TOKEN, NULL);
	const char *dir = ds_test_printf("%s/docker", ds_test_tmpdir());
	char *ref = ds_test_printf("%s/acme/private:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file,
			      "--docker-config", dir, ref, NULL};
	char *json;
	struct ds_run r;
	json_t *j;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/private:1.0");
	mkdir(dir, 0700);
	json = ds_test_printf("{\"auths\":{\"%s\":{\"identitytoken\":\"%s\"}}}", f->host,
			      f->identity_token);
	ds_test_write_file(ds_test_path(dir, "config.json"), json, strlen(json));
	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 0);
	j = parse_json(r.out);
	ASSERT_EQ_STR(jstr(j, "verdict", NULL), "OK");
	ASSERT_CONTAINS(r.out, ds_test_printf("POST http://127.0.0.1:%d/token -> 200", f->issuer_port));
	ASSERT_CONTAINS(r.out, "credentials: an identity token from");
	ASSERT_NOT_CONTAINS(r.out, f->identity_token);
	ASSERT_EQ_INT(regfix_log_count(f, 1, "token user=alice (refresh_token) granted"), 1);
	json_decref(j);
	/* A stale one is refused by the token server: AUTH_ACCESS_DENIED. */
	json = ds_test_printf("{\"auths\":{\"%s\":{\"identitytoken\":\"idt-stale\"}}}", f->host);
	ds_test_write_file(ds_test_path(dir, "config.json"), json, strlen(json));
	ds_run(&r, argv, clean_env(NULL, NULL), NULL, 30000);
	ASSERT_EQ_INT(r.code, 4);
	ASSERT_CONTAINS(r.out, "\"verdict\": \"AUTH_ACCESS_DENIED\"");
	ASSERT_CONTAINS(r.out, "invalid_grant");
	ASSERT_NOT_CONTAINS(r.out, "idt-stale");
}
