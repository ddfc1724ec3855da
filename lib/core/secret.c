/*
 * core/secret.c - wiped-on-release secret strings; see secret.h.
 */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ds_secret_release(struct ds_secret *s)
{
	if (s->value) {
		explicit_bzero(s->value, s->len);
		free(s->value);
	}
	s->value = NULL;
	s->len = 0;
}

int ds_secret_set(struct ds_secret *s, const char *v)
{
	ds_secret_release(s);
	if (!v || !*v)
		return 0;
	s->len = strlen(v);
	s->value = malloc(s->len + 1);
	if (!s->value) {
		s->len = 0;
		return -1;
	}
	memcpy(s->value, v, s->len + 1);
	return 0;
}

int ds_secret_read_fd(struct ds_secret *s, int fd, size_t max, struct ds_error *e)
{
	char *buf;
	size_t len = 0;
	ssize_t n;

	buf = malloc(max + 1);
	if (!buf)
		return ds_error_set(e, 0, "out of memory reading a secret");
	for (;;) {
		if (len == max) {
			/* One byte more decides whether the secret was too long. */
			char extra;

			do
				n = read(fd, &extra, 1);
			while (n < 0 && errno == EINTR);
			if (n > 0) {
				explicit_bzero(buf, len);
				free(buf);
				return ds_error_set(e, 0, "secret is longer than %zu bytes", max);
			}
			break;
		}
		n = read(fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			explicit_bzero(buf, len);
			free(buf);
			return ds_error_errno(e, err, "reading a secret");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (!len) {
		free(buf);
		return ds_error_set(e, 0, "secret is empty");
	}
	ds_secret_release(s);
	s->value = buf;
	s->len = len;
	return 0;
}

int ds_secret_read_file(struct ds_secret *s, const char *path, size_t max, struct ds_error *e)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ds_error_errno(e, errno, "open '%s'", path);
	r = ds_secret_read_fd(s, fd, max, e);
	close(fd);
	if (r)
		ds_error_prefix(e, "'%s'", path);
	return r;
}

int ds_secret_is_set(const struct ds_secret *s)
{
	return s->value != NULL;
}

const char *ds_secret_value(const struct ds_secret *s)
{
	return s->value ? s->value : "";
}
