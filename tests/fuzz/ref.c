/*
 * fuzz/ref.c - the image reference parser (lib/registry/ref.c) under a fuzzer.
 *
 * Besides "no crash, no sanitizer report", three properties: a reference that parses
 * normalises to a string that parses again to itself (normalisation is idempotent); a
 * refused reference leaves the struct empty; a suggested fix always parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *norm, *sugg;
	struct ref r = REF_INIT, r2 = REF_INIT;
	struct ds_error e = DS_ERROR_INIT;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!ref_parse(&r, s, &e)) {
		norm = ref_string(&r);
		if (norm) {
			char *again;

			ds_error_init(&e);
			if (ref_parse(&r2, norm, &e))
				abort(); /* a normalised reference must parse */
			again = ref_string(&r2);
			if (!again || strcmp(again, norm))
				abort(); /* and normalise to itself */
			free(again);
			ref_release(&r2);
		}
		free(norm);
		ref_release(&r);
	} else {
		if (r.domain || r.path || r.tag || r.digest)
			abort();
		sugg = ref_suggest(s);
		if (sugg) {
			ds_error_init(&e);
			if (ref_parse(&r2, sugg, &e))
				abort(); /* a suggestion must be valid */
			ref_release(&r2);
			free(sugg);
		}
	}
	ref_domain_is_loopback(s);
	free(s);
	return 0;
}
