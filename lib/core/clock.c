/*
 * core/clock.c - clocks and civil-date arithmetic; see clock.h.
 *
 * The day <-> date conversion is the well-known era-based algorithm for the proleptic
 * Gregorian calendar (400-year eras of 146097 days), exact for every int32 day count, with
 * no table and no libc time zone involvement.
 */
#include "core/clock.h"

#include <stdio.h>
#include <time.h>

int64_t ds_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ds_clock_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int32_t ds_date_from_ymd(int year, int month, int day)
{
	long long y = year - (month <= 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)(era * 146097 + doe - 719468);
}

void ds_date_to_ymd(int32_t days, int *year, int *month, int *day)
{
	long long z = (long long)days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = yoe + era * 400;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9;

	*year = (int)(y + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

static int digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int ds_date_parse(const char *s, size_t n, int32_t *days)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, max;

	if (n != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
	    digits(s + 8, 2, &d))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return -1;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	if (d > max)
		return -1;
	*days = ds_date_from_ymd(y, m, d);
	return 0;
}

size_t ds_date_format(int32_t days, char *buf)
{
	int y, m, d, n;

	ds_date_to_ymd(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		n = snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
	else
		n = snprintf(buf, 16, "%+d-%02d-%02d", y, m, d);
	return n > 0 ? (size_t)n : 0;
}

size_t ds_timestamp_format(int64_t micros, char *buf)
{
	int64_t days = micros / 86400000000LL, rem = micros % 86400000000LL;
	int y, m, d, n;

	if (rem < 0) {
		rem += 86400000000LL;
		days--;
	}
	ds_date_to_ymd((int32_t)days, &y, &m, &d);
	n = snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d,
		     (int)(rem / 3600000000LL), (int)(rem / 60000000LL % 60),
		     (int)(rem / 1000000 % 60), (int)(rem % 1000000));
	return n > 0 ? (size_t)n : 0;
}
