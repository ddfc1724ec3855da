/* Tests for lib/core/arena.c: bump allocation, ceilings, caller storage. */
#include <stdint.h>

#include "core/arena.h"
#include "test.h"

TEST(arena_alloc_is_aligned_and_distinct)
{
	struct ds_arena a;
	char *p, *q;

	ds_arena_init(&a, 0);
	p = ds_arena_alloc(&a, 3);
	q = ds_arena_alloc(&a, 5);
	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(q);
	ASSERT_EQ_INT((uintptr_t)p % _Alignof(max_align_t), 0);
	ASSERT_EQ_INT((uintptr_t)q % _Alignof(max_align_t), 0);
	ASSERT(q >= p + 3);
	ds_arena_release(&a);
}

TEST(arena_ceiling_refuses_without_damage)
{
	struct ds_arena a;
	char *p;

	ds_arena_init(&a, 1024);
	p = ds_arena_strdup(&a, "kept");
	ASSERT_NOT_NULL(p);
	ASSERT_NULL(ds_arena_alloc(&a, 4096));
	ASSERT_NULL(ds_arena_alloc(&a, SIZE_MAX));
	ASSERT_EQ_STR(p, "kept");
	ASSERT_NOT_NULL(ds_arena_alloc(&a, 100));
	ds_arena_release(&a);
}

TEST(arena_uses_caller_storage_first)
{
	char mem[512];
	struct ds_arena a;
	char *p;

	ds_arena_init_with(&a, mem, sizeof(mem), 0);
	p = ds_arena_alloc(&a, 100);
	ASSERT(p >= mem && p < mem + sizeof(mem));
	ASSERT_NULL(a.blocks);
	/* Past the storage, it mallocs. */
	p = ds_arena_alloc(&a, 1000);
	ASSERT_NOT_NULL(p);
	ASSERT(p < mem || p >= mem + sizeof(mem));
	ds_arena_release(&a);
}

TEST(arena_big_allocations_keep_small_space_usable)
{
	struct ds_arena a;
	char *small1, *big, *small2;
	int i;

	ds_arena_init(&a, 0);
	small1 = ds_arena_alloc(&a, 16);
	big = ds_arena_alloc(&a, 1 << 20);
	small2 = ds_arena_alloc(&a, 16);
	ASSERT_NOT_NULL(big);
	/* The big block did not replace the current one: small2 follows small1. */
	ASSERT(small2 > small1 && small2 < small1 + 4096);
	for (i = 0; i < 1000; i++)
		ASSERT_NOT_NULL(ds_arena_printf(&a, "line %d", i));
	ds_arena_release(&a);
	ASSERT_EQ_INT(a.used, 0);
}

TEST(arena_printf_and_strndup_terminate)
{
	struct ds_arena a;

	ds_arena_init(&a, 0);
	ASSERT_EQ_STR(ds_arena_printf(&a, "%s-%d", "x", 42), "x-42");
	ASSERT_EQ_STR(ds_arena_strndup(&a, "abcdef", 3), "abc");
	ds_arena_release(&a);
}
