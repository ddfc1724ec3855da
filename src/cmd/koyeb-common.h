/*
 * cmd/koyeb-common.h - what the koyeb subcommands share (src/cmd/koyeb.c): the client from
 * the environment or --token-file, error rendering with the outcome's exit code, and the
 * flags of the seed guide that the koyeb CLI never had.
 *
 * Those flags (--docker-registry-auth=user:pass, --docker-registry-server, --type=registry,
 * and --value/--token that would put a secret in argv) are accepted only to be explained:
 * the command stops with the right flags and the whole command rewritten. A password seen
 * in one of them is never kept, printed or logged.
 */
#ifndef DS_CMD_KOYEB_COMMON_H
#define DS_CMD_KOYEB_COMMON_H

#include <stdio.h>

#include "cmd.h"
#include "core/error.h"
#include "core/strlist.h"
#include "koyeb/client.h"
#include "koyeb/deploy.h"

/* Where the wrong flags' callbacks record what they saw (never a password). */
struct koyeb_seed_flags {
	int registry_auth;     /* --docker-registry-auth given */
	char *auth_user;       /* the part before ':' */
	char *registry_server; /* --docker-registry-server */
	int type_registry;     /* --type=registry */
	int value_in_argv;     /* --value */
	int token_in_argv;     /* --token */
	const char **type_out; /* where a valid --type value goes */
};

void koyeb_seed_flags_release(struct koyeb_seed_flags *f);

/* Hidden options (no help text) for the seed guide's flags, writing into f. */
#define KOYEB_SEED_OPTIONS(f)                                                                 \
	DS_OPT_CALLBACK(0, "docker-registry-auth", (f), "USER:PASS", NULL, koyeb_seed_cb, 0), \
	DS_OPT_CALLBACK(0, "docker-registry-server", (f), "HOST", NULL, koyeb_seed_cb, 0),    \
	DS_OPT_CALLBACK(0, "value", (f), "VALUE", NULL, koyeb_seed_cb, 0),                    \
	DS_OPT_CALLBACK(0, "token", (f), "TOKEN", NULL, koyeb_seed_cb, 0)

int koyeb_seed_cb(const struct ds_option *o, const char *arg, struct ds_error *e);
/* --type: stored through f->type_out, and "registry" is recorded as the seed's flag. */
int koyeb_type_cb(const struct ds_option *o, const char *arg, struct ds_error *e);

enum koyeb_rewrite_kind {
	KOYEB_REWRITE_SECRET,  /* secret create NAME */
	KOYEB_REWRITE_DEPLOY,  /* deploy: credentials go to the same command */
	KOYEB_REWRITE_SERVICE, /* service create/update: a secret create first */
};

/*
 * If f saw one of the seed's flags, print the explanation and the rewritten command (from
 * argv as typed, copied before parsing) on stderr and return EXIT_USAGE; else 0.
 * secret_name is the registry secret the command names (may be NULL).
 */
int koyeb_seed_explain(const char *name, int argc, const char *const *argv,
		       const struct koyeb_seed_flags *f, enum koyeb_rewrite_kind kind,
		       const char *secret_name);

/* Copy argv (pointers) so the command can be shown as typed after parsing reorders it. */
const char **koyeb_argv_copy(int argc, const char **argv);

/* --token-file, as every koyeb command spells it. */
#define KOYEB_TOKEN_FILE_OPTION(p)                                                            \
	DS_OPT_STRING(0, "token-file", (p), "FILE",                                           \
		      "read the Koyeb token from FILE (default: $KOYEB_TOKEN)")

/* o[k] as a string for rendering, "" when absent or not a string. */
const char *koyeb_cmd_str(const json_t *o, const char *k);

/* A client from KOYEB_API_URL / KOYEB_TOKEN or token_file; prints and returns the exit
 * code on failure, 0 on success. */
int koyeb_cmd_client(struct koyeb_client *c, const char *token_file);

/* "error: <message>" and the exit code of the outcome the error stands for. */
int koyeb_cmd_fail(const struct ds_error *e);

/* Print a JSON value on stdout (indented), then free it. Returns EXIT_OK or 1. */
int koyeb_cmd_print_json(json_t *v);

/* Read a secret value from stdin (--value-from-stdin). 0, or prints and returns 2. */
int koyeb_cmd_read_stdin(struct ds_secret *s, const char *name);

