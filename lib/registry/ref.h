/*
 * registry/ref.h - container image references.
 *
 * Parses "[domain/]path[:tag][@digest]" with the grammar of the registry ecosystem
 * (distribution/reference) and fills in what the ecosystem implies, so that no caller
 * guesses: no domain means docker.io; "index.docker.io" is docker.io; a one-component
 * Docker Hub path gets "library/"; no tag and no digest means tag "latest". Pure: no I/O.
 *
 * On a bad reference the error names the one rule it breaks (as struct ds_error's code, an
 * enum ref_rule, and in words), and ref_suggest() offers the corrected reference when the
 * fix is obvious (upper case, a scheme in front, a stray slash or colon).
 *
 * Beyond distribution's grammar, one rule is ours: a lone host ("ghcr.io",
 * "registry.localhost:5000") is refused as naming a registry but no repository, although
 * distribution would read it as the Docker Hub repository "library/ghcr.io". Nobody means that.
 */
#ifndef DS_REGISTRY_REF_H
#define DS_REGISTRY_REF_H

#include "core/error.h"

#define REF_PATH_MAX 255
#define REF_TAG_MAX 128
#define REF_INPUT_MAX 1024

enum ref_rule {
	REF_OK = 0,
	REF_EMPTY,          /* nothing to parse */
	REF_TOO_LONG,       /* over REF_INPUT_MAX bytes */
	REF_WHITESPACE,     /* spaces or control characters */
	REF_SCHEME,         /* "https://..." */
	REF_NO_REPOSITORY,  /* "ghcr.io", "localhost:5000", ":tag" */
	REF_DOMAIN,         /* the registry host or port is not valid */
	REF_UPPERCASE,      /* the repository path has upper case */
	REF_PATH_COMPONENT, /* a path component breaks [a-z0-9]+([._-]|__)... or is empty */
	REF_PATH_TOO_LONG,  /* path over REF_PATH_MAX */
	REF_HEX_NAME,       /* a 64-hex-digit name: a digest without "sha256:" */
	REF_TAG,            /* empty, bad character, or starting with '.' or '-' */
	REF_TAG_TOO_LONG,   /* over REF_TAG_MAX */
	REF_DIGEST,         /* not "algorithm:hex" of the right length */
};

struct ref {
	char *domain; /* "docker.io", "ghcr.io", "127.0.0.1:5000" (lower case) */
	char *path;   /* "library/nginx", "acme/api" */
	char *tag;    /* "latest" when neither tag nor digest was given; NULL with a digest only */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

#define REF_INIT {NULL, NULL, NULL, NULL}

/* Parse s into r (which must be empty). Returns 0, or -1 with r left empty and e set: code
 * an enum ref_rule, message naming the rule and the offending part ("repository must be
 * lowercase: 'Acme/Api'"). r owns its strings. */
int ref_parse(struct ref *r, const char *s, struct ds_error *e);
void ref_release(struct ref *r);

/* The corrected form of a reference that ref_parse() refuses, when one is obvious (as the user
 * would write it, not normalised), or NULL. Allocated: free() it. */
char *ref_suggest(const char *s);

/* "docker.io/library/nginx:latest", "ghcr.io/acme/api@sha256:..." (tag and digest both when
 * both were given). Allocated, NULL when memory is short. */
char *ref_string(const struct ref *r);

/* Whether r's registry is Docker Hub. */
int ref_is_docker_hub(const struct ref *r);

/* Whether domain ("localhost:5000", "127.0.0.1", "[::1]:5000") is a loopback host. */
int ref_domain_is_loopback(const char *domain);

/* "no-repository", "uppercase", ...: the stable name of a rule, for tests and --json. */
const char *ref_rule_name(enum ref_rule rule);

#endif
