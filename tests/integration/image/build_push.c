/*
 * `duckdb-spawn image build` and `image push` through the real binary: the layout is
 * reproducible and complete (its root filesystem runs the binary as the image's user), and
 * what push sends to a real registry (regfix.h) is what `image check` then calls OK.
 * Layers are built with --gzip-level 1: these tests are about content, not size.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "regfix-test.h"
#include "test.h"

/* No credentials from the developer's environment or config.json. */
static const char *const *env_with(const char *a, const char *b, const char *c)
{
	const char **env = ds_test_alloc(10 * sizeof(*env));
	int n = 0;

	env[n++] = "REGISTRY_USERNAME";
	env[n++] = "REGISTRY_PASSWORD";
	env[n++] = "DOCKER_HUB_USERNAME";
	env[n++] = "DOCKER_HUB_ACCESS_TOKEN";
	env[n++] = ds_test_printf("DOCKER_CONFIG=%s/no-docker-config", ds_test_tmpdir());
	env[n++] = a;
	if (a && b)
		env[n++] = b;
	if (a && b && c)
		env[n++] = c;
	env[n] = NULL;
	return env;
}

static json_t *load_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		FAIL("not JSON (%s): %.2000s", je.text, text);
	return j;
}

/* Build into dir; returns the --json output. */
static json_t *build(const char *dir, const char *tag, const char *epoch)
{
	const char *argv[] = {ds_test_bin(), "image", "build", "--json", "--gzip-level", "1",
			      "--tag", tag, "--output", dir, NULL};
	struct ds_run r;

	ds_run(&r, argv, env_with(epoch, NULL, NULL), NULL, 120000);
	ASSERT_MSG(r.code == 0, "image build failed (%d): %s", r.code, r.err);
	return load_json(r.out);
}

static json_t *blob_json(const char *layout, const char *digest)
{
	const char *path = ds_test_printf("%s/blobs/sha256/%s", layout, digest + 7);
	char *text = ds_test_read_file(path, NULL);

	ASSERT_MSG(text != NULL, "missing blob %s", path);
	return load_json(text);
}

