/* Tests for lib/api/problem.c: problem+json documents. */
#include <jansson.h>

#include "api/problem.h"
#include "harness.h"
#include "test.h"

static json_t *render(enum api_problem p, const char *detail, const char *field)
{
	struct ds_buf b = DS_BUF_INIT(0);
	json_error_t err;
	json_t *o;

	ASSERT_EQ_INT(api_problem_render(&b, p, detail, field, "/ops/projects", "rid-1"), 0);
	o = json_loads(ds_buf_str(&b), 0, &err);
	ASSERT_MSG(o, "not JSON: %s: %s", err.text, ds_buf_str(&b));
	ds_buf_release(&b);
	return o;
}

TEST(problem_render_has_type_title_status_detail_field)
{
	json_t *o = render(API_PROBLEM_INVALID_FIELD, "field 'dscr' must be a number", "dscr");

	ASSERT_EQ_STR(json_string_value(json_object_get(o, "type")),
		      "urn:duckdb-spawn:problem:invalid-field");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "title")),
		      "A field has a wrong type or value");
	ASSERT_EQ_INT(json_integer_value(json_object_get(o, "status")), 400);
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "detail")), "field 'dscr' must be a number");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "field")), "dscr");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "instance")), "/ops/projects");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "request_id")), "rid-1");
	json_decref(o);
}

TEST(problem_render_bounds_detail_and_strips_newlines)
{
	char detail[2000];
	json_t *o;
	const char *d;

	memset(detail, 'x', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	detail[5] = '\n';
	detail[6] = '\r';
	o = render(API_PROBLEM_INVALID_JSON, detail, NULL);
	d = json_string_value(json_object_get(o, "detail"));
	ASSERT_NOT_NULL(d);
	ASSERT_EQ_INT(strlen(d), 303);
	ASSERT_NOT_CONTAINS(d, "\n");
	ASSERT_NOT_CONTAINS(d, "\r");
	ASSERT_NULL(json_object_get(o, "field"));
	json_decref(o);
}

TEST(problem_table_maps_codes_to_statuses)
{
	ASSERT_EQ_INT(api_problem_status(API_PROBLEM_PAYLOAD_TOO_LARGE), 413);
	ASSERT_EQ_INT(api_problem_status(API_PROBLEM_UNSUPPORTED_MEDIA_TYPE), 415);
	ASSERT_EQ_INT(api_problem_status(API_PROBLEM_WRITE_CONFLICT), 409);
	ASSERT_EQ_INT(api_problem_status(API_PROBLEM_METHOD_NOT_ALLOWED), 405);
	ASSERT_EQ_STR(api_problem_code(API_PROBLEM_UNAVAILABLE), "unavailable");
}

TEST(problem_every_type_has_a_section_in_docs_api_md)
{
	const char *doc = ds_test_read_file(ds_test_printf("%s/docs/api.md", ds_test_source_dir()), NULL);
	int p;

	ASSERT_MSG(doc, "docs/api.md is missing");
	for (p = 0; p < API_PROBLEM_COUNT; p++)
		ASSERT_MSG(strstr(doc, ds_test_printf("\n### %s\n", api_problem_code((enum api_problem)p))),
			   "docs/api.md has no section '### %s'", api_problem_code((enum api_problem)p));
}
