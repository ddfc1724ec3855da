/*
 * api/problem.c - the problem table and its JSON rendering; see problem.h.
 */
#include "api/problem.h"

#include <string.h>

static const struct {
	int status;
	const char *code;
	const char *title;
} problems[] = {
#define X(name, status, code, title) {status, code, title},
	API_PROBLEMS(X)
#undef X
};

int api_problem_status(enum api_problem p)
{
	return problems[p].status;
}

const char *api_problem_code(enum api_problem p)
{
	return problems[p].code;
}

const char *api_problem_title(enum api_problem p)
{
	return problems[p].title;
}

#define DETAIL_MAX 300

static int add_str(struct ds_buf *out, const char *key, const char *v, size_t n)
{
	return ds_buf_addstr(out, ",\"") || ds_buf_addstr(out, key) || ds_buf_addstr(out, "\":\"") ||
	       ds_buf_add_json_escaped(out, v, n) || ds_buf_addch(out, '"');
}

int api_problem_render(struct ds_buf *out, enum api_problem p, const char *detail,
		       const char *field, const char *instance, const char *request_id)
{
	char d[DETAIL_MAX + 4];
	size_t n = 0, i;

	if (detail) {
		n = strlen(detail);
		if (n > DETAIL_MAX) {
			/* Cut on a character boundary, then mark the cut. */
			n = DETAIL_MAX;
			while (n && ((unsigned char)detail[n] & 0xc0) == 0x80)
				n--;
			memcpy(d, detail, n);
			memcpy(d + n, "...", 3);
			n += 3;
		} else {
			memcpy(d, detail, n);
		}
		for (i = 0; i < n; i++)
			if (d[i] == '\r' || d[i] == '\n')
				d[i] = ' ';
	}
	if (ds_buf_addf(out, "{\"type\":\"" API_PROBLEM_TYPE_PREFIX "%s\",\"title\":\"%s\",\"status\":%d",
			problems[p].code, problems[p].title, problems[p].status))
		return -1;
	if (detail && add_str(out, "detail", d, n))
		return -1;
	if (field && add_str(out, "field", field, strlen(field)))
		return -1;
	if (instance && add_str(out, "instance", instance, strlen(instance) > 512 ? 512 : strlen(instance)))
		return -1;
	if (request_id && add_str(out, "request_id", request_id, strlen(request_id)))
		return -1;
	return ds_buf_addch(out, '}');
}
