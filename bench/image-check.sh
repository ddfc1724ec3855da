#!/bin/sh
# image-check.sh - `duckdb-spawn image check` against `skopeo inspect`, same local registry,
# same images, in each registry mode (anonymous HTTP, htpasswd Basic over TLS, Bearer token
# over TLS), for a single linux/amd64 image and a multi-arch index.
#
# Prints per scenario: median wall time of RUNS runs (hyperfine, no shell, after warm-up),
# the HTTP requests the registry saw (its access log), token requests (the issuer's log),
# and TCP connections (a pass-through proxy that counts them; timing runs go direct).
# Also the floor: process start of the binary (DuckDB is linked in) against /bin/true, and
# where that time goes (ld.so statistics).
#
#   BUILD=build RUNS=20 bench/image-check.sh
#
# Needs: a build (make build), docker-registry, skopeo, openssl, htpasswd, hyperfine.
# The issue's skopeo baseline (median of 20, loopback) is shown beside our numbers.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-20}
bin=$PWD/$BUILD/src/duckdb-spawn
fixture=$PWD/$BUILD/tests/fixtures/registry/ds-registry-fixture
for p in hyperfine skopeo docker-registry openssl htpasswd; do
	command -v $p >/dev/null 2>&1 || { echo "image-check.sh: '$p' is missing (scripts/setup-deps.sh --bench)" >&2; exit 1; }
done
[ -x "$bin" ] && [ -x "$fixture" ] || { echo "image-check.sh: build first (make build; BUILD=$BUILD)" >&2; exit 1; }

work=$(mktemp -d)
fixture_pid=
cleanup() {
	[ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

median_ms() { # hyperfine JSON -> median in ms
	grep -o '"median": *[0-9.e+-]*' "$1" | head -n 1 | sed 's/.*: *//' |
		awk '{ printf "%.1f", $1 * 1000 }'
}

start_fixture() { # mode
	dir=$work/$1
	mkdir -p "$dir"
	"$fixture" --mode "$1" --dir "$dir" --push amd64=bench/app:single --push multi=bench/app:multi \
		--proxy pass >"$dir/env" 2>"$dir/err" &
	fixture_pid=$!
	i=0
	until grep -q READY "$dir/env" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || { cat "$dir/err" >&2; exit 1; }
		kill -0 $fixture_pid 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
		sleep 0.1
	done
	FIX_ISSUER_LOG=
	eval "$(grep "^FIX_" "$dir/env")"
	PASSWORD=$(cat "$FIX_PASSWORD_FILE")
}

stop_fixture() {
	kill "$fixture_pid" 2>/dev/null || true
	wait "$fixture_pid" 2>/dev/null || true
	fixture_pid=
}

count() { # file pattern
	if [ -n "$1" ] && [ -f "$1" ]; then grep -c -- "$2" "$1" || true; else echo 0; fi
}

# commands for a mode, a tool, an image, a host
ours() { # mode host tag
	case $1 in
	anon) echo "$bin image check http://$2/bench/app:$3" ;;
	*) echo "$bin image check --ca-file $FIX_CA $2/bench/app:$3" ;;
	esac
}
theirs() { # mode host tag
	case $1 in
	anon) echo "skopeo inspect --tls-verify=false docker://$2/bench/app:$3" ;;
	*) echo "skopeo inspect --cert-dir $FIX_CERT_DIR --authfile $AUTHFILE docker://$2/bench/app:$3" ;;
	esac
}

baseline() { # mode image -> the issue's skopeo median
	case "$1/$2" in
	anon/single) echo "15.4 ms (5 req, 7 conn)" ;;
	basic-tls/single) echo "44.8 ms (5 req)" ;;
	token/single) echo "47.6 ms (5+2 req, 7 conn)" ;;
	anon/multi) echo "21.5 ms" ;;
	basic-tls/multi) echo "40.5 ms" ;;
	token/multi) echo "49.2 ms" ;;
	esac
}

rows=$work/rows
printf '%-10s %-7s %-13s %9s %9s %7s %6s   %s\n' mode image tool "median" requests tokens conns \
	"issue's skopeo baseline" >"$rows"
