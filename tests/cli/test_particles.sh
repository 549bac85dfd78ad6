#!/bin/sh
# CLI contract for particle problems (1-D, docs/particles.md): the problem file and presets,
# evolve --json, order (the table of docs/math.md section 7, eta_max), trajectory's densities CSV, the ill-posed
# exit 3, and one stderr line + exit 2 for every class of bad input.
# usage: test_particles.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"

printf '{"particles": 10, "V": [0, 0, -0.5, 0, 0.25], "tau": 0.5, "init": {"mean": 0.2, "std": 0.7}}' >"$tmp/p.json"
printf '{"particles": 4, "V": [0, 0, 0.5], "positions": [-1, 0, 0.5, 2]}' >"$tmp/pos.json"

# evolve --json: the keys in order, 17 digits, every method
for m in jko forward wgf jkoflow forwardflow; do
  out=$("$exe" evolve "$tmp/p.json" --method $m --eta 0.001 --t 0.01 --json)
  case "$out" in '{"method": "'$m'", "t": 0.01, "steps": '*', "positions": ['*'], "mean": '*', "variance": '*', "energy": '*) ok ;;
  *) bad "evolve $m: $out" ;; esac
done
out=$("$exe" evolve "$tmp/pos.json" --method jko --eta 0.1 --t 0.1 --json)
case "$out" in *'"steps": 1, "positions": [-1.004954'*) ok ;; *) bad "positions file: $out" ;; esac
# the preset and --particles: 40 positions
out=$("$exe" evolve --preset gauss1d --particles 40 --method wgf --t 0.1 --json)
n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["positions"]))' 2>/dev/null || echo "?")
[ "$n" = 40 ] && ok || bad "--particles 40: $n positions"
# a quadratic V: the JKO mean is the Gaussian one, (m + eta h)/(1 + eta a) per step; here a = 1, h = 0
out=$("$exe" evolve --preset gauss1d --method jko --eta 0.1 --t 0.1 --json)
case "$out" in *'"mean": 0.90909090909090'*) ok ;; *) bad "gauss1d jko mean: $out" ;; esac

# order: the table of docs/math.md section 7, eta_max = 2/lambda_max(H(x0))
out=$("$exe" order --preset quartic --t 0.5 --etas 2e-3,1e-3,5e-4,2.5e-4 --out "$tmp/o")
for want in "6.02e-04          8.07e-06          6.04e-04          8.21e-06" \
            "7.54e-05  1.00    1.27e-07  2.00    7.54e-05  1.00    1.27e-07  2.00"; do
  case "$out" in *"$want"*) ok ;; *) bad "order table lacks '$want': $out" ;; esac
done
out=$("$exe" order --preset quartic --json --out "$tmp/o")
case "$out" in *'"eta_max": 0.0020900'*) ok ;; *) bad "order eta_max: $out" ;; esac
case "$out" in *'"eta_bound": "ill-posed"'*) ok ;; *) bad "order eta_bound: $out" ;; esac

# trajectory: the densities CSV next to the trajectory CSV and its sidecar
"$exe" trajectory --preset quartic --eta 0.001 --t 0.01 --out "$tmp/o" --density-times 0.005 >"$tmp/t.out" 2>&1 || bad "trajectory: $(cat "$tmp/t.out")"
[ -f "$tmp/o/densities-quartic-eta0.001.csv" ] && ok || bad "no densities CSV"
head -1 "$tmp/o/densities-quartic-eta0.001.csv" | grep -q '^t,k,trajectory,i,x_left,x_right,rho$' && ok || bad "densities header"
rows=$(wc -l <"$tmp/o/densities-quartic-eta0.001.csv")
[ "$rows" -eq $((1 + 2 * 3 * 19)) ] && ok || bad "densities rows: $rows"
grep -q '"densities": "densities-quartic-eta0.001.csv"' "$tmp/o/trajectory-quartic-eta0.001.json" && ok || bad "sidecar densities"
grep -q '"particles": 20, "V": \[0, 0, 0, 0, 0.25\], "tau": 1, "positions": \[' "$tmp/o/trajectory-quartic-eta0.001.json" && ok || bad "sidecar problem"

