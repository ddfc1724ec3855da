/*
 * The whole path, end to end, on 127.0.0.1: `image build` makes the image of this binary,
 * `image push` sends it to a real registry (token auth, private repository), `image check`
 * says OK, and `koyeb deploy` hands it to the Koyeb fixture in platform mode, which does what
 * the platform does: verifies and pulls the image with the registry secret, runs it
 * (chroot, its own user, the deployment's environment) and probes its health check before
 * it says HEALTHY. The test then talks to the running service, redeploys (nothing changes),
 * deploys a new environment (new instance, old one stopped), and sees a failing health check
 * and an arm64-only image refused.
 *
 * Needs root (the platform chroots and mounts /proc for the instance).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "kfx.h"
#include "regfix-test.h"
#include "test.h"

struct world {
	struct regfix *reg;
	struct kfx_proc *koyeb;
	const char *image; /* host/acme/duckdb-spawn:1.0, pushed */
	const char *const *reg_env;
};

static void need_root_and_tools(void)
{
	if (geteuid() != 0)
		SKIP("the platform fixture needs root (chroot, a mount namespace for /proc)");
	ds_test_require_program("tar"); /* the registry's own are regfix_test_start's */
}

static json_t *json_of(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		FAIL("not JSON (%s): %.2000s", je.text, text);
	return j;
}

/* A token-mode registry and the image of this binary pushed to its private repository. */
static struct world *world(long health_timeout_ms)
{
	struct world *w = ds_test_alloc(sizeof(*w));
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	const char **env = ds_test_alloc(8 * sizeof(*env));
	struct ds_run r;

	need_root_and_tools();
	w->reg = regfix_test_start(REGFIX_TOKEN, "registry");
	w->image = ds_test_printf("%s/acme/duckdb-spawn:1.0", w->reg->host);
	env[0] = ds_test_printf("REGISTRY_USERNAME=%s", w->reg->user);
	env[1] = ds_test_printf("REGISTRY_PASSWORD=%s", w->reg->password);
	env[2] = ds_test_printf("DOCKER_CONFIG=%s/no-docker-config", ds_test_tmpdir());
	env[3] = "DOCKER_HUB_USERNAME";
	env[4] = "DOCKER_HUB_ACCESS_TOKEN";
	env[5] = NULL;
	w->reg_env = env;
	{
		/* 1. build and push (token mode, private repository) */
		const char *argv[] = {ds_test_bin(), "image", "build", "--gzip-level", "1", "--tag",
				      w->image, "--output", layout, "--push", "--ca-file",
				      w->reg->ca_file, NULL};

		ds_run(&r, argv, env, NULL, 180000);
		ASSERT_MSG(r.code == 0, "image build --push: %s", r.err);
		ASSERT_CONTAINS(r.out, ds_test_printf("pushed %s@sha256:", w->image));
	}
	w->koyeb = kfxp_start_platform(50, w->reg->ca_file, ds_test_path(ds_test_tmpdir(), "platform"),
				       health_timeout_ms);
	return w;
}

