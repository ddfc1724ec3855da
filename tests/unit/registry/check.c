/*
 * Tests for lib/registry/check.c and render.c that need no registry: verdicts decided before
 * any connection (MALFORMED, INVALID_SCHEME, a bad platform), Docker Hub's endpoint mapping
 * and its override (pointed at a closed port), and both renderings.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "registry/check.h"
#include "test.h"

static void run_check(struct registry_check_opts *o, struct registry_check_result *r)
{
	registry_check(o, r);
}

TEST(registry_check_malformed_reference_names_rule_and_fix_without_network)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;

	o.reference = "docker.io/User/Repo:tag";
	ASSERT_EQ_INT(registry_check(&o, &r), 7);
	ASSERT_EQ_INT(r.verdict, REGISTRY_MALFORMED);
	ASSERT_EQ_STR(r.summary, "repository must be lowercase: 'User/Repo'");
	ASSERT_EQ_STR(r.fix, "write it as 'docker.io/user/repo:tag'");
	ASSERT_EQ_STR(r.malformed_rule, "uppercase");
	ASSERT_NULL(r.normalized);
	ASSERT_EQ_INT(r.stats.requests, 0);
	registry_check_result_release(&r);
}

TEST(registry_check_http_registry_off_loopback_is_invalid_scheme_without_connecting)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;

	o.reference = "http://registry.example.com/acme/api:1";
	ASSERT_EQ_INT(registry_check(&o, &r), 7);
	ASSERT_EQ_INT(r.verdict, REGISTRY_INVALID_SCHEME);
	ASSERT_EQ_STR(r.normalized, "registry.example.com/acme/api:1");
	ASSERT_EQ_INT(r.stats.requests, 0);
	registry_check_result_release(&r);
	/* An endpoint override counts too. */
	{
		struct registry_endpoint ep = {"docker.io", "http://mirror.example.com"};

		o.reference = "nginx";
		o.endpoints = &ep;
		o.nendpoints = 1;
		ASSERT_EQ_INT(registry_check(&o, &r), 7);
		ASSERT_EQ_INT(r.verdict, REGISTRY_INVALID_SCHEME);
		ASSERT_EQ_INT(r.stats.requests, 0);
		registry_check_result_release(&r);
	}
}

TEST(registry_check_bad_platform_is_generic)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;

	o.reference = "nginx";
	o.platform = "linux";
	ASSERT_EQ_INT(registry_check(&o, &r), 1);
	ASSERT_EQ_INT(r.verdict, REGISTRY_GENERIC);
	ASSERT_CONTAINS(r.summary, "platform 'linux'");
	registry_check_result_release(&r);
}

TEST(registry_check_docker_hub_override_heads_first_on_the_override)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;
	int port = ds_test_free_port();
	char *url = ds_test_printf("http://127.0.0.1:%d", port);
	struct registry_endpoint ep = {"docker.io", url};

	o.reference = "nginx";
	o.endpoints = &ep;
	o.nendpoints = 1;
	o.flags = REGISTRY_CHECK_NO_AMBIENT_CREDS;
	ASSERT_EQ_INT(registry_check(&o, &r), 9);
	ASSERT_EQ_INT(r.verdict, REGISTRY_REGISTRY_ERROR);
	ASSERT_CONTAINS(r.summary, ds_test_printf("nothing accepts connections at '127.0.0.1:%d'", port));
	ASSERT_EQ_STR(r.normalized, "docker.io/library/nginx:latest");
	{
		size_t i;
		int seen = 0;

		for (i = 0; i < r.nevidence; i++)
			if (r.evidence[i].method) {
				ASSERT_EQ_STR(r.evidence[i].method, "HEAD");
				ASSERT_EQ_STR(r.evidence[i].url,
					      ds_test_printf("%s/v2/library/nginx/manifests/latest", url));
				ASSERT_EQ_STR(r.evidence[i].failure, "connect");
				seen = 1;
			}
		ASSERT(seen);
	}
	registry_check_result_release(&r);
}

TEST(registry_check_caller_credentials_never_reach_the_result)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;
	struct ds_secret pw = DS_SECRET_INIT;
	int port = ds_test_free_port();
	char *json, *url = ds_test_printf("http://127.0.0.1:%d", port);
	struct registry_endpoint ep = {"docker.io", url};
	struct ds_buf text = DS_BUF_INIT(0);

	ds_secret_set(&pw, "hunter2-very-secret");
	o.reference = "acme/api:1";
	o.username = "alice";
	o.password = &pw;
	o.creds_label = "Koyeb secret 'hub'";
	o.flags = REGISTRY_CHECK_NO_AMBIENT_CREDS;
	o.endpoints = &ep;
	o.nendpoints = 1;
	registry_check(&o, &r);
	json = registry_check_result_to_json(&r, 1);
	registry_check_result_render(&r, &text);
	ASSERT_NOT_CONTAINS(json, "hunter2");
	ASSERT_NOT_CONTAINS(ds_buf_str(&text), "hunter2");
	ASSERT_CONTAINS(json, "\"source\": \"Koyeb secret 'hub'\"");
	ASSERT_CONTAINS(json, "\"username\": \"alice\"");
	free(json);
	ds_buf_release(&text);
	registry_check_result_release(&r);
	ds_secret_release(&pw);
}

TEST(registry_check_result_renders_text_and_json_with_the_same_fields)
{
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;
	struct ds_buf text = DS_BUF_INIT(0);
	char *s;
	json_t *j;
	const char *keys[] = {"reference", "normalized", "verdict", "exit_code", "koyeb_code", "summary",
			      "fix", "evidence", "digest", "platforms", "exposed_ports", "nearest_tag",
			      "credentials", "rate_limit", "stats"};
	size_t i;

	o.reference = "https://ghcr.io/acme/api:1";
	run_check(&o, &r);
	ASSERT_EQ_INT(registry_check_result_render(&r, &text), 0);
	ASSERT_EQ_STR(ds_buf_str(&text), "MALFORMED: an image reference has no scheme: strip 'https://'\n"
					 "  fix: write it as 'ghcr.io/acme/api:1'\n");
	s = registry_check_result_to_json(&r, 0);
	j = json_loads(s, 0, NULL);
	ASSERT_NOT_NULL(j);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ASSERT_MSG(json_object_get(j, keys[i]), "--json lacks '%s': %s", keys[i], s);
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "verdict")), "MALFORMED");
	ASSERT_EQ_STR(json_string_value(json_object_get(j, "reference")), "https://ghcr.io/acme/api:1");
	ASSERT_EQ_INT(json_integer_value(json_object_get(j, "exit_code")), 7);
	json_decref(j);
	free(s);
	ds_buf_release(&text);
	registry_check_result_release(&r);
}
