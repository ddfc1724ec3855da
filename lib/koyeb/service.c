/*
 * koyeb/service.c - flag parsing, the definition builder, the comparison, and the service
 * calls; see service.h.
 */
#include "koyeb/service.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koyeb/deploy.h"

/* --- flag values -------------------------------------------------------------------------- */

static int parse_port_number(const char *s, size_t n, long *out)
{
	long v = 0;
	size_t i;

	if (!n || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

static int env_key_ok(const char *k, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)k[0]) || k[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)k[i]) || k[i] == '_'))
			return 0;
	return 1;
}

int koyeb_parse_env(const char *arg, json_t **item, int *remove, struct ds_error *e)
{
	const char *eq = strchr(arg, '=');

	*item = NULL;
	*remove = 0;
	if (arg[0] == '!') {
		if (eq || !env_key_ok(arg + 1, strlen(arg + 1)))
			return ds_error_set(e, 0, "--env '%s': to remove a variable write !KEY", arg);
		*remove = 1;
		*item = json_pack("{s:s}", "key", arg + 1);
		return 0;
	}
	if (!eq)
		return ds_error_set(e, 0, "--env '%s': expected KEY=VALUE", arg);
	if (!env_key_ok(arg, (size_t)(eq - arg)))
		return ds_error_set(e, 0,
				    "--env '%.*s=...': '%.*s' is not a variable name (letters, "
				    "digits and '_', not starting with a digit)",
				    (int)(eq - arg), arg, (int)(eq - arg), arg);
	if (eq[1] == '@' && eq[2]) {
		/* KEY=@NAME: the value of Koyeb secret NAME, as in the koyeb CLI. */
		*item = json_pack("{s:s#, s:s}", "key", arg, (int)(eq - arg), "secret", eq + 2);
	} else {
		*item = json_pack("{s:s#, s:s}", "key", arg, (int)(eq - arg), "value", eq + 1);
	}
	return *item ? 0 : ds_error_set(e, 0, "out of memory");
}

int koyeb_parse_port(const char *arg, json_t **item, int *remove, struct ds_error *e)
{
	const char *colon = strchr(arg, ':');
	const char *proto = colon ? colon + 1 : "http";
	const char *p = arg;
	long port;

	*item = NULL;
	*remove = 0;
	if (*p == '!') {
		*remove = 1;
		p++;
		if (colon)
			return ds_error_set(e, 0, "--ports '%s': to remove a port write !PORT", arg);
	}
	if (parse_port_number(p, colon ? (size_t)(colon - p) : strlen(p), &port))
		return ds_error_set(e, 0, "--ports '%s': expected PORT[:PROTOCOL] with PORT in "
					  "1..65535",
				    arg);
	if (strcmp(proto, "http") && strcmp(proto, "http2") && strcmp(proto, "tcp"))
		return ds_error_set(e, 0, "--ports '%s': protocol must be http, http2 or tcp", arg);
	*item = json_pack("{s:I, s:s}", "port", (json_int_t)port, "protocol", proto);
	return 0;
}

int koyeb_parse_route(const char *arg, json_t **item, int *remove, struct ds_error *e)
{
	const char *p = arg, *colon;
	long port = 0;

	*item = NULL;
	*remove = 0;
	if (*p == '!') {
		*remove = 1;
		p++;
	}
	colon = strrchr(p, ':');
	if (*p != '/')
		return ds_error_set(e, 0, "--routes '%s': expected PATH[:PORT], PATH starting with "
					  "'/'",
				    arg);
	if (colon) {
		if (*remove)
			return ds_error_set(e, 0, "--routes '%s': to remove a route write !PATH", arg);
		if (parse_port_number(colon + 1, strlen(colon + 1), &port))
			return ds_error_set(e, 0, "--routes '%s': '%s' is not a port (1..65535)", arg,
					    colon + 1);
	}
	*item = json_pack("{s:s#, s:I}", "path", p, (int)(colon ? (size_t)(colon - p) : strlen(p)),
			  "port", (json_int_t)port);
	return 0;
}

