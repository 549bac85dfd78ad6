#!/bin/sh
# The man page docs/bwflow.1: renders without a groff warning, documents every command
# that `bwflow --help` lists and every option that each `bwflow COMMAND --help` names, and
# lists the columns that order's and sweep's CSV files really have.
# usage: test_manpage.sh BWFLOW_EXECUTABLE MANPAGE
set -u
exe=$1
page=$2
. "$(dirname "$0")/lib.sh"

if ! command -v groff >/dev/null 2>&1; then
  echo "groff not installed (Debian package groff-base): skipping"
  exit 77
fi

# 1. groff with every warning enabled (-ww), output discarded (-z): nothing on stderr.
groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/groff.err" ]; then ok; else bad "groff -ww: exit $rc: $(cat "$tmp/groff.err")"; fi
# The same through man(1) when it is installed (man-db), as a reader would open it.
if command -v man >/dev/null 2>&1; then
  MANWIDTH=80 man --warnings -l "$page" >"$tmp/man.out" 2>"$tmp/man.err"
  if [ -s "$tmp/man.out" ] && [ ! -s "$tmp/man.err" ]; then ok; else bad "man -l: $(cat "$tmp/man.err")"; fi
  grep -q "EXIT STATUS" "$tmp/man.out" && ok || bad "man -l output lacks EXIT STATUS"
fi

# 2. The page's source with roff's \- turned into plain hyphens, for searching.
sed 's/\\-/-/g' "$page" >"$tmp/page.txt"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^\.SH \"*$section\"*\$" "$tmp/page.txt" && ok || bad "no section $section"
done

# 3. Every command of `bwflow --help` has an entry under COMMANDS and an options
#    subsection (.SS NAME), and every option its --help names appears in the page.
"$exe" --help >"$tmp/help" || bad "bwflow --help failed"
cmds=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$cmds" ] && ok || bad "no commands in bwflow --help"
for c in $cmds; do
  grep -q "^\.B $c\$" "$tmp/page.txt" && ok || bad "command $c not in COMMANDS"
  grep -q "^\.SS $c\$" "$tmp/page.txt" && ok || bad "command $c has no options subsection"
  "$exe" "$c" --help >"$tmp/chelp" 2>&1 || bad "bwflow $c --help failed"
  for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/chelp" | sort -u); do
    grep -q -- "$opt\\b" "$tmp/page.txt" && ok || bad "bwflow $c: option $opt not in the man page"
  done
done
# 4. The CSV columns the page lists (a line of its own, "a, b, c") are the files' headers:
#    order-NAME.csv and sweep-NAME-tasks.csv (every error, as the library lists them).
"$exe" order --preset ou2d --etas 0.1,0.05 --out "$tmp/o" >/dev/null 2>&1 || bad "order failed"
printf '{"name": "m", "problems": [{"preset": "heat", "dim": 1}], "etas": [0.1, 0.05], "t": 1}' >"$tmp/m.json"
"$exe" sweep "$tmp/m.json" --out "$tmp/o" >/dev/null 2>&1 || bad "sweep failed"
for pair in "eta:order-ou2d.csv" "problem:sweep-m-tasks.csv"; do
  first=${pair%%:*} file=${pair#*:}
  listed=$(grep "^$first, " "$tmp/page.txt" | tr -d ' ')
  header=$(head -1 "$tmp/o/$file")
  [ -n "$listed" ] && [ "$listed" = "$header" ] && ok || bad "$file: the man page lists '$listed', the file has '$header'"
done
finish
