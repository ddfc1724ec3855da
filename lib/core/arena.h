/*
 * core/arena.h - a bump allocator whose memory is released all at once.
 *
 * serve gives every request an arena and frees it when MHD reports the request complete, so
 * handlers allocate freely (parsed JSON, bound parameters, rendered strings) and nothing a
 * request allocated can outlive it or leak. A function that allocates from an arena takes
 * it as its first parameter, so its signature says how long the result lives.
 *
 * The first block may be storage the caller owns (a buffer inside the request struct), so a
 * small request costs no malloc at all. An arena has a ceiling like ds_buf: an allocation
 * that would pass it returns NULL, which callers report as "too big", never as a crash.
 * Not thread-safe: an arena belongs to one request, served by one thread at a time.
 */
#ifndef DS_CORE_ARENA_H
#define DS_CORE_ARENA_H

#include <stddef.h>

struct ds_arena_block;

struct ds_arena {
	struct ds_arena_block *blocks; /* malloc'd blocks, newest first */
	char *cur;                     /* free space in the current block */
	size_t left;
	size_t used;                   /* bytes handed out, for the ceiling and for tests */
	size_t cap;                    /* most bytes handed out; 0: no ceiling */
};

/* Start empty; the first allocation mallocs. cap as for ds_buf (0: none). */
void ds_arena_init(struct ds_arena *a, size_t cap);
/* Start with caller-owned storage (not freed by the arena; must outlive it). */
void ds_arena_init_with(struct ds_arena *a, void *mem, size_t n, size_t cap);

/* n bytes aligned for any type, or NULL past the ceiling or when memory is short. The
 * memory is not zeroed (ds_arena_calloc zeroes). */
void *ds_arena_alloc(struct ds_arena *a, size_t n);
void *ds_arena_calloc(struct ds_arena *a, size_t n);
/* A NUL-terminated copy of s (or of its first n bytes); NULL as for ds_arena_alloc. */
char *ds_arena_strdup(struct ds_arena *a, const char *s);
char *ds_arena_strndup(struct ds_arena *a, const char *s, size_t n);
char *ds_arena_printf(struct ds_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Free every block. The arena is empty and reusable with the same ceiling; caller storage
 * given to ds_arena_init_with() is forgotten (init again to reuse it). */
void ds_arena_release(struct ds_arena *a);

#endif
