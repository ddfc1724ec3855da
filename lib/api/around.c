/*
 * api/around.c - what surrounds every endpoint: CORS and per-client rate limiting. Both are
 * off unless configured (CORS_ORIGINS, RATE_LIMIT).
 *
 * CORS. A browser page on an allowed origin may call the API: its requests get
 * Access-Control-Allow-Origin (the origin itself, or "*" when every origin is allowed) and
 * Access-Control-Expose-Headers; a preflight (OPTIONS with Access-Control-Request-Method)
 * on any path that exists gets 204 with the methods that path allows. With a list of
 * origins every answer says "Vary: Origin", since it depends on that header. No cookies
 * are involved (the admin token is a header), so Allow-Credentials is never sent.
 *
 * Rate limiting. A token bucket per client address: RATE tokens a second up to BURST; a
 * request takes one or is answered 429 with Retry-After. Buckets live in a fixed table
 * (SLOTS entries in sets of WAYS, a set chosen by a hash of the address, the least recently
 * seen entry of a full set replaced), so memory is bounded whatever the number of
 * clients: a client pushed out starts again with a full bucket, which can only let a
 * client through early, never block one wrongly. IPv6 clients are keyed by their /64 (one
 * host usually holds a whole /64). Behind a proxy (Koyeb's) every connection comes from the
 * proxy: TRUST_PROXY=1 takes the last X-Forwarded-For entry, the one the proxy appended.
 */
#include "api/internal.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- CORS ---------------------------------------------------------------------------------- */

int api__cors_init(struct api_cors *c, const char *origins)
{
	const char *p = origins;

	memset(c, 0, sizeof(*c));
	if (!origins || !*origins)
		return 0;
	c->enabled = 1;
	if (!strcmp(origins, "*")) {
		c->any = 1;
		return 0;
	}
	while (*p) {
		const char *q = strchr(p, ',');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		char **v = realloc(c->origins, (c->n + 1) * sizeof(*v));

		if (!v)
			return -1;
		c->origins = v;
		c->origins[c->n] = strndup(p, n);
		if (!c->origins[c->n])
			return -1;
		c->n++;
		p = q ? q + 1 : p + n;
	}
	return 0;
}

void api__cors_release(struct api_cors *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->origins[i]);
	free(c->origins);
	memset(c, 0, sizeof(*c));
}

/* Scheme and host are case-insensitive; an origin is never more than those and a port. */
static int allowed(const struct api_cors *c, const char *origin)
{
	size_t i;

	if (c->any)
		return 1;
	for (i = 0; i < c->n; i++)
		if (!strcasecmp(c->origins[i], origin))
			return 1;
	return 0;
}

void api__cors_headers(struct api_req *r)
{
	const struct api_cors *c = &r->ctx->cors;

	if (!c->enabled)
		return;
	if (!c->any)
		api__header(r, "Vary", "Origin");
	if (!r->origin || !allowed(c, r->origin))
		return;
	api__header(r, "Access-Control-Allow-Origin", c->any ? "*" : r->origin);
	api__header(r, "Access-Control-Expose-Headers", "X-Request-Id, Location, Retry-After");
}

void api__cors_preflight(struct api_req *r, unsigned allow)
{
	struct ds_buf methods = DS_BUF_INIT(256);
	char *m;

	if (!r->origin || !allowed(&r->ctx->cors, r->origin)) {
		api__problem(r, API_PROBLEM_FORBIDDEN, NULL,
			     "origin '%.100s' is not allowed (CORS_ORIGINS)", r->origin ? r->origin : "");
		return;
	}
	api_allow_header(allow, &methods);
	m = ds_arena_strdup(&r->arena, ds_buf_str(&methods));
	ds_buf_release(&methods);
	ds_buf_reset(&r->resp);
	r->status = 204;
	r->resp_type = NULL;
	api__header(r, "Access-Control-Allow-Methods", m ? m : "GET");
	api__header(r, "Access-Control-Allow-Headers",
		    "Content-Type, Authorization, Accept, X-Request-Id");
	api__header(r, "Access-Control-Max-Age", "600");
}

/* --- rate limiting --------------------------------------------------------------------------- */

#define WAYS 8

struct bucket {
	unsigned char key[16];
	int used;
	double tokens;
	int64_t last_ns;
};

struct rl_set {
	pthread_mutex_t m;
	struct bucket b[WAYS];
};

struct api_ratelimit {
	double rate;   /* tokens a second */
	double burst;
	size_t nsets;
	struct rl_set *sets;
};

struct api_ratelimit *api_ratelimit_new(double rate, long burst, size_t slots)
{
	struct api_ratelimit *rl = calloc(1, sizeof(*rl));
	size_t i;

	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : (double)burst;
	rl->nsets = slots / WAYS ? slots / WAYS : 1;
	rl->sets = calloc(rl->nsets, sizeof(*rl->sets));
	if (!rl->sets) {
		free(rl);
		return NULL;
	}
	for (i = 0; i < rl->nsets; i++)
		pthread_mutex_init(&rl->sets[i].m, NULL);
	return rl;
}

void api_ratelimit_free(struct api_ratelimit *rl)
{
	size_t i;

	if (!rl)
		return;
	for (i = 0; i < rl->nsets; i++)
		pthread_mutex_destroy(&rl->sets[i].m);
	free(rl->sets);
	free(rl);
}

/* The bucket key of an address: IPv4 as an IPv4-mapped IPv6 address, IPv6 cut to its /64,
 * anything else (an odd X-Forwarded-For entry) hashed. */
static void client_key(const char *client, unsigned char key[16])
{
	struct in_addr a4;
	struct in6_addr a6;

	memset(key, 0, 16);
	if (inet_pton(AF_INET, client, &a4) == 1) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a4, 4);
	} else if (inet_pton(AF_INET6, client, &a6) == 1) {
		memcpy(key, &a6, 8);
	} else {
		uint64_t h = 1469598103934665603ULL;
		const unsigned char *p = (const unsigned char *)client;

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		key[0] = 0xfe; /* not an address: cannot collide with a real /64 of 2000::/3 */
		memcpy(key + 8, &h, 8);
	}
}

static size_t set_of(const struct api_ratelimit *rl, const unsigned char key[16])
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	return (size_t)(h % rl->nsets);
}

long api_ratelimit_take(struct api_ratelimit *rl, const char *client, int64_t now_ns)
{
	unsigned char key[16];
	struct rl_set *set;
	struct bucket *b = NULL, *victim = NULL;
	long wait = 0;
	int i;

	client_key(client ? client : "", key);
	set = &rl->sets[set_of(rl, key)];
	pthread_mutex_lock(&set->m);
	for (i = 0; i < WAYS; i++) {
		struct bucket *x = &set->b[i];

		if (x->used && !memcmp(x->key, key, 16)) {
			b = x;
			break;
		}
		if (!victim || !x->used || (victim->used && x->last_ns < victim->last_ns))
			victim = x;
	}
	if (!b) {
		b = victim;
		memcpy(b->key, key, 16);
		b->used = 1;
		b->tokens = rl->burst;
		b->last_ns = now_ns;
	}
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) / 1e9 * rl->rate;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
	} else {
		double need = (1 - b->tokens) / rl->rate;

		wait = (long)need;
		if ((double)wait < need)
			wait++;
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&set->m);
	return wait;
}
