/*
 * registry/auth.h - what a registry's 401 asks for, and the token it leads to.
 *
 * A registry that wants credentials answers 401 with a WWW-Authenticate header: "Basic
 * realm=..." (send the credentials to the registry itself) or "Bearer realm=...,service=...,
 * scope=..." (get a token from the realm, anonymously or with the credentials, then send the
 * token). This module parses the header (RFC 9110 section 11: several challenges in one value,
 * quoted strings with escapes, token68), the token server's JSON reply, and the claims of a
 * JWT token (without verifying it: only to explain a refusal, "token grants no access to
 * repository:acme/api:pull" or "token expired 2 minutes ago"). Pure: no I/O.
 */
#ifndef DS_REGISTRY_AUTH_H
#define DS_REGISTRY_AUTH_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/secret.h"

enum registry_auth_scheme {
	REGISTRY_AUTH_NONE = 0,
	REGISTRY_AUTH_BASIC,
	REGISTRY_AUTH_BEARER,
	REGISTRY_AUTH_OTHER,
};

#define REGISTRY_CHALLENGES_MAX 8
#define REGISTRY_TOKEN_MAX (64 * 1024)

/* One challenge; the strings are owned, NULL when the parameter was absent. */
struct registry_challenge {
	enum registry_auth_scheme scheme;
	char *scheme_name; /* as sent, for evidence */
	char *realm;
	char *service;
	char *scope; /* may hold several scopes separated by spaces */
	char *error; /* "invalid_token", "insufficient_scope" (RFC 6750) */
	char *error_description;
};

/*
 * Parse one WWW-Authenticate value into at most max challenges. Returns how many were
 * filled (0 for an empty value), or -1 with e set when the value is malformed (what was
 * parsed before the fault is released). Parameter names are case-insensitive; unknown ones
 * are ignored. Release each filled challenge with registry_challenge_release().
 */
int registry_auth_parse(const char *value, struct registry_challenge *out, size_t max,
			struct ds_error *e);
void registry_challenge_release(struct registry_challenge *c);

/* The first challenge of scheme in ch[0..n), or NULL. */
const struct registry_challenge *registry_challenge_find(const struct registry_challenge *ch,
							 size_t n, enum registry_auth_scheme scheme);

/*
 * Read a token server's reply: {"token": "...", "access_token": "...", "expires_in": 300}
 * ("token" wins, as in the distribution spec). Returns 0 with token set and *expires_in in
 * seconds (60 when absent, as the spec says), or -1 with e naming what is missing. The body is
 * never quoted in e: it holds the token.
 */
int registry_auth_parse_token_reply(const char *body, size_t len, struct ds_secret *token,
				    long *expires_in, struct ds_error *e);

/*
 * What a JWT token claims, for evidence: its exp (seconds since the epoch, -1 when absent)
 * and the access it grants as "repository:acme/api:pull,push" items joined by "; " ("" for
 * none). Returns 0, or -1 when the token is not a JWT (opaque tokens are legal).
 */
int registry_auth_jwt_claims(const char *token, long long *exp, struct ds_buf *access);

#endif
