#!/bin/sh
# CLI contract of `bwflow order` and `bwflow trajectory` (and evolve's JKO-Flow methods):
# outputs, files written atomically with a sidecar, one stderr line + exit 2 for bad input,
# exit 3 for a JKO-Flow collapse.
# usage: test_order.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"
out="$tmp/data"

# order --json: the stable keys, slopes near 1 and 2 on the default preset.
json=$("$exe" order --preset ou2d --etas 0.1,0.05,0.025 --json --out "$out")
for key in t etas steps status fail_time err_wgf err_jkoflow err_forward_wgf err_forward_flow err_jkoflow2 res_wgf res_jkoflow res_forward_wgf res_forward_flow res_jkoflow2 slope_wgf slope_jkoflow slope_forward_wgf slope_forward_flow slope_jkoflow2 order_wgf order_jkoflow order_forward_wgf order_forward_flow order_jkoflow2 c1_wgf c2_jkoflow c3_jkoflow2 eta_max eta_safe eta_bound; do
  case "$json" in *"\"$key\": "*) ok ;; *) bad "order --json lacks $key: $json" ;; esac
done
[ -s "$out/order-ou2d.csv" ] && ok || bad "order-ou2d.csv missing"
[ -s "$out/order-ou2d.json" ] && ok || bad "order-ou2d.json missing"
head -1 "$out/order-ou2d.csv" | grep -qx 'eta,steps,err_wgf,err_jkoflow,err_forward_wgf,err_forward_flow,err_jkoflow2,err_fb_wgf,status,fail_time' && ok || bad "order csv header"
[ "$(wc -l <"$out/order-ou2d.csv")" -eq 4 ] && ok || bad "order csv rows"
grep -q '"version": "' "$out/order-ou2d.json" && grep -q '"problem": {"source": "preset"' "$out/order-ou2d.json" && ok || bad "sidecar content"
ls -a "$out" | grep -q '\.tmp' && bad "temporary file left behind" || ok
# plain table
"$exe" order --preset heat --dim 2 --etas 0.1,0.05 --out "$out" | grep -q '^least squares' && ok || bad "order table"
[ -s "$out/order-heat-d2.csv" ] && ok || bad "order-heat-d2.csv missing"

# a problem whose slowest rate grows: the header says so (no "relaxation rate"), with a
# warning on stderr when there is no equilibrium; Gaussians, ridges without a VI optimum,
# ridges with one but an unstable initial Gaussian (no warning)
growth() { # name file want-header want-warning(0/1)
  "$exe" order "$2" --etas 0.1,0.05,0.02 --out "$out" >"$tmp/gout" 2>"$tmp/gerr" || bad "$1: exit $?"
  grep -q "$3" "$tmp/gout" && ok || bad "$1: header: $(head -1 "$tmp/gout")"
  grep -q "relaxation rate" "$tmp/gout" && bad "$1: calls a growth rate a relaxation rate" || ok
  n=$(grep -c '^bwflow order: warning: this problem has no equilibrium (a mode of the initial state grows at rate' "$tmp/gerr")
  [ "$n" -eq "$4" ] && ok || bad "$1: $n warnings, expected $4: $(cat "$tmp/gerr")"
}
printf '{"dim": 1, "A": [[-0.5]], "h": [0], "tau": 1, "mean": [0.5], "cov": [[0.3]]}' >"$tmp/ne.json"
growth gaussian "$tmp/ne.json" 'the slowest rate 0.5, a growth rate: no equilibrium' 1
printf '{"dim": 1, "A": [[-0.5]], "tau": 1, "ridges": [{"phi": "logistic", "a": [1]}], "mean": [0.5], "cov": [[0.3]]}' >"$tmp/nr.json"
growth ridge "$tmp/nr.json" 'the slowest rate 0.278, a growth rate: no equilibrium' 1
printf '{"dim": 1, "A": [[-0.5]], "tau": 1, "ridges": [{"phi": "quartic", "a": [1]}], "mean": [0.1], "cov": [[0.05]]}' >"$tmp/nu.json"
growth ridge-unstable "$tmp/nu.json" 'the slowest rate 0.32, a growth rate: the initial Gaussian is unstable' 0

