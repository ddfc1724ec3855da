/* Tests for lib/core/text.c: edit distance, UTF-8 sequences and base64 decoding. */
#include "core/text.h"
#include "test.h"

TEST(text_edit_distance_counts_insertions_deletions_substitutions)
{
	ASSERT_EQ_INT(ds_edit_distance("", "", 0), 0);
	ASSERT_EQ_INT(ds_edit_distance("port", "port", 0), 0);
	ASSERT_EQ_INT(ds_edit_distance("prot", "port", 0), 2);
	ASSERT_EQ_INT(ds_edit_distance("1.2", "1.2.0", 0), 2);
	ASSERT_EQ_INT(ds_edit_distance("kitten", "sitting", 0), 3);
	ASSERT_EQ_INT(ds_edit_distance("", "nano", 0), 4);
}

TEST(text_edit_distance_folds_ascii_case_only_when_asked)
{
	ASSERT_EQ_INT(ds_edit_distance("Latest", "latest", 0), 1);
	ASSERT_EQ_INT(ds_edit_distance("Latest", "latest", 1), 0);
	/* Bytes past ASCII are compared as they are. */
	ASSERT_EQ_INT(ds_edit_distance("\xc3\x89", "\xc3\xa9", 1), 1);
}

TEST(text_edit_distance_refuses_strings_past_the_limit)
{
	char longer[DS_EDIT_DISTANCE_MAX_LEN + 2];

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ASSERT(ds_edit_distance(longer, "a", 0) == (size_t)-1);
	longer[DS_EDIT_DISTANCE_MAX_LEN] = '\0';
	ASSERT_EQ_INT(ds_edit_distance(longer, "a", 0), DS_EDIT_DISTANCE_MAX_LEN - 1);
}

TEST(text_utf8_seq_len_accepts_well_formed_and_refuses_the_rest)
{
	const unsigned char e_acute[] = {0xc3, 0xa9}, euro[] = {0xe2, 0x82, 0xac};
	const unsigned char emoji[] = {0xf0, 0x9f, 0xa6, 0x86};
	const unsigned char overlong[] = {0xc0, 0xaf}, surrogate[] = {0xed, 0xa0, 0x80};
	const unsigned char beyond[] = {0xf4, 0x90, 0x80, 0x80}, cont[] = {0x80};

	ASSERT_EQ_INT(ds_utf8_seq_len((const unsigned char *)"a", 1), 1);
	ASSERT_EQ_INT(ds_utf8_seq_len(e_acute, 2), 2);
	ASSERT_EQ_INT(ds_utf8_seq_len(euro, 3), 3);
	ASSERT_EQ_INT(ds_utf8_seq_len(emoji, 4), 4);
	ASSERT_EQ_INT(ds_utf8_seq_len(emoji, 3), 0); /* truncated */
	ASSERT_EQ_INT(ds_utf8_seq_len(overlong, 2), 0);
	ASSERT_EQ_INT(ds_utf8_seq_len(surrogate, 3), 0);
	ASSERT_EQ_INT(ds_utf8_seq_len(beyond, 4), 0);
	ASSERT_EQ_INT(ds_utf8_seq_len(cont, 1), 0);
	ASSERT_EQ_INT(ds_utf8_seq_len(cont, 0), 0);
}

/* Both alphabets (JWT payloads are URL-safe, config.json "auth" is standard), padding or
 * none, and nothing accepted outside them. */
TEST(text_base64_decode_reads_both_alphabets_with_or_without_padding)
{
	unsigned char out[64];

	ASSERT_EQ_INT(ds_base64_decode("YWxpY2U6czNjcmV0LXB3", 20, out), 15);
	ASSERT(!memcmp(out, "alice:s3cret-pw", 15));
	ASSERT_EQ_INT(ds_base64_decode("YQ==", 4, out), 1);
	ASSERT_EQ_INT(out[0], 'a');
	ASSERT_EQ_INT(ds_base64_decode("YQ", 2, out), 1);
	ASSERT_EQ_INT(ds_base64_decode("YWI", 3, out), 2);
	ASSERT(!memcmp(out, "ab", 2));
	/* 0xfb 0xff: "+/8" in the standard alphabet, "-_8" in the URL-safe one. */
	ASSERT_EQ_INT(ds_base64_decode("+/8", 3, out), 2);
	ASSERT(out[0] == 0xfb && out[1] == 0xff);
	ASSERT_EQ_INT(ds_base64_decode("-_8", 3, out), 2);
	ASSERT(out[0] == 0xfb && out[1] == 0xff);
	ASSERT_EQ_INT(ds_base64_decode("", 0, out), 0);
	/* n bounds the read: the rest of the string is not looked at. */
	ASSERT_EQ_INT(ds_base64_decode("YQ!!", 2, out), 1);
	ASSERT_EQ_INT(ds_base64_decode("YW Jj", 5, out), -1);
	ASSERT_EQ_INT(ds_base64_decode("YQ.", 3, out), -1);
}
