/*
 * koyeb/verify.h - can Koyeb pull the image? Our doctor's answer and Koyeb's, side by side.
 *
 * Two verdicts in one vocabulary (Koyeb's VerifyDockerImageReply.ErrCode, plus the doctor's
 * RATE_LIMITED and TLS that Koyeb folds into others):
 *
 *   local  lib/registry's doctor run here with the same credentials the Koyeb secret holds
 *          (those given to deploy), or the user's own when none are given;
 *   koyeb  GET /v1/docker-helper/verify?image=&secret_id=, Koyeb pulling with the secret.
 *
 * koyeb_image_fix() reads the pair and says what to do; the telling case is "pullable with
 * your credentials, but the Koyeb secret X is not: recreate it".
 */
#ifndef DS_KOYEB_VERIFY_H
#define DS_KOYEB_VERIFY_H

#include <stddef.h>

#include "core/error.h"
#include "core/secret.h"
#include "core/strlist.h"
#include "koyeb/client.h"

struct koyeb_verdict {
	int ran;           /* 0: not run; why_not says why */
	int ok;
	char *code;        /* "AUTH_ACCESS_DENIED", ...; "OK" when ok */
	char *summary;     /* one line */
	char *fix;         /* NULL when ok */
	char *why_not;     /* when !ran */
	int exit_code;     /* the verdict class's exit code (docs/cli/exit-codes.md) */
	struct ds_strlist evidence;  /* local: the exchanges that decided it */
	struct ds_strlist platforms; /* local: "linux/amd64", ... as the image offers them */
	struct ds_strlist exposed_ports; /* local: "8000/tcp", ... */
};

void koyeb_verdict_init(struct koyeb_verdict *v);
void koyeb_verdict_release(struct koyeb_verdict *v);

/* Koyeb's verdict for image pulled with secret_id (NULL: anonymously). -1 only when Koyeb
 * could not be asked (e set); a failing verdict is 0 with v->ok = 0. */
int koyeb_verify_image(struct koyeb_client *c, const char *image, const char *secret_id,
		       struct koyeb_verdict *v, struct ds_error *e);

struct koyeb_doctor_opts {
	const char *image;
	const char *username;             /* NULL: anonymous, or the user's own credentials */
	const struct ds_secret *password; /* borrowed */
	const char *creds_label;          /* how the evidence names the credentials */
	const char *ca_file;
	int insecure;
	long timeout_ms;
};

/* Whether this build has the doctor (lib/registry). */
int koyeb_doctor_available(void);

/* Run the doctor here; fills v (v->ran = 0 when this build has no doctor). */
void koyeb_doctor_check(const struct koyeb_doctor_opts *o, struct koyeb_verdict *v);

/* What to do, given both verdicts (either may not have run). secret_name may be NULL
 * (anonymous pull). Owned; NULL when both are ok. */
char *koyeb_image_fix(const struct koyeb_verdict *local, const struct koyeb_verdict *koyeb,
		      const char *image, const char *secret_name);

/* The exit code of a Koyeb ErrCode (the doctor's table: 3 not found, 4 access denied, ...). */
int koyeb_verify_exit_code(const char *code);

#endif
