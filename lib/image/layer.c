/*
 * image/layer.c - streamed, hashed, gzip-compressed layers and small blobs; see layer.h.
 */
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct image_layer_writer {
	EVP_MD_CTX *raw;
	EVP_MD_CTX *gz;
	z_stream z;
	gz_header gzh;
	int z_ready;
	int fd;
	char *dir; /* blobs/sha256 */
	char *tmp;
	uint64_t raw_size;
	uint64_t gz_size;
	unsigned char out[1 << 16];
};

static void hex_digest(EVP_MD_CTX *ctx, char out[IMAGE_DIGEST_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;

	EVP_DigestFinal_ex(ctx, md, &len);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

void image_sha256_digest(const void *data, size_t len, char out[IMAGE_DIGEST_MAX])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		DS_BUG("EVP_MD_CTX_new failed");
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, data, len);
	hex_digest(ctx, out);
	EVP_MD_CTX_free(ctx);
}

char *image_blob_path(const char *layout_dir, const char *digest)
{
	const char *hex = strncmp(digest, "sha256:", 7) ? digest : digest + 7;
	size_t n = strlen(layout_dir) + strlen(hex) + 16;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/blobs/sha256/%s", layout_dir, hex);
	return p;
}

static int mkdir_p(const char *path, struct ds_error *e)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return ds_error_set(e, 0, "path too long: '%.80s...'", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return ds_error_errno(e, errno, "mkdir '%s'", buf);
		buf[i] = path[i];
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t n, const char *what, struct ds_error *e)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return ds_error_errno(e, errno, "write '%s'", what);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *blobs_dir(const char *layout_dir)
{
	size_t n = strlen(layout_dir) + 16;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/blobs/sha256", layout_dir);
	return p;
}

int image_blob_put(const char *layout_dir, const void *data, size_t len, struct image_blob *out,
		   struct ds_error *e)
{
	char *dir = blobs_dir(layout_dir), *path = NULL, *tmp = NULL;
	int fd = -1, r = -1;
	struct stat st;

	image_sha256_digest(data, len, out->digest);
	out->size = len;
	if (!dir || mkdir_p(dir, e))
		goto out;
	path = image_blob_path(layout_dir, out->digest);
	if (!path)
		goto out;
	if (!stat(path, &st) && (uint64_t)st.st_size == len) {
		r = 0;
		goto out;
	}
	tmp = malloc(strlen(path) + 8);
	if (!tmp)
		goto out;
	snprintf(tmp, strlen(path) + 8, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ds_error_errno(e, errno, "create '%s'", tmp);
		goto out;
	}
	if (write_all(fd, data, len, tmp, e))
		goto out;
	if (close(fd)) {
		fd = -1;
		ds_error_errno(e, errno, "close '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ds_error_errno(e, errno, "rename to '%s'", path);
		goto out;
	}
	r = 0;
out:
	if (r && !e->set)
		ds_error_set(e, 0, "out of memory storing a blob");
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(dir);
	free(path);
	free(tmp);
	return r;
}

int image_layer_open(struct image_layer_writer **wp, const char *layout_dir, int level,
		     struct ds_error *e)
{
	struct image_layer_writer *w = calloc(1, sizeof(*w));
	size_t n;

