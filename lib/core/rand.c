/*
 * core/rand.c - random bytes, per-thread generator, UUIDs; see rand.h.
 */
#include "core/rand.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int ds_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* xoshiro-style state would do as well; splitmix64 is enough for ids and has one word of
 * state, seeded once per thread. */
static _Thread_local uint64_t state;
static _Thread_local int seeded;

uint64_t ds_random_u64(void)
{
	uint64_t z;

	if (!seeded) {
		if (ds_random_bytes(&state, sizeof(state))) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid();
		}
		seeded = 1;
	}
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int ds_uuid_v4(unsigned char out[16])
{
	if (ds_random_bytes(out, 16))
		return -1;
	out[6] = (unsigned char)((out[6] & 0x0f) | 0x40);
	out[8] = (unsigned char)((out[8] & 0x3f) | 0x80);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ds_uuid_parse(const char *s, size_t n, unsigned char out[16])
{
	size_t i, j = 0;

	if (n != DS_UUID_STR_LEN)
		return -1;
	for (i = 0; i < n;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			i++;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[j++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return j == 16 ? 0 : -1;
}

void ds_uuid_format(const unsigned char in[16], char out[DS_UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, j = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[in[i] >> 4];
		out[j++] = hex[in[i] & 15];
	}
	out[j] = '\0';
}
