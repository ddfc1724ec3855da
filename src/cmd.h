/*
 * cmd.h - the commands duckdb-spawn runs, and what they share.
 *
 * src/ is the tool: it turns argv into a call of one library entry point and renders the
 * result (text, or JSON with --json) with an exit code. It holds no logic a test would want
 * to call on its own; that lives in lib/. Only src/ writes to stdout or exits.
 *
 * Exit codes (docs/cli/exit-codes.md): 0 success, 1 the operation failed, 2 bad usage;
 * `image check` maps each verdict class to its own code (registry/verdict.h).
 *
 * To add a command:
 *   1. write src/cmd/<name>.c with int cmd_<name>(int argc, const char **argv), parsing its
 *      flags with cmd_parse() from a ds_option table (lib/core/opt.h);
 *   2. declare it below and add a row to the table in src/main.c (or to its group's table:
 *      image, koyeb);
 *   3. document it in docs/cli/<name>.md: every flag --help shows, a meta test checks;
 *   4. test it through the real binary under tests/integration/.
 */
#ifndef DS_CMD_H
#define DS_CMD_H

#include <stddef.h>

#include "core/opt.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,
	EXIT_USAGE = 2,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *help;
};

/* Run the subcommand named by argv[1] from table; prints the group's usage on a miss.
 * argv[0] is the group's own name ("image"). */
int cmd_dispatch(const char *group, const struct cmd *table, size_t n, int argc,
		 const char **argv);

/*
 * Parse a command's options. Returns the number of positional arguments (moved to
 * argv[0..n)), or -1 with *exit_code set: 0 after printing --help to stdout, EXIT_USAGE after
 * printing the error and a pointer to --help on stderr. name is the full command ("image
 * check"), usage the part after it.
 */
int cmd_parse(int argc, const char **argv, const struct ds_option *opts, const char *name,
	      const char *usage, int *exit_code);

/* "duckdb-spawn <name>: <message>" on stderr, then "see 'duckdb-spawn <name> --help'";
 * returns EXIT_USAGE. */
int cmd_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "error: <message>" on stderr; returns EXIT_FAILURE_. */
int cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_serve(int argc, const char **argv);
int cmd_version(int argc, const char **argv);

/* image group (cmd/image.c) and its subcommands. */
int cmd_image(int argc, const char **argv);
int cmd_image_check(int argc, const char **argv);

/* koyeb group (cmd/koyeb.c; its subcommands are in cmd/koyeb-*.c, see cmd/koyeb-common.h). */
int cmd_koyeb(int argc, const char **argv);

int cmd_health(int argc, const char **argv);
int cmd_image_build(int argc, const char **argv);
int cmd_image_push(int argc, const char **argv);

struct cmd_registry_flags;
struct ds_strlist;
/* Push the image of layout (its ref.name from_tag, or the only one) to each of refs; shared
 * by image push and image build --push (cmd/image-push.c). Returns an exit code. */
int cmd_image_push_layout(const char *layout, const char *from_tag, const char *const *refs,
			  int nrefs, struct cmd_registry_flags *rf, const struct ds_strlist *mounts,
			  int json, int quiet);

#endif
