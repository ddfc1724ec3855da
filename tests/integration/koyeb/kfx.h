/*
 * integration/koyeb/kfx.h - the Koyeb API fixture as a child process, for tests that run
 * the real binary against it (tests/fixtures/koyeb/fixture.h says what it serves).
 *
 * kfxp_start() runs koyeb-fixture on a free 127.0.0.1 port with a token file, waits for
 * /_fixture/health, and registers its stop. kfxp_run() runs duckdb-spawn with KOYEB_API_URL
 * and KOYEB_TOKEN pointing at it and the developer's registry credentials removed from the
 * environment. Everything returned lives until the test ends.
 */
#ifndef KFX_TEST_H
#define KFX_TEST_H

#include <jansson.h>

#include "harness.h"

struct kfx_proc {
	struct ds_proc proc;
	int port;
	char url[64];
	char token[64];
	char token_file[512];
};

/* step_ms: time between deployment states; registry_ca: PEM the verifier trusts (NULL).
 * The fixture lives (and is stopped) with the test. */
struct kfx_proc *kfxp_start(long step_ms, const char *registry_ca);
/* The same, in the fixture's platform mode: deployments are pulled, run under platform_dir
 * and health-checked for real (tests/fixtures/koyeb/platform.h). */
struct kfx_proc *kfxp_start_platform(long step_ms, const char *registry_ca,
				     const char *platform_dir, long health_timeout_ms);

/* A /v1/ call with the token; the reply parsed (NULL when not JSON). */
json_t *kfxp_api(struct kfx_proc *k, const char *method, const char *path, const char *body,
		long *status);
/* POST a control endpoint (/_fixture/...); the test fails unless it answers 200. */
void kfxp_control(struct kfx_proc *k, const char *path, const char *body);
/* Drop every pending fault. */
void kfxp_clear_faults(struct kfx_proc *k);
/* The request log, and forgetting it. */
json_t *kfxp_requests(struct kfx_proc *k);
void kfxp_reset_log(struct kfx_proc *k);
/* Requests in log that change something (POST, PUT, PATCH, DELETE). */
size_t kfxp_mutations(const json_t *log);
/* Requests in log for operationId op (any method when method is NULL). */
size_t kfxp_count(const json_t *log, const char *op);
/* The store (/_fixture/state). */
json_t *kfxp_state(struct kfx_proc *k);

/* ds_run() with a process record that outlives the call. */
void kfxp_exec(struct ds_run *r, const char *const *argv, const char *const *env,
	      const char *stdin_data, int timeout_ms);

/* Run `duckdb-spawn args...` against k. env: extra "K=V" entries (NULL-terminated, may be
 * NULL). */
void kfxp_run(struct kfx_proc *k, struct ds_run *r, const char *stdin_data,
	     const char *const *args, const char *const *env);
/* The same with the command on a terminal: util-linux's script(1) gives it a pty for
 * stdin, stdout and stderr, and r->out is what the terminal showed (both streams, CRLF). */
void kfxp_run_tty(struct kfx_proc *k, struct ds_run *r, const char *const *args,
		  const char *const *env);

/* Create objects straight through the API (ids returned). */
const char *kfxp_make_app(struct kfx_proc *k, const char *name);
const char *kfxp_make_registry_secret(struct kfx_proc *k, const char *name, const char *host,
				     const char *user, const char *password);
/* Scripted verify answer for image. */
void kfxp_verify_answer(struct kfx_proc *k, const char *image, int success, const char *code);

/* Parse stdout as JSON (fails the test otherwise); freed at the end of the test. */
json_t *kfxp_json(const char *text);
/* j as compact JSON text (freed at the end of the test). */
const char *kfxp_dump(const json_t *j);
/* j["a"]["b"] as a string or integer ("" / -1 when absent). b may be NULL. */
const char *kfxp_jstr(const json_t *j, const char *a, const char *b);
long long kfxp_jint(const json_t *j, const char *a, const char *b);

#endif
