/*
 * cmd/koyeb-deploy.c - `duckdb-spawn koyeb deploy`: flags in, koyeb_deploy() (lib/koyeb/
 * deploy.h) does the reconcile, the result out as text or --json, the exit code from the
 * outcome table.
 */
#include <stdlib.h>
#include <string.h>

#include "koyeb-common.h"
#include "koyeb/deploy.h"

static void print_verdict(const char *label, const struct koyeb_verdict *v)
{
	if (!v->ran) {
		printf("  %-11s not checked (%s)\n", label, v->why_not ? v->why_not : "skipped");
		return;
	}
	printf("  %-11s %-20s %s\n", label, v->code ? v->code : "?", v->summary ? v->summary : "");
}

static void render(const struct koyeb_deploy_result *r)
{
	size_t i;

	printf("%s: %s\n", koyeb_outcome_name(r->outcome), r->message ? r->message : "");
	for (i = 0; i < r->lint.n; i++) {
		const struct koyeb_lint_finding *f = &r->lint.items[i];

		printf("  %s: %s: %s\n", f->level == KOYEB_LINT_ERROR ? "error" : "warning",
		       f->subject, f->message);
		if (f->fix)
			printf("    fix: %s\n", f->fix);
	}
	if (r->outcome == KOYEB_OUTCOME_IMAGE) {
		print_verdict("from here:", &r->local);
		print_verdict("by Koyeb:", &r->koyeb);
		for (i = 0; i < r->local.evidence.n; i++)
			printf("  evidence: %s\n", r->local.evidence.items[i]);
	}
	if (r->action) {
		printf("  action:   %s%s%s\n", r->action, r->app_created ? ", app created" : "",
		       r->secret_created ? ", secret created" : "");
	}
	for (i = 0; i < r->changes.n; i++)
		printf("  change:   %s\n", r->changes.items[i]);
	if (r->report.id)
		koyeb_print_report(stdout, &r->report);
	if (r->fix)
		printf("  fix: %s\n", r->fix);
	if (r->outcome == KOYEB_OUTCOME_OK && r->url)
		printf("  url:      %s\n", r->url);
	printf("  requests: %lu (%lu changing)\n", r->calls, r->mutations);
}

