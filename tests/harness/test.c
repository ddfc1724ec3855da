/*
 * harness/test.c - the runner behind TEST(): registration, failure, skip, cleanups.
 *
 * "<exe> NAME" runs one test; "<exe>" with no argument lists the names; "<exe> --all" runs
 * them all in this process, one after another (a quick local loop; CTest is the real
 * runner).
 */
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 512
#define MAX_DEFER 64

static struct {
	const char *name;
	ds_test_fn fn;
} tests[MAX_TESTS];
static size_t ntests;

static struct {
	void (*fn)(void *);
	void *arg;
} defers[MAX_DEFER];
static size_t ndefers;

void ds_test_register(const char *name, ds_test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "harness: more than %d tests in one file\n", MAX_TESTS);
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void ds_test_defer(void (*fn)(void *), void *arg)
{
	if (ndefers == MAX_DEFER) {
		fprintf(stderr, "harness: more than %d deferred cleanups\n", MAX_DEFER);
		abort();
	}
	defers[ndefers].fn = fn;
	defers[ndefers].arg = arg;
	ndefers++;
}

static void run_defers(void)
{
	while (ndefers) {
		ndefers--;
		defers[ndefers].fn(defers[ndefers].arg);
	}
}

void ds_test_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ds_test_fail(const char *file, int line, const char *fmt, ...)
{
	static int failing;
	va_list ap;

	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	/* A cleanup that fails an assertion must not recurse into the cleanups. */
	if (!failing) {
		failing = 1;
		run_defers();
	}
	_exit(1);
}

void ds_test_skip(const char *fmt, ...)
{
	const char *req = getenv("DS_TEST_REQUIRE_ALL");
	int required = req && *req && *req != '0';
	va_list ap;

	fputs(required ? "FAIL (DS_TEST_REQUIRE_ALL is set, cannot skip): " : "SKIP: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	run_defers();
	_exit(required ? 1 : 77);
}

static int run_one(size_t i)
{
	fprintf(stderr, "# %s\n", tests[i].name);
	tests[i].fn();
	run_defers();
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		for (i = 0; i < ntests; i++)
			puts(tests[i].name);
		return 0;
	}
	if (!strcmp(argv[1], "--all")) {
		for (i = 0; i < ntests; i++)
			run_one(i);
		fprintf(stderr, "%zu passed, 0 failed\n", ntests);
		return 0;
	}
	for (i = 0; i < ntests; i++)
		if (!strcmp(tests[i].name, argv[1]))
			return run_one(i);
	fprintf(stderr, "harness: no test named '%s'\n", argv[1]);
	return 2;
}
