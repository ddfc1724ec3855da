/*
 * koyeb/secret.c - secret types, bodies, and the secret calls; see secret.h.
 */
#include "koyeb/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct koyeb_secret_type types[] = {
	{"registry-dockerhub", "REGISTRY", "docker_hub_registry", KOYEB_NEEDS_USERNAME, "docker.io"},
	{"registry-private", "REGISTRY", "private_registry", KOYEB_NEEDS_USERNAME | KOYEB_NEEDS_URL,
	 NULL},
	{"registry-github", "REGISTRY", "github_registry", KOYEB_NEEDS_USERNAME, "ghcr.io"},
	{"registry-gitlab", "REGISTRY", "gitlab_registry", KOYEB_NEEDS_USERNAME,
	 "registry.gitlab.com"},
	{"registry-digital-ocean", "REGISTRY", "digital_ocean_registry", KOYEB_NEEDS_USERNAME,
	 "registry.digitalocean.com"},
	{"registry-azure", "REGISTRY", "azure_container_registry",
	 KOYEB_NEEDS_USERNAME | KOYEB_NEEDS_REGISTRY_NAME, NULL},
	{"registry-gcp", "REGISTRY", "gcp_container_registry", KOYEB_NEEDS_URL | KOYEB_NEEDS_KEYFILE,
	 NULL},
	{"simple", "SIMPLE", NULL, 0, NULL},
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

const struct koyeb_secret_type *koyeb_secret_types(size_t *n)
{
	*n = NTYPES;
	return types;
}

const struct koyeb_secret_type *koyeb_secret_type_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < NTYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

const char *koyeb_secret_type_names(void)
{
	static char buf[256];
	size_t i, len = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < NTYPES; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "", types[i].name);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			break;
		len += (size_t)w;
	}
	return buf;
}

const struct koyeb_secret_type *koyeb_secret_type_of(const json_t *secret)
{
	const char *t = json_string_value(json_object_get(secret, "type"));
	size_t i;

	if (t && !strcmp(t, "SIMPLE"))
		return koyeb_secret_type_find("simple");
	for (i = 0; i < NTYPES; i++)
		if (types[i].config && json_is_object(json_object_get(secret, types[i].config)))
			return &types[i];
	return NULL;
}

static int host_is(const char *domain, const char *host)
{
	size_t d = strlen(domain), h = strlen(host);

	/* host itself, or a subdomain of it */
	return !strcasecmp(domain, host) ||
	       (d > h && domain[d - h - 1] == '.' && !strcasecmp(domain + d - h, host));
}

const struct koyeb_secret_type *koyeb_secret_type_for_domain(const char *domain)
{
	if (!domain || !*domain || host_is(domain, "docker.io") ||
	    !strcasecmp(domain, "index.docker.io") || !strcasecmp(domain, "registry-1.docker.io"))
		return koyeb_secret_type_find("registry-dockerhub");
	if (host_is(domain, "ghcr.io"))
		return koyeb_secret_type_find("registry-github");
	if (host_is(domain, "registry.gitlab.com"))
		return koyeb_secret_type_find("registry-gitlab");
	if (host_is(domain, "registry.digitalocean.com"))
		return koyeb_secret_type_find("registry-digital-ocean");
	if (host_is(domain, "azurecr.io"))
		return koyeb_secret_type_find("registry-azure");
	if (host_is(domain, "gcr.io") || host_is(domain, "pkg.dev"))
		return koyeb_secret_type_find("registry-gcp");
	return koyeb_secret_type_find("registry-private");
}

int koyeb_secret_spec_check(const struct koyeb_secret_spec *s, struct ds_error *e)
{
	const struct koyeb_secret_type *t = s->type;

	if (!s->name || !*s->name)
		return ds_error_set(e, 0, "a secret needs a name");
	if (!t)
		return ds_error_set(e, 0, "a secret needs --type (%s)", koyeb_secret_type_names());
	if ((t->needs & KOYEB_NEEDS_USERNAME) && (!s->username || !*s->username))
		return ds_error_set(e, 0, "--type %s needs --registry-username", t->name);
	if ((t->needs & KOYEB_NEEDS_URL) && (!s->url || !*s->url))
		return ds_error_set(e, 0, "--type %s needs --registry-url", t->name);
	if ((t->needs & KOYEB_NEEDS_REGISTRY_NAME) && (!s->registry_name || !*s->registry_name))
		return ds_error_set(e, 0, "--type %s needs --registry-name", t->name);
	if (!(t->needs & KOYEB_NEEDS_URL) && s->url && *s->url)
		return ds_error_set(e, 0, "--registry-url is only for registry-private and "
					  "registry-gcp; --type %s has a fixed registry",
				    t->name);
	if (!s->value || !ds_secret_is_set(s->value))
		return ds_error_set(e, 0, "--type %s needs its %s on stdin: --value-from-stdin",
				    t->name,
				    t->config ? (t->needs & KOYEB_NEEDS_KEYFILE ? "keyfile" : "password")
					      : "value");
	return 0;
}

