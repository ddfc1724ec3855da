/*
 * `duckdb-spawn koyeb deploy` through the real binary, against the Koyeb fixture
 * (tests/fixtures/koyeb) and real registries (tests/fixtures/registry): the scenarios of
 * issue 4, each asserting what the client sent from the fixture's request log.
 */
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "kfx.h"
#include "regfix-test.h"
#include "test.h"

#define STEP_MS 30

/* argv for a deploy of image as app/service, plus extra flags (NULL-terminated list). */
static const char *const *deploy_args(const char *app, const char *svc, const char *image,
				      const char *const *extra)
{
	const char **a = ds_test_alloc(64 * sizeof(*a));
	int n = 0;

	a[n++] = "koyeb";
	a[n++] = "deploy";
	a[n++] = "--app";
	a[n++] = app;
	a[n++] = "--service";
	a[n++] = svc;
	a[n++] = "--docker";
	a[n++] = image;
	a[n++] = "--poll-interval";
	a[n++] = "20ms";
	a[n++] = "--wait-timeout";
	a[n++] = "30s";
	a[n++] = "--json";
	while (extra && *extra && n < 62)
		a[n++] = *extra++;
	a[n] = NULL;
	return a;
}

static json_t *run_deploy(struct kfx_proc *k, struct ds_run *r, const char *stdin_data,
			  const char *app, const char *svc, const char *image,
			  const char *const *extra, const char *const *env)
{
	kfxp_run(k, r, stdin_data, deploy_args(app, svc, image, extra), env);
	ds_test_note("stderr:\n%s", r->err);
	return kfxp_json(r->out);
}

/* A Basic-auth TLS registry with acme/api:1.0, and a fixture that trusts its CA. */
struct tls_scene {
	struct regfix *f;
	struct kfx_proc *k;
	const char *image;
};

static void tls_scene(struct tls_scene *s)
{
	s->f = regfix_test_start(REGFIX_BASIC_TLS, "registry");
	regfix_test_push(s->f, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	s->k = kfxp_start(STEP_MS, s->f->ca_file);
	s->image = ds_test_printf("%s/acme/api:1.0", s->f->host);
}

/* An anonymous (plain HTTP, loopback) registry with acme/api:1.0. */
static const char *anon_image(struct kfx_proc **k, enum regfix_image kind, const char *repo_tag)
{
	struct regfix *f = regfix_test_start(REGFIX_ANON, "registry");

	regfix_test_push(f, kind, repo_tag);
	*k = kfxp_start(STEP_MS, NULL);
	return ds_test_printf("%s/%s", f->host, repo_tag);
}

static const json_t *service_named(const json_t *state, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(state, "services"), i, s)
		if (!strcmp(kfxp_jstr(s, "name", NULL), name))
			return s;
	return NULL;
}

static const json_t *deployment_of(const json_t *state, const char *id)
{
	size_t i;
	json_t *d;

	json_array_foreach(json_object_get(state, "deployments"), i, d)
		if (!strcmp(kfxp_jstr(d, "id", NULL), id))
			return d;
	return NULL;
}

TEST(koyeb_deploy_fresh_creates_secret_app_service_and_ends_healthy)
{
	struct tls_scene s;
	struct ds_run r;
	json_t *j, *log, *state;
	const json_t *svc, *dep;
	const char *extra[] = {"--docker-private-registry-secret", "reg", "--secret-type",
			       "registry-private", "--registry-url", NULL, "--registry-username",
			       NULL, "--value-from-stdin", "--ca-file", NULL, "--env",
			       "LOG_LEVEL=info", NULL};

	tls_scene(&s);
	extra[5] = s.f->host;
	extra[7] = s.f->user;
	extra[10] = s.f->ca_file;
	j = run_deploy(s.k, &r, s.f->password, "demo", "api", s.image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "OK");
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "created");
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "HEALTHY");
	ASSERT(json_is_true(json_object_get(json_object_get(j, "secret"), "created")));
	ASSERT(json_is_true(json_object_get(json_object_get(j, "app"), "created")));
	ASSERT(json_is_true(json_object_get(json_object_get(json_object_get(j, "image"), "local"), "ok")));
	ASSERT(json_is_true(json_object_get(json_object_get(json_object_get(j, "image"), "koyeb"), "ok")));
	ASSERT_NOT_CONTAINS(r.out, s.f->password);
	ASSERT_NOT_CONTAINS(r.err, s.f->password);

	log = kfxp_requests(s.k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateSecret"), 1);
	ASSERT_EQ_INT(kfxp_count(log, "CreateApp"), 1);
	ASSERT_EQ_INT(kfxp_count(log, "CreateService"), 1);
	ASSERT_EQ_INT(kfxp_mutations(log), 3);
	/* Koyeb verified the image with the secret, by id. */
	ASSERT_EQ_INT(kfxp_count(log, "VerifyDockerImage"), 1);

	state = kfxp_state(s.k);
	svc = service_named(state, "api");
	ASSERT_NOT_NULL(svc);
	dep = deployment_of(state, kfxp_jstr(svc, "latest_deployment_id", NULL));
	ASSERT_NOT_NULL(dep);
	ASSERT_EQ_STR(kfxp_jstr(dep, "status", NULL), "HEALTHY");
	ASSERT_EQ_STR(json_string_value(json_object_get(
			      json_object_get(json_object_get(dep, "definition"), "docker"),
			      "image_registry_secret")),
		      "reg");
}