for mode in anon basic-tls token; do
	start_fixture $mode
	AUTHFILE=$work/$mode/skopeo-auth.json
	printf '{"auths":{"%s":{"auth":"%s"},"%s":{"auth":"%s"}}}\n' "$FIX_HOST" \
		"$(printf '%s:%s' "$FIX_USER" "$PASSWORD" | base64 -w0)" "$FIX_PROXY_HOST" \
		"$(printf '%s:%s' "$FIX_USER" "$PASSWORD" | base64 -w0)" >"$AUTHFILE"
	if [ $mode = anon ]; then
		unset REGISTRY_USERNAME REGISTRY_PASSWORD
	else
		# Our credentials come from the environment here: hyperfine cannot feed stdin.
		export REGISTRY_USERNAME=$FIX_USER REGISTRY_PASSWORD=$PASSWORD
	fi
	for image in single multi; do
		for tool in duckdb-spawn skopeo; do
			if [ $tool = duckdb-spawn ]; then
				cmd=$(ours $mode "$FIX_HOST" $image)
				pcmd=$(ours $mode "$FIX_PROXY_HOST" $image)
			else
				cmd=$(theirs $mode "$FIX_HOST" $image)
				pcmd=$(theirs $mode "$FIX_PROXY_HOST" $image)
			fi
			# Sanity: the command must succeed.
			$cmd >/dev/null 2>"$work/last.err" || { echo "failed: $cmd" >&2; cat "$work/last.err" >&2; exit 1; }
			hyperfine -N --style none --runs "$RUNS" --warmup 3 --export-json "$work/h.json" \
				"$cmd" >/dev/null 2>&1
			med=$(median_ms "$work/h.json")
			# Counts, through the proxy: one run.
			r0=$(count "$FIX_LOG" '"GET /v2/\|"HEAD /v2/')
			t0=$(count "$FIX_ISSUER_LOG" 'token user=')
			c0=$(count "$FIX_PROXY_LOG" '^conn ')
			i0=$(count "$FIX_ISSUER_LOG" '^conn ')
			$pcmd >/dev/null 2>&1 || true
			sleep 0.2
			req=$(($(count "$FIX_LOG" '"GET /v2/\|"HEAD /v2/') - r0))
			tok=$(($(count "$FIX_ISSUER_LOG" 'token user=') - t0))
			conn=$(($(count "$FIX_PROXY_LOG" '^conn ') - c0 + $(count "$FIX_ISSUER_LOG" '^conn ') - i0))
			base=""
			[ $tool = skopeo ] && base=$(baseline $mode $image)
			printf '%-10s %-7s %-13s %6s ms %9s %7s %6s   %s\n' $mode $image $tool "$med" "$req" \
				"$tok" "$conn" "$base" >>"$rows"
		done
	done
	# Our own counters, for the record (requests include token requests).
	printf '%-10s %-7s %-13s %s\n' $mode single "(--stats)" \
		"$($(ours $mode "$FIX_HOST" single) --stats 2>&1 >/dev/null | tail -n 1)" >>"$rows"
	stop_fixture
done
unset REGISTRY_USERNAME REGISTRY_PASSWORD

echo "image check vs skopeo inspect: median of $RUNS runs, loopback ($(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$rows"
echo
echo "process start (median of $RUNS): the floor under every image check"
hyperfine -N --style none --runs "$RUNS" --warmup 3 --export-json "$work/t.json" /bin/true >/dev/null 2>&1
printf '  %-44s %6s ms\n' "/bin/true" "$(median_ms "$work/t.json")"
hyperfine -N --style none --runs "$RUNS" --warmup 3 --export-json "$work/v.json" "$bin version" >/dev/null 2>&1
printf '  %-44s %6s ms\n' "duckdb-spawn version (opens DuckDB)" "$(median_ms "$work/v.json")"
hyperfine -N --style none --runs "$RUNS" --warmup 3 -i --export-json "$work/m.json" \
	"$bin image check Bad/Ref" >/dev/null 2>&1
printf '  %-44s %6s ms\n' "duckdb-spawn image check Bad/Ref (no I/O)" "$(median_ms "$work/m.json")"
echo "  ld.so for image check Bad/Ref (LD_DEBUG=statistics):"
LD_DEBUG=statistics "$bin" image check Bad/Ref 2>&1 >/dev/null |
	grep -E 'total startup time|time needed for relocation|number of relocations:|final number of relocations' |
	sed 's/^ *[0-9]*: */    /'
