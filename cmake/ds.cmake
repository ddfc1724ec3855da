# ds.cmake - the few functions every CMakeLists.txt in this tree uses.
#
#   ds_module(NAME <m> SOURCES <files> [DEPENDS <targets>])
#       A library module lib/<m>/ as static library ds_<m>. Headers are included as
#       "<m>/<file>.h" from the lib/ root. DEPENDS is the module's whole world: a module may
#       only include headers of what it links, which keeps the graph one-directional.
#
#   ds_add_tests(SOURCES <files> LABELS <labels> [LIBS <targets>] [TIMEOUT <s>] [PREFIX <p>])
#       One test executable from SOURCES plus the harness; one CTest entry per TEST(name)
#       found in the sources, so `ctest -R name` runs exactly that behaviour in its own
#       process. Exit code 77 means "skipped: prerequisite missing" (see tests/harness/test.h).
#
#   ds_add_script_test(NAME <n> COMMAND <argv...> LABELS <labels> [TIMEOUT <s>])
#       A test that is a script; same environment, labels and skip code.

function(ds_module)
    cmake_parse_arguments(M "" "NAME" "SOURCES;DEPENDS" ${ARGN})
    add_library(ds_${M_NAME} STATIC ${M_SOURCES})
    target_include_directories(ds_${M_NAME} PUBLIC "${CMAKE_SOURCE_DIR}/lib"
                                            PRIVATE "${CMAKE_BINARY_DIR}/generated")
    target_link_libraries(ds_${M_NAME} PUBLIC ${M_DEPENDS})
endfunction()

# Environment every test sees: where the binary, the sources and the build tree are.
function(_ds_test_env out)
    set(${out}
        "DS_BIN=$<TARGET_FILE:duckdb-spawn>"
        "DS_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
        "DS_BUILD_DIR=${CMAKE_BINARY_DIR}"
        "DS_SANITIZE=${DS_SANITIZE}"
        # In-process tests of lib/db are not the binary: tell its loader where DuckDB is.
        "DS_LIBDUCKDB=${DS_DUCKDB_DIR}/lib/libduckdb.so"
        PARENT_SCOPE)
endfunction()

set(DS_TEST_NAMES "" CACHE INTERNAL "every test name, to refuse duplicates")

function(ds_add_tests)
    cmake_parse_arguments(T "" "TIMEOUT;PREFIX" "SOURCES;LABELS;LIBS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    list(GET T_SOURCES 0 first)
    get_filename_component(stem "${first}" NAME_WE)
    file(RELATIVE_PATH rel "${CMAKE_SOURCE_DIR}/tests" "${CMAKE_CURRENT_SOURCE_DIR}")
    string(REPLACE "/" "_" rel "${rel}")
    set(exe "t_${rel}_${stem}")
    add_executable(${exe} ${T_SOURCES})
    target_link_libraries(${exe} PRIVATE ds_test ${T_LIBS})
    target_include_directories(${exe} PRIVATE "${CMAKE_BINARY_DIR}/generated")
    add_dependencies(${exe} duckdb-spawn)
    _ds_test_env(env)
    set(names "")
    foreach(src IN LISTS T_SOURCES)
        file(STRINGS "${CMAKE_CURRENT_SOURCE_DIR}/${src}" lines REGEX "^TEST\\([a-z0-9_]+\\)")
        foreach(line IN LISTS lines)
            string(REGEX REPLACE "^TEST\\(([a-z0-9_]+)\\).*" "\\1" name "${line}")
            list(APPEND names "${name}")
        endforeach()
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                     "${CMAKE_CURRENT_SOURCE_DIR}/${src}")
    endforeach()
    if(NOT names)
        message(FATAL_ERROR "${first}: no TEST(name) found")
    endif()
    foreach(name IN LISTS names)
        if(name IN_LIST DS_TEST_NAMES)
            message(FATAL_ERROR "test name '${name}' is used twice (in ${first})")
        endif()
        set(DS_TEST_NAMES "${DS_TEST_NAMES};${name}" CACHE INTERNAL "")
        add_test(NAME ${T_PREFIX}${name} COMMAND ${exe} ${name})
        set_tests_properties(${T_PREFIX}${name} PROPERTIES
            LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
            ENVIRONMENT "${env}")
    endforeach()
endfunction()

function(ds_add_script_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "COMMAND;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    if(T_NAME IN_LIST DS_TEST_NAMES)
        message(FATAL_ERROR "test name '${T_NAME}' is used twice")
    endif()
    set(DS_TEST_NAMES "${DS_TEST_NAMES};${T_NAME}" CACHE INTERNAL "")
    _ds_test_env(env)
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
    set_tests_properties(${T_NAME} PROPERTIES
        LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77 ENVIRONMENT "${env}")
endfunction()
