/*
 * api/router.c - template matching; see router.h.
 *
 * No allocation and no regex: a path is compared with each template segment by segment, in
 * place. The table is a dozen rows, so a linear scan beats anything cleverer.
 */
#include "api/router.h"

#include <string.h>

static const struct {
	enum api_method m;
	const char *name;
} methods[API_METHOD_COUNT] = {
	{API_GET, "GET"},     {API_HEAD, "HEAD"},     {API_POST, "POST"},
	{API_PUT, "PUT"},     {API_PATCH, "PATCH"},   {API_DELETE, "DELETE"},
	{API_OPTIONS, "OPTIONS"}, {API_OTHER, "OTHER"},
};

enum api_method api_method_parse(const char *s)
{
	int i;

	for (i = 0; i < API_METHOD_COUNT - 1; i++)
		if (!strcmp(s, methods[i].name))
			return methods[i].m;
	return API_OTHER;
}

const char *api_method_name(enum api_method m)
{
	return methods[api_method_index(m)].name;
}

int api_method_index(enum api_method m)
{
	int i;

	for (i = 0; i < API_METHOD_COUNT; i++)
		if (methods[i].m == m)
			return i;
	return API_METHOD_COUNT - 1;
}

/* Does path match tmpl? Fills params on success. */
static int match_one(const char *tmpl, const char *path, size_t path_len, struct api_match *m)
{
	const char *t = tmpl, *p = path, *pend = path + path_len;
	size_t np = 0;

	/* Both start with '/'. Compare segment by segment. */
	while (*t && p < pend) {
		const char *tseg, *pseg;
		size_t tlen, plen;

		if (*t != '/' || *p != '/')
			return 0;
		t++;
		p++;
		tseg = t;
		while (*t && *t != '/')
			t++;
		tlen = (size_t)(t - tseg);
		pseg = p;
		while (p < pend && *p != '/')
			p++;
		plen = (size_t)(p - pseg);
		if (tlen >= 2 && tseg[0] == '{' && tseg[tlen - 1] == '}') {
			if (plen == 0 || np == API_ROUTE_MAX_PARAMS)
				return 0;
			m->params[np] = pseg;
			m->param_lens[np] = plen;
			np++;
		} else if (tlen != plen || memcmp(tseg, pseg, tlen)) {
			return 0;
		}
	}
	if (*t || p != pend)
		return 0;
	m->nparams = np;
	return 1;
}

void api_route_match(const struct api_route *table, size_t n, unsigned skip,
		     enum api_method method, const char *path, struct api_match *m)
{
	size_t i, len = strlen(path);
	enum api_method want = method == API_HEAD ? API_GET : method;

	m->route = -1;
	m->allow = 0;
	m->nparams = 0;
	/* "/ops/projects/" is "/ops/projects"; "/" stays "/". */
	if (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0 || path[0] != '/')
		return;
	for (i = 0; i < n; i++) {
		struct api_match tmp;

		if (table[i].flags & skip)
			continue;
		if (len == 1 && !strcmp(table[i].tmpl, "/")) {
			tmp.nparams = 0;
		} else if (!match_one(table[i].tmpl, path, len, &tmp)) {
			continue;
		}
		if (table[i].method == want || (method == API_HEAD && table[i].method == API_HEAD)) {
			*m = tmp;
			m->route = (int)i;
			m->allow = 0;
			return;
		}
		m->allow |= table[i].method;
	}
}

void api_allow_header(unsigned allow, struct ds_buf *out)
{
	int i, first = 1;

	if (allow & API_GET)
		allow |= API_HEAD;
	for (i = 0; i < API_METHOD_COUNT - 1; i++) {
		if (!(allow & methods[i].m))
			continue;
		ds_buf_addstr(out, first ? "" : ", ");
		ds_buf_addstr(out, methods[i].name);
		first = 0;
	}
}
