/*
 * registry/creds.c - credentials from the environment, config.json and credential
 * helpers; see creds.h.
 *
 * A credential helper is a child process: posix_spawnp("docker-credential-NAME", ["...",
 * "get"]), the server URL written to its stdin, its JSON reply read from stdout with a
 * deadline, its stderr discarded (helpers print diagnostics there that may quote input). The
 * secret travels only through the pipe, never through argv or the environment.
 */
#include "registry/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/text.h"

#define CONFIG_MAX (4 * 1024 * 1024)
#define HELPER_OUT_MAX (64 * 1024)
#define SECRET_MAX (64 * 1024)

extern char **environ;

void registry_creds_init(struct registry_creds *c)
{
	struct registry_creds z = REGISTRY_CREDS_INIT;

	*c = z;
}

void registry_creds_release(struct registry_creds *c)
{
	free(c->username);
	free(c->origin);
	ds_secret_release(&c->password);
	ds_secret_release(&c->identity_token);
	ds_strlist_release(&c->notes);
	registry_creds_init(c);
}

int registry_creds_present(const struct registry_creds *c)
{
	return c->source != REGISTRY_CREDS_NONE &&
	       (ds_secret_is_set(&c->password) || ds_secret_is_set(&c->identity_token));
}

static void note(struct registry_creds *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct registry_creds *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ds_strlist_add(&c->notes, line);
}

const char *registry_creds_server_url(const char *domain)
{
	return !strcmp(domain, "docker.io") ? "https://index.docker.io/v1/" : domain;
}

int registry_creds_key_matches(const char *key, const char *domain)
{
	const char *p = strstr(key, "://");
	size_t n;
	int hub_key;

	p = p ? p + 3 : key;
	n = strcspn(p, "/");
	hub_key = (n == 15 && !strncasecmp(p, "index.docker.io", 15)) ||
		  (n == 9 && !strncasecmp(p, "docker.io", 9)) ||
		  (n == 20 && !strncasecmp(p, "registry-1.docker.io", 20));
	if (!strcmp(domain, "docker.io"))
		return hub_key;
	return !hub_key && n == strlen(domain) && !strncasecmp(p, domain, n);
}

static int set_origin(struct registry_creds *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_origin(struct registry_creds *c, const char *fmt, ...)
{
	struct ds_buf b = DS_BUF_INIT(1024);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ds_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(c->origin);
	c->origin = r ? NULL : ds_buf_detach(&b, NULL);
	ds_buf_release(&b);
	return c->origin ? 0 : -1;
}

/* Standard base64 (padding optional) into a malloc'd, NUL-terminated buffer; NULL when bad.
 * Sized once, so that no copy of the secret is left behind by a reallocation. */
static char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *out = malloc(n / 4 * 3 + 3);
	long o;

	if (!out)
		return NULL;
	o = ds_base64_decode(s, n, (unsigned char *)out);
	if (o < 0) {
		explicit_bzero(out, n / 4 * 3 + 3);
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*len = (size_t)o;
	return out;
}

/* Forget what was found (secrets wiped), keep the notes. */
static void drop(struct registry_creds *c)
{
	free(c->username);
	free(c->origin);
	c->username = NULL;
	c->origin = NULL;
	ds_secret_release(&c->password);
	ds_secret_release(&c->identity_token);
	c->source = REGISTRY_CREDS_NONE;
}

int registry_creds_from_config(const char *json, size_t len, const char *path, const char *domain,
			       struct registry_creds *c, char **helper, struct ds_error *e)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je), *auths, *helpers, *v;
	const char *key;
	int r = -1;

	*helper = NULL;
	if (!root || !json_is_object(root)) {
		if (root)
			ds_error_set(e, 0, "'%s' is not a JSON object", path);
		else
			ds_error_set(e, 0, "'%s': line %d column %d: %.200s", path, je.line, je.column,
				     je.text);
		goto out;
	}
	/* credHelpers[registry] first, then credsStore, then auths: the docker CLI's order. */
	helpers = json_object_get(root, "credHelpers");
	json_object_foreach(helpers, key, v)
	{
		if (json_is_string(v) && json_string_length(v) && registry_creds_key_matches(key, domain)) {
			*helper = strdup(json_string_value(v));
			r = *helper ? 0 : ds_error_set(e, 0, "out of memory");
			goto out;
		}
	}
	v = json_object_get(root, "credsStore");
	if (json_is_string(v) && json_string_length(v)) {
		*helper = strdup(json_string_value(v));
		r = *helper ? 0 : ds_error_set(e, 0, "out of memory");
		goto out;
	}
	auths = json_object_get(root, "auths");
	json_object_foreach(auths, key, v)
	{
		json_t *a = json_object_get(v, "auth"), *u = json_object_get(v, "username"),
		       *p = json_object_get(v, "password"), *t = json_object_get(v, "identitytoken");

		if (!registry_creds_key_matches(key, domain))
			continue;
		if (json_is_string(a) && json_string_length(a)) {
			size_t dl;
			char *dec = b64_decode(json_string_value(a), &dl), *colon;

			colon = dec ? memchr(dec, ':', dl) : NULL;
			if (!colon) {
				if (dec) {
					explicit_bzero(dec, dl);
					free(dec);
				}
				ds_error_set(e, 0,
					     "'%s': auths['%.200s'].auth is not base64 of 'user:password'",
					     path, key);
				goto out;
			}
			*colon = '\0';
			c->username = strdup(dec);
			r = ds_secret_set(&c->password, colon + 1);
			explicit_bzero(dec, dl);
			free(dec);
			if (!c->username || r)
				goto oom;
		} else if (json_is_string(u) && json_is_string(p)) {
			c->username = strdup(json_string_value(u));
			if (!c->username || ds_secret_set(&c->password, json_string_value(p)))
				goto oom;
		}
		if (json_is_string(t) && json_string_length(t) &&
		    ds_secret_set(&c->identity_token, json_string_value(t)))
			goto oom;
		if (!ds_secret_is_set(&c->password) && !ds_secret_is_set(&c->identity_token)) {
			/* An empty placeholder entry, as docker login leaves with a store: its
			 * username (if any) belongs to no password; another key may match. */
			drop(c);
			continue;
		}
		c->source = REGISTRY_CREDS_CONFIG;
		if (set_origin(c, "%s auths['%s']", path, key))
			goto oom;
		break;
	}
	r = 0;
	goto out;