int koyeb_parse_check(const char *arg, json_t **item, int *remove, struct ds_error *e)
{
	const char *p = arg, *c1, *c2 = NULL, *type = "http", *path = "/";
	size_t tlen = 4;
	long port;

	*item = NULL;
	*remove = 0;
	if (*p == '!') {
		*remove = 1;
		p++;
	}
	c1 = strchr(p, ':');
	if (c1) {
		c2 = strchr(c1 + 1, ':');
		type = c1 + 1;
		tlen = c2 ? (size_t)(c2 - type) : strlen(type);
		if (c2)
			path = c2 + 1;
		if (*remove)
			return ds_error_set(e, 0, "--checks '%s': to remove a check write !PORT", arg);
	}
	if (parse_port_number(p, c1 ? (size_t)(c1 - p) : strlen(p), &port))
		return ds_error_set(e, 0, "--checks '%s': expected PORT[:http[:PATH]] or PORT:tcp",
				    arg);
	if (tlen == 3 && !strncmp(type, "tcp", 3)) {
		if (c2)
			return ds_error_set(e, 0, "--checks '%s': a tcp check takes no path", arg);
		*item = json_pack("{s:{s:I}}", "tcp", "port", (json_int_t)port);
	} else if (tlen == 4 && !strncmp(type, "http", 4)) {
		if (*path != '/')
			return ds_error_set(e, 0, "--checks '%s': the path must start with '/'", arg);
		*item = json_pack("{s:{s:I, s:s}}", "http", "port", (json_int_t)port, "path", path);
	} else {
		return ds_error_set(e, 0, "--checks '%s': the check type must be http or tcp", arg);
	}
	return 0;
}

static int volume_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

int koyeb_parse_volume(const char *arg, json_t **item, int *remove, struct ds_error *e)
{
	const char *colon = strchr(arg, ':');

	*item = NULL;
	*remove = 0;
	if (arg[0] == '!') {
		if (colon || !volume_name_ok(arg + 1, strlen(arg + 1)))
			return ds_error_set(e, 0, "--volumes '%s': to detach a volume write !NAME",
					    arg);
		*remove = 1;
		*item = json_pack("{s:s}", "name", arg + 1);
		return 0;
	}
	if (!colon || !volume_name_ok(arg, (size_t)(colon - arg)) || colon[1] != '/')
		return ds_error_set(e, 0, "--volumes '%s': expected NAME:PATH (a volume name and "
					  "an absolute mount path)",
				    arg);
	*item = json_pack("{s:s#, s:s}", "name", arg, (int)(colon - arg), "path", colon + 1);
	return 0;
}

/* --- lists of flags ----------------------------------------------------------------------- */

typedef int (*parse_fn)(const char *arg, json_t **item, int *remove, struct ds_error *e);

/* The values of l, split at commas when split: a new array of strings. */
static json_t *values(const struct ds_strlist *l, int split)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		const char *s = l->items[i];

		if (!split) {
			json_array_append_new(out, json_string(s));
			continue;
		}
		for (;;) {
			const char *comma = strchr(s, ',');
			size_t n = comma ? (size_t)(comma - s) : strlen(s);

			if (n)
				json_array_append_new(out, json_stringn(s, n));
			if (!comma)
				break;
			s = comma + 1;
		}
	}
	return out;
}

/* Parse every value of l into items (new array); removals go to removed (new array, may
 * be NULL when they are not allowed). */
static int parse_all(const struct ds_strlist *l, int split, parse_fn fn, const char *flag,
		     json_t **items, json_t **removed, struct ds_error *e)
{
	json_t *vals = values(l, split), *v;
	size_t i;

	*items = json_array();
	if (removed)
		*removed = json_array();
	json_array_foreach(vals, i, v) {
		json_t *item = NULL;
		int rm = 0;

		if (fn(json_string_value(v), &item, &rm, e))
			goto fail;
		if (rm && !removed) {
			json_decref(item);
			ds_error_set(e, 0, "%s '%s': removing with '!' is only for 'service update'",
				     flag, json_string_value(v));
			goto fail;
		}
		json_array_append_new(rm ? *removed : *items, item);
	}
	json_decref(vals);
	return 0;
fail:
	json_decref(vals);
	json_decref(*items);
	*items = NULL;
	if (removed) {
		json_decref(*removed);
		*removed = NULL;
	}
	return -1;
}

int koyeb_service_spec_check(const struct koyeb_service_spec *s, enum koyeb_def_mode mode,
			     struct ds_error *e)
{
	static const struct {
		size_t off;
		int split;
		parse_fn fn;
		const char *flag;
	} lists[] = {
		{offsetof(struct koyeb_service_spec, env), 0, koyeb_parse_env, "--env"},
		{offsetof(struct koyeb_service_spec, ports), 1, koyeb_parse_port, "--ports"},
		{offsetof(struct koyeb_service_spec, routes), 1, koyeb_parse_route, "--routes"},
		{offsetof(struct koyeb_service_spec, checks), 1, koyeb_parse_check, "--checks"},
		{offsetof(struct koyeb_service_spec, volumes), 1, koyeb_parse_volume, "--volumes"},
	};
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const struct ds_strlist *l =
			*(const struct ds_strlist *const *)((const char *)s + lists[i].off);
		json_t *items = NULL, *rm = NULL;

