/*
 * core/strlist.h - an owned, growable list of strings.
 *
 * Used for repeated flags (--env K=V --env K2=V2), header lists and suggestions. The list
 * owns copies of what is appended; ds_strlist_release() frees them all.
 */
#ifndef DS_CORE_STRLIST_H
#define DS_CORE_STRLIST_H

#include <stddef.h>

struct ds_strlist {
	char **items;
	size_t n;
	size_t alloc;
};

#define DS_STRLIST_INIT {NULL, 0, 0}

/* Append a copy of s (or of its first n bytes). Returns 0, or -1 when memory is short. */
int ds_strlist_add(struct ds_strlist *l, const char *s);
int ds_strlist_addn(struct ds_strlist *l, const char *s, size_t n);
/* Index of the first item equal to s, or -1. */
long ds_strlist_find(const struct ds_strlist *l, const char *s);
void ds_strlist_release(struct ds_strlist *l);

#endif
