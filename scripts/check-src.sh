#!/bin/sh
# check-src.sh - source rules a compiler does not check.
#
#   1. banned calls: strcpy strcat sprintf vsprintf strtok atoi atol gets gmtime localtime
#      (unbounded, not thread-safe, or silently wrong on bad input; use the _r/n variants,
#      snprintf, ds_buf, strtol with checks);
#   2. include direction: lib/ never includes src/; a module includes only the modules it
#      may depend on (see lib/CMakeLists.txt);
#   3. symbol prefixes: every global symbol a module's static library defines starts with
#      the module's prefix (needs a build tree: scripts/check-src.sh [BUILD_DIR]).
#
# Exits 1 listing every violation as file:line: rule.
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
fail=0
report() {
	echo "$1" >&2
	fail=1
}

# --- 1. banned calls ----------------------------------------------------------------------
banned='(^|[^_a-zA-Z0-9.>])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atoll|gets|gmtime|localtime)[ ]*\('
for f in $(git ls-files -co --exclude-standard -- 'lib/*.c' 'lib/*.h' 'src/*.c' 'src/*.h' \
	'tests/*.c' 'tests/*.h' 'bench/*.c' 2>/dev/null); do
	[ -f "$f" ] || continue
	grep -nE "$banned" "$f" | grep -vE '^\s*[0-9]+:\s*(\*|//)' |
		while IFS= read -r hit; do
			echo "$f:${hit%%:*}: banned call: $(echo "$hit" | grep -oE "$banned" | tr -d '( ')" >&2
			echo x
		done | grep -q x && fail=1
done

# --- 2. include direction -----------------------------------------------------------------
allowed() {
	case $1 in
	core) echo "core" ;;
	db) echo "core db" ;;
	http) echo "core http" ;;
	registry) echo "core http registry" ;;
	koyeb) echo "core http registry koyeb" ;;
	api) echo "core db api" ;;
	image) echo "core http registry image" ;;
	*) echo "" ;;
	esac
}
for f in $(git ls-files -co --exclude-standard -- 'lib/*.c' 'lib/*.h' 2>/dev/null); do
	[ -f "$f" ] || continue
	mod=$(echo "$f" | cut -d/ -f2)
	ok=$(allowed "$mod")
	grep -nE '^#include "' "$f" | while IFS= read -r line; do
		inc=$(echo "$line" | sed -E 's/^[0-9]+:#include "([^"]*)".*/\1/')
		case $inc in
		cmd.h | cmd/*) echo "$f:${line%%:*}: lib/ includes the tool ($inc)" >&2; echo x ;;
		duckdb.h)
			[ "$mod" = db ] || { echo "$f:${line%%:*}: only lib/db may include duckdb.h" >&2; echo x; }
			;;
		*/*)
			dep=${inc%%/*}
			case " $ok " in
			*" $dep "*) ;;
			*) echo "$f:${line%%:*}: module '$mod' may not include '$inc' (allowed: $ok)" >&2; echo x ;;
			esac
			;;
		esac
	done | grep -q x && fail=1
done

# --- 3. symbol prefixes -------------------------------------------------------------------
prefix() {
	case $1 in
	core) echo "ds_" ;;
	db) echo "db_ duckdb_" ;; # duckdb_*: the C API trampolines of db/loader.c
	http) echo "http_" ;;
	registry) echo "registry_ ref_" ;;
	koyeb) echo "koyeb_" ;;
	api) echo "api_" ;;
	image) echo "image_ oci_" ;;
	esac
}
if [ -d "$build/lib" ]; then
	for lib in "$build"/lib/*/libds_*.a; do
		[ -f "$lib" ] || continue
		mod=$(basename "$lib" .a)
		mod=${mod#libds_}
		pfx=$(prefix "$mod")
		nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u |
			while IFS= read -r sym; do
				good=0
				for p in $pfx; do
					case $sym in "$p"*) good=1 ;; esac
				done
				# Sanitizer and compiler-generated symbols are not ours.
				case $sym in __* | .L*) good=1 ;; esac
				[ $good = 1 ] || { echo "$lib: '$sym' lacks the module prefix ($pfx)" >&2; echo x; }
			done | grep -q x && fail=1
	done
else
	echo "check-src: no build tree at '$build'; symbol prefixes not checked" >&2
fi

[ $fail = 0 ] && echo "check-src: ok"
exit $fail
