/*
 * Tests for lib/registry/creds.c: config.json keys and shapes, the environment, and
 * credential helpers (a fake docker-credential-* script that records what it was given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "registry/creds.h"
#include "test.h"

/* base64("alice:s3cret-pw") */
#define ALICE_AUTH "YWxpY2U6czNjcmV0LXB3"

static int from_config(const char *json, const char *domain, struct registry_creds *c,
		       char **helper, struct ds_error *e)
{
	return registry_creds_from_config(json, strlen(json), "config.json", domain, c, helper, e);
}

TEST(registry_creds_config_honours_all_docker_hub_keys)
{
	const char *keys[] = {"https://index.docker.io/v1/", "index.docker.io", "docker.io",
			      "https://index.docker.io/v1", "registry-1.docker.io"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct registry_creds c = REGISTRY_CREDS_INIT;
		struct ds_error e = DS_ERROR_INIT;
		char *helper = NULL;
		char *json = ds_test_printf("{\"auths\":{\"ghcr.io\":{\"auth\":\"Z2g6Z2g=\"},\"%s\":"
					    "{\"auth\":\"" ALICE_AUTH "\"}}}",
					    keys[i]);

		ASSERT_EQ_INT(from_config(json, "docker.io", &c, &helper, &e), 0);
		ASSERT_NULL(helper);
		ASSERT_EQ_INT(c.source, REGISTRY_CREDS_CONFIG);
		ASSERT_EQ_STR(c.username, "alice");
		ASSERT_EQ_STR(ds_secret_value(&c.password), "s3cret-pw");
		ASSERT_CONTAINS(c.origin, keys[i]);
		ASSERT_NOT_CONTAINS(c.origin, "s3cret");
		registry_creds_release(&c);
	}
}

TEST(registry_creds_config_matches_host_and_port_exactly)
{
	ASSERT(registry_creds_key_matches("ghcr.io", "ghcr.io"));
	ASSERT(registry_creds_key_matches("https://ghcr.io", "ghcr.io"));
	ASSERT(registry_creds_key_matches("https://GHCR.io/v2/", "ghcr.io"));
	ASSERT(registry_creds_key_matches("127.0.0.1:5000", "127.0.0.1:5000"));
	ASSERT(!registry_creds_key_matches("127.0.0.1:5000", "127.0.0.1:5001"));
	ASSERT(!registry_creds_key_matches("127.0.0.1", "127.0.0.1:5000"));
	ASSERT(!registry_creds_key_matches("ghcr.io.evil.com", "ghcr.io"));
	ASSERT(!registry_creds_key_matches("docker.io", "ghcr.io"));
	ASSERT(!registry_creds_key_matches("ghcr.io", "docker.io"));
}

TEST(registry_creds_config_reads_username_password_and_identity_token)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	char *helper = NULL;

	ASSERT_EQ_INT(from_config("{\"auths\":{\"r.example\":{\"username\":\"bob\",\"password\":\"pw\"}}}",
				  "r.example", &c, &helper, &e), 0);
	ASSERT_EQ_STR(c.username, "bob");
	ASSERT_EQ_STR(ds_secret_value(&c.password), "pw");
	registry_creds_release(&c);
	ASSERT_EQ_INT(from_config("{\"auths\":{\"r.example\":{\"identitytoken\":\"idt\"}}}",
				  "r.example", &c, &helper, &e), 0);
	ASSERT(registry_creds_present(&c));
	ASSERT_EQ_STR(ds_secret_value(&c.identity_token), "idt");
	registry_creds_release(&c);
	/* docker login with a store leaves empty entries: they are not credentials. */
	ASSERT_EQ_INT(from_config("{\"auths\":{\"r.example\":{}}}", "r.example", &c, &helper, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	registry_creds_release(&c);
}

/* Found by fuzz/docker-config.c: a placeholder with a username but no password under one
 * Docker Hub key, then real credentials under another. The username must be the second
 * entry's (the first one's was leaked and replaced). */
TEST(registry_creds_config_placeholder_username_does_not_stick)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	char *helper = NULL;

	ASSERT_EQ_INT(from_config("{\"auths\":{\"docker.io\":{\"username\":\"old\",\"password\":\"\"},"
				  "\"https://index.docker.io/v1/\":{\"auth\":\"" ALICE_AUTH "\"}}}",
				  "docker.io", &c, &helper, &e),
		      0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_CONFIG);
	ASSERT_EQ_STR(c.username, "alice");
	ASSERT_EQ_STR(ds_secret_value(&c.password), "s3cret-pw");
	registry_creds_release(&c);
	/* Alone, the placeholder is no credentials at all, username included. */
	ASSERT_EQ_INT(from_config("{\"auths\":{\"docker.io\":{\"username\":\"old\",\"password\":\"\"}}}",
				  "docker.io", &c, &helper, &e),
		      0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	ASSERT_NULL(c.username);
	registry_creds_release(&c);
}

TEST(registry_creds_config_prefers_cred_helpers_then_store)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	char *helper = NULL;
	const char *json = "{\"auths\":{\"ghcr.io\":{\"auth\":\"" ALICE_AUTH "\"}},"
			   "\"credsStore\":\"desktop\",\"credHelpers\":{\"ghcr.io\":\"gh\"}}";

	ASSERT_EQ_INT(from_config(json, "ghcr.io", &c, &helper, &e), 0);
	ASSERT_EQ_STR(helper, "gh");
	free(helper);
	ASSERT_EQ_INT(from_config(json, "quay.io", &c, &helper, &e), 0);
	ASSERT_EQ_STR(helper, "desktop");
	free(helper);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	registry_creds_release(&c);
}

