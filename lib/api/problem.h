/*
 * api/problem.h - errors as application/problem+json (RFC 9457).
 *
 * One table drives the status, the stable code word (the end of "type") and the title, so
 * they cannot drift apart; docs/api.md has a section per code word. The detail is a
 * sentence naming what was wrong ("field 'total_amount': '12.345' has more than 2 decimal
 * places"); "field" names the offending field or parameter when there is one.
 *
 * To add a problem type: a row here, a section in docs/api.md ("### code-word"), a test
 * that provokes it.
 */
#ifndef DS_API_PROBLEM_H
#define DS_API_PROBLEM_H

#include "core/buf.h"

#define API_PROBLEM_TYPE_PREFIX "urn:duckdb-spawn:problem:"

/* X(NAME, status, "code-word", "Title") */
#define API_PROBLEMS(X)                                                                         \
	X(INVALID_JSON, 400, "invalid-json", "Request body is not valid JSON")                  \
	X(INVALID_FIELD, 400, "invalid-field", "A field has a wrong type or value")             \
	X(MISSING_FIELD, 400, "missing-field", "A required field is missing")                   \
	X(UNKNOWN_FIELD, 400, "unknown-field", "The request has a field the resource does not have") \
	X(INVALID_PARAMETER, 400, "invalid-parameter", "A path or query parameter is invalid")  \
	X(SQL_ERROR, 400, "sql-error", "The SQL statement failed")                              \
	X(MULTIPLE_STATEMENTS, 400, "multiple-statements", "The query holds more than one statement") \
	X(UNAUTHORIZED, 401, "unauthorized", "Authentication required")                         \
	X(FORBIDDEN, 403, "forbidden", "The credentials do not grant access")                   \
	X(QUERY_FORBIDDEN, 403, "query-forbidden", "The statement is not a read-only query")    \
	X(NOT_FOUND, 404, "not-found", "Not found")                                             \
	X(METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed")                  \
	X(NOT_ACCEPTABLE, 406, "not-acceptable", "No acceptable representation")                \
	X(WRITE_CONFLICT, 409, "write-conflict", "The write conflicts with another one")        \
	X(TABLE_EXISTS, 409, "table-exists", "A table with that name exists")                   \
	X(PROTECTED_TABLE, 409, "protected-table", "The table is built in")                     \
	X(PAYLOAD_TOO_LARGE, 413, "payload-too-large", "Request body too large")                \
	X(TOO_MANY_ROWS, 413, "too-many-rows", "The result has more rows than the limit")       \
	X(ROW_TOO_LARGE, 413, "row-too-large", "A row of the result is too large")              \
	X(UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type", "Unsupported media type")      \
	X(RATE_LIMITED, 429, "rate-limited", "Too many requests")                               \
	X(INTERNAL, 500, "internal", "Internal error")                                          \
	X(UNAVAILABLE, 503, "unavailable", "Service unavailable")                               \
	X(QUERY_TIMEOUT, 503, "query-timeout", "The query ran past its time limit")

enum api_problem {
#define X(name, status, code, title) API_PROBLEM_##name,
	API_PROBLEMS(X)
#undef X
	API_PROBLEM_COUNT
};

int api_problem_status(enum api_problem p);
const char *api_problem_code(enum api_problem p);
const char *api_problem_title(enum api_problem p);

/*
 * Render a problem document into out. field, instance and request_id may be NULL (left
 * out). detail is bounded (300 bytes, then "...") and CR/LF become spaces, so echoed input
 * can neither bloat nor split the document or a log line. Returns 0 or -1 (out's ceiling).
 */
int api_problem_render(struct ds_buf *out, enum api_problem p, const char *detail,
		       const char *field, const char *instance, const char *request_id);

#endif
