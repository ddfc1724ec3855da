/*
 * api/routes.c - the route table: every endpoint of serve, one row each.
 *
 * To add an endpoint: a handler (declared in internal.h), a row here, a section in
 * docs/api.md, and an integration test in tests/integration/serve/. Rows are matched in
 * order; the template is the metrics and log label.
 */
#include "api/internal.h"

const struct api_route api__routes[] = {
	{API_GET, "/", api__info, 0},
	{API_GET, "/health", api__health, 0},
	{API_GET, "/monitoring/health", api__health, 0},
	{API_GET, "/metrics", api__metrics_get, 0},
	{API_POST, "/ops/projects", api__projects_create, API_ROUTE_JSON_BODY},
	{API_GET, "/ops/projects", api__projects_list, 0},
	{API_GET, "/ops/projects/{id}", api__projects_get, 0},
	{API_PATCH, "/ops/projects/{id}", api__projects_patch, API_ROUTE_JSON_BODY},
	{API_DELETE, "/ops/projects/{id}", api__projects_delete, 0},
};

const size_t api__nroutes = sizeof(api__routes) / sizeof(api__routes[0]);
