/*
 * cmd/koyeb-secret.c - `duckdb-spawn koyeb secret list|get|create|delete`.
 *
 * Flags as in the koyeb CLI: create NAME --type registry-dockerhub|registry-private|... with
 * --registry-username, --registry-url (private, gcp), --registry-name (azure), and the value
 * (password, token, keyfile) on stdin with --value-from-stdin: never in argv.
 */
#include <stdlib.h>
#include <string.h>

#include "koyeb-common.h"
#include "koyeb/secret.h"

static void print_secret_row(const json_t *s)
{
	const struct koyeb_secret_type *t = koyeb_secret_type_of(s);
	const char *reg = koyeb_secret_registry(s), *user = koyeb_secret_username(s);

	printf("%-28s %-24s %-28s %-16s %s\n", koyeb_cmd_str(s, "name"), t ? t->name : koyeb_cmd_str(s, "type"),
	       reg ? reg : "-", user ? user : "-", koyeb_cmd_str(s, "id"));
}

static int secret_list(int argc, const char **argv)
{
	const char *token_file = NULL;
	int json = 0, code;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *all = NULL, *s;
	size_t i;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print the secrets as a JSON array"),
		DS_OPT_STRING(0, "token-file", &token_file, "FILE",
			      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)"),
		DS_OPT_END(),
	};

	if (cmd_parse(argc, argv, opts, "koyeb secret list", "[--json]", &code) < 0)
		return code;
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (koyeb_secret_list(&c, &all, &e)) {
		koyeb_client_release(&c);
		return koyeb_cmd_fail(&e);
	}
	koyeb_client_release(&c);
	if (json)
		return koyeb_cmd_print_json(all);
	printf("%-28s %-24s %-28s %-16s %s\n", "NAME", "TYPE", "REGISTRY", "USERNAME", "ID");
	json_array_foreach(all, i, s)
		print_secret_row(s);
	json_decref(all);
	return EXIT_OK;
}

static int secret_get(int argc, const char **argv)
{
	const char *token_file = NULL;
	int json = 0, code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *s = NULL;
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print the secret as a JSON object"),
		DS_OPT_STRING(0, "token-file", &token_file, "FILE",
			      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)"),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb secret get", "NAME [--json]", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb secret get", "expected one secret NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (koyeb_secret_find(&c, argv[0], &s, &e)) {
		koyeb_client_release(&c);
		return koyeb_cmd_fail(&e);
	}
	koyeb_client_release(&c);
	if (!s) {
		ds_error_set(&e, KOYEB_E_NOT_FOUND, "secret '%s' not found", argv[0]);
		return koyeb_cmd_fail(&e);
	}
	if (json)
		return koyeb_cmd_print_json(s);
	{
		const struct koyeb_secret_type *t = koyeb_secret_type_of(s);
		const char *reg = koyeb_secret_registry(s), *user = koyeb_secret_username(s);

		printf("name:       %s\n", koyeb_cmd_str(s, "name"));
		printf("id:         %s\n", koyeb_cmd_str(s, "id"));
		printf("type:       %s\n", t ? t->name : koyeb_cmd_str(s, "type"));
		if (reg)
			printf("registry:   %s\n", reg);
		if (user)
			printf("username:   %s\n", user);
		printf("created at: %s\n", koyeb_cmd_str(s, "created_at"));
		printf("updated at: %s\n", koyeb_cmd_str(s, "updated_at"));
	}
	json_decref(s);
	return EXIT_OK;
}