# JKO-Flow turning ill-posed: exit 3 and one line with the time and eta lambda_max
expect_status 3 ill-posed "JKO-Flow is ill-posed from the start: eta lambda_max(H(x0)) = 3.82773 > 2" evolve --preset quartic --method jkoflow --eta 4e-3 --t 0.5
# the JKO step does not exist: eta max(0, -min V'') >= 1 (double well: min V'' = -1)
expect_fail jko-eta "--eta 1.5: the step is too large for this non-convex energy" evolve --preset doublewell --method jko --eta 1.5 --t 3
# JKO-Flow of order 2 is never ill-posed: it runs where JKO-Flow stops (docs/order2.md)
out=$("$exe" evolve --preset quartic --method jkoflow2 --eta 4e-3 --t 0.5 --json) && ok || bad "evolve jkoflow2 at eta = 4e-3 failed"
case "$out" in '{"method": "jkoflow2", "t": 0.5, "steps": 0, "positions": ['*'"solver": "bdf-band"'*) ok ;; *) bad "evolve jkoflow2: $out" ;; esac
# order: errors below the flows' resolution are marked and left out of the fits (explicit
# step sizes and tolerances: the default ladders stop above it)
out=$("$exe" order --preset quartic --t 0.5 --etas 1e-3,1e-4,1e-5 --rtol 1e-12 --out "$tmp/o")
case "$out" in *"unres."*"least squares"*"(unres.: below 20 x the reference's integration error"*) ok ;; *) bad "order unres.: $out" ;; esac
# the default study: a ladder per comparison (header lines), every error resolved, the
# tolerances tightened for them
out=$("$exe" order --preset quartic --out "$tmp/o")
case "$out" in *"etas: 1-2-5 values below each comparison's bound"*"reference flows: rtol 1e-14, atol 1e-16 (for the default ladders)"*"  JKO vs JKO-Flow   0.001 ... 0.0001 (4), below 0.00157: eta lambda_max(H) well below 2"*) ok ;; *) bad "order ladders header: $out" ;; esac
case "$out" in *"unres."*) bad "order default ladders unresolved: $out" ;; *) ok ;; esac
out=$("$exe" order --preset quartic --json --out "$tmp/o")
printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for name, p in (("wgf", 1), ("jkoflow", 2), ("forward_wgf", 1), ("forward_flow", 2), ("jkoflow2", 3)):
    lad = d["ladders"][name]
    rows = [i for i, eta in enumerate(d["etas"]) if eta in lad["etas"]]
    assert len(rows) >= 3 and lad["skipped"] is None, name
    assert all(d["err_" + name][i] >= 20 * d["res_" + name][i] for i in rows), name     # resolved
    assert all(d["err_" + name][i] is None for i in range(len(d["etas"])) if i not in rows), name
    assert abs(d["slope_" + name] - p) < 0.03 and abs(d["order_" + name] - p) < 0.01, name
assert d["ladders"]["wgf"]["etas"][0] > 10 * d["eta_max"] > 10 * d["ladders"]["jkoflow"]["etas"][0]
assert d["ladders"]["fb_wgf"]["skipped"] == "n/a" and d["ladders"]["fb_wgf"]["etas"] == []  # no fb for particles
assert set(d["err_fb_wgf"]) == {None} and d["unavailable"] == {"fb_wgf": "the particles system does not provide fb"}
assert d["rtol"] == 1e-14' && ok || bad "order quartic ladders: $out"
# given tolerances are kept (and written to the sidecar); the ladders stay the defaults'
out=$("$exe" order --preset quartic --rtol 1e-11 --json --out "$tmp/o")
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["rtol"] == 1e-11 and d["atol"] == 1e-14' && ok || bad "order --rtol: $out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cvode"]["rtol"] == 1e-11 and d["results"]["rtol"] == 1e-11' "$tmp/o/order-quartic.json" && ok || bad "order --rtol sidecar: $(cat "$tmp/o/order-quartic.json")"
# N = 1000: JKO-Flow cannot be resolved (a header line with the numbers; its work skipped);
# forward Euler would need more than 10^6 steps per step size; exit 0
out=$("$exe" order --preset quartic --particles 1000 --out "$tmp/o") && ok || bad "order N = 1000 failed"
case "$out" in *"JKO vs JKO-Flow   skipped, not resolvable in double precision at N = 1000: below the ill-posed bound 5.9e-07 (eta_max 7.86e-07) C2 eta^2 (C2 ~ 2.84) is at most 9.9e-13, and a slope needs 8.9e-12 (40 x the flows' floor 2.2e-13) at three step sizes; N <= 242 resolves it"*) ok ;; *) bad "order N = 1000 header: $out" ;; esac
case "$out" in *"FE vs WGF         skipped: below its stability bound 5.9e-07, three step sizes need more than 1000000 steps each"*) ok ;; *) bad "order N = 1000 FE header: $out" ;; esac
case "$out" in *"JKO vs JKO-Flow "*"JKO vs JKO-Flow "*) bad "order N = 1000: a skipped column in the table: $out" ;; *) ok ;; esac

