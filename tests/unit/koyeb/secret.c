/*
 * Tests for lib/koyeb/secret.c and verify.c's pure parts: the secret types and their
 * bodies, and the fix that compares our verdict with Koyeb's.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "koyeb/secret.h"
#include "koyeb/verify.h"
#include "test.h"

TEST(koyeb_secret_types_map_to_the_api_configuration)
{
	const struct koyeb_secret_type *t = koyeb_secret_type_find("registry-github");

	ASSERT_NOT_NULL(t);
	ASSERT_EQ_STR(t->config, "github_registry");
	ASSERT_EQ_STR(t->api_type, "REGISTRY");
	ASSERT_EQ_STR(koyeb_secret_type_find("registry-private")->config, "private_registry");
	ASSERT_EQ_STR(koyeb_secret_type_find("simple")->api_type, "SIMPLE");
	ASSERT_NULL(koyeb_secret_type_find("registry"));
	ASSERT_EQ_STR(koyeb_secret_type_for_domain("ghcr.io")->name, "registry-github");
	ASSERT_EQ_STR(koyeb_secret_type_for_domain("index.docker.io")->name, "registry-dockerhub");
	ASSERT_EQ_STR(koyeb_secret_type_for_domain("acme.azurecr.io")->name, "registry-azure");
	ASSERT_EQ_STR(koyeb_secret_type_for_domain("europe-docker.pkg.dev")->name, "registry-gcp");
	ASSERT_EQ_STR(koyeb_secret_type_for_domain("registry.example.com:5000")->name,
		      "registry-private");
	ASSERT_CONTAINS(koyeb_secret_type_names(), "registry-digital-ocean");
}

TEST(koyeb_secret_spec_check_names_the_missing_flag)
{
	struct ds_secret pw = DS_SECRET_INIT;
	struct koyeb_secret_spec s = {"reg", NULL, NULL, NULL, NULL, &pw};
	struct ds_error e = DS_ERROR_INIT;

	s.type = koyeb_secret_type_find("registry-private");
	ASSERT_EQ_INT(koyeb_secret_spec_check(&s, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "needs --registry-username");
	s.username = "bob";
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_secret_spec_check(&s, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "needs --registry-url");
	s.url = "r.example.com";
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_secret_spec_check(&s, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "--value-from-stdin");
	ds_secret_set(&pw, "pw");
	ASSERT_EQ_INT(koyeb_secret_spec_check(&s, &e), 0);
	s.type = koyeb_secret_type_find("registry-dockerhub");
	ds_error_init(&e);
	ASSERT_EQ_INT(koyeb_secret_spec_check(&s, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "--registry-url is only for");
	ds_secret_release(&pw);
}

TEST(koyeb_secret_body_puts_the_password_in_the_configuration)
{
	struct ds_secret pw = DS_SECRET_INIT;
	struct koyeb_secret_spec s = {"reg", NULL, "bob", "r.example.com", NULL, &pw};
	json_t *b;
	char *text;

	ds_secret_set(&pw, "hunter2");
	s.type = koyeb_secret_type_find("registry-private");
	b = koyeb_secret_body(&s);
	text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	ASSERT_EQ_STR(text, "{\"name\":\"reg\",\"private_registry\":{\"password\":\"hunter2\","
			    "\"url\":\"r.example.com\",\"username\":\"bob\"},\"type\":\"REGISTRY\"}");
	free(text);
	koyeb_json_wipe(b);
	ASSERT_EQ_INT(json_string_value(json_object_get(json_object_get(b, "private_registry"),
							"password"))[0],
		      0);
	json_decref(b);
	ds_secret_release(&pw);
}

static struct koyeb_verdict verdict(int ok, const char *code)
{
	struct koyeb_verdict v;

	koyeb_verdict_init(&v);
	v.ran = 1;
	v.ok = ok;
	v.code = strdup(code);
	return v;
}

TEST(koyeb_image_fix_blames_the_secret_when_only_koyeb_fails)
{
	struct koyeb_verdict l = verdict(1, "OK"), k = verdict(0, "AUTH_ACCESS_DENIED");
	char *fix = koyeb_image_fix(&l, &k, "r.example.com/acme/api:1", "reg");

	ASSERT_CONTAINS(fix, "pullable with your credentials, but the Koyeb secret 'reg' is not: "
			     "recreate it");
	free(fix);
	fix = koyeb_image_fix(&l, &k, "r.example.com/acme/api:1", NULL);
	ASSERT_CONTAINS(fix, "Koyeb pulls without any");
	free(fix);
	koyeb_verdict_release(&l);
	koyeb_verdict_release(&k);

	l = verdict(0, "INVALID_ARCH");
	k = verdict(0, "INVALID_ARCH");
	l.fix = strdup("build for linux/amd64");
	fix = koyeb_image_fix(&l, &k, "acme/api:1", NULL);
	ASSERT_EQ_STR(fix, "build for linux/amd64");
	free(fix);
	koyeb_verdict_release(&l);
	koyeb_verdict_release(&k);

	l = verdict(1, "OK");
	k = verdict(1, "OK");
	ASSERT_NULL(koyeb_image_fix(&l, &k, "acme/api:1", NULL));
	koyeb_verdict_release(&l);
	koyeb_verdict_release(&k);
}

TEST(koyeb_verify_exit_codes_follow_the_verdict_table)
{
	ASSERT_EQ_INT(koyeb_verify_exit_code("ANON_NOT_FOUND"), 3);
	ASSERT_EQ_INT(koyeb_verify_exit_code("AUTH_ACCESS_DENIED"), 4);
	ASSERT_EQ_INT(koyeb_verify_exit_code("INVALID_ARCH"), 5);
	ASSERT_EQ_INT(koyeb_verify_exit_code("MALFORMED"), 7);
	ASSERT_EQ_INT(koyeb_verify_exit_code("DNS"), 8);
	ASSERT_EQ_INT(koyeb_verify_exit_code("REGISTRY_ERROR"), 9);
	ASSERT_EQ_INT(koyeb_verify_exit_code("GENERIC"), 1);
	ASSERT_EQ_INT(koyeb_verify_exit_code("SOMETHING_NEW"), 1);
}
