/*
 * db/loader.c - libduckdb.so, loaded when first needed; see db/duckdb-api.h.
 *
 * Where the library is looked for, in order:
 *   1. $DS_LIBDUCKDB, a path (tests of lib/db, which are not the binary);
 *   2. <the executable's folder>/../lib/duckdb-spawn/libduckdb.so, where the build tree, an
 *      install and an image all put it (the binary's RUNPATH says the same, but a dlopen()
 *      that a sanitizer intercepts searches the sanitizer's RUNPATH, not ours);
 *   3. "libduckdb.so" on the caller's RUNPATH and the system path (an image run without
 *      /proc, where the executable's path cannot be read, links it there).
 * Every function of duckdb-api.h is looked up once; a missing one fails the load with its
 * name, so a library of another version is refused up front rather than crashing later.
 *
 * The trampolines below carry DuckDB's own names: lib/db keeps calling the C API as
 * duckdb.h documents it. Calling one before db_load() succeeded is a bug (DS_BUG).
 */
#include "db/db.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/duckdb-api.h"
#include "duckdb.h"

#define DB_LIBRARY "libduckdb.so"

static struct {
#define FIELD_F(ret, name, params, args) ret(*name) params;
#define FIELD_V(name, params, args) void(*name) params;
	DB_DUCKDB_API(FIELD_F, FIELD_V)
#undef FIELD_F
#undef FIELD_V
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *handle;
static char load_error[512];

/*
 * RTLD_LAZY: binding every function of the C++ library up front costs ~15 ms at each start.
 * RTLD_DEEPBIND: libduckdb's thousands of C++ symbols resolve in its own dependencies
 * (libstdc++) first; searched through the global scope, past libcurl's and libmicrohttpd's
 * thirty libraries, they cost 5 ms more than linking the library did. The sanitizers'
 * runtimes refuse DEEPBIND (their malloc must stay interposed), so those builds go without.
 */
static int open_flags(void)
{
	int flags = RTLD_LAZY | RTLD_LOCAL;

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	flags |= RTLD_DEEPBIND;
#endif
	return flags;
}

/* <folder of /proc/self/exe>/../lib/duckdb-spawn/libduckdb.so, or "" when unreadable. */
static void beside_executable(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	out[0] = '\0';
	if (len <= 0)
		return;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(out, n, "%s/../lib/duckdb-spawn/" DB_LIBRARY, exe);
}

static void load(void)
{
	const char *env = getenv("DS_LIBDUCKDB"), *why = NULL;
	char path[PATH_MAX + 64];

	if (env && *env) {
		handle = dlopen(env, open_flags());
		if (!handle) {
			why = dlerror();
			snprintf(load_error, sizeof(load_error), "cannot load DuckDB (DS_LIBDUCKDB=%s): %s",
				 env, why ? why : "unknown error");
			return;
		}
	}
	if (!handle) {
		beside_executable(path, sizeof(path));
		if (path[0] && !access(path, R_OK))
			handle = dlopen(path, open_flags());
	}
	if (!handle)
		handle = dlopen(DB_LIBRARY, open_flags());
	if (!handle) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load DuckDB (%s): %s", DB_LIBRARY,
			 why ? why : "unknown error");
		return;
	}
	/* POSIX's way to store a dlsym() result in a function pointer. */
#define LOOKUP(name)                                                                      \
	do {                                                                              \
		*(void **)(&fn.name) = dlsym(handle, #name);                              \
		if (!fn.name) {                                                           \
			snprintf(load_error, sizeof(load_error),                          \
				 "the DuckDB library has no %s: not the version this binary was " \
				 "built for", #name);                                     \
			return;                                                           \
		}                                                                         \
	} while (0)
#define LOOKUP_F(ret, name, params, args) LOOKUP(name);
#define LOOKUP_V(name, params, args) LOOKUP(name);
	DB_DUCKDB_API(LOOKUP_F, LOOKUP_V)
#undef LOOKUP_F
#undef LOOKUP_V
#undef LOOKUP
}

int db_load(struct ds_error *e)
{
	pthread_once(&once, load);
	if (load_error[0])
		return ds_error_set(e, 0, "%s", load_error);
	return 0;
}

static _Noreturn void not_loaded(const char *name)
{
	DS_BUG("%s called before db_load()", name);
}

#define TRAMPOLINE_F(ret, name, params, args)                                             \
	ret name params                                                                   \
	{                                                                                 \
		if (!fn.name)                                                             \
			not_loaded(#name);                                                \
		return fn.name args;                                                      \
	}
#define TRAMPOLINE_V(name, params, args)                                                  \
	void name params                                                                  \
	{                                                                                 \
		if (!fn.name)                                                             \
			not_loaded(#name);                                                \
		fn.name args;                                                             \
	}
/* duckdb.h declares a few functions as "f()", which is no prototype: the definitions here
 * are the prototypes, and say so. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
DB_DUCKDB_API(TRAMPOLINE_F, TRAMPOLINE_V)
#pragma GCC diagnostic pop