		if (parse_all(l, lists[i].split, lists[i].fn, lists[i].flag, &items,
			      mode == KOYEB_DEF_MERGE ? &rm : NULL, e))
			return -1;
		json_decref(items);
		json_decref(rm);
	}
	if (s->type && strcmp(s->type, "web") && strcmp(s->type, "worker"))
		return ds_error_set(e, 0, "--type '%s': a service is web or worker", s->type);
	if (s->min_scale >= 0 && s->max_scale >= 0 && s->min_scale > s->max_scale)
		return ds_error_set(e, 0, "--min-scale %ld is above --max-scale %ld", s->min_scale,
				    s->max_scale);
	if (mode != KOYEB_DEF_MERGE && (!s->image || !*s->image))
		return ds_error_set(e, 0, "--docker IMAGE is required");
	return 0;
}

json_t *koyeb_service_volume_names(const struct koyeb_service_spec *s)
{
	json_t *items = NULL, *rm = NULL, *out = json_array(), *v;
	struct ds_error e = DS_ERROR_INIT;
	size_t i;

	if (parse_all(s->volumes, 1, koyeb_parse_volume, "--volumes", &items, &rm, &e))
		return out;
	json_array_foreach(items, i, v)
		json_array_append(out, json_object_get(v, "name"));
	json_array_foreach(rm, i, v)
		json_array_append(out, json_object_get(v, "name"));
	json_decref(items);
	json_decref(rm);
	return out;
}

/* --- the builder -------------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	/* proto3 JSON may write 64-bit integers as strings. */
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return json_integer_value(v);
}

/* The identity of a list item, for MERGE: same key, same item. */
static void item_key(const char *kind, const json_t *it, char *out, size_t n)
{
	if (!strcmp(kind, "env"))
		snprintf(out, n, "%s", str(it, "key") ? str(it, "key") : "");
	else if (!strcmp(kind, "ports"))
		snprintf(out, n, "%lld", (long long)num(it, "port"));
	else if (!strcmp(kind, "routes"))
		snprintf(out, n, "%s", str(it, "path") ? str(it, "path") : "");
	else if (!strcmp(kind, "health_checks")) {
		const json_t *x = json_object_get(it, "http");

		if (!x)
			x = json_object_get(it, "tcp");
		snprintf(out, n, "%lld", (long long)num(x, "port"));
	} else if (!strcmp(kind, "volumes"))
		snprintf(out, n, "%s", str(it, "id") ? str(it, "id") : "");
	else
		out[0] = '\0';
}

/* Replace or append each item of add in base[kind] by key, drop those in rm. */
static void merge_list(json_t *def, const char *kind, json_t *add, json_t *rm)
{
	json_t *list = json_object_get(def, kind), *x, *y;
	size_t i, j;
	char k1[256], k2[256];

	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(def, kind, list);
	}
	json_array_foreach(rm, i, x) {
		item_key(kind, x, k1, sizeof(k1));
		for (j = json_array_size(list); j-- > 0;) {
			item_key(kind, json_array_get(list, j), k2, sizeof(k2));
			if (!strcmp(k1, k2))
				json_array_remove(list, j);
		}
	}
	json_array_foreach(add, i, x) {
		int replaced = 0;

		item_key(kind, x, k1, sizeof(k1));
		json_array_foreach(list, j, y) {
			item_key(kind, y, k2, sizeof(k2));
			if (!strcmp(k1, k2)) {
				json_array_set(list, j, x);
				replaced = 1;
				break;
			}
		}
		if (!replaced)
			json_array_append(list, x);
	}
	if (!json_array_size(list))
		json_object_del(def, kind);
}

static void set_list(json_t *def, const char *kind, json_t *items)
{
	if (json_array_size(items))
		json_object_set(def, kind, items);
	else
		json_object_del(def, kind);
}

/* Volume items carry names from the flags; the API wants ids. */
static int resolve_volumes(json_t *items, const json_t *ids, struct ds_error *e)
{
	size_t i;
	json_t *v;

	json_array_foreach(items, i, v) {
		const char *name = str(v, "name");
		const char *id = str(ids, name);

		if (!id)
			return ds_error_set(e, KOYEB_E_NOT_FOUND, "volume '%s' has no id", name);
		json_object_set_new(v, "id", json_string(id));
		json_object_del(v, "name");
	}
	return 0;
}

/* Routes without a port go to the first port. */
static void fill_route_ports(json_t *def)
{
	json_int_t first = num(json_array_get(json_object_get(def, "ports"), 0), "port");
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(def, "routes"), i, r)
		if (!num(r, "port"))
			json_object_set_new(r, "port", json_integer(first ? first : KOYEB_DEFAULT_PORT));
}

