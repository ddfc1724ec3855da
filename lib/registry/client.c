/*
 * registry/client.c - v2 calls with the Basic/Bearer dance; see client.h.
 *
 * The call sequence for a pull check is the shortest that still diagnoses: no /v2/ ping up
 * front (the manifest request's own 401 carries the challenge, and its scope), a token only
 * when challenged, and the token reused for every later call of the same scope (config blob,
 * tags list). A registry that answers 5xx is retried with jittered backoff (the shared HTTP
 * client's); 4xx never is: it is the answer.
 */
#include "registry/client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_REPLY_MAX (256 * 1024)
#define ERROR_BODY_MAX (64 * 1024)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int registry_client_init(struct registry_client *c, const char *base,
			 const struct registry_creds *creds, const struct http_options *o,
			 struct ds_error *e)
{
	memset(c, 0, sizeof(*c));
	if (http_client_init(&c->http, o, e))
		return -1;
	c->creds = creds;
	if (registry_client_rebase(c, base)) {
		http_client_release(&c->http);
		return ds_error_set(e, 0, "out of memory");
	}
	return 0;
}

int registry_client_rebase(struct registry_client *c, const char *base)
{
	char *b = strdup(base);
	size_t n;

	if (!b)
		return -1;
	n = strlen(b);
	while (n && b[n - 1] == '/')
		b[--n] = '\0';
	free(c->base);
	c->base = b;
	return 0;
}

void registry_client_release(struct registry_client *c)
{
	size_t i;

	for (i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].key);
		free(c->tokens[i].access);
		ds_secret_release(&c->tokens[i].token);
	}
	http_client_release(&c->http);
	ds_strlist_release(&c->notes);
	free(c->base);
	memset(c, 0, sizeof(*c));
}

int registry_error_is_plain_http_peer(const struct ds_error *e)
{
	const char *m = ds_error_msg(e);

	/* OpenSSL's words for a handshake answered by something that is not TLS. */
	return e->code == HTTP_FAIL_TLS &&
	       (strstr(m, "wrong version number") || strstr(m, "packet length too long") ||
		strstr(m, "record layer failure") || strstr(m, "http request"));
}

const struct ds_secret *registry_client_secret(const struct registry_client *c, size_t n)
{
	return n < c->ntokens ? &c->tokens[n].token : NULL;
}

void registry_reply_init(struct registry_reply *r)
{
	memset(r, 0, sizeof(*r));
	http_response_init(&r->http);
}

void registry_reply_release(struct registry_reply *r)
{
	http_response_release(&r->http);
	free(r->error_code);
	free(r->error_message);
	free(r->realm);
	registry_challenge_release(&r->challenge);
	memset(r, 0, sizeof(*r));
	http_response_init(&r->http);
}

static int has_password(const struct registry_creds *c)
{
	return c && c->source != REGISTRY_CREDS_NONE && ds_secret_is_set(&c->password);
}

static int has_creds(const struct registry_creds *c)
{
	return c && registry_creds_present(c);
}

/* errors[0].code and .message of a distribution error body. */
static void read_error_body(struct registry_reply *r)
{
	json_t *root, *err;

	free(r->error_code);
	free(r->error_message);
	r->error_code = r->error_message = NULL;
	if (!r->http.body.len || r->http.body.len > ERROR_BODY_MAX)
		return;
	root = json_loadb(r->http.body.data, r->http.body.len, 0, NULL);
	err = json_array_get(json_object_get(root, "errors"), 0);
	if (json_is_string(json_object_get(err, "code")))
		r->error_code = strndup(json_string_value(json_object_get(err, "code")), 64);
	if (json_is_string(json_object_get(err, "message")))
		r->error_message = strndup(json_string_value(json_object_get(err, "message")), 200);
	/* Token servers use the OAuth2 shape: {"error": "...", "error_description": "..."}. */
	if (!r->error_code && json_is_string(json_object_get(root, "error")))
		r->error_code = strndup(json_string_value(json_object_get(root, "error")), 64);
	if (!r->error_code && json_is_string(json_object_get(root, "details")))
		r->error_message = strndup(json_string_value(json_object_get(root, "details")), 200);
	json_decref(root);
}

