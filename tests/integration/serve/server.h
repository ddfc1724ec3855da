/*
 * integration/serve/server.h - running `duckdb-spawn serve` for a test, and talking to it
 * over raw sockets when libcurl is too polite (truncated bodies, slow clients, floods).
 */
#ifndef DS_TEST_SERVE_SERVER_H
#define DS_TEST_SERVE_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "harness.h"

struct srv {
	struct ds_proc p;
	int port;
	const char *db;  /* the database path it was started with */
	char base[64];   /* http://127.0.0.1:PORT */
};

/*
 * Start serve on 127.0.0.1, port 0 (the port is read from its "listening" log line), on
 * db (NULL: a fresh file in the test's tmpdir), with extra argv (NULL-terminated, may be
 * NULL) and env. Waits until /health answers 200 (10 s), or fails the test.
 */
void srv_start(struct srv *s, const char *db, const char *const *args, const char *const *env);
/* SIGTERM, wait (15 s), and require exit status 0. */
void srv_stop_ok(struct srv *s);
const char *srv_url(const struct srv *s, const char *path);

/* body parsed as any JSON value, kept until the test ends; fails the test if it is not JSON. */
json_t *srv_json(const char *body);

/* A POST of a valid project; returns the new id (fails the test unless 201). */
const char *srv_create(const struct srv *s, const char *name, const char *amount);

/* Raw TCP to 127.0.0.1:port. raw_read reads until EOF, timeout_ms of silence, or max
 * bytes; returns the bytes (test-allocated, NUL-terminated) and sets *eof when the peer
 * closed. */
int raw_connect(int port);
int raw_send(int fd, const void *data, size_t n); /* 0, or -1 when the peer is gone */
char *raw_read(int fd, int timeout_ms, size_t max, int *eof);

/* Status code of a raw HTTP response ("HTTP/1.1 413 ..."), or 0. */
int raw_status(const char *resp);

#endif
