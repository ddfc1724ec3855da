/*
 * Meta test: docs/verdicts.md has a section per verdict of registry/verdict.h, each naming its
 * exit code, and docs/cli/exit-codes.md lists every verdict.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "registry/verdict.h"
#include "test.h"

TEST(meta_verdicts_doc_has_a_section_per_verdict)
{
	const char *doc = ds_test_read_file(ds_test_printf("%s/docs/verdicts.md", ds_test_source_dir()), NULL);
	const char *codes = ds_test_read_file(ds_test_printf("%s/docs/cli/exit-codes.md", ds_test_source_dir()), NULL);
	int i;

	ASSERT_NOT_NULL(doc);
	ASSERT_NOT_NULL(codes);
	for (i = 0; i < REGISTRY_VERDICT_COUNT_; i++) {
		enum registry_verdict v = (enum registry_verdict)i;
		const char *name = registry_verdict_name(v);
		char *head = ds_test_printf("\n## %s\n", name), *sec, *next, *exitline;

		sec = strstr(doc, head);
		ASSERT_MSG(sec, "docs/verdicts.md has no section '## %s'", name);
		sec += strlen(head);
		next = strstr(sec, "\n## ");
		exitline = ds_test_printf("Exit code: %d", registry_verdict_exit_code(v));
		ASSERT_MSG(strstr(sec, exitline) && (!next || strstr(sec, exitline) < next),
			   "docs/verdicts.md section %s does not say '%s'", name, exitline);
		ASSERT_MSG(strstr(codes, ds_test_printf("`%s`", name)),
			   "docs/cli/exit-codes.md does not list `%s`", name);
	}
}