TEST(registry_creds_config_errors_never_quote_secrets)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	char *helper = NULL;

	ASSERT_EQ_INT(from_config("{\"auths\":{\"r.example\":{\"auth\":\"bm8tY29sb24tc2VjcmV0\"}}}",
				  "r.example", &c, &helper, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "is not base64 of 'user:password'");
	ASSERT_NOT_CONTAINS(ds_error_msg(&e), "bm8tY29sb24tc2VjcmV0");
	ASSERT_NOT_CONTAINS(ds_error_msg(&e), "no-colon-secret");
	ds_error_init(&e);
	ASSERT_EQ_INT(from_config("{\"auths\": {", "r.example", &c, &helper, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "config.json': line 1");
	registry_creds_release(&c);
}

static void unset_envs(void *unused)
{
	unsetenv("REGISTRY_USERNAME");
	unsetenv("REGISTRY_PASSWORD");
	unsetenv("DOCKER_HUB_USERNAME");
	unsetenv("DOCKER_HUB_ACCESS_TOKEN");
}

TEST(registry_creds_env_wins_and_hub_variables_are_for_docker_io_only)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	struct registry_creds_query q = {"ghcr.io", ds_test_tmpdir(), 0, 0, 0};

	ds_test_defer(unset_envs, NULL);
	unset_envs(NULL);
	setenv("DOCKER_HUB_USERNAME", "hubber", 1);
	setenv("DOCKER_HUB_ACCESS_TOKEN", "dckr_pat_x", 1);
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	registry_creds_release(&c);
	q.domain = "docker.io";
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_ENV_DOCKER_HUB);
	ASSERT_EQ_STR(c.username, "hubber");
	ASSERT_EQ_STR(c.origin, "DOCKER_HUB_USERNAME");
	registry_creds_release(&c);
	setenv("REGISTRY_USERNAME", "reg", 1);
	setenv("REGISTRY_PASSWORD", "regpw", 1);
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_ENV);
	ASSERT_EQ_STR(c.username, "reg");
	registry_creds_release(&c);
	unsetenv("REGISTRY_PASSWORD");
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_ENV_DOCKER_HUB);
	ASSERT_EQ_INT(c.notes.n, 1);
	ASSERT_CONTAINS(c.notes.items[0], "REGISTRY_USERNAME is set but REGISTRY_PASSWORD is not");
	registry_creds_release(&c);
}

