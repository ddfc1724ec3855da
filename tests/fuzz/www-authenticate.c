/*
 * fuzz/www-authenticate.c - the WWW-Authenticate parser, the token reply parser and the JWT
 * claims reader (lib/registry/auth.c) under a fuzzer: all three read what a registry or its
 * token server sends. The first byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	struct ds_error e = DS_ERROR_INIT;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: {
		struct registry_challenge ch[REGISTRY_CHALLENGES_MAX];
		int n = registry_auth_parse(s, ch, REGISTRY_CHALLENGES_MAX, &e), i;

		if (n > REGISTRY_CHALLENGES_MAX)
			abort();
		for (i = 0; i < n; i++) {
			if (!ch[i].scheme_name)
				abort();
			registry_challenge_release(&ch[i]);
		}
		break;
	}
	case 1: {
		struct ds_secret t = DS_SECRET_INIT;
		long exp;

		registry_auth_parse_token_reply(s, size - 1, &t, &exp, &e);
		ds_secret_release(&t);
		break;
	}
	default: {
		struct ds_buf acc = DS_BUF_INIT(0);
		long long exp;

		registry_auth_jwt_claims(s, &exp, &acc);
		ds_buf_release(&acc);
	}
	}
	free(s);
	return 0;
}
