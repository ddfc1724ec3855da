/*
 * db/decimal.c - exact decimal parsing and formatting; see decimal.h.
 *
 * The literal is split into sign, integer digits, fraction digits and an exponent, the
 * exponent is folded into the position of the decimal point, and the digits are
 * accumulated into a 128-bit integer only after the digit counts have been checked against
 * width and scale, so the accumulation cannot overflow.
 */
#include "db/decimal.h"

#include <string.h>

typedef db_int128 i128;
typedef db_uint128 u128;

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int db_decimal_parse(const char *s, size_t n, int width, int scale, struct db_decimal *out,
		     struct ds_error *e)
{
	const char *p = s, *end = s + n, *int_start, *frac_start = NULL;
	size_t int_len, frac_len = 0, i;
	long long exp = 0;
	int neg = 0;
	char digits[96];
	size_t nd = 0, point; /* digits[0..nd), decimal point after digits[point-1] */
	size_t first, last;
	i128 v = 0;

	if (width < 1 || width > DB_DECIMAL_MAX_WIDTH || scale < 0 || scale > width)
		return ds_error_set(e, 0, "DECIMAL(%d,%d) is not a valid type", width, scale);
	if (n == 0)
		return ds_error_set(e, 0, "empty value is not a number");
	if (*p == '-') {
		neg = 1;
		p++;
	}
	int_start = p;
	while (p < end && is_digit(*p))
		p++;
	int_len = (size_t)(p - int_start);
	/* JSON's grammar: no leading zeros ("012"), at least one integer digit (".5"). */
	if (int_len == 0 || (int_len > 1 && *int_start == '0'))
		goto bad;
	if (p < end && *p == '.') {
		frac_start = ++p;
		while (p < end && is_digit(*p))
			p++;
		frac_len = (size_t)(p - frac_start);
		if (frac_len == 0)
			goto bad;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		const char *es;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		es = p;
		while (p < end && is_digit(*p)) {
			if (exp < 100000)
				exp = exp * 10 + (*p - '0');
			p++;
		}
		if (p == es)
			goto bad;
		if (eneg)
			exp = -exp;
	}
	if (p != end)
		goto bad;

	/* Significant digits without leading zeros, and where the point sits among them. */
	for (i = 0; i < int_len && int_start[i] == '0'; i++)
		;
	if (int_len - i + frac_len > sizeof(digits))
		return ds_error_set(e, 0, "'%.*s' has too many digits", (int)(n > 64 ? 64 : n), s);
	memcpy(digits, int_start + i, int_len - i);
	nd = int_len - i;
	point = nd;
	if (frac_len) {
		memcpy(digits + nd, frac_start, frac_len);
		nd += frac_len;
	}
	/* Apply the exponent: the point moves right by exp. Work in a signed position. */
	{
		long long pos = (long long)point + exp;
		long long int_digits, frac_digits;

		/* Trailing zeros after the point do not count against the scale. */
		last = nd;
		while (last > 0 && digits[last - 1] == '0' && (long long)last > pos)
			last--;
		first = 0;
		while (first < last && digits[first] == '0')
			first++;
		if (first == last) {
			out->unscaled = 0;
			out->width = (uint8_t)width;
			out->scale = (uint8_t)scale;
			return 0;
		}
		int_digits = pos - (long long)first; /* digits before the point, from first */
		frac_digits = (long long)last - pos;  /* digits after the point, up to last */
		if (frac_digits > scale)
			return ds_error_set(e, 0, "'%.*s' has more than %d decimal place%s",
					    (int)(n > 64 ? 64 : n), s, scale, scale == 1 ? "" : "s");
		if (int_digits > width - scale)
			return ds_error_set(e, 0, "'%.*s' does not fit DECIMAL(%d,%d) (at most %d digit%s before the point)",
					    (int)(n > 64 ? 64 : n), s, width, scale, width - scale,
					    width - scale == 1 ? "" : "s");
		/* unscaled = digits[first..last) shifted so that exactly scale digits follow
		 * the point. Digits left of first (zeros) and positions past last contribute
		 * zeros. At most width digits in all: no overflow in 128 bits. */
		{
			long long k, from = pos - (width - scale), to = pos + scale;

			if (from < 0)
				from = 0;
			for (k = from; k < to; k++) {
				int dgt = (k >= (long long)first && k < (long long)last) ? digits[k] - '0' : 0;

				v = v * 10 + dgt;
			}
		}
	}
	out->unscaled = neg ? -v : v;
	out->width = (uint8_t)width;
	out->scale = (uint8_t)scale;
	return 0;
bad:
	return ds_error_set(e, 0, "'%.*s' is not a number", (int)(n > 64 ? 64 : n), s);
}

size_t db_decimal_format(const struct db_decimal *d, char *buf)
{
	char tmp[DB_DECIMAL_STR_MAX];
	size_t n = 0, len = 0, i;
	u128 v;
	int neg = d->unscaled < 0;

	v = neg ? (u128)0 - (u128)d->unscaled : (u128)d->unscaled;
	/* Digits in reverse: scale fraction digits, then at least one integer digit. */
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v || n <= d->scale);
	if (neg)
		buf[len++] = '-';
	for (i = n; i > 0; i--) {
		if (i == d->scale && d->scale)
			buf[len++] = '.';
		buf[len++] = tmp[i - 1];
	}
	buf[len] = '\0';
	return len;
}

int db_decimal_sign(const struct db_decimal *d)
{
	return d->unscaled < 0 ? -1 : d->unscaled > 0;
}
