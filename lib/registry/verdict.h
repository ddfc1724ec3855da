/*
 * registry/verdict.h - the doctor's verdicts: one table for names, exit codes, summaries,
 * fixes and Koyeb's code.
 *
 * The vocabulary is Koyeb's own (VerifyDockerImageReply.ErrCode in koyeb/openapi.json) plus
 * the two causes Koyeb folds into others: RATE_LIMITED and TLS. Everything that must agree
 * about a verdict is a column of REGISTRY_VERDICTS, so a name, its exit code, its generic
 * summary and fix cannot drift apart. registry_check() usually replaces the generic summary
 * and fix with specific ones ("tag '1.2' not found in docker.io/acme/api").
 *
 * Exit codes are per verdict class (docs/cli/exit-codes.md): 0 only for OK; 1 GENERIC;
 * 2 is bad usage of the command itself and never a verdict; 3 not found; 4 access denied;
 * 5 wrong platform; 6 rate limited; 7 the reference or its scheme; 8 the registry could not
 * be reached (DNS, TIMEOUT, TLS); 9 the registry answered with an error.
 *
 * Columns: X(NAME, exit code, Koyeb ErrCode, generic summary, generic fix (NULL for OK)).
 *
 * To add a verdict:
 *   1. add a row below (keep OK first and GENERIC last);
 *   2. teach lib/registry/check.c when to give it (a classifier, with evidence and a fix);
 *   3. add its section to docs/verdicts.md (tests/meta keeps the two in step) and, if it
 *      brings a new exit code, a row to docs/cli/exit-codes.md;
 *   4. add a scenario under tests/cases/image/ that produces it against a real registry.
 */
#ifndef DS_REGISTRY_VERDICT_H
#define DS_REGISTRY_VERDICT_H

#define REGISTRY_VERDICTS(X)                                                                       \
	X(OK, 0, "", "the image can be pulled for the platform", NULL)                             \
	X(AUTH_ACCESS_DENIED, 4, "AUTH_ACCESS_DENIED", "the registry denied the credentials",      \
	  "check the username and the password or access token, and that this account may pull "  \
	  "the repository")                                                                        \
	X(ANON_ACCESS_DENIED, 4, "ANON_ACCESS_DENIED", "the registry denied anonymous access",     \
	  "pass credentials (--username with --password-stdin, REGISTRY_USERNAME and "            \
	  "REGISTRY_PASSWORD, or docker login) or make the repository public")                    \
	X(AUTH_NOT_FOUND, 3, "AUTH_NOT_FOUND", "the image was not found (with credentials)",       \
	  "check the repository name and the tag, or push the image")                             \
	X(ANON_NOT_FOUND, 3, "ANON_NOT_FOUND", "the image was not found (anonymous)",              \
	  "check the repository name and the tag, or push the image")                             \
	X(RATE_LIMITED, 6, "REGISTRY_ERROR", "the registry's rate limit was hit",                  \
	  "wait until the limit resets, or authenticate: Docker Hub allows more pulls to "        \
	  "signed-in accounts")                                                                    \
	X(REGISTRY_ERROR, 9, "REGISTRY_ERROR", "the registry answered with an error",              \
	  "retry later; if it persists, check the registry's status")                             \
	X(TIMEOUT, 8, "TIMEOUT", "the registry did not answer in time",                           \
	  "check that the registry is up and reachable, or raise --timeout")                      \
	X(DNS, 8, "DNS", "the registry's host name does not resolve",                             \
	  "check the registry domain in the image reference")                                     \
	X(TLS, 8, "GENERIC", "the TLS connection to the registry failed",                         \
	  "use a certificate from a public CA (Koyeb verifies it), or pass --ca-file for a "      \
	  "private CA when checking from here")                                                    \
	X(MALFORMED, 7, "MALFORMED", "the image reference is malformed",                          \
	  "write it as [registry/]repository[:tag][@sha256:digest]")                              \
	X(INVALID_SCHEME, 7, "INVALID_SCHEME", "the registry is not served over https",           \
	  "serve the registry over https; Koyeb pulls over https only")                           \
	X(INVALID_OS, 5, "INVALID_OS", "the image is not built for the platform's OS",            \
	  "build the image for linux (docker buildx build --platform linux/amd64)")               \
	X(INVALID_ARCH, 5, "INVALID_ARCH", "the image is not built for the platform's architecture", \
	  "build for linux/amd64 (docker buildx build --platform linux/amd64), or publish a "     \
	  "multi-arch index that includes it")                                                     \
	X(GENERIC, 1, "GENERIC", "the image cannot be checked", "see the evidence")

enum registry_verdict {
#define REGISTRY_VERDICT_ENUM_(name, code, koyeb, summary, fix) REGISTRY_##name,
	REGISTRY_VERDICTS(REGISTRY_VERDICT_ENUM_)
#undef REGISTRY_VERDICT_ENUM_
	REGISTRY_VERDICT_COUNT_
};

/* "OK", "ANON_NOT_FOUND", ...; "GENERIC" for an out-of-range value. */
const char *registry_verdict_name(enum registry_verdict v);
/* The process exit code for v (0 only for OK). */
int registry_verdict_exit_code(enum registry_verdict v);
/* Koyeb's ErrCode for v ("" for OK): what /v1/docker-helper/verify would answer. */
const char *registry_verdict_koyeb_code(enum registry_verdict v);
const char *registry_verdict_summary(enum registry_verdict v);
const char *registry_verdict_fix(enum registry_verdict v); /* NULL for OK */
/* The verdict called name (exact, upper case), or -1. */
int registry_verdict_parse(const char *name);

#endif
