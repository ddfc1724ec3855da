/*
 * koyeb/deploy.h - deployments, and `deploy`: one idempotent reconcile.
 *
 * koyeb_deploy() takes the desired service and converges Koyeb on it, in order:
 *
 *   1. lint (lint.h) and flag checks: nothing is asked of Koyeb if a foot-gun is found;
 *   2. the image: the registry secret's id is looked up by name, then our doctor runs here
 *      with the same credentials and Koyeb's /v1/docker-helper/verify runs with the
 *      secret; if either fails, nothing is changed and both verdicts are reported with the
 *      fix (verify.h). A secret that does not exist is created first when credentials were
 *      given, after the doctor has accepted them;
 *   3. the app (created when missing), then the service: created when missing; otherwise
 *      the desired definition is built over the current one (service.h, REPLACE) and
 *      compared with the latest deployment's. Different: one PUT. The same: no mutating
 *      call at all - the latest deployment is followed if it is still running, reported
 *      "up to date" if HEALTHY, and redeployed once if it failed (the cause may have been
 *      fixed outside the definition, a recreated secret say);
 *   4. the new deployment is followed until HEALTHY - the only success - or a state that
 *      will not become HEALTHY (ERROR, UNHEALTHY, CANCELED, STOPPED, ...), whose messages,
 *      provisioning stages, events and instance messages are gathered for the report.
 *
 * It prints nothing: progress goes to a callback, the outcome to a result struct, and the
 * exit code follows one table (KOYEB_OUTCOMES) that docs/cli/exit-codes.md mirrors.
 */
#ifndef DS_KOYEB_DEPLOY_H
#define DS_KOYEB_DEPLOY_H

#include <jansson.h>

#include "core/error.h"
#include "core/strlist.h"
#include "koyeb/client.h"
#include "koyeb/lint.h"
#include "koyeb/secret.h"
#include "koyeb/service.h"
#include "koyeb/verify.h"

/*
 * Outcomes of every koyeb command: X(NAME, exit code, meaning). IMAGE is the exception
 * whose exit code is the verdict's own (3 to 9, 1 for GENERIC), as `image check` gives it,
 * so that a script handles an unpullable image the same way whoever found it.
 */
#define KOYEB_OUTCOMES(X)                                                                        \
	X(OK, 0, "success: the deployment is HEALTHY, or already up to date")                    \
	X(FAILED, 1, "the operation failed: an API error or the network (the message says)")     \
	X(USAGE, 2, "bad usage: unknown flag or bad value, including the seed guide's flags")    \
	X(IMAGE, 3, "the image cannot be pulled: the verdict's exit code, 3 to 9 (see image check)") \
	X(LINT, 10, "a foot-gun was caught before any call; nothing was changed")                 \
	X(AUTH, 11, "no Koyeb token, or Koyeb refused it (401, 403)")                            \
	X(NOT_FOUND, 12, "the app, service, secret or volume named does not exist")               \
	X(DEPLOY_FAILED, 13, "the deployment ended in a state that is not HEALTHY (ERROR, ...)")  \
	X(TIMEOUT, 14, "the deployment was not HEALTHY within --wait-timeout")

enum koyeb_outcome {
#define KOYEB_OUTCOME_ENUM_(name, code, meaning) KOYEB_OUTCOME_##name,
	KOYEB_OUTCOMES(KOYEB_OUTCOME_ENUM_)
#undef KOYEB_OUTCOME_ENUM_
	KOYEB_OUTCOME_COUNT_
};

const char *koyeb_outcome_name(enum koyeb_outcome o); /* "OK", "DEPLOY_FAILED", ... */
int koyeb_outcome_exit_code(enum koyeb_outcome o);
const char *koyeb_outcome_meaning(enum koyeb_outcome o);
/* The outcome an error from the client stands for: AUTH, NOT_FOUND or FAILED. */
enum koyeb_outcome koyeb_outcome_of_error(const struct ds_error *e);

/* --- deployments -------------------------------------------------------------------------- */

enum koyeb_deployment_state {
	KOYEB_DEPLOYMENT_RUNNING, /* PENDING ... STARTING, and transitional *ING states */
	KOYEB_DEPLOYMENT_HEALTHY,
	KOYEB_DEPLOYMENT_FAILED,  /* ERROR, UNHEALTHY, CANCELED, STOPPED, DEGRADED, ... */
};

/* How a Deployment.Status counts. Only HEALTHY is success; a status this build does not
 * know counts as still running (the timeout ends the wait). */
enum koyeb_deployment_state koyeb_deployment_state_of(const char *status);

int koyeb_deployment_get(struct koyeb_client *c, const char *id, json_t **deployment,
			 struct ds_error *e);

