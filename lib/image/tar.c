/*
 * image/tar.c - deterministic ustar/PAX writer; see tar.h.
 *
 * A name that fits ustar's split (prefix <= 155 bytes, "/", name <= 100 bytes) goes in the
 * header; anything longer, and any link target over 100 bytes, is carried by a PAX
 * extended header ('x') before the entry, as GNU tar and Go's archive/tar also read.
 */
#include "image/tar.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BLOCK 512

struct header {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};

_Static_assert(sizeof(struct header) == BLOCK, "a tar header is one block");

void image_tar_init(struct image_tar *t, image_sink_fn sink, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->sink = sink;
	t->ctx = ctx;
}

static int emit(struct image_tar *t, const void *p, size_t n, struct ds_error *e)
{
	if (t->sink(t->ctx, p, n, e))
		return -1;
	t->written += n;
	return 0;
}

static int pad_to_block(struct image_tar *t, uint64_t size, struct ds_error *e)
{
	static const char zeros[BLOCK];
	size_t rem = (size_t)(size % BLOCK);

	return rem ? emit(t, zeros, BLOCK - rem, e) : 0;
}

/* Octal, zero-padded, NUL-terminated in a field of width w. */
static int octal(char *field, size_t w, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*" PRIo64, (int)(w - 1), v);

	if (n < 0 || (size_t)n > w - 1)
		return -1;
	memcpy(field, tmp, w - 1);
	field[w - 1] = '\0';
	return 0;
}

/* Split path into ustar prefix/name; 0 when it fits. */
static int split_name(struct header *h, const char *path)
{
	size_t len = strlen(path), i;

	if (len <= sizeof(h->name)) {
		memcpy(h->name, path, len);
		return 0;
	}
	for (i = len - 1; i > 0; i--) {
		if (path[i] != '/')
			continue;
		if (i <= sizeof(h->prefix) && len - i - 1 <= sizeof(h->name) && len - i - 1 > 0) {
			memcpy(h->prefix, path, i);
			memcpy(h->name, path + i + 1, len - i - 1);
			return 0;
		}
	}
	return -1;
}

/* One PAX record: "<len> key=value\n", where len counts itself. */
static int pax_record(char *out, size_t cap, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3; /* " " "=" "\n" */
	size_t digits = 1, total;

	for (;;) {
		char tmp[24];

		total = body + digits;
		if ((size_t)snprintf(tmp, sizeof(tmp), "%zu", total) == digits)
			break;
		digits++;
	}
	if (total >= cap)
		return -1;
	snprintf(out, cap, "%zu %s=%s\n", total, key, value);
	return (int)total;
}

static int write_header(struct image_tar *t, char type, const char *path, const char *link,
			uint64_t size, const struct image_tar_meta *m, struct ds_error *e);

static int write_pax(struct image_tar *t, const char *path, const char *link,
		     const struct image_tar_meta *m, struct ds_error *e)
{
	char recs[8192];
	size_t len = 0;
	int n;

	if (path) {
		n = pax_record(recs, sizeof(recs), "path", path);
		if (n < 0)
			return ds_error_set(e, 0, "tar: path too long: '%.80s...'", path);
		len += (size_t)n;
	}
	if (link) {
		n = pax_record(recs + len, sizeof(recs) - len, "linkpath", link);
		if (n < 0)
			return ds_error_set(e, 0, "tar: link target too long: '%.80s...'", link);
		len += (size_t)n;
	}
	/* The 'x' header's own name is fixed so the archive stays reproducible. */
	if (write_header(t, 'x', "PaxHeaders/entry", NULL, len, m, e) || emit(t, recs, len, e) ||
	    pad_to_block(t, len, e))
		return -1;
	return 0;
}