int koyeb_definition_build(const struct koyeb_service_spec *s, enum koyeb_def_mode mode,
			   const json_t *base, const json_t *volume_ids, json_t **def,
			   struct ds_error *e)
{
	json_t *d, *docker, *env = NULL, *env_rm = NULL, *ports = NULL, *ports_rm = NULL;
	json_t *routes = NULL, *routes_rm = NULL, *checks = NULL, *checks_rm = NULL;
	json_t *vols = NULL, *vols_rm = NULL, *regions = NULL;
	int merge = mode == KOYEB_DEF_MERGE, web, rc = -1;
	const char *type;

	*def = NULL;
	if (koyeb_service_spec_check(s, mode, e))
		return -1;
	if (parse_all(s->env, 0, koyeb_parse_env, "--env", &env, merge ? &env_rm : NULL, e) ||
	    parse_all(s->ports, 1, koyeb_parse_port, "--ports", &ports, merge ? &ports_rm : NULL,
		      e) ||
	    parse_all(s->routes, 1, koyeb_parse_route, "--routes", &routes,
		      merge ? &routes_rm : NULL, e) ||
	    parse_all(s->checks, 1, koyeb_parse_check, "--checks", &checks,
		      merge ? &checks_rm : NULL, e) ||
	    parse_all(s->volumes, 1, koyeb_parse_volume, "--volumes", &vols, merge ? &vols_rm : NULL,
		      e))
		goto out;
	if (resolve_volumes(vols, volume_ids, e) || resolve_volumes(vols_rm, volume_ids, e))
		goto out;
	regions = values(s->regions, 1);

	d = base && mode != KOYEB_DEF_CREATE ? json_deep_copy(base) : json_object();
	docker = json_object_get(d, "docker");
	if (!json_is_object(docker)) {
		docker = json_object();
		json_object_set_new(d, "docker", docker);
	}
	if (s->image && *s->image)
		json_object_set_new(docker, "image", json_string(s->image));
	if (!merge || s->registry_secret) {
		if (s->registry_secret && *s->registry_secret)
			json_object_set_new(docker, "image_registry_secret",
					    json_string(s->registry_secret));
		else
			json_object_del(docker, "image_registry_secret");
	}

	if (s->type || !merge) {
		type = s->type && !strcmp(s->type, "worker") ? "WORKER" : "WEB";
		json_object_set_new(d, "type", json_string(type));
	}
	type = str(d, "type");
	web = !type || strcmp(type, "WORKER");

	if (merge) {
		merge_list(d, "env", env, env_rm);
		merge_list(d, "ports", ports, ports_rm);
		merge_list(d, "routes", routes, routes_rm);
		merge_list(d, "health_checks", checks, checks_rm);
		merge_list(d, "volumes", vols, vols_rm);
		fill_route_ports(d);
		if (json_array_size(regions))
			json_object_set(d, "regions", regions);
		if (s->instance_type)
			json_object_set_new(d, "instance_types",
					    json_pack("[{s:s}]", "type", s->instance_type));
		if (s->min_scale >= 0 || s->max_scale >= 0) {
			json_t *sc = json_object_get(d, "scalings"), *x;
			size_t i;

			if (!json_array_size(sc)) {
				sc = json_pack("[{s:i, s:i}]", "min", 1, "max", 1);
				json_object_set_new(d, "scalings", sc);
			}
			json_array_foreach(sc, i, x) {
				if (s->min_scale >= 0)
					json_object_set_new(x, "min", json_integer(s->min_scale));
				if (s->max_scale >= 0)
					json_object_set_new(x, "max", json_integer(s->max_scale));
				if (num(x, "max") < num(x, "min"))
					json_object_set_new(x, "max", json_integer(num(x, "min")));
			}
		}
	} else {
		long min = s->min_scale >= 0 ? s->min_scale : 1;
		long max = s->max_scale >= 0 ? s->max_scale : (min > 1 ? min : 1);

		set_list(d, "env", env);
		if (!json_array_size(ports) && web) {
			json_decref(ports);
			ports = json_pack("[{s:i, s:s}]", "port", KOYEB_DEFAULT_PORT, "protocol",
					  "http");
		}
		set_list(d, "ports", web ? ports : NULL);
		if (!json_array_size(routes) && web) {
			json_decref(routes);
			routes = json_pack("[{s:s, s:i}]", "path", "/", "port", 0);
		}
		set_list(d, "routes", web ? routes : NULL);
		fill_route_ports(d);
		/* Without --checks the platform's check stays (REPLACE keeps what base has). */
		if (json_array_size(checks))
			json_object_set(d, "health_checks", checks);
		set_list(d, "volumes", vols);
		json_object_set_new(d, "instance_types",
				    json_pack("[{s:s}]", "type",
					      s->instance_type ? s->instance_type
							       : KOYEB_DEFAULT_INSTANCE_TYPE));
		if (json_array_size(regions))
			json_object_set(d, "regions", regions);
		else
			json_object_set_new(d, "regions", json_pack("[s]", KOYEB_DEFAULT_REGION));
		json_object_set_new(d, "scalings", json_pack("[{s:i, s:i}]", "min", (int)min, "max",
							     (int)max));
	}
	*def = d;
	rc = 0;
out:
	json_decref(env);
	json_decref(env_rm);
	json_decref(ports);
	json_decref(ports_rm);
	json_decref(routes);
	json_decref(routes_rm);
	json_decref(checks);
	json_decref(checks_rm);
	json_decref(vols);
	json_decref(vols_rm);
	json_decref(regions);
	return rc;
}