TEST(koyeb_deploy_twice_changes_nothing)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *extra[] = {"--env", "A=1", "--checks", "8000:http:/health", NULL};

	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "created");
	kfxp_reset_log(k);

	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "up-to-date");
	ASSERT_EQ_INT(kfxp_jint(j, "requests", "mutations"), 0);
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
	ASSERT_EQ_INT(kfxp_count(log, "UpdateService"), 0);

	/* The human form says so too. */
	{
		const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api",
				      "--docker", image, "--env", "A=1", "--checks",
				      "8000:http:/health", NULL};

		kfxp_run(k, &r, NULL, args, NULL);
		ASSERT_EQ_INT(r.code, 0);
		ASSERT_CONTAINS(r.out, "up to date");
	}
}

TEST(koyeb_deploy_updates_an_existing_service_with_one_put)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log, *state;
	const json_t *svc, *dep, *env;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *v1[] = {"--env", "A=1", NULL};
	const char *v2[] = {"--env", "A=2", "--env", "B=secret-value", NULL};

	j = run_deploy(k, &r, NULL, "demo", "api", image, v1, NULL);
	ASSERT_EQ_INT(r.code, 0);
	kfxp_reset_log(k);
	j = run_deploy(k, &r, NULL, "demo", "api", image, v2, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "updated");
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "HEALTHY");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "changes")), "env: A changed");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "changes")), "env: +B");
	/* Values never appear in what the change says. */
	ASSERT_NOT_CONTAINS(r.out, "secret-value");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 1);
	ASSERT_EQ_INT(kfxp_count(log, "UpdateService"), 1);

	state = kfxp_state(k);
	svc = service_named(state, "api");
	dep = deployment_of(state, kfxp_jstr(svc, "latest_deployment_id", NULL));
	env = json_object_get(json_object_get(dep, "definition"), "env");
	ASSERT_EQ_INT(json_array_size(env), 2);
	ASSERT_EQ_STR(kfxp_jstr(svc, "active_deployment_id", NULL), kfxp_jstr(dep, "id", NULL));
}

TEST(koyeb_deploy_missing_secret_stops_before_any_change)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log;
	const char *extra[] = {"--docker-private-registry-secret", "nope", NULL};

	k = kfxp_start(STEP_MS, NULL);
	j = run_deploy(k, &r, NULL, "demo", "api", "ghcr.io/acme/api:1.0", extra, NULL);
	ASSERT_EQ_INT(r.code, 12);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "NOT_FOUND");
	ASSERT_CONTAINS(kfxp_jstr(j, "message", NULL), "registry secret 'nope' does not exist");
	ASSERT_CONTAINS(kfxp_jstr(j, "fix", NULL), "secret create nope --type registry-github");
	ASSERT_CONTAINS(kfxp_jstr(j, "fix", NULL), "--value-from-stdin");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
	ASSERT_EQ_INT(kfxp_count(log, "ListApps"), 0);
}

