/*
 * cmd/image-check.c - `duckdb-spawn image check REF`: the registry doctor's command line.
 *
 * Thin by design: flags become a struct registry_check_opts, lib/registry decides
 * (registry_check), and this file renders the result, human or --json, on stdout and exits
 * with the verdict's code (registry/verdict.h; 0 only for OK, 2 for bad usage). The
 * password comes from stdin only (--password-stdin), never from argv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "registry-flags.h"
#include "registry/check.h"

static void progress(void *ctx, const struct registry_wait_progress *p)
{
	const char *ref = ctx;

	if (p->next_in_ms < 0) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		return;
	}
	fprintf(stderr, "\r\033[Kwaiting for %s: %s (attempt %d, %.1f s), next try in %.1f s", ref,
		registry_verdict_name(p->verdict), p->attempt, (double)p->elapsed_ms / 1000,
		(double)p->next_in_ms / 1000);
	fflush(stderr);
}

int cmd_image_check(int argc, const char **argv)
{
	const char *platform = "linux/amd64";
	int json = 0, stats = 0, code, n;
	long wait_ms = 0;
	struct cmd_registry_flags rf = CMD_REGISTRY_FLAGS_INIT(30000);
	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
	struct registry_check_result r;
	struct ds_buf out = DS_BUF_INIT(0);
	const struct ds_option opts[] = {
		DS_OPT_BOOL(0, "json", &json, "print one JSON object instead of text"),
		DS_OPT_STRING(0, "platform", &platform, "OS/ARCH[/VARIANT]",
			      "the platform that must run the image (default linux/amd64)"),
		DS_OPT_DURATION(0, "wait", &wait_ms,
				"poll until the image is there (a tag just pushed), at most this long"),
		CMD_REGISTRY_OPTIONS(&rf, "give up on the registry after this long (default 30s)"),
		DS_OPT_BOOL(0, "stats", &stats, NULL),
		DS_OPT_END(),
	};

	n = cmd_parse(argc, argv, opts, "image check", "[<options>] <image-reference>", &code);
	if (n < 0)
		goto out_code;
	if (n != 1) {
		if (n)
			code = cmd_usage_error("image check", "one image reference, not %d", n);
		else
			code = cmd_usage_error("image check", "an image reference is required");
		goto out_code;
	}
	if (cmd_registry_flags_finish(&rf, "image check", &code))
		goto out_code;
	o.reference = argv[0];
	o.platform = platform;
	o.username = rf.username;
	o.password = &rf.password;
	o.creds_label = "--username/--password-stdin";
	o.flags = rf.insecure ? REGISTRY_CHECK_INSECURE : 0;
	o.ca_file = rf.ca_file;
	o.docker_config_dir = rf.docker_config;
	o.endpoints = rf.endpoints;
	o.nendpoints = rf.nendpoints;
	o.timeout_ms = rf.timeout_ms;
	o.connect_timeout_ms = rf.connect_timeout_ms;
	o.wait_ms = wait_ms;
	if (wait_ms > 0 && isatty(2)) {
		o.progress = progress;
		o.progress_ctx = (void *)argv[0];
	}

	code = registry_check(&o, &r);
	if (json) {
		char *s = registry_check_result_to_json(&r, 1);

		if (!s) {
			code = cmd_error("out of memory");
		} else {
			puts(s);
			free(s);
		}
	} else if (registry_check_result_render(&r, &out)) {
		code = cmd_error("out of memory");
	} else {
		fputs(ds_buf_str(&out), stdout);
	}
	if (stats)
		fprintf(stderr, "stats: requests=%lu connections=%lu token_requests=%lu elapsed_ms=%ld "
				"attempts=%d\n",
			r.stats.requests, r.stats.connections, r.stats.token_requests,
			r.stats.elapsed_ms, r.stats.attempts);
	registry_check_result_release(&r);
	fflush(stdout);
out_code:
	ds_buf_release(&out);
	cmd_registry_flags_release(&rf);
	return code;
}
