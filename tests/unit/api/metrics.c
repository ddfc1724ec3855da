/* Tests for lib/api/metrics.c: striped counters and the Prometheus text. */
#include <pthread.h>

#include "api/metrics.h"
#include "test.h"

static enum api_result h(struct api_req *r)
{
	return API_DONE;
}

static const struct api_route table[] = {
	{API_GET, "/ops/projects/{id}", h, 0},
	{API_POST, "/ops/projects", h, 0},
};

static struct api_metrics m;

static void release(void *unused)
{
	api_metrics_release(&m);
}

static const char *render(void)
{
	static struct ds_buf b;

	ds_buf_release(&b);
	ds_buf_init(&b, 0);
	ASSERT_EQ_INT(api_metrics_render(&m, &b), 0);
	return ds_buf_str(&b);
}

TEST(metrics_count_by_template_method_status)
{
	const char *t;

	ASSERT_EQ_INT(api_metrics_init(&m, table, 2), 0);
	ds_test_defer(release, NULL);
	api_metrics_observe(&m, 0, API_GET, 200, 300000);
	api_metrics_observe(&m, 0, API_GET, 200, 300000);
	api_metrics_observe(&m, 0, API_GET, 404, 3000000);
	api_metrics_observe(&m, 1, API_POST, 201, 20000000);
	api_metrics_observe(&m, -1, API_OTHER, 405, 1000);
	api_metrics_observe(&m, -1, API_GET, 299, 1000);
	t = render();
	ASSERT_CONTAINS(t, "# TYPE http_requests_total counter\n");
	ASSERT_CONTAINS(t, "http_requests_total{route=\"/ops/projects/{id}\",method=\"GET\",status=\"200\"} 2\n");
	ASSERT_CONTAINS(t, "http_requests_total{route=\"/ops/projects/{id}\",method=\"GET\",status=\"404\"} 1\n");
	ASSERT_CONTAINS(t, "http_requests_total{route=\"/ops/projects\",method=\"POST\",status=\"201\"} 1\n");
	ASSERT_CONTAINS(t, "http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"405\"} 1\n");
	ASSERT_CONTAINS(t, "http_requests_total{route=\"unmatched\",method=\"GET\",status=\"other\"} 1\n");
}

TEST(metrics_histogram_is_cumulative_with_sum_and_count)
{
	const char *t;

	ASSERT_EQ_INT(api_metrics_init(&m, table, 2), 0);
	ds_test_defer(release, NULL);
	api_metrics_observe(&m, 0, API_GET, 200, 300000);   /* 0.3 ms */
	api_metrics_observe(&m, 0, API_GET, 200, 3000000);  /* 3 ms */
	api_metrics_observe(&m, 0, API_GET, 200, 20000000000LL); /* 20 s: only +Inf */
	t = render();
	ASSERT_CONTAINS(t, "http_request_duration_seconds_bucket{route=\"/ops/projects/{id}\",method=\"GET\",le=\"0.00025\"} 0\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_bucket{route=\"/ops/projects/{id}\",method=\"GET\",le=\"0.0005\"} 1\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_bucket{route=\"/ops/projects/{id}\",method=\"GET\",le=\"0.005\"} 2\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_bucket{route=\"/ops/projects/{id}\",method=\"GET\",le=\"10\"} 2\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_bucket{route=\"/ops/projects/{id}\",method=\"GET\",le=\"+Inf\"} 3\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_sum{route=\"/ops/projects/{id}\",method=\"GET\"} 20.003300\n");
	ASSERT_CONTAINS(t, "http_request_duration_seconds_count{route=\"/ops/projects/{id}\",method=\"GET\"} 3\n");
}

static void *hammer(void *arg)
{
	int i;

	for (i = 0; i < 100000; i++)
		api_metrics_observe(&m, 1, API_POST, 201, 1000);
	return arg;
}

TEST(metrics_lose_no_count_under_concurrent_threads)
{
	pthread_t t[4];
	int i;

	ASSERT_EQ_INT(api_metrics_init(&m, table, 2), 0);
	ds_test_defer(release, NULL);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ASSERT_CONTAINS(render(), "http_requests_total{route=\"/ops/projects\",method=\"POST\",status=\"201\"} 400000\n");
}

TEST(metrics_label_escapes_quotes_backslashes_newlines)
{
	struct ds_buf b = DS_BUF_INIT(0);

	ASSERT_EQ_INT(api_metrics_label(&b, "a\"b\\c\nd"), 0);
	ASSERT_EQ_STR(ds_buf_str(&b), "a\\\"b\\\\c\\nd");
	ds_buf_release(&b);
}

TEST(metrics_problems_are_counted_by_type)
{
	ASSERT_EQ_INT(api_metrics_init(&m, table, 2), 0);
	ds_test_defer(release, NULL);
	api_metrics_problem(&m, API_PROBLEM_INVALID_JSON);
	api_metrics_problem(&m, API_PROBLEM_INVALID_JSON);
	ASSERT_CONTAINS(render(), "api_problems_total{type=\"invalid-json\"} 2\n");
}
