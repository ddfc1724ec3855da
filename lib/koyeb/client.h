/*
 * koyeb/client.h - the Koyeb REST API (koyeb/openapi.json) over lib/http and jansson.
 *
 * A struct koyeb_client is one connection's worth of state: the base URL
 * ($KOYEB_API_URL, default https://app.koyeb.com), the bearer token ($KOYEB_TOKEN or a
 * --token-file; never from argv, never printed, sent only to the base URL's origin) and the
 * shared HTTP client, so a deploy reuses one TLS connection throughout.
 *
 * Three kinds of call, each with the retry policy that is safe for it:
 *
 *   - koyeb_get(), koyeb_list(): reads. Retried with jittered backoff on 429, 5xx,
 *     timeouts and refused or reset connections (lib/http does it, honouring
 *     Retry-After). koyeb_list() follows limit/offset to the end: has_next when the reply
 *     declares it, else count, else a short page.
 *   - koyeb_mutate(): POST, PUT, PATCH. Only a 429 or a refused connection proves the
 *     server did nothing, so only those are resent blindly. After a 5xx, a timeout or a
 *     reset the change may or may not have happened: the caller's converge function
 *     re-reads the object and says which; the request is resent only when it did not. A
 *     retried create therefore never creates twice.
 *   - koyeb_delete(): retried like a read; a 404 after a retry means an earlier attempt
 *     deleted it, which is success.
 *
 * Errors: a non-2xx reply becomes a message built from the body the contract documents
 * (Error, ErrorWithFields with each field named, google.rpc.Status), e->code the HTTP
 * status. No reply at all: e->code an enum http_fail. A 2xx reply that is not the JSON
 * object promised: KOYEB_E_REPLY. No token: KOYEB_E_TOKEN.
 */
#ifndef DS_KOYEB_CLIENT_H
#define DS_KOYEB_CLIENT_H

#include <jansson.h>

#include "core/error.h"
#include "core/secret.h"
#include "http/http.h"

#define KOYEB_DEFAULT_URL "https://app.koyeb.com"

enum koyeb_error_code {
	KOYEB_E_REPLY = 1000, /* a 2xx reply that is not what the contract says */
	KOYEB_E_TOKEN,        /* no token configured */
	KOYEB_E_NOT_FOUND,    /* a name that resolves to nothing ("app 'x' not found") */
	KOYEB_E_CONFIG,       /* a bad base URL, an unreadable token file */
};

struct koyeb_options {
	const char *base_url;   /* NULL: $KOYEB_API_URL, else KOYEB_DEFAULT_URL */
	const char *token_file; /* NULL: $KOYEB_TOKEN */
	long timeout_ms;        /* one exchange; 0: 30 s */
	int max_attempts;       /* per call, first included; 0: 4 */
	long retry_base_ms;     /* first backoff; 0: 300 */
	long retry_max_ms;      /* longest backoff; 0: 5000 */
	const char *ca_file;    /* PEM bundle instead of the system store */
};

/* Told about every retry, so a command can say "500 from POST /v1/services, checking". */
typedef void (*koyeb_note_fn)(void *ctx, const char *msg);

struct koyeb_client {
	struct http_client http;
	char *base; /* scheme://host[:port], no trailing slash */
	struct ds_secret token;
	int max_attempts;
	long retry_base_ms, retry_max_ms;
	koyeb_note_fn note;
	void *note_ctx;
	/* Counters: requests sent (attempts included) and, of them, mutating ones. */
	unsigned long calls;
	unsigned long mutations;
};

/* Resolve the base URL and the token and set up HTTP. A plain-http base URL is refused
 * unless it is a loopback address (the token would cross the network in clear). */
int koyeb_client_init(struct koyeb_client *c, const struct koyeb_options *o, struct ds_error *e);
void koyeb_client_release(struct koyeb_client *c);
void koyeb_client_set_note(struct koyeb_client *c, koyeb_note_fn fn, void *ctx);

/* GET path ("/v1/apps/ID", query included, already escaped). *out: the reply (owned). */
int koyeb_get(struct koyeb_client *c, const char *path, json_t **out, struct ds_error *e);

/* Every item of a paginated list: GET path (may hold a query) page after page, the items
 * under key gathered into *items (a new array, owned). */
int koyeb_list(struct koyeb_client *c, const char *path, const char *key, json_t **items,
	       struct ds_error *e);

/*
 * Whether an ambiguous mutation took effect: 1 (it did; *out the resulting reply-like
 * object, owned, or NULL), 0 (it did not: send again), -1 (e set).
 */
typedef int (*koyeb_converge_fn)(struct koyeb_client *c, void *ctx, json_t **out,
				 struct ds_error *e);

/* POST/PUT/PATCH path with body (borrowed, may be NULL). *out: the reply (owned). converge
 * may be NULL: then an ambiguous failure is reported, never resent. */
int koyeb_mutate(struct koyeb_client *c, const char *method, const char *path,
		 const json_t *body, koyeb_converge_fn converge, void *ctx, json_t **out,
		 struct ds_error *e);

/* DELETE path. */
int koyeb_delete(struct koyeb_client *c, const char *path, struct ds_error *e);

/* Append "/v1/<what>/<escaped id>" to b. */
int koyeb_path(struct ds_buf *b, const char *what, const char *id);

/* Whether e is "the server said 404". */
int koyeb_error_is_not_found(const struct ds_error *e);

/* Zero the string values under keys that hold secrets (password, value, keyfile_content)
 * in v, recursively: call before json_decref() of a body that carried credentials. */
void koyeb_json_wipe(json_t *v);

#endif
