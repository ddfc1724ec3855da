/*
 * db/decimal.h - exact DECIMAL(width, scale) values, from text and back to text.
 *
 * A money amount must never pass through a double: 1234567890.12 has no exact binary form,
 * and DECIMAL(20,2) holds values past 2^53 where doubles lose whole units. A value is kept
 * as DuckDB keeps it, an integer count of 10^-scale units ("unscaled"), 128 bits wide, so
 * the text a client sent and the text we send back are the same digits.
 *
 * Parsing is strict on purpose: more fraction digits than the scale is an error, not a
 * rounding ("12.345" is refused for a DECIMAL(20,2), "12.340" is accepted), and a value with
 * more integer digits than width - scale allows is out of range. No I/O, no allocation.
 */
#ifndef DS_DB_DECIMAL_H
#define DS_DB_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DB_DECIMAL_MAX_WIDTH 38
#define DB_DECIMAL_STR_MAX 48 /* sign, 38 digits, point, NUL, with room to spare */

/* 128-bit integers (a GCC/Clang extension on every 64-bit target we build for). */
__extension__ typedef __int128 db_int128;
__extension__ typedef unsigned __int128 db_uint128;

struct db_decimal {
	db_int128 unscaled; /* value * 10^scale */
	uint8_t width;                   /* total digits, 1..38 */
	uint8_t scale;                   /* digits after the point, 0..width */
};

/*
 * Parse a JSON number literal or a plain decimal string ("-12", "12.5", "1.25e3", "0.10")
 * into a DECIMAL(width, scale). No leading '+', no spaces, no hex, no "NaN"; an exponent is
 * applied exactly. Returns 0, or -1 with e saying what is wrong in words fit for a client:
 * "'12.345' has more than 2 decimal places", "'1e30' does not fit DECIMAL(20,2)".
 */
int db_decimal_parse(const char *s, size_t n, int width, int scale, struct db_decimal *out,
		     struct ds_error *e);

/* The canonical text: all scale digits written ("5.00", "-0.50", "1234567890.12"). Returns
 * the length written to buf (which holds DB_DECIMAL_STR_MAX bytes). */
size_t db_decimal_format(const struct db_decimal *d, char *buf);

/* Sign of the value: -1, 0, 1. */
int db_decimal_sign(const struct db_decimal *d);

#endif