TEST(koyeb_deploy_secret_with_wrong_password_creates_nothing)
{
	struct tls_scene s;
	struct ds_run r;
	json_t *j, *log;
	const char *extra[] = {"--docker-private-registry-secret", "reg", "--ca-file", NULL, NULL};
	const char *env[] = {NULL, NULL, NULL};

	tls_scene(&s);
	kfxp_make_registry_secret(s.k, "reg", s.f->host, s.f->user, "not-the-password");
	kfxp_reset_log(s.k);
	extra[3] = s.f->ca_file;
	/* Here the user's own credentials work (the doctor takes them from the environment). */
	env[0] = ds_test_printf("REGISTRY_USERNAME=%s", s.f->user);
	env[1] = ds_test_printf("REGISTRY_PASSWORD=%s", s.f->password);
	j = run_deploy(s.k, &r, NULL, "demo", "api", s.image, extra, env);
	ASSERT_EQ_INT(r.code, 4);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "IMAGE");
	ASSERT(json_is_true(json_object_get(json_object_get(json_object_get(j, "image"), "local"), "ok")));
	ASSERT_EQ_STR(json_string_value(json_object_get(
			      json_object_get(json_object_get(j, "image"), "koyeb"), "code")),
		      "AUTH_ACCESS_DENIED");
	ASSERT_CONTAINS(kfxp_jstr(j, "fix", NULL),
			"pullable with your credentials, but the Koyeb secret 'reg' is not: "
			"recreate it");
	log = kfxp_requests(s.k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
	ASSERT_EQ_INT(kfxp_count(log, "CreateApp"), 0);
	ASSERT_NOT_CONTAINS(r.out, s.f->password);
	ASSERT_NOT_CONTAINS(r.err, s.f->password);

	/* The human form puts the two verdicts side by side. */
	{
		const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api",
				      "--docker", s.image, "--docker-private-registry-secret", "reg",
				      "--ca-file", s.f->ca_file, NULL};

		kfxp_run(s.k, &r, NULL, args, env);
		ASSERT_EQ_INT(r.code, 4);
		ASSERT_CONTAINS(r.out, "from here:  OK");
		ASSERT_CONTAINS(r.out, "by Koyeb:   AUTH_ACCESS_DENIED");
		ASSERT_CONTAINS(r.out, "recreate it");
	}
}

TEST(koyeb_deploy_arm64_only_image_creates_nothing)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log;
	const char *image = anon_image(&k, REGFIX_IMAGE_ARM64, "acme/arm:1.0");
	const char *skip[] = {"--skip-image-check", NULL};

	/* Our doctor sees it first: nothing is asked of Koyeb at all. */
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 5);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "IMAGE");
	ASSERT_EQ_STR(json_string_value(json_object_get(
			      json_object_get(json_object_get(j, "image"), "local"), "code")),
		      "INVALID_ARCH");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "linux/arm64");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(json_array_size(log), 0);

	/* Without it, Koyeb's verify (the fixture pulls from the same registry) says the same. */
	j = run_deploy(k, &r, NULL, "demo", "api", image, skip, NULL);
	ASSERT_EQ_INT(r.code, 5);
	ASSERT_EQ_STR(json_string_value(json_object_get(
			      json_object_get(json_object_get(j, "image"), "koyeb"), "code")),
		      "INVALID_ARCH");
	ASSERT_CONTAINS(kfxp_jstr(j, "fix", NULL), "linux/amd64");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
	ASSERT_EQ_INT(kfxp_count(log, "VerifyDockerImage"), 1);
}

TEST(koyeb_deploy_error_shows_koyeb_messages_and_exits_13)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
			      image, "--poll-interval", "20ms", NULL};

	kfxp_control(k, "/_fixture/scripts",
		    "{\"preset\":\"error\",\"message\":\"Deployment failed: exit code 3\","
		    "\"instance_message\":\"duckdb: cannot open /data/x.db: read-only file system\"}");
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 13);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "DEPLOY_FAILED");
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "ERROR");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "deployment")),
			"Deployment failed: exit code 3");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "deployment")),
			"read-only file system");

	/* The text form shows Koyeb's words too (a rerun redeploys the same definition). */
	kfxp_control(k, "/_fixture/scripts", "{\"preset\":\"error\"}");
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 13);
	ASSERT_CONTAINS(r.out, "DEPLOY_FAILED: deployment");
	ASSERT_CONTAINS(r.out, "Application exited with code 1");
	ASSERT_CONTAINS(r.err, "redeploying");
	ASSERT_EQ_INT(kfxp_count(kfxp_requests(k), "ReDeploy"), 1);
}