# trajectory: one row per step plus header, the files named on stderr, nothing on stdout.
"$exe" trajectory --preset random --dim 3 --seed 5 --eta 0.1 --t 1 --out "$out" >"$tmp/stdout" 2>"$tmp/names" && ok || bad "trajectory failed"
[ -s "$tmp/stdout" ] && bad "trajectory wrote to stdout: $(cat "$tmp/stdout")" || ok
csv="$out/trajectory-random-d3-s5-eta0.1.csv"
[ "$(wc -l <"$csv")" -eq 12 ] && ok || bad "trajectory rows: $(wc -l <"$csv")"
head -1 "$csv" | grep -q '^t,k,jko_m1,jko_m2,jko_m3,jko_S11,jko_S12,jko_S13,jko_S22' && ok || bad "trajectory header"
head -1 "$csv" | grep -q ',w2_jko_wgf,w2_jko_jkoflow,w2_wgf_jkoflow$' && ok || bad "trajectory header tail"
[ "$(cat "$tmp/names")" = "bwflow trajectory: wrote $csv
bwflow trajectory: wrote $out/trajectory-random-d3-s5-eta0.1.json" ] && ok || bad "trajectory names: $(cat "$tmp/names")"
grep -q '"method": "jkoflow"' "$out/trajectory-random-d3-s5-eta0.1.json" && ok || bad "trajectory sidecar method"
# --method jkoflow2: JKO-Flow of order 2 as the third trajectory, its own file names
"$exe" trajectory --preset random --dim 3 --seed 5 --eta 0.1 --t 1 --method jkoflow2 --out "$out" >"$tmp/names" && ok || bad "trajectory jkoflow2 failed"
csv2="$out/trajectory-random-d3-s5-eta0.1-jkoflow2.csv"
head -1 "$csv2" | grep -q ',jkoflow2_m1,.*,w2_jko_wgf,w2_jko_jkoflow2,w2_wgf_jkoflow2$' && ok || bad "trajectory jkoflow2 header"
[ "$(cut -d, -f1-5 "$csv")" = "$(cut -d, -f1-5 "$csv2")" ] && ok || bad "trajectory jkoflow2: the JKO columns differ"
grep -q '"method": "jkoflow2"' "$out/trajectory-random-d3-s5-eta0.1-jkoflow2.json" && ok || bad "trajectory jkoflow2 sidecar"
expect_fail traj-method "--method: 'wgf' is not a modified flow of the JKO scheme (jkoflow or jkoflow2)" trajectory --preset ou2d --eta 0.1 --t 1 --method wgf

# evolve with JKO-Flow: the cvode block.
json=$("$exe" evolve --preset ou2d --method jkoflow --eta 0.1 --t 1 --json)
case "$json" in *'"cvode": {"steps": '*'"rhs_evals": '*) ok ;; *) bad "evolve jkoflow json: $json" ;; esac
json=$("$exe" evolve --preset ou2d --method forwardflow --eta 0.1 --t 1 --json)
case "$json" in '{"method": "forwardflow"'*) ok ;; *) bad "evolve forwardflow json: $json" ;; esac
json=$("$exe" evolve --preset ou2d --method jkoflow2 --eta 0.1 --t 1 --json)
case "$json" in '{"method": "jkoflow2"'*'"cvode": {"steps": '*) ok ;; *) bad "evolve jkoflow2 json: $json" ;; esac

# Collapse: a variance 0.01 below tau eta / 2 = 0.05 under the heat flow: exit 3.
printf '{"dim": 2, "A": [[0, 0], [0, 0]], "h": [0, 0], "tau": 1, "mean": [0, 0], "cov": [[1, 0], [0, 0.01]]}' >"$tmp/col.json"
expect_status 3 evolve-collapse "JKO-Flow collapses at t = 0.000578588" evolve "$tmp/col.json" --method jkoflow --eta 0.1 --t 1
expect_status 3 evolve-collapse-dir "eigen-direction [0, 1]" evolve "$tmp/col.json" --method jkoflow --eta 0.1 --t 1
# order: a collapsing eta is a row ("collapse" in the table, null in the JSON), not a failed
# run; with no usable step size left for JKO vs JKO-Flow the run exits 3 with one line (after
# the names of the files, which hold the complete study).
"$exe" order "$tmp/col.json" --etas 0.1,0.05 --out "$out" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] && ok || bad "order-collapse: exit $rc, expected 3"
[ "$(grep -vc '^bwflow order: wrote ' "$tmp/err")" -eq 1 ] && grep -q 'JKO vs JKO-Flow: no usable step size (collapse at every eta)' "$tmp/err" && ok || bad "order-collapse stderr: $(cat "$tmp/err")"
grep -q '^0.1 .*collapse t=' "$tmp/out" && ok || bad "order-collapse table: $(cat "$tmp/out")"
grep -q ',collapse,' "$out/order-col.csv" && ok || bad "order-collapse csv"
# A list with one collapsing eta among usable ones: exit 0, the row marked, nulls in the JSON.
json=$("$exe" order --preset ou2d --t 2 --etas 2,0.1,0.05,0.02 --json --out "$out")
rc=$?
[ "$rc" -eq 0 ] && ok || bad "order with a collapsing eta: exit $rc"
case "$json" in *'"status": ["collapse", "ok", "ok", "ok"]'*) ok ;; *) bad "order status: $json" ;; esac
case "$json" in *'"err_jkoflow": [null, '*) ok ;; *) bad "order null: $json" ;; esac
expect_status 3 trajectory-collapse "JKO-Flow collapses at t = " trajectory "$tmp/col.json" --eta 0.1 --t 1 --out "$out"
[ -e "$out/trajectory-col-eta0.1.csv" ] && bad "trajectory left a file despite the collapse" || ok

