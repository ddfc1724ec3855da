/*
 * fuzz/docker-config.c - the reading of a Docker config.json (lib/registry/creds.c) under a
 * fuzzer: the file is the user's, written by docker login, credential stores and hand
 * edits, and its "auth" entries are base64 that we decode. The first byte picks the
 * registry looked up (Docker Hub's several keys, another domain, a port); the rest is the
 * file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const domains[] = {"docker.io", "ghcr.io", "localhost:5000",
					      "registry.example.com"};
	struct registry_creds c;
	struct ds_error e = DS_ERROR_INIT;
	char *helper = (char *)"unset";
	int r;

	if (!size)
		return 0;
	registry_creds_init(&c);
	r = registry_creds_from_config((const char *)data + 1, size - 1, "config.json",
				       domains[data[0] % 4], &c, &helper, &e);
	/* Either an error, or a helper to run, or credentials (or nothing) from auths. */
	if (r != 0 && r != -1)
		abort();
	if (r == -1 && (!e.set || helper))
		abort();
	if (helper && (!*helper || c.source != REGISTRY_CREDS_NONE))
		abort();
	if (c.source == REGISTRY_CREDS_CONFIG &&
	    (!c.origin || (!ds_secret_is_set(&c.password) && !ds_secret_is_set(&c.identity_token))))
		abort();
	free(helper);
	registry_creds_release(&c);
	return 0;
}
