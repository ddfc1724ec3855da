/* Tests for lib/core/clock.c: civil dates, timestamps. */
#include "core/clock.h"
#include "test.h"

TEST(date_roundtrips_across_eras)
{
	static const int32_t days[] = {-719468, -1, 0, 1, 59, 365, 10957, 11016, 19723, 2932896};
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int y, m, d;

		ds_date_to_ymd(days[i], &y, &m, &d);
		ASSERT_EQ_INT(ds_date_from_ymd(y, m, d), days[i]);
	}
	ds_date_format(0, buf);
	ASSERT_EQ_STR(buf, "1970-01-01");
	ds_date_format(11016, buf); /* 2000-02-29: a leap day of a century leap year */
	ASSERT_EQ_STR(buf, "2000-02-29");
	ds_date_format(-1, buf);
	ASSERT_EQ_STR(buf, "1969-12-31");
}

TEST(date_parse_refuses_impossible_dates)
{
	int32_t d;

	ASSERT_EQ_INT(ds_date_parse("2024-02-29", 10, &d), 0);
	ASSERT_EQ_INT(d, 19782);
	ASSERT_EQ_INT(ds_date_parse("2023-02-29", 10, &d), -1);
	ASSERT_EQ_INT(ds_date_parse("1900-02-29", 10, &d), -1);
	ASSERT_EQ_INT(ds_date_parse("2024-13-01", 10, &d), -1);
	ASSERT_EQ_INT(ds_date_parse("2024-1-01", 9, &d), -1);
	ASSERT_EQ_INT(ds_date_parse("2024-01-01T", 11, &d), -1);
	ASSERT_EQ_INT(ds_date_parse("0000-01-01", 10, &d), -1);
}

TEST(timestamp_format_is_iso_utc_micros)
{
	char buf[40];

	ds_timestamp_format(0, buf);
	ASSERT_EQ_STR(buf, "1970-01-01T00:00:00.000000Z");
	ds_timestamp_format(1704067199999999LL, buf);
	ASSERT_EQ_STR(buf, "2023-12-31T23:59:59.999999Z");
	ds_timestamp_format(-1, buf);
	ASSERT_EQ_STR(buf, "1969-12-31T23:59:59.999999Z");
}