/* --- the comparison ----------------------------------------------------------------------- */

char *koyeb_image_normalize(const char *image)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char *slash = strchr(image, '/'), *rest = image, *last;
	char *out;
	int hub = 1;

	if (slash) {
		size_t n = (size_t)(slash - image);

		if (memchr(image, '.', n) || memchr(image, ':', n) ||
		    (n == 9 && !strncmp(image, "localhost", 9))) {
			hub = (n == 9 && !strncmp(image, "docker.io", 9)) ||
			      (n == 15 && !strncmp(image, "index.docker.io", 15)) ||
			      (n == 20 && !strncmp(image, "registry-1.docker.io", 20));
			if (!hub)
				ds_buf_add(&b, image, n);
			rest = slash + 1;
		}
	}
	if (hub) {
		ds_buf_addstr(&b, "docker.io");
		if (!strchr(rest, '/'))
			ds_buf_addstr(&b, "/library");
	}
	ds_buf_addch(&b, '/');
	ds_buf_addstr(&b, rest);
	last = strrchr(rest, '/');
	last = last ? last + 1 : rest;
	if (!strchr(rest, '@') && !strchr(last, ':'))
		ds_buf_addstr(&b, ":latest");
	out = ds_buf_detach(&b, NULL);
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The items of list as sorted strings joined by ", " (for the message) — owned. */
static char *set_text(const json_t *list, void (*fmt)(const json_t *it, char *out, size_t n))
{
	size_t n = json_array_size(list), i;
	char **parts = calloc(n ? n : 1, sizeof(*parts));
	struct ds_buf b = DS_BUF_INIT(0);
	char one[512];

	for (i = 0; parts && i < n; i++) {
		fmt(json_array_get(list, i), one, sizeof(one));
		parts[i] = strdup(one);
	}
	if (parts)
		qsort(parts, n, sizeof(*parts), cmp_str);
	for (i = 0; parts && i < n; i++) {
		ds_buf_addf(&b, "%s%s", i ? ", " : "", parts[i] ? parts[i] : "?");
		free(parts[i]);
	}
	free(parts);
	if (!b.len)
		ds_buf_addstr(&b, "none");
	return ds_buf_detach(&b, NULL);
}

static void fmt_port(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%lld/%s", (long long)num(it, "port"),
		 str(it, "protocol") ? str(it, "protocol") : "http");
}

static void fmt_route(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%s:%lld", str(it, "path") ? str(it, "path") : "?",
		 (long long)num(it, "port"));
}

static void fmt_check(const json_t *it, char *out, size_t n)
{
	const json_t *h = json_object_get(it, "http"), *t = json_object_get(it, "tcp");

	if (h)
		snprintf(out, n, "%lld:http:%s", (long long)num(h, "port"),
			 str(h, "path") ? str(h, "path") : "/");
	else if (t)
		snprintf(out, n, "%lld:tcp", (long long)num(t, "port"));
	else
		snprintf(out, n, "?");
}

static void fmt_itype(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%s", str(it, "type") ? str(it, "type") : "?");
}

static void fmt_region(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%s", json_string_value(it) ? json_string_value(it) : "?");
}

static void fmt_scaling(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%lld..%lld", (long long)num(it, "min"), (long long)num(it, "max"));
}

static void fmt_volume(const json_t *it, char *out, size_t n)
{
	snprintf(out, n, "%s:%s", str(it, "id") ? str(it, "id") : "?",
		 str(it, "path") ? str(it, "path") : "?");
}

static int diff_set(const char *label, const json_t *want, const json_t *have,
		    void (*fmt)(const json_t *, char *, size_t), struct ds_strlist *changes)
{
	char *a = set_text(want, fmt), *b = set_text(have, fmt);
	int differ = strcmp(a, b) != 0;

	if (differ && changes) {
		char line[1200];

		snprintf(line, sizeof(line), "%s: %s -> %s", label, b, a);
		ds_strlist_add(changes, line);
	}
	free(a);
	free(b);
	return differ;
}

