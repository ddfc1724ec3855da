# The two commands of the README, and the few others a developer types.
#
#   make run     set up (Debian packages, DuckDB), build, and serve on :8000 with
#                ./duckdb_spawn.db
#   make test    set up, then build and run the whole suite twice: a -Werror build, and a
#                build under AddressSanitizer + UBSan (leaks included). CI runs exactly this.
#
#   make check   the -Werror build and suite only (the quick loop)
#   make asan    the sanitizer build and suite only
#   make bench   benchmarks (bench/README.md); prints tables
#   make fuzz    libFuzzer drivers, short run each (clang)
#   make clean   remove build trees (keeps .deps/)
#
# Variables: JOBS (parallel build and test jobs), CTEST_ARGS (e.g. "-L unit" or "-R ref_"),
# PORT, DATABASE_URL (for make run).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
CTEST_ARGS ?=
CMAKE ?= cmake
CTEST ?= ctest
CTEST_FLAGS = --output-on-failure --no-tests=error -j$(JOBS) $(CTEST_ARGS)

# Sanitizers: stop at the first error, report leaks, and keep DuckDB's own allocator
# alone (it is not instrumented; see tests/sanitizer/lsan.supp for what we suppress and why).
ASAN_ENV = ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp:print_suppressions=0

.PHONY: all setup build run test check asan bench fuzz clean

all: build

setup:
	@scripts/setup-deps.sh

$(BUILD)/CMakeCache.txt: | setup
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDS_WERROR=ON

build: setup $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/src/duckdb-spawn serve

check: build
	cd $(BUILD) && $(CTEST) $(CTEST_FLAGS)

asan: setup
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDS_WERROR=ON \
		-DDS_SANITIZE=address,undefined
	$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && $(ASAN_ENV) $(CTEST) $(CTEST_FLAGS) -LE slow

test: check asan

bench: build
	@scripts/setup-deps.sh --bench
	bench/run.sh

fuzz: setup
	@scripts/setup-deps.sh --fuzz
	CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDS_FUZZ=ON \
		-DDS_SANITIZE=address,undefined
	$(CMAKE) --build build-fuzz -j$(JOBS)
	tests/fuzz/run.sh build-fuzz

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
