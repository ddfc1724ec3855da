/*
 * koyeb/app.c - the app calls; see app.h.
 */
#include "koyeb/app.h"

#include <string.h>

int koyeb_app_list(struct koyeb_client *c, json_t **apps, struct ds_error *e)
{
	return koyeb_list(c, "/v1/apps", "apps", apps, e);
}

int koyeb_app_find(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *all = NULL, *a;
	size_t i;
	int rc;

	*app = NULL;
	ds_buf_addstr(&p, "/v1/apps?name=");
	http_buf_add_escaped(&p, name);
	rc = koyeb_list(c, ds_buf_str(&p), "apps", &all, e);
	ds_buf_release(&p);
	if (rc)
		return -1;
	json_array_foreach(all, i, a) {
		const char *n = json_string_value(json_object_get(a, "name"));

		if (n && !strcmp(n, name)) {
			*app = json_incref(a);
			break;
		}
	}
	json_decref(all);
	return 0;
}

int koyeb_app_get(struct koyeb_client *c, const char *id, json_t **app, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *reply = NULL;
	int rc;

	*app = NULL;
	koyeb_path(&p, "apps", id);
	rc = koyeb_get(c, ds_buf_str(&p), &reply, e);
	ds_buf_release(&p);
	if (rc)
		return -1;
	*app = json_incref(json_object_get(reply, "app"));
	json_decref(reply);
	if (!json_is_object(*app)) {
		json_decref(*app);
		*app = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "GET /v1/apps/%s: the reply has no app", id);
	}
	return 0;
}

static int converge_app(struct koyeb_client *c, void *ctx, json_t **out, struct ds_error *e)
{
	json_t *a = NULL;

	if (koyeb_app_find(c, ctx, &a, e))
		return -1;
	if (!a)
		return 0;
	*out = json_pack("{s:o}", "app", a);
	return 1;
}

int koyeb_app_create(struct koyeb_client *c, const char *name, json_t **app, struct ds_error *e)
{
	json_t *body = json_pack("{s:s}", "name", name), *reply = NULL;
	int rc;

	*app = NULL;
	rc = koyeb_mutate(c, "POST", "/v1/apps", body, converge_app, (void *)name, &reply, e);
	json_decref(body);
	if (rc)
		return ds_error_prefix(e, "creating app '%s'", name);
	*app = json_incref(json_object_get(reply, "app"));
	json_decref(reply);
	if (!json_is_object(*app)) {
		json_decref(*app);
		*app = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "POST /v1/apps: the reply has no app");
	}
	return 0;
}

int koyeb_app_delete(struct koyeb_client *c, const char *id, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	int rc;

	koyeb_path(&p, "apps", id);
	rc = koyeb_delete(c, ds_buf_str(&p), e);
	ds_buf_release(&p);
	return rc;
}

const char *koyeb_app_domain(const json_t *app)
{
	json_t *domains = json_object_get(app, "domains"), *d;
	size_t i;

	json_array_foreach(domains, i, d) {
		const char *n = json_string_value(json_object_get(d, "name"));

		if (n && *n)
			return n;
	}
	return NULL;
}
