/* Tests for lib/core/rand.c: UUIDs. */
#include "core/rand.h"
#include "test.h"

TEST(uuid_v4_has_version_and_variant)
{
	unsigned char u[16], back[16];
	char s[DS_UUID_STR_LEN + 1];

	ASSERT_EQ_INT(ds_uuid_v4(u), 0);
	ds_uuid_format(u, s);
	ASSERT_EQ_INT(strlen(s), 36);
	ASSERT_EQ_INT(s[14], '4');
	ASSERT(s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
	ASSERT_EQ_INT(ds_uuid_parse(s, 36, back), 0);
	ASSERT(!memcmp(u, back, 16));
}

TEST(uuid_parse_refuses_near_misses)
{
	unsigned char u[16];
	const char *good = "123E4567-e89b-12d3-a456-426614174000";

	ASSERT_EQ_INT(ds_uuid_parse(good, 36, u), 0);
	ASSERT_EQ_INT(u[0], 0x12);
	ASSERT_EQ_INT(ds_uuid_parse("123e4567e89b12d3a456426614174000", 32, u), -1);
	ASSERT_EQ_INT(ds_uuid_parse("123e4567-e89b-12d3-a456-42661417400g", 36, u), -1);
	ASSERT_EQ_INT(ds_uuid_parse("123e4567-e89b-12d3-a456_426614174000", 36, u), -1);
	ASSERT_EQ_INT(ds_uuid_parse("{23e4567-e89b-12d3-a456-426614174000", 36, u), -1);
}

TEST(random_u64_differs_between_calls)
{
	ASSERT_NE_INT(ds_random_u64(), ds_random_u64());
}
