#!/bin/sh
# CLI error contract: every bad input gets exactly one stderr line naming what is wrong and
# where (file, field, row, column), exit status 2 (1 for a numerical failure of valid input),
# nothing on stdout, never a crash (a signal would give 128+N), never a partial output file.
# Complements test_distance.sh, test_evolve.sh and test_order.sh.
# usage: test_errors.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"
out="$tmp/data"
mkdir "$out"

g="$tmp/g.json"
printf '{"mean": [0, 0], "cov": [[2, 0.5], [0.5, 1]]}' >"$g"
# problem file with field values substituted: prob NAME DIM A H MEAN COV [EXTRA]
prob() {
  printf '{"dim": %s, "A": %s, "h": %s, "mean": %s, "cov": %s%s}' "$2" "$3" "$4" "$5" "$6" "${7:-}" >"$tmp/$1.json"
}
I2='[[1, 0], [0, 1]]'
prob good 2 "$I2" '[0, 0]' '[1, 1]' "$I2"
"$exe" evolve "$tmp/good.json" --method wgf --t 1 >/dev/null 2>&1 && ok || bad "the good problem fails"

# ---- files ----
expect_fail missing "$tmp/nope.json: cannot open: No such file or directory" distance "$tmp/nope.json" "$g"
if [ "$(id -u)" -ne 0 ]; then
  cp "$g" "$tmp/unreadable.json" && chmod 000 "$tmp/unreadable.json"
  expect_fail unreadable "unreadable.json: cannot open: Permission denied" distance "$tmp/unreadable.json" "$g"
fi
# As root (CI) chmod 000 does not prevent reading: /proc/self/mem opens but every read at
# offset 0 fails (EIO), which exercises the same "cannot read" path for any user.
expect_fail unreadable-eio "/proc/self/mem: read error: Input/output error" distance /proc/self/mem "$g"
expect_fail directory "$tmp: is a directory, not a JSON file" distance "$tmp" "$g"
nl='
'
printf '{}' >"$tmp/new${nl}line.json"
expect_fail newline-in-name "new?line.json: missing field" distance "$tmp/new${nl}line.json" "$g"
expect_fail directory-problem "is a directory" evolve "$tmp" --method wgf --t 1
: >"$tmp/empty.json"
expect_fail empty "empty.json: empty file" evolve "$tmp/empty.json" --method wgf --t 1
expect_fail dev-null "/dev/null: empty file" distance /dev/null "$g"
expect_fail dev-zero "/dev/zero: byte 1 is a NUL byte" distance /dev/zero "$g"
printf '{"mean": [0, 0],\000 "cov": [[1, 0], [0, 1]]}' >"$tmp/nul.json"
expect_fail nul-byte "nul.json: byte 17 is a NUL byte" distance "$tmp/nul.json" "$g"
head -c 4096 /dev/urandom >"$tmp/random.bin"
printf '\377\376{"mean": [0]}' >"$tmp/utf16.json"
expect_fail binary-utf16 "utf16.json: line 1, column 0: malformed JSON: unable to decode byte 0xff" distance "$tmp/utf16.json" "$g"
printf '\357\273\277{"mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/bom.json"
expect_fail bom "bom.json: line 1" distance "$tmp/bom.json" "$g"
"$exe" distance "$tmp/random.bin" "$g" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && ok || bad "random bytes: exit $rc: $(cat "$tmp/e")"
# A FIFO is read like a file (a shell's <(...) is one); a FIFO with garbage is malformed.
mkfifo "$tmp/fifo"
cat "$g" >"$tmp/fifo" &
res=$("$exe" distance "$tmp/fifo" "$g" 2>&1)
[ "$res" = 0 ] && ok || bad "fifo: $res"
printf 'garbage' >"$tmp/fifo" &
expect_fail fifo-garbage "fifo: line 1, column 7: malformed JSON" distance "$tmp/fifo" "$g"
wait

