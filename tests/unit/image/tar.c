/*
 * Tests for lib/image/tar.c: what we write, GNU tar reads back exactly (names of every
 * length, links, modes, owners), and the same input gives the same bytes.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "harness.h"
#include "image/tar.h"
#include "test.h"

static int to_buf(void *ctx, const void *p, size_t n, struct ds_error *e)
{
	return ds_buf_add(ctx, p, n) ? ds_error_set(e, 0, "buffer full") : 0;
}

static const char *long_path(size_t len)
{
	char *p = ds_test_alloc(len + 1);
	size_t i;

	/* Components of 9 chars + '/' so ustar's prefix split has places to cut. */
	for (i = 0; i < len; i++)
		p[i] = (i % 10 == 9) ? '/' : (char)('a' + (i % 26));
	if (p[len - 1] == '/')
		p[len - 1] = 'z';
	p[len] = '\0';
	return p;
}

static void write_sample(struct ds_buf *out)
{
	struct image_tar t;
	struct ds_error e = DS_ERROR_INIT;
	struct image_tar_meta dir = {0755, 0, 0, 1700000000}, file = {0644, 10001, 10001, 1700000000};
	const char *p150 = long_path(150), *p300 = long_path(300);

	image_tar_init(&t, to_buf, out);
	ASSERT_EQ_INT(image_tar_dir(&t, "data", &dir, &e), 0);
	ASSERT_EQ_INT(image_tar_file_begin(&t, "data/hello.txt", 6, &file, &e), 0);
	ASSERT_EQ_INT(image_tar_write(&t, "hel", 3, &e), 0);
	ASSERT_EQ_INT(image_tar_write(&t, "lo\n", 3, &e), 0);
	ASSERT_EQ_INT(image_tar_file_end(&t, &e), 0);
	ASSERT_EQ_INT(image_tar_symlink(&t, "lib", "usr/lib", &dir, &e), 0);
	ASSERT_EQ_INT(image_tar_file_begin(&t, p150, 1, &file, &e), 0);
	ASSERT_EQ_INT(image_tar_write(&t, "x", 1, &e), 0);
	ASSERT_EQ_INT(image_tar_file_end(&t, &e), 0);
	ASSERT_EQ_INT(image_tar_file_begin(&t, p300, 0, &file, &e), 0);
	ASSERT_EQ_INT(image_tar_file_end(&t, &e), 0);
	ASSERT_EQ_INT(image_tar_symlink(&t, "far", p300, &dir, &e), 0);
	ASSERT_MSG(image_tar_finish(&t, &e) == 0, "%s", ds_error_msg(&e));
	ASSERT_EQ_INT(out->len % 512, 0);
}

TEST(image_tar_gnu_tar_lists_every_entry_as_written)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char *dir = ds_test_tmpdir(), *path = ds_test_path(dir, "t.tar");
	const char *argv[] = {"tar", "--numeric-owner", "-tvf", path, NULL};
	const char *env[] = {"TZ=UTC", NULL};
	struct ds_run r;

	ds_test_require_program("tar");
	write_sample(&b);
	ds_test_write_file(path, b.data, b.len);
	ds_run(&r, argv, env, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_CONTAINS(r.out, "drwxr-xr-x 0/0");
	ASSERT_CONTAINS(r.out, "-rw-r--r-- 10001/10001 ");
	ASSERT_CONTAINS(r.out, " 6 2023-11-14 22:13 data/hello.txt\n");
	ASSERT_CONTAINS(r.out, "lib -> usr/lib");
	ASSERT_CONTAINS(r.out, long_path(150));
	ASSERT_CONTAINS(r.out, ds_test_printf(" %s\n", long_path(300)));
	ASSERT_CONTAINS(r.out, ds_test_printf("far -> %s", long_path(300)));
	ASSERT_EQ_STR(r.err, "");
	ds_buf_release(&b);
}

TEST(image_tar_gnu_tar_extracts_contents_intact)
{
	struct ds_buf b = DS_BUF_INIT(0);
	const char *dir = ds_test_tmpdir(), *path = ds_test_path(dir, "t.tar");
	const char *out = ds_test_path(dir, "x");
	const char *argv[] = {"tar", "-xf", path, "-C", out, NULL};
	struct ds_run r;
	struct stat st;

	ds_test_require_program("tar");
	write_sample(&b);
	ds_test_write_file(path, b.data, b.len);
	mkdir(out, 0755);
	ds_run(&r, argv, NULL, NULL, 10000);
	ASSERT_EQ_INT(r.code, 0);
	ASSERT_EQ_STR(ds_test_read_file(ds_test_path(out, "data/hello.txt"), NULL), "hello\n");
	ASSERT_EQ_STR(ds_test_read_file(ds_test_printf("%s/%s", out, long_path(150)), NULL), "x");
	ASSERT_EQ_INT(lstat(ds_test_path(out, "lib"), &st), 0);
	ASSERT(S_ISLNK(st.st_mode));
	ds_buf_release(&b);
}

TEST(image_tar_same_input_gives_same_bytes)
{
	struct ds_buf a = DS_BUF_INIT(0), b = DS_BUF_INIT(0);

	write_sample(&a);
	write_sample(&b);
	ASSERT_EQ_INT(a.len, b.len);
	ASSERT(memcmp(a.data, b.data, a.len) == 0);
	ds_buf_release(&a);
	ds_buf_release(&b);
}

TEST(image_tar_refuses_unclean_paths_and_size_mismatch)
{
	struct ds_buf b = DS_BUF_INIT(0);
	struct image_tar t;
	struct ds_error e = DS_ERROR_INIT;
	struct image_tar_meta m = {0644, 0, 0, 0};

	image_tar_init(&t, to_buf, &b);
	ASSERT_EQ_INT(image_tar_dir(&t, "/etc", &m, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "not a clean relative path");
	ds_error_init(&e);
	ASSERT_EQ_INT(image_tar_symlink(&t, "a/../../etc", "x", &m, &e), -1);
	ds_error_init(&e);
	ASSERT_EQ_INT(image_tar_file_begin(&t, "f", 2, &m, &e), 0);
	ASSERT_EQ_INT(image_tar_write(&t, "abc", 3, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "file grew");
	ds_error_init(&e);
	ASSERT_EQ_INT(image_tar_file_end(&t, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "2 bytes missing");
	ds_buf_release(&b);
}
