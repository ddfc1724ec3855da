#!/bin/sh
# run.sh - every benchmark in bench/, one after the other (what `make bench` runs): today
# image-check.sh, query.sh (issue 5's /query) and serve.sh. Each bench/<name>.sh prints its
# own table; see bench/README.md. BUILD names the build tree
# (default: build). A failing benchmark does not stop the others; the exit status says.
set -u
cd "$(dirname "$0")"
status=0
for s in ./*.sh; do
	[ "$s" = ./run.sh ] && continue
	echo "== bench/${s#./}"
	sh "$s" || status=1
	echo
done
exit $status