/* `koyeb deploy` of w->image; the registry password on stdin for the secret it creates. */
static json_t *deploy(struct world *w, const char *service, const char *extra_env,
		      const char *checks, int want_code, struct ds_run *r)
{
	const char *args[40];
	int n = 0;

	args[n++] = "koyeb";
	args[n++] = "deploy";
	args[n++] = "--json";
	args[n++] = "--app";
	args[n++] = "shop";
	args[n++] = "--service";
	args[n++] = service;
	args[n++] = "--docker";
	args[n++] = w->image;
	args[n++] = "--docker-private-registry-secret";
	args[n++] = "local-registry";
	args[n++] = "--secret-type";
	args[n++] = "registry-private";
	args[n++] = "--registry-url";
	args[n++] = w->reg->host;
	args[n++] = "--registry-username";
	args[n++] = w->reg->user;
	args[n++] = "--value-from-stdin";
	args[n++] = "--ca-file";
	args[n++] = w->reg->ca_file;
	args[n++] = "--ports";
	args[n++] = "8000:http";
	args[n++] = "--routes";
	args[n++] = "/:8000";
	args[n++] = "--checks";
	args[n++] = checks;
	args[n++] = "--env";
	args[n++] = "LOG_LEVEL=warn";
	args[n++] = "--env";
	args[n++] = "DATABASE_URL=/tmp/shop.db";
	if (extra_env) {
		args[n++] = "--env";
		args[n++] = extra_env;
	}
	args[n++] = "--poll-interval";
	args[n++] = "200ms";
	args[n++] = "--wait-timeout";
	args[n++] = "60s";
	args[n] = NULL;
	kfxp_run(w->koyeb, r, ds_test_printf("%s\n", w->reg->password), args, NULL);
	ASSERT_MSG(r->code == want_code, "koyeb deploy exit %d, want %d\nstdout: %.3000s\nstderr: %.3000s",
		   r->code, want_code, r->out, r->err);
	ASSERT_NOT_CONTAINS(r->out, w->reg->password);
	ASSERT_NOT_CONTAINS(r->err, w->reg->password);
	return json_of(r->out);
}

/* The instance of the newest running deployment: its loopback port (0 when none runs). */
static int running_port(struct world *w, const char **deployment)
{
	struct ds_http_resp r;
	json_t *j, *list, *x;
	size_t i;
	int port = 0;

	ds_http(&r, "GET", ds_test_printf("%s/_fixture/instances", w->koyeb->url), NULL, NULL, 0,
		10000);
	ASSERT_EQ_INT(r.status, 200);
	j = json_of(r.body);
	list = json_object_get(j, "instances");
	json_array_foreach(list, i, x) {
		if (json_is_true(json_object_get(x, "running"))) {
			port = (int)json_integer_value(json_object_get(x, "port"));
			if (deployment)
				*deployment = ds_test_strdup(json_string_value(json_object_get(x, "deployment_id")));
		}
	}
	json_decref(j);
	return port;
}

static int running_count(struct world *w)
{
	struct ds_http_resp r;
	json_t *j, *x;
	size_t i;
	int n = 0;

	ds_http(&r, "GET", ds_test_printf("%s/_fixture/instances", w->koyeb->url), NULL, NULL, 0,
		10000);
	j = json_of(r.body);
	json_array_foreach(json_object_get(j, "instances"), i, x)
		n += json_is_true(json_object_get(x, "running"));
	json_decref(j);
	return n;
}