/* json_equal() says two absent values differ; here they are the same. */
static int same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return !a && !b;
	return json_equal(a, b);
}

static int diff_env(const json_t *want, const json_t *have, struct ds_strlist *changes)
{
	size_t i, j;
	json_t *w, *h;
	int differ = 0;
	char line[300];

	json_array_foreach(want, i, w) {
		const json_t *match = NULL;

		json_array_foreach(have, j, h)
			if (str(h, "key") && str(w, "key") && !strcmp(str(h, "key"), str(w, "key")))
				match = h;
		if (!match) {
			snprintf(line, sizeof(line), "env: +%s", str(w, "key"));
		} else if (!same(json_object_get(w, "value"), json_object_get(match, "value")) ||
			   !same(json_object_get(w, "secret"), json_object_get(match, "secret"))) {
			/* Never the values: they may be credentials. */
			snprintf(line, sizeof(line), "env: %s changed", str(w, "key"));
		} else {
			continue;
		}
		differ = 1;
		if (changes)
			ds_strlist_add(changes, line);
	}
	json_array_foreach(have, j, h) {
		int found = 0;

		json_array_foreach(want, i, w)
			if (str(h, "key") && str(w, "key") && !strcmp(str(h, "key"), str(w, "key")))
				found = 1;
		if (!found) {
			differ = 1;
			snprintf(line, sizeof(line), "env: -%s", str(h, "key") ? str(h, "key") : "?");
			if (changes)
				ds_strlist_add(changes, line);
		}
	}
	return differ;
}

int koyeb_definition_diff(const json_t *desired, const json_t *current,
			  struct ds_strlist *changes)
{
	const json_t *dd = json_object_get(desired, "docker"), *cd = json_object_get(current, "docker");
	const char *ws, *hs;
	char line[1200];
	int differ = 0;

	if (str(desired, "type") && (!str(current, "type") ||
				     strcmp(str(desired, "type"), str(current, "type")))) {
		differ = 1;
		snprintf(line, sizeof(line), "type: %s -> %s",
			 str(current, "type") ? str(current, "type") : "none", str(desired, "type"));
		if (changes)
			ds_strlist_add(changes, line);
	}
	{
		char *a = koyeb_image_normalize(str(dd, "image") ? str(dd, "image") : "");
		char *b = koyeb_image_normalize(str(cd, "image") ? str(cd, "image") : "");

		if (!a || !b || strcmp(a, b)) {
			differ = 1;
			snprintf(line, sizeof(line), "docker.image: '%s' -> '%s'",
				 str(cd, "image") ? str(cd, "image") : "", str(dd, "image"));
			if (changes)
				ds_strlist_add(changes, line);
		}
		free(a);
		free(b);
	}
	ws = str(dd, "image_registry_secret");
	hs = str(cd, "image_registry_secret");
	if (strcmp(ws ? ws : "", hs ? hs : "")) {
		differ = 1;
		snprintf(line, sizeof(line), "docker.image_registry_secret: '%s' -> '%s'",
			 hs ? hs : "", ws ? ws : "");
		if (changes)
			ds_strlist_add(changes, line);
	}
	differ |= diff_env(json_object_get(desired, "env"), json_object_get(current, "env"),
			   changes);
	differ |= diff_set("ports", json_object_get(desired, "ports"),
			   json_object_get(current, "ports"), fmt_port, changes);
	differ |= diff_set("routes", json_object_get(desired, "routes"),
			   json_object_get(current, "routes"), fmt_route, changes);
	if (json_array_size(json_object_get(desired, "health_checks")))
		differ |= diff_set("health checks", json_object_get(desired, "health_checks"),
				   json_object_get(current, "health_checks"), fmt_check, changes);
	differ |= diff_set("instance type", json_object_get(desired, "instance_types"),
			   json_object_get(current, "instance_types"), fmt_itype, changes);
	differ |= diff_set("regions", json_object_get(desired, "regions"),
			   json_object_get(current, "regions"), fmt_region, changes);
	differ |= diff_set("scale", json_object_get(desired, "scalings"),
			   json_object_get(current, "scalings"), fmt_scaling, changes);
	differ |= diff_set("volumes", json_object_get(desired, "volumes"),
			   json_object_get(current, "volumes"), fmt_volume, changes);
	return differ;
}

/* --- calls -------------------------------------------------------------------------------- */