TEST(registry_creds_reads_docker_config_dir)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	const char *dir = ds_test_tmpdir();
	struct registry_creds_query q = {"127.0.0.1:5000", dir, 1, 0, 0};
	const char *json = "{\"auths\":{\"http://127.0.0.1:5000\":{\"auth\":\"" ALICE_AUTH "\"}}}";

	ds_test_write_file(ds_test_path(dir, "config.json"), json, strlen(json));
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_CONFIG);
	ASSERT_EQ_STR(c.username, "alice");
	registry_creds_release(&c);
	/* A broken file is a note, not a failure: the check goes on anonymously. */
	ds_test_write_file(ds_test_path(dir, "config.json"), "{", 1);
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	ASSERT_EQ_INT(c.notes.n, 1);
	ASSERT_CONTAINS(c.notes.items[0], "ignored");
	registry_creds_release(&c);
}

/* A helper that records argv and stdin, and answers like docker-credential-pass. */
static const char *install_helper(const char *name, const char *reply, int status)
{
	const char *dir = ds_test_tmpdir();
	char *path = ds_test_printf("%s/docker-credential-%s", dir, name);
	char *script = ds_test_printf("#!/bin/sh\n"
				      "echo \"$@\" > '%s/%s.argv'\n"
				      "cat > '%s/%s.stdin'\n"
				      "printf '%%s' '%s'\n"
				      "exit %d\n",
				      dir, name, dir, name, reply, status);

	ds_test_write_file(path, script, strlen(script));
	chmod(path, 0755);
	setenv("PATH", ds_test_printf("%s:%s", dir, getenv("PATH")), 1);
	return dir;
}

TEST(registry_creds_helper_gets_server_on_stdin_and_no_secret_in_argv)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	const char *dir = install_helper("fake",
					 "{\"ServerURL\":\"x\",\"Username\":\"hubuser\",\"Secret\":\"helper-s3cret\"}",
					 0);

	ASSERT_EQ_INT(registry_creds_run_helper("fake", registry_creds_server_url("docker.io"), 5000,
						&c, &e), 1);
	ASSERT_EQ_STR(c.username, "hubuser");
	ASSERT_EQ_STR(ds_secret_value(&c.password), "helper-s3cret");
	ASSERT_EQ_STR(c.origin, "docker-credential-fake");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(dir, "fake.argv"), NULL), "get\n");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(dir, "fake.stdin"), NULL),
		      "https://index.docker.io/v1/");
	registry_creds_release(&c);
}

TEST(registry_creds_helper_without_credentials_is_not_an_error)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;

	install_helper("empty", "credentials not found in native keychain", 1);
	ASSERT_EQ_INT(registry_creds_run_helper("empty", "ghcr.io", 5000, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_NONE);
	ASSERT_EQ_INT(registry_creds_run_helper("not-installed-anywhere", "ghcr.io", 5000, &c, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "'docker-credential-not-installed-anywhere' is not installed");
	ds_error_init(&e);
	ASSERT_EQ_INT(registry_creds_run_helper("../evil", "ghcr.io", 5000, &c, &e), -1);
	registry_creds_release(&c);
}

TEST(registry_creds_helper_identity_token_is_kept_apart)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;

	install_helper("idt", "{\"Username\":\"<token>\",\"Secret\":\"refresh-me\"}", 0);
	ASSERT_EQ_INT(registry_creds_run_helper("idt", "ghcr.io", 5000, &c, &e), 1);
	ASSERT_NULL(c.username);
	ASSERT_EQ_STR(ds_secret_value(&c.identity_token), "refresh-me");
	ASSERT(!ds_secret_is_set(&c.password));
	registry_creds_release(&c);
}

TEST(registry_creds_find_runs_the_store_from_config)
{
	struct registry_creds c = REGISTRY_CREDS_INIT;
	struct ds_error e = DS_ERROR_INIT;
	const char *dir = install_helper("store", "{\"Username\":\"u\",\"Secret\":\"store-s3cret\"}", 0);
	struct registry_creds_query q = {"ghcr.io", dir, 1, 0, 0};
	const char *json = "{\"credsStore\":\"store\"}";

	ds_test_write_file(ds_test_path(dir, "config.json"), json, strlen(json));
	ASSERT_EQ_INT(registry_creds_find(&q, &c, &e), 0);
	ASSERT_EQ_INT(c.source, REGISTRY_CREDS_HELPER);
	ASSERT_EQ_STR(ds_secret_value(&c.password), "store-s3cret");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(dir, "store.stdin"), NULL), "ghcr.io");
	registry_creds_release(&c);
}
