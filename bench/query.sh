#!/bin/sh
# query.sh - the /query benchmark of issue 5, printed as tables.
#
# 1. Streaming: SELECT * FROM projects LIMIT n over a seeded table (the 11 columns of the
#    projects schema: UUID, text, DECIMALs, DATE, TIMESTAMP), n = 10k, 100k, 1M rows
#    (STREAM_ROWS), as NDJSON and as CSV, through curl on 127.0.0.1: rows/s, MB/s, the
#    server's RSS before and its peak RSS during the transfer (VmHWM, reset before each
#    run). Peak RSS must not grow with n: the result is streamed chunk by chunk.
# 2. The issue's aggregate, SELECT status, currency_code, count(*), sum(total_amount),
#    avg(dscr) FROM projects GROUP BY ALL, over ROWS (100,000) projects, POSTed by wrk at
#    1, 16 and 64 connections (CONNS): req/s, p50, p99, non-2xx, peak RSS.
# 3. The same aggregate in-process without HTTP (bench/query_bench.c): the ceiling.
#
# 4. With PEER=1, 1 and 2 again against the peer a user would write instead: Node.js
#    (node:http + @duckdb/node-api 1.4.4, bench/query_peer.mjs), on copies of the same
#    databases; @duckdb/node-api is installed into $BUILD/bench-peer the first time (npm).
#
# Usage: bench/query.sh   (env: BUILD=build ROWS=100000 STREAM_ROWS="10000 100000 1000000"
#                          DURATION=10 CONNS="1 16 64" RUNS=3 PEER=0)
# Needs wrk and curl. The load average is printed before and after: on a 2-core machine
# anything else running (a test suite) halves what this measures.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$here/$build ;; esac
bin=$build/src/duckdb-spawn
seed=$build/bench/serve_bench
helper=$build/bench/query_bench
rows=${ROWS:-100000}
stream_rows=${STREAM_ROWS:-"10000 100000 1000000"}
duration=${DURATION:-10}
conns=${CONNS:-"1 16 64"}
runs=${RUNS:-3}
peer=${PEER:-0}

for f in "$bin" "$seed" "$helper"; do
	[ -x "$f" ] || { echo "query.sh: $f is missing: build first (make build)" >&2; exit 1; }
done
for p in wrk curl; do
	command -v $p >/dev/null 2>&1 || { echo "query.sh: $p is missing: scripts/setup-deps.sh --bench" >&2; exit 1; }
done

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

kib() { awk '/^'"$1"':/ {print $2}' "/proc/$pid/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

start_server() { # db, extra args...
	db=$1
	shift
	port=$(awk 'BEGIN {srand(); print 10000 + int(rand() * 20000)}')
	"$bin" serve --host 127.0.0.1 --port "$port" --database "$db" "$@" >"$tmp/serve.log" 2>&1 &
	pid=$!
	i=0
	until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "query.sh: server did not come up" >&2; cat "$tmp/serve.log" >&2; exit 1; }
		sleep 0.02
	done
}

stop_server() {
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true # node dies of the signal; the shell would say so
	pid=""
}

start_peer() { # db
	port=$(awk 'BEGIN {srand(); print 10000 + int(rand() * 20000)}')
	node "$peer_dir/query_peer.mjs" "$1" "$port" >"$tmp/peer.log" 2>&1 &
	pid=$!
	i=0
	until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "query.sh: peer did not come up" >&2; cat "$tmp/peer.log" >&2; exit 1; }
		sleep 0.02
	done
}

# Streaming table for the server on $port/$pid; $1 names it.
measure_stream() {
	cold=$(kib VmRSS)
	# Warm DuckDB's buffer pool with one full scan, so that what follows measures the cost
	# of the result, not of first reading the table's blocks from disk (they stay cached,
	# and count in RSS, whatever the result size).
	curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: text/csv' \
		-d '{"sql":"SELECT * FROM projects"}' "http://127.0.0.1:$port/query"
	echo
	echo "$1: RSS after start $(mb "$cold") MB; after one full scan of the $max-row table ($(du -m "$tmp/stream.db" | cut -f1) MB on disk): $(mb "$(kib VmRSS)") MB"
	echo "$1: streaming SELECT * FROM projects LIMIT n (best of $runs; peak RSS: highest of the runs)"
	printf '%-7s %8s %10s %8s %9s %11s %13s\n' format rows rows/s MB/s MB_sent RSS_before peak_RSS
	for fmt in ndjson csv; do
		case $fmt in ndjson) accept=application/x-ndjson ;; csv) accept=text/csv ;; esac
		for n in $stream_rows; do
			best=""
			peak=0
			before=$(kib VmRSS)
			r=0
			while [ $r -lt "$runs" ]; do
				r=$((r + 1))
				echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
				out=$(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}' \
					-H 'Content-Type: application/json' -H "Accept: $accept" \
					-d "{\"sql\":\"SELECT * FROM projects LIMIT $n\"}" \
					"http://127.0.0.1:$port/query")
				set -- $out
				[ "$1" = 200 ] || { echo "query.sh: HTTP $1 streaming $n rows" >&2; exit 1; }
				hwm=$(kib VmHWM)
				[ "$hwm" -gt "$peak" ] && peak=$hwm
				best=$(awk -v a="$best" -v b="$2" 'BEGIN {print (a == "" || b < a) ? b : a}')
				bytes=$3
			done
			awk -v f="$fmt" -v n="$n" -v t="$best" -v b="$bytes" -v rb="$(mb "$before")" -v p="$(mb "$peak")" \
				'BEGIN {printf "%-7s %8d %10.0f %8.1f %9.1f %8s MB %10s MB\n", f, n, n / t, b / t / 1048576, b / 1048576, rb, p}'
		done
	done
}

