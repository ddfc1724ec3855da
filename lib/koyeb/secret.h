/*
 * koyeb/secret.h - Koyeb secrets, registry secrets above all.
 *
 * The secret types are named like the koyeb CLI's --type values ("registry-dockerhub",
 * "registry-private", ...) plus "registry-github", which the API has (github_registry) but
 * the koyeb CLI lacks. Each maps to the API's SecretType and the CreateSecret field that
 * carries its configuration, and says which flags it needs. Secrets are addressed by name
 * on the command line and by id in the API; koyeb_secret_find() resolves one to the other
 * (the list filter matches loosely, so the exact name is picked here).
 *
 * Secret values (passwords, keyfiles) travel in struct ds_secret, are put into a request
 * body only to be sent, and the body is wiped afterwards.
 */
#ifndef DS_KOYEB_SECRET_H
#define DS_KOYEB_SECRET_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"
#include "core/secret.h"
#include "koyeb/client.h"

enum koyeb_secret_needs {
	KOYEB_NEEDS_USERNAME = 1 << 0,
	KOYEB_NEEDS_URL = 1 << 1,           /* --registry-url */
	KOYEB_NEEDS_REGISTRY_NAME = 1 << 2, /* --registry-name (Azure) */
	KOYEB_NEEDS_KEYFILE = 1 << 3,       /* the value is a GCP keyfile */
};

struct koyeb_secret_type {
	const char *name;     /* "registry-dockerhub", "simple", ... */
	const char *api_type; /* "REGISTRY" or "SIMPLE" */
	const char *config;   /* CreateSecret field: "docker_hub_registry", NULL for simple */
	unsigned needs;       /* enum koyeb_secret_needs */
	const char *domain;   /* the registry it implies ("docker.io", "ghcr.io"), or NULL */
};

/* The table, in --help order. */
const struct koyeb_secret_type *koyeb_secret_types(size_t *n);
const struct koyeb_secret_type *koyeb_secret_type_find(const char *name);
/* "registry-dockerhub, registry-private, ..." for messages (static storage). */
const char *koyeb_secret_type_names(void);
/* The type of a Secret object from the API (borrowed), or NULL. */
const struct koyeb_secret_type *koyeb_secret_type_of(const json_t *secret);
/* The type whose registry serves domain ("ghcr.io" -> registry-github; anything unknown
 * -> registry-private). */
const struct koyeb_secret_type *koyeb_secret_type_for_domain(const char *domain);

struct koyeb_secret_spec {
	const char *name;
	const struct koyeb_secret_type *type;
	const char *username;
	const char *url;
	const char *registry_name;
	const struct ds_secret *value; /* password, value or keyfile content (borrowed) */
};

/* Whether s has what its type needs; e names the missing flag. */
int koyeb_secret_spec_check(const struct koyeb_secret_spec *s, struct ds_error *e);

/* The CreateSecret body for s (owned; wipe with koyeb_json_wipe() before freeing). */
json_t *koyeb_secret_body(const struct koyeb_secret_spec *s);

/* Every secret (Secret objects, owned array). */
int koyeb_secret_list(struct koyeb_client *c, json_t **secrets, struct ds_error *e);
/* The secret called name: 0 with *secret owned, or NULL when there is none. */
int koyeb_secret_find(struct koyeb_client *c, const char *name, json_t **secret,
		      struct ds_error *e);
/* Create s; a create whose reply was lost is recognised by name, never repeated. *secret:
 * the Secret (owned). */
int koyeb_secret_create(struct koyeb_client *c, const struct koyeb_secret_spec *s,
			json_t **secret, struct ds_error *e);
int koyeb_secret_delete(struct koyeb_client *c, const char *id, struct ds_error *e);

/* The registry host a Secret object pulls from (borrowed from it, or its type's domain),
 * and its username; NULL when unknown. */
const char *koyeb_secret_registry(const json_t *secret);
const char *koyeb_secret_username(const json_t *secret);

#endif
