/*
 * Tests for lib/registry/ref.c: the reference grammar as a table. Each row is an input and
 * either its normalised form or the rule it breaks and the suggested fix (NULL: none).
 */
#include <stdio.h>
#include <stdlib.h>

#include "registry/ref.h"
#include "test.h"

struct good {
	const char *in, *normalized;
};

struct bad {
	const char *in;
	enum ref_rule rule;
	const char *suggestion;
};

static const struct good good[] = {
	{"nginx", "docker.io/library/nginx:latest"},
	{"nginx:1.25", "docker.io/library/nginx:1.25"},
	{"library/nginx", "docker.io/library/nginx:latest"},
	{"docker.io/nginx", "docker.io/library/nginx:latest"},
	{"docker.io/library/nginx:alpine", "docker.io/library/nginx:alpine"},
	{"index.docker.io/nginx", "docker.io/library/nginx:latest"},
	{"index.docker.io/acme/api:1", "docker.io/acme/api:1"},
	{"registry-1.docker.io/acme/api", "docker.io/acme/api:latest"},
	{"acme/api", "docker.io/acme/api:latest"},
	{"acme/api:1.2.3", "docker.io/acme/api:1.2.3"},
	{"ghcr.io/acme/api:1.2", "ghcr.io/acme/api:1.2"},
	{"ghcr.io/acme/team/api:v1", "ghcr.io/acme/team/api:v1"},
	{"localhost/api", "localhost/api:latest"},
	{"localhost:5000/api:dev", "localhost:5000/api:dev"},
	{"127.0.0.1:5000/acme/api", "127.0.0.1:5000/acme/api:latest"},
	{"[::1]:5000/acme/api:1", "[::1]:5000/acme/api:1"},
	{"registry.example.com:443/a/b/c/d:tag", "registry.example.com:443/a/b/c/d:tag"},
	{"my-registry.local/app", "my-registry.local/app:latest"},
	{"quay.io/coreos/etcd:v3.5.0", "quay.io/coreos/etcd:v3.5.0"},
	{"gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:nonroot"},
	{"public.ecr.aws/lambda/python:3.12", "public.ecr.aws/lambda/python:3.12"},
	{"registry.gitlab.com/group/sub/project/image:latest", "registry.gitlab.com/group/sub/project/image:latest"},
	{"nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "docker.io/library/nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"nginx:1.25@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "docker.io/library/nginx:1.25@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"ghcr.io/acme/api@sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", "ghcr.io/acme/api@sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
	{"acme/my_app", "docker.io/acme/my_app:latest"},
	{"acme/my__app", "docker.io/acme/my__app:latest"},
	{"acme/my-app", "docker.io/acme/my-app:latest"},
	{"acme/my---app", "docker.io/acme/my---app:latest"},
	{"acme/my.app", "docker.io/acme/my.app:latest"},
	{"a/b", "docker.io/a/b:latest"},
	{"acme/api:_private", "docker.io/acme/api:_private"},
	{"acme/api:UPPER", "docker.io/acme/api:UPPER"},
	{"acme/api:a.b-c_d", "docker.io/acme/api:a.b-c_d"},
	{"acme/api:tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt", "docker.io/acme/api:tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"},
	{"ghcr.io/a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ghcr.io/a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:latest"},
	{"Docker.io/acme/api", "docker.io/acme/api:latest"},
	{"GHCR.IO/acme/api", "ghcr.io/acme/api:latest"},
	{"example.com/x", "example.com/x:latest"},
	{"foo_bar", "docker.io/library/foo_bar:latest"},
	{"a0/b1/c2", "docker.io/a0/b1/c2:latest"},
	{"xn--bcher-kva.example/app", "xn--bcher-kva.example/app:latest"},
	{"10.0.0.1:5000/app:1", "10.0.0.1:5000/app:1"},
	{"localhost:65535/app", "localhost:65535/app:latest"},
	{"registry:5000/app", "registry:5000/app:latest"},
	{"acme/api:latest", "docker.io/acme/api:latest"},
	{"nginx:1", "docker.io/library/nginx:1"},
	{"busybox:1.36.1-musl", "docker.io/library/busybox:1.36.1-musl"},
	{"ubuntu:22.04", "docker.io/library/ubuntu:22.04"},
	{"postgres:16-alpine", "docker.io/library/postgres:16-alpine"},
	{"node.js/app", "node.js/app:latest"},
	{"mcr.microsoft.com/windows/servercore:ltsc2022", "mcr.microsoft.com/windows/servercore:ltsc2022"},
	{"k8s.gcr.io/pause:3.9", "k8s.gcr.io/pause:3.9"},
	{"docker.io/library/nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "docker.io/library/nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"acme/api:1.0.0-rc.1", "docker.io/acme/api:1.0.0-rc.1"},
	{"0/0", "docker.io/0/0:latest"},
	{"a", "docker.io/library/a:latest"},
	{"ghcr.io/acme/api:8080", "ghcr.io/acme/api:8080"},
	{"localhost:5000/a/b:c", "localhost:5000/a/b:c"},
};

static const struct bad bad[] = {
	{"", REF_EMPTY, NULL},
	{" nginx", REF_WHITESPACE, "nginx"},
	{"nginx ", REF_WHITESPACE, "nginx"},
	{"ng inx", REF_WHITESPACE, NULL},
	{"nginx\t", REF_WHITESPACE, "nginx"},
	{"https://ghcr.io/acme/api:1", REF_SCHEME, "ghcr.io/acme/api:1"},
	{"http://ghcr.io/acme/api", REF_SCHEME, "ghcr.io/acme/api"},
	{"docker://nginx", REF_SCHEME, "nginx"},
	{"HTTPS://ghcr.io/acme/api", REF_SCHEME, "ghcr.io/acme/api"},
	{"https://Docker.io/User/App", REF_SCHEME, "Docker.io/user/app"},
	{"docker.io/User/Repo:tag", REF_UPPERCASE, "docker.io/user/repo:tag"},
	{"Nginx", REF_UPPERCASE, "nginx"},
	{"acme/API:V1", REF_UPPERCASE, "acme/api:V1"},
	{"ghcr.io/Acme/Api", REF_UPPERCASE, "ghcr.io/acme/api"},
	{"Acme/api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", REF_UPPERCASE, "acme/api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"registry.localhost:5000", REF_NO_REPOSITORY, NULL},
	{"localhost:5000", REF_NO_REPOSITORY, NULL},
	{"ghcr.io", REF_NO_REPOSITORY, NULL},
	{"localhost", REF_NO_REPOSITORY, NULL},
	{"registry.example.com", REF_NO_REPOSITORY, NULL},
	{"docker.io/", REF_NO_REPOSITORY, NULL},
	{":latest", REF_NO_REPOSITORY, NULL},
	{"@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", REF_NO_REPOSITORY, NULL},
	{"ghcr.io/acme/", REF_PATH_COMPONENT, "ghcr.io/acme"},
	{"ghcr.io//acme/api", REF_PATH_COMPONENT, "ghcr.io/acme/api"},
	{"acme//api", REF_PATH_COMPONENT, "acme/api"},
	{"acme/api:1.0/", REF_PATH_COMPONENT, "acme/api:1.0"},
	{"acme/-api", REF_PATH_COMPONENT, NULL},
	{"acme/api-", REF_PATH_COMPONENT, NULL},
	{"acme/_api", REF_PATH_COMPONENT, NULL},
	{"acme/a___b", REF_PATH_COMPONENT, NULL},
	{"acme/a..b", REF_PATH_COMPONENT, NULL},
	{"acme/a.-b", REF_PATH_COMPONENT, NULL},
	{"acme/a$b", REF_PATH_COMPONENT, NULL},
	{"acme/a+b", REF_PATH_COMPONENT, NULL},
	{"nginx:latest:1", REF_PATH_COMPONENT, NULL},
	{"ghcr.io/a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", REF_PATH_TOO_LONG, NULL},
	{"nginx:", REF_TAG, "nginx"},
	{"nginx:.hidden", REF_TAG, NULL},
	{"nginx:-x", REF_TAG, NULL},
	{"nginx:tag!", REF_TAG, NULL},
	{"nginx:t%g", REF_TAG, NULL},
	{"acme/api:ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt", REF_TAG_TOO_LONG, NULL},
	{"nginx@", REF_DIGEST, "nginx"},
	{"ghcr.io/acme/api@", REF_DIGEST, "ghcr.io/acme/api"},
	{"nginx@sha256:abc", REF_DIGEST, NULL},
	{"nginx@sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", REF_DIGEST, NULL},
	{"nginx@md5:d41d8cd98f00b204e9800998ecf8427e", REF_DIGEST, NULL},
	{"nginx@sha256", REF_DIGEST, NULL},
	{"nginx@sha256:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", REF_DIGEST, NULL},
	{"nginx@sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", REF_DIGEST, NULL},
	{"nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", REF_DIGEST, NULL},
	{"nginx:t@g", REF_DIGEST, NULL},
	{"nginx:a/b", REF_DOMAIN, NULL},
	{"my_host.com/app", REF_DOMAIN, NULL},
	{"-bad.com/app", REF_DOMAIN, NULL},
	{"bad-.com/app", REF_DOMAIN, NULL},
	{"host.com:99999/app", REF_DOMAIN, NULL},
	{"host.com:/app", REF_DOMAIN, NULL},
	{"host..com/app", REF_DOMAIN, NULL},
	{"[::1/app", REF_DOMAIN, NULL},
	{"[]:5000/app", REF_DOMAIN, NULL},
	{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", REF_HEX_NAME, NULL},
};

TEST(ref_parse_table_normalizes_valid_references)
{
	size_t i, failures = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ref r = REF_INIT;
		struct ds_error e = DS_ERROR_INIT;
		char *s;

		if (ref_parse(&r, good[i].in, &e)) {
			ds_test_note("'%s': refused: %s", good[i].in, ds_error_msg(&e));
			failures++;
			continue;
		}
		s = ref_string(&r);
		if (!s || strcmp(s, good[i].normalized)) {
			ds_test_note("'%s': got '%s', want '%s'", good[i].in, s ? s : "(null)",
				     good[i].normalized);
			failures++;
		}
		free(s);
		ref_release(&r);
	}
	ASSERT_EQ_INT(failures, 0);
	ASSERT_CMP_INT(sizeof(good) / sizeof(good[0]) + sizeof(bad) / sizeof(bad[0]), >=, 100);
}

TEST(ref_parse_table_names_the_broken_rule_and_fix)
{
	size_t i, failures = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ref r = REF_INIT;
		struct ds_error e = DS_ERROR_INIT;
		char *sugg;

		if (!ref_parse(&r, bad[i].in, &e)) {
			ds_test_note("'%.80s': accepted, want rule %s", bad[i].in, ref_rule_name(bad[i].rule));
			ref_release(&r);
			failures++;
			continue;
		}
		if (e.code != (int)bad[i].rule) {
			ds_test_note("'%.80s': rule %s (%s), want %s", bad[i].in,
				     ref_rule_name((enum ref_rule)e.code), ds_error_msg(&e),
				     ref_rule_name(bad[i].rule));
			failures++;
		}
		if (r.domain || r.path || r.tag || r.digest) {
			ds_test_note("'%.80s': refused but r is not empty", bad[i].in);
			failures++;
		}
		sugg = ref_suggest(bad[i].in);
		if ((sugg == NULL) != (bad[i].suggestion == NULL) ||
		    (sugg && strcmp(sugg, bad[i].suggestion))) {
			ds_test_note("'%.80s': suggestion '%s', want '%s'", bad[i].in,
				     sugg ? sugg : "(none)",
				     bad[i].suggestion ? bad[i].suggestion : "(none)");
			failures++;
		}
		free(sugg);
	}
	ASSERT_EQ_INT(failures, 0);
}

TEST(ref_parse_adds_library_for_official_images)
{
	struct ref r = REF_INIT;
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(ref_parse(&r, "nginx", &e), 0);
	ASSERT_EQ_STR(r.domain, "docker.io");
	ASSERT_EQ_STR(r.path, "library/nginx");
	ASSERT_EQ_STR(r.tag, "latest");
	ASSERT_NULL(r.digest);
	ASSERT(ref_is_docker_hub(&r));
	ref_release(&r);
}

TEST(ref_parse_digest_only_has_no_default_tag)
{
	struct ref r = REF_INIT;
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(ref_parse(&r, "ghcr.io/acme/api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &e), 0);
	ASSERT_NULL(r.tag);
	ASSERT_EQ_STR(r.digest, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ASSERT(!ref_is_docker_hub(&r));
	ref_release(&r);
}

TEST(ref_parse_errors_quote_the_offending_part)
{
	struct ref r = REF_INIT;
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(ref_parse(&r, "docker.io/Acme/Api:1", &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "repository must be lowercase: 'Acme/Api'");
	ds_error_init(&e);
	ASSERT_EQ_INT(ref_parse(&r, "registry.localhost:5000", &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "'registry.localhost:5000' names a registry but no repository");
	ds_error_init(&e);
	ASSERT_EQ_INT(ref_parse(&r, "nginx@sha256:abc", &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "64 hex characters, not 3");
}

TEST(ref_domain_is_loopback_knows_loopback_hosts)
{
	ASSERT(ref_domain_is_loopback("localhost"));
	ASSERT(ref_domain_is_loopback("localhost:5000"));
	ASSERT(ref_domain_is_loopback("127.0.0.1:5000"));
	ASSERT(ref_domain_is_loopback("127.1.2.3"));
	ASSERT(ref_domain_is_loopback("[::1]:5000"));
	ASSERT(!ref_domain_is_loopback("127.0.0.1.example.com"));
	ASSERT(!ref_domain_is_loopback("localhost.example.com"));
	ASSERT(!ref_domain_is_loopback("10.0.0.1:5000"));
	ASSERT(!ref_domain_is_loopback("docker.io"));
	ASSERT(!ref_domain_is_loopback(NULL));
}
