/*
 * Tests for lib/registry/auth.c: WWW-Authenticate challenges as registries send them, token
 * server replies, JWT claims.
 */
#include <stdio.h>
#include <stdlib.h>

#include "registry/auth.h"
#include "test.h"

static int parse(const char *v, struct registry_challenge *ch, size_t max)
{
	struct ds_error e = DS_ERROR_INIT;
	int n = registry_auth_parse(v, ch, max, &e);

	if (n < 0)
		ds_test_note("'%s': %s", v, ds_error_msg(&e));
	return n;
}

static void release(struct registry_challenge *ch, int n)
{
	int i;

	for (i = 0; i < n; i++)
		registry_challenge_release(&ch[i]);
}

TEST(registry_auth_parses_docker_hub_bearer_challenge)
{
	struct registry_challenge ch[4];
	int n = parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		      "scope=\"repository:library/nginx:pull\"",
		      ch, 4);

	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(ch[0].scheme, REGISTRY_AUTH_BEARER);
	ASSERT_EQ_STR(ch[0].realm, "https://auth.docker.io/token");
	ASSERT_EQ_STR(ch[0].service, "registry.docker.io");
	ASSERT_EQ_STR(ch[0].scope, "repository:library/nginx:pull");
	ASSERT_NULL(ch[0].error);
	release(ch, n);
}

TEST(registry_auth_parses_basic_challenge)
{
	struct registry_challenge ch[4];
	int n = parse("Basic realm=\"Registry Realm\"", ch, 4);

	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(ch[0].scheme, REGISTRY_AUTH_BASIC);
	ASSERT_EQ_STR(ch[0].realm, "Registry Realm");
	ASSERT_EQ_STR(ch[0].scheme_name, "Basic");
	release(ch, n);
}

TEST(registry_auth_parses_several_challenges_in_one_value)
{
	struct registry_challenge ch[4];
	int n = parse("Basic realm=\"b\", Bearer realm=\"https://t/token\",service=\"s\" , Negotiate",
		      ch, 4);

	ASSERT_EQ_INT(n, 3);
	ASSERT_EQ_INT(ch[0].scheme, REGISTRY_AUTH_BASIC);
	ASSERT_EQ_STR(ch[0].realm, "b");
	ASSERT_EQ_INT(ch[1].scheme, REGISTRY_AUTH_BEARER);
	ASSERT_EQ_STR(ch[1].realm, "https://t/token");
	ASSERT_EQ_STR(ch[1].service, "s");
	ASSERT_EQ_INT(ch[2].scheme, REGISTRY_AUTH_OTHER);
	ASSERT(registry_challenge_find(ch, 3, REGISTRY_AUTH_BEARER) == &ch[1]);
	ASSERT_NULL(registry_challenge_find(ch, 1, REGISTRY_AUTH_BEARER));
	release(ch, n);
}

TEST(registry_auth_reads_error_of_insufficient_scope)
{
	struct registry_challenge ch[2];
	int n = parse("Bearer realm=\"http://127.0.0.1:1/token\",service=\"reg\",scope=\"repository:a/b:pull\","
		      "error=\"insufficient_scope\",error_description=\"no \\\"pull\\\" for you\"",
		      ch, 2);

	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_STR(ch[0].error, "insufficient_scope");
	ASSERT_EQ_STR(ch[0].error_description, "no \"pull\" for you");
	release(ch, n);
}

TEST(registry_auth_is_case_insensitive_and_tolerates_unquoted_urls)
{
	struct registry_challenge ch[2];
	int n = parse("bearer Realm=https://auth.example.com/token?x=1,SERVICE=reg", ch, 2);

	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(ch[0].scheme, REGISTRY_AUTH_BEARER);
	ASSERT_EQ_STR(ch[0].realm, "https://auth.example.com/token?x=1");
	ASSERT_EQ_STR(ch[0].service, "reg");
	release(ch, n);
}

TEST(registry_auth_accepts_token68_and_empty_values)
{
	struct registry_challenge ch[4];
	int n = parse("Basic dXNlcjpwYXNz==, Bearer realm=\"r\"", ch, 4);

	ASSERT_EQ_INT(n, 2);
	ASSERT_EQ_INT(ch[1].scheme, REGISTRY_AUTH_BEARER);
	ASSERT_EQ_STR(ch[1].realm, "r");
	release(ch, n);
	ASSERT_EQ_INT(parse("", ch, 4), 0);
	ASSERT_EQ_INT(parse(NULL, ch, 4), 0);
	ASSERT_EQ_INT(parse("  ,, ", ch, 4), 0);
}