# A user's own 2-D problem, no --t or --etas: the defaults come from the problem
# (one variance 0.1 ~ 0.2 x tau: the collapse bound sets the step sizes); clean slopes.
printf '{"dim": 2, "A": [[1, 0.5], [0.5, 2]], "h": [1, 0], "tau": 0.5, "mean": [3, -1], "cov": [[2, 0.3], [0.3, 0.1]]}' >"$tmp/p.json"
json=$("$exe" order "$tmp/p.json" --json --out "$out")
rc=$?
[ "$rc" -eq 0 ] && ok || bad "order p.json: exit $rc"
printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
ok = r["status"] == ["ok"] * len(r["etas"]) and r["eta_bound"] == "collapse"
ok &= abs(r["slope_wgf"] - 1) < 0.05 and abs(r["slope_jkoflow"] - 2) < 0.05
ok &= abs(r["order_wgf"] - 1) < 0.01 and abs(r["order_jkoflow"] - 2) < 0.01
ok &= r["c1_wgf"] > 0 and r["c2_jkoflow"] > 0 and r["etas"][0] / r["etas"][-1] >= 99.99
sys.exit(0 if ok else 1)' && ok || bad "order p.json defaults: $json"
"$exe" order "$tmp/p.json" --out "$out" | head -2 | grep -q '^etas: 1-2-5 values from 0.05 down; the safe step is 0.0507 (every variance >= 4 x the collapse threshold' && ok || bad "order p.json header"

# --jobs: the step sizes in parallel threads give the same bytes as one thread.
"$exe" order --preset random --dim 4 --seed 2 --t 1 --etas 0.1,0.05,0.02 --jobs 1 --json --out "$out" >"$tmp/j1" &&
"$exe" order --preset random --dim 4 --seed 2 --t 1 --etas 0.1,0.05,0.02 --jobs 3 --json --out "$out" >"$tmp/j3" &&
cmp -s "$tmp/j1" "$tmp/j3" && ok || bad "order --jobs 1 and --jobs 3 differ"
expect_fail jobs-zero "--jobs: 0 is outside [1, 1024]" order --preset ou2d --jobs 0 --out "$out"

# Bad input.
expect_fail etas-garbage "--etas item 2: '0.05x' is not a number" order --preset ou2d --etas 0.1,0.05x --out "$out"
expect_fail etas-empty "--etas item 2: '' is not a number" order --preset ou2d --etas 0.1,,0.05 --out "$out"
expect_fail etas-neg "--etas item 1: '-0.1' must be a positive finite number" order --preset ou2d --etas -0.1,0.05 --out "$out"
expect_fail etas-one "at least two step sizes" order --preset ou2d --etas 0.1 --out "$out"
expect_fail etas-twice "--etas item 2: 0.1 is listed twice (item 1): give each step size once" order --preset ou2d --etas 0.1,0.1 --out "$out"
expect_fail etas-twice-far "--etas item 3: 0.05 is listed twice (item 1)" order --preset ou2d --t 1 --etas 0.05,0.1,0.05 --out "$out"
expect_fail etas-multiple "--etas item 2: the default horizon --t 2 is not a multiple of 0.3" order --preset ou2d --etas 0.1,0.3 --out "$out"
expect_fail order-t "--t: 'abc' is not a number" order --preset ou2d --t abc --out "$out"
expect_fail order-preset "unknown preset 'ou3d'" order --preset ou3d --out "$out"
expect_fail order-dim "--dim 3 does not suit preset 'ou2d'" order --preset ou2d --dim 3 --out "$out"
expect_fail order-dim-zero "--dim: 0 is outside [1, 46340]" order --preset heat --dim 0 --out "$out"
expect_fail order-option "unknown option '--method'" order --preset ou2d --method jko --out "$out"
expect_fail linsol "--linsol: unknown solver 'lu'" order --preset ou2d --linsol lu --out "$out"
expect_fail rtol "--rtol: '0' must be a positive finite number" evolve --preset ou2d --method jkoflow --eta 0.1 --t 1 --rtol 0
: >"$tmp/file"
expect_fail out-not-dir "--out $tmp/file: not a directory" order --preset ou2d --etas 0.1,0.05 --out "$tmp/file"
expect_fail out-missing-parent "cannot create the directory" order --preset ou2d --etas 0.1,0.05 --out "$tmp/no/such/dir"
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
  expect_fail out-readonly "cannot write there" order --preset ou2d --etas 0.1,0.05 --out "$tmp/ro"
fi
expect_fail traj-eta "missing --eta" trajectory --preset ou2d --t 1 --out "$out"
expect_fail traj-multiple "--t 1 is not a multiple of --eta 0.3" trajectory --preset ou2d --eta 0.3 --t 1 --out "$out"
expect_fail traj-file "nope.json: cannot open" trajectory "$tmp/nope.json" --eta 0.1 --t 1 --out "$out"

finish
