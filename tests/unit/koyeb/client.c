/*
 * Tests for lib/koyeb/client.c (and app.c, deploy.c through it) against the Koyeb fixture
 * run in this process: configuration, pagination to the end whatever the reply declares,
 * error messages naming fields, retries safe for each kind of call, and the deploy
 * reconcile's progress, outcomes and JSON.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "koyeb/app.h"
#include "koyeb/client.h"
#include "koyeb/deploy.h"
#include "test.h"

#define TOKEN "unit-test-token-7f3a"

struct fx {
	struct kfx *fx;
	char url[64];
};

static void stop_fx(void *p)
{
	struct fx *f = p;

	kfx_stop(f->fx);
}

static struct fx *start_fx(int max_limit)
{
	struct fx *f = ds_test_alloc(sizeof(*f));
	struct kfx_options o = {0};
	char err[256];

	o.token = TOKEN;
	o.step_ms = 10;
	o.max_limit = max_limit;
	f->fx = kfx_start(&o, err, sizeof(err));
	if (!f->fx)
		FAIL("fixture: %s", err);
	ds_test_defer(stop_fx, f);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", kfx_port(f->fx));
	return f;
}

static void release_client(void *p)
{
	koyeb_client_release(p);
}

static struct koyeb_client *client(struct fx *f, const char *token)
{
	struct koyeb_client *c = ds_test_alloc(sizeof(*c));
	struct koyeb_options o = {0};
	struct ds_error e = DS_ERROR_INIT;

	setenv("KOYEB_TOKEN", token, 1);
	o.base_url = f->url;
	o.retry_base_ms = 5;
	o.retry_max_ms = 20;
	if (koyeb_client_init(c, &o, &e))
		FAIL("client: %s", ds_error_msg(&e));
	ds_test_defer(release_client, c);
	return c;
}

static void control(struct fx *f, const char *path, const char *body)
{
	struct ds_http_resp r;

	ds_http(&r, "POST", ds_test_printf("%s%s", f->url, path), NULL, body, strlen(body), 5000);
	ASSERT_MSG(r.status == 200, "%s: %ld %s", path, r.status, r.body);
}

static size_t count_ops(struct fx *f, const char *op)
{
	struct ds_http_resp r;
	json_t *j, *x;
	size_t i, n = 0;

	ds_http(&r, "GET", ds_test_printf("%s/_fixture/requests", f->url), NULL, NULL, 0, 5000);
	j = json_loads(r.body, 0, NULL);
	ASSERT_NOT_NULL(j);
	json_array_foreach(json_object_get(j, "requests"), i, x)
		n += json_is_string(json_object_get(x, "operation")) &&
		     !strcmp(json_string_value(json_object_get(x, "operation")), op);
	json_decref(j);
	return n;
}

static void post(struct koyeb_client *c, const char *path, const char *body)
{
	struct ds_error e = DS_ERROR_INIT;
	json_t *b = json_loads(body, 0, NULL), *out = NULL;

	if (koyeb_mutate(c, "POST", path, b, NULL, NULL, &out, &e))
		FAIL("POST %s: %s", path, ds_error_msg(&e));
	json_decref(b);
	json_decref(out);
}

TEST(koyeb_client_refuses_plain_http_off_loopback_and_needs_a_token)
{
	struct koyeb_client c;
	struct koyeb_options o = {0};
	struct ds_error e = DS_ERROR_INIT;

	setenv("KOYEB_TOKEN", TOKEN, 1);
	o.base_url = "http://api.example.com";
	ASSERT_EQ_INT(koyeb_client_init(&c, &o, &e), -1);
	ASSERT_EQ_INT(e.code, KOYEB_E_CONFIG);
	ASSERT_CONTAINS(ds_error_msg(&e), "refusing to send the Koyeb token over plain http");

	unsetenv("KOYEB_TOKEN");
	o.base_url = "https://app.koyeb.com";
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_client_init(&c, &o, &e), -1);
	ASSERT_EQ_INT(e.code, KOYEB_E_TOKEN);
	ASSERT_CONTAINS(ds_error_msg(&e), "set KOYEB_TOKEN or pass --token-file");

	setenv("KOYEB_TOKEN", "abc\r\nX-Injected: 1", 1);
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_client_init(&c, &o, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "space or a control character");
	ASSERT_NOT_CONTAINS(ds_error_msg(&e), "abc");

	ds_test_write_file(ds_test_path(ds_test_tmpdir(), "tok"), "from-file\n", 10);
	unsetenv("KOYEB_TOKEN");
	o.token_file = ds_test_path(ds_test_tmpdir(), "tok");
	ASSERT_EQ_INT(koyeb_client_init(&c, &o, &e), 0);
	ASSERT_EQ_STR(ds_secret_value(&c.token), "from-file");
	ASSERT_EQ_STR(c.base, "https://app.koyeb.com");
	koyeb_client_release(&c);
}

TEST(koyeb_list_follows_has_next_count_and_smaller_server_pages)
{
	struct fx *f = start_fx(40);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *items = NULL;
	int i;

	for (i = 0; i < 250; i++) {
		post(c, "/v1/apps", ds_test_printf("{\"name\":\"app-%03d\"}", i));
		post(c, "/v1/secrets", ds_test_printf("{\"name\":\"s-%03d\",\"type\":\"SIMPLE\","
						      "\"value\":\"v\"}",
						      i));
	}
	/* ListAppsReply declares has_next; the server's pages are 40, not the 100 asked. */
	ASSERT_EQ_INT(koyeb_list(c, "/v1/apps", "apps", &items, &e), 0);
	ASSERT_EQ_INT(json_array_size(items), 250);
	ASSERT_EQ_STR(json_string_value(json_object_get(json_array_get(items, 249), "name")),
		      "app-249");
	json_decref(items);
	ASSERT_EQ_INT(count_ops(f, "ListApps"), 7);
	/* ListSecretsReply declares count, no has_next. */
	ASSERT_EQ_INT(koyeb_list(c, "/v1/secrets", "secrets", &items, &e), 0);
	ASSERT_EQ_INT(json_array_size(items), 250);
	json_decref(items);
	ASSERT_EQ_INT(count_ops(f, "ListSecrets"), 7);
}