TEST(registry_auth_refuses_malformed_values)
{
	struct registry_challenge ch[4];
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(registry_auth_parse("Bearer realm=\"unterminated", ch, 4, &e), -1);
	ASSERT_CONTAINS(ds_error_msg(&e), "unterminated");
	ds_error_init(&e);
	ASSERT_EQ_INT(registry_auth_parse("Bearer realm=\"a\" junk\"", ch, 4, &e), -1);
	ds_error_init(&e);
	ASSERT_EQ_INT(registry_auth_parse("\"Bearer\"", ch, 4, &e), -1);
	ds_error_init(&e);
	ASSERT_EQ_INT(registry_auth_parse("Bearer= x", ch, 4, &e), -1);
}

TEST(registry_auth_keeps_the_first_challenges_when_there_are_too_many)
{
	struct registry_challenge ch[2];
	int n = parse("Basic realm=a, Bearer realm=b, Digest realm=c", ch, 2);

	ASSERT_EQ_INT(n, 2);
	ASSERT_EQ_STR(ch[1].realm, "b");
	release(ch, n);
}

TEST(registry_auth_token_reply_prefers_token_and_defaults_expiry)
{
	struct ds_secret t = DS_SECRET_INIT;
	struct ds_error e = DS_ERROR_INIT;
	long exp;
	const char *a = "{\"token\":\"T1\",\"access_token\":\"A1\",\"expires_in\":300}";
	const char *b = "{\"access_token\":\"A2\"}";
	const char *c = "{\"nothing\":\"here-secret\"}";

	ASSERT_EQ_INT(registry_auth_parse_token_reply(a, strlen(a), &t, &exp, &e), 0);
	ASSERT_EQ_STR(ds_secret_value(&t), "T1");
	ASSERT_EQ_INT(exp, 300);
	ASSERT_EQ_INT(registry_auth_parse_token_reply(b, strlen(b), &t, &exp, &e), 0);
	ASSERT_EQ_STR(ds_secret_value(&t), "A2");
	ASSERT_EQ_INT(exp, 60);
	ASSERT_EQ_INT(registry_auth_parse_token_reply(c, strlen(c), &t, &exp, &e), -1);
	ASSERT_NOT_CONTAINS(ds_error_msg(&e), "here-secret");
	ds_error_init(&e);
	ASSERT_EQ_INT(registry_auth_parse_token_reply("not json", 8, &t, &exp, &e), -1);
	ds_secret_release(&t);
}

TEST(registry_auth_jwt_claims_tell_exp_and_access)
{
	/* header {"alg":"none"}, payload {"exp":1700000000,"access":[{"type":"repository",
	 * "name":"acme/api","actions":["pull"]},{"type":"repository","name":"x","actions":[]}]} */
	const char *payload = "{\"exp\":1700000000,\"access\":[{\"type\":\"repository\",\"name\":"
			      "\"acme/api\",\"actions\":[\"pull\"]},{\"type\":\"repository\","
			      "\"name\":\"x\",\"actions\":[]}]}";
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct ds_buf tok = DS_BUF_INIT(0), acc = DS_BUF_INIT(0);
	size_t i, n = strlen(payload);
	long long exp;

	ds_buf_addstr(&tok, "eyJhbGciOiJub25lIn0.");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)payload[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)payload[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)payload[i + 2];
		ds_buf_addch(&tok, t[(v >> 18) & 63]);
		ds_buf_addch(&tok, t[(v >> 12) & 63]);
		if (i + 1 < n)
			ds_buf_addch(&tok, t[(v >> 6) & 63]);
		if (i + 2 < n)
			ds_buf_addch(&tok, t[v & 63]);
	}
	ds_buf_addstr(&tok, ".sig");
	ASSERT_EQ_INT(registry_auth_jwt_claims(ds_buf_str(&tok), &exp, &acc), 0);
	ASSERT_EQ_INT(exp, 1700000000LL);
	ASSERT_EQ_STR(ds_buf_str(&acc), "repository:acme/api:pull; repository:x:(none)");
	ds_buf_reset(&acc);
	ASSERT_EQ_INT(registry_auth_jwt_claims("opaque-token", &exp, &acc), -1);
	ds_buf_release(&tok);
	ds_buf_release(&acc);
}
