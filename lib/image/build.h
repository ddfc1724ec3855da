/*
 * image/build.h - an OCI image of this very binary, built without a container engine.
 *
 * The image holds what the process runs on and nothing else: the binary, the shared
 * objects the dynamic loader actually resolved for it (libduckdb.so included), the loader,
 * CA certificates, a non-root user and a /data volume it owns. It is written as an OCI
 * image layout (oci-layout, index.json, blobs/sha256/) that skopeo, crane, podman and
 * `duckdb-spawn image push` all read.
 *
 * Layers are split by how often they change, so that a push after a code change uploads
 * only the small one: [base rootfs], runtime (loader, libraries, certificates, /etc), app
 * (the binary). Everything is reproducible: entries sorted, owners numeric, one mtime
 * (SOURCE_DATE_EPOCH, else 0), fixed gzip header, JSON with sorted keys. The same inputs
 * give the same manifest digest.
 */
#ifndef DS_IMAGE_BUILD_H
#define DS_IMAGE_BUILD_H

#include <stdint.h>

#include "core/error.h"
#include "image/layer.h"

#define IMAGE_USER_ID 10001
#define IMAGE_BINARY_PATH "/usr/local/bin/duckdb-spawn"
#define IMAGE_DATA_DIR "/data"
#define IMAGE_DATABASE_URL "/data/duckdb_spawn.db"
#define IMAGE_PORT 8000

struct image_build_opts {
	const char *layout_dir;  /* where the OCI layout is written (created if needed) */
	const char *ref_name;    /* index.json annotation, e.g. the tag: "1.2.0" */
	const char *binary;      /* NULL: this process's own executable */
	const char *base_rootfs; /* optional .tar or .tar.gz to put underneath */
	const char *ca_bundle;   /* NULL: /etc/ssl/certs/ca-certificates.crt */
	long long created;       /* seconds since the epoch for mtimes and "created" */
	const char *version;     /* labels / annotations */
	const char *revision;
	const char *source;      /* repository URL, may be NULL */
	int gzip_level;          /* 0: 9 */
};

struct image_build_result {
	struct image_blob manifest;
	struct image_blob config;
	struct image_layer_info layers[3];
	int nlayers;
	uint64_t compressed_size;   /* layers + config + manifest */
	uint64_t uncompressed_size; /* layers as tar */
};

int image_build(const struct image_build_opts *o, struct image_build_result *r,
		struct ds_error *e);

#endif
