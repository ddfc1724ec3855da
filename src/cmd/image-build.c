/*
 * cmd/image-build.c - `duckdb-spawn image build`: an OCI image of this binary, no Docker.
 *
 * Thin over lib/image/build.h: parse flags, name the tag, build the layout, report the
 * digest and sizes; with --push, hand the layout to image push (cmd/image-push.c).
 * Reproducible: SOURCE_DATE_EPOCH (default 0) is the only clock read.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "cmd.h"
#include "db/db.h"
#include "image/build.h"
#include "registry-flags.h"
#include "registry/ref.h"

static void human_size(unsigned long long n, char out[32])
{
	if (n >= 1000ULL * 1000)
		snprintf(out, 32, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, 32, "%.1f kB", (double)n / 1e3);
	else
		snprintf(out, 32, "%llu B", n);
}

static int source_date_epoch(long long *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || *end || *out < 0)
		return cmd_error("SOURCE_DATE_EPOCH: '%s' is not a number of seconds", s);
	return 0;
}

static const char *const layer_names[3][3] = {
	{"runtime", "app", NULL},
	{"base", "runtime", "app"},
};

int cmd_image_build(int argc, const char **argv)
{
	const char *tag = NULL, *output = "duckdb-spawn.oci", *base = NULL, *source = NULL;
	const char *gh_repo = getenv("GITHUB_REPOSITORY"), *gh_server = getenv("GITHUB_SERVER_URL");
	int json = 0, push = 0, code, i;
	long level = 9;
	struct cmd_registry_flags rf = CMD_REGISTRY_FLAGS_INIT(120000);
	struct ds_strlist mounts = DS_STRLIST_INIT;
	struct image_build_opts o = {0};
	struct image_build_result r;
	struct ds_error e = DS_ERROR_INIT;
	struct ref ref = REF_INIT;
	char *normalized = NULL, src_buf[512];
	const struct ds_option opts[] = {
		DS_OPT_STRING('t', "tag", &tag, "REF", "the reference the image will be pushed as"),
		DS_OPT_STRING('o', "output", &output, "DIR",
			      "OCI image layout to write (default duckdb-spawn.oci)"),
		DS_OPT_STRING(0, "base", &base, "TARBALL", "a root filesystem (.tar or .tar.gz) to put underneath"),
		DS_OPT_STRING(0, "source", &source, "URL",
			      "source repository label (default: from GITHUB_REPOSITORY)"),
		DS_OPT_INT(0, "gzip-level", &level, 1, 9,
			   "layer compression, 1 (fast) to 9 (small, the default)"),
		DS_OPT_BOOL(0, "json", &json, "print a JSON object"),
		DS_OPT_GROUP("pushing (--push)"),
		DS_OPT_BOOL(0, "push", &push, "push the image to --tag once built (see image push)"),
		DS_OPT_LIST(0, "mount-from", &mounts, "REPO",
			    "mount blobs from this repository of the same registry when it has them"),
		CMD_REGISTRY_OPTIONS(&rf, "limit on each exchange (default 2m)"),
		DS_OPT_END(),
	};

	if (cmd_parse(argc, argv, opts, "image build", "--tag=REF [--output=DIR] [--base=TARBALL] [--push]",
		      &code) < 0)
		goto out_flags;
	code = EXIT_USAGE;
	if (!tag) {
		code = cmd_usage_error("image build", "--tag is required");
		goto out_flags;
	}
	if (cmd_registry_flags_finish(&rf, "image build", &code))
		goto out_flags;
	if (ref_parse(&ref, tag, &e)) {
		char *fix = ref_suggest(tag);

		code = cmd_usage_error("image build", "--tag '%s': %s%s%s%s", tag, ds_error_msg(&e),
				       fix ? "; did you mean '" : "", fix ? fix : "", fix ? "'?" : "");
		free(fix);
		goto out_flags;
	}
	if (!ref.tag) {
		code = cmd_usage_error("image build", "--tag '%s': needs a tag, not only a digest", tag);
		goto out;
	}
	if (!source && gh_repo && *gh_repo) {
		snprintf(src_buf, sizeof(src_buf), "%s/%s",
			 gh_server && *gh_server ? gh_server : "https://github.com", gh_repo);
		source = src_buf;
	}
	o.layout_dir = output;
	o.gzip_level = (int)level;
	o.ref_name = ref.tag;
	o.base_rootfs = base;
	o.version = DS_VERSION;
	o.revision = DS_GIT_REVISION;
	o.source = source;
	if (source_date_epoch(&o.created)) {
		code = EXIT_FAILURE_;
		goto out;
	}
	normalized = ref_string(&ref);
	/* The closure is what this process has loaded: DuckDB too, which is loaded on demand. */
	if (db_load(&e)) {
		code = cmd_error("image build: the image needs DuckDB: %s", ds_error_msg(&e));
		goto out;
	}
	if (image_build(&o, &r, &e)) {
		code = cmd_error("image build: %s", ds_error_msg(&e));
		goto out;
	}
	if (json && !push) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:[]}", "reference", tag,
				      "normalized", normalized ? normalized : tag, "layout", output,
				      "digest", r.manifest.digest, "config", r.config.digest,
				      "compressed_size", (json_int_t)r.compressed_size,
				      "uncompressed_size", (json_int_t)r.uncompressed_size, "layers");
		char *s;

		for (i = 0; i < r.nlayers; i++)
			json_array_append_new(
				json_object_get(j, "layers"),
				json_pack("{s:s, s:s, s:s, s:I, s:I}", "name",
					  layer_names[r.nlayers - 2][i], "digest", r.layers[i].blob.digest,
					  "diff_id", r.layers[i].diff_id, "size",
					  (json_int_t)r.layers[i].blob.size, "uncompressed_size",
					  (json_int_t)r.layers[i].uncompressed_size));
		s = json_dumps(j, JSON_INDENT(2));
		puts(s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		char a[32], b[32];
		FILE *f = push ? stderr : stdout; /* with --push, the push result is the output */

		fprintf(f, "built %s in %s\n", normalized ? normalized : tag, output);
		fprintf(f, "  digest %s\n", r.manifest.digest);
		for (i = 0; i < r.nlayers; i++) {
			human_size(r.layers[i].blob.size, a);
			human_size(r.layers[i].uncompressed_size, b);
			fprintf(f, "  layer  %-8s %s  %s (%s uncompressed)\n",
				layer_names[r.nlayers - 2][i], r.layers[i].blob.digest, a, b);
		}
		human_size(r.compressed_size, a);
		human_size(r.uncompressed_size, b);
		fprintf(f, "  size   %s compressed, %s uncompressed\n", a, b);
	}
	code = EXIT_OK;
	if (push)
		code = cmd_image_push_layout(output, ref.tag, &tag, 1, &rf, &mounts, json, 0);
out:
	free(normalized);
	ref_release(&ref);
out_flags:
	cmd_registry_flags_release(&rf);
	ds_strlist_release(&mounts);
	return code;
}
