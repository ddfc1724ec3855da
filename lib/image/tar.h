/*
 * image/tar.h - a deterministic tar writer (POSIX ustar, PAX records for long names).
 *
 * Layers must be byte-for-byte reproducible: the same files give the same digest on any
 * machine and any day. So the writer takes every field from the caller (mode, owner,
 * mtime) and never from the filesystem, writes numeric owners only (no user or group
 * names, which differ between machines), and emits entries in the order it is given
 * (the caller sorts). Output goes to a sink, so a layer can be hashed and compressed
 * as it is written, with no temporary copy of the uncompressed tar.
 */
#ifndef DS_IMAGE_TAR_H
#define DS_IMAGE_TAR_H

#include <stdint.h>

#include "core/error.h"

/* Receives the tar stream; returns 0, or -1 with e set. */
typedef int (*image_sink_fn)(void *ctx, const void *data, size_t n, struct ds_error *e);

struct image_tar {
	image_sink_fn sink;
	void *ctx;
	uint64_t written;   /* bytes of tar so far */
	uint64_t file_left; /* bytes still owed to the current file entry */
	uint64_t file_size;
};

struct image_tar_meta {
	unsigned mode; /* permission bits (07777) */
	unsigned uid, gid;
	long long mtime;
};

void image_tar_init(struct image_tar *t, image_sink_fn sink, void *ctx);

/* path is relative ("usr/lib/x"), without a leading "/" or "./"; directories without a
 * trailing slash (the writer adds it). */
int image_tar_dir(struct image_tar *t, const char *path, const struct image_tar_meta *m,
		  struct ds_error *e);
int image_tar_symlink(struct image_tar *t, const char *path, const char *target,
		      const struct image_tar_meta *m, struct ds_error *e);
/* A regular file of size bytes: the header now, then exactly size bytes through
 * image_tar_write(), then image_tar_file_end() pads the entry. */
int image_tar_file_begin(struct image_tar *t, const char *path, uint64_t size,
			 const struct image_tar_meta *m, struct ds_error *e);
int image_tar_write(struct image_tar *t, const void *data, size_t n, struct ds_error *e);
int image_tar_file_end(struct image_tar *t, struct ds_error *e);
/* The two zero blocks that end an archive. */
int image_tar_finish(struct image_tar *t, struct ds_error *e);

#endif
