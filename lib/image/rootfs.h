/*
 * image/rootfs.h - the file tree of an image, described before it is written.
 *
 * Entries come from the host (a file copied by path), from memory (generated /etc/passwd),
 * or are directories and symlinks. image_rootfs_write() sorts them by path, adds any
 * missing parent directory (root-owned, 0755), refuses duplicates, and streams them into a
 * tar writer with one fixed mtime, so the same tree always gives the same bytes.
 *
 * image_closure_self() lists the shared objects this very process runs on, as the dynamic
 * loader resolved them (dl_iterate_phdr), and the loader itself: the closure an image of
 * this binary needs, libduckdb.so included, without guessing from ldd output.
 */
#ifndef DS_IMAGE_ROOTFS_H
#define DS_IMAGE_ROOTFS_H

#include <stddef.h>

#include "core/error.h"
#include "core/strlist.h"
#include "image/tar.h"

enum image_entry_type {
	IMAGE_ENTRY_DIR,
	IMAGE_ENTRY_FILE, /* contents from a host path */
	IMAGE_ENTRY_DATA, /* contents from memory */
	IMAGE_ENTRY_SYMLINK,
};

struct image_entry {
	enum image_entry_type type;
	char *path;   /* in the image, relative: "usr/local/bin/duckdb-spawn" */
	char *source; /* FILE: host path; SYMLINK: target */
	char *data;   /* DATA */
	size_t data_len;
	unsigned mode, uid, gid;
	int strip; /* FILE: drop ELF symbol tables and debug sections (image/elf.h) */
};

struct image_rootfs {
	struct image_entry *v;
	size_t n, alloc;
};

#define IMAGE_ROOTFS_INIT {NULL, 0, 0}

/* Paths may be given with or without a leading "/"; they are stored relative. */
int image_rootfs_add_dir(struct image_rootfs *r, const char *path, unsigned mode, unsigned uid,
			 unsigned gid, struct ds_error *e);
int image_rootfs_add_file(struct image_rootfs *r, const char *path, const char *host_path,
			  unsigned mode, struct ds_error *e);
/* A host ELF file without what only a debugger reads (image/elf.h); as is when not ELF. */
int image_rootfs_add_elf(struct image_rootfs *r, const char *path, const char *host_path,
			 unsigned mode, struct ds_error *e);
int image_rootfs_add_data(struct image_rootfs *r, const char *path, const char *data, size_t len,
			  unsigned mode, struct ds_error *e);
int image_rootfs_add_symlink(struct image_rootfs *r, const char *path, const char *target,
			     struct ds_error *e);
/* Whether path (either form) is already an entry. */
int image_rootfs_has(const struct image_rootfs *r, const char *path);

/* Write all entries into t (then image_tar_finish). mtime for every entry. */
int image_rootfs_write(struct image_rootfs *r, struct image_tar *t, long long mtime,
		       struct ds_error *e);
/* Sum of the regular files' sizes (host files are stat'ed). */
void image_rootfs_release(struct image_rootfs *r);

/* The shared objects of this process as loaded (absolute host paths, the main program and
 * the vDSO excluded) and the path of the dynamic loader the main program names. */
int image_closure_self(struct ds_strlist *libs, char **interp, struct ds_error *e);

#endif
