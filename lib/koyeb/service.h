/*
 * koyeb/service.h - services: the definition built from koyeb-CLI-style flags, and the
 * comparison that decides "up to date".
 *
 * Flags carry over from the koyeb CLI (see docs/cli/koyeb.md):
 *   --docker IMAGE   --docker-private-registry-secret NAME
 *   --env KEY=VALUE | KEY=@SECRET | !KEY       one variable per flag (a comma stays in it)
 *   --ports PORT[:http|http2|tcp]              --routes PATH[:PORT]
 *   --checks PORT[:http[:PATH]] | PORT:tcp     --volumes NAME:PATH | !NAME
 *   --regions fra[,was]   --instance-type nano   --min-scale N --max-scale N   --type web|worker
 * Lists other than --env also split at commas, as the koyeb CLI's do.
 *
 * One builder, three modes:
 *   CREATE   the definition from the flags and the defaults (ports 8000:http and a route
 *            "/" to the first port for a web service, nano, fra, scale 1);
 *   REPLACE  deploy's declarative mode: the current definition with every field this module
 *            manages replaced from the flags and defaults; fields it does not manage
 *            (command, args, strategy, config files, ...) are kept as they are;
 *   MERGE    service update: only the flags given change the current definition; list
 *            items are matched by key (env key, port, route path, check port, volume) and
 *            "!key" removes one, as in the koyeb CLI.
 *
 * The managed fields, and how koyeb_definition_diff() compares them (the server fills in
 * defaults, so "equal" is semantic, not byte for byte):
 *   type; docker.image (docker.io/, library/ and :latest implied); docker.image_registry_secret
 *   ("" = none); env, ports, routes, volumes, regions as sets (order and scopes ignored);
 *   instance_types and scalings by type and min/max (scopes ignored); health_checks only
 *   when the desired definition has some: without --checks the platform's default check
 *   is left alone, whatever it is.
 */
#ifndef DS_KOYEB_SERVICE_H
#define DS_KOYEB_SERVICE_H

#include <jansson.h>

#include "core/error.h"
#include "core/strlist.h"
#include "koyeb/client.h"

#define KOYEB_DEFAULT_PORT 8000
#define KOYEB_DEFAULT_INSTANCE_TYPE "nano"
#define KOYEB_DEFAULT_REGION "fra"

/* What the user asked for: flag values, all borrowed. An empty or NULL list, a NULL
 * string and a negative scale mean "not given". */
struct koyeb_service_spec {
	const char *app;
	const char *name;
	const char *image;
	const char *registry_secret; /* "" removes it (MERGE) */
	const struct ds_strlist *env;
	const struct ds_strlist *ports;
	const struct ds_strlist *routes;
	const struct ds_strlist *checks;
	const struct ds_strlist *volumes;
	const struct ds_strlist *regions;
	const char *instance_type;
	const char *type; /* "web" or "worker" */
	long min_scale, max_scale;
};

#define KOYEB_SERVICE_SPEC_INIT                                                                \
	{NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, -1}

enum koyeb_def_mode {
	KOYEB_DEF_CREATE,
	KOYEB_DEF_REPLACE,
	KOYEB_DEF_MERGE,
};

/*
 * Parsers of one flag value into the API's item (owned): DeploymentEnv, DeploymentPort,
 * DeploymentRoute (port 0 when not given: the first port), DeploymentHealthCheck, and
 * {"name", "path"} for a volume. *remove is set for "!key". Errors quote the flag:
 * "--ports '80:htp': protocol must be http, http2 or tcp".
 */
int koyeb_parse_env(const char *arg, json_t **item, int *remove, struct ds_error *e);
int koyeb_parse_port(const char *arg, json_t **item, int *remove, struct ds_error *e);
int koyeb_parse_route(const char *arg, json_t **item, int *remove, struct ds_error *e);
int koyeb_parse_check(const char *arg, json_t **item, int *remove, struct ds_error *e);
int koyeb_parse_volume(const char *arg, json_t **item, int *remove, struct ds_error *e);

/* Check every flag of s parses (and that "!key" appears only in MERGE); e names the first
 * bad one. */
int koyeb_service_spec_check(const struct koyeb_service_spec *s, enum koyeb_def_mode mode,
			     struct ds_error *e);

/* The volume names s mounts (new array of strings, owned). */
json_t *koyeb_service_volume_names(const struct koyeb_service_spec *s);

/*
 * Build the definition (owned) for mode. base is the current definition (borrowed; NULL for
 * CREATE). volume_ids maps volume name -> id (borrowed; may be NULL without --volumes).
 */
int koyeb_definition_build(const struct koyeb_service_spec *s, enum koyeb_def_mode mode,
			   const json_t *base, const json_t *volume_ids, json_t **def,
			   struct ds_error *e);

/*
 * Compare desired with current on the managed fields. 0 when current already is desired;
 * 1 when they differ, each difference appended to changes (may be NULL) as a short line
 * that never shows an environment value ("docker.image: 'acme/api:1' -> 'acme/api:2'",
 * "env: A changed", "env: +B").
 */
int koyeb_definition_diff(const json_t *desired, const json_t *current,
			  struct ds_strlist *changes);

/* "acme/api" -> "docker.io/acme/api:latest"; what Koyeb pulls for the same string. Owned. */
char *koyeb_image_normalize(const char *image);

/* --- calls ------------------------------------------------------------------------------ */

/* Services (ServiceListItem objects, owned array) of app_id, or of every app when NULL. */
int koyeb_service_list(struct koyeb_client *c, const char *app_id, json_t **services,
		       struct ds_error *e);
/* The service called name in app_id: *svc (ServiceListItem, owned) or NULL. */
int koyeb_service_find(struct koyeb_client *c, const char *app_id, const char *name,
		       json_t **svc, struct ds_error *e);
/* The full Service by id (owned). */
int koyeb_service_get(struct koyeb_client *c, const char *id, json_t **svc, struct ds_error *e);
/* Create; a create whose reply was lost is recognised by name in the app. *svc owned. */
int koyeb_service_create(struct koyeb_client *c, const char *app_id, const char *name,
			 const json_t *def, json_t **svc, struct ds_error *e);
/* Replace the definition (PUT): one new deployment. A lost reply is recognised by the
 * service's latest deployment having changed to this definition. *svc owned. */
int koyeb_service_update(struct koyeb_client *c, const char *id, const json_t *def,
			 json_t **svc, struct ds_error *e);
/* A new deployment of the latest definition. *deployment owned. */
int koyeb_service_redeploy(struct koyeb_client *c, const char *id, json_t **deployment,
			   struct ds_error *e);
int koyeb_service_delete(struct koyeb_client *c, const char *id, struct ds_error *e);

/* Resolve volume names to ids (GET /v1/volumes): *ids maps name -> id (owned). A name with
 * no volume is an error (KOYEB_E_NOT_FOUND) with the command that creates it. */
int koyeb_volume_ids(struct koyeb_client *c, const json_t *names, const char *region,
		     json_t **ids, struct ds_error *e);

#endif
