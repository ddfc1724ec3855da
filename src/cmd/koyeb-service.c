/*
 * cmd/koyeb-service.c - `duckdb-spawn koyeb service list|get|create|update|delete`.
 *
 * A service is named NAME with --app APP, or APP/NAME as the koyeb CLI writes it. create
 * builds the whole definition from the flags and their defaults; update changes only what
 * its flags name (lists merge by key, "!key" removes) and makes no call when nothing would
 * change. Both follow the new deployment with --wait.
 */
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "koyeb-common.h"
#include "koyeb/app.h"
#include "koyeb/lint.h"
#include "koyeb/service.h"

#define DEFAULT_WAIT_MS (5L * 60 * 1000)

static int need_app(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e)
{
	if (koyeb_app_find(c, name, app, e))
		return -1;
	if (!*app)
		return ds_error_set(e, KOYEB_E_NOT_FOUND,
				    "app '%s' not found: create it with 'duckdb-spawn koyeb app "
				    "create %s' (koyeb deploy creates it for you)",
				    name, name);
	return 0;
}

static int need_service(struct koyeb_client *c, const json_t *app, const char *name,
			json_t **svc, struct ds_error *e)
{
	if (koyeb_service_find(c, koyeb_cmd_str(app, "id"), name, svc, e))
		return -1;
	if (!*svc)
		return ds_error_set(e, KOYEB_E_NOT_FOUND, "service '%s' not found in app '%s'", name,
				    koyeb_cmd_str(app, "name"));
	return 0;
}

static int service_list(int argc, const char **argv)
{
	const char *token_file = NULL, *app_name = NULL;
	int json = 0, code;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL, *all = NULL, *apps = NULL, *s, *a;
	size_t i, j;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "app", &app_name, "APP", "only the services of APP"),
		DS_OPT_BOOL(0, "json", &json, "print the services as a JSON array"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	if (cmd_parse(argc, argv, opts, "koyeb service list", "[--app APP] [--json]", &code) < 0)
		return code;
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if ((app_name && need_app(&c, app_name, &app, &e)) ||
	    koyeb_service_list(&c, app ? koyeb_cmd_str(app, "id") : NULL, &all, &e) ||
	    koyeb_app_list(&c, &apps, &e)) {
		json_decref(app);
		json_decref(all);
		koyeb_client_release(&c);
		return koyeb_cmd_fail(&e);
	}
	koyeb_client_release(&c);
	json_decref(app);
	if (json) {
		json_decref(apps);
		return koyeb_cmd_print_json(all);
	}
	printf("%-24s %-24s %-10s %-38s %s\n", "NAME", "APP", "STATUS", "LATEST DEPLOYMENT", "ID");
	json_array_foreach(all, i, s) {
		const char *an = koyeb_cmd_str(s, "app_id");

		json_array_foreach(apps, j, a)
			if (!strcmp(koyeb_cmd_str(a, "id"), koyeb_cmd_str(s, "app_id")))
				an = koyeb_cmd_str(a, "name");
		printf("%-24s %-24s %-10s %-38s %s\n", koyeb_cmd_str(s, "name"), an, koyeb_cmd_str(s, "status"),
		       koyeb_cmd_str(s, "latest_deployment_id"), koyeb_cmd_str(s, "id"));
	}
	json_decref(all);
	json_decref(apps);
	return EXIT_OK;
}