# ---- JSON syntax and numbers ----
printf '{"mean": [0, 0], "cov": [[1, 0], [0, 1]' >"$tmp/trunc.json"
expect_fail truncated "trunc.json: line 1, column 39: malformed JSON" distance "$tmp/trunc.json" "$g"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; print "" }' >"$tmp/deep.json"
expect_fail deep-nesting "deep.json: line 1, column 2049: malformed JSON: maximum parsing depth reached" distance "$tmp/deep.json" "$g"
awk 'BEGIN { printf "{\"mean\": "; for (i = 0; i < 3000; i++) printf "["; for (i = 0; i < 3000; i++) printf "]"; print "}" }' >"$tmp/deep2.json"
expect_fail deep-nesting-closed "maximum parsing depth reached" distance "$tmp/deep2.json" "$g"
printf '{"mean": [0, 0], "mean": [1, 1], "cov": [[1, 0], [0, 1]]}' >"$tmp/dup.json"
expect_fail duplicate-key 'dup.json: line 1, column 23: malformed JSON: duplicate object key' distance "$tmp/dup.json" "$g"
prob dupdim 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "dim": 2'
expect_fail duplicate-dim "dupdim.json: line 1" evolve "$tmp/dupdim.json" --method wgf --t 1
for lit in NaN nan Infinity -Infinity inf; do
  printf '{"mean": [0, %s], "cov": [[1, 0], [0, 1]]}' "$lit" >"$tmp/lit.json"
  expect_fail "literal-$lit" "lit.json: line 1, column " distance "$tmp/lit.json" "$g"
done
printf '{"mean": [0, 1e309], "cov": [[1, 0], [0, 1]]}' >"$tmp/big.json"
expect_fail real-overflow "big.json: line 1, column 18: malformed JSON: real number overflow" distance "$tmp/big.json" "$g"
printf '{"mean": [0, 0], "cov": [[1, 0], [0, -1e400]]}' >"$tmp/big2.json"
expect_fail real-overflow-neg "big2.json: line 1, column " distance "$tmp/big2.json" "$g"
printf '{"mean": [0, 99999999999999999999], "cov": [[1, 0], [0, 1]]}' >"$tmp/bigint.json"
expect_fail integer-overflow "bigint.json: line 1, column 33: malformed JSON: too big integer" distance "$tmp/bigint.json" "$g"
printf '{"mean": [0, 1e-400], "cov": [[1, 0], [0, 1]]}' >"$tmp/under.json"
"$exe" distance "$tmp/under.json" "$g" >/dev/null 2>&1 && ok || bad "an underflowing literal (1e-400 = 0) is a valid number"
printf '[1, 2]' >"$tmp/list.json"
expect_fail top-list "list.json: the top level must be a JSON object" evolve "$tmp/list.json" --method wgf --t 1
printf '"text"' >"$tmp/str.json"
expect_fail top-string "str.json: " evolve "$tmp/str.json" --method wgf --t 1
printf '3' >"$tmp/num.json"
expect_fail top-number "num.json: " evolve "$tmp/num.json" --method wgf --t 1

# ---- types ----
prob t1 '"2"' "$I2" '[0, 0]' '[0, 0]' "$I2"
expect_fail dim-string 't1.json: "dim" must be an integer from 1 to 46340' evolve "$tmp/t1.json" --method wgf --t 1
prob t2 2 "$I2" '"x"' '[0, 0]' "$I2"
expect_fail h-string 't2.json: "h" must be a list of numbers, found a string' evolve "$tmp/t2.json" --method wgf --t 1
prob t3 2 '[[1, 0], [0, true]]' '[0, 0]' '[0, 0]' "$I2"
expect_fail A-bool 't3.json: "A" row 1, column 1 must be a number, found a boolean' evolve "$tmp/t3.json" --method wgf --t 1
prob t4 2 "$I2" '[0, 0]' '[0, null]' "$I2"
expect_fail mean-null 't4.json: "mean"[1] must be a number, found null' evolve "$tmp/t4.json" --method wgf --t 1
prob t5 2 "$I2" '[0, 0]' '[0, 0]' '[[1, 0], {"a": 1}]'
expect_fail cov-row-object 't5.json: "cov" row 1 must be a list of 2 numbers, found an object' evolve "$tmp/t5.json" --method wgf --t 1
prob t6 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "tau": "1"'
expect_fail tau-string 't6.json: "tau" must be a number, found a string' evolve "$tmp/t6.json" --method wgf --t 1
prob t7 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "K": [[0, 0], [0, [1]]]'
expect_fail K-nested 't7.json: "K" row 1, column 1 must be a number, found a list' evolve "$tmp/t7.json" --method wgf --t 1
prob t8 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "extra": 1'
expect_fail unknown-field 't8.json: unknown field "extra"' evolve "$tmp/t8.json" --method wgf --t 1
printf '{"dim": 2, "h": [0, 0], "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/t9.json"
expect_fail missing-A 't9.json: missing field "A"' evolve "$tmp/t9.json" --method wgf --t 1

