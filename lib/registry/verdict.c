/*
 * registry/verdict.c - lookups in the REGISTRY_VERDICTS table; see verdict.h.
 */
#include "registry/verdict.h"

#include <string.h>

static const struct {
	const char *name;
	int code;
	const char *koyeb;
	const char *summary;
	const char *fix;
} table[] = {
#define ROW_(name, code, koyeb, summary, fix) {#name, code, koyeb, summary, fix},
	REGISTRY_VERDICTS(ROW_)
#undef ROW_
};

static unsigned idx(enum registry_verdict v)
{
	return (unsigned)v < REGISTRY_VERDICT_COUNT_ ? (unsigned)v : (unsigned)REGISTRY_GENERIC;
}

const char *registry_verdict_name(enum registry_verdict v)
{
	return table[idx(v)].name;
}

int registry_verdict_exit_code(enum registry_verdict v)
{
	return table[idx(v)].code;
}

const char *registry_verdict_koyeb_code(enum registry_verdict v)
{
	return table[idx(v)].koyeb;
}

const char *registry_verdict_summary(enum registry_verdict v)
{
	return table[idx(v)].summary;
}

const char *registry_verdict_fix(enum registry_verdict v)
{
	return table[idx(v)].fix;
}

int registry_verdict_parse(const char *name)
{
	int i;

	for (i = 0; name && i < REGISTRY_VERDICT_COUNT_; i++)
		if (!strcmp(table[i].name, name))
			return i;
	return -1;
}
