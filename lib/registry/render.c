/*
 * registry/render.c - a check result as text for people and as JSON for CI; see check.h.
 *
 * Both forms carry the same fields. Rendering happens into memory: the caller (src/) decides
 * where it goes, so koyeb deploy can embed the same text in its own report.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "registry/check.h"

int registry_check_result_render(const struct registry_check_result *r, struct ds_buf *out)
{
	size_t i;
	int rc = 0;

	rc |= ds_buf_addf(out, "%s: %s\n", registry_verdict_name(r->verdict),
			  r->summary ? r->summary : registry_verdict_summary(r->verdict));
	if (r->digest)
		rc |= ds_buf_addf(out, "  digest: %s\n", r->digest);
	if (r->nplatforms) {
		rc |= ds_buf_addstr(out, "  platforms:");
		for (i = 0; i < r->nplatforms; i++) {
			const struct registry_platform *p = &r->platforms[i];

			rc |= ds_buf_addf(out, "%s %s/%s%s%s", i ? "," : "", p->os ? p->os : "?",
					  p->architecture ? p->architecture : "?",
					  p->variant ? "/" : "", p->variant ? p->variant : "");
		}
		rc |= ds_buf_addch(out, '\n');
	}
	for (i = 0; i < r->nevidence; i++)
		rc |= ds_buf_addf(out, "  evidence: %s\n", r->evidence[i].text ? r->evidence[i].text : "");
	if (r->fix)
		rc |= ds_buf_addf(out, "  fix: %s\n", r->fix);
	return rc ? -1 : 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *strlist(const struct ds_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

static json_t *num_or_null(long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

char *registry_check_result_to_json(const struct registry_check_result *r, int pretty)
{
	json_t *o = json_object(), *ev = json_array(), *pl = json_array(), *x;
	char *s;
	size_t i;

	if (!o || !ev || !pl) {
		json_decref(o);
		json_decref(ev);
		json_decref(pl);
		return NULL;
	}
	json_object_set_new(o, "reference", str_or_null(r->reference));
	json_object_set_new(o, "normalized", str_or_null(r->normalized));
	json_object_set_new(o, "platform", str_or_null(r->platform));
	json_object_set_new(o, "verdict", json_string(registry_verdict_name(r->verdict)));
	json_object_set_new(o, "exit_code", json_integer(registry_verdict_exit_code(r->verdict)));
	json_object_set_new(o, "koyeb_code", json_string(registry_verdict_koyeb_code(r->verdict)));
	json_object_set_new(o, "summary", str_or_null(r->summary));
	json_object_set_new(o, "fix", str_or_null(r->fix));
	if (r->malformed_rule)
		json_object_set_new(o, "malformed_rule", json_string(r->malformed_rule));
	for (i = 0; i < r->nevidence; i++) {
		const struct registry_evidence *e = &r->evidence[i];

		x = json_object();
		json_object_set_new(x, "text", str_or_null(e->text));
		if (e->method) {
			json_object_set_new(x, "method", json_string(e->method));
			json_object_set_new(x, "url", str_or_null(e->url));
			json_object_set_new(x, "status", e->status ? json_integer(e->status) : json_null());
			json_object_set_new(x, "registry_error", str_or_null(e->registry_error));
			if (e->failure)
				json_object_set_new(x, "failure", json_string(e->failure));
		}
		json_array_append_new(ev, x);
	}
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "digest", str_or_null(r->digest));
	json_object_set_new(o, "media_type", str_or_null(r->media_type));
	for (i = 0; i < r->nplatforms; i++) {
		const struct registry_platform *p = &r->platforms[i];

		x = json_object();
		json_object_set_new(x, "os", str_or_null(p->os));
		json_object_set_new(x, "architecture", str_or_null(p->architecture));
		if (p->variant)
			json_object_set_new(x, "variant", json_string(p->variant));
		if (p->os_version)
			json_object_set_new(x, "os_version", json_string(p->os_version));
		if (p->digest)
			json_object_set_new(x, "digest", json_string(p->digest));
		json_array_append_new(pl, x);
	}
	json_object_set_new(o, "platforms", pl);
	json_object_set_new(o, "exposed_ports", strlist(&r->exposed_ports));
	json_object_set_new(o, "nearest_tag",
			    r->nearest_tags.n ? json_string(r->nearest_tags.items[0]) : json_null());
	json_object_set_new(o, "nearest_tags", strlist(&r->nearest_tags));
	x = json_object();
	json_object_set_new(x, "source", str_or_null(r->creds_source));
	json_object_set_new(x, "username", str_or_null(r->username));
	json_object_set_new(o, "credentials", x);
	x = json_object();
	json_object_set_new(x, "limit", num_or_null(r->rate.limit));
	json_object_set_new(x, "remaining", num_or_null(r->rate.remaining));
	json_object_set_new(x, "window_seconds", num_or_null(r->rate.window_s));
	json_object_set_new(x, "retry_after_seconds",
			    r->rate.retry_after_ms >= 0 ? json_integer((r->rate.retry_after_ms + 999) / 1000)
							: json_null());
	json_object_set_new(o, "rate_limit", x);
	x = json_object();
	json_object_set_new(x, "requests", json_integer((json_int_t)r->stats.requests));
	json_object_set_new(x, "connections", json_integer((json_int_t)r->stats.connections));
	json_object_set_new(x, "token_requests", json_integer((json_int_t)r->stats.token_requests));
	json_object_set_new(x, "elapsed_ms", json_integer(r->stats.elapsed_ms));
	json_object_set_new(x, "attempts", json_integer(r->stats.attempts));
	json_object_set_new(o, "stats", x);
	s = json_dumps(o, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER : JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return s;
}
