/*
 * db/duckdb-api.h - every DuckDB C API function duckdb-spawn calls, one line each.
 *
 * libduckdb.so is not linked: it is loaded with dlopen() the first time a database is
 * opened (db/loader.c). Its 64 MB of C++ and their static constructors cost about 6 ms at
 * every process start, which `image check`, `koyeb ...` and the container health probe
 * never need. loader.c defines each function below as a trampoline of the same name and
 * signature through a pointer taken with dlsym(), so lib/db's code calls the C API as
 * written in duckdb.h.
 *
 * Calling a DuckDB function that is not listed here fails at link time ("undefined
 * reference to duckdb_..."): add its line, copying the prototype from duckdb.h. The list
 * serves bench/serve_bench.c too (its raw C API ceiling).
 *   F(return type, name, (parameters), (arguments))   for a function returning a value
 *   V(name, (parameters), (arguments))                for a function returning void
 */
#ifndef DS_DB_DUCKDB_API_H
#define DS_DB_DUCKDB_API_H

#define DB_DUCKDB_API(F, V) \
	F(duckdb_state, duckdb_append_bool, (duckdb_appender appender, bool value), (appender, value)) \
	F(duckdb_state, duckdb_append_date, (duckdb_appender appender, duckdb_date value), (appender, value)) \
	F(duckdb_state, duckdb_append_int32, (duckdb_appender appender, int32_t value), (appender, value)) \
	F(duckdb_state, duckdb_append_int64, (duckdb_appender appender, int64_t value), (appender, value)) \
	F(duckdb_state, duckdb_append_null, (duckdb_appender appender), (appender)) \
	F(duckdb_state, duckdb_append_timestamp, (duckdb_appender appender, duckdb_timestamp value), (appender, value)) \
	F(duckdb_state, duckdb_append_value, (duckdb_appender appender, duckdb_value value), (appender, value)) \
	F(duckdb_state, duckdb_append_varchar, (duckdb_appender appender, const char *val), (appender, val)) \
	F(duckdb_state, duckdb_append_varchar_length, (duckdb_appender appender, const char *val, idx_t length), (appender, val, length)) \
	F(duckdb_state, duckdb_appender_create, (duckdb_connection connection, const char *schema, const char *table, duckdb_appender *out_appender), (connection, schema, table, out_appender)) \
	F(duckdb_state, duckdb_appender_destroy, (duckdb_appender *appender), (appender)) \
	F(duckdb_state, duckdb_appender_end_row, (duckdb_appender appender), (appender)) \
	F(const char *, duckdb_appender_error, (duckdb_appender appender), (appender)) \
	F(duckdb_state, duckdb_appender_flush, (duckdb_appender appender), (appender)) \
	F(idx_t, duckdb_array_type_array_size, (duckdb_logical_type type), (type)) \
	F(duckdb_logical_type, duckdb_array_type_child_type, (duckdb_logical_type type), (type)) \
	F(duckdb_vector, duckdb_array_vector_get_child, (duckdb_vector vector), (vector)) \
	F(duckdb_state, duckdb_bind_boolean, (duckdb_prepared_statement prepared_statement, idx_t param_idx, bool val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_date, (duckdb_prepared_statement prepared_statement, idx_t param_idx, duckdb_date val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_decimal, (duckdb_prepared_statement prepared_statement, idx_t param_idx, duckdb_decimal val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_int64, (duckdb_prepared_statement prepared_statement, idx_t param_idx, int64_t val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_null, (duckdb_prepared_statement prepared_statement, idx_t param_idx), (prepared_statement, param_idx)) \
	F(duckdb_state, duckdb_bind_timestamp, (duckdb_prepared_statement prepared_statement, idx_t param_idx, duckdb_timestamp val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_value, (duckdb_prepared_statement prepared_statement, idx_t param_idx, duckdb_value val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_varchar, (duckdb_prepared_statement prepared_statement, idx_t param_idx, const char *val), (prepared_statement, param_idx, val)) \
	F(duckdb_state, duckdb_bind_varchar_length, (duckdb_prepared_statement prepared_statement, idx_t param_idx, const char *val, idx_t length), (prepared_statement, param_idx, val, length)) \
	V(duckdb_close, (duckdb_database *database), (database)) \
	F(idx_t, duckdb_column_count, (duckdb_result *result), (result)) \
	F(duckdb_logical_type, duckdb_column_logical_type, (duckdb_result *result, idx_t col), (result, col)) \
	F(const char *, duckdb_column_name, (duckdb_result *result, idx_t col), (result, col)) \
	F(duckdb_type, duckdb_column_type, (duckdb_result *result, idx_t col), (result, col)) \
	F(duckdb_state, duckdb_connect, (duckdb_database database, duckdb_connection *out_connection), (database, out_connection)) \
	F(duckdb_state, duckdb_create_config, (duckdb_config *out_config), (out_config)) \
	F(duckdb_value, duckdb_create_decimal, (duckdb_decimal input), (input)) \
	F(duckdb_value, duckdb_create_uuid, (duckdb_uhugeint input), (input)) \
	F(idx_t, duckdb_data_chunk_get_size, (duckdb_data_chunk chunk), (chunk)) \
	F(duckdb_vector, duckdb_data_chunk_get_vector, (duckdb_data_chunk chunk, idx_t col_idx), (chunk, col_idx)) \
	F(duckdb_type, duckdb_decimal_internal_type, (duckdb_logical_type type), (type)) \
	F(uint8_t, duckdb_decimal_scale, (duckdb_logical_type type), (type)) \
	F(uint8_t, duckdb_decimal_width, (duckdb_logical_type type), (type)) \
	V(duckdb_destroy_config, (duckdb_config *config), (config)) \
	V(duckdb_destroy_data_chunk, (duckdb_data_chunk *chunk), (chunk)) \
	V(duckdb_destroy_extracted, (duckdb_extracted_statements *extracted_statements), (extracted_statements)) \
	V(duckdb_destroy_logical_type, (duckdb_logical_type *type), (type)) \
	V(duckdb_destroy_pending, (duckdb_pending_result *pending_result), (pending_result)) \
	V(duckdb_destroy_prepare, (duckdb_prepared_statement *prepared_statement), (prepared_statement)) \
	V(duckdb_destroy_result, (duckdb_result *result), (result)) \
	V(duckdb_destroy_value, (duckdb_value *value), (value)) \
	V(duckdb_disconnect, (duckdb_connection *connection), (connection)) \
	F(uint32_t, duckdb_enum_dictionary_size, (duckdb_logical_type type), (type)) \
	F(char *, duckdb_enum_dictionary_value, (duckdb_logical_type type, idx_t index), (type, index)) \
	F(duckdb_type, duckdb_enum_internal_type, (duckdb_logical_type type), (type)) \
	F(duckdb_state, duckdb_execute_pending, (duckdb_pending_result pending_result, duckdb_result *out_result), (pending_result, out_result)) \
	F(duckdb_state, duckdb_execute_prepared, (duckdb_prepared_statement prepared_statement, duckdb_result *out_result), (prepared_statement, out_result)) \
	F(idx_t, duckdb_extract_statements, (duckdb_connection connection, const char *query, duckdb_extracted_statements *out_extracted_statements), (connection, query, out_extracted_statements)) \
	F(const char *, duckdb_extract_statements_error, (duckdb_extracted_statements extracted_statements), (extracted_statements)) \
	F(duckdb_data_chunk, duckdb_fetch_chunk, (duckdb_result result), (result)) \
	V(duckdb_free, (void *ptr), (ptr)) \
	F(duckdb_time_tz_struct, duckdb_from_time_tz, (duckdb_time_tz micros), (micros)) \
	F(duckdb_type, duckdb_get_type_id, (duckdb_logical_type type), (type)) \
	V(duckdb_interrupt, (duckdb_connection connection), (connection)) \
	F(const char *, duckdb_library_version, (void), ()) \
	F(duckdb_logical_type, duckdb_list_type_child_type, (duckdb_logical_type type), (type)) \
	F(duckdb_vector, duckdb_list_vector_get_child, (duckdb_vector vector), (vector)) \
	F(char *, duckdb_logical_type_get_alias, (duckdb_logical_type type), (type)) \
	F(duckdb_logical_type, duckdb_map_type_key_type, (duckdb_logical_type type), (type)) \
	F(duckdb_logical_type, duckdb_map_type_value_type, (duckdb_logical_type type), (type)) \
	F(idx_t, duckdb_nparams, (duckdb_prepared_statement prepared_statement), (prepared_statement)) \
	F(duckdb_state, duckdb_open_ext, (const char *path, duckdb_database *out_database, duckdb_config config, char **out_error), (path, out_database, config, out_error)) \
	F(const char *, duckdb_pending_error, (duckdb_pending_result pending_result), (pending_result)) \
	F(duckdb_state, duckdb_pending_prepared_streaming, (duckdb_prepared_statement prepared_statement, duckdb_pending_result *out_result), (prepared_statement, out_result)) \
	F(duckdb_state, duckdb_prepare, (duckdb_connection connection, const char *query, duckdb_prepared_statement *out_prepared_statement), (connection, query, out_prepared_statement)) \
	F(const char *, duckdb_prepare_error, (duckdb_prepared_statement prepared_statement), (prepared_statement)) \
	F(duckdb_state, duckdb_prepare_extracted_statement, (duckdb_connection connection, duckdb_extracted_statements extracted_statements, idx_t index, duckdb_prepared_statement *out_prepared_statement), (connection, extracted_statements, index, out_prepared_statement)) \
	F(duckdb_statement_type, duckdb_prepared_statement_type, (duckdb_prepared_statement statement), (statement)) \
	F(duckdb_state, duckdb_query, (duckdb_connection connection, const char *query, duckdb_result *out_result), (connection, query, out_result)) \
	F(const char *, duckdb_result_error, (duckdb_result *result), (result)) \
	F(duckdb_error_type, duckdb_result_error_type, (duckdb_result *result), (result)) \
	F(duckdb_state, duckdb_set_config, (duckdb_config config, const char *name, const char *option), (config, name, option)) \
	F(const char *, duckdb_string_t_data, (duckdb_string_t *string), (string)) \
	F(uint32_t, duckdb_string_t_length, (duckdb_string_t string), (string)) \
	F(idx_t, duckdb_struct_type_child_count, (duckdb_logical_type type), (type)) \
	F(char *, duckdb_struct_type_child_name, (duckdb_logical_type type, idx_t index), (type, index)) \
	F(duckdb_logical_type, duckdb_struct_type_child_type, (duckdb_logical_type type, idx_t index), (type, index)) \
	F(duckdb_vector, duckdb_struct_vector_get_child, (duckdb_vector vector, idx_t index), (vector, index)) \
	F(idx_t, duckdb_union_type_member_count, (duckdb_logical_type type), (type)) \
	F(char *, duckdb_union_type_member_name, (duckdb_logical_type type, idx_t index), (type, index)) \
	F(duckdb_logical_type, duckdb_union_type_member_type, (duckdb_logical_type type, idx_t index), (type, index)) \
	F(bool, duckdb_validity_row_is_valid, (uint64_t *validity, idx_t row), (validity, row)) \
	F(void *, duckdb_vector_get_data, (duckdb_vector vector), (vector)) \
	F(uint64_t *, duckdb_vector_get_validity, (duckdb_vector vector), (vector))

#endif
