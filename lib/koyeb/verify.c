/*
 * koyeb/verify.c - Koyeb's verify endpoint, the local doctor, and the comparison; see
 * verify.h.
 *
 * The doctor is lib/registry's registry_check(), in process (koyeb -> registry is the one
 * sibling dependency the layering allows: deploy runs the doctor).
 */
#include "koyeb/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/check.h"
#include "registry/verdict.h"

void koyeb_verdict_init(struct koyeb_verdict *v)
{
	memset(v, 0, sizeof(*v));
}

void koyeb_verdict_release(struct koyeb_verdict *v)
{
	free(v->code);
	free(v->summary);
	free(v->fix);
	free(v->why_not);
	ds_strlist_release(&v->evidence);
	ds_strlist_release(&v->platforms);
	ds_strlist_release(&v->exposed_ports);
	koyeb_verdict_init(v);
}

/* What to do per Koyeb ErrCode, when Koyeb's verdict is all there is. Exit codes and the
 * doctor's own fixes come from lib/registry's verdict table (registry/verdict.h). */
static const struct {
	const char *code;
	const char *fix;
} codes[] = {
	{"AUTH_ACCESS_DENIED",
	 "the registry refused the secret's credentials: recreate the secret with a valid "
	 "username and password or access token"},
	{"ANON_ACCESS_DENIED",
	 "the image is private and Koyeb pulled anonymously: create a registry secret and pass "
	 "--docker-private-registry-secret"},
	{"AUTH_NOT_FOUND", "the repository or tag does not exist: check the name and the tag, "
			   "or push the image"},
	{"ANON_NOT_FOUND", "the repository or tag does not exist (or is private): check the "
			   "name and the tag, push the image, or pass a registry secret"},
	{"REGISTRY_ERROR", "the registry answered with an error (or a rate limit): retry later"},
	{"TIMEOUT", "the registry did not answer in time: check that it is up and reachable "
		    "from the internet"},
	{"DNS", "the registry's host name does not resolve: check the domain in the image "
		"reference"},
	{"MALFORMED", "the image reference is malformed: write [registry/]repository[:tag]"},
	{"INVALID_SCHEME", "the registry is not served over https: Koyeb pulls over https only"},
	{"INVALID_OS", "the image is not built for linux: build for linux/amd64"},
	{"INVALID_ARCH", "the image is not built for linux/amd64 (Koyeb's instances): docker "
			 "buildx build --platform linux/amd64 and push again"},
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))

int koyeb_verify_exit_code(const char *code)
{
	int v = code ? registry_verdict_parse(code) : -1;

	return v < 0 ? registry_verdict_exit_code(REGISTRY_GENERIC)
		     : registry_verdict_exit_code((enum registry_verdict)v);
}

static const char *generic_fix(const char *code)
{
	size_t i;

	for (i = 0; code && i < NCODES; i++)
		if (!strcmp(codes[i].code, code))
			return codes[i].fix;
	return "see Koyeb's reason, and run 'duckdb-spawn image check' on the image";
}

int koyeb_verify_image(struct koyeb_client *c, const char *image, const char *secret_id,
		       struct koyeb_verdict *v, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *reply = NULL;
	const char *code, *reason;
	int rc;

	koyeb_verdict_init(v);
	ds_buf_addstr(&p, "/v1/docker-helper/verify?image=");
	http_buf_add_escaped(&p, image);
	if (secret_id && *secret_id) {
		ds_buf_addstr(&p, "&secret_id=");
		http_buf_add_escaped(&p, secret_id);
	}
	rc = koyeb_get(c, ds_buf_str(&p), &reply, e);
	ds_buf_release(&p);
	if (rc)
		return ds_error_prefix(e, "asking Koyeb to verify '%s'", image);
	v->ran = 1;
	v->ok = json_is_true(json_object_get(reply, "success"));
	code = json_string_value(json_object_get(reply, "code"));
	reason = json_string_value(json_object_get(reply, "reason"));
	if (v->ok) {
		v->code = strdup("OK");
		v->summary = strdup("Koyeb can pull the image");
	} else {
		/* A failure without a code is still a failure: GENERIC, never success. */
		v->code = strdup(code && *code && strcmp(code, "UNKNOWN") ? code : "GENERIC");
		v->summary = strdup(reason && *reason ? reason : "Koyeb cannot pull the image");
		v->fix = strdup(generic_fix(v->code));
		v->exit_code = koyeb_verify_exit_code(v->code);
	}
	json_decref(reply);
	return 0;
}

