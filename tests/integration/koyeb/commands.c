/*
 * `duckdb-spawn koyeb secret|app|service|status` through the real binary against the Koyeb
 * fixture: what each sends, pagination to the end, error messages naming the field, the
 * seed guide's flags explained without a request or an echoed password, and every flag of
 * every --help documented in docs/cli/koyeb.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kfx.h"
#include "test.h"

TEST(koyeb_secret_create_reads_the_password_from_stdin_only)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *log, *body, *j;
	const char *args[] = {"koyeb", "secret", "create", "ghcr", "--type", "registry-github",
			      "--registry-username", "bob", "--value-from-stdin", NULL};
	const char *get[] = {"koyeb", "secret", "get", "ghcr", "--json", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, "ghp_s3cret\n", args, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "created secret 'ghcr' (registry-github");
	ASSERT_NOT_CONTAINS(r.out, "ghp_s3cret");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateSecret"), 1);
	body = json_object_get(json_array_get(log, 0), "body");
	/* The github_registry configuration the API has (the koyeb CLI lacks it). */
	ASSERT_EQ_STR(kfxp_jstr(body, "type", NULL), "REGISTRY");
	ASSERT_EQ_STR(kfxp_jstr(body, "github_registry", "username"), "bob");
	ASSERT_EQ_STR(kfxp_jstr(body, "github_registry", "password"), "[redacted]");

	kfxp_run(k, &r, NULL, get, NULL);
	ASSERT_EQ_INT(r.code, 0);
	j = kfxp_json(r.out);
	ASSERT_EQ_STR(kfxp_jstr(j, "name", NULL), "ghcr");
	ASSERT_NOT_CONTAINS(r.out, "ghp_s3cret");
}

TEST(koyeb_secret_create_without_stdin_flag_is_usage_error)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *args[] = {"koyeb", "secret", "create", "reg", "--type", "registry-private",
			      "--registry-username", "bob", NULL};
	const char *no_url[] = {"koyeb", "secret", "create", "reg", "--type", "registry-private",
				"--registry-username", "bob", "--value-from-stdin", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--value-from-stdin");
	kfxp_run(k, &r, "pw", no_url, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--type registry-private needs --registry-url");
	ASSERT_EQ_INT(json_array_size(kfxp_requests(k)), 0);
}

TEST(koyeb_secret_create_duplicate_names_the_field)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *args[] = {"koyeb", "secret", "create", "reg", "--type", "registry-dockerhub",
			      "--registry-username", "bob", "--value-from-stdin", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, "pw", args, NULL);
	ASSERT_EQ_INT(r.code, 0);
	kfxp_run(k, &r, "pw", args, NULL);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "POST /v1/secrets: 400 invalid_argument: validation error: field "
			       "'name': a secret named 'reg' already exists");
}

TEST(koyeb_secret_list_follows_pagination_over_250)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log, *x;
	size_t i;
	int n, offsets = 0;
	const char *args[] = {"koyeb", "secret", "list", "--json", NULL};
	const char *text[] = {"koyeb", "secret", "list", NULL};

	k = kfxp_start(30, NULL);
	for (n = 0; n < 250; n++)
		kfxp_make_registry_secret(k, ds_test_printf("s-%03d", n), "r.example", "u", "p");
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 0);
	j = kfxp_json(r.out);
	ASSERT_EQ_INT(json_array_size(j), 250);
	ASSERT_EQ_STR(kfxp_jstr(json_array_get(j, 249), "name", NULL), "s-249");
	/* ListSecretsReply has count and no has_next: three pages, no fourth. */
	log = kfxp_requests(k);
	ASSERT_EQ_INT(json_array_size(log), 3);
	json_array_foreach(log, i, x) {
		const char *off = json_string_value(
			json_array_get(json_object_get(json_object_get(x, "query"), "offset"), 0));

		ASSERT_NOT_NULL(off);
		offsets += (int)strtol(off, NULL, 10);
	}
	ASSERT_EQ_INT(offsets, 0 + 100 + 200);
	kfxp_run(k, &r, NULL, text, NULL);
	ASSERT_CONTAINS(r.out, "s-249");
}

TEST(koyeb_service_list_follows_pagination_over_250)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j, *log;
	const char *app;
	int n;
	const char *args[] = {"koyeb", "service", "list", "--app", "demo", "--json", NULL};

	k = kfxp_start(30, NULL);
	app = kfxp_make_app(k, "demo");
	for (n = 0; n < 250; n++) {
		long st;

		kfxp_api(k, "POST", "/v1/services",
			ds_test_printf("{\"app_id\":\"%s\",\"name\":\"svc-%03d\",\"definition\":"
				       "{\"docker\":{\"image\":\"acme/api:1\"}}}",
				       app, n),
			&st);
		ASSERT_EQ_INT(st, 200);
	}
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 0);
	j = kfxp_json(r.out);
	ASSERT_EQ_INT(json_array_size(j), 250);
	/* ListServicesReply has has_next: three pages of services. */
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "ListServices"), 3);
}

