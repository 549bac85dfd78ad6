#!/bin/sh
# CLI contract of `bwflow distance`: outputs, and one stderr line + exit 2 for bad input.
# usage: test_distance.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"

printf '{"mean": [0, 0], "cov": [[2, 0.5], [0.5, 1]]}' >"$tmp/a.json"
printf '{"mean": [1, 0], "cov": [[1, 0.2], [0.2, 3]]}' >"$tmp/b.json"

# Good input: plain output is one number; --json has both keys with 17 digits.
out=$("$exe" distance "$tmp/a.json" "$tmp/b.json")
case "$out" in 1.3245324777205*) ok ;; *) bad "plain output: $out" ;; esac
out=$("$exe" distance --json "$tmp/a.json" "$tmp/b.json")
case "$out" in '{"w2": 1.3245324777205'*', "w2_squared": 1.754386284536'*'}') ok ;; *) bad "json output: $out" ;; esac
out=$("$exe" distance "$tmp/a.json" "$tmp/a.json")
[ "$out" = "0" ] && ok || bad "identical: $out"

# Bad input.
expect_fail missing "$tmp/nope.json: cannot open" distance "$tmp/nope.json" "$tmp/b.json"
expect_fail directory "is a directory" distance "$tmp" "$tmp/b.json"
: >"$tmp/empty.json"
expect_fail empty "empty file" distance "$tmp/empty.json" "$tmp/b.json"
printf '{"mean": [0, 0], "cov": [[1, 0], [0, 1]' >"$tmp/trunc.json"
expect_fail malformed "malformed JSON" distance "$tmp/a.json" "$tmp/trunc.json"
printf '\001\002\377\376binary' >"$tmp/bin.json"
expect_fail binary "bin.json" distance "$tmp/bin.json" "$tmp/b.json"
printf '[1, 2]' >"$tmp/list.json"
expect_fail toplevel "top level must be a JSON object" distance "$tmp/list.json" "$tmp/b.json"
printf '{"mean": [0, 0]}' >"$tmp/nocov.json"
expect_fail missing-field 'missing field "cov"' distance "$tmp/nocov.json" "$tmp/b.json"
printf '{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "covv": 1}' >"$tmp/unknown.json"
expect_fail unknown-field 'unknown field "covv"' distance "$tmp/unknown.json" "$tmp/b.json"
printf '{"mean": [0, 0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/size.json"
expect_fail wrong-size '"cov" has 2 rows, expected 3' distance "$tmp/size.json" "$tmp/b.json"
printf '{"mean": [0, 0], "cov": [[1, 0], [0]]}' >"$tmp/ragged.json"
expect_fail ragged '"cov" row 1 has 1 entries, expected 2' distance "$tmp/ragged.json" "$tmp/b.json"
printf '{"mean": [0, "x"], "cov": [[1, 0], [0, 1]]}' >"$tmp/type.json"
expect_fail wrong-type '"mean"[1] must be a number, found a string' distance "$tmp/type.json" "$tmp/b.json"
printf '{"mean": [0, 0], "cov": [[1, 0.5], [0, 1]]}' >"$tmp/asym.json"
expect_fail nonsymmetric '"cov" is not symmetric: row 1, column 0' distance "$tmp/asym.json" "$tmp/b.json"
printf '{"mean": [0, 0], "cov": [[1, 2], [2, 1]]}' >"$tmp/indef.json"
expect_fail not-pd '"cov" is not positive definite' distance "$tmp/indef.json" "$tmp/b.json"
printf '{"mean": [0, NaN], "cov": [[1, 0], [0, 1]]}' >"$tmp/nan.json"
expect_fail nan "nan.json" distance "$tmp/nan.json" "$tmp/b.json"
printf '{"mean": [0, 1e999], "cov": [[1, 0], [0, 1]]}' >"$tmp/inf.json"
expect_fail inf "inf.json" distance "$tmp/inf.json" "$tmp/b.json"
printf '{"mean": [0], "cov": [[1]]}' >"$tmp/one.json"
expect_fail dim-mismatch "has dimension 1" distance "$tmp/one.json" "$tmp/b.json"
expect_fail one-file "expected two Gaussian files" distance "$tmp/a.json"
expect_fail bad-option "unknown option '--bogus'" distance --bogus "$tmp/a.json" "$tmp/b.json"
expect_fail bad-command "unknown command" frobnicate

finish