oom:
	r = ds_error_set(e, 0, "out of memory");
out:
	json_decref(root);
	return r;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int registry_creds_run_helper(const char *helper, const char *server_url, long timeout_ms,
			      struct registry_creds *c, struct ds_error *e)
{
	char prog[256];
	char *argv[3];
	int in[2] = {-1, -1}, out[2] = {-1, -1}, status = 0, r = -1, timed_out = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	struct ds_buf b = DS_BUF_INIT(HELPER_OUT_MAX);
	long deadline;
	size_t i;
	json_t *root = NULL, *u, *s;

	if (!timeout_ms)
		timeout_ms = 10000;
	for (i = 0; helper[i]; i++)
		if (helper[i] == '/' || helper[i] <= ' ')
			return ds_error_set(e, 0, "credential helper name '%.100s' is not valid", helper);
	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	argv[0] = prog;
	argv[1] = "get";
	argv[2] = NULL;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return ds_error_errno(e, errno, "pipe for '%s'", prog);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	errno = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (errno) {
		int err = errno;

		close(in[1]);
		close(out[0]);
		if (err == ENOENT)
			return ds_error_set(e, 0, "credential helper '%s' is not installed (not on PATH)",
					    prog);
		return ds_error_errno(e, err, "cannot run '%s'", prog);
	}
	/* The server URL is short: one write fits in the pipe, and SIGPIPE is the caller's. */
	if (write(in[1], server_url, strlen(server_url)) < 0) {
		/* A helper that exits at once is judged by its exit status below. */
	}
	close(in[1]);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = {out[0], POLLIN, 0};
		long left = deadline - now_ms();
		char chunk[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (!pfd.revents)
			continue;
		n = read(out[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (ds_buf_add(&b, chunk, (size_t)n)) {
			explicit_bzero(chunk, sizeof(chunk));
			ds_error_set(e, 0, "'%s' printed more than %d bytes", prog, HELPER_OUT_MAX);
			kill(pid, SIGKILL);
			break;
		}
		explicit_bzero(chunk, sizeof(chunk));
	}
	close(out[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		ds_error_set(e, 0, "credential helper '%s' did not answer within %ld ms", prog,
			     timeout_ms);
		goto out;
	}
	if (e && e->set)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		/* "credentials not found in native keychain" is how helpers say "none". */
		if (strstr(ds_buf_str(&b), "not found")) {
			r = 0;
			goto out;
		}
		ds_error_set(e, 0, "credential helper '%s' failed (exit %d)", prog,
			     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		goto out;
	}
	root = json_loadb(ds_buf_str(&b), b.len, 0, NULL);
	u = json_object_get(root, "Username");
	s = json_object_get(root, "Secret");
	if (!json_is_string(s) || !json_string_length(s)) {
		ds_error_set(e, 0, "credential helper '%s' did not print {\"Username\", \"Secret\"}",
			     prog);
		goto out;
	}
	/* "<token>" as the user name marks an identity (refresh) token. */
	if (json_is_string(u) && !strcmp(json_string_value(u), "<token>")) {
		if (ds_secret_set(&c->identity_token, json_string_value(s)))
			goto oom;
	} else {
		c->username = strdup(json_is_string(u) ? json_string_value(u) : "");
		if (!c->username || ds_secret_set(&c->password, json_string_value(s)))
			goto oom;
	}
	c->source = REGISTRY_CREDS_HELPER;
	if (set_origin(c, "%s", prog))
		goto oom;
	r = 1;
	goto out;
oom:
	ds_error_set(e, 0, "out of memory");
out:
	json_decref(root);
	if (b.data)
		explicit_bzero(b.data, b.len);
	ds_buf_release(&b);
	return r;
}

static int from_env(struct registry_creds *c, const char *user_var, const char *pass_var)
{
	const char *u = getenv(user_var), *p = getenv(pass_var);

	if ((!u || !*u) && (!p || !*p))
		return 0;
	if (!u || !*u || !p || !*p) {
		note(c, "%s is set but %s is not: both ignored", (u && *u) ? user_var : pass_var,
		     (u && *u) ? pass_var : user_var);
		return 0;
	}
	c->username = strdup(u);
	if (!c->username || ds_secret_set(&c->password, p) || set_origin(c, "%s", user_var))
		return -1;
	return 1;
}

int registry_creds_find(const struct registry_creds_query *q, struct registry_creds *c,
			struct ds_error *e)
{
	const char *dir = q->config_dir, *home;
	char path[4096];
	char *helper = NULL;
	int r;

	if (!q->no_env) {
		r = from_env(c, "REGISTRY_USERNAME", "REGISTRY_PASSWORD");
		if (r > 0)
			c->source = REGISTRY_CREDS_ENV;
		if (!r && !strcmp(q->domain, "docker.io")) {
			r = from_env(c, "DOCKER_HUB_USERNAME", "DOCKER_HUB_ACCESS_TOKEN");
			if (r > 0)
				c->source = REGISTRY_CREDS_ENV_DOCKER_HUB;
		}
		if (r < 0)
			return ds_error_set(e, 0, "out of memory");
		if (r > 0)
			return 0;
	}
	if (q->no_config)
		return 0;
	if (!dir || !*dir)
		dir = getenv("DOCKER_CONFIG");
	if (dir && *dir) {
		snprintf(path, sizeof(path), "%s/config.json", dir);
	} else {
		home = getenv("HOME");
		if (!home || !*home)
			return 0;
		snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	}
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct ds_buf b = DS_BUF_INIT(CONFIG_MAX);
		char chunk[8192];
		ssize_t n;
		struct ds_error ce = DS_ERROR_INIT;

		if (fd < 0) {
			if (errno != ENOENT)
				note(c, "cannot read '%s': %s", path, strerror(errno));
			return 0;
		}
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			if (ds_buf_add(&b, chunk, (size_t)n)) {
				note(c, "'%s' is over %d bytes: ignored", path, CONFIG_MAX);
				n = -1;
				break;
			}
		close(fd);
		explicit_bzero(chunk, sizeof(chunk));
		if (n < 0) {
			if (b.data)
				explicit_bzero(b.data, b.len);
			ds_buf_release(&b);
			return 0;
		}
		r = registry_creds_from_config(ds_buf_str(&b), b.len, path, q->domain, c, &helper, &ce);
		if (b.data)
			explicit_bzero(b.data, b.len);
		ds_buf_release(&b);
		if (r) {
			note(c, "ignored %s", ds_error_msg(&ce));
			drop(c);
			return 0;
		}
	}
	if (helper) {
		struct ds_error he = DS_ERROR_INIT;

		r = registry_creds_run_helper(helper, registry_creds_server_url(q->domain),
					      q->helper_timeout_ms, c, &he);
		if (r < 0)
			note(c, "%s: checking without credentials", ds_error_msg(&he));
		else if (r == 0)
			note(c, "docker-credential-%s has no credentials for '%s'", helper,
			     registry_creds_server_url(q->domain));
		free(helper);
		if (r <= 0)
			drop(c);
	}
	return 0;
}
