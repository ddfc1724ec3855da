/*
 * cmd/image-push.c - `duckdb-spawn image push REF...`: an OCI layout's image to registries.
 *
 * Thin over lib/image/push.h. Several references push the same image under several tags
 * (the commit SHA and "latest"); blobs already sent are found by HEAD and not sent again.
 * Prints the pushed digest per reference; progress goes to stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "image/push.h"
#include "registry-flags.h"

static void progress(void *ctx, const char *line)
{
	fprintf(stderr, "%s: %s\n", (const char *)ctx, line);
}

int cmd_image_push_layout(const char *layout, const char *from_tag, const char *const *refs,
			  int nrefs, struct cmd_registry_flags *rf, const struct ds_strlist *mounts,
			  int json, int quiet)
{
	json_t *out = json ? json_array() : NULL;
	int i, code = EXIT_OK;

	for (i = 0; i < nrefs; i++) {
		struct image_push_opts o = {0};
		struct image_push_result r;
		struct ds_error e = DS_ERROR_INIT;

		o.layout_dir = layout;
		o.ref_name = from_tag;
		o.target = refs[i];
		o.username = rf->username;
		o.password = &rf->password;
		o.docker_config_dir = rf->docker_config;
		o.ca_file = rf->ca_file;
		o.insecure = rf->insecure;
		o.endpoints = rf->endpoints;
		o.nendpoints = rf->nendpoints;
		o.mount_from = (const char *const *)mounts->items;
		o.nmount_from = mounts->n;
		o.timeout_ms = rf->timeout_ms;
		if (!quiet) {
			o.progress = progress;
			o.progress_ctx = (void *)refs[i];
		}
		if (image_push(&o, &r, &e)) {
			code = cmd_error("image push %s: %s", refs[i], ds_error_msg(&e));
			image_push_result_release(&r);
			break;
		}
		if (json)
			json_array_append_new(
				out, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I}",
					       "reference", refs[i], "normalized", r.normalized,
					       "digest", r.digest, "credentials", r.creds_source,
					       "blobs", r.blobs, "present", r.present, "mounted",
					       r.mounted, "uploaded", r.uploaded, "bytes_uploaded",
					       (json_int_t)r.bytes_uploaded, "requests",
					       (json_int_t)r.requests, "connections",
					       (json_int_t)r.connections, "token_requests",
					       (json_int_t)r.token_requests));
		else
			printf("pushed %s@%s (%d blobs: %d uploaded, %d already there, %d mounted)\n",
			       r.normalized, r.digest, r.blobs, r.uploaded, r.present, r.mounted);
		image_push_result_release(&r);
	}
	if (json) {
		char *s = json_dumps(out, JSON_INDENT(2));

		if (code == EXIT_OK)
			puts(s ? s : "[]");
		free(s);
		json_decref(out);
	}
	return code;
}

int cmd_image_push(int argc, const char **argv)
{
	const char *layout = "duckdb-spawn.oci", *from_tag = NULL;
	int json = 0, quiet = 0, code, n;
	struct ds_strlist mounts = DS_STRLIST_INIT;
	struct cmd_registry_flags rf = CMD_REGISTRY_FLAGS_INIT(120000);
	const struct ds_option opts[] = {
		DS_OPT_STRING(0, "layout", &layout, "DIR",
			      "the OCI image layout to read (default duckdb-spawn.oci)"),
		DS_OPT_STRING(0, "from-tag", &from_tag, "TAG",
			      "which image of the layout (its ref.name); needed when it holds several"),
		DS_OPT_LIST(0, "mount-from", &mounts, "REPO",
			    "mount blobs from this repository of the same registry when it has them"),
		DS_OPT_BOOL(0, "json", &json, "print a JSON array, one object per reference"),
		DS_OPT_BOOL('q', "quiet", &quiet, "no progress lines on stderr"),
		CMD_REGISTRY_OPTIONS(&rf, "limit on each exchange (default 2m)"),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "image push", "[<options>] <reference>...", &code);
	if (n < 0)
		goto out;
	if (n == 0) {
		code = cmd_usage_error("image push", "name at least one reference to push to");
		goto out;
	}
	if (cmd_registry_flags_finish(&rf, "image push", &code))
		goto out;
	code = cmd_image_push_layout(layout, from_tag, argv, n, &rf, &mounts, json, quiet);
out:
	cmd_registry_flags_release(&rf);
	ds_strlist_release(&mounts);
	return code;
}
