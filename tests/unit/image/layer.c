/*
 * Tests for lib/image/layer.c: digests agree with sha256sum and gzip, layers are
 * reproducible, blobs are content-addressed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "image/layer.h"
#include "image/tar.h"
#include "test.h"

static void make_layer(const char *layout, struct image_layer_info *info)
{
	struct image_layer_writer *w;
	struct image_tar t;
	struct ds_error e = DS_ERROR_INIT;
	struct image_tar_meta m = {0644, 0, 0, 0};
	static char data[300000];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)("duckdb-spawn"[i % 12] + (i / 4096));
	ASSERT_EQ_INT(image_layer_open(&w, layout, 6, &e), 0);
	image_tar_init(&t, image_layer_sink, w);
	ASSERT_EQ_INT(image_tar_file_begin(&t, "usr/share/data.bin", sizeof(data), &m, &e), 0);
	ASSERT_EQ_INT(image_tar_write(&t, data, sizeof(data), &e), 0);
	ASSERT_EQ_INT(image_tar_file_end(&t, &e), 0);
	ASSERT_EQ_INT(image_tar_finish(&t, &e), 0);
	ASSERT_MSG(image_layer_close(w, info, &e) == 0, "%s", ds_error_msg(&e));
}

static const char *sh(const char *cmd)
{
	const char *argv[] = {"sh", "-c", cmd, NULL};
	struct ds_run r;

	ds_run(&r, argv, NULL, NULL, 20000);
	ASSERT_MSG(r.code == 0, "'%s' failed: %s", cmd, r.err);
	return r.out;
}

TEST(image_layer_digests_match_sha256sum_and_gunzip)
{
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	struct image_layer_info info;
	char *blob;

	ds_test_require_program("sha256sum");
	ds_test_require_program("gzip");
	make_layer(layout, &info);
	blob = image_blob_path(layout, info.blob.digest);
	ASSERT_EQ_STR(sh(ds_test_printf("sha256sum < %s | cut -c1-64", blob)),
		      ds_test_printf("%s\n", info.blob.digest + 7));
	ASSERT_EQ_STR(sh(ds_test_printf("gzip -dc < %s | sha256sum | cut -c1-64", blob)),
		      ds_test_printf("%s\n", info.diff_id + 7));
	ASSERT_EQ_STR(sh(ds_test_printf("gzip -dc < %s | wc -c", blob)),
		      ds_test_printf("%llu\n", (unsigned long long)info.uncompressed_size));
	ASSERT_EQ_STR(sh(ds_test_printf("ls %s/blobs/sha256 | wc -l", layout)), "1\n");
	free(blob);
}

TEST(image_layer_same_content_gives_same_digest)
{
	struct image_layer_info a, b;

	make_layer(ds_test_path(ds_test_tmpdir(), "one"), &a);
	make_layer(ds_test_path(ds_test_tmpdir(), "two"), &b);
	ASSERT_EQ_STR(a.blob.digest, b.blob.digest);
	ASSERT_EQ_STR(a.diff_id, b.diff_id);
	ASSERT_NE_INT(strcmp(a.blob.digest, a.diff_id), 0);
}

TEST(image_blob_put_is_content_addressed_and_idempotent)
{
	const char *layout = ds_test_path(ds_test_tmpdir(), "oci");
	struct image_blob b1, b2;
	struct ds_error e = DS_ERROR_INIT;
	char *path;

	ASSERT_EQ_INT(image_blob_put(layout, "{}", 2, &b1, &e), 0);
	ASSERT_EQ_INT(image_blob_put(layout, "{}", 2, &b2, &e), 0);
	ASSERT_EQ_STR(b1.digest,
		      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
	ASSERT_EQ_INT(b1.size, 2);
	path = image_blob_path(layout, b1.digest);
	ASSERT_EQ_STR(ds_test_read_file(path, NULL), "{}");
	free(path);
}