TEST(koyeb_deploy_retries_a_500_without_creating_twice)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log, *state;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");

	/* The service is created, the reply lost in a 500: the client must find it, not POST
	 * again. A read that fails once is simply read again. */
	kfxp_control(k, "/_fixture/faults",
		    "{\"operation\":\"CreateService\",\"status\":500,\"apply\":true}");
	kfxp_control(k, "/_fixture/faults", "{\"operation\":\"GetDeployment\",\"status\":503}");
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "HEALTHY");
	ASSERT_CONTAINS(r.err, "had taken effect; not sending it again");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateService"), 1);
	state = kfxp_state(k);
	ASSERT_EQ_INT(json_array_size(json_object_get(state, "services")), 1);
}

TEST(koyeb_deploy_resends_a_create_that_did_not_take_effect)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log, *state;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");

	kfxp_control(k, "/_fixture/faults",
		    "{\"operation\":\"CreateService\",\"status\":500,\"apply\":false}");
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "HEALTHY");
	ASSERT_CONTAINS(r.err, "had not taken effect; sending it again");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateService"), 2);
	state = kfxp_state(k);
	ASSERT_EQ_INT(json_array_size(json_object_get(state, "services")), 1);
}

TEST(koyeb_deploy_rerun_after_a_failed_create_converges)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");

	kfxp_control(k, "/_fixture/faults",
		    "{\"operation\":\"CreateService\",\"status\":503,\"times\":20}");
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "FAILED");
	ASSERT_CONTAINS(kfxp_jstr(j, "message", NULL), "503");
	/* The app was created before the service failed. */
	ASSERT_EQ_INT(json_array_size(json_object_get(kfxp_state(k), "apps")), 1);

	kfxp_clear_faults(k);
	kfxp_reset_log(k);
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "created");
	ASSERT(!json_is_true(json_object_get(json_object_get(j, "app"), "created")));
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateApp"), 0);
	ASSERT_EQ_INT(kfxp_count(log, "CreateService"), 1);
}

TEST(koyeb_deploy_rerun_after_an_interrupted_wait_follows_without_changes)
{
	struct kfx_proc *k;
	struct ds_proc *p = ds_test_alloc(sizeof(*p));
	struct ds_run r;
	json_t *j, *log;
	struct regfix *f = regfix_test_start(REGFIX_ANON, "registry");
	const char *image;
	const char *const *args;
	const char **argv;
	size_t i, n = 0;
	int seen = 0, tries;

	regfix_test_push(f, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	image = ds_test_printf("%s/acme/api:1.0", f->host);
	k = kfxp_start(STEP_MS, NULL);
	/* The deployment moves only when read: it is still running when the rerun starts,
	 * however long the machine takes between the two. */
	kfxp_control(k, "/_fixture/scripts", "{\"preset\":\"healthy\",\"per_read\":true}");
	args = deploy_args("demo", "api", image, NULL);
	while (args[n])
		n++;
	argv = ds_test_alloc((n + 2) * sizeof(*argv));
	argv[0] = ds_test_bin();
	for (i = 0; i < n; i++)
		argv[i + 1] = args[i];
	{
		const char *env[] = {ds_test_printf("KOYEB_API_URL=%s", k->url),
				     ds_test_printf("KOYEB_TOKEN=%s", k->token), NULL};

		ds_proc_start(p, argv, env, NULL);
	}
	/* Interrupt it while it follows the deployment. */
	for (tries = 0; tries < 200 && !seen; tries++) {
		usleep(25000);
		seen = kfxp_count(kfxp_requests(k), "GetDeployment") > 0;
	}
	ASSERT_MSG(seen, "the deploy never started following its deployment");
	ds_proc_signal(p, SIGKILL);
	ds_proc_wait(p, 5000);

	kfxp_reset_log(k);
	j = run_deploy(k, &r, NULL, "demo", "api", image, NULL, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "followed");
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "HEALTHY");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
}

