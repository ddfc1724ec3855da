/*
 * api/metrics.h - request counters and latency histograms, rendered as Prometheus text.
 *
 * Series are keyed by route row (api/router.h: template and method), status code and, for
 * the histogram, a fixed bucket ladder, so cardinality is bounded by the route table: a
 * scanner walking /wp-admin/... lands in the single "unmatched" row. Recording sits on
 * every request, so it takes no lock: counters are relaxed atomics in per-thread stripes
 * (a worker thread picks a stripe once), summed only when /metrics is scraped.
 */
#ifndef DS_API_METRICS_H
#define DS_API_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "api/problem.h"
#include "api/router.h"
#include "core/buf.h"

#define API_METRICS_STRIPES 8
#define API_METRICS_BUCKETS 16 /* finite upper bounds; +Inf is implied */

struct api_metrics_series;

struct api_metrics {
	const struct api_route *routes;
	size_t nroutes; /* rows; row nroutes is "unmatched" */
	struct api_metrics_series *stripes[API_METRICS_STRIPES]; /* each [(nroutes+1) * methods] */
	atomic_ullong problems[API_PROBLEM_COUNT];
};

/* Set up for a route table (kept by reference). 0 or -1 (memory). */
int api_metrics_init(struct api_metrics *m, const struct api_route *routes, size_t nroutes);
void api_metrics_release(struct api_metrics *m);

/* Count one request: route row (-1 or nroutes for unmatched), its method (used for the
 * unmatched row), status, and duration. */
void api_metrics_observe(struct api_metrics *m, int route, enum api_method method, int status,
			 int64_t duration_ns);
void api_metrics_problem(struct api_metrics *m, enum api_problem p);

/* Render http_requests_total, http_request_duration_seconds and api_problems_total. */
int api_metrics_render(struct api_metrics *m, struct ds_buf *out);

/* Append a label value escaped for the text format (\\, \", \n). */
int api_metrics_label(struct ds_buf *out, const char *v);

#endif