static long time_left(const struct registry_client *c)
{
	long left;

	if (!c->deadline)
		return 0; /* the client's own timeout */
	left = c->deadline - now_ms();
	return left > 0 ? left : -1;
}

static int perform(struct registry_client *c, struct http_request *req, struct http_response *r,
		   struct ds_error *e)
{
	long left = time_left(c);

	if (left < 0)
		return ds_error_set(e, HTTP_FAIL_TIMEOUT, "%s %s: no time left before the deadline",
				    req->method, req->url);
	req->timeout_ms = left;
	/* 5xx is worth a second try for reads; a deadline nearly spent is not worth the wait.
	 * Uploads are not resent blindly: an upload session a 5xx broke is started afresh by
	 * the caller. */
	if ((!c->deadline || left > 3000) &&
	    (!strcmp(req->method, "GET") || !strcmp(req->method, "HEAD"))) {
		req->retry_on = HTTP_RETRY_5XX;
		req->max_attempts = 3;
		req->retry_base_ms = 100;
		req->retry_max_ms = 1000;
	}
	return http_request_perform(&c->http, req, r, e);
}

static void token_drop(struct registry_client *c, struct registry_token *t)
{
	size_t i = (size_t)(t - c->tokens);

	free(t->key);
	free(t->access);
	ds_secret_release(&t->token);
	memmove(&c->tokens[i], &c->tokens[i + 1], (c->ntokens - i - 1) * sizeof(*t));
	c->ntokens--;
}

/* The token for the repository's scope (actions "pull" or "pull,push") that an earlier
 * challenge led to, if any. */
static struct registry_token *token_for_repo(struct registry_client *c, const char *repository,
					     const char *actions)
{
	char scope[600];
	size_t i, sl;

	if (!repository)
		return NULL;
	snprintf(scope, sizeof(scope), " repository:%s:%s", repository, actions);
	sl = strlen(scope);
	for (i = 0; i < c->ntokens; i++) {
		size_t kl = strlen(c->tokens[i].key);

		if (kl >= sl && !strcmp(c->tokens[i].key + kl - sl, scope))
			return &c->tokens[i];
	}
	return NULL;
}

/*
 * GET realm?service=...&scope=...(&account=user), with the credentials when we have them and
 * may send them there. Returns 0 with the token kept (*out), 1 when the token server answered
 * something else (r holds it, stage TOKEN), -1 when it did not answer.
 */
