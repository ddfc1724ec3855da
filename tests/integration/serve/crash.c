/*
 * Crash durability (issue 2): writers hammer POST while the server is killed with SIGKILL,
 * again and again; after each restart every project whose 201 was received is present and
 * intact. Labelled slow: about half a minute.
 */
#include <signal.h>
#include <sys/wait.h>

#include "core/rand.h"
#include "harness.h"
#include "server.h"
#include "test.h"
#include "writers.h"

#define CYCLES 24

TEST(serve_crash_durability_every_acknowledged_write_survives_sigkill)
{
	struct writers *w = writers_new();
	struct srv s;
	const char *db = ds_test_path(ds_test_tmpdir(), "crash.db");
	size_t verified = 0;
	int cycle;

	for (cycle = 0; cycle < CYCLES; cycle++) {
		size_t before;

		srv_start(&s, db, NULL, NULL);
		/* What the previous cycle had acknowledged before the kill. */
		writers_verify(&s, w, verified);
		verified = w->nacks;
		before = w->nacks;
		writers_start(w, s.port, cycle);
		nap_ms(150 + (long)(ds_random_u64() % 250));
		ds_proc_signal(&s.p, SIGKILL);
		ASSERT_EQ_INT(ds_proc_wait(&s.p, 10000), 0);
		ASSERT_MSG(WIFSIGNALED(s.p.status) && WTERMSIG(s.p.status) == SIGKILL,
			   "serve ended by itself (status %d) before the kill", s.p.status);
		writers_join(w);
		ASSERT_MSG(w->nacks > before, "cycle %d: no write was acknowledged", cycle);
	}
	srv_start(&s, db, NULL, NULL);
	writers_verify(&s, w, verified);
	ds_test_note("%zu acknowledged writes over %d SIGKILL cycles, all present and intact",
		     w->nacks, CYCLES);
	srv_stop_ok(&s);
}
