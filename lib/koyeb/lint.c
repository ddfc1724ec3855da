/*
 * koyeb/lint.c - the foot-gun checks; see lint.h.
 *
 * Messages name keys and flags but never an environment value: values are often
 * credentials, and lint output ends up in CI logs.
 */
#include "koyeb/lint.h"

#include "core/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const instance_types[] = {
	"free",        "nano",        "micro",       "small",        "medium",
	"large",       "xlarge",      "2xlarge",     "3xlarge",      "4xlarge",
	"5xlarge",     "eco-nano",    "eco-micro",   "eco-small",    "eco-medium",
	"eco-large",   "eco-xlarge",  "eco-2xlarge", "eco-3xlarge",  "eco-4xlarge",
	"gpu-nvidia-rtx-4000-sff-ada", "gpu-nvidia-l4", "gpu-nvidia-a100", "gpu-nvidia-h100",
	"gpu-nvidia-l40s",
};

static const char *const regions[] = {"fra", "was", "sin", "par", "sfo", "tyo"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const *koyeb_known_instance_types(size_t *n)
{
	*n = N(instance_types);
	return instance_types;
}

const char *const *koyeb_known_regions(size_t *n)
{
	*n = N(regions);
	return regions;
}

static char *vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vfmt(const char *fmt, va_list ap)
{
	struct ds_buf b = DS_BUF_INIT(0);

	ds_buf_vaddf(&b, fmt, ap);
	return ds_buf_detach(&b, NULL);
}

static void add(struct koyeb_lint *l, enum koyeb_lint_level level, const char *check,
		const char *subject, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void add(struct koyeb_lint *l, enum koyeb_lint_level level, const char *check,
		const char *subject, const char *fix, const char *fmt, ...)
{
	struct koyeb_lint_finding *f = realloc(l->items, (l->n + 1) * sizeof(*f));
	va_list ap;

	if (!f)
		return;
	l->items = f;
	f = &l->items[l->n++];
	f->level = level;
	f->check = check;
	f->subject = strdup(subject);
	va_start(ap, fmt);
	f->message = vfmt(fmt, ap);
	va_end(ap);
	f->fix = fix ? strdup(fix) : NULL;
}

size_t koyeb_lint_errors(const struct koyeb_lint *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->items[i].level == KOYEB_LINT_ERROR;
	return n;
}

void koyeb_lint_release(struct koyeb_lint *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->items[i].subject);
		free(l->items[i].message);
		free(l->items[i].fix);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* --- env-space ---------------------------------------------------------------------------- */

/* Length of an env key at s, or 0. */
static size_t key_at(const char *s)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return s[n] == '=' ? n : 0;
}

static void lint_env_space(const char *arg, struct koyeb_lint *l)
{
	const char *eq = strchr(arg, '='), *p;
	struct ds_buf keys = DS_BUF_INIT(0), fix = DS_BUF_INIT(0), subj = DS_BUF_INIT(0);
	int found = 0;

	if (!eq || arg[0] == '!')
		return;
	ds_buf_addf(&keys, "%.*s", (int)(eq - arg), arg);
	for (p = eq + 1; *p; p++) {
		size_t k;

		if (!isspace((unsigned char)*p))
			continue;
		while (isspace((unsigned char)p[1]))
			p++;
		k = key_at(p + 1);
		if (!k)
			continue;
		found++;
		ds_buf_addf(&keys, " %.*s", (int)k, p + 1);
	}
	if (found) {
		const char *s = ds_buf_str(&keys), *sp;

		/* "--env 'A=... B=...'" and "--env A=<value> --env B=<value>": keys, no values. */
		ds_buf_addstr(&subj, "--env '");
		for (;;) {
			sp = strchr(s, ' ');
			ds_buf_addf(&subj, "%.*s=...%s", (int)(sp ? sp - s : (long)strlen(s)), s,
				    sp ? " " : "'");
			ds_buf_addf(&fix, "%s--env %.*s=<value>", fix.len ? " " : "",
				    (int)(sp ? sp - s : (long)strlen(s)), s);
			if (!sp)
				break;
			s = sp + 1;
		}
		ds_buf_addstr(&fix, " (one flag per variable; quote a value that has spaces)");
		add(l, KOYEB_LINT_ERROR, "env-space", ds_buf_str(&subj), ds_buf_str(&fix),
		    "the value of %.*s contains a space followed by %s: that is one variable, %.*s, "
		    "not %d; did you mean %d --env flags?",
		    (int)(eq - arg), arg, found > 1 ? "more KEY= pairs" : "another KEY=",
		    (int)(eq - arg), arg, found + 1, found + 1);
	}
	ds_buf_release(&keys);
	ds_buf_release(&fix);
	ds_buf_release(&subj);
}

/* --- database-on-ephemeral-disk ----------------------------------------------------------- */

static int under(const char *path, const char *mount)
{
	size_t n = strlen(mount);

	while (n > 1 && mount[n - 1] == '/')
		n--;
	if (n == 1 && mount[0] == '/')
		return 1;
	return !strncmp(path, mount, n) && (path[n] == '/' || path[n] == '\0');
}

static void lint_database(const char *value, const json_t *vols, struct koyeb_lint *l)
{
	struct ds_buf fix = DS_BUF_INIT(0);
	const char *slash;
	size_t i;
	json_t *v;

	if (!*value || !strcmp(value, ":memory:") || strstr(value, "://") || !strncmp(value, "md:", 3))
		return;
	json_array_foreach(vols, i, v) {
		const char *mount = json_string_value(json_object_get(v, "path"));

		if (value[0] == '/' && mount && under(value, mount))
			return;
	}
	slash = strrchr(value, '/');
	if (value[0] == '/' && slash && slash != value)
		ds_buf_addf(&fix, "attach a volume where the file lives: --volumes NAME:%.*s "
				  "(create the volume in the same region first)",
			    (int)(slash - value), value);
	else
		ds_buf_addstr(&fix, "put the database on a volume: --volumes NAME:/data and "
				    "--env DATABASE_URL=/data/duckdb_spawn.db");
	add(l, KOYEB_LINT_WARNING, "database-on-ephemeral-disk", "--env DATABASE_URL=...",
	    ds_buf_str(&fix),
	    "DATABASE_URL is %s no volume is mounted: the database is lost at every redeploy "
	    "or reschedule",
	    value[0] == '/' ? "a file where" : "a relative path, and");
	ds_buf_release(&fix);
}

/* --- names -------------------------------------------------------------------------------- */

static void lint_name(const char *flag, const char *what, const char *check, const char *name,
		      const char *const *known, size_t n, unsigned flags, struct koyeb_lint *l)
{
	const char *best = NULL;
	size_t i, bd = 3;
	struct ds_buf fix = DS_BUF_INIT(0), subj = DS_BUF_INIT(0);

	for (i = 0; i < n; i++) {
		size_t d;

		if (!strcmp(known[i], name))
			return;
		d = ds_edit_distance(known[i], name, 0);
		if (d < bd) {
			bd = d;
			best = known[i];
		}
	}
	if (best) {
		ds_buf_addf(&fix, "did you mean '%s'?", best);
	} else {
		ds_buf_addstr(&fix, "one of: ");
		for (i = 0; i < n; i++)
			ds_buf_addf(&fix, "%s%s", i ? ", " : "", known[i]);
	}
	if (!(flags & KOYEB_LINT_ALLOW_UNKNOWN_NAMES))
		ds_buf_addstr(&fix, " (--allow-unknown-names if Koyeb has added it since)");
	ds_buf_addf(&subj, "%s %s", flag, name);
	add(l, flags & KOYEB_LINT_ALLOW_UNKNOWN_NAMES ? KOYEB_LINT_WARNING : KOYEB_LINT_ERROR, check,
	    ds_buf_str(&subj), ds_buf_str(&fix), "'%s' is not a Koyeb %s", name, what);
	ds_buf_release(&fix);
	ds_buf_release(&subj);
}

/* --- the service -------------------------------------------------------------------------- */

static json_t *parsed(const struct ds_strlist *l, int split,
		      int (*fn)(const char *, json_t **, int *, struct ds_error *))
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		const char *s = l->items[i];

		for (;;) {
			const char *comma = split ? strchr(s, ',') : NULL;
			char *one = comma ? strndup(s, (size_t)(comma - s)) : strdup(s);
			struct ds_error e = DS_ERROR_INIT;
			json_t *item = NULL;
			int rm = 0;

			if (one && *one && !fn(one, &item, &rm, &e) && !rm)
				json_array_append_new(out, item);
			else
				json_decref(item);
			free(one);
			if (!comma)
				break;
			s = comma + 1;
		}
	}
	return out;
}