static int fetch_token(struct registry_client *c, const struct registry_challenge *ch,
		       const char *scope, struct registry_token **out, struct registry_reply *r,
		       struct ds_error *e)
{
	struct ds_buf url = DS_BUF_INIT(8192), key = DS_BUF_INIT(8192);
	struct http_request req = {.method = "GET", .max_redirects = 3, .max_body = TOKEN_REPLY_MAX};
	const char *sep = strchr(ch->realm, '?') ? "&" : "?";
	int creds_ok = has_creds(c->creds), rc = -1;
	struct registry_token *t;
	long expires_in;
	struct ds_error te = DS_ERROR_INIT;
	struct ds_buf form = DS_BUF_INIT(16384);
	static const char *const form_headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL};
	int oauth = 0;

	if (creds_ok && !strncmp(ch->realm, "http://", 7) && !http_url_is_loopback(ch->realm)) {
		/* Credentials over plain HTTP to another host would be readable by anyone on
		 * the path: ask anonymously and say why. */
		ds_strlist_add(&c->notes, "the token realm is plain http on a non-loopback host: "
					  "credentials were not sent to it");
		creds_ok = 0;
	}
	ds_buf_addstr(&url, ch->realm);
	if (ch->service) {
		ds_buf_addf(&url, "%sservice=", sep);
		http_buf_add_escaped(&url, ch->service);
		sep = "&";
	}
	if (scope) {
		ds_buf_addf(&url, "%sscope=", sep);
		http_buf_add_escaped(&url, scope);
		sep = "&";
	}
	if (creds_ok && c->creds->username && *c->creds->username) {
		ds_buf_addf(&url, "%saccount=", sep);
		http_buf_add_escaped(&url, c->creds->username);
	}
	ds_buf_addf(&key, "%s %s %s", ch->realm, ch->service ? ch->service : "", scope ? scope : "");
	req.url = ds_buf_str(&url);
	if (creds_ok && ds_secret_is_set(&c->creds->identity_token)) {
		/* An identity token (config.json "identitytoken", a helper's "<token>" user) is an
		 * OAuth2 refresh token: POST it in a form, as the docker CLI does; it never goes
		 * into a URL. The form is a secret too: wiped after the request. */
		struct ds_buf *f = &form;

		req.method = "POST";
		req.url = ch->realm;
		ds_buf_addstr(f, "grant_type=refresh_token&client_id=duckdb-spawn");
		if (ch->service) {
			ds_buf_addstr(f, "&service=");
			http_buf_add_escaped(f, ch->service);
		}
		if (scope) {
			ds_buf_addstr(f, "&scope=");
			http_buf_add_escaped(f, scope);
		}
		ds_buf_addstr(f, "&refresh_token=");
		http_buf_add_escaped(f, ds_secret_value(&c->creds->identity_token));
		req.body = f->data;
		req.body_len = f->len;
		req.headers = form_headers;
		oauth = 1;
	} else if (creds_ok && has_password(c->creds)) {
		req.basic_user = c->creds->username ? c->creds->username : "";
		req.basic_password = &c->creds->password;
	}
	free(r->realm);
	r->realm = strdup(ch->realm);
	c->token_requests++;
	http_response_release(&r->http);
	http_response_init(&r->http);
	if (perform(c, &req, &r->http, e)) {
		r->stage = REGISTRY_STAGE_TOKEN;
		goto out;
	}
	if (r->http.status != 200) {
		r->stage = REGISTRY_STAGE_TOKEN;
		r->authenticated = req.basic_user != NULL || oauth;
		read_error_body(r);
		rc = 1;
		goto out;
	}
	if (c->ntokens == REGISTRY_TOKENS_MAX)
		token_drop(c, &c->tokens[0]);
	t = &c->tokens[c->ntokens];
	memset(t, 0, sizeof(*t));
	if (registry_auth_parse_token_reply(r->http.body.data ? r->http.body.data : "",
					    r->http.body.len, &t->token, &expires_in, &te)) {
		r->stage = REGISTRY_STAGE_TOKEN;
		ds_error_set(e, HTTP_FAIL_PROTOCOL, "token server '%s': %s", ch->realm, ds_error_msg(&te));
		goto out;
	}
	/* The reply holds the token: keep it out of what the caller may show. */
	explicit_bzero(r->http.body.data, r->http.body.len);
	ds_buf_reset(&r->http.body);
	t->key = ds_buf_detach(&key, NULL);
	t->with_creds = req.basic_user != NULL || oauth;
	{
		struct ds_buf acc = DS_BUF_INIT(4096);

		if (!registry_auth_jwt_claims(ds_secret_value(&t->token), &t->exp, &acc))
			t->access = ds_buf_detach(&acc, NULL);
		else
			t->exp = -1;
		ds_buf_release(&acc);
	}
	c->ntokens++;
	*out = t;
	rc = 0;
out:
	if (form.data)
		explicit_bzero(form.data, form.len);
	ds_buf_release(&form);
	ds_buf_release(&url);
	ds_buf_release(&key);
	return rc;
}

int registry_client_call(struct registry_client *c, const char *method, const char *path,
			 const char *const *headers, size_t max_body, const char *repository,
			 int max_redirects, struct registry_reply *r, struct ds_error *e)
{
	struct registry_call call = {.method = method, .path = path, .headers = headers,
				     .max_body = max_body, .repository = repository,
				     .max_redirects = max_redirects};

	return registry_client_request(c, &call, r, e);
}

