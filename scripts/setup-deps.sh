#!/bin/sh
# setup-deps.sh - install what duckdb-spawn needs to build, test and benchmark.
#
# Two kinds of dependency:
#   - Debian packages (compiler, CMake, libmicrohttpd, libcurl, jansson, OpenSSL, and the
#     real components the tests run: docker-registry, skopeo, htpasswd). Installed with
#     apt-get only when dpkg says one is missing, so a second run costs one dpkg-query.
#   - DuckDB 1.4.4 through its C API: libduckdb.so from the npm package
#     @duckdb/node-bindings-linux-x64 and duckdb.h from the npm package duckdb at the same
#     version. Both tarballs are checked against pinned sha512 integrity values, unpacked
#     into .deps/ (ignored by git), and the library is asked for its version before the
#     folder is marked ready. A ready folder is never fetched again.
#
# Usage: scripts/setup-deps.sh [--bench] [--fuzz] [--build-only] [--no-apt]
#   --bench       also install what bench/ uses (wrk, hyperfine)
#   --fuzz        also install clang and its sanitizer runtimes (libFuzzer)
#   --build-only  only what building needs, not the test tools (the Dockerfile's builder)
#   --no-apt      only fetch DuckDB; fail if a Debian package is missing
#
# Environment: DS_DEPS_DIR (default: <repo>/.deps).
set -eu

DUCKDB_VERSION=1.4.4
# The node bindings are republished per DuckDB release as -r.N; r.4 is the newest 1.4.4 build.
DUCKDB_BINDINGS=@duckdb/node-bindings-linux-x64
DUCKDB_BINDINGS_VERSION=1.4.4-r.4
DUCKDB_BINDINGS_SHA512=jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA==
DUCKDB_HEADER_PKG=duckdb
DUCKDB_HEADER_SHA512=hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog==
NPM_REGISTRY=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}

PKGS_BUILD="gcc g++ make cmake pkg-config git ca-certificates curl openssl
	libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libssl-dev zlib1g-dev"
PKGS_TEST="docker-registry skopeo apache2-utils valgrind bsdutils
	clang libclang-rt-14-dev"
PKGS_BENCH="wrk hyperfine"
PKGS_FUZZ="clang libclang-rt-14-dev"

here=$(cd "$(dirname "$0")/.." && pwd)
deps=${DS_DEPS_DIR:-$here/.deps}
want_apt=1
extra=""
build_only=0
for arg in "$@"; do
	case $arg in
	--bench) extra="$extra $PKGS_BENCH" ;;
	--fuzz) extra="$extra $PKGS_FUZZ" ;;
	--no-apt) want_apt=0 ;;
	--build-only) build_only=1 ;;
	-h | --help)
		sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "setup-deps: unknown argument '$arg' (see --help)" >&2
		exit 2
		;;
	esac
done

