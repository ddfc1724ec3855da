#!/bin/sh
# docs.sh - every command has its page in docs/cli/, and every flag its --help shows is
# documented there (as `--flag`). Groups (image, koyeb) are walked one level down: a
# subcommand's page is docs/cli/<group>-<sub>.md, else the group's docs/cli/<group>.md.
set -u
src=${DS_SOURCE_DIR:?run through ctest}
bin=${DS_BIN:?run through ctest}
fail=0

# Commands as `duckdb-spawn [group] --help` lists them: "    name        help".
commands() {
	# shellcheck disable=SC2086
	"$bin" $1 --help 2>/dev/null | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && $1 != "commands:" {print $1}'
}

check_flags() { # check_flags "cmd words" page
	# shellcheck disable=SC2086
	help=$("$bin" $1 --help 2>&1) || { echo "docs.sh: '$1 --help' failed" >&2; return 1; }
	rc=0
	for flag in $(echo "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		[ "$flag" = --help ] && continue
		grep -qF -- "\`$flag" "$2" || {
			echo "docs.sh: $(basename "$2") does not document '$flag' ($1)" >&2
			rc=1
		}
	done
	return $rc
}

n=0
for cmd in $(commands ""); do
	subs=$(commands "$cmd")
	if [ -z "$subs" ]; then
		page=$src/docs/cli/$cmd.md
		[ -f "$page" ] || { echo "docs.sh: no docs/cli/$cmd.md" >&2; fail=1; continue; }
		check_flags "$cmd" "$page" || fail=1
		n=$((n + 1))
		continue
	fi
	for sub in $subs; do
		page=$src/docs/cli/$cmd-$sub.md
		[ -f "$page" ] || page=$src/docs/cli/$cmd.md
		[ -f "$page" ] || { echo "docs.sh: no docs/cli/$cmd-$sub.md nor $cmd.md" >&2; fail=1; continue; }
		# Subcommands that are groups themselves (koyeb secret list|get|...) are left to
		# their group's own test; their top --help is checked here.
		check_flags "$cmd $sub" "$page" || fail=1
		n=$((n + 1))
	done
done
[ "$n" -ge 8 ] || { echo "docs.sh: only $n commands found: is the help format changed?" >&2; fail=1; }
[ $fail = 0 ] && echo "docs.sh: $n commands documented"
exit $fail