TEST(koyeb_app_create_get_list_delete)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *create[] = {"koyeb", "app", "create", "demo", NULL};
	const char *get[] = {"koyeb", "app", "get", "demo", NULL};
	const char *list[] = {"koyeb", "app", "list", NULL};
	const char *del[] = {"koyeb", "app", "delete", "demo", NULL};
	const char *bad[] = {"koyeb", "app", "create", "Demo_App", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, NULL, create, NULL);
	ASSERT_EQ_INT(r.code, 0);
	kfxp_run(k, &r, NULL, get, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "url:        https://demo-fixture.koyeb.app");
	kfxp_run(k, &r, NULL, list, NULL);
	ASSERT_CONTAINS(r.out, "demo");
	kfxp_run(k, &r, NULL, del, NULL);
	ASSERT_EQ_INT(r.code, 0);
	kfxp_run(k, &r, NULL, get, NULL);
	ASSERT_EQ_INT(r.code, 12);
	ASSERT_CONTAINS(r.err, "app 'demo' not found");
	kfxp_run(k, &r, NULL, bad, NULL);
	ASSERT_EQ_INT(r.code, 1);
	ASSERT_CONTAINS(r.err, "field 'name'");
}

TEST(koyeb_service_create_sends_the_definition_the_flags_say)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *log, *def;
	const char *args[] = {"koyeb", "service", "create", "demo/api", "--docker",
			      "acme/api:1.2", "--ports", "8000:http", "--routes", "/:8000",
			      "--checks", "8000:http:/health", "--env", "A=1", "--env",
			      "DB_PASSWORD=@db-password", "--instance-type", "micro", "--regions",
			      "was", "--wait", "--poll-interval", "20ms", NULL};

	k = kfxp_start(30, NULL);
	kfxp_make_app(k, "demo");
	kfxp_api(k, "POST", "/v1/secrets",
		"{\"name\":\"db-password\",\"type\":\"SIMPLE\",\"value\":\"x\"}", NULL);
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "is HEALTHY");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "CreateService"), 1);
	{
		size_t i;
		json_t *x;

		def = NULL;
		json_array_foreach(log, i, x)
			if (!strcmp(kfxp_jstr(x, "operation", NULL), "CreateService"))
				def = json_object_get(json_object_get(x, "body"), "definition");
	}
	ASSERT_NOT_NULL(def);
	ASSERT_EQ_STR(kfxp_jstr(def, "docker", "image"), "acme/api:1.2");
	ASSERT_EQ_STR(kfxp_jstr(def, "type", NULL), "WEB");
	ASSERT_EQ_INT(kfxp_jint(json_array_get(json_object_get(def, "ports"), 0), "port", NULL), 8000);
	ASSERT_EQ_STR(kfxp_jstr(json_array_get(json_object_get(def, "routes"), 0), "path", NULL), "/");
	ASSERT_EQ_STR(json_string_value(json_object_get(
			      json_object_get(json_array_get(json_object_get(def, "health_checks"), 0),
					      "http"),
			      "path")),
		      "/health");
	ASSERT_EQ_STR(kfxp_jstr(json_array_get(json_object_get(def, "env"), 1), "secret", NULL),
		      "db-password");
	ASSERT_EQ_STR(kfxp_jstr(json_array_get(json_object_get(def, "instance_types"), 0), "type",
			       NULL),
		      "micro");
	ASSERT_EQ_STR(json_string_value(json_array_get(json_object_get(def, "regions"), 0)), "was");
}

