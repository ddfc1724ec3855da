/*
 * cmd/koyeb.c - `duckdb-spawn koyeb ...`: the group's dispatcher and what its subcommands
 * share (koyeb-common.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "build_info.h"
#include "koyeb-common.h"
#include "koyeb/secret.h"

static const struct cmd koyeb_commands[] = {
	{"secret", cmd_koyeb_secret, "registry secrets: list, get, create, delete"},
	{"app", cmd_koyeb_app, "apps: list, get, create, delete"},
	{"service", cmd_koyeb_service, "services: list, get, create, update, delete"},
	{"deploy", cmd_koyeb_deploy, "one idempotent reconcile: image, secret, app, service"},
	{"status", cmd_koyeb_status, "an app's services, their latest deployment and why"},
};

int cmd_koyeb(int argc, const char **argv)
{
	return cmd_dispatch("koyeb", koyeb_commands, sizeof(koyeb_commands) / sizeof(koyeb_commands[0]),
			    argc, argv);
}

/* --- the client, errors, output ----------------------------------------------------------- */

int koyeb_cmd_client(struct koyeb_client *c, const char *token_file)
{
	struct koyeb_options o = {0};
	struct ds_error e = DS_ERROR_INIT;

	o.token_file = token_file;
	if (koyeb_client_init(c, &o, &e))
		return koyeb_cmd_fail(&e);
	return 0;
}

const char *koyeb_cmd_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

int koyeb_cmd_fail(const struct ds_error *e)
{
	enum koyeb_outcome o = koyeb_outcome_of_error(e);

	fprintf(stderr, "error: %s\n", ds_error_msg(e));
	return koyeb_outcome_exit_code(o);
}

int koyeb_cmd_print_json(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2)) : NULL;

	json_decref(v);
	if (!s)
		return cmd_error("out of memory");
	puts(s);
	free(s);
	return EXIT_OK;
}

int koyeb_cmd_read_stdin(struct ds_secret *s, const char *name)
{
	struct ds_error e = DS_ERROR_INIT;

	if (isatty(0))
		fprintf(stderr, "reading the secret value from stdin (end with Ctrl-D)\n");
	if (ds_secret_read_fd(s, 0, 64 * 1024, &e))
		return cmd_usage_error(name, "--value-from-stdin: %s", ds_error_msg(&e));
	return 0;
}

void koyeb_split_app_service(const char *arg, const char **app, const char **svc, char *buf,
			     size_t n)
{
	const char *slash = arg ? strchr(arg, '/') : NULL;

	*svc = arg;
	if (!slash || *app)
		return;
	snprintf(buf, n, "%.*s", (int)(slash - arg), arg);
	*app = buf;
	*svc = slash + 1;
}

void koyeb_progress_init(struct koyeb_progress_out *p, int quiet)
{
	p->tty = isatty(2);
	p->quiet = quiet;
	p->open_line = 0;
}

void koyeb_progress_print(void *ctx, const struct koyeb_progress *p)
{
	struct koyeb_progress_out *o = ctx;
	long s = p->elapsed_ms / 1000;

	if (o->quiet)
		return;
	if (o->tty && !strcmp(p->step, "deployment")) {
		/* One line that updates in place while the deployment moves. */
		fprintf(stderr, "\r\033[K[%3lds] %s", s, p->message);
		o->open_line = 1;
		return;
	}
	if (o->open_line) {
		fputc('\n', stderr);
		o->open_line = 0;
	}
	fprintf(stderr, "[%3lds] %s%s%s\n", s, p->step, p->warning ? ": warning: " : ": ",
		p->message);
}

void koyeb_progress_end(struct koyeb_progress_out *p)
{
	if (p->open_line)
		fputc('\n', stderr);
	p->open_line = 0;
}

void koyeb_print_report(FILE *f, const struct koyeb_deployment_report *r)
{
	size_t i;

	for (i = 0; i < r->messages.n; i++)
		fprintf(f, "  message:  %s\n", r->messages.items[i]);
	for (i = 0; i < r->stages.n; i++)
		fprintf(f, "  stage:    %s\n", r->stages.items[i]);
	for (i = 0; i < r->instances.n; i++)
		fprintf(f, "  instance: %s\n", r->instances.items[i]);
	for (i = 0; i < r->events.n; i++)
		fprintf(f, "  event:    %s\n", r->events.items[i]);
}

const char **koyeb_argv_copy(int argc, const char **argv)
{
	const char **copy = calloc((size_t)argc + 1, sizeof(*copy));
	int i;

	for (i = 0; copy && i < argc; i++)
		copy[i] = argv[i];
	return copy;
}

