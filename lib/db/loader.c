/*
 * db/loader.c - libduckdb.so, loaded when first needed; see db/duckdb-api.h.
 *
 * dlopen("libduckdb.so") searches the RUNPATH of the binary that asks, so the library is
 * found where the binary's RUNPATH says ($ORIGIN/../lib/duckdb-spawn: the build tree, an
 * install, an image), then on the system path. Every function of duckdb-api.h is looked up
 * once; a missing one fails the load with its name, so a library of another version is
 * refused up front rather than crashing later.
 *
 * The trampolines below carry DuckDB's own names: lib/db keeps calling the C API as
 * duckdb.h documents it. Calling one before db_load() succeeded is a bug (DS_BUG).
 */
#include "db/db.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

static void load(void)
{
	const char *why;

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
