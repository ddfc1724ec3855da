/*
 * core/text.h - small text algorithms more than one module needs.
 *
 * Edit distance drives every "did you mean" in the tool (option names, instance types and
 * regions, the nearest tags of a missing image tag); UTF-8 validation keeps every JSON we
 * write valid whatever bytes arrive; base64 decoding reads JWT payloads and config.json
 * "auth" entries. Pure functions, no allocation.
 */
#ifndef DS_CORE_TEXT_H
#define DS_CORE_TEXT_H

#include <stddef.h>

#define DS_EDIT_DISTANCE_MAX_LEN 128

/* Levenshtein distance between a and b (byte-wise; ASCII case folded when fold_case), or
 * (size_t)-1 when either is longer than DS_EDIT_DISTANCE_MAX_LEN. */
size_t ds_edit_distance(const char *a, const char *b, int fold_case);

/* Length of the well-formed UTF-8 sequence at s (at most n bytes: 1 to 4), or 0 when the
 * bytes there are not UTF-8 (overlong forms, surrogates and code points past U+10FFFF are
 * not). */
size_t ds_utf8_seq_len(const unsigned char *s, size_t n);

/* Decode base64 of s[0..n), standard or URL-safe alphabet, padding optional (decoding stops
 * at the first '='), into out, which has room for n / 4 * 3 + 2 bytes. Returns the decoded
 * length, or -1 at a character of neither alphabet. */
long ds_base64_decode(const char *s, size_t n, unsigned char *out);

#endif