# bad input: one line naming the field, exit 2
bf() { printf '%s' "$2" >"$tmp/b.json"; expect_fail "$1" "$3" evolve "$tmp/b.json" --method wgf --t 0.1; }
bf n1 '{"particles": 1, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}}' '"particles" must be an integer from 2 to 10000000'
bf nbig '{"particles": 100000000, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}}' '"particles" must be an integer'
bf nfrac '{"particles": 2.5, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}}' '"particles" must be an integer'
bf unordered '{"particles": 4, "V": [0, 0, 0.5], "positions": [-1, 0, 0, 2]}' '"positions" must be strictly increasing: [2] = 0 follows [1] = 0'
bf poslen '{"particles": 5, "V": [0, 0, 0.5], "positions": [-1, 0, 0.5, 2]}' '"positions" has 4 entries, expected "particles" = 5'
bf odd '{"particles": 4, "V": [0, 0, 0.5, 1], "init": {"mean": 0, "std": 1}}' '"V" has degree 3: V must confine'
bf lead '{"particles": 4, "V": [0, 0, 0.5, 0, -1], "init": {"mean": 0, "std": 1}}' 'the leading coefficient c_4 must be > 0'
bf lead0 '{"particles": 4, "V": [0, 0, 0.5, 0, 0], "init": {"mean": 0, "std": 1}}' 'the leading coefficient c_4 must be > 0'
bf tau '{"particles": 4, "V": [0, 0, 0.5], "tau": -1, "init": {"mean": 0, "std": 1}}' '"tau" is -1: it must be > 0'
bf std '{"particles": 4, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 0}}' '"std" is 0: it must be > 0'
bf inf '{"particles": 4, "V": [0, 0, 1e999], "init": {"mean": 0, "std": 1}}' 'real number overflow'
bf unknown '{"particles": 4, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}, "foo": 1}' 'unknown field "foo"'
bf unknown-init '{"particles": 4, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1, "x": 2}}' '"init": unknown field "x"'
bf mixed '{"particles": 4, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}, "dim": 1}' 'mixes the keys of a Gaussian problem ("dim") with those of a particle problem ("particles", "V", "init")'
bf both '{"particles": 4, "V": [0, 0, 0.5], "init": {"mean": 0, "std": 1}, "positions": [1, 2, 3, 4]}' 'give either "init" or "positions", not both'
bf none '{"particles": 4, "V": [0, 0, 0.5]}' 'missing the initial configuration'
bf noV '{"particles": 4, "init": {"mean": 0, "std": 1}}' 'missing field "V"'
bf posnan '{"particles": 2, "V": [0, 0, 0.5], "positions": [0, "a"]}' '"positions"[1] must be a number'
expect_fail particles-gauss "--particles goes with a particle preset, not with 'ou2d'" evolve --preset ou2d --particles 10 --method wgf --t 0.1
expect_fail dim-particles "--dim and --seed go with the Gaussian presets; 'quartic' takes --particles N" evolve --preset quartic --dim 3 --method wgf --t 0.1
expect_fail particles-one "--particles" evolve --preset quartic --particles 1 --method wgf --t 0.1
expect_fail density-times "--density-times: 0.9 is beyond --t 0.5" trajectory --preset quartic --eta 1e-3 --t 0.5 --out "$tmp/o2" --density-times 0.1,0.9
[ ! -e "$tmp/o2/densities-quartic-eta0.001.csv" ] && ok || bad "a failed trajectory left a densities file"

finish