/* --- the seed guide's flags --------------------------------------------------------------- */

void koyeb_seed_flags_release(struct koyeb_seed_flags *f)
{
	free(f->auth_user);
	free(f->registry_server);
	f->auth_user = NULL;
	f->registry_server = NULL;
}

int koyeb_seed_cb(const struct ds_option *o, const char *arg, struct ds_error *e)
{
	struct koyeb_seed_flags *f = o->value;

	if (!strcmp(o->long_name, "docker-registry-auth")) {
		const char *colon = strchr(arg, ':');

		/* Keep the user, never the password. */
		f->registry_auth = 1;
		free(f->auth_user);
		f->auth_user = colon ? strndup(arg, (size_t)(colon - arg)) : NULL;
	} else if (!strcmp(o->long_name, "docker-registry-server")) {
		free(f->registry_server);
		f->registry_server = strdup(arg);
	} else if (!strcmp(o->long_name, "value")) {
		f->value_in_argv = 1;
	} else if (!strcmp(o->long_name, "token")) {
		f->token_in_argv = 1;
	}
	return 0;
}

int koyeb_type_cb(const struct ds_option *o, const char *arg, struct ds_error *e)
{
	struct koyeb_seed_flags *f = o->value;

	if (!strcmp(arg, "registry")) {
		f->type_registry = 1;
		return 0;
	}
	if (f->type_out)
		*f->type_out = arg;
	return 0;
}

static void add_quoted(struct ds_buf *b, const char *s)
{
	const char *p;
	int plain = *s != '\0';

	for (p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_./:=@%+,-", *p)))
			plain = 0;
	ds_buf_addch(b, ' ');
	if (plain) {
		ds_buf_addstr(b, s);
		return;
	}
	ds_buf_addch(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			ds_buf_addstr(b, "'\\''");
		else
			ds_buf_addch(b, *p);
	}
	ds_buf_addch(b, '\'');
}

/* Whether arg is --name or --name=..., and if it takes its value from the next arg. */
static int is_flag(const char *arg, const char *name, int *next)
{
	size_t n = strlen(name);

	if (strncmp(arg, "--", 2) || strncmp(arg + 2, name, n))
		return 0;
	if (arg[2 + n] == '\0') {
		*next = 1;
		return 1;
	}
	if (arg[2 + n] == '=') {
		*next = 0;
		return 1;
	}
	return 0;
}

/* Append argv[1..argc) to b without the flags in drop (and their values). */
static void add_args(struct ds_buf *b, int argc, const char *const *argv, const char *const *drop,
		     const char *const *drop_bool)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *const *d;
		int next = 0, dropped = 0;

		for (d = drop; *d && !dropped; d++)
			if (is_flag(argv[i], *d, &next))
				dropped = 1;
		if (dropped) {
			if (next)
				i++;
			continue;
		}
		for (d = drop_bool; *d && !dropped; d++)
			if (is_flag(argv[i], *d, &next))
				dropped = 1;
		if (dropped)
			continue;
		add_quoted(b, argv[i]);
	}
}

static int has_flag(int argc, const char *const *argv, const char *name)
{
	int i, next;

	for (i = 1; i < argc; i++)
		if (is_flag(argv[i], name, &next))
			return 1;
	return 0;
}