int koyeb_service_list(struct koyeb_client *c, const char *app_id, json_t **services,
		       struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	int rc;

	ds_buf_addstr(&p, "/v1/services");
	if (app_id) {
		ds_buf_addstr(&p, "?app_id=");
		http_buf_add_escaped(&p, app_id);
	}
	rc = koyeb_list(c, ds_buf_str(&p), "services", services, e);
	ds_buf_release(&p);
	return rc;
}

int koyeb_service_find(struct koyeb_client *c, const char *app_id, const char *name,
		       json_t **svc, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *all = NULL, *s;
	size_t i;
	int rc;

	*svc = NULL;
	ds_buf_addstr(&p, "/v1/services?app_id=");
	http_buf_add_escaped(&p, app_id);
	ds_buf_addstr(&p, "&name=");
	http_buf_add_escaped(&p, name);
	rc = koyeb_list(c, ds_buf_str(&p), "services", &all, e);
	ds_buf_release(&p);
	if (rc)
		return -1;
	json_array_foreach(all, i, s) {
		if (str(s, "name") && !strcmp(str(s, "name"), name) && str(s, "app_id") &&
		    !strcmp(str(s, "app_id"), app_id)) {
			*svc = json_incref(s);
			break;
		}
	}
	json_decref(all);
	return 0;
}

static int get_object(struct koyeb_client *c, const char *what, const char *key, const char *id,
		      json_t **out, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *reply = NULL;
	int rc;

	*out = NULL;
	koyeb_path(&p, what, id);
	rc = koyeb_get(c, ds_buf_str(&p), &reply, e);
	if (!rc) {
		*out = json_incref(json_object_get(reply, key));
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = ds_error_set(e, KOYEB_E_REPLY, "GET %s: the reply has no %s",
					  ds_buf_str(&p), key);
		}
	}
	json_decref(reply);
	ds_buf_release(&p);
	return rc;
}

int koyeb_service_get(struct koyeb_client *c, const char *id, json_t **svc, struct ds_error *e)
{
	return get_object(c, "services", "service", id, svc, e);
}

struct svc_ctx {
	const char *app_id, *name, *id;
	const json_t *def;
	char *prev_latest;
};

static int converge_create(struct koyeb_client *c, void *ctx, json_t **out, struct ds_error *e)
{
	struct svc_ctx *x = ctx;
	json_t *s = NULL;

	if (koyeb_service_find(c, x->app_id, x->name, &s, e))
		return -1;
	if (!s)
		return 0;
	*out = json_pack("{s:o}", "service", s);
	return 1;
}

int koyeb_service_create(struct koyeb_client *c, const char *app_id, const char *name,
			 const json_t *def, json_t **svc, struct ds_error *e)
{
	struct svc_ctx x = {app_id, name, NULL, def, NULL};
	json_t *body = json_pack("{s:s, s:s, s:O}", "app_id", app_id, "name", name, "definition",
				 def),
	       *reply = NULL;
	int rc;

	*svc = NULL;
	rc = koyeb_mutate(c, "POST", "/v1/services", body, converge_create, &x, &reply, e);
	json_decref(body);
	if (rc)
		return ds_error_prefix(e, "creating service '%s'", name);
	*svc = json_incref(json_object_get(reply, "service"));
	json_decref(reply);
	if (!json_is_object(*svc)) {
		json_decref(*svc);
		*svc = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "POST /v1/services: the reply has no service");
	}
	return 0;
}

/*
 * After a lost reply: the service, and its latest deployment when that is not the one it had
 * before the call (x->prev_latest), which is how a PUT or a redeploy shows it went through.
 * 1 with *svc and *dep set (the caller's), 0 with *svc only, -1 on error.
 */
static int latest_changed(struct koyeb_client *c, struct svc_ctx *x, json_t **svc, json_t **dep,
			  struct ds_error *e)
{
	const char *latest;

	*svc = *dep = NULL;
	if (koyeb_service_get(c, x->id, svc, e))
		return -1;
	latest = str(*svc, "latest_deployment_id");
	if (!latest || !*latest || !strcmp(latest, x->prev_latest ? x->prev_latest : ""))
		return 0;
	if (koyeb_deployment_get(c, latest, dep, e)) {
		json_decref(*svc);
		*svc = NULL;
		return -1;
	}
	return 1;
}

/* Did a PUT whose reply was lost go through? Yes when the latest deployment changed and
 * carries the definition sent. */
static int converge_update(struct koyeb_client *c, void *ctx, json_t **out, struct ds_error *e)
{
	struct svc_ctx *x = ctx;
	json_t *s, *d;
	int took, rc = latest_changed(c, x, &s, &d, e);

	if (rc < 0)
		return -1;
	took = rc && !koyeb_definition_diff(x->def, json_object_get(d, "definition"), NULL);
	if (took)
		*out = json_pack("{s:O}", "service", s);
	json_decref(d);
	json_decref(s);
	return took;
}

