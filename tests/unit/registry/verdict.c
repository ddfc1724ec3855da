/*
 * Tests for lib/registry/verdict.c and the REGISTRY_VERDICTS table: names, exit codes per
 * class, Koyeb's codes; and (meta) docs/verdicts.md and docs/cli/exit-codes.md in step with it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "registry/verdict.h"
#include "test.h"

/* VerifyDockerImageReply.ErrCode in koyeb/openapi.json. */
static const char *const koyeb_codes[] = {"AUTH_ACCESS_DENIED", "ANON_ACCESS_DENIED",
					  "AUTH_NOT_FOUND", "ANON_NOT_FOUND", "REGISTRY_ERROR",
					  "TIMEOUT", "DNS", "MALFORMED", "INVALID_OS",
					  "INVALID_ARCH", "INVALID_SCHEME", "GENERIC"};

TEST(registry_verdict_names_round_trip)
{
	int i;

	for (i = 0; i < REGISTRY_VERDICT_COUNT_; i++)
		ASSERT_EQ_INT(registry_verdict_parse(registry_verdict_name((enum registry_verdict)i)), i);
	ASSERT_EQ_INT(registry_verdict_parse("NOPE"), -1);
	ASSERT_EQ_INT(registry_verdict_parse(NULL), -1);
	ASSERT_EQ_STR(registry_verdict_name((enum registry_verdict)999), "GENERIC");
}

TEST(registry_verdict_exit_code_is_zero_only_for_ok)
{
	int i;

	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_OK), 0);
	ASSERT_NULL(registry_verdict_fix(REGISTRY_OK));
	for (i = 1; i < REGISTRY_VERDICT_COUNT_; i++) {
		int code = registry_verdict_exit_code((enum registry_verdict)i);

		ASSERT_MSG(code != 0 && code != 2 && code < 64, "%s has exit code %d",
			   registry_verdict_name((enum registry_verdict)i), code);
		ASSERT_NOT_NULL(registry_verdict_fix((enum registry_verdict)i));
		ASSERT(*registry_verdict_summary((enum registry_verdict)i));
	}
}

TEST(registry_verdict_classes_share_exit_codes)
{
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_ANON_NOT_FOUND), 3);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_AUTH_NOT_FOUND), 3);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_ANON_ACCESS_DENIED), 4);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_AUTH_ACCESS_DENIED), 4);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_INVALID_OS), 5);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_INVALID_ARCH), 5);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_RATE_LIMITED), 6);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_MALFORMED), 7);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_INVALID_SCHEME), 7);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_DNS), 8);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_TIMEOUT), 8);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_TLS), 8);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_REGISTRY_ERROR), 9);
	ASSERT_EQ_INT(registry_verdict_exit_code(REGISTRY_GENERIC), 1);
}

TEST(registry_verdict_koyeb_codes_are_koyebs)
{
	int i;
	size_t k;

	ASSERT_EQ_STR(registry_verdict_koyeb_code(REGISTRY_OK), "");
	for (i = 1; i < REGISTRY_VERDICT_COUNT_; i++) {
		const char *c = registry_verdict_koyeb_code((enum registry_verdict)i);
		int found = 0;

		for (k = 0; k < sizeof(koyeb_codes) / sizeof(koyeb_codes[0]); k++)
			found |= !strcmp(c, koyeb_codes[k]);
		ASSERT_MSG(found, "%s maps to '%s', not a Koyeb ErrCode",
			   registry_verdict_name((enum registry_verdict)i), c);
	}
	/* Every Koyeb code is a verdict of ours under the same name. */
	for (k = 0; k < sizeof(koyeb_codes) / sizeof(koyeb_codes[0]); k++)
		ASSERT_MSG(registry_verdict_parse(koyeb_codes[k]) >= 0 ||
				   !strcmp(koyeb_codes[k], "REGISTRY_ERROR"),
			   "Koyeb's %s has no verdict", koyeb_codes[k]);
}
