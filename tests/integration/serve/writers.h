/*
 * integration/serve/writers.h - threads that POST projects as fast as the server takes them
 * and remember every one acknowledged with 201, to check after a crash or a drain that each
 * is present and intact. libcurl directly: the harness's client is single-threaded.
 */
#ifndef DS_TEST_SERVE_WRITERS_H
#define DS_TEST_SERVE_WRITERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "server.h"

#define WRITERS 6

struct ack {
	char id[37];
	char name[48];
	char amount[32];
};

struct writers {
	int port;
	int cycle;
	atomic_int stop;
	pthread_mutex_t m;
	struct ack *acks;
	size_t nacks, cap;
	long errors;
	pthread_t t[WRITERS];
	struct writer_arg {
		struct writers *w;
		int thread;
	} args[WRITERS];
};

/* A new set of writers (freed when the test ends). */
struct writers *writers_new(void);
void writers_start(struct writers *w, int port, int cycle);
/* Ask them to stop and wait (a writer also stops by itself when the server is gone). */
void writers_join(struct writers *w);
/* Every acknowledged project from index from on is there with exactly what was sent. */
void writers_verify(const struct srv *s, const struct writers *w, size_t from);

void nap_ms(long ms);

#endif