# ---- sizes ----
for dim in 0 -1 1e9 2.0 46341 9223372036854775807 -9223372036854775808; do
  prob dim 2 "$I2" '[0, 0]' '[0, 0]' "$I2"
  sed "s/\"dim\": 2/\"dim\": $dim/" "$tmp/dim.json" >"$tmp/dimx.json"
  expect_fail "dim-$dim" 'dimx.json: "dim" must be an integer from 1 to 46340' evolve "$tmp/dimx.json" --method wgf --t 1
done
prob s1 2 "$I2" '[0, 0, 0]' '[0, 0]' "$I2"
expect_fail h-size 's1.json: "h" has 3 entries, expected 2' evolve "$tmp/s1.json" --method wgf --t 1
prob s2 2 "$I2" '[0, 0]' '[0, 0]' '[[1, 0], [0, 1, 2]]'
expect_fail cov-ragged 's2.json: "cov" row 1 has 3 entries, expected 2' evolve "$tmp/s2.json" --method wgf --t 1
prob s3 3 "$I2" '[0, 0]' '[0, 0]' "$I2"
expect_fail A-rows 's3.json: "A" has 2 rows, expected 3' evolve "$tmp/s3.json" --method wgf --t 1
prob s4 2 "$I2" '[]' '[0, 0]' "$I2"
expect_fail h-empty 's4.json: "h" is empty' evolve "$tmp/s4.json" --method wgf --t 1
# a large dim with small matrices is rejected by the sizes, before any allocation
prob s5 46340 "$I2" '[0, 0]' '[0, 0]' "$I2"
expect_fail huge-dim 's5.json: "A" has 2 rows, expected 46340' evolve "$tmp/s5.json" --method wgf --t 1
expect_fail preset-huge-dim "--dim 46340 is too large for a preset (at most 2000" evolve --preset random --dim 46340 --method wgf --t 1
expect_fail preset-dim-range "--dim: 46341 is outside [1, 46340]" evolve --preset heat --dim 46341 --method wgf --t 1
expect_fail preset-dim-neg "--dim: -1 is outside [1, 46340]" evolve --preset heat --dim -1 --method wgf --t 1
expect_fail preset-dim-real "--dim: '1e3' is not an integer" evolve --preset heat --dim 1e3 --method wgf --t 1
expect_fail preset-dim-erange "--dim: '99999999999999999999' is not an integer" evolve --preset heat --dim 99999999999999999999 --method wgf --t 1
expect_fail seed-neg "--seed: '-1' is not a non-negative integer" evolve --preset random --seed -1 --method wgf --t 1
expect_fail seed-overflow "--seed: '18446744073709551616' is not a non-negative integer" evolve --preset random --seed 18446744073709551616 --method wgf --t 1
expect_fail seed-not-random "--seed goes with the random preset, not with 'ou2d'" evolve --preset ou2d --seed 3 --method wgf --t 1