int koyeb_doctor_available(void)
{
	return 1;
}

void koyeb_doctor_check(const struct koyeb_doctor_opts *o, struct koyeb_verdict *v)
{
	struct registry_check_opts ro = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;
	size_t i;

	koyeb_verdict_init(v);
	ro.reference = o->image;
	if (o->username && o->password) {
		/* Exactly the credentials the Koyeb secret holds: nothing from this machine. */
		ro.username = o->username;
		ro.password = o->password;
		ro.creds_label = o->creds_label;
		ro.flags |= REGISTRY_CHECK_NO_AMBIENT_CREDS;
	}
	if (o->insecure)
		ro.flags |= REGISTRY_CHECK_INSECURE;
	ro.ca_file = o->ca_file;
	ro.timeout_ms = o->timeout_ms;
	registry_check(&ro, &r);
	v->ran = 1;
	v->ok = r.verdict == REGISTRY_OK;
	v->code = strdup(registry_verdict_name(r.verdict));
	v->summary = strdup(r.summary ? r.summary : registry_verdict_summary(r.verdict));
	v->fix = r.fix ? strdup(r.fix) : NULL;
	v->exit_code = registry_verdict_exit_code(r.verdict);
	for (i = 0; i < r.nevidence; i++)
		if (r.evidence[i].text)
			ds_strlist_add(&v->evidence, r.evidence[i].text);
	for (i = 0; i < r.nplatforms; i++) {
		const struct registry_platform *p = &r.platforms[i];
		char buf[128];

		snprintf(buf, sizeof(buf), "%s/%s%s%s", p->os ? p->os : "?",
			 p->architecture ? p->architecture : "?", p->variant ? "/" : "",
			 p->variant ? p->variant : "");
		ds_strlist_add(&v->platforms, buf);
	}
	for (i = 0; i < r.exposed_ports.n; i++)
		ds_strlist_add(&v->exposed_ports, r.exposed_ports.items[i]);
	registry_check_result_release(&r);
}

/* Koyeb's code for our verdict (RATE_LIMITED and TLS are ours: Koyeb says REGISTRY_ERROR and
 * GENERIC). */
static const char *as_koyeb(const char *code)
{
	int v = code ? registry_verdict_parse(code) : -1;

	return v < 0 ? code : registry_verdict_koyeb_code((enum registry_verdict)v);
}

static int is_auth_code(const char *c)
{
	return c && (!strcmp(c, "AUTH_ACCESS_DENIED") || !strcmp(c, "ANON_ACCESS_DENIED") ||
		     !strcmp(c, "AUTH_NOT_FOUND") || !strcmp(c, "ANON_NOT_FOUND"));
}

char *koyeb_image_fix(const struct koyeb_verdict *local, const struct koyeb_verdict *koyeb,
		      const char *image, const char *secret_name)
{
	struct ds_buf b = DS_BUF_INIT(0);
	int l_ok = local->ran && local->ok, k_ok = koyeb->ran && koyeb->ok;

	if ((!local->ran || l_ok) && (!koyeb->ran || k_ok))
		return NULL;
	if (l_ok && koyeb->ran && !k_ok && is_auth_code(koyeb->code)) {
		if (secret_name)
			ds_buf_addf(&b,
				    "pullable with your credentials, but the Koyeb secret '%s' is "
				    "not: recreate it (duckdb-spawn koyeb secret delete %s, then "
				    "rerun deploy with --registry-username and --value-from-stdin to "
				    "create it again)",
				    secret_name, secret_name);
		else
			ds_buf_addstr(&b, "pullable from here with your credentials, but Koyeb pulls "
					  "without any: create a registry secret and pass "
					  "--docker-private-registry-secret");
	} else if (local->ran && !l_ok) {
		ds_buf_addstr(&b, local->fix ? local->fix : generic_fix(local->code));
		if (koyeb->ran && !k_ok && koyeb->code && local->code &&
		    strcmp(koyeb->code, as_koyeb(local->code)))
			ds_buf_addf(&b, " (Koyeb says %s: %s)", koyeb->code,
				    koyeb->summary ? koyeb->summary : "");
	} else {
		ds_buf_addstr(&b, koyeb->fix ? koyeb->fix : generic_fix(koyeb->code));
		if (!strcmp(koyeb->code, "AUTH_ACCESS_DENIED") && secret_name)
			ds_buf_addf(&b, " (secret '%s')", secret_name);
	}
	(void)image;
	return ds_buf_detach(&b, NULL);
}
