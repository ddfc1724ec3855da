#!/bin/sh
# workflow.sh - .github/workflows/deploy.yml is valid and in step with the binary.
#
#   1. GitHub's workflow schema (action-validator, from npm via scripts/setup-deps.sh);
#   2. every duckdb-spawn command in it names a real command and only flags its --help lists;
#   3. secrets reach steps through env: mappings only, never inside a run: script, and
#      nothing turns on shell tracing or echoes a secret.
# Exit 77 (skip) when the validator is not installed, 1 listing every problem otherwise.
set -u
src=${DS_SOURCE_DIR:?run through ctest}
bin=${DS_BIN:?run through ctest}
wf=$src/.github/workflows/deploy.yml
validator=$src/.deps/node-tools/node_modules/.bin/action-validator
fail=0
bad() {
	echo "workflow.sh: $*" >&2
	fail=1
}

if [ ! -x "$validator" ]; then
	echo "SKIP: action-validator is not installed (scripts/setup-deps.sh installs it)" >&2
	[ "${DS_TEST_REQUIRE_ALL:-0}" != 0 ] && exit 1
	exit 77
fi
"$validator" "$wf" >&2 || bad "$wf does not follow GitHub's workflow schema"

# Join continued lines, then look at each duckdb-spawn command.
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$wf" | grep -o 'duckdb-spawn [a-z][^|;&]*' |
	while IFS= read -r line; do
		set -f
		# shellcheck disable=SC2086
		set -- $line
		set +f
		shift
		cmd=$1
		shift
		case $cmd in
		image | koyeb)
			cmd="$cmd $1"
			shift
			;;
		esac
		# shellcheck disable=SC2086
		help=$("$bin" $cmd --help 2>&1) || {
			echo "workflow.sh: 'duckdb-spawn $cmd' is not a command" >&2
			echo x
			continue
		}
		for w in "$@"; do
			case $w in
			--*)
				flag=${w%%=*}
				echo "$help" | grep -qE -- "(^|[ ,])$flag([ =]|\$)" || {
					echo "workflow.sh: 'duckdb-spawn $cmd' has no option '$flag'" >&2
					echo x
				}
				;;
			esac
		done
	done | grep -q x && fail=1

# Secrets only as env: values.
grep -n 'secrets\.' "$wf" | grep -vE '^[0-9]+:\s+[A-Z_]+: \$\{\{ .*secrets\.[A-Z_]+.* \}\}$' |
	grep -v '^[0-9]*:#' | while IFS= read -r l; do
	echo "workflow.sh: a secret outside an env: mapping: $l" >&2
	echo x
done | grep -q x && fail=1
if grep -nE 'set -x|set -o xtrace|echo .*(PASSWORD|TOKEN)' "$wf" >&2; then
	bad "shell tracing or an echoed secret"
fi

[ $fail = 0 ] && echo "workflow.sh: ok"
exit $fail
