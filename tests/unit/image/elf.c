/*
 * Tests for lib/image/elf.c: a stripped copy loses what only a debugger reads, still runs,
 * and anything that is not an ELF file it understands is left alone.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "image/elf.h"
#include "test.h"

TEST(image_elf_strip_drops_symtab_and_debug_and_still_runs)
{
	struct ds_buf b = DS_BUF_INIT(0);
	struct ds_error e = DS_ERROR_INIT;
	const char *copy = ds_test_path(ds_test_tmpdir(), "stripped");
	const char *self = "/proc/self/exe";
	struct ds_run r, orig;
	struct stat st;

	ds_test_require_program("readelf");
	/* This test program is built with -g: it has .symtab and .debug_* sections. */
	ASSERT_EQ_INT(image_elf_strip(self, &b, &e), 1);
	ASSERT_EQ_INT(stat(self, &st), 0);
	ASSERT_CMP_INT(b.len, <, st.st_size);
	ds_test_write_file(copy, b.data, b.len);
	chmod(copy, 0755);
	{
		const char *argv[] = {"readelf", "-S", "-W", copy, NULL};

		ds_run(&r, argv, NULL, NULL, 10000);
		ASSERT_EQ_INT(r.code, 0);
		ASSERT_EQ_STR(r.err, "");
		ASSERT_NOT_CONTAINS(r.out, ".symtab");
		ASSERT_NOT_CONTAINS(r.out, ".debug_info");
		ASSERT_CONTAINS(r.out, ".dynsym");
		ASSERT_CONTAINS(r.out, ".shstrtab");
	}
	{
		/* With no argument a test program lists its tests: same list, stripped or not. */
		char real[4096];
		ssize_t n = readlink(self, real, sizeof(real) - 1);
		const char *a1[] = {copy, NULL};
		const char *a2[] = {real, NULL};

		ASSERT(n > 0);
		real[n] = '\0';
		ds_run(&r, a1, NULL, NULL, 10000);
		ds_run(&orig, a2, NULL, NULL, 10000);
		ASSERT_EQ_INT(r.code, 0);
		ASSERT_EQ_STR(r.out, orig.out);
	}
	ds_buf_release(&b);
}

TEST(image_elf_strip_leaves_non_elf_and_stripped_files_alone)
{
	struct ds_buf b = DS_BUF_INIT(0);
	struct ds_buf again = DS_BUF_INIT(0);
	struct ds_error e = DS_ERROR_INIT;
	const char *txt = ds_test_path(ds_test_tmpdir(), "text");
	const char *once = ds_test_path(ds_test_tmpdir(), "once");

	ds_test_write_file(txt, "#!/bin/sh\necho hi\n", 18);
	ASSERT_EQ_INT(image_elf_strip(txt, &b, &e), 0);
	ASSERT_EQ_INT(image_elf_strip("/proc/self/exe", &b, &e), 1);
	ds_test_write_file(once, b.data, b.len);
	/* Nothing left to drop: 0, use the file as it is. */
	ASSERT_EQ_INT(image_elf_strip(once, &again, &e), 0);
	ASSERT_EQ_INT(image_elf_strip("/nonexistent", &again, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "open '/nonexistent'");
	ds_buf_release(&b);
	ds_buf_release(&again);
}
