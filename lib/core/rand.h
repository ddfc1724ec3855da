/*
 * core/rand.h - random identifiers: UUIDs (version 4) and request ids.
 *
 * Identifiers come from the kernel's CSPRNG (getrandom): a project id is visible to clients
 * and must not be guessable from a neighbour's. Request ids, made on every request, come from
 * a per-thread generator seeded from getrandom, which costs no system call per request.
 */
#ifndef DS_CORE_RAND_H
#define DS_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

#define DS_UUID_STR_LEN 36

/* Fill buf with n random bytes from the kernel. 0, or -1 (errno set) when getrandom fails. */
int ds_random_bytes(void *buf, size_t n);

/* A random 64-bit number from this thread's generator (not for secrets). */
uint64_t ds_random_u64(void);

/* 16 bytes of a random version 4, variant 1 UUID. 0 or -1. */
int ds_uuid_v4(unsigned char out[16]);

/* Parse the canonical 8-4-4-4-12 hex form (either case, exactly 36 characters) into 16
 * bytes. 0, or -1 when s is not a UUID. */
int ds_uuid_parse(const char *s, size_t n, unsigned char out[16]);

/* Lower-case canonical form, NUL-terminated (37 bytes). */
void ds_uuid_format(const unsigned char in[16], char out[DS_UUID_STR_LEN + 1]);

#endif