/* GCP keyfiles travel base64-encoded in keyfile_content, as the koyeb CLI sends them. */
static int base64_secret(struct ds_secret *s)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = s->len, i, o = 0;
	const unsigned char *in = (const unsigned char *)s->value;
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	struct ds_secret enc = DS_SECRET_INIT;

	if (!out)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = tbl[in[i] >> 2];
		out[o++] = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = tbl[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = tbl[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = tbl[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = tbl[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = tbl[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	ds_secret_set(&enc, out);
	explicit_bzero(out, o);
	free(out);
	ds_secret_release(s);
	*s = enc;
	return 0;
}

static int secret_create(int argc, const char **argv)
{
	const char *token_file = NULL, *type = NULL, *user = NULL, *url = NULL, *regname = NULL;
	const char **typed = koyeb_argv_copy(argc, argv);
	int json = 0, from_stdin = 0, code, n;
	struct koyeb_seed_flags seed = {0};
	struct koyeb_secret_spec spec = {0};
	struct ds_secret value = DS_SECRET_INIT;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *s = NULL;
	const struct ds_option opts[] = {
		DS_OPT_CALLBACK(0, "type", &seed, "TYPE",
				"registry-dockerhub, registry-private, registry-github, "
				"registry-gitlab, registry-digital-ocean, registry-azure, "
				"registry-gcp or simple",
				koyeb_type_cb, 0),
		DS_OPT_STRING(0, "registry-username", &user, "USER", "the registry user"),
		DS_OPT_STRING(0, "registry-url", &url, "HOST",
			      "the registry (registry-private and registry-gcp only)"),
		DS_OPT_STRING(0, "registry-name", &regname, "NAME",
			      "the Azure registry name (registry-azure only)"),
		DS_OPT_BOOL(0, "value-from-stdin", &from_stdin,
			    "read the password, token, keyfile or value from stdin"),
		DS_OPT_BOOL(0, "json", &json, "print the created secret as JSON"),
		DS_OPT_STRING(0, "token-file", &token_file, "FILE",
			      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)"),
		KOYEB_SEED_OPTIONS(&seed),
		DS_OPT_END(),
	};

	seed.type_out = &type;
	n = cmd_parse(argc, argv, opts, "koyeb secret create",
		      "NAME --type TYPE [--registry-username USER] [--registry-url HOST] "
		      "--value-from-stdin",
		      &code);
	if (n < 0)
		goto out;
	code = koyeb_seed_explain("koyeb secret create", argc, typed, &seed, KOYEB_REWRITE_SECRET,
				  n >= 1 ? argv[0] : NULL);
	if (code)
		goto out;
	if (n != 1) {
		code = cmd_usage_error("koyeb secret create", "expected one secret NAME");
		goto out;
	}
	spec.name = argv[0];
	spec.type = koyeb_secret_type_find(type);
	if (type && !spec.type) {
		code = cmd_usage_error("koyeb secret create", "--type '%s': one of %s", type,
				       koyeb_secret_type_names());
		goto out;
	}
	spec.username = user;
	spec.url = url;
	spec.registry_name = regname;
	spec.value = &value;
	if (!from_stdin) {
		code = cmd_usage_error("koyeb secret create",
				       "the %s goes on stdin: add --value-from-stdin",
				       spec.type && spec.type->config ? "password" : "value");
		goto out;
	}
	if ((code = koyeb_cmd_read_stdin(&value, "koyeb secret create")))
		goto out;
	if (spec.type && (spec.type->needs & KOYEB_NEEDS_KEYFILE) && base64_secret(&value)) {
		code = cmd_error("out of memory");
		goto out;
	}
	if (koyeb_secret_spec_check(&spec, &e)) {
		code = cmd_usage_error("koyeb secret create", "%s", ds_error_msg(&e));
		goto out;
	}
	if ((code = koyeb_cmd_client(&c, token_file)))
		goto out;
	if (koyeb_secret_create(&c, &spec, &s, &e)) {
		code = koyeb_cmd_fail(&e);
	} else if (json) {
		code = koyeb_cmd_print_json(s);
		s = NULL;
	} else {
		printf("created secret '%s' (%s, id %s)\n", koyeb_cmd_str(s, "name"), spec.type->name,
		       koyeb_cmd_str(s, "id"));
		code = EXIT_OK;
	}
	koyeb_client_release(&c);
out:
	json_decref(s);
	ds_secret_release(&value);
	koyeb_seed_flags_release(&seed);
	free(typed);
	return code;
}

static int secret_delete(int argc, const char **argv)
{
	const char *token_file = NULL;
	int code, n;
	struct koyeb_client c;
	struct ds_error e = DS_ERROR_INIT;
	json_t *s = NULL;
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "token-file", &token_file, "FILE",
			      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)"),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "koyeb secret delete", "NAME", &code);
	if (n < 0)
		return code;
	if (n != 1)
		return cmd_usage_error("koyeb secret delete", "expected one secret NAME");
	if ((code = koyeb_cmd_client(&c, token_file)))
		return code;
	if (koyeb_secret_find(&c, argv[0], &s, &e))
		goto fail;
	if (!s) {
		ds_error_set(&e, KOYEB_E_NOT_FOUND, "secret '%s' not found", argv[0]);
		goto fail;
	}
	if (koyeb_secret_delete(&c, koyeb_cmd_str(s, "id"), &e))
		goto fail;
	printf("deleted secret '%s'\n", argv[0]);
	json_decref(s);
	koyeb_client_release(&c);
	return EXIT_OK;
fail:
	json_decref(s);
	koyeb_client_release(&c);
	return koyeb_cmd_fail(&e);
}

static const struct cmd secret_commands[] = {
	{"list", secret_list, "list the secrets"},
	{"get", secret_get, "show one secret (never its value)"},
	{"create", secret_create, "create a secret; the value comes from stdin"},
	{"delete", secret_delete, "delete a secret"},
};

int cmd_koyeb_secret(int argc, const char **argv)
{
	return cmd_dispatch("koyeb secret", secret_commands,
			    sizeof(secret_commands) / sizeof(secret_commands[0]), argc, argv);
}
