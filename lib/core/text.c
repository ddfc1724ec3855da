/*
 * core/text.c - edit distance and UTF-8 validation; see text.h.
 */
#include "core/text.h"

#include <stdint.h>
#include <string.h>

static unsigned char fold(unsigned char c, int fold_case)
{
	return fold_case && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

size_t ds_edit_distance(const char *a, const char *b, int fold_case)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[DS_EDIT_DISTANCE_MAX_LEN + 1];

	if (la > DS_EDIT_DISTANCE_MAX_LEN || lb > DS_EDIT_DISTANCE_MAX_LEN)
		return (size_t)-1;
	/* One row of the classic table, updated in place: prev holds the diagonal. */
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev + (fold((unsigned char)a[i - 1], fold_case) !=
					     fold((unsigned char)b[j - 1], fold_case));
			size_t del = row[j] + 1, ins = row[j - 1] + 1, best;

			best = sub < del ? sub : del;
			best = best < ins ? best : ins;
			prev = row[j];
			row[j] = best;
		}
	}
	return row[lb];
}

size_t ds_utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long ds_base64_decode(const char *s, size_t n, unsigned char *out)
{
	unsigned acc = 0;
	int bits = 0;
	long o = 0;
	size_t i;

	for (i = 0; i < n && s[i] != '='; i++) {
		int v = base64_value((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	return o;
}
