/*
 * cmd/koyeb-status.c - `duckdb-spawn koyeb status`: an app, its services, each one's latest
 * deployment, and for a deployment that is not HEALTHY Koyeb's own account of why
 * (messages, provisioning stages, instance messages, events).
 *
 * Exit code: 0 when no latest deployment has failed (running ones included), 13 when one
 * has, 12 when the app or service does not exist.
 */
#include <stdlib.h>
#include <string.h>

#include "koyeb-common.h"
#include "koyeb/app.h"
#include "koyeb/deploy.h"
#include "koyeb/service.h"

int cmd_koyeb_status(int argc, const char **argv)
{
	const char *token_file = NULL, *app_name = NULL, *svc_name = NULL;
	int json = 0, code, n, failed = 0;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL, *services = NULL, *out = NULL, *s;
	size_t i;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "app", &app_name, "APP", "the app"),
		DS_OPT_STRING(0, "service", &svc_name, "NAME", "only this service"),
		DS_OPT_BOOL(0, "json", &json, "print the status as one JSON object"),
		DS_OPT_STRING(0, "token-file", &token_file, "FILE",
			      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)"),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb status", "--app APP [--service NAME] [--json]", &code);
	if (n < 0)
		return code;
	if (n == 1 && !app_name)
		app_name = argv[0];
	else if (n)
		return cmd_usage_error("koyeb status", "unexpected argument '%s'", argv[0]);
	if (!app_name)
		return cmd_usage_error("koyeb status", "--app APP is required");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (koyeb_app_find(&c, app_name, &app, &e))
		goto fail;
	if (!app) {
		ds_error_set(&e, KOYEB_E_NOT_FOUND, "app '%s' not found", app_name);
		goto fail;
	}
	if (koyeb_service_list(&c, koyeb_cmd_str(app, "id"), &services, &e))
		goto fail;
	out = json_pack("{s:{s:s, s:s, s:s, s:o}, s:[]}", "app", "name", koyeb_cmd_str(app, "name"), "id",
			koyeb_cmd_str(app, "id"), "status", koyeb_cmd_str(app, "status"), "url",
			koyeb_app_domain(app) ? json_sprintf("https://%s", koyeb_app_domain(app))
					      : json_null(),
			"services");
	if (!json) {
		printf("app %s: %s", koyeb_cmd_str(app, "name"), koyeb_cmd_str(app, "status"));
		if (koyeb_app_domain(app))
			printf("  https://%s", koyeb_app_domain(app));
		printf("\n");
	}
	json_array_foreach(services, i, s) {
		json_t *dep = NULL, *so;
		struct koyeb_deployment_report r;
		const char *latest = koyeb_cmd_str(s, "latest_deployment_id");
		enum koyeb_deployment_state st = KOYEB_DEPLOYMENT_RUNNING;

		if (svc_name && strcmp(koyeb_cmd_str(s, "name"), svc_name))
			continue;
		koyeb_deployment_report_init(&r);
		if (*latest && koyeb_deployment_get(&c, latest, &dep, &e))
			goto fail;
		if (dep) {
			st = koyeb_deployment_state_of(koyeb_cmd_str(dep, "status"));
			if (st != KOYEB_DEPLOYMENT_HEALTHY && koyeb_deployment_report(&c, dep, &r, &e)) {
				json_decref(dep);
				goto fail;
			}
		}
		failed |= st == KOYEB_DEPLOYMENT_FAILED;
		so = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", koyeb_cmd_str(s, "name"), "id",
			       koyeb_cmd_str(s, "id"), "status", koyeb_cmd_str(s, "status"), "active_deployment_id",
			       koyeb_cmd_str(s, "active_deployment_id"), "latest_deployment_id", latest);
		if (dep) {
			json_t *d = r.id ? koyeb_deployment_report_json(&r)
					 : json_pack("{s:s, s:s}", "id", koyeb_cmd_str(dep, "id"), "status",
						     koyeb_cmd_str(dep, "status"));

			json_object_set_new(so, "latest_deployment", d);
		}
		json_array_append_new(json_object_get(out, "services"), so);
		if (!json) {
			printf("service %s: %s\n", koyeb_cmd_str(s, "name"), koyeb_cmd_str(s, "status"));
			if (dep)
				printf("  latest deployment %s: %s (created %s)\n", koyeb_cmd_str(dep, "id"),
				       koyeb_cmd_str(dep, "status"), koyeb_cmd_str(dep, "created_at"));
			if (*koyeb_cmd_str(s, "active_deployment_id") &&
			    strcmp(koyeb_cmd_str(s, "active_deployment_id"), latest))
				printf("  active deployment %s\n", koyeb_cmd_str(s, "active_deployment_id"));
			if (r.id)
				koyeb_print_report(stdout, &r);
		}
		koyeb_deployment_report_release(&r);
		json_decref(dep);
	}
	if (svc_name && !json_array_size(json_object_get(out, "services"))) {
		ds_error_set(&e, KOYEB_E_NOT_FOUND, "service '%s' not found in app '%s'", svc_name,
			     app_name);
		goto fail;
	}
	if (json) {
		json_object_set_new(out, "exit_code",
				    json_integer(failed ? koyeb_outcome_exit_code(
								  KOYEB_OUTCOME_DEPLOY_FAILED)
							: 0));
		koyeb_cmd_print_json(out);
		out = NULL;
	}
	code = failed ? koyeb_outcome_exit_code(KOYEB_OUTCOME_DEPLOY_FAILED) : EXIT_OK;
	goto out;
fail:
	code = koyeb_cmd_fail(&e);
out:
	json_decref(app);
	json_decref(services);
	json_decref(out);
	koyeb_client_release(&c);
	return code;
}