# The aggregate under wrk for the server on $port/$pid; $1 names it.
measure_agg() {
	curl -s -H 'Content-Type: application/json' -d @- "http://127.0.0.1:$port/query" >"$tmp/agg.out" <<'JSON'
{"sql":"SELECT status, currency_code, count(*), sum(total_amount), avg(dscr) FROM projects GROUP BY ALL"}
JSON
	echo
	echo "$1: aggregate over $rows rows: $(cut -c1-140 "$tmp/agg.out")..."
	printf '%-9s %6s %10s %10s %10s %8s %10s\n' scenario conns req/s p50 p99 non2xx peak_RSS
	for c in $conns; do
		t=2
		[ "$c" -lt 2 ] && t=1
		echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
		wrk -t"$t" -c"$c" -d"${duration}s" --latency -s "$tmp/agg.lua" "http://127.0.0.1:$port/query" \
			>"$tmp/wrk.out" 2>&1 || true
		rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$tmp/wrk.out")
		p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
		p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
		bad=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.out")
		err=$(awk '/Socket errors/ {print "+err"}' "$tmp/wrk.out")
		printf '%-9s %6s %10s %10s %10s %8s %8s MB\n' aggregate "$c" "${rps:-?}" "${p50:-?}" "${p99:-?}" \
			"${bad:-0}${err}" "$(mb "$(kib VmHWM)")"
	done
}

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "duckdb-spawn: $("$bin" version)"
max=0
for n in $stream_rows; do [ "$n" -gt "$max" ] && max=$n; done
echo "seeding $max rows (streaming) and $rows rows (aggregate)..."
"$seed" seed "$tmp/stream.db" "$max"
"$seed" seed "$tmp/agg.db" "$rows"

# --- 1. streaming --------------------------------------------------------------------------
cat >"$tmp/agg.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sql":"SELECT status, currency_code, count(*), sum(total_amount), avg(dscr) FROM projects GROUP BY ALL"}'
LUA
# The peer gets copies made now, before our server has touched the files.
if [ "$peer" = 1 ]; then
	cp "$tmp/stream.db" "$tmp/stream-peer.db"
	cp "$tmp/agg.db" "$tmp/agg-peer.db"
fi
start_server "$tmp/stream.db" --query-max-rows "$max" --query-timeout 600s
sleep 0.5
measure_stream duckdb-spawn
stop_server

# --- 2. the aggregate under wrk ------------------------------------------------------------
start_server "$tmp/agg.db"
measure_agg duckdb-spawn
stop_server

# --- 3. the ceiling ------------------------------------------------------------------------
echo
echo "ceiling: the aggregate in-process, no HTTP (raw: C API; api: the /query path via api__run_sync)"
printf '%-12s %8s %10s %10s %10s\n' query threads ops/s p50_us p99_us
"$helper" ceiling "$tmp/agg.db" 5 | awk -F'\t' '{printf "%-12s %8s %10s %10s %10s\n", $1, $2, $3, $4, $5}'
# --- 4. the Node.js peer -------------------------------------------------------------------
if [ "$peer" = 1 ]; then
	command -v node >/dev/null 2>&1 || { echo "query.sh: PEER=1 needs node" >&2; exit 1; }
	peer_dir=$build/bench-peer
	if [ ! -d "$peer_dir/node_modules/@duckdb/node-api" ]; then
		echo "installing @duckdb/node-api@1.4.4-r.4 into $peer_dir (npm)..."
		mkdir -p "$peer_dir"
		npm install --silent --no-audit --no-fund --prefix "$peer_dir" @duckdb/node-api@1.4.4-r.4 >/dev/null
	fi
	cp "$here/bench/query_peer.mjs" "$peer_dir/query_peer.mjs"
	echo
	echo "peer: Node.js $(node --version), @duckdb/node-api $(node -p "require('$peer_dir/node_modules/@duckdb/node-api/package.json').version"), DuckDB defaults"
	start_peer "$tmp/stream-peer.db"
	measure_stream node-peer
	stop_server
	start_peer "$tmp/agg-peer.db"
	measure_agg node-peer
	stop_server
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
