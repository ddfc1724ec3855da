/*
 * koyeb/lint.h - the deploy foot-guns caught before any call to Koyeb.
 *
 * Each check knows a way a deployment fails or silently loses data on Koyeb, and says the
 * fix pointing at the flag:
 *
 *   env-space        --env "A=1 B=2": one variable A whose value holds " B=" (a shell
 *                    quoting slip); error: did you mean two --env flags?
 *   database-on-ephemeral-disk
 *                    DATABASE_URL names a file outside every --volumes mount: the data is
 *                    lost at each redeploy or reschedule; warning
 *   port-not-exposed a --routes or --checks port that is not among --ports; error
 *   unknown-instance-type, unknown-region
 *                    a name not in the table below (with the nearest known name); error
 *   image-platform   the image offers no linux/amd64 variant (arm64-only, say); error. Fed
 *                    by the doctor's list of platforms (koyeb_lint_platforms()).
 *   port-not-in-image
 *                    a --ports port the image's config does not EXPOSE; warning (from the
 *                    doctor, koyeb_lint_exposed_ports()).
 *
 * The known instance types and regions are a table (lint.c) as of this release.
 * NEEDSWORK: refresh it from /v1/catalog/instances and /v1/catalog/regions when a token is
 * at hand; until then --allow-unknown-names turns those two errors into warnings.
 */
#ifndef DS_KOYEB_LINT_H
#define DS_KOYEB_LINT_H

#include <stddef.h>

#include "koyeb/service.h"

enum koyeb_lint_level {
	KOYEB_LINT_WARNING,
	KOYEB_LINT_ERROR,
};

struct koyeb_lint_finding {
	enum koyeb_lint_level level;
	const char *check; /* "env-space", ... (static) */
	char *subject;     /* the flag as given: "--env 'A=1 B=2'" */
	char *message;
	char *fix;
};

struct koyeb_lint {
	struct koyeb_lint_finding *items;
	size_t n;
};

#define KOYEB_LINT_INIT {NULL, 0}

enum koyeb_lint_flags {
	KOYEB_LINT_ALLOW_UNKNOWN_NAMES = 1 << 0,
	/* service update: the current ports are not known here, check ports only when
	 * --ports is given */
	KOYEB_LINT_PATCH = 1 << 1,
};

/* Check the service flags of s (which koyeb_service_spec_check() accepted). */
void koyeb_lint_service(const struct koyeb_service_spec *s, unsigned flags, struct koyeb_lint *l);

/* Check the platforms an image offers ("linux/arm64", ...): an error when none is
 * linux/amd64, which is what Koyeb's instances run. */
void koyeb_lint_platforms(const char *image, const char *const *platforms, size_t n,
			  struct koyeb_lint *l);

/* Check the ports the service exposes against those the image's config EXPOSEs ("8000/tcp"):
 * a warning for each --ports port the image does not mention (EXPOSE documents, it does not
 * enforce, so the service may still listen there). Nothing when the image exposes none. */
void koyeb_lint_exposed_ports(const struct koyeb_service_spec *s, const char *const *exposed,
			      size_t n, struct koyeb_lint *l);

size_t koyeb_lint_errors(const struct koyeb_lint *l);
void koyeb_lint_release(struct koyeb_lint *l);

/* The tables, for docs and tests. */
const char *const *koyeb_known_instance_types(size_t *n);
const char *const *koyeb_known_regions(size_t *n);

#endif
