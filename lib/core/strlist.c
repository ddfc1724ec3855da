/*
 * core/strlist.c - owned list of strings; see strlist.h.
 */
#include "core/strlist.h"

#include <stdlib.h>
#include <string.h>

int ds_strlist_addn(struct ds_strlist *l, const char *s, size_t n)
{
	char *copy;

	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 8;
		char **items = realloc(l->items, alloc * sizeof(*items));

		if (!items)
			return -1;
		l->items = items;
		l->alloc = alloc;
	}
	copy = strndup(s, n);
	if (!copy)
		return -1;
	l->items[l->n++] = copy;
	return 0;
}

int ds_strlist_add(struct ds_strlist *l, const char *s)
{
	return ds_strlist_addn(l, s, strlen(s));
}

long ds_strlist_find(const struct ds_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return (long)i;
	return -1;
}

void ds_strlist_release(struct ds_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->alloc = 0;
}
