/*
 * image/push.h - send an OCI image layout to a registry (HTTP API v2), no Docker needed.
 *
 * The same credential sources and auth flow as `image check` (lib/registry): explicit
 * credentials, else REGISTRY_* / DOCKER_HUB_* variables, else the Docker config.json; Basic or
 * Bearer with one "pull,push" token per repository. Blobs go up in the order a reader needs
 * them last (layers, then config, then the manifest that names them), so a registry never
 * holds a manifest whose blobs are missing. A blob the repository already has is not sent
 * (HEAD first); one that another repository of the same registry has is mounted when the
 * caller names candidates (--mount-from); the rest are uploaded monolithically (POST, then
 * PUT with the digest), streamed from the layout's files through mmap.
 */
#ifndef DS_IMAGE_PUSH_H
#define DS_IMAGE_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/secret.h"
#include "image/layer.h"
#include "registry/check.h"

struct image_push_opts {
	const char *layout_dir;
	const char *ref_name; /* which manifest of index.json (ref.name); NULL: the only one */
	const char *target;   /* the reference to push to, with a tag */
	const char *username; /* explicit credentials (borrowed); else the ambient ones */
	const struct ds_secret *password;
	const char *docker_config_dir; /* NULL: $DOCKER_CONFIG, else ~/.docker */
	const char *ca_file;
	int insecure;
	const struct registry_endpoint *endpoints; /* as for registry_check() */
	size_t nendpoints;
	const char *const *mount_from; /* repositories of the same registry to mount from */
	size_t nmount_from;
	long timeout_ms; /* per exchange; 0: 120 s (a layer upload takes a while) */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

struct image_push_result {
	char *normalized;               /* the target, normalised */
	char digest[IMAGE_DIGEST_MAX];  /* of the manifest pushed */
	char *creds_source;             /* where the credentials came from, "none" */
	int blobs, present, mounted, uploaded;
	uint64_t bytes_uploaded;
	unsigned long requests, connections, token_requests;
};

void image_push_result_release(struct image_push_result *r);

/* Returns 0, or -1 with e naming the exchange that failed and why ("PUT .../manifests/1.0:
 * 401 UNAUTHORIZED (credentials: user 'ci' from REGISTRY_USERNAME)"). r is filled as far as
 * the push got; release it either way. */
int image_push(const struct image_push_opts *o, struct image_push_result *r, struct ds_error *e);

#endif
