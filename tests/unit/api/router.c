/* Tests for lib/api/router.c: template matching, 404 versus 405, Allow. */
#include "api/router.h"
#include "test.h"

static enum api_result h(struct api_req *r)
{
	return API_DONE;
}

static const struct api_route table[] = {
	{API_GET, "/", h, 0},
	{API_GET, "/health", h, 0},
	{API_POST, "/ops/projects", h, 0},
	{API_GET, "/ops/projects", h, 0},
	{API_GET, "/ops/projects/{id}", h, 0},
	{API_PATCH, "/ops/projects/{id}", h, 0},
	{API_DELETE, "/ops/projects/{id}", h, 0},
	{API_GET, "/a/{x}/b/{y}", h, 0},
};
#define N (sizeof(table) / sizeof(table[0]))

static int route(enum api_method m, const char *path, struct api_match *out)
{
	api_route_match(table, N, 0, m, path, out);
	return out->route;
}

TEST(router_matches_templates_and_extracts_params)
{
	struct api_match m;

	ASSERT_EQ_INT(route(API_GET, "/", &m), 0);
	ASSERT_EQ_INT(route(API_GET, "/ops/projects", &m), 3);
	ASSERT_EQ_INT(route(API_POST, "/ops/projects", &m), 2);
	ASSERT_EQ_INT(route(API_PATCH, "/ops/projects/abc", &m), 5);
	ASSERT_EQ_INT(m.nparams, 1);
	ASSERT(m.param_lens[0] == 3 && !memcmp(m.params[0], "abc", 3));
	ASSERT_EQ_INT(route(API_GET, "/a/1/b/22", &m), 7);
	ASSERT_EQ_INT(m.nparams, 2);
	ASSERT(m.param_lens[1] == 2 && !memcmp(m.params[1], "22", 2));
}

TEST(router_ignores_one_trailing_slash_only)
{
	struct api_match m;

	ASSERT_EQ_INT(route(API_GET, "/ops/projects/", &m), 3);
	ASSERT_EQ_INT(route(API_GET, "/health/", &m), 1);
	ASSERT_EQ_INT(route(API_GET, "/ops/projects//", &m), -1);
	ASSERT_EQ_INT(route(API_GET, "//health", &m), -1);
}

TEST(router_unknown_path_is_404_known_path_wrong_method_is_405)
{
	struct api_match m;
	struct ds_buf b = DS_BUF_INIT(0);

	ASSERT_EQ_INT(route(API_GET, "/nope", &m), -1);
	ASSERT_EQ_INT(m.allow, 0);
	ASSERT_EQ_INT(route(API_GET, "/ops/projects/x/y", &m), -1);
	ASSERT_EQ_INT(m.allow, 0);
	ASSERT_EQ_INT(route(API_GET, "/ops/projects/", &m), 3);
	ASSERT_EQ_INT(route(API_PUT, "/ops/projects/x", &m), -1);
	ASSERT_EQ_INT(m.allow, API_GET | API_PATCH | API_DELETE);
	api_allow_header(m.allow, &b);
	ASSERT_EQ_STR(ds_buf_str(&b), "GET, HEAD, PATCH, DELETE");
	ds_buf_release(&b);
	/* An empty parameter does not match. */
	ASSERT_EQ_INT(route(API_GET, "/a//b/1", &m), -1);
}

TEST(router_head_is_served_by_get_rows)
{
	struct api_match m;

	ASSERT_EQ_INT(route(API_HEAD, "/health", &m), 1);
	ASSERT_EQ_INT(route(API_HEAD, "/ops/projects/1", &m), 4);
	ASSERT_EQ_INT(route(API_DELETE, "/health", &m), -1);
	ASSERT_EQ_INT(m.allow, API_GET);
}

TEST(router_methods_parse_case_sensitively)
{
	ASSERT_EQ_INT(api_method_parse("GET"), API_GET);
	ASSERT_EQ_INT(api_method_parse("get"), API_OTHER);
	ASSERT_EQ_INT(api_method_parse("BREW"), API_OTHER);
	ASSERT_EQ_STR(api_method_name(API_PATCH), "PATCH");
	ASSERT_EQ_STR(api_method_name(API_OTHER), "OTHER");
}