static void print_definition(const json_t *def)
{
	const json_t *docker = json_object_get(def, "docker"), *x;
	size_t i;

	printf("image:      %s\n", koyeb_cmd_str(docker, "image"));
	if (*koyeb_cmd_str(docker, "image_registry_secret"))
		printf("secret:     %s\n", koyeb_cmd_str(docker, "image_registry_secret"));
	json_array_foreach(json_object_get(def, "ports"), i, x)
		printf("port:       %lld/%s\n", (long long)json_integer_value(json_object_get(x, "port")),
		       koyeb_cmd_str(x, "protocol"));
	json_array_foreach(json_object_get(def, "routes"), i, x)
		printf("route:      %s -> %lld\n", koyeb_cmd_str(x, "path"),
		       (long long)json_integer_value(json_object_get(x, "port")));
	json_array_foreach(json_object_get(def, "env"), i, x)
		printf("env:        %s%s\n", koyeb_cmd_str(x, "key"),
		       json_object_get(x, "secret") ? " (from a secret)" : "");
	json_array_foreach(json_object_get(def, "instance_types"), i, x)
		printf("instance:   %s\n", koyeb_cmd_str(x, "type"));
	json_array_foreach(json_object_get(def, "regions"), i, x)
		printf("region:     %s\n", json_string_value(x));
	json_array_foreach(json_object_get(def, "volumes"), i, x)
		printf("volume:     %s at %s\n", koyeb_cmd_str(x, "id"), koyeb_cmd_str(x, "path"));
}

static int service_get(int argc, const char **argv)
{
	const char *token_file = NULL, *app_name = NULL, *name;
	char buf[256];
	int json = 0, code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL, *s = NULL, *full = NULL, *dep = NULL;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "app", &app_name, "APP", "the service's app (or write APP/NAME)"),
		DS_OPT_BOOL(0, "json", &json, "print the service and its latest deployment as JSON"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb service get", "[APP/]NAME [--app APP] [--json]",
		      &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb service get", "expected one service NAME");
	koyeb_split_app_service(argv[0], &app_name, &name, buf, sizeof(buf));
	if (!app_name)
		return cmd_usage_error("koyeb service get", "which app? give --app APP or APP/NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (need_app(&c, app_name, &app, &e) || need_service(&c, app, name, &s, &e) ||
	    koyeb_service_get(&c, koyeb_cmd_str(s, "id"), &full, &e) ||
	    (*koyeb_cmd_str(full, "latest_deployment_id") &&
	     koyeb_deployment_get(&c, koyeb_cmd_str(full, "latest_deployment_id"), &dep, &e))) {
		code = koyeb_cmd_fail(&e);
		goto out;
	}
	if (json) {
		code = koyeb_cmd_print_json(json_pack("{s:O, s:O?}", "service", full,
						      "latest_deployment", dep));
		goto out;
	}
	printf("name:       %s\n", koyeb_cmd_str(full, "name"));
	printf("app:        %s\n", app_name);
	printf("id:         %s\n", koyeb_cmd_str(full, "id"));
	printf("status:     %s\n", koyeb_cmd_str(full, "status"));
	printf("deployment: %s (%s)\n", koyeb_cmd_str(dep, "id"), koyeb_cmd_str(dep, "status"));
	if (dep)
		print_definition(json_object_get(dep, "definition"));
	code = EXIT_OK;
out:
	json_decref(app);
	json_decref(s);
	json_decref(full);
	json_decref(dep);
	koyeb_client_release(&c);
	return code;
}

/* Lint, then stop on errors; warnings go to stderr. Returns an exit code or 0. */
static int lint_or_stop(const char *name, const struct koyeb_service_spec *spec, unsigned flags)
{
	struct koyeb_lint l = KOYEB_LINT_INIT;
	size_t i, errors;

	koyeb_lint_service(spec, flags, &l);
	for (i = 0; i < l.n; i++) {
		fprintf(stderr, "%s: %s: %s\n", l.items[i].level == KOYEB_LINT_ERROR ? "error" : "warning",
			l.items[i].subject, l.items[i].message);
		if (l.items[i].fix)
			fprintf(stderr, "  fix: %s\n", l.items[i].fix);
	}
	errors = koyeb_lint_errors(&l);
	koyeb_lint_release(&l);
	if (errors) {
		fprintf(stderr, DS_NAME " %s: nothing was sent to Koyeb\n", name);
		return koyeb_outcome_exit_code(KOYEB_OUTCOME_LINT);
	}
	return 0;
}