# ---- values ----
prob v1 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "tau": -0.5'
expect_fail tau-negative 'v1.json: "tau" is -0.5: it must be >= 0' evolve "$tmp/v1.json" --method wgf --t 1
prob v2 2 '[[1, 0.5], [0.4, 1]]' '[0, 0]' '[0, 0]' "$I2"
expect_fail A-asym 'v2.json: "A" is not symmetric: row 1, column 0 is 0.4 but row 0, column 1 is 0.5' evolve "$tmp/v2.json" --method wgf --t 1
prob v3 2 "$I2" '[0, 0]' '[0, 0]' "$I2" ', "K": [[0, 1], [0, 0]]'
expect_fail K-asym 'v3.json: "K" is not symmetric: row 1, column 0' evolve "$tmp/v3.json" --method wgf --t 1
prob v4 2 "$I2" '[0, 0]' '[0, 0]' '[[1, 2], [2, 1]]'
expect_fail cov-indefinite 'v4.json: "cov" is not positive definite' evolve "$tmp/v4.json" --method wgf --t 1
prob v5 2 "$I2" '[0, 0]' '[0, 0]' '[[1, 1], [1, 1]]'
expect_fail cov-singular 'v5.json: "cov" is not positive definite' trajectory "$tmp/v5.json" --eta 0.1 --t 1 --out "$out"
prob v6 2 "$I2" '[0, 0]' '[0, 0]' '[[0, 0], [0, 0]]'
expect_fail cov-zero 'v6.json: "cov" is not positive definite' order "$tmp/v6.json" --etas 0.1,0.05 --out "$out"
prob v7 2 '[[1e308, 0], [0, 1]]' '[0, 0]' '[0, 0]' "$I2" ', "K": [[1e308, 0], [0, 0]]'
expect_fail A-plus-K-overflow 'v7.json: the energy (A, h, K, tau): the result overflowed' evolve "$tmp/v7.json" --method wgf --t 1
printf '{"mean": [1e308, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/m1.json"
printf '{"mean": [-1e308, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/m2.json"
expect_status 1 distance-overflow "bwflow distance: the result overflowed" distance "$tmp/m1.json" "$tmp/m2.json"
printf '{"mean": [0, 0], "cov": [[1e308, 1e308], [1e308, 1e308]]}' >"$tmp/c1.json"
expect_fail cov-huge-singular 'c1.json: "cov" is not positive definite' distance "$tmp/c1.json" "$g"
# a non-convex energy diverging: a numerical failure of valid input (exit 1)
prob nc 1 '[[-1]]' '[0]' '[1]' '[[1]]'
expect_status 1 wgf-overflow "bwflow evolve: wgf at t = 1000: the result overflowed" evolve "$tmp/nc.json" --method wgf --t 1000

# ---- options ----
for v in 0 -0 -1 nan inf -inf 0x 1e-400 "" " " 0.1x 1,2 abc; do
  expect_fail "eta-'$v'" "--eta: '$v' " evolve "$tmp/good.json" --method jko --eta "$v" --t 1
  expect_fail "t-'$v'" "--t: '$v' " evolve "$tmp/good.json" --method wgf --t "$v"
done
expect_fail eta-overflow "--eta: '1e999' overflows" evolve "$tmp/good.json" --method jko --eta 1e999 --t 1
expect_fail rtol-garbage "--rtol: '1e-8x' is not a number" evolve "$tmp/good.json" --method jkoflow --eta 0.1 --t 1 --rtol 1e-8x
expect_fail atol-neg "--atol: '-1' must be a positive finite number" evolve "$tmp/good.json" --method jkoflow --eta 0.1 --t 1 --atol -1
expect_fail not-multiple "--t 1 is not a multiple of --eta 0.3" trajectory "$tmp/good.json" --eta 0.3 --t 1 --out "$out"
expect_fail eta-gt-t "--t 0.1 is not a multiple of --eta 1" evolve "$tmp/good.json" --method jko --eta 1 --t 0.1
for v in "0.1,abc" "0.1," ",0.1" "0.1,-0.05" "0.1,0" "0.1,nan" "0.1,inf"; do
  expect_fail "etas-'$v'" "--etas item " order "$tmp/good.json" --etas "$v" --out "$out"