/* Split "APP/NAME" (koyeb CLI style) when app is not given. *app and *svc point into
 * buf (size n) or at the originals. */
void koyeb_split_app_service(const char *arg, const char **app, const char **svc, char *buf,
			     size_t n);

/* The progress callback commands pass to lib/koyeb: stderr, one updating line on a
 * terminal for deployment states. ctx: struct koyeb_progress_out. */
struct koyeb_progress_out {
	int tty;
	int quiet;
	int open_line; /* a \r line is on screen */
};
void koyeb_progress_init(struct koyeb_progress_out *p, int quiet);
void koyeb_progress_print(void *ctx, const struct koyeb_progress *p);
void koyeb_progress_end(struct koyeb_progress_out *p);

/* Render a deployment report (indented lines) on f. */
void koyeb_print_report(FILE *f, const struct koyeb_deployment_report *r);

/* The service flags shared by service create/update and deploy, named as in the koyeb CLI. */
struct koyeb_service_flags {
	const char *image, *secret, *instance_type, *type;
	long min_scale, max_scale;
	struct ds_strlist env, ports, routes, checks, volumes, regions;
	struct koyeb_seed_flags seed;
};

#define KOYEB_SERVICE_FLAGS_INIT(f)                                                              \
	{NULL, NULL, NULL, NULL, -1, -1, DS_STRLIST_INIT, DS_STRLIST_INIT, DS_STRLIST_INIT,      \
	 DS_STRLIST_INIT, DS_STRLIST_INIT, DS_STRLIST_INIT, {0, NULL, NULL, 0, 0, 0, &(f).type}}

#define KOYEB_SERVICE_OPTIONS(f)                                                                 \
	DS_OPT_STRING(0, "docker", &(f)->image, "IMAGE", "the image to run"),                    \
	DS_OPT_STRING(0, "docker-private-registry-secret", &(f)->secret, "NAME",                 \
		      "the registry secret Koyeb pulls the image with"),                         \
	DS_OPT_LIST(0, "env", &(f)->env, "KEY=VALUE",                                           \
		    "an environment variable, repeatable; KEY=@SECRET takes a secret's value"),  \
	DS_OPT_LIST(0, "ports", &(f)->ports, "PORT[:PROTOCOL]",                                  \
		    "a port to expose, http (default), http2 or tcp (default 8000:http)"),       \
	DS_OPT_LIST(0, "routes", &(f)->routes, "PATH[:PORT]",                                   \
		    "a public route to a port (default /:<first port>)"),                        \
	DS_OPT_LIST(0, "checks", &(f)->checks, "PORT[:http[:PATH]]",                            \
		    "a health check: PORT:http:/health or PORT:tcp (default: Koyeb's)"),         \
	DS_OPT_LIST(0, "volumes", &(f)->volumes, "NAME:PATH",                                   \
		    "mount an existing Koyeb volume at PATH"),                                   \
	DS_OPT_STRING(0, "instance-type", &(f)->instance_type, "TYPE",                          \
		      "the instance type (default nano)"),                                       \
	DS_OPT_LIST(0, "regions", &(f)->regions, "REGION", "a region, repeatable (default fra)"),  \
	DS_OPT_INT(0, "min-scale", &(f)->min_scale, 0, 1000, "fewest instances (default 1)"),    \
	DS_OPT_INT(0, "max-scale", &(f)->max_scale, 0, 1000,                                     \
		   "most instances (default: --min-scale)"),                                    \
	DS_OPT_CALLBACK(0, "type", &(f)->seed, "TYPE", "web (default) or worker", koyeb_type_cb, 0)

void koyeb_service_flags_spec(struct koyeb_service_flags *f, struct koyeb_service_spec *s);
void koyeb_service_flags_release(struct koyeb_service_flags *f);

/* Follow deployment id until HEALTHY or not, printing progress and, when it is not
 * HEALTHY, Koyeb's messages. Returns the exit code. */
int koyeb_cmd_wait(struct koyeb_client *c, const char *id, long timeout_ms, long poll_ms,
		   int json);

/* The subcommands. */
int cmd_koyeb_secret(int argc, const char **argv);
int cmd_koyeb_app(int argc, const char **argv);
int cmd_koyeb_service(int argc, const char **argv);
int cmd_koyeb_deploy(int argc, const char **argv);
int cmd_koyeb_status(int argc, const char **argv);

#endif