static const char *jstr(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

TEST(image_build_same_inputs_give_the_same_digest)
{
	const char *tmp = ds_test_tmpdir();
	json_t *a = build(ds_test_path(tmp, "a"), "example.com/acme/api:1.0", "SOURCE_DATE_EPOCH=1700000000");
	json_t *b = build(ds_test_path(tmp, "b"), "example.com/acme/api:1.0", "SOURCE_DATE_EPOCH=1700000000");
	json_t *c = build(ds_test_path(tmp, "c"), "example.com/acme/api:1.0", "SOURCE_DATE_EPOCH=1700000001");

	ASSERT_EQ_STR(jstr(a, "digest"), jstr(b, "digest"));
	ASSERT_EQ_STR(jstr(json_array_get(json_object_get(a, "layers"), 0), "digest"),
		      jstr(json_array_get(json_object_get(b, "layers"), 0), "digest"));
	/* SOURCE_DATE_EPOCH is the only clock: one second later, every layer's bytes differ. */
	ASSERT_NE_INT(strcmp(jstr(a, "digest"), jstr(c, "digest")), 0);
	ASSERT_NE_INT(strcmp(jstr(json_array_get(json_object_get(a, "layers"), 1), "diff_id"),
			     jstr(json_array_get(json_object_get(c, "layers"), 1), "diff_id")),
		      0);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

TEST(image_build_config_names_entrypoint_user_port_env_and_volume)
{
	const char *dir = ds_test_path(ds_test_tmpdir(), "oci");
	json_t *out = build(dir, "example.com/acme/api:2.1", "SOURCE_DATE_EPOCH=0");
	json_t *man = blob_json(dir, jstr(out, "digest"));
	json_t *cfg = blob_json(dir, jstr(json_object_get(man, "config"), "digest"));
	json_t *c = json_object_get(cfg, "config");
	json_t *env = json_object_get(c, "Env"), *ep = json_object_get(c, "Entrypoint");
	char *envs = json_dumps(env, JSON_COMPACT);
	char *idx = ds_test_read_file(ds_test_path(dir, "index.json"), NULL);

	ASSERT_EQ_STR(jstr(cfg, "os"), "linux");
	ASSERT_EQ_STR(jstr(cfg, "architecture"), "amd64");
	ASSERT_EQ_STR(jstr(c, "User"), "10001:10001");
	ASSERT_EQ_STR(json_string_value(json_array_get(ep, 0)), "/usr/local/bin/duckdb-spawn");
	ASSERT_EQ_STR(json_string_value(json_array_get(ep, 1)), "serve");
	ASSERT(json_is_object(json_object_get(json_object_get(c, "ExposedPorts"), "8000/tcp")));
	ASSERT(json_is_object(json_object_get(json_object_get(c, "Volumes"), "/data")));
	ASSERT_EQ_STR(jstr(c, "StopSignal"), "SIGTERM");
	ASSERT_CONTAINS(envs, "\"DATABASE_URL=/data/duckdb_spawn.db\"");
	ASSERT_EQ_STR(jstr(json_object_get(c, "Labels"), "org.opencontainers.image.created"),
		      "1970-01-01T00:00:00Z");
	ASSERT_EQ_INT(json_array_size(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids")),
		      json_array_size(json_object_get(man, "layers")));
	ASSERT_CONTAINS(idx, "\"org.opencontainers.image.ref.name\": \"2.1\"");
	free(envs);
	json_decref(cfg);
	json_decref(man);
	json_decref(out);
}

/* Unpack every layer of the layout's image into root, with GNU tar. */
static void unpack(const char *layout, const char *digest, const char *root)
{
	json_t *man = blob_json(layout, digest), *layers = json_object_get(man, "layers");
	size_t i;

	mkdir(root, 0755);
	for (i = 0; i < json_array_size(layers); i++) {
		const char *d = jstr(json_array_get(layers, i), "digest");
		const char *argv[] = {"tar", "--numeric-owner", "-xzf",
				      ds_test_printf("%s/blobs/sha256/%s", layout, d + 7), "-C", root, NULL};
		struct ds_run r;

		ds_run(&r, argv, NULL, NULL, 60000);
		ASSERT_MSG(r.code == 0, "tar: %s", r.err);
	}
	json_decref(man);
}

TEST(image_build_rootfs_runs_the_binary_as_user_10001)
{
	const char *dir = ds_test_path(ds_test_tmpdir(), "oci");
	const char *root = ds_test_path(ds_test_tmpdir(), "rootfs");
	json_t *out;
	struct ds_run r;
	struct stat st;

	if (geteuid() != 0)
		SKIP("chroot needs root (this test runs the image's own loader and libraries)");
	ds_test_require_program("chroot");
	out = build(dir, "example.com/acme/api:1.0", NULL);
	unpack(dir, jstr(out, "digest"), root);
	ASSERT_EQ_INT(stat(ds_test_path(root, "data"), &st), 0);
	ASSERT_EQ_INT(st.st_uid, 10001);
	if (!getenv("DS_SANITIZE") || !*getenv("DS_SANITIZE")) {
		/* Nothing of the host: the image's loader, libc and libduckdb.so, and no /proc,
		 * so the binary's $ORIGIN RUNPATH cannot work and the image's other path to
		 * libduckdb.so must. */
		const char *argv[] = {"chroot", "--userspec=10001:10001", root,
				      "/usr/local/bin/duckdb-spawn", "version", NULL};

		ds_run(&r, argv, NULL, NULL, 20000);
	} else {
		/* A sanitizer runtime reads its options and memory map from /proc: give it one,
		 * in a private mount namespace. */
		const char *argv[] = {"unshare", "-m", "--propagation", "private", "sh", "-c",
				      "mkdir -p \"$1/proc\" && mount -t proc proc \"$1/proc\" && "
				      "exec chroot --userspec=10001:10001 \"$1\" "
				      "/usr/local/bin/duckdb-spawn version",
				      "sh", root, NULL};
		const char *env[] = {"ASAN_OPTIONS=detect_leaks=0", NULL};

		ds_test_require_program("unshare");
		ds_run(&r, argv, env, NULL, 20000);
	}
	ASSERT_MSG(r.code == 0, "the image's binary does not run: %s", r.err);
	ASSERT_CONTAINS(r.out, "DuckDB v1.4.4");
	json_decref(out);
}

TEST(image_build_malformed_tag_is_a_usage_error_with_the_fix)
{
	const char *argv[] = {ds_test_bin(), "image", "build", "--tag", "Example.com/Acme/API:1.0",
			      "--output", ds_test_path(ds_test_tmpdir(), "oci"), NULL};
	struct ds_run r;
	struct stat st;

	ds_run(&r, argv, NULL, NULL, 20000);
	ASSERT_EQ_INT(r.code, 2);
	ASSERT_CONTAINS(r.err, "--tag 'Example.com/Acme/API:1.0'");
	ASSERT_CONTAINS(r.err, "did you mean 'Example.com/acme/api:1.0'?");
	ASSERT_NE_INT(stat(ds_test_path(ds_test_tmpdir(), "oci"), &st), 0);
}

static const char *ca_file; /* set by tests against a TLS registry */

static json_t *push(const char *layout, const char *from_tag, const char *ref,
		    const char *const *env, const char *extra, int want_code, struct ds_run *r)
{
	const char *argv[14];
	int n = 0;

	argv[n++] = ds_test_bin();
	argv[n++] = "image";
	argv[n++] = "push";
	argv[n++] = "--json";
	argv[n++] = "--layout";
	argv[n++] = layout;
	if (from_tag) {
		argv[n++] = "--from-tag";
		argv[n++] = from_tag;
	}
	if (extra) {
		argv[n++] = "--mount-from";
		argv[n++] = extra;
	}
	if (ca_file) {
		argv[n++] = "--ca-file";
		argv[n++] = ca_file;
	}
	argv[n++] = ref;
	argv[n] = NULL;
	ds_run(r, argv, env, NULL, 120000);
	ASSERT_MSG(r->code == want_code, "image push exit %d, want %d: %s", r->code, want_code,
		   r->err);
	if (want_code)
		return NULL;
	{
		json_t *all = load_json(r->out), *one = json_incref(json_array_get(all, 0));

		json_decref(all);
		return one; /* the caller's */
	}
}

static json_t *check(struct regfix *f, const char *ref, const char *const *env)
{
	const char *argv[] = {ds_test_bin(), "image", "check", "--json", "--ca-file", f->ca_file, ref,
			      NULL};
	struct ds_run r;

	ds_run(&r, argv, env, NULL, 60000);
	return load_json(r.out);
}

TEST(image_push_to_a_private_repository_then_check_says_ok)
{
	struct regfix *f = regfix_test_start(REGFIX_TOKEN, "reg");
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	const char *ref = ds_test_printf("%s/acme/app:1.0", f->host);
	const char *const *env = env_with(ds_test_printf("REGISTRY_USERNAME=%s", f->user),
					  ds_test_printf("REGISTRY_PASSWORD=%s", f->password), NULL);
	json_t *built = build(layout, ref, NULL), *p, *c;
	struct ds_run r;

	ca_file = f->ca_file;
	p = push(layout, NULL, ref, env, NULL, 0, &r);
	ASSERT_EQ_STR(jstr(p, "digest"), jstr(built, "digest"));
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "uploaded")), 3); /* 2 layers, config */
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "connections")), 2); /* registry, issuer */
	/* One pull,push token for the whole push, asked at the first 401: a HEAD, a token,
	 * then HEAD, POST, PUT for each of 3 blobs, and the manifest. */
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "token_requests")), 1);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "requests")), 12);
	ASSERT_NOT_CONTAINS(r.out, f->password);
	ASSERT_NOT_CONTAINS(r.err, f->password);
	ASSERT_NOT_CONTAINS(r.err, "eyJ"); /* no token */
	json_decref(p);

	c = check(f, ref, env);
	ASSERT_EQ_STR(jstr(c, "verdict"), "OK");
	ASSERT_EQ_STR(jstr(c, "digest"), jstr(built, "digest"));
	ASSERT_EQ_STR(json_string_value(json_array_get(json_object_get(c, "exposed_ports"), 0)),
		      "8000/tcp");
	json_decref(c);

	/* Another tag of the same image: every blob is there already, only the manifest goes. */
	p = push(layout, "1.0", ds_test_printf("%s/acme/app:latest", f->host), env, NULL, 0, &r);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "uploaded")), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "present")), 3);
	json_decref(p);
	json_decref(built);
}

