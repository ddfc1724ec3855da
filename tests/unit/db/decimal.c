/* Tests for lib/db/decimal.c: exact parsing and formatting, no floating point anywhere. */
#include <stdio.h>

#include "db/decimal.h"
#include "test.h"

static const char *roundtrip(const char *in, int width, int scale)
{
	static char buf[256];
	struct db_decimal d;
	struct ds_error e = DS_ERROR_INIT;

	if (db_decimal_parse(in, strlen(in), width, scale, &d, &e)) {
		snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(buf) - 1, ds_error_msg(&e));
		return buf;
	}
	db_decimal_format(&d, buf);
	return buf;
}

TEST(decimal_parse_keeps_every_digit)
{
	ASSERT_EQ_STR(roundtrip("1234567890.12", 20, 2), "1234567890.12");
	/* 18 integer digits: past 2^53, where a double would lose units. */
	ASSERT_EQ_STR(roundtrip("999999999999999999.99", 20, 2), "999999999999999999.99");
	ASSERT_EQ_STR(roundtrip("-999999999999999999.99", 20, 2), "-999999999999999999.99");
	ASSERT_EQ_STR(roundtrip("0.1", 20, 2), "0.10");
	ASSERT_EQ_STR(roundtrip("5", 5, 2), "5.00");
	ASSERT_EQ_STR(roundtrip("-0.5", 5, 2), "-0.50");
	ASSERT_EQ_STR(roundtrip("-0", 5, 2), "0.00");
	ASSERT_EQ_STR(roundtrip("999.99", 5, 2), "999.99");
	ASSERT_EQ_STR(roundtrip("123", 3, 0), "123");
}

TEST(decimal_parse_applies_exponents_exactly)
{
	ASSERT_EQ_STR(roundtrip("1.5e3", 20, 2), "1500.00");
	ASSERT_EQ_STR(roundtrip("125E-2", 20, 2), "1.25");
	ASSERT_EQ_STR(roundtrip("1e-2", 20, 2), "0.01");
	ASSERT_EQ_STR(roundtrip("0.0001e4", 20, 2), "1.00");
	ASSERT_EQ_STR(roundtrip("12.340", 20, 2), "12.34");
	ASSERT_EQ_STR(roundtrip("0e999999", 20, 2), "0.00");
}

TEST(decimal_parse_refuses_lost_precision_and_overflow)
{
	ASSERT_CONTAINS(roundtrip("12.345", 20, 2), "more than 2 decimal places");
	ASSERT_CONTAINS(roundtrip("1e-3", 20, 2), "more than 2 decimal places");
	ASSERT_CONTAINS(roundtrip("1000", 5, 2), "does not fit DECIMAL(5,2)");
	ASSERT_CONTAINS(roundtrip("1e18", 20, 2), "does not fit DECIMAL(20,2)");
	ASSERT_EQ_STR(roundtrip("1e17", 20, 2), "100000000000000000.00");
}

TEST(decimal_parse_refuses_what_json_refuses)
{
	const char *bad[] = {"", "-", "+1", "01", ".5", "1.", "1e", "1e+", "0x10", "NaN", "1 ", " 1",
			     "1,5", "--1", "1.2.3", "Infinity"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct db_decimal d;
		struct ds_error e = DS_ERROR_INIT;

		ASSERT_MSG(db_decimal_parse(bad[i], strlen(bad[i]), 20, 2, &d, &e) == -1,
			   "'%s' was accepted", bad[i]);
	}
}

TEST(decimal_format_handles_the_widest_values)
{
	struct db_decimal d;
	char buf[DB_DECIMAL_STR_MAX];

	d.width = 38;
	d.scale = 0;
	d.unscaled = 1;
	for (int i = 0; i < 37; i++)
		d.unscaled = d.unscaled * 10 + 9;
	db_decimal_format(&d, buf);
	ASSERT_EQ_STR(buf, "19999999999999999999999999999999999999");
	d.unscaled = -d.unscaled;
	d.scale = 38;
	db_decimal_format(&d, buf);
	ASSERT_EQ_STR(buf, "-0.19999999999999999999999999999999999999");
	ASSERT_EQ_INT(db_decimal_sign(&d), -1);
}
