/*
 * tests/unit/api/apit.c - see apit.h. Parsed bodies are kept in one growing list freed by a
 * single cleanup, because the harness has a small fixed number of cleanup slots.
 */
#include "apit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "harness.h"
#include "test.h"

struct api_ctx apit_ctx;

static json_t **parsed;
static size_t nparsed, aparsed;

static void ctx_down(void *unused)
{
	struct ds_error e = DS_ERROR_INIT;

	(void)unused;
	if (api__ctx_release(&apit_ctx, 0, &e))
		FAIL("ctx release: %s", ds_error_msg(&e));
}

void apit_up(const char *admin_token, void (*tune)(struct api_config *c))
{
	struct api_config c;
	struct ds_error e = DS_ERROR_INIT;

	ds_log_set_level(DS_LOG_OFF);
	ASSERT_EQ_INT(api_config_init(&c), 0);
	ASSERT_EQ_INT(api_config_database(&c, ":memory:", &e), 0);
	c.memory_limit = 256LL << 20;
	c.workers = 2;
	if (admin_token)
		ASSERT_EQ_INT(ds_secret_set(&c.admin_token, admin_token), 0);
	if (tune)
		tune(&c);
	ASSERT_EQ_INT(api_config_finish(&c, &e), 0);
	if (api__ctx_init(&apit_ctx, &c, &e))
		FAIL("ctx init: %s", ds_error_msg(&e));
	api_config_release(&c);
	ds_test_defer(ctx_down, NULL);
}

static void free_json(void *unused)
{
	size_t i;

	(void)unused;
	for (i = 0; i < nparsed; i++)
		json_decref(parsed[i]);
	free(parsed);
	parsed = NULL;
	nparsed = aparsed = 0;
}

static void keep_json(json_t *j)
{
	if (!parsed)
		ds_test_defer(free_json, NULL);
	if (nparsed == aparsed) {
		aparsed = aparsed ? aparsed * 2 : 64;
		parsed = realloc(parsed, aparsed * sizeof(*parsed));
		ASSERT_NOT_NULL(parsed);
	}
	parsed[nparsed++] = j;
}

struct apit_resp apit_call(const char *method, const char *target, const char *ctype,
			   const char *body, const struct apit_opts *o)
{
	struct api_req *r = malloc(sizeof(*r));
	struct apit_resp out;
	struct ds_buf h = DS_BUF_INIT(0);
	char *path = ds_test_strdup(target), *q = strchr(path, '?');
	size_t i;

	ASSERT_NOT_NULL(r);
	memset(&out, 0, sizeof(out));
	api__req_init(r, &apit_ctx);
	r->method = api_method_parse(method);
	if (q) {
		char *save = NULL, *kv, *p;

		*q++ = '\0';
		for (p = q; *p; p++)
			if (*p == '+')
				*p = ' ';
		for (kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');

			if (eq)
				*eq++ = '\0';
			r->query[r->nquery].key = kv;
			r->query[r->nquery].value = eq ? eq : "";
			r->nquery++;
		}
	}
	r->path = path;
	r->content_type = ctype;
	r->accept = o ? o->accept : NULL;
	r->authorization = o ? o->auth : NULL;
	r->origin = o ? o->origin : NULL;
	r->acr_method = o ? o->acr : NULL;
	snprintf(r->client, sizeof(r->client), "%s", o && o->client ? o->client : "192.0.2.1");
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
	r->content_length = body ? (long long)strlen(body) : -1;
	api__run_sync(r);
	out.status = r->status;
	out.body = ds_test_strdup(ds_buf_str(&r->resp));
	out.type = r->resp_type ? ds_test_strdup(r->resp_type) : NULL;
	for (i = 0; i < r->nheaders; i++) {
		ds_buf_addf(&h, "%s: %s\n", r->headers[i].key, r->headers[i].value);
		if (!strcmp(r->headers[i].key, "Location"))
			out.location = ds_test_strdup(r->headers[i].value);
		if (!strcmp(r->headers[i].key, "Allow"))
			out.allow = ds_test_strdup(r->headers[i].value);
	}
	out.headers = ds_test_strdup(ds_buf_str(&h));
	ds_buf_release(&h);
	api__req_release(r);
	free(r);
	out.json = json_loads(out.body, JSON_DECODE_ANY, NULL);
	if (out.json)
		keep_json(out.json);
	return out;
}
