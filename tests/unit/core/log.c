/* Tests for lib/core/log.c: one valid JSON object per line, levels, redaction. */
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "core/log.h"
#include "test.h"

/* Log into a pipe and return the one line written (caller frees). */
static char *capture(void (*emit)(void))
{
	int fds[2];
	char buf[65536];
	ssize_t n;

	ASSERT_EQ_INT(pipe(fds), 0);
	ds_log_set_fd(fds[1]);
	emit();
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	ds_log_set_fd(2);
	ASSERT(n >= 0);
	buf[n] = '\0';
	return strdup(buf);
}

static void emit_request(void)
{
	struct ds_log_line l;

	if (ds_log_begin(&l, DS_LOG_INFO, "api", "request")) {
		ds_log_str(&l, "route", "/ops/projects/{id}");
		ds_log_int(&l, "status", 201);
		ds_log_dbl(&l, "duration_ms", 1.5);
		ds_log_bool(&l, "ok", 1);
		ds_log_str(&l, "password", "hunter2");
		ds_log_str(&l, "Authorization", "Bearer abc");
		ds_log_str(&l, "note", "line\nbreak \"quoted\"");
		ds_log_str(&l, "missing", NULL);
		ds_log_end(&l);
	}
}

TEST(log_line_is_one_json_object_with_fields_in_order)
{
	char *line = capture(emit_request);
	json_error_t err;
	json_t *o;

	ASSERT_EQ_INT(strchr(line, '\n') - line, (long long)strlen(line) - 1);
	o = json_loads(line, 0, &err);
	ASSERT_MSG(o != NULL, "not JSON: %s (%s)", line, err.text);
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "level")), "info");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "module")), "api");
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "msg")), "request");
	ASSERT_EQ_INT(json_integer_value(json_object_get(o, "status")), 201);
	ASSERT_EQ_STR(json_string_value(json_object_get(o, "note")), "line\nbreak \"quoted\"");
	ASSERT(json_is_null(json_object_get(o, "missing")));
	ASSERT(strstr(line, "{\"time\":\"") == line);
	json_decref(o);
	free(line);
}

TEST(log_redacts_secret_keys_whatever_the_value)
{
	char *line = capture(emit_request);

	ASSERT_NOT_CONTAINS(line, "hunter2");
	ASSERT_NOT_CONTAINS(line, "Bearer abc");
	ASSERT_CONTAINS(line, "\"password\":\"[redacted]\"");
	ASSERT_CONTAINS(line, "\"Authorization\":\"[redacted]\"");
	free(line);
}

static void emit_debug(void)
{
	ds_log(DS_LOG_DEBUG, "db", "hidden %d", 1);
	ds_log(DS_LOG_WARN, "db", "shown %d", 2);
}

TEST(log_level_filters_lower_levels)
{
	char *out;

	ds_log_set_level(DS_LOG_INFO);
	out = capture(emit_debug);
	ASSERT_NOT_CONTAINS(out, "hidden");
	ASSERT_CONTAINS(out, "\"msg\":\"shown 2\"");
	free(out);
}

static void emit_huge(void)
{
	static char big[DS_LOG_VALUE_MAX * 20];
	struct ds_log_line l;
	int i;

	memset(big, 'x', sizeof(big) - 1);
	if (ds_log_begin(&l, DS_LOG_ERROR, "api", "huge")) {
		for (i = 0; i < 20; i++)
			ds_log_str(&l, "field", big);
		ds_log_end(&l);
	}
}

TEST(log_oversized_line_stays_valid_json_and_says_truncated)
{
	char *line = capture(emit_huge);
	json_t *o = json_loads(line, 0, NULL);

	ASSERT_MSG(o != NULL, "not JSON (%zu bytes)", strlen(line));
	ASSERT(json_is_true(json_object_get(o, "truncated")));
	ASSERT_CMP_INT(strlen(line), <, 20000);
	json_decref(o);
	free(line);
}

TEST(log_level_names_parse_case_insensitively)
{
	enum ds_log_level l;

	ASSERT_EQ_INT(ds_log_level_parse("DEBUG", &l), 0);
	ASSERT_EQ_INT(l, DS_LOG_DEBUG);
	ASSERT_EQ_INT(ds_log_level_parse("warning", &l), 0);
	ASSERT_EQ_INT(l, DS_LOG_WARN);
	ASSERT_EQ_INT(ds_log_level_parse("loud", &l), -1);
}