TEST(e2e_build_push_check_deploy_serve_redeploy_update)
{
	struct world *w = world(30000);
	struct ds_run r;
	struct ds_http_resp h;
	const char *first_dep = NULL, *second_dep = NULL, *id;
	const char *hdr[] = {"Content-Type: application/json", NULL};
	json_t *j;
	int port, port2;

	{
		/* 2. the doctor says OK: linux/amd64, 8000/tcp exposed */
		const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file",
				      w->reg->ca_file, w->image, NULL};

		ds_run(&r, argv, w->reg_env, NULL, 60000);
		ASSERT_MSG(r.code == 0, "image check: %s", r.out);
		j = json_of(r.out);
		ASSERT_EQ_STR(json_string_value(json_object_get(j, "verdict")), "OK");
		ASSERT_CONTAINS(r.out, "\"8000/tcp\"");
		json_decref(j);
	}

	/* 3. deploy: secret, app and service created, the instance pulled, run, checked */
	j = deploy(w, "api", NULL, "8000:http:/health", 0, &r);
	ASSERT_EQ_STR(json_string_value(json_object_get(json_object_get(j, "deployment"), "status")),
		      "HEALTHY");
	json_decref(j);
	port = running_port(w, &first_dep);
	ASSERT_MSG(port > 0, "no running instance after a HEALTHY deploy");

	/* 4. the service answers: create a project and read it back */
	ds_http(&h, "POST", ds_test_printf("http://127.0.0.1:%d/ops/projects", port), hdr,
		"{\"project_name\":\"Solar farm\",\"total_amount\":1234567890.12,"
		"\"maturity_years\":20,\"expected_tri\":7.25,\"dscr\":1.35}",
		strlen("{\"project_name\":\"Solar farm\",\"total_amount\":1234567890.12,"
		       "\"maturity_years\":20,\"expected_tri\":7.25,\"dscr\":1.35}"),
		10000);
	ASSERT_EQ_INT(h.status, 201);
	j = json_of(h.body);
	id = ds_test_strdup(json_string_value(json_object_get(j, "project_id")));
	json_decref(j);
	ds_http(&h, "GET", ds_test_printf("http://127.0.0.1:%d/ops/projects/%s", port, id), NULL,
		NULL, 0, 10000);
	ASSERT_EQ_INT(h.status, 200);
	ASSERT_CONTAINS(h.body, "\"total_amount\":1234567890.12");

	/* 5. the same deploy again changes nothing */
	kfxp_reset_log(w->koyeb);
	j = deploy(w, "api", NULL, "8000:http:/health", 0, &r);
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "action")), "up-to-date");
	json_decref(j);
	ASSERT_EQ_INT(kfxp_mutations(kfxp_requests(w->koyeb)), 0);
	ASSERT_EQ_INT(running_port(w, NULL), port);

	/* 6. a changed environment: one update, a new instance, the old one stopped */
	kfxp_reset_log(w->koyeb);
	json_decref(deploy(w, "api", "GREETING=hello", "8000:http:/health", 0, &r));
	ASSERT_EQ_INT(kfxp_count(kfxp_requests(w->koyeb), "UpdateService"), 1);
	port2 = running_port(w, &second_dep);
	ASSERT_MSG(port2 > 0 && strcmp(first_dep, second_dep),
		   "the update did not start a new instance");
	ASSERT_EQ_INT(running_count(w), 1);
	ds_http(&h, "GET", ds_test_printf("http://127.0.0.1:%d/health", port), NULL, NULL, 0, 2000);
	ASSERT_EQ_INT(h.status, 0); /* the old instance is gone */
	ds_http(&h, "GET", ds_test_printf("http://127.0.0.1:%d/health", port2), NULL, NULL, 0, 5000);
	ASSERT_EQ_INT(h.status, 200);
}

TEST(e2e_failing_health_check_ends_in_error_with_koyeb_messages)
{
	/* The server is up within a second; 4 s of failing checks is a verdict. */
	struct world *w = world(4000);
	struct ds_run r;
	json_t *j;

	/* The app serves /health, not /nope: the platform never sees a passing check. */
	j = deploy(w, "broken", NULL, "8000:http:/nope", 13, &r);
	json_decref(j);
	ASSERT_CONTAINS(r.out, "ERROR");
	ASSERT_CONTAINS(r.out, "health check on port 8000 path /nope failed");
	ASSERT_CONTAINS(r.out, "404");
	ASSERT_EQ_INT(running_count(w), 0);
}

TEST(e2e_arm64_only_image_is_refused_before_any_service_exists)
{
	struct world *w = world(30000);
	struct ds_run r;
	const char *arm = ds_test_printf("%s/acme/arm-only:1.0", w->reg->host);
	const char *args[] = {"koyeb", "deploy", "--app", "shop", "--service", "arm", "--docker", arm,
			      "--docker-private-registry-secret", "local-registry",
			      "--secret-type", "registry-private", "--registry-url", w->reg->host,
			      "--registry-username", w->reg->user, "--value-from-stdin",
			      "--ca-file", w->reg->ca_file, NULL};
	json_t *state;

	regfix_test_push(w->reg, REGFIX_IMAGE_ARM64, "acme/arm-only:1.0");
	kfxp_run(w->koyeb, &r, ds_test_printf("%s\n", w->reg->password), args, NULL);
	ASSERT_EQ_INT(r.code, 5);
	ASSERT_CONTAINS(r.out, "INVALID_ARCH");
	state = kfxp_state(w->koyeb);
	ASSERT_EQ_INT(json_array_size(json_object_get(state, "services")), 0);
	ASSERT_EQ_INT(json_array_size(json_object_get(state, "deployments")), 0);
}