TEST(image_push_with_a_wrong_password_names_the_user_and_leaks_nothing)
{
	struct regfix *f = regfix_test_start(REGFIX_BASIC_TLS, "reg");
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	const char *ref = ds_test_printf("%s/acme/app:1.0", f->host);
	const char *const *env = env_with(ds_test_printf("REGISTRY_USERNAME=%s", f->user),
					  "REGISTRY_PASSWORD=not-the-password-4711", NULL);
	json_t *built = build(layout, ref, NULL);
	struct ds_run r;

	ca_file = f->ca_file;
	push(layout, NULL, ref, env, NULL, 1, &r);
	ASSERT_CONTAINS(r.err, "401");
	ASSERT_CONTAINS(r.err, ds_test_printf("user '%s' from REGISTRY_USERNAME", f->user));
	ASSERT_NOT_CONTAINS(r.err, "not-the-password-4711");
	ASSERT_NOT_CONTAINS(r.out, "not-the-password-4711");
	json_decref(built);
}

TEST(image_push_to_a_plain_http_loopback_registry_falls_back_and_mounts)
{
	struct regfix *f = regfix_test_start(REGFIX_ANON, "reg-anon");
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	const char *const *env = env_with(NULL, NULL, NULL);
	json_t *built = build(layout, "local/app:1.0", NULL), *p;
	struct ds_run r;

	p = push(layout, NULL, ds_test_printf("%s/acme/first:1.0", f->host), env, NULL, 0, &r);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "uploaded")), 3);
	ASSERT_CONTAINS(r.err, "does not speak TLS: using plain HTTP");
	json_decref(p);
	/* A second repository of the same registry takes the blobs by mount, not upload. */
	p = push(layout, NULL, ds_test_printf("%s/acme/second:1.0", f->host), env, "acme/first", 0,
		 &r);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "mounted")), 3);
	ASSERT_EQ_INT(json_integer_value(json_object_get(p, "uploaded")), 0);
	ASSERT_EQ_STR(jstr(p, "digest"), jstr(built, "digest"));
	json_decref(p);
	json_decref(built);
}

TEST(image_build_push_flag_builds_then_pushes_to_the_tag)
{
	struct regfix *f = regfix_test_start(REGFIX_ANON, "reg-anon");
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	const char *ref = ds_test_printf("%s/acme/direct:1.0", f->host);
	const char *argv[] = {ds_test_bin(), "image", "build", "--gzip-level", "1", "--tag", ref,
			      "--output", layout, "--push", NULL};
	struct ds_run r;

	ds_run(&r, argv, env_with(NULL, NULL, NULL), NULL, 120000);
	ASSERT_MSG(r.code == 0, "%s", r.err);
	ASSERT_CONTAINS(r.out, ds_test_printf("pushed %s@sha256:", ref));
	ASSERT_CONTAINS(r.err, "built ");
	{
		const char *cargv[] = {ds_test_bin(), "image", "check", ds_test_printf("http://%s", ref),
				       NULL};

		ds_run(&r, cargv, env_with(NULL, NULL, NULL), NULL, 60000);
		ASSERT_MSG(r.code == 0, "check: %s", r.out);
	}
}