static int create_or_update(int argc, const char **argv, int update)
{
	const char *name_cmd = update ? "koyeb service update" : "koyeb service create";
	const char *token_file = NULL, *app_name = NULL, *name;
	const char **typed = koyeb_argv_copy(argc, argv);
	char buf[256];
	int json = 0, wait = 0, allow_unknown = 0, code, n;
	long wait_ms = DEFAULT_WAIT_MS, poll_ms = 0;
	struct koyeb_service_flags f = KOYEB_SERVICE_FLAGS_INIT(f);
	struct koyeb_service_spec spec = KOYEB_SERVICE_SPEC_INIT;
	struct koyeb_client c;
	int have_client = 0;
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL, *svc = NULL, *dep = NULL, *def = NULL, *names = NULL, *ids = NULL;
	json_t *out = NULL;
	struct ds_strlist changes = DS_STRLIST_INIT;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "app", &app_name, "APP", "the service's app (or write APP/NAME)"),
		KOYEB_SERVICE_OPTIONS(&f),
		DS_OPT_BOOL(0, "wait", &wait, "follow the deployment until HEALTHY or failed"),
		DS_OPT_DURATION(0, "wait-timeout", &wait_ms, "how long --wait waits (default 5m)"),
		DS_OPT_DURATION(0, "poll-interval", &poll_ms,
				"time between two looks at the deployment (default 2s)"),
		DS_OPT_BOOL(0, "allow-unknown-names", &allow_unknown,
			    "accept instance types and regions this build does not know"),
		DS_OPT_BOOL(0, "json", &json, "print the service (and the deployment) as JSON"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		KOYEB_SEED_OPTIONS(&f.seed),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, name_cmd, "[APP/]NAME --app APP [--docker IMAGE] [flags]",
		      &code);
	if (n < 0)
		goto out;
	code = koyeb_seed_explain(name_cmd, argc, typed, &f.seed, KOYEB_REWRITE_SERVICE, f.secret);
	if (code)
		goto out;
	if (f.seed.type_registry) {
		code = cmd_usage_error(name_cmd, "--type is web or worker");
		goto out;
	}
	if (n != 1) {
		code = cmd_usage_error(name_cmd, "expected one service NAME");
		goto out;
	}
	koyeb_split_app_service(argv[0], &app_name, &name, buf, sizeof(buf));
	if (!app_name) {
		code = cmd_usage_error(name_cmd, "which app? give --app APP or APP/NAME");
		goto out;
	}
	koyeb_service_flags_spec(&f, &spec);
	spec.app = app_name;
	spec.name = name;
	if (koyeb_service_spec_check(&spec, update ? KOYEB_DEF_MERGE : KOYEB_DEF_CREATE, &e)) {
		code = cmd_usage_error(name_cmd, "%s", ds_error_msg(&e));
		goto out;
	}
	if ((code = lint_or_stop(name_cmd, &spec,
				 (allow_unknown ? KOYEB_LINT_ALLOW_UNKNOWN_NAMES : 0) |
					 (update ? KOYEB_LINT_PATCH : 0))))
		goto out;
	if ((code = koyeb_cmd_client(&c, token_file)))
		goto out;
	have_client = 1;
	if (need_app(&c, app_name, &app, &e))
		goto fail;
	names = koyeb_service_volume_names(&spec);
	if (json_array_size(names) &&
	    koyeb_volume_ids(&c, names, f.regions.n ? f.regions.items[0] : NULL, &ids, &e))
		goto fail;
	if (!update) {
		if (koyeb_definition_build(&spec, KOYEB_DEF_CREATE, NULL, ids, &def, &e)) {
			code = cmd_usage_error(name_cmd, "%s", ds_error_msg(&e));
			goto out;
		}
		if (koyeb_service_create(&c, koyeb_cmd_str(app, "id"), name, def, &svc, &e))
			goto fail;
		if (!json)
			printf("created service '%s' in app '%s' (id %s, deployment %s)\n", name,
			       app_name, koyeb_cmd_str(svc, "id"), koyeb_cmd_str(svc, "latest_deployment_id"));
	} else {
		json_t *cur = NULL;

		if (need_service(&c, app, name, &svc, &e))
			goto fail;
		if (*koyeb_cmd_str(svc, "latest_deployment_id") &&
		    koyeb_deployment_get(&c, koyeb_cmd_str(svc, "latest_deployment_id"), &dep, &e))
			goto fail;
		cur = json_object_get(dep, "definition");
		if (koyeb_definition_build(&spec, KOYEB_DEF_MERGE, cur, ids, &def, &e)) {
			code = cmd_usage_error(name_cmd, "%s", ds_error_msg(&e));
			goto out;
		}
		if (cur && !koyeb_definition_diff(def, cur, &changes)) {
			/* Nothing to change: no call, no new deployment. */
			if (json)
				code = koyeb_cmd_print_json(json_pack("{s:O, s:b}", "service", svc,
								      "changed", 0));
			else
				printf("service '%s' is up to date; nothing to change\n", name);
			if (!json)
				code = EXIT_OK;
			goto out;
		}
		{
			char *sid = strdup(koyeb_cmd_str(svc, "id"));
			int rc;

			json_decref(svc);
			svc = NULL;
			rc = koyeb_service_update(&c, sid ? sid : "", def, &svc, &e);
			free(sid);
			if (rc)
				goto fail;
		}
		if (!json) {
			size_t i;

			printf("updated service '%s' in app '%s' (deployment %s)\n", name, app_name,
			       koyeb_cmd_str(svc, "latest_deployment_id"));
			for (i = 0; i < changes.n; i++)
				printf("  %s\n", changes.items[i]);
		}
	}
	if (wait) {
		code = koyeb_cmd_wait(&c, koyeb_cmd_str(svc, "latest_deployment_id"), wait_ms, poll_ms, json);
	} else {
		if (json)
			koyeb_cmd_print_json(json_pack("{s:O}", "service", svc));
		code = EXIT_OK;
	}
	goto out;
