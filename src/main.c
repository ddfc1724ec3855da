/*
 * main.c - duckdb-spawn's entry point: the command table and what every command shares.
 *
 * The top level knows only command names; each command (src/cmd/) parses its own flags with
 * the shared parser and calls into the library. Groups (image, koyeb) dispatch again with
 * cmd_dispatch() from their own tables.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "cmd.h"

static const struct cmd commands[] = {
	{"health", cmd_health, "probe a running server's /health (container health checks)"},
	{"image", cmd_image, "container images: check REF (can a platform pull it, and if not why)"},
	{"koyeb", cmd_koyeb, "Koyeb: secrets, apps, services, one idempotent deploy, status"},
	{"serve", cmd_serve, "serve the data-product API (DuckDB over HTTP)"},
	{"version", cmd_version, "print the version of duckdb-spawn and of DuckDB"},
};

static void print_usage(FILE *f, const char *group, const struct cmd *table, size_t n)
{
	size_t i;

	fprintf(f, "usage: " DS_NAME "%s%s <command> [<options>]\n\n", group ? " " : "",
		group ? group : "");
	fprintf(f, "commands:\n");
	for (i = 0; i < n; i++)
		fprintf(f, "    %-12s%s\n", table[i].name, table[i].help);
	fprintf(f, "\nsee '" DS_NAME " %s%s<command> --help' for a command's options\n",
		group ? group : "", group ? " " : "");
}

int cmd_dispatch(const char *group, const struct cmd *table, size_t n, int argc,
		 const char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr, group, table, n);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		print_usage(stdout, group, table, n);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], table[i].name))
			return table[i].fn(argc - 1, argv + 1);
	fprintf(stderr, DS_NAME "%s%s: '%s' is not a command\n", group ? " " : "", group ? group : "",
		argv[1]);
	print_usage(stderr, group, table, n);
	return EXIT_USAGE;
}

int cmd_parse(int argc, const char **argv, const struct ds_option *opts, const char *name,
	      const char *usage, int *exit_code)
{
	struct ds_error e = DS_ERROR_INIT;
	struct ds_buf help = DS_BUF_INIT(0);
	char line[512];
	int n;

	n = ds_opt_parse(argc, argv, opts, &e);
	if (n >= 0)
		return n;
	if (n == DS_OPT_HELP_REQUESTED) {
		/* Each usage line is prefixed with the full command name. */
		const char *u = usage;
		struct ds_buf full = DS_BUF_INIT(0);

		while (u && *u) {
			const char *nl = strchr(u, '\n');
			size_t len = nl ? (size_t)(nl - u) : strlen(u);

			ds_buf_addf(&full, "%s" DS_NAME " %s %.*s", full.len ? "\n" : "", name,
				    (int)len, u);
			u = nl ? nl + 1 : NULL;
		}
		ds_opt_usage(&help, ds_buf_str(&full), opts);
		fputs(ds_buf_str(&help), stdout);
		ds_buf_release(&full);
		ds_buf_release(&help);
		*exit_code = EXIT_OK;
		return -1;
	}
	snprintf(line, sizeof(line), "%s", ds_error_msg(&e));
	*exit_code = cmd_usage_error(name, "%s", line);
	return -1;
}

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, DS_NAME " %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee '" DS_NAME " %s --help'\n", name);
	return EXIT_USAGE;
}

int cmd_error(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE_;
}

int main(int argc, char **argv)
{
	const char **av = (const char **)argv;
	size_t n = sizeof(commands) / sizeof(commands[0]);

	/* A closed pipe or peer is an error to report (EPIPE), not a reason to die. */
	signal(SIGPIPE, SIG_IGN);

	if (argc >= 2 && !strcmp(argv[1], "--version"))
		return cmd_version(1, av + 1);
	return cmd_dispatch(NULL, commands, n, argc, av);
}