struct koyeb_progress {
	const char *step;    /* "lint" "image" "secret" "app" "service" "deployment" "retry" */
	const char *message; /* one line */
	const char *status;  /* step "deployment": the status just seen */
	int warning;
	long elapsed_ms;     /* since the command started */
};

typedef void (*koyeb_progress_fn)(void *ctx, const struct koyeb_progress *p);

struct koyeb_follow_opts {
	long timeout_ms; /* 0: 10 minutes */
	long poll_ms;    /* 0: 2 s */
	koyeb_progress_fn progress;
	void *progress_ctx;
	long t0_ms;      /* the command's start, for elapsed_ms; 0: now */
};

/* Poll deployment id until it is HEALTHY or FAILED or the timeout passes. *deployment is
 * the last one read (owned); *timed_out is set when the wait ran out. -1 on API errors. */
int koyeb_deployment_follow(struct koyeb_client *c, const char *id,
			    const struct koyeb_follow_opts *o, json_t **deployment,
			    int *timed_out, struct ds_error *e);

/* Why a deployment is where it is, for the user: Koyeb's own words. */
struct koyeb_deployment_report {
	char *id, *status;
	struct ds_strlist messages;  /* the deployment's messages */
	struct ds_strlist stages;    /* "docker FAILED: <message>" */
	struct ds_strlist events;    /* oldest first: "<type>: <message>" */
	struct ds_strlist instances; /* "<region> <type> <STATUS>: <message>" and instance events */
};

void koyeb_deployment_report_init(struct koyeb_deployment_report *r);
void koyeb_deployment_report_release(struct koyeb_deployment_report *r);
/* Gather the report for deployment (borrowed): events, regional deployments, instances
 * and their events are fetched. */
int koyeb_deployment_report(struct koyeb_client *c, const json_t *deployment,
			    struct koyeb_deployment_report *r, struct ds_error *e);

/* --- deploy -------------------------------------------------------------------------------- */

enum koyeb_deploy_flags {
	KOYEB_DEPLOY_NO_WAIT = 1 << 0,       /* stop after the change is accepted */
	KOYEB_DEPLOY_SKIP_DOCTOR = 1 << 1,   /* do not run the doctor here (Koyeb still verifies) */
	KOYEB_DEPLOY_ALLOW_UNKNOWN_NAMES = 1 << 2,
};

struct koyeb_deploy_opts {
	struct koyeb_service_spec service; /* app, name, image and the service flags */
	/* Credentials to create the registry secret with when it does not exist (its name is
	 * service.registry_secret); NULL: it must exist. */
	const struct koyeb_secret_spec *secret;
	unsigned flags;
	struct koyeb_doctor_opts doctor; /* image, username, password are filled in by deploy */
	struct koyeb_follow_opts follow;
};

struct koyeb_deploy_result {
	enum koyeb_outcome outcome;
	int exit_code;
	const char *action; /* "created" "updated" "redeployed" "followed" "up-to-date", or NULL */
	char *message;      /* one line: what happened, or why it stopped */
	char *fix;          /* what to do, when it stopped */
	struct koyeb_lint lint;
	struct koyeb_verdict local, koyeb; /* the image, from here and from Koyeb */
	int secret_created, app_created;
	char *secret_id, *app_id, *service_id, *deployment_id, *status, *url;
	struct ds_strlist changes; /* what the update changes (service.h's diff lines) */
	struct koyeb_deployment_report report; /* filled when the deployment failed or timed out */
	unsigned long calls, mutations;
	long elapsed_ms;
	int checked; /* koyeb_deploy_check() ran */
};

void koyeb_deploy_result_init(struct koyeb_deploy_result *r);
void koyeb_deploy_result_release(struct koyeb_deploy_result *r);

/* Step 1 alone, which needs no client (nor a token): the flags and the lint. 0 to go on,
 * else r->exit_code with r filled. koyeb_deploy() runs it unless it ran on r already. */
int koyeb_deploy_check(const struct koyeb_deploy_opts *o, struct koyeb_deploy_result *r);

/* Converge; returns r->exit_code (every failure is an outcome in r, with its message). */
int koyeb_deploy(struct koyeb_client *c, const struct koyeb_deploy_opts *o,
		 struct koyeb_deploy_result *r);

/* The result as one JSON object (owned): outcome, exit_code, action, message, fix, lint[],
 * image{local, koyeb}, app, service, secret, deployment{id, status, messages, stages,
 * events, instances}, changes[], requests{calls, mutations}, elapsed_ms. */
json_t *koyeb_deploy_result_json(const struct koyeb_deploy_result *r);
json_t *koyeb_verdict_json(const struct koyeb_verdict *v);
json_t *koyeb_deployment_report_json(const struct koyeb_deployment_report *r);

#endif
