/*
 * Tests for lib/koyeb/lint.c: each foot-gun caught, with the fix, and never a value.
 */
#include <string.h>

#include "harness.h"
#include "koyeb/lint.h"
#include "test.h"

static void release_list(void *p)
{
	ds_strlist_release(p);
}

static struct ds_strlist *list(const char *a, const char *b)
{
	struct ds_strlist *l = ds_test_alloc(sizeof(*l));

	if (a)
		ds_strlist_add(l, a);
	if (b)
		ds_strlist_add(l, b);
	ds_test_defer(release_list, l);
	return l;
}

static void release_lint(void *p)
{
	koyeb_lint_release(p);
}

static struct koyeb_lint *lint(const struct koyeb_service_spec *s, unsigned flags)
{
	struct koyeb_lint *l = ds_test_alloc(sizeof(*l));

	koyeb_lint_service(s, flags, l);
	ds_test_defer(release_lint, l);
	return l;
}

static const struct koyeb_lint_finding *find(const struct koyeb_lint *l, const char *check)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].check, check))
			return &l->items[i];
	return NULL;
}

TEST(koyeb_lint_env_with_a_space_and_another_key_is_an_error)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	const struct koyeb_lint_finding *f;
	struct koyeb_lint *l;

	s.env = list("A=1 B=s3cret C=x", "GREETING=hello world");
	l = lint(&s, 0);
	f = find(l, "env-space");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ_INT(f->level, KOYEB_LINT_ERROR);
	ASSERT_EQ_STR(f->subject, "--env 'A=... B=... C=...'");
	ASSERT_CONTAINS(f->message, "did you mean 3 --env flags?");
	ASSERT_CONTAINS(f->fix, "--env A=<value> --env B=<value> --env C=<value>");
	ASSERT_NOT_CONTAINS(f->message, "s3cret");
	ASSERT_NOT_CONTAINS(f->fix, "s3cret");
	/* A value with a plain space is fine. */
	ASSERT_EQ_INT(koyeb_lint_errors(l), 1);
}

TEST(koyeb_lint_database_off_a_volume_is_a_warning)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	const struct koyeb_lint_finding *f;
	struct koyeb_lint *l;

	s.env = list("DATABASE_URL=/data/duckdb_spawn.db", NULL);
	l = lint(&s, 0);
	f = find(l, "database-on-ephemeral-disk");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ_INT(f->level, KOYEB_LINT_WARNING);
	ASSERT_CONTAINS(f->message, "lost at every redeploy or reschedule");
	ASSERT_CONTAINS(f->fix, "--volumes NAME:/data");
	ASSERT_EQ_INT(koyeb_lint_errors(l), 0);

	s.volumes = list("db:/data", NULL);
	ASSERT_NULL(find(lint(&s, 0), "database-on-ephemeral-disk"));
	s.volumes = list("db:/dat", NULL);
	ASSERT_NOT_NULL(find(lint(&s, 0), "database-on-ephemeral-disk"));
	s.volumes = NULL;
	s.env = list("DATABASE_URL=:memory:", NULL);
	ASSERT_NULL(find(lint(&s, 0), "database-on-ephemeral-disk"));
	s.env = list("DATABASE_URL=postgres://u:p@db/x", NULL);
	ASSERT_NULL(find(lint(&s, 0), "database-on-ephemeral-disk"));
	s.env = list("DATABASE_URL=local.db", NULL);
	ASSERT_CONTAINS(find(lint(&s, 0), "database-on-ephemeral-disk")->message, "relative path");
}

TEST(koyeb_lint_route_or_check_port_outside_ports_is_an_error)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct koyeb_lint *l;
	size_t i, n = 0;

	s.routes = list("/:8080", NULL);
	s.checks = list("9090:http:/health", NULL);
	l = lint(&s, 0);
	for (i = 0; i < l->n; i++)
		n += !strcmp(l->items[i].check, "port-not-exposed");
	ASSERT_EQ_INT(n, 2);
	ASSERT_CONTAINS(find(l, "port-not-exposed")->fix, "--ports 8080:http");

	s.ports = list("8080,9090", NULL);
	ASSERT_NULL(find(lint(&s, 0), "port-not-exposed"));
	/* service update knows no ports unless --ports says them. */
	s.ports = NULL;
	ASSERT_NULL(find(lint(&s, KOYEB_LINT_PATCH), "port-not-exposed"));
}

TEST(koyeb_lint_unknown_names_suggest_the_nearest)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct koyeb_lint *l;

	s.instance_type = "nanoo";
	s.regions = list("fra,paris", NULL);
	l = lint(&s, 0);
	ASSERT_CONTAINS(find(l, "unknown-instance-type")->fix, "did you mean 'nano'?");
	ASSERT_CONTAINS(find(l, "unknown-region")->message, "'paris' is not a Koyeb region");
	ASSERT_EQ_INT(koyeb_lint_errors(l), 2);
	l = lint(&s, KOYEB_LINT_ALLOW_UNKNOWN_NAMES);
	ASSERT_EQ_INT(koyeb_lint_errors(l), 0);
	ASSERT_EQ_INT(l->n, 2);
}

TEST(koyeb_lint_arm64_only_image_is_an_error)
{
	struct koyeb_lint l = KOYEB_LINT_INIT;
	const char *arm[] = {"linux/arm64/v8", "linux/arm/v7"};
	const char *multi[] = {"linux/arm64/v8", "linux/amd64"};

	koyeb_lint_platforms("acme/api:1", arm, 2, &l);
	ASSERT_EQ_INT(koyeb_lint_errors(&l), 1);
	ASSERT_CONTAINS(l.items[0].message, "built for linux/arm64/v8, linux/arm/v7 only");
	ASSERT_CONTAINS(l.items[0].fix, "--platform linux/amd64");
	koyeb_lint_release(&l);
	koyeb_lint_platforms("acme/api:1", multi, 2, &l);
	ASSERT_EQ_INT(l.n, 0);
	koyeb_lint_release(&l);
}

TEST(koyeb_lint_port_the_image_does_not_expose_is_a_warning)
{
	struct koyeb_service_spec s = KOYEB_SERVICE_SPEC_INIT;
	struct koyeb_lint l = KOYEB_LINT_INIT;
	const char *exposed[] = {"80/tcp"};
	const char *ours[] = {"8000/tcp"};

	koyeb_lint_exposed_ports(&s, exposed, 1, &l);
	ASSERT_EQ_INT(l.n, 1);
	ASSERT_EQ_INT(l.items[0].level, KOYEB_LINT_WARNING);
	ASSERT_EQ_STR(l.items[0].subject, "--ports 8000");
	ASSERT_CONTAINS(l.items[0].message, "does not EXPOSE port 8000 (it exposes 80/tcp)");
	koyeb_lint_release(&l);
	koyeb_lint_exposed_ports(&s, ours, 1, &l);
	ASSERT_EQ_INT(l.n, 0);
	koyeb_lint_exposed_ports(&s, NULL, 0, &l);
	ASSERT_EQ_INT(l.n, 0);
}
