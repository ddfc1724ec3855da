#!/bin/sh
# run.sh - run every libFuzzer binary of a -DDS_FUZZ=ON build on its corpus for a while.
#
#   tests/fuzz/run.sh [BUILD_DIR] [SECONDS]     (make fuzz: build-fuzz, 60 s each)
#
# New inputs go to a scratch folder, not the committed corpus: to keep one that found a bug,
# copy it into tests/fuzz/corpus/<name>/ with the fix (every ctest run replays that folder).
# A crash leaves crash-* / leak-* files in the scratch folder and fails the run.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
case $build in /*) ;; *) build=$PWD/$build ;; esac
secs=${2:-${FUZZ_SECONDS:-60}}
found=0
fail=0
for bin in "$build"/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	case $bin in *fuzz_replay_*) continue ;; esac
	name=$(basename "$bin")
	name=${name#fuzz_}
	corpus=$PWD/tests/fuzz/corpus/$name
	scratch=$build/fuzz-out/$name
	mkdir -p "$scratch"
	found=1
	echo "fuzz: $name for ${secs}s (corpus $corpus)"
	if ! (cd "$scratch" && "$bin" -max_total_time="$secs" -max_len=4096 \
		-print_final_stats=1 "$scratch" "$corpus" >"$scratch/log" 2>&1); then
		echo "fuzz: $name FAILED; see $scratch/log and $scratch/crash-*" >&2
		tail -n 30 "$scratch/log" >&2
		fail=1
	else
		grep -E 'stat::number_of_executed_units|cov:' "$scratch/log" | tail -n 2
	fi
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz_* binaries in $build (configure with -DDS_FUZZ=ON, CC=clang)" >&2; exit 1; }
exit $fail
