/*
 * core/clock.h - the two clocks: monotonic for durations, real time for timestamps.
 *
 * Durations (request latency, drain deadlines, retry backoff) use CLOCK_MONOTONIC so that a
 * clock step cannot make a request take -3 s; stored timestamps use CLOCK_REALTIME in UTC.
 * Dates are civil (proleptic Gregorian) days since 1970-01-01, as DuckDB stores DATE.
 */
#ifndef DS_CORE_CLOCK_H
#define DS_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t ds_clock_mono_ns(void);
int64_t ds_clock_real_us(void); /* microseconds since 1970-01-01T00:00:00Z */

/* Days since 1970-01-01 for a civil date, and back. ds_date_from_ymd does no range check. */
int32_t ds_date_from_ymd(int year, int month, int day);
void ds_date_to_ymd(int32_t days, int *year, int *month, int *day);

/*
 * Parse exactly "YYYY-MM-DD" (a real calendar date, years 0001..9999) into days since the
 * epoch. 0 or -1.
 */
int ds_date_parse(const char *s, size_t n, int32_t *days);
/* "YYYY-MM-DD" (years outside 0..9999 are written with a sign and more digits); returns the
 * length written, buf must hold 16 bytes. */
size_t ds_date_format(int32_t days, char *buf);
/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" from microseconds since the epoch; buf holds 40 bytes. */
size_t ds_timestamp_format(int64_t micros, char *buf);

#endif