int koyeb_seed_explain(const char *name, int argc, const char *const *argv,
		       const struct koyeb_seed_flags *f, enum koyeb_rewrite_kind kind,
		       const char *secret_name)
{
	static const char *const drop_secret[] = {"docker-registry-auth", "docker-registry-server",
						  "value", "token", "type", "registry-username",
						  "registry-url", "registry-name", NULL};
	static const char *const drop_deploy[] = {"docker-registry-auth", "docker-registry-server",
						  "value", "token", "secret-type",
						  "registry-username", "registry-url",
						  "registry-name", NULL};
	static const char *const drop_service[] = {"docker-registry-auth",
						   "docker-registry-server", "value", "token", NULL};
	static const char *const drop_bool[] = {"value-from-stdin", NULL};
	static const char *const none[] = {NULL};
	const struct koyeb_secret_type *t;
	struct ds_buf b = DS_BUF_INIT(0);
	int registry = f->registry_auth || f->registry_server || f->type_registry;
	char proposed[160], host[128] = "", regname[128] = "";
	const char *user = f->auth_user && *f->auth_user ? f->auth_user : "USER";
	const char *sname = secret_name;
	size_t i;

	if (!registry && !f->value_in_argv && !f->token_in_argv)
		return 0;

	fprintf(stderr, DS_NAME " %s: these flags are not koyeb CLI flags:\n", name);
	if (f->registry_auth)
		fprintf(stderr, "  --docker-registry-auth: no such flag, and it would put the "
				"password in argv (visible in ps and shell history); registry "
				"credentials live in a registry secret: --registry-username USER, "
				"and the password on stdin with --value-from-stdin\n");
	if (f->registry_server)
		fprintf(stderr, "  --docker-registry-server: no such flag; the registry follows "
				"from the secret's --type (registry-dockerhub, registry-github, ...), "
				"and a private registry is --type registry-private --registry-url "
				"HOST\n");
	if (f->type_registry)
		fprintf(stderr, "  --type=registry: not a type; registry secrets are %s\n",
			koyeb_secret_type_names());
	if (f->value_in_argv)
		fprintf(stderr, "  --value: would put the secret in argv; pipe it to "
				"--value-from-stdin instead\n");
	if (f->token_in_argv)
		fprintf(stderr, "  --token: would put the API token in argv; set KOYEB_TOKEN or "
				"pass --token-file FILE\n");

	if (f->registry_server) {
		snprintf(host, sizeof(host), "%s", f->registry_server);
		/* "https://ghcr.io/" -> "ghcr.io" */
		if (strstr(host, "://"))
			memmove(host, strstr(host, "://") + 3, strlen(strstr(host, "://") + 3) + 1);
		if (strchr(host, '/'))
			*strchr(host, '/') = '\0';
	}
	t = koyeb_secret_type_for_domain(host[0] ? host : NULL);
	if (t && (t->needs & KOYEB_NEEDS_REGISTRY_NAME) && strchr(host, '.'))
		snprintf(regname, sizeof(regname), "%.*s", (int)(strchr(host, '.') - host), host);
	if (!sname) {
		snprintf(proposed, sizeof(proposed), "%s-registry", host[0] ? host : "dockerhub");
		for (i = 0; proposed[i]; i++)
			if (!isalnum((unsigned char)proposed[i]))
				proposed[i] = '-';
			else
				proposed[i] = (char)tolower((unsigned char)proposed[i]);
		sname = proposed;
	}

	fprintf(stderr, "run instead:\n");
	if (kind == KOYEB_REWRITE_SECRET || kind == KOYEB_REWRITE_SERVICE || !registry) {
		int secret_cmd = kind == KOYEB_REWRITE_SECRET ||
				 (kind == KOYEB_REWRITE_SERVICE && registry);

		if (secret_cmd) {
			ds_buf_addstr(&b, registry ? "  printf '%s' \"$REGISTRY_PASSWORD\" | " DS_NAME
						     " koyeb secret create"
						   : "  printf '%s' \"$SECRET_VALUE\" | " DS_NAME
						     " koyeb secret create");
			if (kind == KOYEB_REWRITE_SECRET)
				add_args(&b, argc, argv, registry ? drop_secret : drop_service,
					 drop_bool);
			else
				add_quoted(&b, sname);
			if (registry) {
				ds_buf_addf(&b, " --type %s", t->name);
				if (t->needs & KOYEB_NEEDS_URL)
					add_quoted(&b, "--registry-url"), add_quoted(&b, host[0] ? host : "HOST");
				if (t->needs & KOYEB_NEEDS_REGISTRY_NAME)
					add_quoted(&b, "--registry-name"),
						add_quoted(&b, regname[0] ? regname : "NAME");
				ds_buf_addstr(&b, " --registry-username");
				add_quoted(&b, user);
			}
			ds_buf_addstr(&b, " --value-from-stdin");
			fprintf(stderr, "%s\n", ds_buf_str(&b));
			ds_buf_reset(&b);
		}
		if (kind == KOYEB_REWRITE_SERVICE || (kind == KOYEB_REWRITE_DEPLOY && !registry)) {
			ds_buf_addf(&b, "  " DS_NAME " %s", name);
			add_args(&b, argc, argv, drop_service, none);
			if (registry && !has_flag(argc, argv, "docker-private-registry-secret")) {
				ds_buf_addstr(&b, " --docker-private-registry-secret");
				add_quoted(&b, sname);
			}
			fprintf(stderr, "%s\n", ds_buf_str(&b));
		}
	} else {
		ds_buf_addf(&b, "  printf '%%s' \"$REGISTRY_PASSWORD\" | " DS_NAME " %s", name);
		add_args(&b, argc, argv, drop_deploy, drop_bool);
		if (!has_flag(argc, argv, "docker-private-registry-secret")) {
			ds_buf_addstr(&b, " --docker-private-registry-secret");
			add_quoted(&b, sname);
		}
		ds_buf_addf(&b, " --secret-type %s", t->name);
		if (t->needs & KOYEB_NEEDS_URL)
			add_quoted(&b, "--registry-url"), add_quoted(&b, host[0] ? host : "HOST");
		if (t->needs & KOYEB_NEEDS_REGISTRY_NAME)
			add_quoted(&b, "--registry-name"), add_quoted(&b, regname[0] ? regname : "NAME");
		ds_buf_addstr(&b, " --registry-username");
		add_quoted(&b, user);
		ds_buf_addstr(&b, " --value-from-stdin");
		fprintf(stderr, "%s\n", ds_buf_str(&b));
	}
	if (f->token_in_argv)
		fprintf(stderr, "  (with KOYEB_TOKEN set in the environment, or --token-file FILE)\n");
	ds_buf_release(&b);
	return EXIT_USAGE;
}

