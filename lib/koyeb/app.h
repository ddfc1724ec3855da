/*
 * koyeb/app.h - Koyeb apps: the named container of services.
 *
 * Apps are named on the command line and addressed by id in the API; koyeb_app_find()
 * resolves a name exactly (the list's name filter matches loosely).
 */
#ifndef DS_KOYEB_APP_H
#define DS_KOYEB_APP_H

#include <jansson.h>

#include "core/error.h"
#include "koyeb/client.h"

/* Every app (AppListItem objects, owned array). */
int koyeb_app_list(struct koyeb_client *c, json_t **apps, struct ds_error *e);
/* The app called name: 0 with *app (an AppListItem, owned) or NULL when there is none. */
int koyeb_app_find(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e);
/* The full App object by id (owned). */
int koyeb_app_get(struct koyeb_client *c, const char *id, json_t **app, struct ds_error *e);
/* Create app name; a create whose reply was lost is recognised by name. *app owned. */
int koyeb_app_create(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e);
int koyeb_app_delete(struct koyeb_client *c, const char *id, struct ds_error *e);

/* The app's first public domain name ("demo-acme.koyeb.app", borrowed), or NULL. */
const char *koyeb_app_domain(const json_t *app);

#endif
