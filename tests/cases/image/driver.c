/*
 * tests/cases/image/driver.c - runs one registry scenario file (*.case) through the real
 * binary. CMake makes one CTest entry per file (case_image_<name>), passing its path in
 * DS_CASE_FILE.
 *
 * A case file is lines of "key: value" (and '#' comments):
 *
 *   name:     anonymous pull of a tag that was never pushed
 *   keywords: anonymous not-found
 *   setup:    registry=anon push=amd64:acme/api:1.2.0
 *   run:      image check --json {registry}/acme/api:1.2
 *   expect:   verdict=ANON_NOT_FOUND exit=3 stdout-has="nearest_tag": "1.2.0"
 *
 * setup words:  registry=anon|basic-tls|token (a real docker-registry, regfix.h);
 *               push=KIND:REPO:TAG (KIND amd64, arm64, multi, arm-index, windows; repeat);
 *               proxy=pass|hang|503|429-pull|429-plain|503-first (a fault proxy in front:
 *               {registry} then names the proxy); retry-after=N; count=N (503-first);
 *               token-expired=1 (the issuer hands out expired tokens after the pushes).
 * stdin:        password | other-password | wrong-password | TEXT (fed to the command).
 * run:          the command after the binary, split on spaces; placeholders {registry}
 *               (host:port), {url}, {ca} (the test CA), {user}, {other_user}, {free} (a
 *               loopback port nobody listens on), {tmp} (the test's folder).
 * expect:       words verdict=NAME, exit=N; then stdout-has=, stdout-lacks=, stderr-has=
 *               take the rest of the line (so they come last; use several expect: lines).
 *
 * Whatever the case says, the driver also checks that neither the fixture's passwords nor
 * any JWT ("eyJ...") appear on stdout or stderr, and that the binary did not crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "regfix.h"
#include "test.h"

#define MAX_ARGS 64

static struct regfix fx;
static struct regfix_proxy px;
static int have_fx, have_px;

static void stop_fx(void *unused)
{
	if (have_px)
		regfix_proxy_stop(&px);
	if (have_fx)
		regfix_stop(&fx);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Replace {placeholders}. */
static char *expand(const char *in, int free_port)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char *p = in;
	char *out;

	while (*p) {
		const char *close;
		char key[32];

		if (*p != '{' || !(close = strchr(p, '}')) || close - p > 30) {
			ds_buf_addch(&b, *p++);
			continue;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(close - p - 1), p + 1);
		if (!strcmp(key, "registry"))
			ds_buf_addstr(&b, have_px ? px.host : fx.host);
		else if (!strcmp(key, "url"))
			ds_buf_addstr(&b, fx.url);
		else if (!strcmp(key, "ca"))
			ds_buf_addstr(&b, fx.ca_file);
		else if (!strcmp(key, "user"))
			ds_buf_addstr(&b, fx.user);
		else if (!strcmp(key, "other_user"))
			ds_buf_addstr(&b, fx.other_user);
		else if (!strcmp(key, "free"))
			ds_buf_addf(&b, "%d", free_port);
		else if (!strcmp(key, "tmp"))
			ds_buf_addstr(&b, ds_test_tmpdir());
		else
			FAIL("unknown placeholder {%s}", key);
		p = close + 1;
	}
	out = ds_test_strdup(ds_buf_str(&b));
	ds_buf_release(&b);
	return out;
}