TEST(koyeb_deploy_finds_secret_and_service_past_page_two)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log, *x;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *app_id;
	const char *extra[] = {"--docker-private-registry-secret", "reg", NULL};
	size_t i, pages = 0;
	int n;

	app_id = kfxp_make_app(k, "demo");
	/* 249 look-alikes first, so the name filter matches 250 and the exact one is last. */
	for (n = 0; n < 249; n++) {
		long st;

		kfxp_make_registry_secret(k, ds_test_printf("reg-%03d", n), "127.0.0.1", "u", "p");
		kfxp_api(k, "POST", "/v1/services",
			ds_test_printf("{\"app_id\":\"%s\",\"name\":\"api-%03d\",\"definition\":"
				       "{\"docker\":{\"image\":\"%s\"}}}",
				       app_id, n, image),
			&st);
		ASSERT_EQ_INT(st, 200);
	}
	kfxp_make_registry_secret(k, "reg", "127.0.0.1", "u", "p");
	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "created");
	kfxp_reset_log(k);

	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(kfxp_jstr(j, "action", NULL), "up-to-date");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_mutations(log), 0);
	json_array_foreach(log, i, x)
		if (!strcmp(kfxp_jstr(x, "operation", NULL), "ListServices"))
			pages++;
	ASSERT_EQ_INT(pages, 3); /* offsets 0, 100, 200 */
	ASSERT_EQ_INT(kfxp_count(log, "ListSecrets"), 3);
}

TEST(regress_issue_4_env_with_space_is_caught_before_any_call)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *extra[] = {"--env", "A=1 B=hunter2", NULL};

	k = kfxp_start(STEP_MS, NULL);
	j = run_deploy(k, &r, NULL, "demo", "api", "acme/api:1.0", extra, NULL);
	ASSERT_EQ_INT(r.code, 10);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "LINT");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "did you mean 2 --env flags?");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "--env A=<value> --env B=<value>");
	ASSERT_NOT_CONTAINS(r.out, "hunter2");
	ASSERT_NOT_CONTAINS(r.err, "hunter2");
	ASSERT_EQ_INT(json_array_size(kfxp_requests(k)), 0);

	/* Before any call means before the token is needed, too. */
	{
		const char *no_token[] = {"KOYEB_TOKEN", NULL};

		j = run_deploy(k, &r, NULL, "demo", "api", "acme/api:1.0", extra, no_token);
		ASSERT_EQ_INT(r.code, 10);
	}
}

TEST(koyeb_deploy_warns_about_a_database_without_a_volume)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *extra[] = {"--env", "DATABASE_URL=/data/duckdb_spawn.db", NULL};

	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "database-on-ephemeral-disk");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "--volumes NAME:/data");
	ASSERT_CONTAINS(r.err, "lost at every redeploy or reschedule");
}

TEST(koyeb_deploy_mounts_a_volume_by_name)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *state;
	const json_t *dep;
	long st;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *extra[] = {"--env", "DATABASE_URL=/data/duckdb_spawn.db", "--volumes",
			       "data:/data", NULL};
	const char *missing[] = {"--volumes", "nope:/data", NULL};
	json_t *v = kfxp_api(k, "POST", "/v1/volumes",
			    "{\"name\":\"data\",\"region\":\"fra\",\"max_size\":10}", &st);

	ASSERT_EQ_INT(st, 200);
	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_INT(json_array_size(json_object_get(j, "lint")), 0);
	state = kfxp_state(k);
	dep = deployment_of(state, kfxp_jstr(service_named(state, "api"), "latest_deployment_id", NULL));
	ASSERT_EQ_STR(kfxp_jstr(json_array_get(json_object_get(json_object_get(dep, "definition"),
							      "volumes"),
					      0),
			       "id", NULL),
		      kfxp_jstr(v, "volume", "id"));

	j = run_deploy(k, &r, NULL, "demo", "api", image, missing, NULL);
	ASSERT_EQ_INT(r.code, 12);
	ASSERT_CONTAINS(kfxp_jstr(j, "message", NULL), "volume 'nope' does not exist");
}

TEST(koyeb_deploy_times_out_with_exit_14)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
			      image, "--poll-interval", "20ms", "--wait-timeout", "1s", "--json",
			      NULL};

	kfxp_control(k, "/_fixture/scripts", "{\"preset\":\"stall\"}");
	kfxp_run(k, &r, NULL, args, NULL);
	j = kfxp_json(r.out);
	ASSERT_EQ_INT(r.code, 14);
	ASSERT_EQ_STR(kfxp_jstr(j, "outcome", NULL), "TIMEOUT");
	ASSERT_EQ_STR(kfxp_jstr(j, "deployment", "status"), "STARTING");
}

