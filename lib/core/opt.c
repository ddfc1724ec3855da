/*
 * core/opt.c - shared option parsing and value parsing; see opt.h.
 *
 * Modelled on the habits of git's parse-options: one declarative table per command, help
 * generated from it, errors that point at the option. No getopt_long: it permutes argv
 * behind our back, keeps global state, and cannot render help or suggest a spelling.
 */
#include "core/opt.h"

#include "core/text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ds_parse_long(const char *s, long min, long max, long *out, struct ds_error *e)
{
	char *end;
	long v;

	if (!s || !*s)
		return ds_error_set(e, 0, "empty value, expected a number");
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || end == s)
		return ds_error_set(e, 0, "'%s' is not a number", s);
	if (errno == ERANGE || ((min || max) && (v < min || v > max)))
		return ds_error_set(e, 0, "'%s' is out of range (%ld..%ld)", s, min, max);
	*out = v;
	return 0;
}

int ds_parse_duration_ms(const char *s, long *out, struct ds_error *e)
{
	const char *p = s;
	long long total = 0;
	int parts = 0;

	if (!s || !*s)
		return ds_error_set(e, 0, "empty duration");
	while (*p) {
		char *end;
		double v;
		long long mult;

		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || v < 0)
			return ds_error_set(e, 0, "'%s' is not a duration (try 500ms, 30s, 5m, 1h)", s);
		if (!strncmp(end, "ms", 2)) {
			mult = 1;
			end += 2;
		} else if (*end == 's') {
			mult = 1000;
			end++;
		} else if (*end == 'm') {
			mult = 60 * 1000;
			end++;
		} else if (*end == 'h') {
			mult = 3600 * 1000;
			end++;
		} else if (*end == '\0' && parts == 0) {
			mult = 1000; /* a bare number is seconds */
		} else {
			return ds_error_set(e, 0, "'%s' is not a duration (try 500ms, 30s, 5m, 1h)", s);
		}
		if (v * (double)mult > (double)LONG_MAX - (double)total)
			return ds_error_set(e, 0, "duration '%s' is too long", s);
		total += (long long)(v * (double)mult);
		parts++;
		p = end;
	}
	*out = (long)total;
	return 0;
}

int ds_parse_size(const char *s, long long *out, struct ds_error *e)
{
	static const struct {
		const char *suffix;
		long long mult;
	} units[] = {
		{"", 1},
		{"b", 1},
		{"kb", 1000LL},
		{"mb", 1000LL * 1000},
		{"gb", 1000LL * 1000 * 1000},
		{"k", 1024LL},
		{"m", 1024LL * 1024},
		{"g", 1024LL * 1024 * 1024},
		{"kib", 1024LL},
		{"mib", 1024LL * 1024},
		{"gib", 1024LL * 1024 * 1024},
	};
	char *end;
	double v;
	size_t i;

	if (!s || !*s)
		return ds_error_set(e, 0, "empty size");
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return ds_error_set(e, 0, "'%s' is not a size (try 512MB, 256MiB, 1GB)", s);
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].suffix)) {
			if (v * (double)units[i].mult > 9.2e18)
				return ds_error_set(e, 0, "size '%s' is too large", s);
			*out = (long long)(v * (double)units[i].mult);
			return 0;
		}
	}
	return ds_error_set(e, 0, "'%s' is not a size (try 512MB, 256MiB, 1GB)", s);
}

static const char *closest(const struct ds_option *opts, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3; /* only suggest near misses */

	for (; opts->type != DS_OPT_END_; opts++) {
		size_t d;

		if (!opts->long_name || !opts->help)
			continue;
		d = ds_edit_distance(name, opts->long_name, 0);
		if (d < best_d) {
			best_d = d;
			best = opts->long_name;
		}
	}
	return best;
}

static int set_value(const struct ds_option *o, const char *shown, const char *arg,
		     struct ds_error *e)
{
	int r = 0;

	switch (o->type) {
	case DS_OPT_STRING_:
		*(const char **)o->value = arg;
		break;
	case DS_OPT_INT_:
		r = ds_parse_long(arg, o->min, o->max, (long *)o->value, e);
		break;
	case DS_OPT_DURATION_:
		r = ds_parse_duration_ms(arg, (long *)o->value, e);
		break;
	case DS_OPT_SIZE_:
		r = ds_parse_size(arg, (long long *)o->value, e);
		break;
	case DS_OPT_LIST_:
		if (ds_strlist_add((struct ds_strlist *)o->value, arg))
			r = ds_error_set(e, 0, "out of memory");
		break;
	case DS_OPT_CALLBACK_:
		r = o->cb(o, arg, e);
		break;
	default:
		DS_BUG("option '%s' has no value type", shown);
	}
	if (r)
		ds_error_prefix(e, "option '%s'", shown);
	return r;
}