fail:
	code = koyeb_cmd_fail(&e);
out:
	json_decref(app);
	json_decref(svc);
	json_decref(dep);
	json_decref(def);
	json_decref(names);
	json_decref(ids);
	json_decref(out);
	ds_strlist_release(&changes);
	koyeb_service_flags_release(&f);
	if (have_client)
		koyeb_client_release(&c);
	free(typed);
	return code;
}

static int service_create(int argc, const char **argv)
{
	return create_or_update(argc, argv, 0);
}

static int service_update(int argc, const char **argv)
{
	return create_or_update(argc, argv, 1);
}

static int service_delete(int argc, const char **argv)
{
	const char *token_file = NULL, *app_name = NULL, *name;
	char buf[256];
	int code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL, *s = NULL;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "app", &app_name, "APP", "the service's app (or write APP/NAME)"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb service delete", "[APP/]NAME [--app APP]", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb service delete", "expected one service NAME");
	koyeb_split_app_service(argv[0], &app_name, &name, buf, sizeof(buf));
	if (!app_name)
		return cmd_usage_error("koyeb service delete", "which app? give --app APP or APP/NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (need_app(&c, app_name, &app, &e) || need_service(&c, app, name, &s, &e) ||
	    koyeb_service_delete(&c, koyeb_cmd_str(s, "id"), &e)) {
		code = koyeb_cmd_fail(&e);
	} else {
		printf("deleted service '%s' of app '%s'\n", name, app_name);
		code = EXIT_OK;
	}
	json_decref(app);
	json_decref(s);
	koyeb_client_release(&c);
	return code;
}

static const struct cmd service_commands[] = {
	{"list", service_list, "list the services (of one app with --app)"},
	{"get", service_get, "show a service and its latest deployment"},
	{"create", service_create, "create a service from the flags"},
	{"update", service_update, "change what the flags name; nothing when up to date"},
	{"delete", service_delete, "delete a service"},
};

int cmd_koyeb_service(int argc, const char **argv)
{
	return cmd_dispatch("koyeb service", service_commands,
			    sizeof(service_commands) / sizeof(service_commands[0]), argc, argv);
}