TEST(koyeb_service_update_changes_only_what_its_flags_name)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *log, *def = NULL, *x;
	size_t i;
	const char *create[] = {"koyeb", "service", "create", "api", "--app", "demo", "--docker",
				"acme/api:1", "--env", "A=1", "--env", "B=2", NULL};
	const char *update[] = {"koyeb", "service", "update", "api", "--app", "demo", "--env", "!B",
				"--env", "C=3", NULL};
	const char *again[] = {"koyeb", "service", "update", "api", "--app", "demo", "--env", "C=3",
			       NULL};

	k = kfxp_start(30, NULL);
	kfxp_make_app(k, "demo");
	kfxp_run(k, &r, NULL, create, NULL);
	ASSERT_EQ_INT(r.code, 0);
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, update, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "env: -B");
	ASSERT_CONTAINS(r.out, "env: +C");
	log = kfxp_requests(k);
	ASSERT_EQ_INT(kfxp_count(log, "UpdateService"), 1);
	json_array_foreach(log, i, x)
		if (!strcmp(kfxp_jstr(x, "operation", NULL), "UpdateService"))
			def = json_object_get(json_object_get(x, "body"), "definition");
	ASSERT_NOT_NULL(def);
	ASSERT_EQ_STR(kfxp_jstr(def, "docker", "image"), "acme/api:1");
	ASSERT_EQ_INT(json_array_size(json_object_get(def, "env")), 2);

	/* Nothing left to change: no call that changes anything. */
	kfxp_reset_log(k);
	kfxp_run(k, &r, NULL, again, NULL);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "up to date");
	ASSERT_EQ_INT(kfxp_mutations(kfxp_requests(k)), 0);
}

TEST(koyeb_service_create_in_a_missing_app_exits_12)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *args[] = {"koyeb", "service", "create", "api", "--app", "nope", "--docker",
			      "acme/api:1", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 12);
	ASSERT_CONTAINS(r.err, "app 'nope' not found");
	ASSERT_EQ_INT(kfxp_mutations(kfxp_requests(k)), 0);
}

TEST(koyeb_status_shows_why_the_latest_deployment_failed)
{
	struct kfx_proc *k;
	struct ds_run r;
	json_t *j;
	const char *create[] = {"koyeb", "service", "create", "api", "--app", "demo", "--docker",
				"acme/api:1", "--wait", "--poll-interval", "20ms", NULL};
	const char *status[] = {"koyeb", "status", "--app", "demo", NULL};
	const char *json[] = {"koyeb", "status", "--app", "demo", "--service", "api", "--json", NULL};
	const char *missing[] = {"koyeb", "status", "--app", "demo", "--service", "nope", NULL};

	k = kfxp_start(30, NULL);
	kfxp_make_app(k, "demo");
	kfxp_control(k, "/_fixture/scripts",
		    "{\"preset\":\"error\",\"instance_message\":\"listen tcp :8000: bind: address "
		    "already in use\"}");
	kfxp_run(k, &r, NULL, create, NULL);
	ASSERT_EQ_INT(r.code, 13);
	ASSERT_CONTAINS(r.out, "address already in use");
	kfxp_run(k, &r, NULL, status, NULL);
	ASSERT_EQ_INT(r.code, 13);
	ASSERT_CONTAINS(r.out, "service api: UNHEALTHY");
	ASSERT_CONTAINS(r.out, "ERROR");
	ASSERT_CONTAINS(r.out, "address already in use");
	kfxp_run(k, &r, NULL, json, NULL);
	j = kfxp_json(r.out);
	ASSERT_EQ_STR(kfxp_jstr(json_object_get(json_array_get(json_object_get(j, "services"), 0),
					       "latest_deployment"),
			       "status", NULL),
		      "ERROR");
	kfxp_run(k, &r, NULL, missing, NULL);
	ASSERT_EQ_INT(r.code, 12);
}

/* --- the seed guide's flags ------------------------------------------------------------------ */

TEST(koyeb_seed_flags_on_secret_create_are_rewritten_without_the_password)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *args[] = {"koyeb", "secret", "create", "reg", "--type=registry",
			      "--docker-registry-server=ghcr.io",
			      "--docker-registry-auth=bob:hunter2", NULL};
	const char *args2[] = {"koyeb", "secret", "create", "reg", "--type", "registry",
			       "--docker-registry-server", "registry.example.com:5000",
			       "--docker-registry-auth", "bob:hunter2", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, NULL, args, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--docker-registry-auth: no such flag");
	ASSERT_CONTAINS(r.err, "--type=registry: not a type");
	ASSERT_CONTAINS(r.err, "printf '%s' \"$REGISTRY_PASSWORD\" | duckdb-spawn koyeb secret "
			       "create reg --type registry-github --registry-username bob "
			       "--value-from-stdin");
	ASSERT_NOT_CONTAINS(r.err, "hunter2");
	ASSERT_NOT_CONTAINS(r.out, "hunter2");

	kfxp_run(k, &r, NULL, args2, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--type registry-private --registry-url registry.example.com:5000 "
			       "--registry-username bob --value-from-stdin");
	ASSERT_NOT_CONTAINS(r.err, "hunter2");
	ASSERT_EQ_INT(json_array_size(kfxp_requests(k)), 0);
}

