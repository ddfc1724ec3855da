/*
 * koyeb/deploy.c - following deployments, reporting on them, and the deploy reconcile; see
 * deploy.h.
 */
#include "koyeb/deploy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "koyeb/app.h"

#define DEFAULT_WAIT_MS (10L * 60 * 1000)
#define DEFAULT_POLL_MS 2000

static const struct {
	const char *name;
	int code;
	const char *meaning;
} outcomes[] = {
#define KOYEB_OUTCOME_ROW_(name, code, meaning) {#name, code, meaning},
	KOYEB_OUTCOMES(KOYEB_OUTCOME_ROW_)
#undef KOYEB_OUTCOME_ROW_
};

const char *koyeb_outcome_name(enum koyeb_outcome o)
{
	return o < KOYEB_OUTCOME_COUNT_ ? outcomes[o].name : "FAILED";
}

int koyeb_outcome_exit_code(enum koyeb_outcome o)
{
	return o < KOYEB_OUTCOME_COUNT_ ? outcomes[o].code : 1;
}

const char *koyeb_outcome_meaning(enum koyeb_outcome o)
{
	return o < KOYEB_OUTCOME_COUNT_ ? outcomes[o].meaning : "";
}

enum koyeb_outcome koyeb_outcome_of_error(const struct ds_error *e)
{
	if (e->code == 401 || e->code == 403 || e->code == KOYEB_E_TOKEN)
		return KOYEB_OUTCOME_AUTH;
	if (e->code == 404 || e->code == KOYEB_E_NOT_FOUND)
		return KOYEB_OUTCOME_NOT_FOUND;
	return KOYEB_OUTCOME_FAILED;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts))
		;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* --- deployments -------------------------------------------------------------------------- */

enum koyeb_deployment_state koyeb_deployment_state_of(const char *st)
{
	static const char *const failed[] = {"ERROR",   "UNHEALTHY", "CANCELED", "STOPPED",
					     "DEGRADED", "STASHED",  "SLEEPING"};
	size_t i;

	if (!st)
		return KOYEB_DEPLOYMENT_RUNNING;
	if (!strcmp(st, "HEALTHY"))
		return KOYEB_DEPLOYMENT_HEALTHY;
	for (i = 0; i < sizeof(failed) / sizeof(failed[0]); i++)
		if (!strcmp(st, failed[i]))
			return KOYEB_DEPLOYMENT_FAILED;
	return KOYEB_DEPLOYMENT_RUNNING;
}

int koyeb_deployment_get(struct koyeb_client *c, const char *id, json_t **deployment,
			 struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *reply = NULL;
	int rc;

	*deployment = NULL;
	koyeb_path(&p, "deployments", id);
	rc = koyeb_get(c, ds_buf_str(&p), &reply, e);
	if (!rc) {
		*deployment = json_incref(json_object_get(reply, "deployment"));
		if (!json_is_object(*deployment)) {
			json_decref(*deployment);
			*deployment = NULL;
			rc = ds_error_set(e, KOYEB_E_REPLY, "GET %s: the reply has no deployment",
					  ds_buf_str(&p));
		}
	}
	json_decref(reply);
	ds_buf_release(&p);
	return rc;
}