done
expect_fail etas-overflow "--etas item 2: '1e999' overflows" order "$tmp/good.json" --etas 0.1,1e999 --out "$out"
expect_fail etas-not-multiple "--etas item 2: --t 2 is not a multiple of 0.3" order "$tmp/good.json" --t 2 --etas 0.1,0.3 --out "$out"
expect_fail unknown-method "--method: unknown method 'JKO'" evolve "$tmp/good.json" --method JKO --eta 0.1 --t 1
expect_fail unknown-preset "--preset: unknown preset 'ou2d '" evolve --preset "ou2d " --method wgf --t 1
expect_fail unknown-linsol "--linsol: unknown solver 'LU'" evolve "$tmp/good.json" --method jkoflow --eta 0.1 --t 1 --linsol LU
expect_fail unknown-option "unknown option '--etta'" evolve "$tmp/good.json" --etta 0.1
expect_fail unknown-option-order "unknown option '-x'" order "$tmp/good.json" -x
expect_fail missing-value "option '--out' needs a value" order "$tmp/good.json" --out
expect_fail extra-argument "unexpected argument 'extra'" evolve "$tmp/good.json" extra --method wgf --t 1
expect_fail unknown-command "unknown command 'evolv'" evolv "$tmp/good.json"

# ---- output directories: one line, exit 2, no file and no temporary file left ----
: >"$tmp/plainfile"
expect_fail out-file "--out $tmp/plainfile: not a directory" order "$tmp/good.json" --etas 0.1,0.05 --out "$tmp/plainfile"
expect_fail out-no-parent "--out $tmp/no/such: cannot create the directory: No such file or directory" order "$tmp/good.json" --etas 0.1,0.05 --out "$tmp/no/such"
# /proc/self is a directory that nobody, root included, can create files in
expect_fail out-proc "--out /proc/self: cannot write there: Operation not permitted" trajectory "$tmp/good.json" --eta 0.1 --t 1 --out /proc/self
expect_fail out-proc-order "--out /proc/self: cannot write there" order "$tmp/good.json" --etas 0.1,0.05 --out /proc/self
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
  expect_fail out-readonly "cannot write there" trajectory "$tmp/good.json" --eta 0.1 --t 1 --out "$tmp/ro"
fi
long=$(awk 'BEGIN { for (i = 0; i < 500; i++) printf "abcdefgh/"; }')
expect_fail out-too-long "abcdefgh/: cannot create the directory: File name too long" order "$tmp/good.json" --etas 0.1,0.05 --out "$tmp/$long"
# a numerical failure in the middle of a trajectory (a variance collapses): no file at all
prob col 2 '[[0, 0], [0, 0]]' '[0, 0]' '[0, 0]' '[[1, 0], [0, 0.01]]'
expect_status 3 traj-collapse "JKO-Flow collapses at t = " trajectory "$tmp/col.json" --eta 0.1 --t 1 --out "$out"
left=$(ls -A "$out")
[ -z "$left" ] && ok || bad "files left in the output directory after failures: $left"

# ---- a JKO-Flow collapse faster than CVODE's first step is still a collapse (exit 3), not
# "CVODE failed ... at t = 0": a thin rotated ellipse, a variance of 1e-14, tau = 1e12
printf '{"dim": 2, "A": [[1, 0], [0, 1]], "h": [0, 0], "tau": 1, "mean": [0, 0], "cov": [[0.500000005, 0.499999995], [0.499999995, 0.500000005]]}' >"$tmp/rot.json"
printf '{"dim": 1, "A": [[1]], "h": [0], "tau": 1, "mean": [0], "cov": [[1e-14]]}' >"$tmp/c14.json"
printf '{"dim": 2, "A": [[1, 0.3], [0.3, 2]], "h": [0, 0], "tau": 1e12, "mean": [0, 0], "cov": [[1, 0.2], [0.2, 1]]}' >"$tmp/t12.json"
printf '{"dim": 1, "A": [[1]], "h": [0], "tau": 1e200, "mean": [0], "cov": [[1]]}' >"$tmp/t200.json"
expect_status 3 collapse-rotated "JKO-Flow collapses at t = 5.00000666" evolve "$tmp/rot.json" --method jkoflow --eta 0.01 --t 1
expect_status 3 collapse-rotated-krylov "JKO-Flow collapses at t = 5.00000666" evolve "$tmp/rot.json" --method jkoflow --eta 0.01 --t 1 --linsol krylov
expect_status 3 collapse-1e-14 "JKO-Flow collapses at t = 5.0000000000" evolve "$tmp/c14.json" --method jkoflow --eta 0.01 --t 1
expect_status 3 collapse-tau-1e12 "JKO-Flow collapses at t = 3.1999999" evolve "$tmp/t12.json" --method jkoflow --eta 0.01 --t 1
expect_status 3 collapse-traj "JKO-Flow collapses at t = 5.00000666" trajectory "$tmp/rot.json" --eta 0.01 --t 1 --out "$out"
expect_status 1 tau-overflow "jkoflow: the result overflowed" evolve "$tmp/t200.json" --method jkoflow --eta 0.01 --t 1
# in an order study such a step size is a row "collapse", not a failed run
"$exe" order "$tmp/rot.json" --t 0.1 --etas 0.01,0.005 --json --out "$out" 2>/dev/null | grep -q '"status": \["collapse", "collapse"\]' \
  && ok || bad "order over an immediate collapse"