static json_int_t port_of(const json_t *it)
{
	const json_t *x = json_object_get(it, "http");

	if (!x)
		x = json_object_get(it, "tcp");
	if (!x)
		x = it;
	return json_integer_value(json_object_get(x, "port"));
}

static int has_port(const json_t *ports, json_int_t p)
{
	size_t i;
	json_t *x;

	json_array_foreach(ports, i, x)
		if (json_integer_value(json_object_get(x, "port")) == p)
			return 1;
	return 0;
}

void koyeb_lint_service(const struct koyeb_service_spec *s, unsigned flags, struct koyeb_lint *l)
{
	json_t *env = parsed(s->env, 0, koyeb_parse_env);
	json_t *ports = parsed(s->ports, 1, koyeb_parse_port);
	json_t *routes = parsed(s->routes, 1, koyeb_parse_route);
	json_t *checks = parsed(s->checks, 1, koyeb_parse_check);
	json_t *vols = parsed(s->volumes, 1, koyeb_parse_volume);
	int worker = s->type && !strcmp(s->type, "worker"), know;
	size_t i, n;
	json_t *x;
	const char *const *known;
	char subj[300], fix[300];

	for (i = 0; s->env && i < s->env->n; i++)
		lint_env_space(s->env->items[i], l);
	json_array_foreach(env, i, x) {
		const char *k = json_string_value(json_object_get(x, "key"));
		const char *v = json_string_value(json_object_get(x, "value"));

		if (k && v && !strcmp(k, "DATABASE_URL"))
			lint_database(v, vols, l);
	}

	know = s->ports && s->ports->n;
	if (!know && !worker && !(flags & KOYEB_LINT_PATCH)) {
		json_array_append_new(ports, json_pack("{s:i}", "port", KOYEB_DEFAULT_PORT));
		know = 1;
	}
	if (know) {
		json_array_foreach(routes, i, x) {
			json_int_t p = json_integer_value(json_object_get(x, "port"));

			if (!p || has_port(ports, p))
				continue;
			snprintf(subj, sizeof(subj), "--routes %s:%lld",
				 json_string_value(json_object_get(x, "path")), (long long)p);
			snprintf(fix, sizeof(fix), "add --ports %lld:http, or route to one of the ports",
				 (long long)p);
			add(l, KOYEB_LINT_ERROR, "port-not-exposed", subj, fix,
			    "the route sends traffic to port %lld, which is not among --ports",
			    (long long)p);
		}
		json_array_foreach(checks, i, x) {
			json_int_t p = port_of(x);

			if (has_port(ports, p) || json_object_get(x, "tcp"))
				continue;
			snprintf(subj, sizeof(subj), "--checks %lld:http", (long long)p);
			snprintf(fix, sizeof(fix),
				 "check a port the service exposes, or add --ports %lld:http",
				 (long long)p);
			add(l, KOYEB_LINT_ERROR, "port-not-exposed", subj, fix,
			    "the health check probes port %lld, which is not among --ports; the "
			    "deployment would never become healthy",
			    (long long)p);
		}
	}

	if (s->instance_type) {
		known = koyeb_known_instance_types(&n);
		lint_name("--instance-type", "instance type", "unknown-instance-type",
			  s->instance_type, known, n, flags, l);
	}
	known = koyeb_known_regions(&n);
	for (i = 0; s->regions && i < s->regions->n; i++) {
		const char *r = s->regions->items[i];

		for (;;) {
			const char *comma = strchr(r, ',');
			char *one = comma ? strndup(r, (size_t)(comma - r)) : strdup(r);

			if (one && *one)
				lint_name("--regions", "region", "unknown-region", one, known, n, flags,
					  l);
			free(one);
			if (!comma)
				break;
			r = comma + 1;
		}
	}
	json_decref(env);
	json_decref(ports);
	json_decref(routes);
	json_decref(checks);
	json_decref(vols);
}