int registry_client_request(struct registry_client *c, const struct registry_call *call,
			    struct registry_reply *r, struct ds_error *e)
{
	const char *actions = call->actions ? call->actions : "pull";
	struct ds_buf url = DS_BUF_INIT(8192);
	struct registry_token *tok = token_for_repo(c, call->repository, actions);
	int round, rc = -1, fresh_token = 0;
	char scope_buf[600];

	/* An absolute URL is an upload Location the registry handed out; the shared client
	 * keeps credentials to the base's origin if it points elsewhere. */
	if (!strncmp(call->path, "http://", 7) || !strncmp(call->path, "https://", 8))
		ds_buf_addstr(&url, call->path);
	else
		ds_buf_addf(&url, "%s%s", c->base, call->path);
	for (round = 0; round < 3; round++) {
		struct http_request req = {.method = call->method, .url = ds_buf_str(&url),
					   .headers = call->headers, .max_body = call->max_body,
					   .max_redirects = call->max_redirects, .body = call->body,
					   .body_len = call->body_len};
		struct registry_challenge ch[REGISTRY_CHALLENGES_MAX];
		const struct registry_challenge *bearer, *basic;
		const char *wa;
		int n, i;

		registry_reply_release(r);
		r->stage = REGISTRY_STAGE_REGISTRY;
		if (tok) {
			req.bearer = &tok->token;
			r->token = tok;
			r->authenticated = tok->with_creds;
		} else if (c->basic && has_password(c->creds)) {
			req.basic_user = c->creds->username ? c->creds->username : "";
			req.basic_password = &c->creds->password;
			r->authenticated = 1;
		}
		if (perform(c, &req, &r->http, e))
			goto out;
		read_error_body(r);
		if (r->http.status != 401) {
			rc = 0;
			goto out;
		}
		wa = http_response_header(&r->http, "WWW-Authenticate");
		n = registry_auth_parse(wa, ch, REGISTRY_CHALLENGES_MAX, NULL);
		if (n <= 0) {
			rc = 0; /* a 401 without a usable challenge is the answer */
			goto out;
		}
		bearer = registry_challenge_find(ch, (size_t)n, REGISTRY_AUTH_BEARER);
		basic = registry_challenge_find(ch, (size_t)n, REGISTRY_AUTH_BASIC);
		/* Keep the challenge that matters for the reply. */
		{
			const struct registry_challenge *keep = bearer ? bearer : (basic ? basic : &ch[0]);

			r->challenge = *keep;
			r->have_challenge = 1;
			for (i = 0; i < n; i++)
				if (&ch[i] != keep)
					registry_challenge_release(&ch[i]);
		}
		if (bearer && r->challenge.realm) {
			const char *scope = r->challenge.scope;
			struct registry_token *got = NULL;
			int tr;

			if (tok && fresh_token) {
				rc = 0; /* a token just issued was refused: that is the answer */
				goto out;
			}
			if (tok) { /* a kept token was refused (expired?): fetch a new one, once */
				r->token = NULL;
				token_drop(c, tok);
			}
			tok = NULL;
			/* A caller that names its actions (a push) gets exactly that scope, asked
			 * once: the challenge of its first call may name less ("pull" for a
			 * HEAD), and registries write "pull,push" in either order (distribution
			 * iterates a Go map), which would defeat matching a kept token. */
			if ((call->actions || !scope) && call->repository) {
				snprintf(scope_buf, sizeof(scope_buf), "repository:%s:%s",
					 call->repository, actions);
				scope = scope_buf;
			}
			{
				struct registry_challenge chc = r->challenge;

				tr = fetch_token(c, &chc, scope, &got, r, e);
			}
			if (tr < 0)
				goto out;
			if (tr > 0) {
				rc = 0;
				goto out;
			}
			tok = got;
			fresh_token = 1;
			continue;
		}
		if (basic && has_password(c->creds) && !c->basic) {
			c->basic = 1;
			continue;
		}
		rc = 0;
		goto out;
	}
	rc = 0;
out:
	ds_buf_release(&url);
	return rc;
}