rm -f "$out"/order-rot.*

# ---- particles beyond doubles, with a convex V: the JKO step names the cause (not "the step
# is too large for this non-convex energy"); JKO-Flow is ill-posed from the start
printf '{"particles": 5, "V": [0, 0, 0.5], "tau": 1, "positions": [1, 1.0000000000000002, 1.0000000000000004, 1.0000000000000007, 1.0000000000000009]}' >"$tmp/ulp.json"
printf '{"particles": 5, "V": [0, 0, 0.5], "tau": 1e300, "init": {"mean": 0, "std": 1}}' >"$tmp/t300.json"
expect_status 1 ulp-jko "jko step 1 (t = 0.1): the positions cannot be resolved in double precision" evolve "$tmp/ulp.json" --method jko --eta 0.1 --t 0.1
expect_status 1 ulp-wgf "wgf at t = 0: the positions cannot be resolved in double precision" evolve "$tmp/ulp.json" --method wgf --t 0.1
expect_status 3 ulp-jkoflow "JKO-Flow is ill-posed from the start" evolve "$tmp/ulp.json" --method jkoflow --eta 0.1 --t 0.1
expect_status 1 t300-jko "jko step 1 (t = 0.1): the result overflowed" evolve "$tmp/t300.json" --method jko --eta 0.1 --t 0.1
expect_status 3 t300-jkoflow "JKO-Flow is ill-posed from the start" evolve "$tmp/t300.json" --method jkoflow --eta 0.1 --t 0.1
expect_status 1 t300-jkoflow2 "JKO-Flow of order 2 at t = 0: the result overflowed" evolve "$tmp/t300.json" --method jkoflow2 --eta 0.1 --t 0.1
# --linsol with particles names --linsol (it said "--method jkoflow is not available", "an
# argument is outside its domain", or blamed the errors of a sweep)
expect_fail linsol-particles-evolve "--linsol dense: the linear solver is a choice for Gaussian problems; this is a particles problem" evolve --preset quartic --method jkoflow --eta 1e-3 --t 0.1 --linsol dense
expect_fail linsol-particles-traj "--linsol krylov: the linear solver is a choice for Gaussian problems" trajectory --preset quartic --eta 1e-3 --t 0.01 --linsol krylov --out "$out"
expect_fail linsol-particles-order "--linsol dense: the linear solver is a choice for Gaussian problems" order --preset quartic --linsol dense --out "$out"
printf '{"problems": [{"preset": "quartic"}], "linsol": "dense", "etas": [0.001, 0.0005], "t": 0.01}' >"$tmp/ls.json"
expect_fail linsol-particles-sweep "ls.json: problems[0] (preset quartic): linsol dense: the linear solver is a choice for Gaussian problems" sweep "$tmp/ls.json" --out "$out"
for m in jko forward wgf jkoflow forwardflow jkoflow2; do
  "$exe" evolve "$tmp/ulp.json" --method $m --eta 0.1 --t 0.1 2>&1 | grep -q "non-convex" && bad "ulp $m blames a non-convex energy" || ok
  "$exe" evolve "$tmp/t300.json" --method $m --eta 0.1 --t 0.1 2>&1 | grep -q "non-convex" && bad "tau 1e300 $m blames a non-convex energy" || ok
done

finish
