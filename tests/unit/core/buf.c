/* Tests for lib/core/buf.c: ceilings, formatting, JSON escaping. */
#include <stdlib.h>

#include "core/buf.h"
#include "test.h"

TEST(buf_add_past_ceiling_fails_and_keeps_content)
{
	struct ds_buf b = DS_BUF_INIT(8);

	ASSERT_EQ_INT(ds_buf_addstr(&b, "12345"), 0);
	ASSERT_EQ_INT(ds_buf_addstr(&b, "6789"), -1);
	ASSERT_EQ_STR(ds_buf_str(&b), "12345");
	ASSERT_EQ_INT(ds_buf_addstr(&b, "678"), 0);
	ASSERT_EQ_STR(ds_buf_str(&b), "12345678");
	ASSERT_EQ_INT(ds_buf_addch(&b, 'x'), -1);
	ds_buf_release(&b);
}

TEST(buf_addf_grows_past_small_scratch)
{
	struct ds_buf b = DS_BUF_INIT(0);
	char big[1000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_EQ_INT(ds_buf_addf(&b, "<%s|%d>", big, 42), 0);
	ASSERT_EQ_INT(b.len, 999 + 5);
	ASSERT_CONTAINS(ds_buf_str(&b), "a|42>");
	ds_buf_release(&b);
}

TEST(buf_addf_past_ceiling_fails)
{
	struct ds_buf b = DS_BUF_INIT(10);

	ASSERT_EQ_INT(ds_buf_addf(&b, "%s", "this is longer than ten"), -1);
	ASSERT_EQ_INT(b.len, 0);
	ASSERT_EQ_STR(ds_buf_str(&b), "");
	ds_buf_release(&b);
}

TEST(buf_json_escape_quotes_controls_and_bad_utf8)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff\xed\xa0\x80z";

	ASSERT_EQ_INT(ds_buf_add_json_escaped(&b, in, sizeof(in) - 1), 0);
	/* é stays, 0xff and the encoded surrogate each become U+FFFD (bytewise). */
	ASSERT_EQ_STR(ds_buf_str(&b), "a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
	ds_buf_release(&b);
}

TEST(buf_json_escape_is_all_or_nothing_at_ceiling)
{
	struct ds_buf b = DS_BUF_INIT(6);

	ASSERT_EQ_INT(ds_buf_addstr(&b, "ab"), 0);
	ASSERT_EQ_INT(ds_buf_add_json_escaped(&b, "\"\"\"", 3), -1);
	ASSERT_EQ_STR(ds_buf_str(&b), "ab");
	ds_buf_release(&b);
}

TEST(buf_detach_hands_over_and_empties)
{
	struct ds_buf b = DS_BUF_INIT(0);
	size_t len;
	char *s;

	s = ds_buf_detach(&b, &len);
	ASSERT_EQ_STR(s, "");
	ASSERT_EQ_INT(len, 0);
	free(s);
	ds_buf_addstr(&b, "hello");
	s = ds_buf_detach(&b, &len);
	ASSERT_EQ_STR(s, "hello");
	ASSERT_EQ_INT(len, 5);
	ASSERT_NULL(b.data);
	free(s);
}