void koyeb_lint_platforms(const char *image, const char *const *platforms, size_t n,
			  struct koyeb_lint *l)
{
	struct ds_buf have = DS_BUF_INIT(0), subj = DS_BUF_INIT(0);
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		if (!strcmp(platforms[i], "linux/amd64") || !strncmp(platforms[i], "linux/amd64/", 12))
			return;
	for (i = 0; i < n; i++)
		ds_buf_addf(&have, "%s%s", i ? ", " : "", platforms[i]);
	ds_buf_addf(&subj, "--docker %s", image);
	add(l, KOYEB_LINT_ERROR, "image-platform", ds_buf_str(&subj),
	    "build for linux/amd64 (docker buildx build --platform linux/amd64,linux/arm64 ...) "
	    "and push again",
	    "the image is built for %s only; Koyeb instances run linux/amd64", ds_buf_str(&have));
	ds_buf_release(&have);
	ds_buf_release(&subj);
}

void koyeb_lint_exposed_ports(const struct koyeb_service_spec *s, const char *const *exposed,
			      size_t n, struct koyeb_lint *l)
{
	json_t *ports = parsed(s->ports, 1, koyeb_parse_port), *x;
	struct ds_buf have = DS_BUF_INIT(0);
	size_t i, j;
	char subj[64], fix[200];

	if (!n || (s->type && !strcmp(s->type, "worker"))) {
		json_decref(ports);
		return;
	}
	if (!json_array_size(ports))
		json_array_append_new(ports, json_pack("{s:i}", "port", KOYEB_DEFAULT_PORT));
	for (j = 0; j < n; j++)
		ds_buf_addf(&have, "%s%s", j ? ", " : "", exposed[j]);
	json_array_foreach(ports, i, x) {
		long long p = json_integer_value(json_object_get(x, "port"));
		int found = 0;

		for (j = 0; j < n; j++)
			if (strtoll(exposed[j], NULL, 10) == p)
				found = 1;
		if (found)
			continue;
		snprintf(subj, sizeof(subj), "--ports %lld", p);
		snprintf(fix, sizeof(fix),
			 "check the port the application listens on; the image suggests %.100s",
			 ds_buf_str(&have));
		add(l, KOYEB_LINT_WARNING, "port-not-in-image", subj, fix,
		    "the image does not EXPOSE port %lld (it exposes %s); the health check fails if "
		    "nothing listens there",
		    p, ds_buf_str(&have));
	}
	ds_buf_release(&have);
	json_decref(ports);
}