	*wp = NULL;
	if (!w)
		return ds_error_set(e, 0, "out of memory starting a layer");
	w->fd = -1;
	w->dir = blobs_dir(layout_dir);
	w->raw = EVP_MD_CTX_new();
	w->gz = EVP_MD_CTX_new();
	if (!w->dir || !w->raw || !w->gz) {
		image_layer_abort(w);
		return ds_error_set(e, 0, "out of memory starting a layer");
	}
	EVP_DigestInit_ex(w->raw, EVP_sha256(), NULL);
	EVP_DigestInit_ex(w->gz, EVP_sha256(), NULL);
	if (mkdir_p(w->dir, e)) {
		image_layer_abort(w);
		return -1;
	}
	n = strlen(w->dir) + 32;
	w->tmp = malloc(n);
	if (!w->tmp) {
		image_layer_abort(w);
		return ds_error_set(e, 0, "out of memory starting a layer");
	}
	snprintf(w->tmp, n, "%s/layer.XXXXXX", w->dir);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		ds_error_errno(e, errno, "create a temporary layer in '%s'", w->dir);
		free(w->tmp);
		w->tmp = NULL;
		image_layer_abort(w);
		return -1;
	}
	/* windowBits 15 + 16: gzip framing. The header is fixed so the digest only depends on
	 * the content. */
	if (deflateInit2(&w->z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		image_layer_abort(w);
		return ds_error_set(e, 0, "zlib: deflateInit2 failed");
	}
	w->z_ready = 1;
	memset(&w->gzh, 0, sizeof(w->gzh));
	w->gzh.os = 255;
	deflateSetHeader(&w->z, &w->gzh);
	fchmod(w->fd, 0644);
	*wp = w;
	return 0;
}

static int deflate_some(struct image_layer_writer *w, int flush, struct ds_error *e)
{
	int zr;

	do {
		size_t have;

		w->z.next_out = w->out;
		w->z.avail_out = sizeof(w->out);
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return ds_error_set(e, 0, "zlib: deflate failed");
		have = sizeof(w->out) - w->z.avail_out;
		if (have) {
			EVP_DigestUpdate(w->gz, w->out, have);
			w->gz_size += have;
			if (write_all(w->fd, w->out, have, w->tmp, e))
				return -1;
		}
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

int image_layer_sink(void *ctx, const void *data, size_t n, struct ds_error *e)
{
	struct image_layer_writer *w = ctx;
	const unsigned char *p = data;

	EVP_DigestUpdate(w->raw, data, n);
	w->raw_size += n;
	while (n) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;

		w->z.next_in = (unsigned char *)p;
		w->z.avail_in = chunk;
		if (deflate_some(w, Z_NO_FLUSH, e))
			return -1;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

int image_layer_close(struct image_layer_writer *w, struct image_layer_info *info,
		      struct ds_error *e)
{
	char *path = NULL;

	w->z.next_in = NULL;
	w->z.avail_in = 0;
	if (deflate_some(w, Z_FINISH, e))
		goto fail;
	if (fsync(w->fd))
		ds_error_errno(e, errno, "fsync '%s'", w->tmp);
	if (close(w->fd)) {
		w->fd = -1;
		ds_error_errno(e, errno, "close '%s'", w->tmp);
		goto fail;
	}
	w->fd = -1;
	if (e->set)
		goto fail;
	hex_digest(w->raw, info->diff_id);
	hex_digest(w->gz, info->blob.digest);
	info->blob.size = w->gz_size;
	info->uncompressed_size = w->raw_size;
	{
		size_t n = strlen(w->dir) + 80;

		path = malloc(n);
		if (!path) {
			ds_error_set(e, 0, "out of memory naming a layer");
			goto fail;
		}
		snprintf(path, n, "%s/%s", w->dir, info->blob.digest + 7);
	}
	if (rename(w->tmp, path)) {
		ds_error_errno(e, errno, "rename '%s' to '%s'", w->tmp, path);
		goto fail;
	}
	free(w->tmp);
	w->tmp = NULL;
	free(path);
	image_layer_abort(w);
	return 0;
fail:
	free(path);
	image_layer_abort(w);
	return -1;
}

void image_layer_abort(struct image_layer_writer *w)
{
	if (!w)
		return;
	if (w->z_ready)
		deflateEnd(&w->z);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp) {
		unlink(w->tmp);
		free(w->tmp);
	}
	EVP_MD_CTX_free(w->raw);
	EVP_MD_CTX_free(w->gz);
	free(w->dir);
	free(w);
}