TEST(koyeb_error_with_fields_names_each_field)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *b = json_pack("{s:s, s:i}", "name", "demo", "bogus", 1), *out = NULL;

	ASSERT_EQ_INT(koyeb_mutate(c, "POST", "/v1/apps", b, NULL, NULL, &out, &e), -1);
	ASSERT_EQ_INT(e.code, 400);
	ASSERT_EQ_STR(ds_error_msg(&e), "POST /v1/apps: 400 invalid_argument: validation error: "
					"field 'bogus': unknown field");
	json_decref(b);
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_app_create(c, "Bad_Name", &out, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "creating app 'Bad_Name': POST /v1/apps: 400");
	ASSERT_CONTAINS(ds_error_msg(&e), "field 'name': must be 1 to 63 lowercase letters");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_get(c, "/v1/apps/nope", &out, &e), -1);
	ASSERT_EQ_INT(e.code, 404);
	ASSERT(koyeb_error_is_not_found(&e));
	ASSERT_EQ_INT(koyeb_outcome_of_error(&e), KOYEB_OUTCOME_NOT_FOUND);
}

TEST(koyeb_wrong_token_is_401_and_never_quoted)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, "not-the-token-xyz");
	struct ds_error e = DS_ERROR_INIT;
	json_t *items = NULL;

	ASSERT_EQ_INT(koyeb_list(c, "/v1/apps", "apps", &items, &e), -1);
	ASSERT_EQ_INT(e.code, 401);
	ASSERT_CONTAINS(ds_error_msg(&e), "401 unauthenticated");
	ASSERT_CONTAINS(ds_error_msg(&e), "check the token");
	ASSERT_NOT_CONTAINS(ds_error_msg(&e), "not-the-token-xyz");
	ASSERT_EQ_INT(koyeb_outcome_of_error(&e), KOYEB_OUTCOME_AUTH);
}

TEST(koyeb_reads_are_retried_after_5xx)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *items = NULL;

	control(f, "/_fixture/faults", "{\"operation\":\"ListApps\",\"status\":500,\"times\":2}");
	ASSERT_EQ_INT(koyeb_list(c, "/v1/apps", "apps", &items, &e), 0);
	json_decref(items);
	ASSERT_EQ_INT(count_ops(f, "ListApps"), 3);
}

struct notes {
	int n;
	char last[600];
};

static void on_note(void *ctx, const char *msg)
{
	struct notes *n = ctx;

	n->n++;
	snprintf(n->last, sizeof(n->last), "%s", msg);
}

TEST(koyeb_create_whose_reply_was_lost_is_found_not_resent)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	struct notes n = {0};
	json_t *app = NULL, *all = NULL;

	koyeb_client_set_note(c, on_note, &n);
	control(f, "/_fixture/faults",
		"{\"operation\":\"CreateApp\",\"status\":500,\"apply\":true}");
	ASSERT_EQ_INT(koyeb_app_create(c, "demo", &app, &e), 0);
	ASSERT_EQ_STR(json_string_value(json_object_get(app, "name")), "demo");
	ASSERT_CONTAINS(n.last, "had taken effect; not sending it again");
	ASSERT_EQ_INT(count_ops(f, "CreateApp"), 1);
	ASSERT_EQ_INT(koyeb_app_list(c, &all, &e), 0);
	ASSERT_EQ_INT(json_array_size(all), 1);
	json_decref(app);
	json_decref(all);
}

