/*
 * api/router.h - route templates and matching.
 *
 * A route is a row {method, template, handler, flags}; a template is a path whose segments
 * are literals or {name} parameters ("/ops/projects/{id}"). Adding an endpoint is adding a
 * row to the table in routes.c. The template, never the raw path, is what metrics and logs
 * label a request with, so label cardinality is bounded by the table.
 *
 * Matching is segment by segment, first row wins; one trailing '/' is ignored. A path that
 * matches some row but not for this method gives 405 with the methods that would match (the
 * Allow header); a path that matches no row gives 404. HEAD matches GET rows.
 */
#ifndef DS_API_ROUTER_H
#define DS_API_ROUTER_H

#include <stddef.h>

#include "core/buf.h"

enum api_method {
	API_GET = 1 << 0,
	API_HEAD = 1 << 1,
	API_POST = 1 << 2,
	API_PUT = 1 << 3,
	API_PATCH = 1 << 4,
	API_DELETE = 1 << 5,
	API_OPTIONS = 1 << 6,
	API_OTHER = 1 << 7,
};

#define API_METHOD_COUNT 8

/* The method's bit, API_OTHER for anything else (methods are case-sensitive). */
enum api_method api_method_parse(const char *s);
/* "GET", ..., "OTHER". */
const char *api_method_name(enum api_method m);
/* 0..API_METHOD_COUNT-1, for arrays indexed by method. */
int api_method_index(enum api_method m);

#define API_ROUTE_MAX_PARAMS 4
#define API_ROUTE_MAX_SEGMENTS 16

struct api_req;
enum api_result {
	API_DONE,    /* the response is in the request */
	API_PENDING, /* a write job is prepared (req->job); respond when it is done */
};
typedef enum api_result (*api_handler)(struct api_req *r);

enum api_route_flags {
	API_ROUTE_JSON_BODY = 1 << 0, /* takes a JSON body: Content-Type must say so (415) */
	API_ROUTE_ADMIN = 1 << 1,     /* behind ADMIN_TOKEN; absent (404) when it is unset */
	API_ROUTE_NO_LIMIT = 1 << 2,  /* never rate limited (health checks) */
};

struct api_route {
	enum api_method method;
	const char *tmpl;
	api_handler handler;
	unsigned flags;
};

struct api_match {
	int route;        /* row index, or -1 */
	unsigned allow;   /* when route is -1: methods of rows matching the path (0: 404) */
	size_t nparams;
	/* Parameter values, pointing into the path buffer given to api_route_match. */
	const char *params[API_ROUTE_MAX_PARAMS];
	size_t param_lens[API_ROUTE_MAX_PARAMS];
};

/* Match method and path (without the query string) against table[0..n), ignoring rows
 * with any of the flags in skip (as if they were not in the table). */
void api_route_match(const struct api_route *table, size_t n, unsigned skip,
		     enum api_method method, const char *path, struct api_match *m);

/* Append "GET, HEAD, POST" for a method mask (HEAD is added when GET is present). */
void api_allow_header(unsigned allow, struct ds_buf *out);

#endif
