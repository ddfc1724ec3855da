/* integration/serve/writers.c - see writers.h. */
#include "writers.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "test.h"

void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static size_t sink(char *p, size_t size, size_t n, void *buf)
{
	return ds_buf_add(buf, p, size * n) ? 0 : size * n;
}

static void *writer(void *arg)
{
	struct writer_arg *a = arg;
	struct writers *w = a->w;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char url[64], body[256];
	struct ack ack;
	int n, consecutive = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ops/projects", w->port);
	for (n = 0; !atomic_load(&w->stop); n++) {
		struct ds_buf out = DS_BUF_INIT(0);
		long status = 0;
		const char *p;

		snprintf(ack.name, sizeof(ack.name), "c%d-t%d-%d", w->cycle, a->thread, n);
		snprintf(ack.amount, sizeof(ack.amount), "%d%03d%04d.%02d", w->cycle + 1, a->thread, n,
			 n % 100);
		snprintf(body, sizeof(body),
			 "{\"project_name\":\"%s\",\"total_amount\":%s,\"maturity_years\":%d,"
			 "\"expected_tri\":12.34,\"dscr\":\"1.05\"}",
			 ack.name, ack.amount, n % 50);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status == 201 && (p = strstr(ds_buf_str(&out), "\"project_id\":\""))) {
			memcpy(ack.id, p + 14, 36);
			ack.id[36] = '\0';
			pthread_mutex_lock(&w->m);
			if (w->nacks == w->cap) {
				w->cap = w->cap ? w->cap * 2 : 1024;
				w->acks = realloc(w->acks, w->cap * sizeof(*w->acks));
			}
			w->acks[w->nacks++] = ack;
			pthread_mutex_unlock(&w->m);
			consecutive = 0;
		} else {
			pthread_mutex_lock(&w->m);
			w->errors++;
			pthread_mutex_unlock(&w->m);
			/* The server is gone (killed, draining): stop after a few misses. */
			if (++consecutive > 20)
				break;
			nap_ms(5);
		}
		ds_buf_release(&out);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static void release(void *arg)
{
	struct writers *w = arg;

	free(w->acks);
	pthread_mutex_destroy(&w->m);
	curl_global_cleanup();
}

struct writers *writers_new(void)
{
	struct writers *w = ds_test_alloc(sizeof(*w));

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->m, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ds_test_defer(release, w);
	return w;
}

void writers_start(struct writers *w, int port, int cycle)
{
	int i;

	w->port = port;
	w->cycle = cycle;
	atomic_store(&w->stop, 0);
	for (i = 0; i < WRITERS; i++) {
		w->args[i].w = w;
		w->args[i].thread = i;
		pthread_create(&w->t[i], NULL, writer, &w->args[i]);
	}
}

void writers_join(struct writers *w)
{
	int i;

	atomic_store(&w->stop, 1);
	for (i = 0; i < WRITERS; i++)
		pthread_join(w->t[i], NULL);
}

void writers_verify(const struct srv *s, const struct writers *w, size_t from)
{
	size_t i;

	for (i = from; i < w->nacks; i++) {
		struct ds_http_resp r;
		const struct ack *a = &w->acks[i];

		ds_http(&r, "GET", srv_url(s, ds_test_printf("/ops/projects/%s", a->id)), NULL, NULL, 0,
			10000);
		ASSERT_MSG(r.status == 200, "acknowledged project %s (%s) is missing after restart: %ld",
			   a->id, a->name, r.status);
		ASSERT_CONTAINS(r.body, ds_test_printf("\"project_name\":\"%s\"", a->name));
		ASSERT_CONTAINS(r.body, ds_test_printf("\"total_amount\":%s,", a->amount));
		ASSERT_CONTAINS(r.body, "\"expected_tri\":12.34,");
		ASSERT_CONTAINS(r.body, "\"dscr\":1.05,");
	}
}
