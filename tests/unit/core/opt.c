/* Tests for lib/core/opt.c: the shared option parser and value parsers. */
#include "core/opt.h"
#include "test.h"

struct fixture {
	int json;
	const char *ref;
	long port;
	long wait_ms;
	long long mem;
	struct ds_strlist env;
	int cb_calls;
};

static int count_cb(const struct ds_option *o, const char *arg, struct ds_error *e)
{
	struct fixture *f = o->value;

	f->cb_calls++;
	if (arg && !strcmp(arg, "bad"))
		return ds_error_set(e, 0, "'%s' is refused", arg);
	return 0;
}

static int parse(struct fixture *f, int argc, const char **argv, struct ds_error *e)
{
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &f->json, "JSON output"),
		DS_OPT_STRING('r', "ref", &f->ref, "REF", "image reference"),
		DS_OPT_INT('p', "port", &f->port, 1, 65535, "port"),
		DS_OPT_DURATION(0, "wait", &f->wait_ms, "wait"),
		DS_OPT_SIZE(0, "memory-limit", &f->mem, "memory"),
		DS_OPT_LIST('e', "env", &f->env, "K=V", "variable"),
		DS_OPT_CALLBACK(0, "check", f, "X", "checked", count_cb, 0),
		DS_OPT_CALLBACK(0, "old-flag", f, NULL, NULL, count_cb, DS_OPT_NOARG),
		DS_OPT_END(),
	};

	return ds_opt_parse(argc, argv, opts, e);
}

TEST(opt_parse_mixes_positionals_and_all_value_forms)
{
	struct fixture f = {0};
	struct ds_error e = DS_ERROR_INIT;
	const char *argv[] = {"cmd", "one", "--json", "--ref=a/b", "-p", "8080", "two",
			      "--wait", "1m30s", "--memory-limit=256MiB", "-e", "A=1",
			      "--env=B=2", "--", "--not-an-option", NULL};
	int n = parse(&f, 15, argv, &e);

	ASSERT_EQ_INT(n, 3);
	ASSERT_EQ_STR(argv[0], "one");
	ASSERT_EQ_STR(argv[1], "two");
	ASSERT_EQ_STR(argv[2], "--not-an-option");
	ASSERT_EQ_INT(f.json, 1);
	ASSERT_EQ_STR(f.ref, "a/b");
	ASSERT_EQ_INT(f.port, 8080);
	ASSERT_EQ_INT(f.wait_ms, 90000);
	ASSERT_EQ_INT(f.mem, 256LL * 1024 * 1024);
	ASSERT_EQ_INT(f.env.n, 2);
	ASSERT_EQ_STR(f.env.items[1], "B=2");
	ds_strlist_release(&f.env);
}

TEST(opt_parse_unknown_option_suggests_nearest)
{
	struct fixture f = {0};
	struct ds_error e = DS_ERROR_INIT;
	const char *argv[] = {"cmd", "--prot", "80", NULL};

	ASSERT_EQ_INT(parse(&f, 3, argv, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "unknown option '--prot'; did you mean '--port'?");
}

TEST(opt_parse_hidden_option_is_never_suggested)
{
	struct fixture f = {0};
	struct ds_error e = DS_ERROR_INIT;
	const char *argv[] = {"cmd", "--old-flagg", NULL};

	ASSERT_EQ_INT(parse(&f, 2, argv, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "unknown option '--old-flagg'");
}

TEST(opt_parse_bad_values_name_the_option)
{
	struct {
		const char *arg, *val, *want;
	} cases[] = {
		{"--port", "80x", "option '--port': '80x' is not a number"},
		{"--port", "70000", "option '--port': '70000' is out of range (1..65535)"},
		{"--wait", "soon", "option '--wait': 'soon' is not a duration (try 500ms, 30s, 5m, 1h)"},
		{"--memory-limit", "lots", "option '--memory-limit': 'lots' is not a size (try 512MB, 256MiB, 1GB)"},
		{"--check", "bad", "option '--check': 'bad' is refused"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f = {0};
		struct ds_error e = DS_ERROR_INIT;
		const char *argv[] = {"cmd", cases[i].arg, cases[i].val, NULL};

		ASSERT_EQ_INT(parse(&f, 3, argv, &e), -1);
		ASSERT_EQ_STR(ds_error_msg(&e), cases[i].want);
	}
}

TEST(opt_parse_missing_value_and_value_on_bool_are_errors)
{
	struct fixture f = {0};
	struct ds_error e = DS_ERROR_INIT;
	const char *a1[] = {"cmd", "--ref", NULL};
	const char *a2[] = {"cmd", "--json=yes", NULL};

	ASSERT_EQ_INT(parse(&f, 2, a1, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "option '--ref' needs a value");
	ds_error_init(&e);
	ASSERT_EQ_INT(parse(&f, 2, a2, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "option '--json' takes no value");
}

TEST(opt_parse_no_prefix_clears_bool_and_help_is_reported)
{
	struct fixture f = {.json = 1};
	struct ds_error e = DS_ERROR_INIT;
	const char *a1[] = {"cmd", "--no-json", NULL};
	const char *a2[] = {"cmd", "x", "--help", NULL};
	const char *a3[] = {"cmd", "--old-flag", NULL};

	ASSERT_EQ_INT(parse(&f, 2, a1, &e), 0);
	ASSERT_EQ_INT(f.json, 0);
	ASSERT_EQ_INT(parse(&f, 3, a2, &e), DS_OPT_HELP_REQUESTED);
	ASSERT_EQ_INT(parse(&f, 2, a3, &e), 0);
	ASSERT_EQ_INT(f.cb_calls, 1);
}

TEST(opt_usage_lists_visible_options_only)
{
	struct fixture f = {0};
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &f.json, "JSON output"),
		DS_OPT_STRING('r', "ref", &f.ref, "REF", "image reference"),
		DS_OPT_CALLBACK(0, "old-flag", &f, NULL, NULL, count_cb, DS_OPT_NOARG),
		DS_OPT_END(),
	};
	struct ds_buf b = DS_BUF_INIT(0);

	ds_opt_usage(&b, "image check [<options>] REF", opts);
	ASSERT_CONTAINS(ds_buf_str(&b), "usage: image check [<options>] REF\n");
	ASSERT_CONTAINS(ds_buf_str(&b), "-r, --ref=REF");
	ASSERT_CONTAINS(ds_buf_str(&b), "--json");
	ASSERT_NOT_CONTAINS(ds_buf_str(&b), "old-flag");
	ds_buf_release(&b);
}

TEST(opt_duration_and_size_parse_units)
{
	struct ds_error e = DS_ERROR_INIT;
	long ms;
	long long bytes;

	ASSERT_EQ_INT(ds_parse_duration_ms("500ms", &ms, &e), 0);
	ASSERT_EQ_INT(ms, 500);
	ASSERT_EQ_INT(ds_parse_duration_ms("5m", &ms, &e), 0);
	ASSERT_EQ_INT(ms, 300000);
	ASSERT_EQ_INT(ds_parse_duration_ms("2", &ms, &e), 0);
	ASSERT_EQ_INT(ms, 2000);
	ASSERT_EQ_INT(ds_parse_duration_ms("1h5", &ms, &e), -1);
	ASSERT_EQ_INT(ds_parse_size("1GB", &bytes, &e), 0);
	ASSERT_EQ_INT(bytes, 1000000000LL);
	ASSERT_EQ_INT(ds_parse_size("64k", &bytes, &e), 0);
	ASSERT_EQ_INT(bytes, 65536);
	ASSERT_EQ_INT(ds_parse_size("-1MB", &bytes, &e), -1);
}