say() { echo "setup-deps: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# --- Debian packages ---------------------------------------------------------------------

[ "$build_only" = 1 ] && PKGS_TEST=""

missing_pkgs() {
	for p in $PKGS_BUILD $PKGS_TEST $extra; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || printf '%s ' "$p"
	done
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@"
	else
		die "need root to run: $* (re-run as root or install sudo)"
	fi
}

missing=$(missing_pkgs)
if [ -n "$missing" ]; then
	[ "$want_apt" = 1 ] || die "missing Debian packages: $missing"
	say "installing Debian packages: $missing"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >/dev/null
	# shellcheck disable=SC2086 # word splitting is the point: one argument per package
	as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
	still=$(missing_pkgs)
	[ -z "$still" ] || die "apt-get did not install: $still"
fi

# --- npm tools for the tests ----------------------------------------------------------------
# The workflow file (.github/workflows/) is checked against GitHub's schema by
# action-validator, which ships the schema inside its npm package (no network at test time).
NODE_TOOLS="@action-validator/cli@0.6.0 @action-validator/core@0.6.0"
node_tools=$deps/node-tools
if [ "$build_only" = 0 ] && [ ! -x "$node_tools/node_modules/.bin/action-validator" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		[ "$want_apt" = 1 ] || die "npm is missing"
		say "installing Debian packages: nodejs npm"
		export DEBIAN_FRONTEND=noninteractive
		as_root apt-get update -qq >/dev/null
		as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
	fi
	say "installing test tools from npm: $NODE_TOOLS"
	mkdir -p "$node_tools"
	# shellcheck disable=SC2086
	(cd "$node_tools" && npm install --silent --no-save --no-audit --no-fund \
		--prefix "$node_tools" $NODE_TOOLS >/dev/null) || die "npm install $NODE_TOOLS failed"
fi

# --- DuckDB ------------------------------------------------------------------------------

dest=$deps/duckdb-$DUCKDB_VERSION
stamp=$dest/.ready
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "v$DUCKDB_VERSION $DUCKDB_BINDINGS_VERSION" ] &&
	[ -f "$dest/lib/libduckdb.so" ] && [ -f "$dest/include/duckdb.h" ]; then
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# fetch NAME VERSION SHA512 OUT: the package tarball, checked against its pinned integrity.
# npm is the ordinary client; a machine without it gets the same file from the same
# registry with curl, and the checksum makes the two equivalent.
fetch() {
	name=$1 version=$2 sha=$3 out=$4
	if command -v npm >/dev/null 2>&1; then
		(cd "$tmp" && npm pack --silent "$name@$version" >"$tmp/packed") ||
			die "npm pack $name@$version failed"
		mv "$tmp/$(tail -n 1 "$tmp/packed")" "$out"
	else
		base=${name#@*/}
		url="$NPM_REGISTRY/$name/-/$base-$version.tgz"
		curl -fsSL --retry 3 -o "$out" "$url" || die "download failed: $url"
	fi
	got=$(openssl dgst -sha512 -binary "$out" | base64 | tr -d '\n')
	[ "$got" = "$sha" ] || die "$name@$version: sha512 mismatch (got $got, want $sha)"
}

say "fetching DuckDB $DUCKDB_VERSION (libduckdb.so from $DUCKDB_BINDINGS@$DUCKDB_BINDINGS_VERSION," \
	"duckdb.h from $DUCKDB_HEADER_PKG@$DUCKDB_VERSION)"
fetch "$DUCKDB_BINDINGS" "$DUCKDB_BINDINGS_VERSION" "$DUCKDB_BINDINGS_SHA512" "$tmp/bindings.tgz"
fetch "$DUCKDB_HEADER_PKG" "$DUCKDB_VERSION" "$DUCKDB_HEADER_SHA512" "$tmp/header.tgz"

stage=$tmp/stage
mkdir -p "$stage/lib" "$stage/include"
tar -xzf "$tmp/bindings.tgz" -C "$tmp" package/libduckdb.so
tar -xzf "$tmp/header.tgz" -C "$tmp" package/src/duckdb/src/include/duckdb.h
mv "$tmp/package/libduckdb.so" "$stage/lib/"
mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$stage/include/"
chmod 0644 "$stage/lib/libduckdb.so" "$stage/include/duckdb.h"

# The header and library come from two packages; make sure they are the release we pin by
# asking the library itself, through the header, before anything is built on them.
cat >"$tmp/v.c" <<'EOF'
#include <stdio.h>
#include "duckdb.h"
int main(void) { puts(duckdb_library_version()); return 0; }
EOF
cc -o "$tmp/v" "$tmp/v.c" -I"$stage/include" -L"$stage/lib" -lduckdb -Wl,-rpath,"$stage/lib" ||
	die "cannot compile against the fetched duckdb.h/libduckdb.so"
got=$("$tmp/v") || die "libduckdb.so does not load"
[ "$got" = "v$DUCKDB_VERSION" ] || die "duckdb_library_version() = $got, want v$DUCKDB_VERSION"

mkdir -p "$deps"
rm -rf "$dest"
mv "$stage" "$dest"
echo "v$DUCKDB_VERSION $DUCKDB_BINDINGS_VERSION" >"$stamp"
say "DuckDB $got ready in $dest"