TEST(koyeb_create_that_did_not_happen_is_sent_again)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL;

	control(f, "/_fixture/faults",
		"{\"operation\":\"CreateApp\",\"status\":503,\"apply\":false,\"times\":2}");
	ASSERT_EQ_INT(koyeb_app_create(c, "demo", &app, &e), 0);
	ASSERT_EQ_INT(count_ops(f, "CreateApp"), 3);
	json_decref(app);
	/* 429 is a refusal before any work: resent as is, no look needed. */
	control(f, "/_fixture/faults", "{\"operation\":\"CreateApp\",\"status\":429}");
	ASSERT_EQ_INT(koyeb_app_create(c, "other", &app, &e), 0);
	ASSERT_EQ_INT(count_ops(f, "CreateApp"), 5);
	ASSERT_EQ_INT(count_ops(f, "ListApps"), 2); /* the two converge looks above */
	json_decref(app);
}

TEST(koyeb_mutation_without_converge_is_never_resent)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *b = json_pack("{s:s}", "name", "demo"), *out = NULL;

	control(f, "/_fixture/faults", "{\"operation\":\"CreateApp\",\"status\":500}");
	ASSERT_EQ_INT(koyeb_mutate(c, "POST", "/v1/apps", b, NULL, NULL, &out, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "not retried (it may have taken effect)");
	ASSERT_EQ_INT(count_ops(f, "CreateApp"), 1);
	json_decref(b);
}

TEST(koyeb_delete_whose_reply_was_lost_succeeds)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct ds_error e = DS_ERROR_INIT;
	json_t *app = NULL;

	ASSERT_EQ_INT(koyeb_app_create(c, "demo", &app, &e), 0);
	control(f, "/_fixture/faults",
		"{\"operation\":\"DeleteApp\",\"status\":502,\"apply\":true}");
	ASSERT_EQ_INT(koyeb_app_delete(c, json_string_value(json_object_get(app, "id")), &e), 0);
	ASSERT_EQ_INT(count_ops(f, "DeleteApp"), 2);
	json_decref(app);
}

/* --- deploy, in process -------------------------------------------------------------------- */

struct seen {
	char statuses[400];
	int retries;
};

static void on_progress(void *ctx, const struct koyeb_progress *p)
{
	struct seen *s = ctx;
	size_t n = strlen(s->statuses);

	if (p->status)
		snprintf(s->statuses + n, sizeof(s->statuses) - n, "%s%s", n ? " " : "", p->status);
	if (!strcmp(p->step, "retry"))
		s->retries++;
}

static void deploy_opts(struct koyeb_deploy_opts *o, struct seen *s)
{
	memset(o, 0, sizeof(*o));
	o->service = (struct koyeb_service_spec)KOYEB_SERVICE_SPEC_INIT;
	o->service.app = "demo";
	o->service.name = "api";
	o->service.image = "acme/api:1";
	o->flags = KOYEB_DEPLOY_SKIP_DOCTOR;
	o->follow.poll_ms = 5;
	o->follow.timeout_ms = 20000;
	o->follow.progress = on_progress;
	o->follow.progress_ctx = s;
}

TEST(koyeb_deploy_reports_each_state_and_converges_once)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct koyeb_deploy_opts o;
	struct koyeb_deploy_result r;
	struct seen s = {"", 0};
	json_t *j;

	control(f, "/_fixture/verify", "{\"image\":\"acme/api:1\",\"success\":true}");
	/* One state per look: every state is seen, however loaded the machine. */
	control(f, "/_fixture/scripts", "{\"preset\":\"healthy\",\"per_read\":true}");
	deploy_opts(&o, &s);
	koyeb_deploy_result_init(&r);
	ASSERT_EQ_INT(koyeb_deploy(c, &o, &r), 0);
	ASSERT_EQ_STR(r.action, "created");
	ASSERT_EQ_STR(s.statuses, "PENDING PROVISIONING SCHEDULED ALLOCATING STARTING HEALTHY");
	ASSERT_EQ_INT(r.mutations, 2);
	j = koyeb_deploy_result_json(&r);
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "outcome")), "OK");
	ASSERT_EQ_INT(json_integer_value(json_object_get(j, "exit_code")), 0);
	ASSERT_NOT_NULL(json_object_get(j, "image"));
	ASSERT_NOT_NULL(json_object_get(j, "requests"));
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "url")), "https://demo-fixture.koyeb.app");
	json_decref(j);
	koyeb_deploy_result_release(&r);

	koyeb_deploy_result_init(&r);
	ASSERT_EQ_INT(koyeb_deploy(c, &o, &r), 0);
	ASSERT_EQ_STR(r.action, "up-to-date");
	ASSERT_EQ_INT(r.mutations, 0);
	koyeb_deploy_result_release(&r);
}

