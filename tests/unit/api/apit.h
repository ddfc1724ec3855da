/*
 * tests/unit/api/apit.h - an in-process client of lib/api for the unit tests: a context on
 * an in-memory DuckDB (real handlers, writer and query pool), and requests through the real
 * handler path (api__run_sync), no socket.
 */
#ifndef DS_TEST_APIT_H
#define DS_TEST_APIT_H

#include <jansson.h>

#include "api/internal.h"

/* The context of the running test, up until it ends. */
extern struct api_ctx apit_ctx;

/* Start apit_ctx: 256 MiB, two workers, admin_token when not NULL; tune (may be NULL)
 * changes the configuration last. Released when the test ends. */
void apit_up(const char *admin_token, void (*tune)(struct api_config *c));

/* Request headers a test may set; NULL leaves one out. client defaults to 192.0.2.1. */
struct apit_opts {
	const char *accept, *auth, *origin, *acr, *client;
};

struct apit_resp {
	int status;
	const char *body;
	const char *type;
	const char *headers;  /* "Name: value\n" each */
	const char *location; /* the Location header, or NULL */
	const char *allow;    /* the Allow header, or NULL */
	json_t *json;         /* the body parsed (any JSON value), or NULL; kept to the test's end */
};

/* One request. target may carry "?a=1&b=2": '+' becomes a space, nothing else is decoded.
 * ctype is sent as given (NULL: no Content-Type); o may be NULL. Everything returned lives
 * until the test ends. */
struct apit_resp apit_call(const char *method, const char *target, const char *ctype,
			   const char *body, const struct apit_opts *o);

#endif
