/*
 * core/secret.h - the one type that holds passwords and tokens.
 *
 * A secret is read from a file descriptor (--password-stdin, --token-file) or the
 * environment, never from argv, and its memory is zeroed when released. Nothing in this
 * tree passes a secret's value to a log or error format: code that needs the value asks
 * for it with ds_secret_value() at the one place it is sent (an Authorization header).
 */
#ifndef DS_CORE_SECRET_H
#define DS_CORE_SECRET_H

#include <stddef.h>

#include "core/error.h"

struct ds_secret {
	char *value; /* NUL-terminated, NULL when unset */
	size_t len;
};

#define DS_SECRET_INIT {NULL, 0}

/* Copy v (NULL or "" leaves s unset). Returns 0 or -1. Any previous value is wiped. */
int ds_secret_set(struct ds_secret *s, const char *v);
/* Read all of fd (at most max bytes) and drop one trailing "\n" or "\r\n", as a
 * password piped from `echo` or a file ends with one. An empty read is an error. */
int ds_secret_read_fd(struct ds_secret *s, int fd, size_t max, struct ds_error *e);
/* Read a whole file the same way (--token-file). */
int ds_secret_read_file(struct ds_secret *s, const char *path, size_t max, struct ds_error *e);
int ds_secret_is_set(const struct ds_secret *s);
const char *ds_secret_value(const struct ds_secret *s); /* "" when unset */
/* Zero and free. */
void ds_secret_release(struct ds_secret *s);

#endif