static int write_header(struct image_tar *t, char type, const char *path, const char *link,
			uint64_t size, const struct image_tar_meta *m, struct ds_error *e)
{
	struct header h;
	const unsigned char *p = (const unsigned char *)&h;
	unsigned sum = 0;
	int need_pax_path, need_pax_link;
	size_t i;

	memset(&h, 0, sizeof(h));
	need_pax_path = split_name(&h, path) != 0;
	need_pax_link = link && strlen(link) > sizeof(h.linkname);
	if (need_pax_path || need_pax_link) {
		if (type == 'x')
			DS_BUG("PAX header name does not fit");
		if (write_pax(t, need_pax_path ? path : NULL, need_pax_link ? link : NULL, m, e))
			return -1;
		memset(&h, 0, sizeof(h));
		if (need_pax_path) {
			/* A readable stand-in; readers take the PAX path. */
			size_t len = strlen(path);
			const char *tail = path + (len > 99 ? len - 99 : 0);

			memcpy(h.name, tail, strlen(tail));
		} else {
			split_name(&h, path);
		}
	}
	if (link && !need_pax_link)
		memcpy(h.linkname, link, strlen(link));
	if (octal(h.mode, sizeof(h.mode), m->mode & 07777) ||
	    octal(h.uid, sizeof(h.uid), m->uid) || octal(h.gid, sizeof(h.gid), m->gid) ||
	    octal(h.size, sizeof(h.size), size) ||
	    octal(h.mtime, sizeof(h.mtime), m->mtime < 0 ? 0 : (uint64_t)m->mtime))
		return ds_error_set(e, 0, "tar: a field of '%s' does not fit its header", path);
	h.typeflag = type;
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (i = 0; i < sizeof(h); i++)
		sum += p[i];
	snprintf(h.chksum, sizeof(h.chksum), "%06o", sum & 0777777);
	h.chksum[7] = ' ';
	return emit(t, &h, sizeof(h), e);
}

static int check_path(const char *path, struct ds_error *e)
{
	if (!*path || path[0] == '/' || !strncmp(path, "./", 2) || strstr(path, "/../") ||
	    !strncmp(path, "../", 3))
		return ds_error_set(e, 0, "tar: '%s' is not a clean relative path", path);
	return 0;
}

int image_tar_dir(struct image_tar *t, const char *path, const struct image_tar_meta *m,
		  struct ds_error *e)
{
	char dir[4096];
	int n;

	if (check_path(path, e))
		return -1;
	n = snprintf(dir, sizeof(dir), "%s/", path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ds_error_set(e, 0, "tar: path too long: '%.80s...'", path);
	return write_header(t, '5', dir, NULL, 0, m, e);
}

int image_tar_symlink(struct image_tar *t, const char *path, const char *target,
		      const struct image_tar_meta *m, struct ds_error *e)
{
	if (check_path(path, e))
		return -1;
	return write_header(t, '2', path, target, 0, m, e);
}

int image_tar_file_begin(struct image_tar *t, const char *path, uint64_t size,
			 const struct image_tar_meta *m, struct ds_error *e)
{
	if (t->file_left)
		DS_BUG("tar: previous file entry is %" PRIu64 " bytes short", t->file_left);
	if (check_path(path, e))
		return -1;
	if (write_header(t, '0', path, NULL, size, m, e))
		return -1;
	t->file_left = size;
	t->file_size = size;
	return 0;
}

int image_tar_write(struct image_tar *t, const void *data, size_t n, struct ds_error *e)
{
	if (n > t->file_left)
		return ds_error_set(e, 0, "tar: file grew while being archived");
	t->file_left -= n;
	return emit(t, data, n, e);
}

int image_tar_file_end(struct image_tar *t, struct ds_error *e)
{
	if (t->file_left)
		return ds_error_set(e, 0, "tar: file shrank while being archived (%" PRIu64
					  " bytes missing)", t->file_left);
	return pad_to_block(t, t->file_size, e);
}

int image_tar_finish(struct image_tar *t, struct ds_error *e)
{
	static const char zeros[2 * BLOCK];

	return emit(t, zeros, sizeof(zeros), e);
}
