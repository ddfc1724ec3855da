/* Tests for lib/api/json.c: the strict request-body parser that keeps number text. */
#include "api/json.h"
#include "test.h"

static struct ds_arena arena;

static void free_arena(void *unused)
{
	ds_arena_release(&arena);
}

static struct api_json *parse(const char *s, const char **err)
{
	static struct ds_error e;
	struct api_json *v;
	static int inited;

	if (!inited) {
		ds_arena_init(&arena, 1 << 20);
		ds_test_defer(free_arena, NULL);
		inited = 1;
	}
	ds_error_init(&e);
	if (api_json_parse(&arena, s, strlen(s), &v, &e)) {
		*err = ds_error_msg(&e);
		return NULL;
	}
	*err = NULL;
	return v;
}

TEST(json_parse_keeps_number_literals_verbatim)
{
	const char *err;
	struct api_json *v = parse("{\"a\": 1234567890.12, \"b\": -0.5e-3, \"c\": 99999999999999999999}", &err);
	const struct api_json *a, *b, *c;

	ASSERT_MSG(v, "%s", err);
	a = api_json_get(v, "a");
	b = api_json_get(v, "b");
	c = api_json_get(v, "c");
	ASSERT_EQ_INT(a->type, API_JSON_NUMBER);
	ASSERT(a->len == 13 && !memcmp(a->s, "1234567890.12", 13));
	ASSERT(b->len == 7 && !memcmp(b->s, "-0.5e-3", 7));
	ASSERT(c->len == 20 && !memcmp(c->s, "99999999999999999999", 20));
	ASSERT(api_json_is_integer(c));
	ASSERT(!api_json_is_integer(a));
	ASSERT_EQ_INT(v->count, 3);
}

TEST(json_parse_decodes_escapes_and_surrogate_pairs)
{
	const char *err;
	struct api_json *v = parse("[\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"\\u0000x\"]", &err);

	ASSERT_MSG(v, "%s", err);
	ASSERT_EQ_INT(v->type, API_JSON_ARRAY);
	ASSERT_EQ_STR(v->child->s, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
	ASSERT_EQ_INT(v->child->has_nul, 0);
	ASSERT_EQ_INT(v->child->next->has_nul, 1);
	ASSERT_EQ_INT(v->child->next->len, 2);
}

TEST(json_parse_errors_say_line_column_and_what)
{
	const char *err;

	ASSERT_NULL(parse("{\"a\": 1,\n \"b\": }", &err));
	ASSERT_EQ_STR(err, "line 2 column 7: unexpected '}'");
	ASSERT_NULL(parse("{\"a\": 1", &err));
	ASSERT_EQ_STR(err, "line 1 column 8: unexpected end of input");
	ASSERT_NULL(parse("{\"a\": 1} x", &err));
	ASSERT_EQ_STR(err, "line 1 column 10: unexpected 'x'");
	ASSERT_NULL(parse("", &err));
	ASSERT_CONTAINS(err, "unexpected end of input");
}

TEST(json_parse_refuses_invalid_utf8_and_lone_surrogates)
{
	const char *err;

	ASSERT_NULL(parse("{\"a\": \"\xff\"}", &err));
	ASSERT_CONTAINS(err, "invalid UTF-8");
	ASSERT_NULL(parse("{\"a\": \"\xc0\xaf\"}", &err)); /* overlong '/' */
	ASSERT_CONTAINS(err, "invalid UTF-8");
	ASSERT_NULL(parse("{\"a\": \"\xed\xa0\x80\"}", &err)); /* a surrogate in UTF-8 */
	ASSERT_CONTAINS(err, "invalid UTF-8");
	ASSERT_NULL(parse("{\"\xe2\x82\": 1}", &err)); /* truncated, in a key */
	ASSERT_CONTAINS(err, "invalid UTF-8");
	ASSERT_NULL(parse("[\"\\ud83d\"]", &err));
	ASSERT_CONTAINS(err, "high surrogate");
	ASSERT_NULL(parse("[\"\\ude00\"]", &err));
	ASSERT_CONTAINS(err, "lone low surrogate");
}

TEST(json_parse_refuses_what_rfc8259_refuses)
{
	const char *bad[] = {"[1,]", "{\"a\":1,}", "[01]", "[.5]", "[1.]", "[+1]", "[NaN]",
			     "[Infinity]", "{'a':1}", "[\"tab\there\"]", "/* c */ 1", "[tru]",
			     "{\"a\" 1}", "{1: 2}", "[\"\\x\"]", "[\"\\u12\"]", "\xef\xbb\xbf{}",
			     "[1e]", "[-]", "{\"a\":1}{}"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err;

		ASSERT_MSG(parse(bad[i], &err) == NULL, "'%s' was accepted", bad[i]);
	}
}

TEST(json_parse_limits_nesting)
{
	char deep[200];
	const char *err;
	int i;

	for (i = 0; i < 100; i++)
		deep[i] = '[';
	deep[100] = '\0';
	ASSERT_NULL(parse(deep, &err));
	ASSERT_CONTAINS(err, "nesting too deep");
	for (i = 0; i < API_JSON_MAX_DEPTH; i++) {
		deep[i] = '[';
		deep[2 * API_JSON_MAX_DEPTH - 1 - i] = ']';
	}
	deep[2 * API_JSON_MAX_DEPTH] = '\0';
	ASSERT_MSG(parse(deep, &err), "%s", err);
}

TEST(json_parse_reports_arena_exhaustion_as_too_large)
{
	struct ds_arena small;
	struct ds_error e = DS_ERROR_INIT;
	struct api_json *v;
	char doc[4000];
	size_t n = 0;

	doc[n++] = '[';
	while (n < sizeof(doc) - 4) {
		doc[n++] = '1';
		doc[n++] = ',';
	}
	doc[n++] = '1';
	doc[n++] = ']';
	ds_arena_init(&small, 2048);
	ASSERT_EQ_INT(api_json_parse(&small, doc, n, &v, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "too large");
	ds_arena_release(&small);
}

TEST(json_type_names_read_as_english)
{
	ASSERT_EQ_STR(api_json_type_name(API_JSON_OBJECT), "an object");
	ASSERT_EQ_STR(api_json_type_name(API_JSON_TRUE), "a boolean");
	ASSERT_EQ_STR(api_json_type_name(API_JSON_NULL), "null");
}
