/*
 * harness/test.h - the test framework: registration, assertions, skips, cleanup.
 *
 * A test file holds TEST(name) functions. CMake (ds_add_tests) finds each name in the
 * source and makes it one CTest entry running "<exe> <name>", so every behaviour runs in its
 * own process under its own timeout, and `ctest -R name` picks one. Names are behaviours:
 * <module>_<action>_<expected>, lowercase.
 *
 * An assertion that fails prints the expression and both values, runs the cleanups the
 * test registered with ds_test_defer() (stopping servers it started), and exits 1.
 * SKIP() exits 77 (CTest's SKIP_RETURN_CODE) with the reason, unless DS_TEST_REQUIRE_ALL=1
 * (as in CI), where a missing prerequisite is a failure.
 */
#ifndef DS_TEST_H
#define DS_TEST_H

#include <stddef.h>
#include <string.h>

typedef void (*ds_test_fn)(void);

void ds_test_register(const char *name, ds_test_fn fn);

#define TEST(name)                                                                    \
	static void test_##name(void);                                                \
	__attribute__((constructor)) static void test_register_##name(void)          \
	{                                                                             \
		ds_test_register(#name, test_##name);                                 \
	}                                                                             \
	static void test_##name(void)

/* Register fn(arg) to run when the test ends, pass or fail, last registered first. */
void ds_test_defer(void (*fn)(void *), void *arg);

_Noreturn void ds_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void ds_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress note on stderr, shown by ctest --output-on-failure. */
void ds_test_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define SKIP(...) ds_test_skip(__VA_ARGS__)
#define FAIL(...) ds_test_fail(__FILE__, __LINE__, __VA_ARGS__)

#define ASSERT(cond)                                                                  \
	do {                                                                          \
		if (!(cond))                                                          \
			ds_test_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
	} while (0)

#define ASSERT_MSG(cond, ...)                                                         \
	do {                                                                          \
		if (!(cond))                                                          \
			ds_test_fail(__FILE__, __LINE__, __VA_ARGS__);                \
	} while (0)

#define ASSERT_EQ_INT(a, b)                                                           \
	do {                                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		if (a_ != b_)                                                         \
			ds_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
				     a_, b_);                                         \
	} while (0)

#define ASSERT_NE_INT(a, b)                                                           \
	do {                                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		if (a_ == b_)                                                         \
			ds_test_fail(__FILE__, __LINE__, "%s != %s: both %lld", #a, #b, a_); \
	} while (0)

#define ASSERT_CMP_INT(a, op, b)                                                      \
	do {                                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		if (!(a_ op b_))                                                      \
			ds_test_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld", #a, #op, \
				     #b, a_, b_);                                     \
	} while (0)

#define ASSERT_EQ_STR(a, b)                                                           \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_))                                     \
			ds_test_fail(__FILE__, __LINE__, "%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", \
				     #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define ASSERT_CONTAINS(hay, needle)                                                  \
	do {                                                                          \
		const char *h_ = (hay), *n_ = (needle);                               \
		if (!h_ || !strstr(h_, n_))                                           \
			ds_test_fail(__FILE__, __LINE__,                              \
				     "%s should contain \"%s\":\n  got: \"%.4000s\"", #hay, n_, \
				     h_ ? h_ : "(null)");                             \
	} while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                              \
	do {                                                                          \
		const char *h_ = (hay), *n_ = (needle);                               \
		if (h_ && strstr(h_, n_))                                             \
			ds_test_fail(__FILE__, __LINE__,                              \
				     "%s should not contain \"%s\":\n  got: \"%.4000s\"", #hay, \
				     n_, h_);                                         \
	} while (0)

#define ASSERT_NULL(p) ASSERT_MSG((p) == NULL, "%s should be NULL", #p)
#define ASSERT_NOT_NULL(p) ASSERT_MSG((p) != NULL, "%s should not be NULL", #p)

#endif