json_t *koyeb_secret_body(const struct koyeb_secret_spec *s)
{
	const struct koyeb_secret_type *t = s->type;
	json_t *b = json_pack("{s:s, s:s}", "name", s->name, "type", t->api_type), *cfg;

	if (!b)
		return NULL;
	if (!t->config) {
		json_object_set_new(b, "value", json_string(ds_secret_value(s->value)));
		return b;
	}
	cfg = json_object();
	if (t->needs & KOYEB_NEEDS_KEYFILE) {
		json_object_set_new(cfg, "keyfile_content", json_string(ds_secret_value(s->value)));
	} else {
		json_object_set_new(cfg, "username", json_string(s->username));
		json_object_set_new(cfg, "password", json_string(ds_secret_value(s->value)));
	}
	if (t->needs & KOYEB_NEEDS_URL)
		json_object_set_new(cfg, "url", json_string(s->url));
	if (t->needs & KOYEB_NEEDS_REGISTRY_NAME)
		json_object_set_new(cfg, "registry_name", json_string(s->registry_name));
	json_object_set_new(b, t->config, cfg);
	return b;
}

int koyeb_secret_list(struct koyeb_client *c, json_t **secrets, struct ds_error *e)
{
	return koyeb_list(c, "/v1/secrets", "secrets", secrets, e);
}

int koyeb_secret_find(struct koyeb_client *c, const char *name, json_t **secret,
		      struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *all = NULL, *s;
	size_t i;
	int rc;

	*secret = NULL;
	ds_buf_addstr(&p, "/v1/secrets?name=");
	http_buf_add_escaped(&p, name);
	rc = koyeb_list(c, ds_buf_str(&p), "secrets", &all, e);
	ds_buf_release(&p);
	if (rc)
		return -1;
	json_array_foreach(all, i, s) {
		const char *n = json_string_value(json_object_get(s, "name"));

		if (n && !strcmp(n, name)) {
			*secret = json_incref(s);
			break;
		}
	}
	json_decref(all);
	return 0;
}

struct by_name {
	const char *name;
};

static int converge_secret(struct koyeb_client *c, void *ctx, json_t **out, struct ds_error *e)
{
	struct by_name *b = ctx;
	json_t *s = NULL;

	if (koyeb_secret_find(c, b->name, &s, e))
		return -1;
	if (!s)
		return 0;
	*out = json_pack("{s:o}", "secret", s);
	return 1;
}

int koyeb_secret_create(struct koyeb_client *c, const struct koyeb_secret_spec *s,
			json_t **secret, struct ds_error *e)
{
	struct by_name b = {s->name};
	json_t *body, *reply = NULL;
	int rc;

	*secret = NULL;
	if (koyeb_secret_spec_check(s, e))
		return -1;
	body = koyeb_secret_body(s);
	if (!body)
		return ds_error_set(e, 0, "out of memory");
	rc = koyeb_mutate(c, "POST", "/v1/secrets", body, converge_secret, &b, &reply, e);
	koyeb_json_wipe(body);
	json_decref(body);
	if (rc)
		return ds_error_prefix(e, "creating secret '%s'", s->name);
	*secret = json_incref(json_object_get(reply, "secret"));
	json_decref(reply);
	if (!json_is_object(*secret)) {
		json_decref(*secret);
		*secret = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "POST /v1/secrets: the reply has no secret");
	}
	return 0;
}

int koyeb_secret_delete(struct koyeb_client *c, const char *id, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	int rc;

	koyeb_path(&p, "secrets", id);
	rc = koyeb_delete(c, ds_buf_str(&p), e);
	ds_buf_release(&p);
	return rc;
}

const char *koyeb_secret_registry(const json_t *secret)
{
	const struct koyeb_secret_type *t = koyeb_secret_type_of(secret);
	const char *url;

	if (!t || !t->config)
		return NULL;
	url = json_string_value(json_object_get(json_object_get(secret, t->config), "url"));
	if (url && *url)
		return url;
	return t->domain;
}

const char *koyeb_secret_username(const json_t *secret)
{
	const struct koyeb_secret_type *t = koyeb_secret_type_of(secret);

	if (!t || !t->config)
		return NULL;
	return json_string_value(json_object_get(json_object_get(secret, t->config), "username"));
}
