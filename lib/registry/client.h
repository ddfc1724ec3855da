/*
 * registry/client.h - the registry HTTP API v2 calls the doctor makes, with the auth dance.
 *
 * A registry_client talks to one registry (one base URL) through one http_client, so every
 * call after the first reuses the connection and its TLS session. A call that meets 401
 * reads the challenge and answers it once: Basic (the credentials, to the registry itself,
 * and to every later call without asking again) or Bearer (a token from the realm for the
 * challenge's scope, anonymous or with the credentials; one token per scope, kept for the
 * client's life, fetched again only if the registry rejects a kept one). It never sends
 * Basic credentials to a realm that is plain http on a non-loopback host.
 *
 * Calls return the reply that decided, whoever sent it (registry or token server), with what
 * the doctor needs to explain it: the registry error code, the challenge, whether credentials
 * went along, the token's claims. Used by check.c; exposed for tests and tools.
 */
#ifndef DS_REGISTRY_CLIENT_H
#define DS_REGISTRY_CLIENT_H

#include "core/buf.h"
#include "core/error.h"
#include "core/secret.h"
#include "http/http.h"
#include "registry/auth.h"
#include "registry/creds.h"

#define REGISTRY_TOKENS_MAX 8
/* Where docker.io's registry API is served. */
#define REGISTRY_DOCKER_HUB_URL "https://registry-1.docker.io"
#define REGISTRY_MANIFEST_MAX (4 * 1024 * 1024)

/* The Accept header of a manifest request: OCI and Docker, index and image, v2 schema 1 last. */
#define REGISTRY_MANIFEST_ACCEPT                                                                    \
	"Accept: application/vnd.oci.image.index.v1+json, "                                        \
	"application/vnd.docker.distribution.manifest.list.v2+json, "                              \
	"application/vnd.oci.image.manifest.v1+json, "                                             \
	"application/vnd.docker.distribution.manifest.v2+json;q=0.9, "                             \
	"application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1"

struct registry_token {
	char *key; /* "realm service scope" */
	struct ds_secret token;
	int with_creds;
	long long exp; /* JWT exp claim, -1 when unknown */
	char *access;  /* what the JWT grants, for evidence */
};

struct registry_client {
	struct http_client http;
	char *base; /* "https://registry-1.docker.io", no trailing slash */
	const struct registry_creds *creds; /* borrowed; NULL or without secrets: anonymous */
	int basic; /* the registry asked for Basic: send the credentials with every call */
	struct registry_token tokens[REGISTRY_TOKENS_MAX];
	size_t ntokens;
	long deadline; /* CLOCK_MONOTONIC ms after which calls fail as timeouts; 0: none */
	unsigned long token_requests;
	struct ds_strlist notes; /* things worth saying ("refused to send credentials to http realm") */
};

enum registry_stage {
	REGISTRY_STAGE_REGISTRY = 0,
	REGISTRY_STAGE_TOKEN, /* the token server answered (or failed) */
};

struct registry_reply {
	struct http_response http; /* the deciding response */
	enum registry_stage stage;
	int authenticated;  /* credentials went along (Basic, or a token fetched with them) */
	char *error_code;   /* errors[0].code of a JSON error body, or NULL */
	char *error_message;
	struct registry_challenge challenge; /* of a 401 from the registry */
	int have_challenge;
	const struct registry_token *token; /* the token that was sent, or NULL (borrowed) */
	char *realm; /* the token server asked, when stage is TOKEN */
};

/* base is copied; creds is borrowed for the client's life. */
int registry_client_init(struct registry_client *c, const char *base,
			 const struct registry_creds *creds, const struct http_options *o,
			 struct ds_error *e);
void registry_client_release(struct registry_client *c);
/* Switch to another base URL (the plain-HTTP fallback for loopback), keeping the connection
 * cache and tokens. */
int registry_client_rebase(struct registry_client *c, const char *base);

void registry_reply_init(struct registry_reply *r);
void registry_reply_release(struct registry_reply *r);

/*
 * One call: method on base + path (path starts with "/v2/"), extra header lines (NULL-ended,
 * may be NULL), body ceiling max_body (0: the client's), repository for the token scope
 * ("acme/api": scope "repository:acme/api:pull"). Returns 0 when a reply decided (any status,
 * from registry or token server: see r->stage), -1 when nothing answered (e->code an enum
 * http_fail; r->stage says who did not answer).
 */
int registry_client_call(struct registry_client *c, const char *method, const char *path,
			 const char *const *headers, size_t max_body, const char *repository,
			 int max_redirects, struct registry_reply *r, struct ds_error *e);

/* One call, in full: what registry_client_call() says, plus a request body and the scope's
 * actions, for uploads. */
struct registry_call {
	const char *method;
	const char *path;           /* "/v2/..." after the base, or an absolute URL (a Location) */
	const char *const *headers; /* NULL-ended, may be NULL */
	const void *body;           /* NULL: none */
	size_t body_len;
	size_t max_body;            /* reply ceiling; 0: the client's */
	const char *repository;     /* for the token scope */
	const char *actions;        /* "pull" (NULL) or "pull,push" */
	int max_redirects;
};

int registry_client_request(struct registry_client *c, const struct registry_call *call,
			    struct registry_reply *r, struct ds_error *e);

/* Whether a failed https exchange (e from a call) says the peer speaks plain HTTP: the
 * cue for the http:// fallback that loopback registries (and --insecure) allow. */
int registry_error_is_plain_http_peer(const struct ds_error *e);

/* The secrets this client holds (tokens), for callers that scrub output: n-th or NULL. */
const struct ds_secret *registry_client_secret(const struct registry_client *c, size_t n);

#endif
