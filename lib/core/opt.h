/*
 * core/opt.h - the option parser every command shares, and the value parsers behind it.
 *
 * A command declares its options as a table ending in DS_OPT_END() and calls
 * ds_opt_parse() once. Long options take "--name=value" or "--name value", short ones
 * "-n value"; "--" ends options; options and positionals may be mixed. Positionals are
 * moved to the front of argv and counted. An unknown option names the closest known one.
 * Usage text is rendered from the same table, so --help and the parser cannot drift.
 *
 * Values are written through the table's pointers:
 *	DS_OPT_BOOL       int *            1 when given, 0 for --no-NAME
 *	DS_OPT_STRING     const char **    borrowed from argv (lives as long as argv)
 *	DS_OPT_INT        long *           decimal, range-checked against min/max
 *	DS_OPT_DURATION   long *           milliseconds, from "500ms", "30s", "5m", "1h", "1m30s"
 *	DS_OPT_SIZE       long long *      bytes, from "512", "64KB", "256MiB", "1GB"
 *	DS_OPT_LIST       struct ds_strlist *  each occurrence appended (a copy)
 *	DS_OPT_CALLBACK   cb(opt, arg, e)   arg NULL for DS_OPT_NOARG; returns 0 or -1
 *
 * Options without help text are hidden from --help (used for the misspelled flags of old
 * guides, whose callbacks explain the right spelling).
 */
#ifndef DS_CORE_OPT_H
#define DS_CORE_OPT_H

#include "core/buf.h"
#include "core/error.h"
#include "core/strlist.h"

enum ds_opt_type {
	DS_OPT_END_,
	DS_OPT_BOOL_,
	DS_OPT_STRING_,
	DS_OPT_INT_,
	DS_OPT_DURATION_,
	DS_OPT_SIZE_,
	DS_OPT_LIST_,
	DS_OPT_CALLBACK_,
	DS_OPT_GROUP_, /* a heading in --help; parses nothing */
};

enum ds_opt_flags {
	DS_OPT_NOARG = 1 << 0, /* callback takes no value */
};

struct ds_option;
typedef int (*ds_opt_cb)(const struct ds_option *o, const char *arg, struct ds_error *e);

struct ds_option {
	enum ds_opt_type type;
	const char *long_name;
	char short_name;
	void *value;
	const char *argh; /* value placeholder in --help: "REF", "DURATION" */
	const char *help; /* NULL hides the option from --help */
	ds_opt_cb cb;
	unsigned flags;
	long min, max; /* DS_OPT_INT bounds (both 0: unbounded) */
};

#define DS_OPT_END() {DS_OPT_END_, NULL, 0, NULL, NULL, NULL, NULL, 0, 0, 0}
#define DS_OPT_GROUP(h) {DS_OPT_GROUP_, NULL, 0, NULL, NULL, (h), NULL, 0, 0, 0}
#define DS_OPT_BOOL(s, l, v, h) {DS_OPT_BOOL_, (l), (s), (v), NULL, (h), NULL, 0, 0, 0}
#define DS_OPT_STRING(s, l, v, a, h) {DS_OPT_STRING_, (l), (s), (v), (a), (h), NULL, 0, 0, 0}
#define DS_OPT_INT(s, l, v, lo, hi, h) {DS_OPT_INT_, (l), (s), (v), "N", (h), NULL, 0, (lo), (hi)}
#define DS_OPT_DURATION(s, l, v, h) \
	{DS_OPT_DURATION_, (l), (s), (v), "DURATION", (h), NULL, 0, 0, 0}
#define DS_OPT_SIZE(s, l, v, h) {DS_OPT_SIZE_, (l), (s), (v), "SIZE", (h), NULL, 0, 0, 0}
#define DS_OPT_LIST(s, l, v, a, h) {DS_OPT_LIST_, (l), (s), (v), (a), (h), NULL, 0, 0, 0}
#define DS_OPT_CALLBACK(s, l, v, a, h, cb, fl) \
	{DS_OPT_CALLBACK_, (l), (s), (v), (a), (h), (cb), (fl), 0, 0}

#define DS_OPT_HELP_REQUESTED (-2)

/*
 * Parse argv[1..argc) (argv[0] is the command's name). Returns the number of positional
 * arguments, now in argv[0..n); -1 with e set on a bad option or value ("option '--port':
 * '80x' is not a number"); DS_OPT_HELP_REQUESTED for -h/--help.
 */
int ds_opt_parse(int argc, const char **argv, const struct ds_option *opts, struct ds_error *e);

/* Render "usage: <usage>" and the option table into out. usage may hold several lines. */
void ds_opt_usage(struct ds_buf *out, const char *usage, const struct ds_option *opts);

/* Value parsers, also used for environment variables. 0 or -1 with e naming the value. */
int ds_parse_long(const char *s, long min, long max, long *out, struct ds_error *e);
int ds_parse_duration_ms(const char *s, long *out, struct ds_error *e);
int ds_parse_size(const char *s, long long *out, struct ds_error *e);

#endif