int koyeb_service_update(struct koyeb_client *c, const char *id, const json_t *def,
			 json_t **svc, struct ds_error *e)
{
	struct svc_ctx x = {NULL, NULL, id, def, NULL};
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *body, *reply = NULL, *before = NULL;
	int rc;

	*svc = NULL;
	if (koyeb_service_get(c, id, &before, e))
		return -1;
	x.prev_latest = strdup(str(before, "latest_deployment_id") ? str(before, "latest_deployment_id")
								   : "");
	json_decref(before);
	body = json_pack("{s:O}", "definition", def);
	koyeb_path(&p, "services", id);
	rc = koyeb_mutate(c, "PUT", ds_buf_str(&p), body, converge_update, &x, &reply, e);
	json_decref(body);
	ds_buf_release(&p);
	free(x.prev_latest);
	if (rc)
		return ds_error_prefix(e, "updating service %s", id);
	*svc = json_incref(json_object_get(reply, "service"));
	json_decref(reply);
	if (!json_is_object(*svc)) {
		json_decref(*svc);
		*svc = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "PUT /v1/services: the reply has no service");
	}
	return 0;
}

/* Did a redeploy whose reply was lost go through? Yes when there is a new latest deployment. */
static int converge_redeploy(struct koyeb_client *c, void *ctx, json_t **out, struct ds_error *e)
{
	json_t *s, *d;
	int rc = latest_changed(c, ctx, &s, &d, e);

	if (rc > 0)
		*out = json_pack("{s:o}", "deployment", d);
	json_decref(s);
	return rc;
}

int koyeb_service_redeploy(struct koyeb_client *c, const char *id, json_t **deployment,
			   struct ds_error *e)
{
	struct svc_ctx x = {NULL, NULL, id, NULL, NULL};
	struct ds_buf p = DS_BUF_INIT(0);
	json_t *body = json_object(), *reply = NULL, *before = NULL;
	int rc;

	*deployment = NULL;
	if (koyeb_service_get(c, id, &before, e)) {
		json_decref(body);
		return -1;
	}
	x.prev_latest = strdup(str(before, "latest_deployment_id") ? str(before, "latest_deployment_id")
								   : "");
	json_decref(before);
	koyeb_path(&p, "services", id);
	ds_buf_addstr(&p, "/redeploy");
	rc = koyeb_mutate(c, "POST", ds_buf_str(&p), body, converge_redeploy, &x, &reply, e);
	json_decref(body);
	ds_buf_release(&p);
	free(x.prev_latest);
	if (rc)
		return ds_error_prefix(e, "redeploying service %s", id);
	*deployment = json_incref(json_object_get(reply, "deployment"));
	json_decref(reply);
	if (!json_is_object(*deployment)) {
		json_decref(*deployment);
		*deployment = NULL;
		return ds_error_set(e, KOYEB_E_REPLY, "redeploy: the reply has no deployment");
	}
	return 0;
}

int koyeb_service_delete(struct koyeb_client *c, const char *id, struct ds_error *e)
{
	struct ds_buf p = DS_BUF_INIT(0);
	int rc;

	koyeb_path(&p, "services", id);
	rc = koyeb_delete(c, ds_buf_str(&p), e);
	ds_buf_release(&p);
	return rc;
}

int koyeb_volume_ids(struct koyeb_client *c, const json_t *names, const char *region,
		     json_t **ids, struct ds_error *e)
{
	size_t i, j;
	json_t *n, *v;

	*ids = json_object();
	json_array_foreach(names, i, n) {
		struct ds_buf p = DS_BUF_INIT(0);
		json_t *all = NULL;
		const char *name = json_string_value(n);
		int found = 0;

		ds_buf_addstr(&p, "/v1/volumes?name=");
		http_buf_add_escaped(&p, name);
		if (koyeb_list(c, ds_buf_str(&p), "volumes", &all, e)) {
			ds_buf_release(&p);
			goto fail;
		}
		ds_buf_release(&p);
		json_array_foreach(all, j, v) {
			if (str(v, "name") && !strcmp(str(v, "name"), name) && str(v, "id")) {
				json_object_set(*ids, name, json_object_get(v, "id"));
				found = 1;
				break;
			}
		}
		json_decref(all);
		if (!found) {
			ds_error_set(e, KOYEB_E_NOT_FOUND,
				     "volume '%s' does not exist in Koyeb; create it first (in the "
				     "control panel, or: koyeb volume create %s --region %s --size 10)",
				     name, name, region ? region : KOYEB_DEFAULT_REGION);
			goto fail;
		}
	}
	return 0;
fail:
	json_decref(*ids);
	*ids = NULL;
	return -1;
}
