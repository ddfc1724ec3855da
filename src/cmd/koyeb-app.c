/*
 * cmd/koyeb-app.c - `duckdb-spawn koyeb app list|get|create|delete`.
 */
#include <stdlib.h>
#include <string.h>

#include "koyeb-common.h"
#include "koyeb/app.h"

static int app_list(int argc, const char **argv)
{
	const char *token_file = NULL;
	int json = 0, code;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *all = NULL, *a;
	size_t i;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print the apps as a JSON array"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	if (cmd_parse(argc, argv, opts, "koyeb app list", "[--json]", &code) < 0)
		return code;
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	code = koyeb_app_list(&c, &all, &e);
	koyeb_client_release(&c);
	if (code)
		return koyeb_cmd_fail(&e);
	if (json)
		return koyeb_cmd_print_json(all);
	printf("%-28s %-10s %-40s %s\n", "NAME", "STATUS", "DOMAIN", "ID");
	json_array_foreach(all, i, a)
		printf("%-28s %-10s %-40s %s\n", koyeb_cmd_str(a, "name"), koyeb_cmd_str(a, "status"),
		       koyeb_app_domain(a) ? koyeb_app_domain(a) : "-", koyeb_cmd_str(a, "id"));
	json_decref(all);
	return EXIT_OK;
}

/* The app called name, or an error that says it is missing. */
static int find_app(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e)
{
	if (koyeb_app_find(c, name, app, e))
		return -1;
	if (!*app)
		return ds_error_set(e, KOYEB_E_NOT_FOUND, "app '%s' not found", name);
	return 0;
}

static int app_get(int argc, const char **argv)
{
	const char *token_file = NULL;
	int json = 0, code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *a = NULL, *full = NULL;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print the app as a JSON object"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb app get", "NAME [--json]", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb app get", "expected one app NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (find_app(&c, argv[0], &a, &e) || koyeb_app_get(&c, koyeb_cmd_str(a, "id"), &full, &e)) {
		json_decref(a);
		koyeb_client_release(&c);
		return koyeb_cmd_fail(&e);
	}
	json_decref(a);
	koyeb_client_release(&c);
	if (json)
		return koyeb_cmd_print_json(full);
	printf("name:       %s\n", koyeb_cmd_str(full, "name"));
	printf("id:         %s\n", koyeb_cmd_str(full, "id"));
	printf("status:     %s\n", koyeb_cmd_str(full, "status"));
	if (koyeb_app_domain(full))
		printf("url:        https://%s\n", koyeb_app_domain(full));
	printf("created at: %s\n", koyeb_cmd_str(full, "created_at"));
	json_decref(full);
	return EXIT_OK;
}

static int app_create(int argc, const char **argv)
{
	const char *token_file = NULL;
	int json = 0, code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *a = NULL;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print the created app as JSON"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb app create", "NAME [--json]", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb app create", "expected one app NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	code = koyeb_app_create(&c, argv[0], &a, &e);
	koyeb_client_release(&c);
	if (code)
		return koyeb_cmd_fail(&e);
	if (json)
		return koyeb_cmd_print_json(a);
	printf("created app '%s' (id %s)\n", koyeb_cmd_str(a, "name"), koyeb_cmd_str(a, "id"));
	json_decref(a);
	return EXIT_OK;
}

static int app_delete(int argc, const char **argv)
{
	const char *token_file = NULL;
	int code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *a = NULL;
	const struct ds_option opts[] = {
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb app delete", "NAME", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb app delete", "expected one app NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (find_app(&c, argv[0], &a, &e) || koyeb_app_delete(&c, koyeb_cmd_str(a, "id"), &e)) {
		json_decref(a);
		koyeb_client_release(&c);
		return koyeb_cmd_fail(&e);
	}
	printf("deleted app '%s' and its services\n", argv[0]);
	json_decref(a);
	koyeb_client_release(&c);
	return EXIT_OK;
}

static const struct cmd app_commands[] = {
	{"list", app_list, "list the apps"},
	{"get", app_get, "show one app"},
	{"create", app_create, "create an app"},
	{"delete", app_delete, "delete an app and its services"},
};

int cmd_koyeb_app(int argc, const char **argv)
{
	return cmd_dispatch("koyeb app", app_commands, sizeof(app_commands) / sizeof(app_commands[0]),
			    argc, argv);
}
