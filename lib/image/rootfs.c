/*
 * image/rootfs.c - an image's file tree and this binary's shared-library closure; see
 * rootfs.h.
 */
#include "image/rootfs.h"

#include "image/elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static struct image_entry *add(struct image_rootfs *r, enum image_entry_type type,
			       const char *path, struct ds_error *e)
{
	struct image_entry *x;
	size_t len;

	path = rel(path);
	len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	if (!len) {
		ds_error_set(e, 0, "image path '%s' is the root", path);
		return NULL;
	}
	if (r->n == r->alloc) {
		size_t alloc = r->alloc ? r->alloc * 2 : 32;
		struct image_entry *v = realloc(r->v, alloc * sizeof(*v));

		if (!v) {
			ds_error_set(e, 0, "out of memory");
			return NULL;
		}
		r->v = v;
		r->alloc = alloc;
	}
	x = &r->v[r->n];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->path = strndup(path, len);
	if (!x->path) {
		ds_error_set(e, 0, "out of memory");
		return NULL;
	}
	r->n++;
	return x;
}

int image_rootfs_has(const struct image_rootfs *r, const char *path)
{
	size_t i;

	path = rel(path);
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].path, path))
			return 1;
	return 0;
}

int image_rootfs_add_dir(struct image_rootfs *r, const char *path, unsigned mode, unsigned uid,
			 unsigned gid, struct ds_error *e)
{
	struct image_entry *x = add(r, IMAGE_ENTRY_DIR, path, e);

	if (!x)
		return -1;
	x->mode = mode;
	x->uid = uid;
	x->gid = gid;
	return 0;
}

int image_rootfs_add_file(struct image_rootfs *r, const char *path, const char *host_path,
			  unsigned mode, struct ds_error *e)
{
	struct image_entry *x = add(r, IMAGE_ENTRY_FILE, path, e);

	if (!x)
		return -1;
	x->mode = mode;
	x->source = strdup(host_path);
	if (!x->source)
		return ds_error_set(e, 0, "out of memory");
	return 0;
}

int image_rootfs_add_elf(struct image_rootfs *r, const char *path, const char *host_path,
			 unsigned mode, struct ds_error *e)
{
	if (image_rootfs_add_file(r, path, host_path, mode, e))
		return -1;
	r->v[r->n - 1].strip = 1;
	return 0;
}

int image_rootfs_add_data(struct image_rootfs *r, const char *path, const char *data, size_t len,
			  unsigned mode, struct ds_error *e)
{
	struct image_entry *x = add(r, IMAGE_ENTRY_DATA, path, e);

	if (!x)
		return -1;
	x->mode = mode;
	x->data = malloc(len + 1);
	if (!x->data)
		return ds_error_set(e, 0, "out of memory");
	memcpy(x->data, data, len);
	x->data[len] = '\0';
	x->data_len = len;
	return 0;
}

int image_rootfs_add_symlink(struct image_rootfs *r, const char *path, const char *target,
			     struct ds_error *e)
{
	struct image_entry *x = add(r, IMAGE_ENTRY_SYMLINK, path, e);

	if (!x)
		return -1;
	x->mode = 0777;
	x->source = strdup(target);
	if (!x->source)
		return ds_error_set(e, 0, "out of memory");
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct image_entry *)a)->path, ((const struct image_entry *)b)->path);
}

/* Add every missing ancestor directory of every entry. */
static int add_parents(struct image_rootfs *r, struct ds_error *e)
{
	size_t i, n = r->n;

	for (i = 0; i < n; i++) {
		char *p = strdup(r->v[i].path), *slash;

		if (!p)
			return ds_error_set(e, 0, "out of memory");
		while ((slash = strrchr(p, '/'))) {
			*slash = '\0';
			if (!image_rootfs_has(r, p) && image_rootfs_add_dir(r, p, 0755, 0, 0, e)) {
				free(p);
				return -1;
			}
		}
		free(p);
	}
	return 0;
}

