/*
 * registry/creds.h - where the doctor's registry credentials come from.
 *
 * In order, the first that has credentials for the registry wins:
 *   1. the caller's (flags: --username with --password-stdin; a Koyeb secret);
 *   2. REGISTRY_USERNAME and REGISTRY_PASSWORD, for any registry;
 *   3. DOCKER_HUB_USERNAME and DOCKER_HUB_ACCESS_TOKEN, for docker.io only (the names the
 *      deployment guide's CI workflow uses);
 *   4. the Docker CLI's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
 *      credHelpers[registry], else credsStore, run as `docker-credential-NAME get` with the
 *      server URL on stdin (never in argv), else auths[registry] ("auth" as base64
 *      user:password, or "username"/"password", or "identitytoken").
 * Docker Hub's keys are all honoured: "https://index.docker.io/v1/", "index.docker.io",
 * "docker.io", "registry-1.docker.io", with or without a scheme.
 *
 * Nothing here prints or logs. What a lookup noticed on the way (a half-set variable, an
 * unreadable config.json, a missing helper) is returned as notes for the evidence; notes and
 * origin never contain a secret.
 */
#ifndef DS_REGISTRY_CREDS_H
#define DS_REGISTRY_CREDS_H

#include <stddef.h>

#include "core/error.h"
#include "core/secret.h"
#include "core/strlist.h"

enum registry_creds_source {
	REGISTRY_CREDS_NONE = 0,
	REGISTRY_CREDS_CALLER,
	REGISTRY_CREDS_ENV,            /* REGISTRY_USERNAME / REGISTRY_PASSWORD */
	REGISTRY_CREDS_ENV_DOCKER_HUB, /* DOCKER_HUB_USERNAME / DOCKER_HUB_ACCESS_TOKEN */
	REGISTRY_CREDS_CONFIG,         /* config.json auths */
	REGISTRY_CREDS_HELPER,         /* docker-credential-NAME */
};

struct registry_creds {
	enum registry_creds_source source;
	char *username;                  /* NULL with an identity token only */
	struct ds_secret password;       /* password or access token */
	struct ds_secret identity_token; /* OAuth2 refresh token (config.json, helper "<token>") */
	char *origin;                    /* "REGISTRY_USERNAME", "/home/u/.docker/config.json
					  * auths['ghcr.io']", "docker-credential-pass": never a secret */
	struct ds_strlist notes;
};

#define REGISTRY_CREDS_INIT {REGISTRY_CREDS_NONE, NULL, DS_SECRET_INIT, DS_SECRET_INIT, NULL, DS_STRLIST_INIT}

void registry_creds_init(struct registry_creds *c);
void registry_creds_release(struct registry_creds *c);
int registry_creds_present(const struct registry_creds *c);

struct registry_creds_query {
	const char *domain;       /* a normalised reference domain: "docker.io", "127.0.0.1:5000" */
	const char *config_dir;   /* NULL: $DOCKER_CONFIG, else $HOME/.docker */
	int no_env;               /* skip 2 and 3 */
	int no_config;            /* skip 4 */
	long helper_timeout_ms;   /* 0: 10000 */
};

/* Steps 2-4 (the caller handles 1). Returns 0 with c filled, c->source NONE when nothing was
 * found (see c->notes for why); -1 only when memory is short. */
int registry_creds_find(const struct registry_creds_query *q, struct registry_creds *c,
			struct ds_error *e);

/*
 * Step 4's reading of a config.json held in memory: fills c from auths, or sets *helper (owned,
 * free() it) to the helper name that holds the credentials. Returns 0 (found or not), -1 with e
 * when the JSON is broken or an "auth" entry does not decode. path only names the file in
 * origin.
 */
int registry_creds_from_config(const char *json, size_t len, const char *path, const char *domain,
			       struct registry_creds *c, char **helper, struct ds_error *e);

/* Run docker-credential-<helper> get, the server URL on its stdin. Returns 1 with c filled, 0
 * when the helper has no credentials for server, -1 with e (not installed, timed out, bad
 * output; e never quotes the output). */
int registry_creds_run_helper(const char *helper, const char *server_url, long timeout_ms,
			      struct registry_creds *c, struct ds_error *e);

/* The key a helper is asked for: "https://index.docker.io/v1/" for docker.io, else domain. */
const char *registry_creds_server_url(const char *domain);

/* Whether a config.json key ("https://index.docker.io/v1/", "ghcr.io", "http://h:5000/x")
 * names domain. */
int registry_creds_key_matches(const char *key, const char *domain);

#endif