static int takes_value(const struct ds_option *o)
{
	if (o->type == DS_OPT_BOOL_)
		return 0;
	if (o->type == DS_OPT_CALLBACK_ && (o->flags & DS_OPT_NOARG))
		return 0;
	return 1;
}

int ds_opt_parse(int argc, const char **argv, const struct ds_option *opts, struct ds_error *e)
{
	int i, npos = 0;
	int only_positional = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct ds_option *o = NULL;
		const char *val = NULL;
		char shown[80];
		int negated = 0;

		if (only_positional || a[0] != '-' || !a[1]) {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_positional = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return DS_OPT_HELP_REQUESTED;

		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct ds_option *p;

			for (p = opts; p->type != DS_OPT_END_; p++) {
				if (p->long_name && strlen(p->long_name) == len &&
				    !strncmp(p->long_name, name, len)) {
					o = p;
					break;
				}
			}
			if (!o && len > 3 && !strncmp(name, "no-", 3)) {
				for (p = opts; p->type != DS_OPT_END_; p++) {
					if (p->type == DS_OPT_BOOL_ && p->long_name &&
					    strlen(p->long_name) == len - 3 &&
					    !strncmp(p->long_name, name + 3, len - 3)) {
						o = p;
						negated = 1;
						break;
					}
				}
			}
			snprintf(shown, sizeof(shown), "--%.*s", (int)(len > 60 ? 60 : len), name);
			if (!o) {
				char want[64];
				const char *near;

				snprintf(want, sizeof(want), "%.*s", (int)(len > 60 ? 60 : len), name);
				near = closest(opts, want);
				if (near)
					return ds_error_set(e, 0,
							    "unknown option '%s'; did you mean '--%s'?",
							    shown, near);
				return ds_error_set(e, 0, "unknown option '%s'", shown);
			}
			if (eq)
				val = eq + 1;
		} else {
			const struct ds_option *p;

			snprintf(shown, sizeof(shown), "-%c", a[1]);
			for (p = opts; p->type != DS_OPT_END_; p++) {
				if (p->short_name && p->short_name == a[1]) {
					o = p;
					break;
				}
			}
			if (!o)
				return ds_error_set(e, 0, "unknown option '%s'", shown);
			if (a[2])
				val = a + 2;
		}

		if (!takes_value(o)) {
			if (val)
				return ds_error_set(e, 0, "option '%s' takes no value", shown);
			if (o->type == DS_OPT_BOOL_)
				*(int *)o->value = !negated;
			else if (o->cb(o, NULL, e))
				return ds_error_prefix(e, "option '%s'", shown);
			continue;
		}
		if (negated)
			return ds_error_set(e, 0, "option '%s' cannot be negated", shown);
		if (!val) {
			if (i + 1 >= argc)
				return ds_error_set(e, 0, "option '%s' needs a value", shown);
			val = argv[++i];
		}
		if (set_value(o, shown, val, e))
			return -1;
	}
	return npos;
}

void ds_opt_usage(struct ds_buf *out, const char *usage, const struct ds_option *opts)
{
	const char *line = usage;

	/* Continuation lines of a multi-line usage are indented under the first. */
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		ds_buf_addf(out, "%s%.*s\n", line == usage ? "usage: " : "   or: ", (int)n, line);
		line = nl ? nl + 1 : NULL;
	}
	for (; opts && opts->type != DS_OPT_END_; opts++) {
		char left[96];
		int n = 0;

		if (opts->type == DS_OPT_GROUP_) {
			ds_buf_addf(out, "\n%s\n", opts->help);
			continue;
		}
		if (!opts->help)
			continue;
		if (opts->short_name && opts->long_name)
			n = snprintf(left, sizeof(left), "-%c, --%s", opts->short_name,
				     opts->long_name);
		else if (opts->short_name)
			n = snprintf(left, sizeof(left), "-%c", opts->short_name);
		else
			n = snprintf(left, sizeof(left), "    --%s", opts->long_name);
		if (takes_value(opts) && opts->argh && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n,
				 opts->long_name ? "=%s" : " %s", opts->argh);
		if (strlen(left) > 26)
			ds_buf_addf(out, "    %s\n    %28s%s\n", left, "", opts->help);
		else
			ds_buf_addf(out, "    %-28s%s\n", left, opts->help);
	}
	if (opts)
		ds_buf_addf(out, "    %-28s%s\n", "-h, --help", "show this help");
}
