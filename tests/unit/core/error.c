/* Tests for lib/core/error.c: first message wins, context is prefixed. */
#include <errno.h>

#include "core/error.h"
#include "test.h"

static int inner(struct ds_error *e)
{
	return ds_error_set(e, 42, "line %d column %d: unexpected '%c'", 1, 18, '}');
}

TEST(error_first_message_wins_and_context_is_prefixed)
{
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(inner(&e), -1);
	ds_error_set(&e, 7, "a later, vaguer message");
	ds_error_prefix(&e, "reading the request body");
	ASSERT_EQ_STR(ds_error_msg(&e), "reading the request body: line 1 column 18: unexpected '}'");
	ASSERT_EQ_INT(e.code, 42);
}

TEST(error_errno_appends_strerror)
{
	struct ds_error e = DS_ERROR_INIT;

	ds_error_errno(&e, ENOENT, "open '%s'", "/nope");
	ASSERT_EQ_STR(ds_error_msg(&e), "open '/nope': No such file or directory");
	ASSERT_EQ_INT(e.code, ENOENT);
}

TEST(error_unset_reads_unknown_and_prefix_is_noop)
{
	struct ds_error e = DS_ERROR_INIT;

	ds_error_prefix(&e, "context");
	ASSERT_EQ_INT(e.set, 0);
	ASSERT_EQ_STR(ds_error_msg(&e), "unknown error");
	ASSERT_EQ_INT(ds_error_set(NULL, 0, "no crash"), -1);
}
