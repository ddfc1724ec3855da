/*
 * Tests for lib/koyeb/service.c: flag parsers, the definition builder's three modes, and
 * the comparison that decides "up to date" against what a server fills in.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "koyeb/service.h"
#include "test.h"

static void decref(void *p)
{
	json_decref(p);
}

static json_t *keep(json_t *j)
{
	ds_test_defer(decref, j);
	return j;
}

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	ASSERT_NOT_NULL(j);
	return keep(j);
}

static const char *dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	const char *out = ds_test_strdup(s);

	free(s);
	return out;
}

static void release_list(void *p)
{
	ds_strlist_release(p);
}

static struct ds_strlist *list(const char *a, const char *b, const char *c)
{
	struct ds_strlist *l = ds_test_alloc(sizeof(*l));

	if (a)
		ds_strlist_add(l, a);
	if (b)
		ds_strlist_add(l, b);
	if (c)
		ds_strlist_add(l, c);
	ds_test_defer(release_list, l);
	return l;
}

TEST(koyeb_parse_env_takes_key_value_and_secret_references)
{
	struct ds_error e = DS_ERROR_INIT;
	json_t *it;
	int rm;

	ASSERT_EQ_INT(koyeb_parse_env("A=1=2", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"key\":\"A\",\"value\":\"1=2\"}");
	ASSERT_EQ_INT(koyeb_parse_env("DB=@db-password", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"key\":\"DB\",\"secret\":\"db-password\"}");
	ASSERT_EQ_INT(koyeb_parse_env("EMPTY=", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"key\":\"EMPTY\",\"value\":\"\"}");
	ASSERT_EQ_INT(koyeb_parse_env("!OLD", &it, &rm, &e), 0);
	ASSERT_EQ_INT(rm, 1);
	json_decref(it);
	ASSERT_EQ_INT(koyeb_parse_env("NOVALUE", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "--env 'NOVALUE': expected KEY=VALUE");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_parse_env("1A=x", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "is not a variable name");
}

TEST(koyeb_parse_port_route_check_volume_quote_the_flag)
{
	struct ds_error e = DS_ERROR_INIT;
	json_t *it;
	int rm;

	ASSERT_EQ_INT(koyeb_parse_port("8000", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"port\":8000,\"protocol\":\"http\"}");
	ASSERT_EQ_INT(koyeb_parse_port("9000:http2", &it, &rm, &e), 0);
	json_decref(it);
	ASSERT_EQ_INT(koyeb_parse_port("80:htp", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "--ports '80:htp': protocol must be http, http2 or tcp");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_parse_port("70000", &it, &rm, &e), -1);

	ASSERT_EQ_INT(koyeb_parse_route("/api:8000", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"path\":\"/api\",\"port\":8000}");
	ASSERT_EQ_INT(koyeb_parse_route("/", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"path\":\"/\",\"port\":0}");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_parse_route("api:8000", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "PATH starting with '/'");

	ASSERT_EQ_INT(koyeb_parse_check("8000:http:/health", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"http\":{\"path\":\"/health\",\"port\":8000}}");
	ASSERT_EQ_INT(koyeb_parse_check("8000", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"http\":{\"path\":\"/\",\"port\":8000}}");
	ASSERT_EQ_INT(koyeb_parse_check("5432:tcp", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"tcp\":{\"port\":5432}}");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_parse_check("8000:grpc", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "http or tcp");

	ASSERT_EQ_INT(koyeb_parse_volume("data:/data", &it, &rm, &e), 0);
	ASSERT_EQ_STR(dump(keep(it)), "{\"name\":\"data\",\"path\":\"/data\"}");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_parse_volume("data", &it, &rm, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "expected NAME:PATH");
}

TEST(koyeb_definition_create_fills_the_defaults)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	json_t *d;

	s.image = "acme/api:1";
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_CREATE, NULL, NULL, &d, &e), 0);
	keep(d);
	ASSERT_EQ_STR(dump(d),
		      "{\"docker\":{\"image\":\"acme/api:1\"},\"instance_types\":[{\"type\":\"nano\"}],"
		      "\"ports\":[{\"port\":8000,\"protocol\":\"http\"}],\"regions\":[\"fra\"],"
		      "\"routes\":[{\"path\":\"/\",\"port\":8000}],\"scalings\":[{\"max\":1,\"min\":1}],"
		      "\"type\":\"WEB\"}");
}

TEST(koyeb_definition_routes_follow_the_first_port_and_lists_split_at_commas)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	json_t *d;

	s.image = "acme/api:1";
	s.ports = list("9000:http,9001:http2", NULL, NULL);
	s.routes = list("/", "/admin:9001", NULL);
	s.regions = list("fra,was", NULL, NULL);
	s.env = list("A=1,2", NULL, NULL);
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_CREATE, NULL, NULL, &d, &e), 0);
	keep(d);
	ASSERT_EQ_STR(dump(json_object_get(d, "routes")),
		      "[{\"path\":\"/\",\"port\":9000},{\"path\":\"/admin\",\"port\":9001}]");
	ASSERT_EQ_STR(dump(json_object_get(d, "regions")), "[\"fra\",\"was\"]");
	/* --env never splits: a comma is part of the value. */
	ASSERT_EQ_STR(dump(json_object_get(d, "env")), "[{\"key\":\"A\",\"value\":\"1,2\"}]");
}

