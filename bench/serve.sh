#!/bin/sh
# serve.sh - the serve benchmark of issue 2, printed as a table.
#
# Seeds a database with ROWS projects (default 100,000, creation dates spread over three
# years in insertion order, as a table that fills over time), starts `duckdb-spawn serve` on
# 127.0.0.1 and drives it with wrk:
#
#   point      GET /ops/projects/{id}, ids drawn from 1,000 random existing ones
#   list100    GET /ops/projects?limit=100 (the first page)
#   list100k   a keyset walk: each request fetches the page after a random cursor
#   listoff    GET /ops/projects?limit=100&offset=<random 0..ROWS-100> (a deep page)
#   post       POST /ops/projects (group commit: each 201 only once durable)
#
# at 1, 16 and 64 connections (CONNS) for DURATION seconds each, reporting req/s, p50, p99,
# non-2xx answers and the server's peak RSS during that run (VmHWM, reset before each run).
# Then: idle RSS, cold start (exec to the first 200 on /health, median of 10), and the same
# queries run in-process through the C API without HTTP (the ceiling; bench/serve_bench.c).
#
# Usage: bench/serve.sh            (env: BUILD=build ROWS=100000 DURATION=10 CONNS="1 16 64")
# Needs wrk (scripts/setup-deps.sh --bench). Speed depends on what else the machine runs:
# the load average is printed before and after; compare runs on a quiet machine only.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$here/$build ;; esac
bin=$build/src/duckdb-spawn
helper=$build/bench/serve_bench
rows=${ROWS:-100000}
duration=${DURATION:-10}
conns=${CONNS:-"1 16 64"}

for f in "$bin" "$helper"; do
	[ -x "$f" ] || { echo "serve.sh: $f is missing: build first (make build)" >&2; exit 1; }
done
command -v wrk >/dev/null 2>&1 || { echo "serve.sh: wrk is missing: scripts/setup-deps.sh --bench" >&2; exit 1; }

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

kib() { awk -v k="$1" '/^'"$1"':/ {print $2}' "/proc/$pid/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "duckdb-spawn: $("$bin" version)"
echo "seeding $rows rows..."
"$helper" seed "$tmp/bench.db" "$rows"
"$helper" ids "$tmp/bench.db" "$tmp/ids.txt" 1000
# The ceiling and the cold start run on this pristine copy: the POST runs add rows (all
# dated today) that would change what the list queries cost.
cp "$tmp/bench.db" "$tmp/pristine.db"

cat >"$tmp/point.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/ops/projects/" .. ids[math.random(#ids)])
end
LUA
cat >"$tmp/list100.lua" <<'LUA'
request = function() return wrk.format("GET", "/ops/projects?limit=100") end
LUA
cat >"$tmp/listoff.lua" <<'LUA'
local rows = tonumber(os.getenv("ROWS"))
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/ops/projects?limit=100&offset=" .. math.random(0, rows - 100))
end
LUA
# Keyset: cursors made from the sampled ids and dates spread over the table's range.
cat >"$tmp/list100k.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local now = os.time()
request = function()
  local day = os.date("!%Y-%m-%d", now - math.random(0, 1100) * 86400)
  return wrk.format("GET", "/ops/projects?limit=100&after=" .. day .. "_" .. ids[math.random(#ids)])
end
LUA
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/ops/projects", nil, string.format(
    '{"project_name":"bench %d","total_amount":1234567890.12,"maturity_years":10,' ..
    '"expected_tri":7.25,"dscr":1.40}', n))
end
LUA

# Below the ephemeral range (32768+), where a client socket could hold the port.
port=$(awk 'BEGIN {srand(); print 10000 + int(rand() * 20000)}')
"$bin" serve --host 127.0.0.1 --port "$port" --database "$tmp/bench.db" >"$tmp/serve.log" 2>&1 &
pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "serve.sh: server did not come up" >&2; cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.02
done
sleep 1
idle=$(kib VmRSS)

printf '\n%-9s %6s %10s %10s %10s %8s %10s\n' scenario conns req/s p50 p99 non2xx peak_RSS
for scenario in point list100 list100k listoff post; do
	for c in $conns; do
		t=2
		[ "$c" -lt 2 ] && t=1
		echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
		IDS=$tmp/ids.txt ROWS=$rows wrk -t"$t" -c"$c" -d"${duration}s" --latency \
			-s "$tmp/$scenario.lua" "http://127.0.0.1:$port" >"$tmp/wrk.out" 2>&1 || true
		rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$tmp/wrk.out")
		p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
		p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
		bad=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.out")
		err=$(awk '/Socket errors/ {print "+err"}' "$tmp/wrk.out")
		printf '%-9s %6s %10s %10s %10s %8s %8s MB\n' "$scenario" "$c" "${rps:-?}" "${p50:-?}" \
			"${p99:-?}" "${bad:-0}${err}" "$(mb "$(kib VmHWM)")"
	done
done
peak=$(kib VmHWM)
echo
echo "idle RSS after start (100k rows, one /health): $(mb "$idle") MB"
kill -TERM "$pid"
wait "$pid" || true
pid=""

echo "cold start, exec to first 200 on /health (ms): median, min, max of 10:"
"$helper" coldstart "$bin" "$tmp/pristine.db" 10 | awk -F'\t' '{printf "  %s %s %s\n", $2, $3, $4}'

echo
echo "ceiling: the same queries in-process through the C API, no HTTP (threads=1 per connection)"
printf '%-12s %8s %10s %10s %10s\n' query threads ops/s p50_us p99_us
"$helper" ceiling "$tmp/pristine.db" 5 | awk -F'\t' '{printf "%-12s %8s %10s %10s %10s\n", $1, $2, $3, $4, $5}'
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
