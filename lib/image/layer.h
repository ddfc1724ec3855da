/*
 * image/layer.h - content-addressed blobs of an OCI image layout.
 *
 * A layer is written once, as a stream: the tar bytes are hashed (the layer's diff_id,
 * which the image config lists) and compressed with gzip (deterministic header: no name,
 * mtime 0, OS "unknown"), and the compressed bytes are hashed again (the digest the
 * manifest and the registry know) while they go to a temporary file in blobs/sha256/.
 * Closing renames that file to its digest, so a blob in the layout is always complete.
 */
#ifndef DS_IMAGE_LAYER_H
#define DS_IMAGE_LAYER_H

#include <stdint.h>

#include "core/error.h"

#define IMAGE_DIGEST_MAX 72 /* "sha256:" + 64 hex + NUL */

struct image_blob {
	char digest[IMAGE_DIGEST_MAX]; /* of the bytes stored */
	uint64_t size;
};

struct image_layer_info {
	struct image_blob blob;          /* compressed */
	char diff_id[IMAGE_DIGEST_MAX];  /* of the uncompressed tar */
	uint64_t uncompressed_size;
};

struct image_layer_writer; /* opaque: zlib and OpenSSL state */

/* Start a layer in layout_dir/blobs/sha256/ (created if needed). level: gzip 1..9. */
int image_layer_open(struct image_layer_writer **w, const char *layout_dir, int level,
		     struct ds_error *e);
/* An image_sink_fn (image/tar.h): feed it the tar stream. */
int image_layer_sink(void *w, const void *data, size_t n, struct ds_error *e);
/* Finish, fsync and rename; fills info. Frees w whatever happens. */
int image_layer_close(struct image_layer_writer *w, struct image_layer_info *info,
		      struct ds_error *e);
/* Give up: remove the temporary file, free w. */
void image_layer_abort(struct image_layer_writer *w);

/* Store data as a blob in layout_dir/blobs/sha256/ (a no-op when present). */
int image_blob_put(const char *layout_dir, const void *data, size_t len, struct image_blob *out,
		   struct ds_error *e);
/* "sha256:<hex>" of data. */
void image_sha256_digest(const void *data, size_t len, char out[IMAGE_DIGEST_MAX]);
/* The path of a blob in a layout: "<dir>/blobs/sha256/<hex>" (caller frees). */
char *image_blob_path(const char *layout_dir, const char *digest);

#endif