TEST(image_case_from_file)
{
	const char *path = getenv("DS_CASE_FILE");
	char *text, *line, *save = NULL;
	char *setup = NULL, *run = NULL, *stdin_kind = NULL, *name = NULL;
	char *expects[32];
	int nexp = 0, i, free_port = ds_test_free_port();
	struct ds_run r;
	const char *argv[MAX_ARGS];
	int argc = 0;
	const char *stdin_data = NULL;
	char *cmd, *tok, *tsave = NULL;

	if (!path)
		FAIL("DS_CASE_FILE is not set");
	text = ds_test_read_file(path, NULL);
	if (!text)
		FAIL("cannot read %s", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (line[0] == '#' || !colon)
			continue;
		*colon = '\0';
		if (!strcmp(line, "name"))
			name = trim(colon + 1);
		else if (!strcmp(line, "setup"))
			setup = trim(colon + 1);
		else if (!strcmp(line, "run"))
			run = trim(colon + 1);
		else if (!strcmp(line, "stdin"))
			stdin_kind = trim(colon + 1);
		else if (!strcmp(line, "expect") && nexp < 32)
			expects[nexp++] = trim(colon + 1);
	}
	if (!run || !nexp)
		FAIL("%s: needs run: and expect:", path);
	ds_test_note("%s", name ? name : path);

	/* setup */
	if (setup && *setup) {
		char *copy = ds_test_strdup(setup), *w, *ws = NULL;
		struct regfix_opts o = {REGFIX_ANON, NULL};
		const char *pushes[16], *proxy = NULL;
		int npush = 0, retry_after = -1, count = 1, expired = 0, want_registry = 0;
		struct ds_error e = DS_ERROR_INIT;

		for (w = strtok_r(copy, " ", &ws); w; w = strtok_r(NULL, " ", &ws)) {
			if (!strncmp(w, "registry=", 9)) {
				want_registry = 1;
				if (!strcmp(w + 9, "anon"))
					o.mode = REGFIX_ANON;
				else if (!strcmp(w + 9, "basic-tls"))
					o.mode = REGFIX_BASIC_TLS;
				else if (!strcmp(w + 9, "token"))
					o.mode = REGFIX_TOKEN;
				else
					FAIL("setup: unknown registry mode '%s'", w + 9);
			} else if (!strncmp(w, "push=", 5) && npush < 16) {
				pushes[npush++] = w + 5;
			} else if (!strncmp(w, "proxy=", 6)) {
				proxy = w + 6;
			} else if (!strncmp(w, "retry-after=", 12)) {
				retry_after = (int)strtol(w + 12, NULL, 10);
			} else if (!strncmp(w, "count=", 6)) {
				count = (int)strtol(w + 6, NULL, 10);
			} else if (!strcmp(w, "token-expired=1")) {
				expired = 1;
			} else {
				FAIL("setup: unknown word '%s'", w);
			}
		}
		if (want_registry) {
			ds_test_require_program("docker-registry");
			ds_test_require_program("skopeo");
			ds_test_require_program("openssl");
			ds_test_require_program("htpasswd");
			o.dir = ds_test_tmpdir();
			ds_test_defer(stop_fx, NULL);
			if (regfix_start(&fx, &o, &e))
				FAIL("registry fixture: %s", ds_error_msg(&e));
			have_fx = 1;
			for (i = 0; i < npush; i++) {
				const char *c1 = strchr(pushes[i], ':');
				char kind[32];
				int k;

				snprintf(kind, sizeof(kind), "%.*s", c1 ? (int)(c1 - pushes[i]) : 0, pushes[i]);
				k = regfix_image_parse(kind);
				if (!c1 || k < 0)
					FAIL("setup: push=%s: KIND:REPO:TAG", pushes[i]);
				if (regfix_push(&fx, (enum regfix_image)k, c1 + 1, &e))
					FAIL("%s", ds_error_msg(&e));
			}
			if (expired && regfix_token_expired(&fx, 1, &e))
				FAIL("%s", ds_error_msg(&e));
		}
		if (proxy) {
			int m = regfix_fault_parse(proxy);

			if (m < 0)
				FAIL("setup: unknown proxy mode '%s'", proxy);
			if (!want_registry)
				ds_test_defer(stop_fx, NULL);
			if (regfix_proxy_start(&px, ds_test_tmpdir(), (enum regfix_fault)m,
					       want_registry ? fx.host : NULL, retry_after, count, &e))
				FAIL("fault proxy: %s", ds_error_msg(&e));
			have_px = 1;
		}
	}

	/* run */
	if (stdin_kind) {
		if (!strcmp(stdin_kind, "password"))
			stdin_data = ds_test_printf("%s\n", fx.password);
		else if (!strcmp(stdin_kind, "other-password"))
			stdin_data = ds_test_printf("%s\n", fx.other_password);
		else if (!strcmp(stdin_kind, "wrong-password"))
			stdin_data = "not-the-password\n";
		else
			stdin_data = ds_test_printf("%s\n", stdin_kind);
	}
	argv[argc++] = ds_test_bin();
	cmd = expand(run, free_port);
	for (tok = strtok_r(cmd, " ", &tsave); tok && argc < MAX_ARGS - 1; tok = strtok_r(NULL, " ", &tsave))
		argv[argc++] = tok;
	argv[argc] = NULL;
	{
		/* No ambient credentials from the developer's machine. */
		const char *env[] = {"REGISTRY_USERNAME", "REGISTRY_PASSWORD", "DOCKER_HUB_USERNAME",
				     "DOCKER_HUB_ACCESS_TOKEN",
				     ds_test_printf("DOCKER_CONFIG=%s/no-docker-config", ds_test_tmpdir()),
				     NULL};

		ds_run(&r, argv, env, stdin_data, 60000);
	}

	/* expect */
	for (i = 0; i < nexp; i++) {
		char *w = expects[i];

		while (*w) {
			char *sp;

			w = trim(w);
			if (!*w)
				break;
			if (!strncmp(w, "stdout-has=", 11)) {
				ASSERT_CONTAINS(r.out, expand(w + 11, free_port));
				break;
			}
			if (!strncmp(w, "stdout-lacks=", 13)) {
				ASSERT_NOT_CONTAINS(r.out, expand(w + 13, free_port));
				break;
			}
			if (!strncmp(w, "stderr-has=", 11)) {
				ASSERT_CONTAINS(r.err, expand(w + 11, free_port));
				break;
			}
			sp = strchr(w, ' ');
			if (sp)
				*sp = '\0';
			if (!strncmp(w, "verdict=", 8)) {
				char *j = ds_test_printf("\"verdict\": \"%s\"", w + 8);
				char *t = ds_test_printf("%s: ", w + 8);

				ASSERT_MSG(strstr(r.out, j) || !strncmp(r.out, t, strlen(t)),
					   "verdict %s expected; stdout:\n%.4000s\nstderr:\n%.2000s", w + 8,
					   r.out, r.err);
			} else if (!strncmp(w, "exit=", 5)) {
				ASSERT_MSG(r.code == (int)strtol(w + 5, NULL, 10),
					   "exit %d, want %s; stdout:\n%.4000s\nstderr:\n%.2000s", r.code,
					   w + 5, r.out, r.err);
			} else {
				FAIL("expect: unknown word '%s'", w);
			}
			if (!sp)
				break;
			w = sp + 1;
		}
	}
	if (have_fx) {
		ASSERT_NOT_CONTAINS(r.out, fx.password);
		ASSERT_NOT_CONTAINS(r.err, fx.password);
		ASSERT_NOT_CONTAINS(r.out, fx.other_password);
		ASSERT_NOT_CONTAINS(r.err, fx.other_password);
	}
	ASSERT_NOT_CONTAINS(r.out, "not-the-password");
	ASSERT_NOT_CONTAINS(r.out, "eyJ");
	ASSERT_NOT_CONTAINS(r.err, "eyJ");
}