TEST(koyeb_definition_worker_has_no_ports_and_removal_needs_update)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	json_t *d;

	s.image = "acme/worker:1";
	s.type = "worker";
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_CREATE, NULL, NULL, &d, &e), 0);
	keep(d);
	ASSERT_NULL(json_object_get(d, "ports"));
	ASSERT_NULL(json_object_get(d, "routes"));
	ASSERT_EQ_STR(json_string_value(json_object_get(d, "type")), "WORKER");
	s.type = NULL;
	s.env = list("!A", NULL, NULL);
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_CREATE, NULL, NULL, &d, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "only for 'service update'");
}

/* What a server hands back for the default definition: its own defaults added. */
static const char *served =
	"{\"name\":\"api\",\"type\":\"WEB\",\"strategy\":{\"type\":\"DEPLOYMENT_STRATEGY_TYPE_DEFAULT\"},"
	"\"docker\":{\"image\":\"docker.io/acme/api:1\",\"command\":\"serve\"},"
	"\"ports\":[{\"port\":8000,\"protocol\":\"http\"}],\"routes\":[{\"port\":8000,\"path\":\"/\"}],"
	"\"env\":[{\"key\":\"A\",\"value\":\"1\",\"scopes\":[\"region:fra\"]}],\"regions\":[\"fra\"],"
	"\"instance_types\":[{\"type\":\"nano\",\"scopes\":[\"region:fra\"]}],"
	"\"scalings\":[{\"min\":\"1\",\"max\":1,\"scopes\":[\"region:fra\"]}],"
	"\"health_checks\":[{\"tcp\":{\"port\":8000},\"grace_period\":5,\"interval\":30}]}";

TEST(koyeb_definition_diff_ignores_what_the_server_fills_in)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct ds_strlist changes = DS_STRLIST_INIT;
	json_t *cur = parse(served), *d;

	s.image = "acme/api:1";
	s.env = list("A=1", NULL, NULL);
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_REPLACE, cur, NULL, &d, &e), 0);
	keep(d);
	ASSERT_EQ_INT(koyeb_definition_diff(d, cur, &changes), 0);
	ASSERT_EQ_INT(changes.n, 0);
	/* REPLACE keeps what deploy does not manage. */
	ASSERT_EQ_STR(json_string_value(json_object_get(json_object_get(d, "docker"), "command")),
		      "serve");
	ds_strlist_release(&changes);
}

TEST(koyeb_definition_diff_names_each_change_without_values)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct ds_strlist changes = DS_STRLIST_INIT;
	json_t *cur = parse(served), *d;
	size_t i;
	struct ds_buf all = DS_BUF_INIT(0);

	s.image = "acme/api:2";
	s.env = list("A=topsecret", "B=2", NULL);
	s.checks = list("8000:http:/health", NULL, NULL);
	s.instance_type = "small";
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_REPLACE, cur, NULL, &d, &e), 0);
	keep(d);
	ASSERT_EQ_INT(koyeb_definition_diff(d, cur, &changes), 1);
	for (i = 0; i < changes.n; i++)
		ds_buf_addf(&all, "%s\n", changes.items[i]);
	ASSERT_CONTAINS(ds_buf_str(&all), "docker.image: 'docker.io/acme/api:1' -> 'acme/api:2'");
	ASSERT_CONTAINS(ds_buf_str(&all), "env: A changed");
	ASSERT_CONTAINS(ds_buf_str(&all), "env: +B");
	ASSERT_CONTAINS(ds_buf_str(&all), "health checks: 8000:tcp -> 8000:http:/health");
	ASSERT_CONTAINS(ds_buf_str(&all), "instance type: nano -> small");
	ASSERT_NOT_CONTAINS(ds_buf_str(&all), "topsecret");
	ds_buf_release(&all);
	ds_strlist_release(&changes);
}

TEST(koyeb_definition_merge_changes_only_the_named_items)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct ds_error e = DS_ERROR_INIT;
	json_t *cur = parse(served), *d;

	s.env = list("!A", "C=3", NULL);
	s.ports = list("9000:http", NULL, NULL);
	s.routes = list("/metrics:9000", NULL, NULL);
	ASSERT_EQ_INT(koyeb_definition_build(&s, KOYEB_DEF_MERGE, cur, NULL, &d, &e), 0);
	keep(d);
	ASSERT_EQ_STR(dump(json_object_get(d, "env")), "[{\"key\":\"C\",\"value\":\"3\"}]");
	ASSERT_EQ_INT(json_array_size(json_object_get(d, "ports")), 2);
	ASSERT_EQ_INT(json_array_size(json_object_get(d, "routes")), 2);
	ASSERT_EQ_STR(json_string_value(json_object_get(json_object_get(d, "docker"), "image")),
		      "docker.io/acme/api:1");
	ASSERT_EQ_STR(dump(json_object_get(d, "health_checks")),
		      dump(json_object_get(cur, "health_checks")));
}

TEST(koyeb_image_normalize_adds_what_the_ecosystem_implies)
{
	char *a = koyeb_image_normalize("nginx"), *b = koyeb_image_normalize("acme/api:1"),
	     *c = koyeb_image_normalize("ghcr.io/acme/api"),
	     *d = koyeb_image_normalize("127.0.0.1:5000/api@sha256:abc"),
	     *f = koyeb_image_normalize("index.docker.io/library/nginx:1.25");

	ASSERT_EQ_STR(a, "docker.io/library/nginx:latest");
	ASSERT_EQ_STR(b, "docker.io/acme/api:1");
	ASSERT_EQ_STR(c, "ghcr.io/acme/api:latest");
	ASSERT_EQ_STR(d, "127.0.0.1:5000/api@sha256:abc");
	ASSERT_EQ_STR(f, "docker.io/library/nginx:1.25");
	free(a);
	free(b);
	free(c);
	free(d);
	free(f);
}
