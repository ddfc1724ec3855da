/*
 * api/metrics.c - striped lock-free counters and their exposition; see metrics.h.
 *
 * A stripe holds, per (row, method) pair, a count per status slot, a count per latency
 * bucket and a sum of microseconds. Status codes map to slots through a small table; codes
 * outside it share the last slot and are exposed as status="other".
 */
#include "api/metrics.h"

#include <stdlib.h>
#include <string.h>

static const int status_codes[] = {200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 406,
				   408, 409, 411, 413, 414, 415, 429, 431, 500, 501, 503, 505};
#define NSTATUS (sizeof(status_codes) / sizeof(status_codes[0]) + 1)

/* Upper bounds in microseconds: 100 us to 10 s. */
static const int64_t bucket_us[API_METRICS_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000};
static const char *const bucket_le[API_METRICS_BUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	"0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};

struct api_metrics_series {
	atomic_ullong status[NSTATUS];
	atomic_ullong bucket[API_METRICS_BUCKETS + 1];
	atomic_ullong sum_us;
};
#define series api_metrics_series

static atomic_int next_stripe;
static _Thread_local int my_stripe = -1;

int api_metrics_init(struct api_metrics *m, const struct api_route *routes, size_t nroutes)
{
	size_t i, size = sizeof(struct series) * (nroutes + 1) * API_METHOD_COUNT;

	memset(m, 0, sizeof(*m));
	m->routes = routes;
	m->nroutes = nroutes;
	for (i = 0; i < API_METRICS_STRIPES; i++) {
		/* Each stripe on its own cache lines, so that two workers never share one.
		 * aligned_alloc wants the size to be a multiple of the alignment. */
		size_t rounded = (size + 63) & ~(size_t)63;

		m->stripes[i] = aligned_alloc(64, rounded);
		if (!m->stripes[i]) {
			api_metrics_release(m);
			return -1;
		}
		memset(m->stripes[i], 0, rounded);
	}
	for (i = 0; i < API_PROBLEM_COUNT; i++)
		atomic_init(&m->problems[i], 0);
	return 0;
}

void api_metrics_release(struct api_metrics *m)
{
	size_t i;

	for (i = 0; i < API_METRICS_STRIPES; i++) {
		free(m->stripes[i]);
		m->stripes[i] = NULL;
	}
}

static size_t status_slot(int status)
{
	size_t i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (status_codes[i] == status)
			return i;
	return NSTATUS - 1;
}

static struct series *series_of(struct api_metrics *m, int stripe, size_t row, int method_idx)
{
	return &m->stripes[stripe][row * API_METHOD_COUNT + (size_t)method_idx];
}

void api_metrics_observe(struct api_metrics *m, int route, enum api_method method, int status,
			 int64_t duration_ns)
{
	size_t row = route < 0 || (size_t)route > m->nroutes ? m->nroutes : (size_t)route;
	int mi = row < m->nroutes ? api_method_index(m->routes[row].method) : api_method_index(method);
	int64_t us = duration_ns / 1000;
	struct series *s;
	size_t b;

	if (my_stripe < 0)
		my_stripe = atomic_fetch_add(&next_stripe, 1) % API_METRICS_STRIPES;
	/* HEAD served by a GET row is counted as HEAD. */
	if (row < m->nroutes && method == API_HEAD)
		mi = api_method_index(API_HEAD);
	s = series_of(m, my_stripe, row, mi);
	atomic_fetch_add_explicit(&s->status[status_slot(status)], 1, memory_order_relaxed);
	for (b = 0; b < API_METRICS_BUCKETS && us > bucket_us[b]; b++)
		;
	atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(us > 0 ? us : 0),
				  memory_order_relaxed);
}

void api_metrics_problem(struct api_metrics *m, enum api_problem p)
{
	atomic_fetch_add_explicit(&m->problems[p], 1, memory_order_relaxed);
}

int api_metrics_label(struct ds_buf *out, const char *v)
{
	for (; *v; v++) {
		int r;

		if (*v == '\\')
			r = ds_buf_addstr(out, "\\\\");
		else if (*v == '"')
			r = ds_buf_addstr(out, "\\\"");
		else if (*v == '\n')
			r = ds_buf_addstr(out, "\\n");
		else
			r = ds_buf_addch(out, *v);
		if (r)
			return -1;
	}
	return 0;
}