int cmd_koyeb_deploy(int argc, const char **argv)
{
	const char *token_file = NULL, *app = NULL, *service = NULL, *secret_type = NULL;
	const char *reg_user = NULL, *reg_url = NULL, *reg_name = NULL, *ca_file = NULL;
	const char **typed = koyeb_argv_copy(argc, argv);
	int json = 0, wait = 1, from_stdin = 0, skip_doctor = 0, allow_unknown = 0, quiet = 0;
	int code, n, have_client = 0;
	long wait_ms = 10L * 60 * 1000, poll_ms = 0;
	struct koyeb_service_flags f = KOYEB_SERVICE_FLAGS_INIT(f);
	struct koyeb_deploy_opts o;
	struct koyeb_deploy_result r;
	struct koyeb_secret_spec secret = {0};
	struct ds_secret value = DS_SECRET_INIT;
	struct koyeb_progress_out po;
	struct koyeb_client c;
	const struct ds_option opts[] = {
		DS_OPT_GROUP("what to deploy"),
		DS_OPT_STRING(0, "app", &app, "APP", "the app (created when missing)"),
		DS_OPT_STRING(0, "service", &service, "NAME",
			      "the service (created when missing, updated when different)"),
		KOYEB_SERVICE_OPTIONS(&f),
		DS_OPT_GROUP("the registry secret, created when missing"),
		DS_OPT_STRING(0, "secret-type", &secret_type, "TYPE",
			      "registry-dockerhub, registry-private, registry-github, ..."),
		DS_OPT_STRING(0, "registry-username", &reg_user, "USER", "the registry user"),
		DS_OPT_STRING(0, "registry-url", &reg_url, "HOST",
			      "the registry (registry-private, registry-gcp)"),
		DS_OPT_STRING(0, "registry-name", &reg_name, "NAME",
			      "the Azure registry name (registry-azure)"),
		DS_OPT_BOOL(0, "value-from-stdin", &from_stdin,
			    "read the registry password or token from stdin"),
		DS_OPT_GROUP("checks and waiting"),
		DS_OPT_BOOL(0, "wait", &wait,
			    "follow the deployment until HEALTHY or failed (default; --no-wait)"),
		DS_OPT_DURATION(0, "wait-timeout", &wait_ms, "give up waiting after this (default 10m)"),
		DS_OPT_DURATION(0, "poll-interval", &poll_ms,
				"time between two looks at the deployment (default 2s)"),
		DS_OPT_BOOL(0, "skip-image-check", &skip_doctor,
			    "do not run the image doctor here (Koyeb still verifies the image)"),
		DS_OPT_STRING(0, "ca-file", &ca_file, "PEM",
			      "CA bundle the doctor trusts for the registry"),
		DS_OPT_BOOL(0, "allow-unknown-names", &allow_unknown,
			    "accept instance types and regions this build does not know"),
		DS_OPT_GROUP("output"),
		DS_OPT_BOOL(0, "json", &json, "print the result as one JSON object"),
		DS_OPT_BOOL('q', "quiet", &quiet, "no progress on stderr"),
		KOYEB_TOKEN_FILE_OPTION(&token_file),
		KOYEB_SEED_OPTIONS(&f.seed),
		DS_OPT_END(),
	};

	koyeb_deploy_result_init(&r);
	n = cmd_parse(argc, argv, opts, "koyeb deploy",
		      "--app APP --service NAME --docker IMAGE [service flags]", &code);
	if (n < 0)
		goto out;
	code = koyeb_seed_explain("koyeb deploy", argc, typed, &f.seed, KOYEB_REWRITE_DEPLOY,
				  f.secret);
	if (code)
		goto out;
	if (f.seed.type_registry) {
		code = cmd_usage_error("koyeb deploy",
				       "--type is the service's (web or worker); a registry secret's "
				       "type is --secret-type");
		goto out;
	}
	if (n) {
		code = cmd_usage_error("koyeb deploy", "unexpected argument '%s'", argv[0]);
		goto out;
	}
	if (!app || !service || !f.image) {
		code = cmd_usage_error("koyeb deploy", "--app, --service and --docker are required");
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.service = (struct koyeb_service_spec)KOYEB_SERVICE_SPEC_INIT;
	koyeb_service_flags_spec(&f, &o.service);
	o.service.app = app;
	o.service.name = service;
	if (secret_type || reg_user || from_stdin) {
		secret.name = f.secret;
		secret.type = koyeb_secret_type_find(secret_type);
		if (!secret.type) {
			code = cmd_usage_error("koyeb deploy", "--secret-type %s%s%s: one of %s",
					       secret_type ? "'" : "is required with registry "
								   "credentials",
					       secret_type ? secret_type : "", secret_type ? "'" : "",
					       koyeb_secret_type_names());
			goto out;
		}
		if (!from_stdin) {
			code = cmd_usage_error("koyeb deploy",
					       "the registry password goes on stdin: add "
					       "--value-from-stdin");
			goto out;
		}
		if ((code = koyeb_cmd_read_stdin(&value, "koyeb deploy")))
			goto out;
		secret.username = reg_user;
		secret.url = reg_url;
		secret.registry_name = reg_name;
		secret.value = &value;
		o.secret = &secret;
	}
	o.flags = (wait ? 0 : KOYEB_DEPLOY_NO_WAIT) | (skip_doctor ? KOYEB_DEPLOY_SKIP_DOCTOR : 0) |
		  (allow_unknown ? KOYEB_DEPLOY_ALLOW_UNKNOWN_NAMES : 0);
	o.doctor.ca_file = ca_file;
	o.follow.timeout_ms = wait_ms;
	o.follow.poll_ms = poll_ms;
	koyeb_progress_init(&po, quiet);
	o.follow.progress = koyeb_progress_print;
	o.follow.progress_ctx = &po;

	/* The flags and the foot-guns first: they need no token and no call. */
	code = koyeb_deploy_check(&o, &r);
	if (code) {
		koyeb_progress_end(&po);
		if (json)
			koyeb_cmd_print_json(koyeb_deploy_result_json(&r));
		else
			render(&r);
		goto out;
	}
	if ((code = koyeb_cmd_client(&c, token_file)))
		goto out;
	have_client = 1;
	code = koyeb_deploy(&c, &o, &r);
	koyeb_progress_end(&po);
	if (json)
		koyeb_cmd_print_json(koyeb_deploy_result_json(&r));
	else
		render(&r);
out:
	if (have_client)
		koyeb_client_release(&c);
	koyeb_deploy_result_release(&r);
	koyeb_service_flags_release(&f);
	ds_secret_release(&value);
	free(typed);
	return code;
}