TEST(koyeb_seed_flags_on_deploy_and_service_are_rewritten)
{
	struct kfx_proc *k;
	struct ds_run r;
	const char *deploy[] = {"koyeb", "deploy", "--app", "demo", "--service", "api", "--docker",
				"docker.io/acme/api:1", "--docker-registry-auth=bob:hunter2",
				"--env", "A=1", NULL};
	const char *svc[] = {"koyeb", "service", "create", "api", "--app", "demo", "--docker",
			     "ghcr.io/acme/api:1", "--docker-registry-server", "ghcr.io",
			     "--docker-registry-auth", "bob:hunter2", NULL};
	const char *token[] = {"koyeb", "app", "list", "--token", "abc", NULL};

	k = kfxp_start(30, NULL);
	kfxp_run(k, &r, NULL, deploy, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "duckdb-spawn koyeb deploy --app demo --service api --docker "
			       "docker.io/acme/api:1 --env A=1 --docker-private-registry-secret "
			       "dockerhub-registry --secret-type registry-dockerhub "
			       "--registry-username bob --value-from-stdin");
	ASSERT_NOT_CONTAINS(r.err, "hunter2");

	kfxp_run(k, &r, NULL, svc, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "koyeb secret create ghcr-io-registry --type registry-github "
			       "--registry-username bob --value-from-stdin");
	ASSERT_CONTAINS(r.err, "duckdb-spawn koyeb service create api --app demo --docker "
			       "ghcr.io/acme/api:1 --docker-private-registry-secret ghcr-io-registry");
	ASSERT_NOT_CONTAINS(r.err, "hunter2");

	/* A token in argv is refused too (it is an unknown option there). */
	kfxp_run(k, &r, NULL, token, NULL);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_NOT_CONTAINS(r.err, "abc");
	ASSERT_EQ_INT(json_array_size(kfxp_requests(k)), 0);
}

/* --- docs ---------------------------------------------------------------------------------- */

TEST(koyeb_every_flag_in_help_is_in_the_docs)
{
	static const char *const cmds[][3] = {
		{"secret", "list", NULL},   {"secret", "get", NULL},    {"secret", "create", NULL},
		{"secret", "delete", NULL}, {"app", "list", NULL},      {"app", "get", NULL},
		{"app", "create", NULL},    {"app", "delete", NULL},    {"service", "list", NULL},
		{"service", "get", NULL},   {"service", "create", NULL}, {"service", "update", NULL},
		{"service", "delete", NULL}, {"deploy", NULL, NULL},    {"status", NULL, NULL},
	};
	const char *doc = ds_test_read_file(
		ds_test_printf("%s/docs/cli/koyeb.md", ds_test_source_dir()), NULL);
	size_t i;

	ASSERT_NOT_NULL(doc);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ds_run r;
		const char *argv[6] = {ds_test_bin(), "koyeb", cmds[i][0], cmds[i][1], "--help", NULL};
		const char *p;

		if (!cmds[i][1]) {
			argv[3] = "--help";
			argv[4] = NULL;
		}
		kfxp_exec(&r, argv, NULL, NULL, 10000);
		ASSERT_EQ_INT(r.code, 0);
		ASSERT_MSG(strstr(doc, ds_test_printf("koyeb %s%s%s", cmds[i][0],
							 cmds[i][1] ? " " : "",
							 cmds[i][1] ? cmds[i][1] : "")),
			   "docs/cli/koyeb.md has no section for 'koyeb %s %s'", cmds[i][0],
			   cmds[i][1] ? cmds[i][1] : "");
		for (p = strstr(r.out, "--"); p; p = strstr(p + 2, "--")) {
			char flag[64];
			size_t n = 2;

			while (p[n] && (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') ||
					(p[n] >= '0' && p[n] <= '9')))
				n++;
			if (n <= 2 || n >= sizeof(flag))
				continue;
			snprintf(flag, sizeof(flag), "`%.*s", (int)n, p);
			ASSERT_MSG(strstr(doc, flag),
				   "'%.*s' (koyeb %s %s --help) is not documented in docs/cli/koyeb.md",
				   (int)n, p, cmds[i][0], cmds[i][1] ? cmds[i][1] : "");
		}
	}
}

TEST(koyeb_exit_codes_are_documented)
{
	const char *doc = ds_test_read_file(
		ds_test_printf("%s/docs/cli/exit-codes.md", ds_test_source_dir()), NULL);
	static const char *const rows[] = {"| 10 |", "| 11 |", "| 12 |", "| 13 |", "| 14 |",
					   "`LINT`", "`AUTH`", "`NOT_FOUND`", "`DEPLOY_FAILED`",
					   "`TIMEOUT`", "`IMAGE`"};
	size_t i;

	ASSERT_NOT_NULL(doc);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ASSERT_CONTAINS(doc, rows[i]);
}
