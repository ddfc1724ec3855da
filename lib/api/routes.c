/*
 * api/routes.c - the route table: every endpoint of serve, one row each.
 *
 * To add an endpoint: a handler (declared in internal.h), a row here, a section in
 * docs/api.md, and an integration test in tests/integration/serve/. Rows are matched in
 * order; the template is the metrics and log label. API_ROUTE_ADMIN rows exist only when
 * ADMIN_TOKEN is set, and every request to one must carry it (handler.c checks).
 */
#include "api/internal.h"

const struct api_route api__routes[] = {
	{API_GET, "/", api__info, 0},
	{API_GET, "/health", api__health, API_ROUTE_NO_LIMIT},
	{API_GET, "/monitoring/health", api__health, API_ROUTE_NO_LIMIT},
	{API_GET, "/metrics", api__metrics_get, 0},
	{API_POST, "/ops/projects", api__projects_create, API_ROUTE_JSON_BODY},
	{API_GET, "/ops/projects", api__projects_list, 0},
	{API_GET, "/ops/projects/{id}", api__projects_get, 0},
	{API_PATCH, "/ops/projects/{id}", api__projects_patch, API_ROUTE_JSON_BODY},
	{API_DELETE, "/ops/projects/{id}", api__projects_delete, 0},
	{API_POST, "/query", api__query_run, API_ROUTE_JSON_BODY},
	{API_GET, "/query", api__query_run, 0},
	{API_GET, "/admin/tables", api__admin_tables_list, API_ROUTE_ADMIN},
	{API_POST, "/admin/tables", api__admin_tables_create, API_ROUTE_ADMIN | API_ROUTE_JSON_BODY},
	{API_GET, "/admin/tables/{name}", api__admin_tables_get, API_ROUTE_ADMIN},
	{API_DELETE, "/admin/tables/{name}", api__admin_tables_delete, API_ROUTE_ADMIN},
	{API_GET, "/admin/logging/level", api__admin_log_level_get, API_ROUTE_ADMIN},
	{API_POST, "/admin/logging/level", api__admin_log_level_set,
	 API_ROUTE_ADMIN | API_ROUTE_JSON_BODY},
	{API_POST, "/admin/checkpoint", api__admin_checkpoint, API_ROUTE_ADMIN},
};

const size_t api__nroutes = sizeof(api__routes) / sizeof(api__routes[0]);
