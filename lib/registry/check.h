/*
 * registry/check.h - the registry doctor: can a platform that needs linux/amd64 pull this
 * image, and if not, exactly why.
 *
 * registry_check() parses the reference, finds credentials, talks to the registry (HTTP API
 * v2: manifest, index, config blob, tags), and fills a struct registry_check_result with one
 * verdict (registry/verdict.h), a one-line summary, the evidence (each HTTP exchange that
 * decided it, and a few notes), the fix, and what it learnt on the way (digest, platforms,
 * exposed ports, rate limit). It prints nothing and never exits; render the result with
 * registry_check_result_render() or registry_check_result_to_json().
 *
 * Secrets (passwords, access tokens, registry tokens) never reach the result: not the
 * evidence, not the summary, not the fix; every string is scrubbed of them before return.
 *
 * In-process use (koyeb deploy, the Koyeb fixture's verify endpoint):
 *
 *	struct registry_check_opts o = REGISTRY_CHECK_OPTS_INIT;
 *	struct registry_check_result r;
 *
 *	o.reference = "docker.io/acme/api:1.2";
 *	o.username = "acme";                     // credentials of a Koyeb secret, say
 *	o.password = &secret;                    // struct ds_secret, borrowed
 *	o.creds_label = "Koyeb secret 'hub'";
 *	o.flags = REGISTRY_CHECK_NO_AMBIENT_CREDS;  // not the environment, not config.json
 *	registry_check(&o, &r);
 *	... r.verdict, registry_verdict_koyeb_code(r.verdict), r.summary ...
 *	registry_check_result_release(&r);
 */
#ifndef DS_REGISTRY_CHECK_H
#define DS_REGISTRY_CHECK_H

#include <stddef.h>

#include "core/buf.h"
#include "core/secret.h"
#include "core/strlist.h"
#include "registry/verdict.h"

/* Where a reference domain is served: "docker.io" -> "https://registry-1.docker.io" unless
 * overridden (tests point docker.io at a local registry: {"docker.io",
 * "http://127.0.0.1:5000"}). url has a scheme and no path. */
struct registry_endpoint {
	const char *domain;
	const char *url;
};

enum registry_check_flags {
	/* Use only username/password: not REGISTRY_*, DOCKER_HUB_* nor config.json. For a check
	 * on behalf of someone else's credentials (a Koyeb secret). */
	REGISTRY_CHECK_NO_AMBIENT_CREDS = 1 << 0,
	/* Do not verify TLS certificates; allow the plain-HTTP fallback for any host (the
	 * verdict is then INVALID_SCHEME: a platform pulls over https only). */
	REGISTRY_CHECK_INSECURE = 1 << 1,
	/* HEAD the manifest before GET even off Docker Hub (what --wait does). */
	REGISTRY_CHECK_HEAD_FIRST = 1 << 2,
};

struct registry_wait_progress {
	int attempt;              /* 1 for the first */
	enum registry_verdict verdict; /* of this attempt */
	const char *summary;
	long elapsed_ms;
	long next_in_ms;          /* -1: no further attempt */
};

struct registry_check_opts {
	const char *reference;       /* as the user wrote it */
	const char *platform;        /* "os/arch[/variant]"; NULL: "linux/amd64" */
	const char *username;        /* explicit credentials, with password (borrowed) */
	const struct ds_secret *password;
	const char *creds_label;     /* how evidence names them; NULL: "--username" */
	unsigned flags;              /* enum registry_check_flags */
	const char *ca_file;         /* PEM bundle to trust instead of the system store */
	const char *docker_config_dir; /* NULL: $DOCKER_CONFIG, else ~/.docker */
	const struct registry_endpoint *endpoints; /* overrides, nendpoints of them */
	size_t nendpoints;
	long timeout_ms;         /* one attempt, every exchange included; 0: 30 s */
	long connect_timeout_ms; /* 0: 5 s (capped by what is left of timeout_ms) */
	long wait_ms;            /* poll until the image is there, for this long; 0: check once */
	void (*progress)(void *ctx, const struct registry_wait_progress *p); /* under wait_ms */
	void *progress_ctx;
};

#define REGISTRY_CHECK_OPTS_INIT                                                               \
	{NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL}

/* One line of evidence: an HTTP exchange (method set) or a note (method NULL). */
struct registry_evidence {
	char *text;       /* the whole line, as rendered */
	char *method;     /* NULL for a note */
	char *url;
	long status;      /* 0: no response */
	char *registry_error; /* "MANIFEST_UNKNOWN", "TOOMANYREQUESTS", ... or NULL */
	char *failure;    /* http_fail_name() when no response: "dns", "timeout", ... */
};

struct registry_platform {
	char *os, *architecture, *variant, *os_version; /* variant/os_version may be NULL */
	char *digest; /* of its manifest, when from an index */
};

struct registry_check_result {
	enum registry_verdict verdict;
	char *reference;  /* as given */
	char *normalized; /* "docker.io/library/nginx:latest", NULL when MALFORMED */
	char *platform;   /* the one asked for */
	char *summary;    /* one line: what was found */
	char *fix;        /* what to do; NULL for OK */
	char *digest;     /* what the reference resolves to (the index's, for an index) */
	char *media_type;
	struct registry_evidence *evidence;
	size_t nevidence;
	struct registry_platform *platforms; /* every platform the image offers */
	size_t nplatforms;
	struct ds_strlist exposed_ports; /* "8000/tcp", from the config of the chosen image */
	struct ds_strlist nearest_tags;  /* on a missing tag: closest first */
	char *creds_source; /* "none", "--username", "REGISTRY_USERNAME", "... config.json auths['x']" */
	char *username;     /* who we authenticated as, NULL when anonymous */
	char *malformed_rule; /* ref_rule_name() of a MALFORMED reference */
	struct {
		long limit, remaining, window_s; /* -1 when the registry did not say */
		long retry_after_ms;             /* -1 when absent */
	} rate;
	struct {
		unsigned long requests, connections, token_requests;
		long elapsed_ms;
		int attempts; /* > 1 under wait_ms */
	} stats;
};

void registry_check_result_init(struct registry_check_result *r);
void registry_check_result_release(struct registry_check_result *r);

/* Run the doctor. Always fills r (init it or not: it is initialised here); returns r->verdict's
 * exit code (0 only for OK). */
int registry_check(const struct registry_check_opts *o, struct registry_check_result *r);

/* The human form: "VERDICT: summary", "  evidence: ..." lines, "  fix: ...". Appends to out. */
int registry_check_result_render(const struct registry_check_result *r, struct ds_buf *out);

/* One JSON object (indented when pretty): reference, normalized, verdict, exit_code,
 * koyeb_code, summary, fix, evidence[], digest, media_type, platforms[], exposed_ports[],
 * nearest_tag, nearest_tags[], credentials{}, rate_limit{}, stats{}. Allocated; NULL when
 * memory is short. */
char *registry_check_result_to_json(const struct registry_check_result *r, int pretty);

#endif
