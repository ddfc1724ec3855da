/*
 * core/arena.c - bump allocation in blocks; see arena.h.
 *
 * Blocks grow geometrically (4 KiB, 8 KiB, ... up to 256 KiB) and an allocation larger than
 * a quarter of the next block gets a block of its own, so a 1 MiB request body does not
 * waste a 1 MiB tail.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN (_Alignof(max_align_t))
#define FIRST_BLOCK 4096
#define MAX_BLOCK (256 * 1024)

struct ds_arena_block {
	struct ds_arena_block *next;
	size_t size;
	max_align_t data[];
};

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

void ds_arena_init(struct ds_arena *a, size_t cap)
{
	a->blocks = NULL;
	a->cur = NULL;
	a->left = 0;
	a->used = 0;
	a->cap = cap;
}

void ds_arena_init_with(struct ds_arena *a, void *mem, size_t n, size_t cap)
{
	uintptr_t p = (uintptr_t)mem, q = (p + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);

	ds_arena_init(a, cap);
	if (mem && n > q - p) {
		a->cur = (char *)q;
		a->left = n - (size_t)(q - p);
	}
}

static size_t next_block_size(const struct ds_arena *a)
{
	size_t size = a->blocks ? a->blocks->size * 2 : FIRST_BLOCK;

	return size > MAX_BLOCK ? MAX_BLOCK : size;
}

void *ds_arena_alloc(struct ds_arena *a, size_t n)
{
	struct ds_arena_block *b;
	size_t need, size;
	void *p;

	if (n > SIZE_MAX - ALIGN)
		return NULL;
	need = round_up(n ? n : 1);
	if (a->cap && (need > a->cap || a->used > a->cap - need))
		return NULL;
	if (need <= a->left) {
		p = a->cur;
		a->cur += need;
		a->left -= need;
		a->used += need;
		return p;
	}
	size = next_block_size(a);
	if (need > size / 4) {
		/* A big allocation gets its own block, linked behind the current one so that
		 * the current block's free space stays usable. */
		b = malloc(sizeof(*b) + need);
		if (!b)
			return NULL;
		b->size = need;
		if (a->blocks) {
			b->next = a->blocks->next;
			a->blocks->next = b;
		} else {
			b->next = NULL;
			a->blocks = b;
		}
		a->used += need;
		return b->data;
	}
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->next = a->blocks;
	a->blocks = b;
	a->cur = (char *)b->data + need;
	a->left = size - need;
	a->used += need;
	return b->data;
}

void *ds_arena_calloc(struct ds_arena *a, size_t n)
{
	void *p = ds_arena_alloc(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *ds_arena_strndup(struct ds_arena *a, const char *s, size_t n)
{
	char *p = n == SIZE_MAX ? NULL : ds_arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ds_arena_strdup(struct ds_arena *a, const char *s)
{
	return ds_arena_strndup(a, s, strlen(s));
}

char *ds_arena_printf(struct ds_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = ds_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void ds_arena_release(struct ds_arena *a)
{
	while (a->blocks) {
		struct ds_arena_block *b = a->blocks;

		a->blocks = b->next;
		free(b);
	}
	/* Caller storage, if any, is not remembered: the arena restarts from malloc'd
	 * blocks. Callers that reuse an arena re-init it with their storage. */
	a->cur = NULL;
	a->left = 0;
	a->used = 0;
}