static int copy_file(struct image_tar *t, const struct image_entry *x,
		     const struct image_tar_meta *m, struct ds_error *e)
{
	char buf[1 << 16];
	struct stat st;
	int fd, r = -1;

	if (x->strip) {
		struct ds_buf b = DS_BUF_INIT(0);
		int s = image_elf_strip(x->source, &b, e);

		if (s > 0)
			r = image_tar_file_begin(t, x->path, b.len, m, e) ||
			    image_tar_write(t, b.data, b.len, e) || image_tar_file_end(t, e);
		ds_buf_release(&b);
		if (s < 0 || (s > 0 && r)) {
			ds_error_prefix(e, "adding '/%s'", x->path);
			return -1;
		}
		if (s > 0)
			return 0;
	}

	fd = open(x->source, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ds_error_errno(e, errno, "open '%s'", x->source);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return ds_error_set(e, 0, "'%s' is not a regular file", x->source);
	}
	if (image_tar_file_begin(t, x->path, (uint64_t)st.st_size, m, e))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ds_error_errno(e, errno, "read '%s'", x->source);
			goto out;
		}
		if (n == 0)
			break;
		if (image_tar_write(t, buf, (size_t)n, e))
			goto out;
	}
	r = image_tar_file_end(t, e);
out:
	close(fd);
	if (r)
		ds_error_prefix(e, "adding '/%s'", x->path);
	return r;
}

int image_rootfs_write(struct image_rootfs *r, struct image_tar *t, long long mtime,
		       struct ds_error *e)
{
	size_t i;

	if (add_parents(r, e))
		return -1;
	qsort(r->v, r->n, sizeof(r->v[0]), by_path);
	for (i = 1; i < r->n; i++)
		if (!strcmp(r->v[i - 1].path, r->v[i].path))
			return ds_error_set(e, 0, "image path '/%s' is added twice", r->v[i].path);
	for (i = 0; i < r->n; i++) {
		const struct image_entry *x = &r->v[i];
		struct image_tar_meta m = {x->mode, x->uid, x->gid, mtime};
		int rc = 0;

		switch (x->type) {
		case IMAGE_ENTRY_DIR:
			rc = image_tar_dir(t, x->path, &m, e);
			break;
		case IMAGE_ENTRY_SYMLINK:
			rc = image_tar_symlink(t, x->path, x->source, &m, e);
			break;
		case IMAGE_ENTRY_DATA:
			rc = image_tar_file_begin(t, x->path, x->data_len, &m, e) ||
			     image_tar_write(t, x->data, x->data_len, e) ||
			     image_tar_file_end(t, e);
			break;
		case IMAGE_ENTRY_FILE:
			rc = copy_file(t, x, &m, e);
			break;
		}
		if (rc)
			return -1;
	}
	return 0;
}

void image_rootfs_release(struct image_rootfs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].source);
		free(r->v[i].data);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->alloc = 0;
}

/* --- closure ------------------------------------------------------------------------------ */

struct closure {
	struct ds_strlist *libs;
	char *interp;
	int failed;
};

static int each_object(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct closure *c = ctx;
	int i;

	if (!info->dlpi_name || !info->dlpi_name[0]) {
		/* The main program: its PT_INTERP names the loader. */
		for (i = 0; i < info->dlpi_phnum; i++) {
			if (info->dlpi_phdr[i].p_type == PT_INTERP && !c->interp) {
				c->interp = strdup((const char *)(info->dlpi_addr +
								  info->dlpi_phdr[i].p_vaddr));
				if (!c->interp)
					c->failed = 1;
			}
		}
		return 0;
	}
	/* The vDSO has no file behind it. */
	if (info->dlpi_name[0] != '/')
		return 0;
	if (ds_strlist_find(c->libs, info->dlpi_name) < 0 && ds_strlist_add(c->libs, info->dlpi_name))
		c->failed = 1;
	return 0;
}

int image_closure_self(struct ds_strlist *libs, char **interp, struct ds_error *e)
{
	struct closure c = {libs, NULL, 0};

	dl_iterate_phdr(each_object, &c);
	if (c.failed) {
		free(c.interp);
		return ds_error_set(e, 0, "out of memory listing shared libraries");
	}
	if (!c.interp)
		return ds_error_set(e, 0, "this binary names no dynamic loader (PT_INTERP)");
	*interp = c.interp;
	return 0;
}