/* The sum over stripes of one series. */
static void total(struct api_metrics *m, size_t row, int mi, struct series *t,
		  unsigned long long *count)
{
	int k;
	size_t i;

	memset(t, 0, sizeof(*t));
	*count = 0;
	for (k = 0; k < API_METRICS_STRIPES; k++) {
		struct series *s = series_of(m, k, row, mi);

		for (i = 0; i < NSTATUS; i++) {
			unsigned long long v = atomic_load_explicit(&s->status[i], memory_order_relaxed);

			atomic_fetch_add_explicit(&t->status[i], v, memory_order_relaxed);
			*count += v;
		}
		for (i = 0; i <= API_METRICS_BUCKETS; i++)
			atomic_fetch_add_explicit(&t->bucket[i],
						  atomic_load_explicit(&s->bucket[i], memory_order_relaxed),
						  memory_order_relaxed);
		atomic_fetch_add_explicit(&t->sum_us, atomic_load_explicit(&s->sum_us, memory_order_relaxed),
					  memory_order_relaxed);
	}
}

static int labels(struct ds_buf *out, struct api_metrics *m, size_t row, int mi)
{
	static const char *const names[API_METHOD_COUNT] = {"GET",   "HEAD",   "POST",    "PUT",
							    "PATCH", "DELETE", "OPTIONS", "OTHER"};

	return ds_buf_addstr(out, "{route=\"") ||
	       api_metrics_label(out, row < m->nroutes ? m->routes[row].tmpl : "unmatched") ||
	       ds_buf_addf(out, "\",method=\"%s\"", names[mi]);
}

int api_metrics_render(struct api_metrics *m, struct ds_buf *out)
{
	size_t row, i;
	int mi, pass, rc = 0;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			rc |= ds_buf_addstr(out, "# HELP http_requests_total Requests answered, by route "
						 "template, method and status.\n"
						 "# TYPE http_requests_total counter\n");
		else
			rc |= ds_buf_addstr(out, "# HELP http_request_duration_seconds Time from the "
						 "request line to the response, queued.\n"
						 "# TYPE http_request_duration_seconds histogram\n");
		for (row = 0; row <= m->nroutes; row++) {
			for (mi = 0; mi < API_METHOD_COUNT; mi++) {
				struct series t;
				unsigned long long count, cum = 0;

				total(m, row, mi, &t, &count);
				if (!count)
					continue;
				if (pass == 0) {
					for (i = 0; i < NSTATUS; i++) {
						unsigned long long v = atomic_load(&t.status[i]);

						if (!v)
							continue;
						rc |= ds_buf_addstr(out, "http_requests_total");
						rc |= labels(out, m, row, mi);
						if (i < NSTATUS - 1)
							rc |= ds_buf_addf(out, ",status=\"%d\"} %llu\n",
									  status_codes[i], v);
						else
							rc |= ds_buf_addf(out, ",status=\"other\"} %llu\n", v);
					}
					continue;
				}
				for (i = 0; i <= API_METRICS_BUCKETS; i++) {
					cum += atomic_load(&t.bucket[i]);
					rc |= ds_buf_addstr(out, "http_request_duration_seconds_bucket");
					rc |= labels(out, m, row, mi);
					rc |= ds_buf_addf(out, ",le=\"%s\"} %llu\n",
							  i < API_METRICS_BUCKETS ? bucket_le[i] : "+Inf", cum);
				}
				rc |= ds_buf_addstr(out, "http_request_duration_seconds_sum");
				rc |= labels(out, m, row, mi);
				rc |= ds_buf_addf(out, "} %.6f\n", (double)atomic_load(&t.sum_us) / 1e6);
				rc |= ds_buf_addstr(out, "http_request_duration_seconds_count");
				rc |= labels(out, m, row, mi);
				rc |= ds_buf_addf(out, "} %llu\n", cum);
			}
		}
	}
	rc |= ds_buf_addstr(out, "# HELP api_problems_total Error responses, by problem type.\n"
				 "# TYPE api_problems_total counter\n");
	for (i = 0; i < API_PROBLEM_COUNT; i++)
		rc |= ds_buf_addf(out, "api_problems_total{type=\"%s\"} %llu\n",
				  api_problem_code((enum api_problem)i), atomic_load(&m->problems[i]));
	return rc ? -1 : 0;
}