TEST(koyeb_deploy_update_whose_reply_was_lost_is_recognised)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct koyeb_deploy_opts o;
	struct koyeb_deploy_result r;
	struct seen s = {"", 0};

	control(f, "/_fixture/verify", "{\"image\":\"acme/api:1\",\"success\":true}");
	control(f, "/_fixture/verify", "{\"image\":\"acme/api:2\",\"success\":true}");
	deploy_opts(&o, &s);
	koyeb_deploy_result_init(&r);
	ASSERT_EQ_INT(koyeb_deploy(c, &o, &r), 0);
	koyeb_deploy_result_release(&r);

	control(f, "/_fixture/faults",
		"{\"operation\":\"UpdateService\",\"status\":500,\"apply\":true}");
	o.service.image = "acme/api:2";
	koyeb_deploy_result_init(&r);
	ASSERT_EQ_INT(koyeb_deploy(c, &o, &r), 0);
	ASSERT_EQ_STR(r.action, "updated");
	ASSERT_EQ_STR(r.status, "HEALTHY");
	ASSERT_EQ_INT(count_ops(f, "UpdateService"), 1);
	ASSERT(s.retries > 0);
	koyeb_deploy_result_release(&r);
}

TEST(koyeb_deploy_verify_failure_changes_nothing)
{
	struct fx *f = start_fx(0);
	struct koyeb_client *c = client(f, TOKEN);
	struct koyeb_deploy_opts o;
	struct koyeb_deploy_result r;
	struct seen s = {"", 0};

	control(f, "/_fixture/verify",
		"{\"image\":\"acme/api:1\",\"success\":false,\"code\":\"ANON_NOT_FOUND\","
		"\"reason\":\"manifest unknown\"}");
	deploy_opts(&o, &s);
	koyeb_deploy_result_init(&r);
	ASSERT_EQ_INT(koyeb_deploy(c, &o, &r), 3);
	ASSERT_EQ_INT(r.outcome, KOYEB_OUTCOME_IMAGE);
	ASSERT_EQ_STR(r.koyeb.summary, "manifest unknown");
	ASSERT_CONTAINS(r.fix, "does not exist");
	ASSERT_EQ_INT(r.mutations, 0);
	koyeb_deploy_result_release(&r);
}

TEST(koyeb_deployment_only_healthy_is_success)
{
	static const char *const failed[] = {"ERROR", "UNHEALTHY", "CANCELED", "STOPPED",
					     "DEGRADED", "STASHED", "SLEEPING"};
	static const char *const running[] = {"PENDING", "PROVISIONING", "SCHEDULED",
					      "ALLOCATING", "STARTING", "CANCELING",
					      "STOPPING", "ERRORING", "SOMETHING_NEW"};
	size_t i;

	ASSERT_EQ_INT(koyeb_deployment_state_of("HEALTHY"), KOYEB_DEPLOYMENT_HEALTHY);
	for (i = 0; i < sizeof(failed) / sizeof(failed[0]); i++)
		ASSERT_EQ_INT(koyeb_deployment_state_of(failed[i]), KOYEB_DEPLOYMENT_FAILED);
	for (i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		ASSERT_EQ_INT(koyeb_deployment_state_of(running[i]), KOYEB_DEPLOYMENT_RUNNING);
}

TEST(koyeb_outcome_exit_codes_are_distinct)
{
	int i, j;

	for (i = 0; i < KOYEB_OUTCOME_COUNT_; i++)
		for (j = i + 1; j < KOYEB_OUTCOME_COUNT_; j++)
			ASSERT_NE_INT(koyeb_outcome_exit_code(i), koyeb_outcome_exit_code(j));
	ASSERT_EQ_STR(koyeb_outcome_name(KOYEB_OUTCOME_DEPLOY_FAILED), "DEPLOY_FAILED");
	ASSERT_EQ_INT(koyeb_outcome_exit_code(KOYEB_OUTCOME_OK), 0);
	ASSERT_EQ_INT(koyeb_outcome_exit_code(KOYEB_OUTCOME_USAGE), 2);
}
