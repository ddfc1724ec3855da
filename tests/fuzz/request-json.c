/*
 * fuzz/request-json.c - the request-body JSON parser (lib/api/json.c) under a fuzzer.
 *
 * Every body the API reads goes through it. Besides "no crash, no sanitizer report, no
 * runaway recursion": a document that parses has consistent counts (count is the number of
 * children), decoded strings are NUL-terminated at their length, number literals lie inside
 * the input, and the arena's ceiling holds (a 1 MiB body never takes more than the 4 MiB
 * the server allows).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct api_json *v, const char *base, size_t size, int depth)
{
	const struct api_json *c;
	size_t n = 0;

	if (depth > API_JSON_MAX_DEPTH + 1)
		abort();
	switch (v->type) {
	case API_JSON_STRING:
		if (v->s[v->len] != '\0')
			abort();
		break;
	case API_JSON_NUMBER:
		if (v->s < base || v->s + v->len > base + size || v->len == 0)
			abort();
		break;
	case API_JSON_ARRAY:
	case API_JSON_OBJECT:
		for (c = v->child; c; c = c->next) {
			if (v->type == API_JSON_OBJECT && (!c->key || c->key[c->key_len] != '\0'))
				abort();
			check(c, base, size, depth + 1);
			n++;
		}
		if (n != v->count)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_arena a;
	struct ds_error e = DS_ERROR_INIT;
	struct api_json *doc;

	ds_arena_init(&a, 4 * 1024 * 1024);
	if (!api_json_parse(&a, (const char *)data, size, &doc, &e))
		check(doc, (const char *)data, size, 0);
	else if (!e.set)
		abort(); /* a refusal always says why */
	if (a.used > 4 * 1024 * 1024)
		abort();
	ds_arena_release(&a);
	return 0;
}
