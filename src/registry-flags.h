/*
 * registry-flags.h - the flags every command that talks to a registry shares.
 *
 * image check, image push and image build --push take credentials, CA, endpoint overrides
 * and timeouts the same way; this keeps the spelling, the help text and the checks (a
 * password only ever from stdin) in one place.
 *
 *	struct cmd_registry_flags rf = CMD_REGISTRY_FLAGS_INIT(120000);
 *	const struct ds_option opts[] = {
 *		...,
 *		CMD_REGISTRY_OPTIONS(&rf, "give up after this long (default 2m)"),
 *		DS_OPT_END(),
 *	};
 *	n = cmd_parse(...);
 *	if (cmd_registry_flags_finish(&rf, "image push", &code)) return code;
 *	... rf.username, &rf.password, rf.endpoints, rf.nendpoints ...
 *	cmd_registry_flags_release(&rf);
 */
#ifndef DS_REGISTRY_FLAGS_H
#define DS_REGISTRY_FLAGS_H

#include "core/opt.h"
#include "core/secret.h"
#include "core/strlist.h"
#include "registry/check.h"

#define CMD_REGISTRY_ENDPOINTS_MAX 16

struct cmd_registry_flags {
	const char *username;
	int password_stdin;
	const char *docker_config;
	const char *ca_file;
	int insecure;
	long timeout_ms;
	long connect_timeout_ms;
	struct ds_strlist endpoint_args;
	/* Filled by cmd_registry_flags_finish(). */
	struct ds_secret password;
	struct registry_endpoint endpoints[CMD_REGISTRY_ENDPOINTS_MAX];
	size_t nendpoints;
};

#define CMD_REGISTRY_FLAGS_INIT(timeout)                                                           \
	{NULL, 0, NULL, NULL, 0, (timeout), 5000, DS_STRLIST_INIT, DS_SECRET_INIT, {{0}}, 0}

#define CMD_REGISTRY_OPTIONS(f, timeout_help)                                                      \
	DS_OPT_GROUP("credentials (default: REGISTRY_USERNAME/REGISTRY_PASSWORD, "                 \
		     "DOCKER_HUB_USERNAME/DOCKER_HUB_ACCESS_TOKEN, ~/.docker/config.json)"),       \
	DS_OPT_STRING('u', "username", &(f)->username, "USER", "registry user name"),              \
	DS_OPT_BOOL(0, "password-stdin", &(f)->password_stdin,                                     \
		    "read the password or access token from stdin"),                               \
	DS_OPT_STRING(0, "docker-config", &(f)->docker_config, "DIR",                              \
		      "folder of config.json (default $DOCKER_CONFIG, else ~/.docker)"),           \
	DS_OPT_GROUP("connection"),                                                                \
	DS_OPT_STRING(0, "ca-file", &(f)->ca_file, "FILE",                                         \
		      "PEM bundle of CAs to trust instead of the system store"),                   \
	DS_OPT_BOOL(0, "insecure", &(f)->insecure,                                                 \
		    "do not verify TLS certificates; allow plain HTTP for any host"),              \
	DS_OPT_DURATION(0, "timeout", &(f)->timeout_ms, (timeout_help)),                           \
	DS_OPT_DURATION(0, "connect-timeout", &(f)->connect_timeout_ms,                            \
			"limit on each TCP+TLS connect (default 5s)"),                             \
	DS_OPT_LIST(0, "endpoint", &(f)->endpoint_args, "DOMAIN=URL",                              \
		    "serve DOMAIN from URL (a mirror, or a local registry for docker.io)")

/* Check the combination, read the password from stdin, split --endpoint values. Returns 0,
 * or -1 with *code set after printing a usage error for command name. */
int cmd_registry_flags_finish(struct cmd_registry_flags *f, const char *name, int *code);
void cmd_registry_flags_release(struct cmd_registry_flags *f);

#endif
