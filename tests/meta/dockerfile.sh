#!/bin/sh
# dockerfile.sh - the Dockerfile cannot be built here (no Docker engine), so check what can be:
#
#   1. the builder runs the project's own setup with a flag it knows, and `cmake --install`
#      puts the binary and libduckdb.so where the runtime stage copies them from;
#   2. every runtime package it installs exists in Debian 12, and each library the binary
#      links directly comes from one of them (or from the base image's libc6/libgcc-s1);
#   3. it is in step with `duckdb-spawn image build`: same user, entrypoint, port, volume,
#      DATABASE_URL, stop signal, health check.
set -u
src=${DS_SOURCE_DIR:?run through ctest}
bin=${DS_BIN:?run through ctest}
build=${DS_BUILD_DIR:?run through ctest}
df=$src/Dockerfile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "dockerfile.sh: $*" >&2
	fail=1
}

# --- 1. builder ------------------------------------------------------------------------------
grep -q 'scripts/setup-deps.sh --build-only' "$df" || bad "the builder does not run scripts/setup-deps.sh --build-only"
grep -q -- '--build-only)' "$src/scripts/setup-deps.sh" || bad "setup-deps.sh has no --build-only"
DESTDIR=$tmp/out cmake --install "$build" --prefix /usr/local >/dev/null 2>&1 || bad "cmake --install failed"
[ -x "$tmp/out/usr/local/bin/duckdb-spawn" ] || bad "cmake --install does not put the binary in /usr/local/bin"
[ -f "$tmp/out/usr/local/lib/duckdb-spawn/libduckdb.so" ] || bad "cmake --install does not put libduckdb.so in /usr/local/lib/duckdb-spawn"
grep -q 'COPY --from=builder /out/usr/local/ /usr/local/' "$df" || bad "the runtime stage does not copy /out/usr/local"
if [ -x "$tmp/out/usr/local/bin/duckdb-spawn" ]; then
	# The installed binary finds its libduckdb.so by RUNPATH alone.
	"$tmp/out/usr/local/bin/duckdb-spawn" version >/dev/null 2>&1 || bad "the installed binary does not run"
fi

# --- 2. runtime packages ---------------------------------------------------------------------
pkgs=$(sed -n '/^FROM debian:12-slim$/,$p' "$df" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
	grep 'apt-get install' | sed 's/.*--no-install-recommends//; s/&&.*//')
[ -n "$pkgs" ] || bad "no runtime apt-get install line"
for p in $pkgs; do
	apt-cache show "$p" >/dev/null 2>&1 || bad "runtime package '$p' does not exist in this Debian"
done
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	case $lib in
	# A sanitizer build's runtimes are not the product's dependencies.
	libasan.so.* | libubsan.so.* | liblsan.so.* | libtsan.so.*) continue ;;
	esac
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
	[ -n "$path" ] || { bad "cannot find '$lib' on this machine"; continue; }
	owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)
	case " $pkgs libc6 libgcc-s1 " in
	*" $owner "*) ;;
	*) bad "'$lib' comes from '$owner', which the runtime stage does not install" ;;
	esac
done

# --- 3. in step with image build ------------------------------------------------------------
"$bin" image build --gzip-level 1 --tag example.com/acme/api:1 --output "$tmp/oci" >/dev/null 2>&1 ||
	bad "image build failed"
cfg=$(cat "$tmp"/oci/blobs/sha256/* 2>/dev/null | grep -a '"Entrypoint"' | head -n 1)
want() {
	grep -q -- "$1" "$df" || bad "Dockerfile lacks: $1"
	[ -z "$2" ] || echo "$cfg" | grep -q -- "$2" || bad "image build config lacks: $2"
}
want 'USER 10001:10001' '"User":"10001:10001"'
want 'ENTRYPOINT \["/usr/local/bin/duckdb-spawn", "serve"\]' '"Entrypoint":\["/usr/local/bin/duckdb-spawn","serve"\]'
want 'EXPOSE 8000' '"ExposedPorts":{"8000/tcp":{}}'
want 'VOLUME /data' '"Volumes":{"/data":{}}'
want 'DATABASE_URL=/data/duckdb_spawn.db' 'DATABASE_URL=/data/duckdb_spawn.db'
want 'HOME=/data' 'HOME=/data'
want 'STOPSIGNAL SIGTERM' '"StopSignal":"SIGTERM"'
want 'CMD \["/usr/local/bin/duckdb-spawn", "health"\]' '"Test":\["CMD","/usr/local/bin/duckdb-spawn","health"\]'
want 'WORKDIR /data' '"WorkingDir":"/data"'
want 'useradd --system --uid 10001 --gid 10001 --home-dir /data' ''

[ $fail = 0 ] && echo "dockerfile.sh: ok"
exit $fail
