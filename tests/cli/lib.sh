# Shared by the CLI contract tests: sourced after setting exe.
# shellcheck shell=sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_fail NAME EXPECTED_STDERR_SUBSTRING ARGS...: exit 2, one line on stderr naming it,
# nothing on stdout.
expect_fail() {
  expect_status 2 "$@"
}

# expect_status RC NAME EXPECTED_STDERR_SUBSTRING ARGS...
expect_status() {
  want_rc=$1 name=$2 want=$3
  shift 3
  "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne "$want_rc" ]; then bad "$name: exit $rc, expected $want_rc: $(cat "$tmp/err")"; return; fi
  if [ "$lines" -ne 1 ]; then bad "$name: $lines stderr lines, expected 1: $(cat "$tmp/err")"; return; fi
  if ! grep -qF -- "$want" "$tmp/err"; then bad "$name: stderr lacks '$want': $(cat "$tmp/err")"; return; fi
  if [ -s "$tmp/out" ]; then bad "$name: wrote to stdout"; return; fi
  ok
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
