/*
 * api/json.h - the request-body JSON parser.
 *
 * Why not jansson for request bodies: jansson turns every number with a fraction into a
 * double, and "total_amount": 1234567890.12 must reach DuckDB as exactly those digits. This
 * parser keeps each number as its literal text (validated against JSON's grammar) and lets
 * the schema decide what it means (db_decimal_parse for DECIMALs).
 *
 * Strict RFC 8259: one value, whitespace around it, no comments, no trailing commas, no
 * NaN; strings must be valid UTF-8 (the raw bytes and what \u escapes spell: lone
 * surrogates are refused). Nesting is limited (API_JSON_MAX_DEPTH) so a body of a million
 * '[' cannot exhaust the stack. Duplicate keys are not detected here (that would be
 * quadratic in the worst case); the schema refuses a field seen twice.
 *
 * Everything is allocated from the caller's arena; string values are decoded copies,
 * number texts point into the input (which must outlive the tree).
 */
#ifndef DS_API_JSON_H
#define DS_API_JSON_H

#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"

#define API_JSON_MAX_DEPTH 32

enum api_json_type {
	API_JSON_NULL,
	API_JSON_FALSE,
	API_JSON_TRUE,
	API_JSON_NUMBER,
	API_JSON_STRING,
	API_JSON_ARRAY,
	API_JSON_OBJECT,
};

struct api_json {
	enum api_json_type type;
	const char *s;      /* STRING: decoded, NUL-terminated; NUMBER: the literal (not terminated) */
	size_t len;         /* bytes of s */
	int has_nul;        /* STRING: decoded text contains U+0000 */
	struct api_json *child; /* ARRAY, OBJECT: first element or member */
	struct api_json *next;  /* next element or member of the parent */
	const char *key;        /* member of an OBJECT: decoded key, NUL-terminated */
	size_t key_len;
	size_t count;           /* ARRAY, OBJECT: elements or members */
};

/*
 * Parse text[0..n). Returns 0 with *out set, or -1 with e saying where and what, as
 * "line 1 column 18: unexpected '}'" or "line 3 column 2: invalid UTF-8 in a string".
 * Memory short in the arena (its ceiling) is reported as "the document is too large".
 */
int api_json_parse(struct ds_arena *a, const char *text, size_t n, struct api_json **out,
		   struct ds_error *e);

/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *api_json_type_name(enum api_json_type t);

/* The member of object o named key, or NULL. */
const struct api_json *api_json_get(const struct api_json *o, const char *key);

/* Whether a NUMBER's literal is an integer (no fraction, no exponent). */
int api_json_is_integer(const struct api_json *v);

#endif