static void report_progress(const struct koyeb_follow_opts *o, const char *step,
			    const char *status, int warning, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void report_progress(const struct koyeb_follow_opts *o, const char *step,
			    const char *status, int warning, const char *fmt, ...)
{
	struct koyeb_progress p;
	char msg[700];
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.step = step;
	p.message = msg;
	p.status = status;
	p.warning = warning;
	p.elapsed_ms = now_ms() - (o->t0_ms ? o->t0_ms : now_ms());
	o->progress(o->progress_ctx, &p);
}

int koyeb_deployment_follow(struct koyeb_client *c, const char *id,
			    const struct koyeb_follow_opts *o, json_t **deployment,
			    int *timed_out, struct ds_error *e)
{
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_WAIT_MS;
	long poll = o->poll_ms > 0 ? o->poll_ms : DEFAULT_POLL_MS;
	long end = now_ms() + timeout;
	char last[32] = "";

	*deployment = NULL;
	*timed_out = 0;
	for (;;) {
		json_t *d = NULL;
		const char *st;
		long left;

		if (koyeb_deployment_get(c, id, &d, e)) {
			json_decref(*deployment);
			*deployment = NULL;
			return -1;
		}
		json_decref(*deployment);
		*deployment = d;
		st = str(d, "status");
		if (st && strcmp(st, last)) {
			snprintf(last, sizeof(last), "%s", st);
			report_progress(o, "deployment", st, 0, "deployment %s: %s", id, st);
		}
		if (koyeb_deployment_state_of(st) != KOYEB_DEPLOYMENT_RUNNING)
			return 0;
		left = end - now_ms();
		if (left <= 0) {
			*timed_out = 1;
			return 0;
		}
		sleep_ms(left < poll ? left : poll);
	}
}

void koyeb_deployment_report_init(struct koyeb_deployment_report *r)
{
	memset(r, 0, sizeof(*r));
}

void koyeb_deployment_report_release(struct koyeb_deployment_report *r)
{
	free(r->id);
	free(r->status);
	ds_strlist_release(&r->messages);
	ds_strlist_release(&r->stages);
	ds_strlist_release(&r->events);
	ds_strlist_release(&r->instances);
	koyeb_deployment_report_init(r);
}

static void add_line(struct ds_strlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(struct ds_strlist *l, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Server text goes to a terminal: no control characters. */
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	ds_strlist_add(l, line);
}

static int list_of(struct koyeb_client *c, const char *base, const char *key, const char *id,
		   const char *extra, json_t **items, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	int rc;

	ds_buf_addf(&p, "%s=", base);
	http_buf_add_escaped(&p, id);
	if (extra)
		ds_buf_addstr(&p, extra);
	rc = koyeb_list(c, ds_buf_str(&p), key, items, e);
	ds_buf_release(&p);
	return rc;
}

int koyeb_deployment_report(struct koyeb_client *c, const json_t *dep,
			    struct koyeb_deployment_report *r, struct ds_error *e)
{
	const char *id = str(dep, "id");
	json_t *stages = json_object_get(json_object_get(dep, "provisioning_info"), "stages");
	json_t *items = NULL, *x, *m;
	size_t i, j;

	koyeb_deployment_report_init(r);
	r->id = strdup(id ? id : "");
	r->status = strdup(str(dep, "status") ? str(dep, "status") : "");
	json_array_foreach(json_object_get(dep, "messages"), i, m)
		add_line(&r->messages, "%s", json_string_value(m));
	json_array_foreach(stages, i, x) {
		json_t *msgs = json_object_get(x, "messages");
		json_t *att;
		size_t k;

		if (!json_array_size(msgs))
			add_line(&r->stages, "%s %s", str(x, "name"), str(x, "status"));
		json_array_foreach(msgs, j, m)
			add_line(&r->stages, "%s %s: %s", str(x, "name"), str(x, "status"),
				 json_string_value(m));
		json_array_foreach(json_object_get(x, "build_attempts"), k, att)
			json_array_foreach(json_object_get(att, "messages"), j, m)
				add_line(&r->stages, "%s attempt %lld %s: %s", str(x, "name"),
					 (long long)json_integer_value(json_object_get(att, "id")),
					 str(att, "status"), json_string_value(m));
	}
	if (!id)
		return 0;
	if (list_of(c, "/v1/deployment_events?deployment_id", "events", id, "&order=asc", &items,
		    e))
		return -1;
	json_array_foreach(items, i, x)
		add_line(&r->events, "%s: %s", str(x, "type") ? str(x, "type") : "event",
			 str(x, "message") ? str(x, "message") : "");
	json_decref(items);
	if (list_of(c, "/v1/regional_deployments?deployment_id", "regional_deployments", id, NULL,
		    &items, e))
		return -1;
	json_array_foreach(items, i, x)
		json_array_foreach(json_object_get(x, "messages"), j, m)
			add_line(&r->instances, "region %s %s: %s", str(x, "region"), str(x, "status"),
				 json_string_value(m));
	json_decref(items);
	if (list_of(c, "/v1/instances?deployment_id", "instances", id, NULL, &items, e))
		return -1;
	json_array_foreach(items, i, x) {
		json_t *events = NULL;

		if (!json_array_size(json_object_get(x, "messages")))
			add_line(&r->instances, "instance %s (%s, %s) %s", str(x, "id"),
				 str(x, "region"), str(x, "type"), str(x, "status"));
		json_array_foreach(json_object_get(x, "messages"), j, m)
			add_line(&r->instances, "instance %s (%s, %s) %s: %s", str(x, "id"),
				 str(x, "region"), str(x, "type"), str(x, "status"),
				 json_string_value(m));
		if (list_of(c, "/v1/instance_events?instance_ids", "events", str(x, "id"),
			    "&order=asc", &events, e)) {
			json_decref(items);
			return -1;
		}
		json_array_foreach(events, j, m)
			add_line(&r->instances, "instance %s event %s: %s", str(x, "id"),
				 str(m, "type") ? str(m, "type") : "", str(m, "message"));
		json_decref(events);
	}
	json_decref(items);
	return 0;
}

/* --- deploy ------------------------------------------------------------------------------- */

void koyeb_deploy_result_init(struct koyeb_deploy_result *r)
{
	memset(r, 0, sizeof(*r));
	koyeb_verdict_init(&r->local);
	koyeb_verdict_init(&r->koyeb);
	koyeb_deployment_report_init(&r->report);
}

void koyeb_deploy_result_release(struct koyeb_deploy_result *r)
{
	free(r->message);
	free(r->fix);
	koyeb_lint_release(&r->lint);
	koyeb_verdict_release(&r->local);
	koyeb_verdict_release(&r->koyeb);
	free(r->secret_id);
	free(r->app_id);
	free(r->service_id);
	free(r->deployment_id);
	free(r->status);
	free(r->url);
	ds_strlist_release(&r->changes);
	koyeb_deployment_report_release(&r->report);
	koyeb_deploy_result_init(r);
}

static char *vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vfmt(const char *fmt, va_list ap)
{
	struct ds_buf b = DS_BUF_INIT(0);

	ds_buf_vaddf(&b, fmt, ap);
	return ds_buf_detach(&b, NULL);
}

/* Settle the outcome: message (printf) and fix (may be NULL). Returns the exit code. */
static int finish(struct koyeb_deploy_result *r, enum koyeb_outcome o, int exit_code,
		  const char *fix, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int finish(struct koyeb_deploy_result *r, enum koyeb_outcome o, int exit_code,
		  const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	r->exit_code = exit_code >= 0 ? exit_code : koyeb_outcome_exit_code(o);
	free(r->message);
	va_start(ap, fmt);
	r->message = vfmt(fmt, ap);
	va_end(ap);
	if (fix) {
		free(r->fix);
		r->fix = strdup(fix);
	}
	return r->exit_code;
}

static int fail_error(struct koyeb_deploy_result *r, const struct ds_error *e)
{
	return finish(r, koyeb_outcome_of_error(e), -1, NULL, "%s", ds_error_msg(e));
}

static void dup_into(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
}

struct note_ctx {
	const struct koyeb_follow_opts *follow;
};

static void on_note(void *ctx, const char *msg)
{
	struct note_ctx *n = ctx;

	report_progress(n->follow, "retry", NULL, 1, "%s", msg);
}

static char *secret_create_hint(const char *name, const char *image)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char *domain = NULL, *slash = strchr(image, '/');
	const struct koyeb_secret_type *t;

	if (slash && (memchr(image, '.', (size_t)(slash - image)) ||
		      memchr(image, ':', (size_t)(slash - image))))
		domain = image;
	if (domain) {
		char host[256];

		snprintf(host, sizeof(host), "%.*s", (int)(slash - image), image);
		t = koyeb_secret_type_for_domain(host);
		ds_buf_addf(&b,
			    "create it: printf '%%s' \"$REGISTRY_PASSWORD\" | duckdb-spawn koyeb "
			    "secret create %s --type %s%s%s --registry-username USER "
			    "--value-from-stdin (or give deploy --secret-type, --registry-username "
			    "and --value-from-stdin to create it)",
			    name, t->name, t->needs & KOYEB_NEEDS_URL ? " --registry-url " : "",
			    t->needs & KOYEB_NEEDS_URL ? host : "");
	} else {
		ds_buf_addf(&b,
			    "create it: printf '%%s' \"$REGISTRY_PASSWORD\" | duckdb-spawn koyeb "
			    "secret create %s --type registry-dockerhub --registry-username USER "
			    "--value-from-stdin (or give deploy --secret-type, --registry-username "
			    "and --value-from-stdin to create it)",
			    name);
	}
	return ds_buf_detach(&b, NULL);
}

static int image_stop(struct koyeb_deploy_result *r, const struct koyeb_deploy_opts *o)
{
	const struct koyeb_verdict *bad = r->local.ran && !r->local.ok ? &r->local : &r->koyeb;
	char *fix = koyeb_image_fix(&r->local, &r->koyeb, o->service.image,
				    o->service.registry_secret && *o->service.registry_secret
					    ? o->service.registry_secret
					    : NULL);
	int code;

	code = finish(r, KOYEB_OUTCOME_IMAGE, bad->exit_code ? bad->exit_code : 1, fix,
		      "image '%s' cannot be pulled %s: %s%s", o->service.image,
		      bad == &r->local ? "from here" : "by Koyeb", bad->code,
		      r->secret_created ? " (the registry secret was created; nothing else changed)"
					: "; nothing was changed");
	free(fix);
	return code;
}

static int follow(struct koyeb_client *c, const struct koyeb_deploy_opts *o,
		  struct koyeb_deploy_result *r, const char *action)
{
	struct ds_error e = DS_ERROR_INIT;
	json_t *dep = NULL;
	int timed_out = 0, code;
	enum koyeb_deployment_state st;

	r->action = action;
	if (o->flags & KOYEB_DEPLOY_NO_WAIT)
		return finish(r, KOYEB_OUTCOME_OK, -1, NULL,
			      "deployment %s %s; not waiting for it (--no-wait)", r->deployment_id,
			      action);
	if (koyeb_deployment_follow(c, r->deployment_id, &o->follow, &dep, &timed_out, &e))
		return fail_error(r, &e);
	dup_into(&r->status, str(dep, "status"));
	st = koyeb_deployment_state_of(r->status);
	if (st == KOYEB_DEPLOYMENT_HEALTHY) {
		json_decref(dep);
		return finish(r, KOYEB_OUTCOME_OK, -1, NULL, "deployment %s is HEALTHY%s%s",
			      r->deployment_id, r->url ? ": " : "", r->url ? r->url : "");
	}
	/* Not healthy: gather Koyeb's own words for the report. */
	if (koyeb_deployment_report(c, dep, &r->report, &e))
		ds_strlist_add(&r->report.events, ds_error_msg(&e));
	json_decref(dep);
	if (timed_out) {
		long s = (o->follow.timeout_ms > 0 ? o->follow.timeout_ms : DEFAULT_WAIT_MS) / 1000;

		code = finish(r, KOYEB_OUTCOME_TIMEOUT, -1,
			      "raise --wait-timeout, or follow it with 'duckdb-spawn koyeb status'",
			      "deployment %s is still %s after %lds", r->deployment_id, r->status, s);
		return code;
	}
	return finish(r, KOYEB_OUTCOME_DEPLOY_FAILED, -1,
		      "read Koyeb's messages above, fix the cause, and run deploy again",
		      "deployment %s ended %s", r->deployment_id, r->status);
}

int koyeb_deploy_check(const struct koyeb_deploy_opts *o, struct koyeb_deploy_result *r)
{
	const struct koyeb_service_spec *s = &o->service;
	struct ds_error e = DS_ERROR_INIT;
	const char *secret_name = s->registry_secret && *s->registry_secret ? s->registry_secret
									    : NULL;
	unsigned lint_flags = o->flags & KOYEB_DEPLOY_ALLOW_UNKNOWN_NAMES
				      ? KOYEB_LINT_ALLOW_UNKNOWN_NAMES
				      : 0;
	size_t i;

	r->checked = 1;
	if (!s->app || !*s->app || !s->name || !*s->name) {
		finish(r, KOYEB_OUTCOME_USAGE, -1, NULL, "--app and --service are required");
		return r->exit_code;
	}
	if (koyeb_service_spec_check(s, KOYEB_DEF_REPLACE, &e)) {
		finish(r, KOYEB_OUTCOME_USAGE, -1, NULL, "%s", ds_error_msg(&e));
		return r->exit_code;
	}
	if (o->secret && !secret_name) {
		finish(r, KOYEB_OUTCOME_USAGE, -1, NULL,
		       "registry credentials were given but no secret name: add "
		       "--docker-private-registry-secret NAME");
		return r->exit_code;
	}
	if (o->secret && koyeb_secret_spec_check(o->secret, &e)) {
		finish(r, KOYEB_OUTCOME_USAGE, -1, NULL, "%s", ds_error_msg(&e));
		return r->exit_code;
	}
	koyeb_lint_service(s, lint_flags, &r->lint);
	for (i = 0; i < r->lint.n; i++)
		report_progress(&o->follow, "lint", NULL, 1, "%s: %s", r->lint.items[i].subject,
				r->lint.items[i].message);
	if (koyeb_lint_errors(&r->lint)) {
		finish(r, KOYEB_OUTCOME_LINT, -1, NULL,
		       "%zu problem%s caught before any call to Koyeb; nothing was changed",
		       koyeb_lint_errors(&r->lint), koyeb_lint_errors(&r->lint) > 1 ? "s" : "");
		return r->exit_code;
	}

	return 0;
}

int koyeb_deploy(struct koyeb_client *c, const struct koyeb_deploy_opts *o,
		 struct koyeb_deploy_result *r)
{
	const struct koyeb_service_spec *s = &o->service;
	struct koyeb_follow_opts fo = o->follow;
	struct koyeb_deploy_opts oo = *o;
	struct ds_error e = DS_ERROR_INIT;
	struct note_ctx nc;
	koyeb_note_fn old_note = c->note;
	void *old_ctx = c->note_ctx;
	json_t *secret = NULL, *app = NULL, *svc = NULL, *cur = NULL, *desired = NULL;
	json_t *vol_names = NULL, *vol_ids = NULL, *tmp = NULL;
	unsigned long calls0 = c->calls, mut0 = c->mutations;
	const char *secret_name = s->registry_secret && *s->registry_secret ? s->registry_secret
									    : NULL;
	size_t i;

	if (!fo.t0_ms)
		fo.t0_ms = now_ms();
	oo.follow = fo;
	o = &oo;
	nc.follow = &o->follow;
	koyeb_client_set_note(c, on_note, &nc);

	/* 1. Flags and foot-guns, before any call (the command may have done it already,
	 * before it even needed a token). */
	if (!r->checked && koyeb_deploy_check(o, r))
		goto out;

	/* 2. The image: the secret's id, our doctor, then Koyeb's verify. */
	if (secret_name) {
		if (koyeb_secret_find(c, secret_name, &secret, &e)) {
			fail_error(r, &e);
			goto out;
		}
		if (secret && strcmp(str(secret, "type") ? str(secret, "type") : "", "REGISTRY")) {
			finish(r, KOYEB_OUTCOME_FAILED, -1, NULL,
			       "secret '%s' is a %s secret, not a registry secret", secret_name,
			       str(secret, "type") ? str(secret, "type") : "?");
			goto out;
		}
		if (!secret && !o->secret) {
			char *hint = secret_create_hint(secret_name, s->image);

			finish(r, KOYEB_OUTCOME_NOT_FOUND, -1, hint,
			       "registry secret '%s' does not exist in Koyeb; nothing was changed",
			       secret_name);
			free(hint);
			goto out;
		}
		if (secret)
			dup_into(&r->secret_id, str(secret, "id"));
	}
	if (!(o->flags & KOYEB_DEPLOY_SKIP_DOCTOR)) {
		struct koyeb_doctor_opts d = o->doctor;
		char label[200];

		d.image = s->image;
		if (o->secret) {
			d.username = o->secret->username;
			d.password = o->secret->value;
			snprintf(label, sizeof(label), "the credentials given for secret '%s'",
				 secret_name);
			d.creds_label = label;
		}
		report_progress(&o->follow, "image", NULL, 0, "checking '%s' from here", s->image);
		koyeb_doctor_check(&d, &r->local);
		if (!r->local.ran)
			report_progress(&o->follow, "image", NULL, 1, "not checked from here: %s",
					r->local.why_not);
		if (r->local.ran && r->local.platforms.n)
			koyeb_lint_platforms(s->image, (const char *const *)r->local.platforms.items,
					     r->local.platforms.n, &r->lint);
		if (r->local.ran && r->local.ok && r->local.exposed_ports.n) {
			size_t before = r->lint.n;

			koyeb_lint_exposed_ports(s, (const char *const *)r->local.exposed_ports.items,
						 r->local.exposed_ports.n, &r->lint);
			for (i = before; i < r->lint.n; i++)
				report_progress(&o->follow, "lint", NULL, 1, "%s: %s",
						r->lint.items[i].subject, r->lint.items[i].message);
		}
		if (r->local.ran && !r->local.ok) {
			image_stop(r, o);
			goto out;
		}
	}
	if (secret_name && !secret) {
		report_progress(&o->follow, "secret", NULL, 0, "creating registry secret '%s'",
				secret_name);
		if (koyeb_secret_create(c, o->secret, &secret, &e)) {
			fail_error(r, &e);
			goto out;
		}
		r->secret_created = 1;
		dup_into(&r->secret_id, str(secret, "id"));
	}
	report_progress(&o->follow, "image", NULL, 0, "asking Koyeb to verify '%s'%s%s%s", s->image,
			secret_name ? " with secret '" : "", secret_name ? secret_name : "",
			secret_name ? "'" : "");
	if (koyeb_verify_image(c, s->image, r->secret_id, &r->koyeb, &e)) {
		fail_error(r, &e);
		goto out;
	}
	if (!r->koyeb.ok) {
		image_stop(r, o);
		goto out;
	}

	/* 3. The app, then the service. */
	if (koyeb_app_find(c, s->app, &app, &e)) {
		fail_error(r, &e);
		goto out;
	}
	if (!app) {
		report_progress(&o->follow, "app", NULL, 0, "creating app '%s'", s->app);
		if (koyeb_app_create(c, s->app, &app, &e)) {
			fail_error(r, &e);
			goto out;
		}
		r->app_created = 1;
	}
	dup_into(&r->app_id, str(app, "id"));
	if (koyeb_app_domain(app)) {
		char url[300];

		snprintf(url, sizeof(url), "https://%s", koyeb_app_domain(app));
		dup_into(&r->url, url);
	}
	vol_names = koyeb_service_volume_names(s);
	if (json_array_size(vol_names) &&
	    koyeb_volume_ids(c, vol_names, s->regions && s->regions->n ? s->regions->items[0] : NULL,
			     &vol_ids, &e)) {
		fail_error(r, &e);
		goto out;
	}
	if (koyeb_service_find(c, r->app_id, s->name, &svc, &e)) {
		fail_error(r, &e);
		goto out;
	}
	if (!svc) {
		if (koyeb_definition_build(s, KOYEB_DEF_CREATE, NULL, vol_ids, &desired, &e)) {
			finish(r, KOYEB_OUTCOME_USAGE, -1, NULL, "%s", ds_error_msg(&e));
			goto out;
		}
		report_progress(&o->follow, "service", NULL, 0, "creating service '%s'", s->name);
		if (koyeb_service_create(c, r->app_id, s->name, desired, &svc, &e)) {
			fail_error(r, &e);
			goto out;
		}
		dup_into(&r->service_id, str(svc, "id"));
		dup_into(&r->deployment_id, str(svc, "latest_deployment_id"));
		follow(c, o, r, "created");
		goto out;
	}
	dup_into(&r->service_id, str(svc, "id"));
	if (str(svc, "latest_deployment_id") && *str(svc, "latest_deployment_id") &&
	    koyeb_deployment_get(c, str(svc, "latest_deployment_id"), &cur, &e)) {
		fail_error(r, &e);
		goto out;
	}
	if (koyeb_definition_build(s, KOYEB_DEF_REPLACE, json_object_get(cur, "definition"), vol_ids,
				   &desired, &e)) {
		finish(r, KOYEB_OUTCOME_USAGE, -1, NULL, "%s", ds_error_msg(&e));
		goto out;
	}
	if (!cur || koyeb_definition_diff(desired, json_object_get(cur, "definition"), &r->changes)) {
		for (i = 0; i < r->changes.n; i++)
			report_progress(&o->follow, "service", NULL, 0, "change: %s",
					r->changes.items[i]);
		report_progress(&o->follow, "service", NULL, 0, "updating service '%s'", s->name);
		json_decref(svc);
		svc = NULL;
		if (koyeb_service_update(c, r->service_id, desired, &svc, &e)) {
			fail_error(r, &e);
			goto out;
		}
		dup_into(&r->deployment_id, str(svc, "latest_deployment_id"));
		follow(c, o, r, "updated");
		goto out;
	}
	dup_into(&r->deployment_id, str(cur, "id"));
	dup_into(&r->status, str(cur, "status"));
	switch (koyeb_deployment_state_of(r->status)) {
	case KOYEB_DEPLOYMENT_HEALTHY:
		r->action = "up-to-date";
		finish(r, KOYEB_OUTCOME_OK, -1, NULL,
		       "service '%s' is up to date (deployment %s is HEALTHY); nothing changed",
		       s->name, r->deployment_id);
		break;
	case KOYEB_DEPLOYMENT_RUNNING:
		report_progress(&o->follow, "service", NULL, 0,
				"service '%s' already has this definition; following deployment %s "
				"(%s)",
				s->name, r->deployment_id, r->status);
		follow(c, o, r, "followed");
		break;
	case KOYEB_DEPLOYMENT_FAILED:
		report_progress(&o->follow, "service", NULL, 0,
				"deployment %s of this definition ended %s; redeploying", r->deployment_id,
				r->status);
		if (koyeb_service_redeploy(c, r->service_id, &tmp, &e)) {
			fail_error(r, &e);
			goto out;
		}
		dup_into(&r->deployment_id, str(tmp, "id"));
		follow(c, o, r, "redeployed");
		break;
	}
out:
	koyeb_client_set_note(c, old_note, old_ctx);
	r->calls = c->calls - calls0;
	r->mutations = c->mutations - mut0;
	r->elapsed_ms = now_ms() - o->follow.t0_ms;
	json_decref(secret);
	json_decref(app);
	json_decref(svc);
	json_decref(cur);
	json_decref(desired);
	json_decref(vol_names);
	json_decref(vol_ids);
	json_decref(tmp);
	return r->exit_code;
}

/* --- JSON --------------------------------------------------------------------------------- */

static json_t *strlist_json(const struct ds_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *koyeb_verdict_json(const struct koyeb_verdict *v)
{
	json_t *o = json_object();

	json_object_set_new(o, "ran", json_boolean(v->ran));
	if (!v->ran) {
		json_object_set_new(o, "why_not", str_or_null(v->why_not));
		return o;
	}
	json_object_set_new(o, "ok", json_boolean(v->ok));
	json_object_set_new(o, "code", str_or_null(v->code));
	json_object_set_new(o, "summary", str_or_null(v->summary));
	json_object_set_new(o, "fix", str_or_null(v->fix));
	json_object_set_new(o, "exit_code", json_integer(v->exit_code));
	if (v->evidence.n)
		json_object_set_new(o, "evidence", strlist_json(&v->evidence));
	if (v->platforms.n)
		json_object_set_new(o, "platforms", strlist_json(&v->platforms));
	return o;
}

json_t *koyeb_deployment_report_json(const struct koyeb_deployment_report *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id", str_or_null(r->id), "status",
			 str_or_null(r->status), "messages", strlist_json(&r->messages), "stages",
			 strlist_json(&r->stages), "events", strlist_json(&r->events), "instances",
			 strlist_json(&r->instances));
}

json_t *koyeb_deploy_result_json(const struct koyeb_deploy_result *r)
{
	json_t *o = json_object(), *lint = json_array();
	size_t i;

	json_object_set_new(o, "outcome", json_string(koyeb_outcome_name(r->outcome)));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	json_object_set_new(o, "action", str_or_null(r->action));
	json_object_set_new(o, "message", str_or_null(r->message));
	json_object_set_new(o, "fix", str_or_null(r->fix));
	for (i = 0; i < r->lint.n; i++) {
		const struct koyeb_lint_finding *f = &r->lint.items[i];

		json_array_append_new(lint, json_pack("{s:s, s:s, s:s, s:s, s:o}", "level",
						      f->level == KOYEB_LINT_ERROR ? "error"
										   : "warning",
						      "check", f->check, "subject", f->subject,
						      "message", f->message, "fix", str_or_null(f->fix)));
	}
	json_object_set_new(o, "lint", lint);
	json_object_set_new(o, "image", json_pack("{s:o, s:o}", "local", koyeb_verdict_json(&r->local),
						  "koyeb", koyeb_verdict_json(&r->koyeb)));
	json_object_set_new(o, "secret", json_pack("{s:o, s:b}", "id", str_or_null(r->secret_id),
						   "created", r->secret_created));
	json_object_set_new(o, "app", json_pack("{s:o, s:b}", "id", str_or_null(r->app_id),
						"created", r->app_created));
	json_object_set_new(o, "service", json_pack("{s:o}", "id", str_or_null(r->service_id)));
	json_object_set_new(o, "url", str_or_null(r->url));
	if (r->report.id)
		json_object_set_new(o, "deployment", koyeb_deployment_report_json(&r->report));
	else
		json_object_set_new(o, "deployment",
				    json_pack("{s:o, s:o}", "id", str_or_null(r->deployment_id),
					      "status", str_or_null(r->status)));
	json_object_set_new(o, "changes", strlist_json(&r->changes));
	json_object_set_new(o, "requests", json_pack("{s:I, s:I}", "calls", (json_int_t)r->calls,
						     "mutations", (json_int_t)r->mutations));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	return o;
}