/* --- service flags, waiting --------------------------------------------------------------- */

void koyeb_service_flags_spec(struct koyeb_service_flags *f, struct koyeb_service_spec *s)
{
	s->image = f->image;
	s->registry_secret = f->secret;
	s->env = &f->env;
	s->ports = &f->ports;
	s->routes = &f->routes;
	s->checks = &f->checks;
	s->volumes = &f->volumes;
	s->regions = &f->regions;
	s->instance_type = f->instance_type;
	s->type = f->type;
	s->min_scale = f->min_scale;
	s->max_scale = f->max_scale;
}

void koyeb_service_flags_release(struct koyeb_service_flags *f)
{
	ds_strlist_release(&f->env);
	ds_strlist_release(&f->ports);
	ds_strlist_release(&f->routes);
	ds_strlist_release(&f->checks);
	ds_strlist_release(&f->volumes);
	ds_strlist_release(&f->regions);
	koyeb_seed_flags_release(&f->seed);
}

int koyeb_cmd_wait(struct koyeb_client *c, const char *id, long timeout_ms, long poll_ms,
		   int json)
{
	struct koyeb_progress_out po;
	struct koyeb_follow_opts fo = {0};
	struct koyeb_deployment_report r;
	struct ds_error e = DS_ERROR_INIT;
	json_t *dep = NULL;
	int timed_out = 0, code;
	enum koyeb_deployment_state st;

	koyeb_progress_init(&po, 0);
	fo.timeout_ms = timeout_ms;
	fo.poll_ms = poll_ms;
	fo.progress = koyeb_progress_print;
	fo.progress_ctx = &po;
	if (koyeb_deployment_follow(c, id, &fo, &dep, &timed_out, &e)) {
		koyeb_progress_end(&po);
		return koyeb_cmd_fail(&e);
	}
	koyeb_progress_end(&po);
	st = koyeb_deployment_state_of(json_string_value(json_object_get(dep, "status")));
	code = st == KOYEB_DEPLOYMENT_HEALTHY ? koyeb_outcome_exit_code(KOYEB_OUTCOME_OK)
	       : timed_out			? koyeb_outcome_exit_code(KOYEB_OUTCOME_TIMEOUT)
						: koyeb_outcome_exit_code(KOYEB_OUTCOME_DEPLOY_FAILED);
	koyeb_deployment_report_init(&r);
	if (st != KOYEB_DEPLOYMENT_HEALTHY && koyeb_deployment_report(c, dep, &r, &e))
		ds_strlist_add(&r.events, ds_error_msg(&e));
	if (json) {
		json_t *o = st == KOYEB_DEPLOYMENT_HEALTHY
				    ? json_pack("{s:s, s:O}", "id", id, "status",
						json_object_get(dep, "status"))
				    : koyeb_deployment_report_json(&r);

		json_object_set_new(o, "exit_code", json_integer(code));
		json_object_set_new(o, "timed_out", json_boolean(timed_out));
		koyeb_cmd_print_json(o);
	} else if (st == KOYEB_DEPLOYMENT_HEALTHY) {
		printf("deployment %s is HEALTHY\n", id);
	} else {
		printf("deployment %s %s %s\n", id, timed_out ? "is still" : "ended",
		       json_string_value(json_object_get(dep, "status")));
		koyeb_print_report(stdout, &r);
	}
	koyeb_deployment_report_release(&r);
	json_decref(dep);
	return code;
}