TEST(koyeb_deploy_no_wait_returns_once_accepted)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *extra[] = {"--no-wait", NULL};

	kfxp_control(k, "/_fixture/scripts", "{\"preset\":\"stall\"}");
	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(kfxp_jstr(j, "message", NULL), "not waiting");
	ASSERT_EQ_INT(kfxp_count(kfxp_requests(k), "GetDeployment"), 0);
}

/* On a terminal the deployment's progress is one line rewritten in place (carriage return,
 * erase line) until it settles; piped (every other test), stderr has no escape at all. */
TEST(koyeb_deploy_on_a_terminal_updates_one_progress_line_in_place)
{
	struct kfx_proc *k;
	struct ds_run r, piped;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
			      image, "--poll-interval", "20ms", "--wait-timeout", "30s", NULL};
	const char *args_changed[16];
	const char *first, *last = NULL, *p;
	char *span;
	int updates = 0;
	size_t i;

	kfxp_run_tty(k, &r, args, NULL);
	ds_test_note("terminal:\n%s", r.out);
	ASSERT_EQ_INT(r.code, 0);
	first = strstr(r.out, "\r\033[K");
	ASSERT_NOT_NULL(first);
	for (p = first; (p = strstr(p, "\r\033[K")); p++) {
		last = p;
		updates++;
	}
	/* PENDING ... HEALTHY through the fixture's states, polled every 20 ms. */
	ASSERT_MSG(updates >= 3, "%d in-place updates", updates);
	span = ds_test_alloc((size_t)(last - first) + 1);
	memcpy(span, first, (size_t)(last - first));
	span[last - first] = '\0';
	ASSERT(strstr(span, ": PENDING") || strstr(span, ": PROVISIONING"));
	ASSERT_NULL(strchr(span, '\n'));
	ASSERT_CONTAINS(last, ": HEALTHY");
	ASSERT_CONTAINS(last, "\n"); /* the line is closed once it settles */

	/* Piped, a changed env (so that a new deployment is followed again): plain lines. */
	for (i = 0; args[i]; i++)
		args_changed[i] = args[i];
	args_changed[i++] = "--env";
	args_changed[i++] = "CHANGED=1";
	args_changed[i] = NULL;
	kfxp_run(k, &piped, NULL, args_changed, NULL);
	ASSERT_EQ_INT(piped.code, 0);
	ASSERT_CONTAINS(piped.err, ": HEALTHY\n");
	ASSERT_NOT_CONTAINS(piped.err, "\033[");
	ASSERT_NOT_CONTAINS(piped.err, "\r");
}

TEST(koyeb_deploy_without_token_exits_11)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *args[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
			      "acme/api:1", NULL};
	const char *no_token[] = {"KOYEB_TOKEN", NULL};
	const char *bad_token[] = {"KOYEB_TOKEN=wrong-token", NULL};
	const char *args2[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
			       "acme/api:1", "--skip-image-check", NULL};

	k = kfxp_start(STEP_MS, NULL);
	kfxp_run(k, &r, NULL, args, no_token);
	ASSERT_EQ_INT(r.code, 11);
	ASSERT_CONTAINS(r.err, "no Koyeb token: set KOYEB_TOKEN or pass --token-file");
	kfxp_run(k, &r, NULL, args2, bad_token);
	ASSERT_EQ_INT(r.code, 11);
	ASSERT_CONTAINS(r.out, "401");
	ASSERT_NOT_CONTAINS(r.out, "wrong-token");
	ASSERT_NOT_CONTAINS(r.err, "wrong-token");
}

TEST(koyeb_deploy_warns_about_a_port_the_image_does_not_expose)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *image = anon_image(&k, REGFIX_IMAGE_AMD64, "acme/api:1.0");
	const char *extra[] = {"--ports", "9000:http", NULL};

	j = run_deploy(k, &r, NULL, "demo", "api", image, extra, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "port-not-in-image");
	ASSERT_CONTAINS(kfxp_dump(json_object_get(j, "lint")), "(it exposes 8000/tcp)");
}
