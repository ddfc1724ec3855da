/*
 * registry-flags.c - shared registry flags; see registry-flags.h.
 */
#include "registry-flags.h"

#include <string.h>

#include "cmd.h"

#define PASSWORD_MAX (64 * 1024)

int cmd_registry_flags_finish(struct cmd_registry_flags *f, const char *name, int *code)
{
	struct ds_error e = DS_ERROR_INIT;
	size_t i;

	if (f->password_stdin && !f->username) {
		*code = cmd_usage_error(name, "--password-stdin needs --username");
		return -1;
	}
	if (f->username && !f->password_stdin) {
		*code = cmd_usage_error(name, "--username needs --password-stdin (a password is "
					      "never taken from the command line)");
		return -1;
	}
	if (f->password_stdin && ds_secret_read_fd(&f->password, 0, PASSWORD_MAX, &e)) {
		*code = cmd_usage_error(name, "--password-stdin: %s", ds_error_msg(&e));
		return -1;
	}
	if (f->endpoint_args.n > CMD_REGISTRY_ENDPOINTS_MAX) {
		*code = cmd_usage_error(name, "at most %d --endpoint", CMD_REGISTRY_ENDPOINTS_MAX);
		return -1;
	}
	for (i = 0; i < f->endpoint_args.n; i++) {
		char *arg = f->endpoint_args.items[i], *eq = strchr(arg, '=');

		if (!eq || eq == arg || strncmp(eq + 1, "http", 4)) {
			*code = cmd_usage_error(name,
						"--endpoint '%s': expected DOMAIN=http(s)://HOST[:PORT]",
						arg);
			return -1;
		}
		*eq = '\0';
		f->endpoints[i].domain = arg;
		f->endpoints[i].url = eq + 1;
	}
	f->nendpoints = f->endpoint_args.n;
	return 0;
}

void cmd_registry_flags_release(struct cmd_registry_flags *f)
{
	ds_secret_release(&f->password);
	ds_strlist_release(&f->endpoint_args);
}
