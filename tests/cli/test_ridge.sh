#!/bin/sh
# CLI contract for ridge problems (Gaussian VI, docs/vi.md): the problem file, the glm shortcut
# with inline data and with a CSV file (relative to the problem file), the presets, evolve
# --json for every method, order (n/a for jkoflow2), trajectory, a sweep of ridge files, the
# exit statuses 1 (a JKO step's Newton solve fails) and 3 (collapse), and one stderr line +
# exit 2 for every class of bad input.
# usage: test_ridge.sh BWFLOW_EXECUTABLE
set -u
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: one call runs from another folder
. "$(dirname "$0")/lib.sh"

cat >"$tmp/r.json" <<'EOF'
{"dim": 2, "A": [[1, 0.2], [0.2, 0.5]], "h": [0.5, 0], "tau": 0.7,
 "ridges": [{"phi": "quartic", "a": [1, 0], "b": 0.3, "w": 0.25},
            {"phi": "logistic", "a": [0.5, -1]},
            {"phi": "logcosh", "a": [0.3, 0.7], "b": -0.2, "w": 0.5},
            {"phi": "poisson", "a": [0.1, 0.2], "b": 1},
            {"phi": "quadratic", "a": [0.2, -0.1]}],
 "mean": [1, -0.5], "cov": [[0.6, 0.2], [0.2, 0.3]]}
EOF

# evolve --json: every method, the keys in order
for m in jko forward fb wgf jkoflow forwardflow; do
  out=$("$exe" evolve "$tmp/r.json" --method $m --eta 0.05 --t 0.5 --json)
  case "$out" in '{"method": "'$m'", "t": 0.5, "steps": '*', "mean": ['*'], "cov": [['*']], "energy": '*) ok ;;
  *) bad "evolve $m: $out" ;; esac
done
out=$("$exe" evolve "$tmp/r.json" --method jkoflow --eta 0.05 --t 0.5 --json)
case "$out" in *'"solver": "bdf-dense"'*) ok ;; *) bad "evolve jkoflow solver: $out" ;; esac
out=$("$exe" evolve "$tmp/r.json" --method fb --eta 0.05 --t 0.5)
case "$out" in 'method  fb (eta = 0.05, 10 steps)'*) ok ;; *) bad "evolve fb text: $out" ;; esac
expect_fail jkoflow2 "--method jkoflow2 is not available for ridge problems" evolve "$tmp/r.json" --method jkoflow2 --eta 0.05 --t 0.5
expect_fail method "--method: unknown method 'fbx' (known: jko, forward, wgf, jkoflow, forwardflow, jkoflow2, fb)" evolve "$tmp/r.json" --method fbx --eta 0.05 --t 0.5

# only quadratic ridges: the Gaussian problem A + sum w a a', h + sum w b a (K = 0), every
# discrete method to the last digits
printf '{"dim": 1, "A": [[0.5]], "h": [0.2], "tau": 1, "ridges": [{"phi": "quadratic", "a": [2], "b": 0.5, "w": 0.25}], "mean": [1], "cov": [[0.3]]}' >"$tmp/q.json"
printf '{"dim": 1, "A": [[1.5]], "h": [0.45], "tau": 1, "mean": [1], "cov": [[0.3]]}' >"$tmp/g.json"
for m in jko forward fb; do
  a=$("$exe" evolve "$tmp/q.json" --method $m --eta 0.1 --t 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.12e %.12e" % (d["mean"][0], d["cov"][0][0]))')
  b=$("$exe" evolve "$tmp/g.json" --method $m --eta 0.1 --t 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.12e %.12e" % (d["mean"][0], d["cov"][0][0]))')
  [ "$a" = "$b" ] && ok || bad "quadratic ridge vs Gaussian, $m: $a vs $b"
done

# the presets: order exits 0 with slopes 1, 2, 1, 2, 1 and jkoflow2 n/a
for p in vi-quartic logreg; do
  "$exe" order --preset $p --json --out "$tmp/o" >"$tmp/$p.json" || bad "order --preset $p: exit $?"
  python3 - "$tmp/$p.json" <<'EOF' && ok || bad "order --preset $p slopes: $(cat "$tmp/$p.json")"
import json, sys
d = json.load(open(sys.argv[1]))
for k, want in (("wgf", 1), ("jkoflow", 2), ("forward_wgf", 1), ("forward_flow", 2), ("fb_wgf", 1)):
    assert abs(d["slope_" + k] - want) < 0.05, (k, d["slope_" + k])
assert d["slope_jkoflow2"] is None and set(d["err_jkoflow2"]) == {None}
assert d["unavailable"] == {"jkoflow2": "the ridge system does not provide jkoflow2"}
assert d["ladders"]["jkoflow2"]["skipped"] == "n/a" and d["ladders"]["jkoflow2"]["etas"] == []
assert d["ladders"]["fb_wgf"]["skipped"] is None and d["ladders"]["fb_wgf"]["etas"] == d["etas"]
assert set(d["status"]) == {"ok"}
EOF
done
out=$("$exe" order --preset vi-quartic --out "$tmp/o")
case "$out" in *"n/a"*"least squares"*) ok ;; *) bad "order table n/a: $out" ;; esac
grep -q '"system": "ridge"' "$tmp/o/order-vi-quartic.json" && ok || bad "sidecar system"
grep -q '"ridges": \[{"phi": "quartic", "a": \[1\], "b": 0, "w": 1}\]' "$tmp/o/order-vi-quartic.json" && ok || bad "sidecar ridges"
head -1 "$tmp/o/order-vi-quartic.csv" | grep -q ',err_jkoflow2,err_fb_wgf,status,' && ok || bad "order csv header"
sed -n 2p "$tmp/o/order-vi-quartic.csv" | grep -q ',nan,[0-9.e-]*,ok,nan$' && ok || bad "order csv n/a: $(sed -n 2p "$tmp/o/order-vi-quartic.csv")"
"$exe" order "$tmp/r.json" --t 0.2 --etas 0.02,0.01 --out "$tmp/o" >/dev/null || bad "order on a ridge file"
expect_fail preset-dim "--dim, --seed and --particles do not go with the ridge preset 'logreg'" evolve --preset logreg --dim 3 --method wgf --t 1

# trajectory (jko, wgf, jkoflow) and a sweep of a ridge file and a ridge preset
"$exe" trajectory "$tmp/r.json" --eta 0.05 --t 0.2 --out "$tmp/o" >/dev/null 2>&1 && ok || bad "trajectory on a ridge file"
head -1 "$tmp/o/trajectory-r-eta0.05.csv" | grep -q '^t,k,jko_m1,jko_m2,jko_S11,jko_S12,jko_S22,jko_J,' && ok || bad "trajectory header"
expect_fail traj-jkoflow2 "bwflow trajectory: --method jkoflow2 is not available for ridge problems" trajectory "$tmp/r.json" --eta 0.05 --t 0.2 --method jkoflow2 --out "$tmp/o"
mkdir -p "$tmp/s"
cp "$tmp/r.json" "$tmp/s/r.json"
printf '{"name": "vi", "problems": [{"file": "r.json", "etas": [0.02, 0.01, 0.005], "t": 0.2}, {"preset": "vi-quartic"}], "errors": "all"}' >"$tmp/s/vi.json"
"$exe" sweep "$tmp/s/vi.json" --out "$tmp/so" >"$tmp/sweep.out" 2>&1 && ok || bad "sweep of ridge problems: $(cat "$tmp/sweep.out")"
python3 - "$tmp/so/sweep-vi-problems.csv" "$tmp/so/sweep-vi-tasks.csv" <<'EOF' && ok || bad "sweep files: $(cat "$tmp/so/sweep-vi-problems.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["system"] for r in rows] == ["ridge", "ridge"] and [r["status"] for r in rows] == ["ok", "ok"]
for r in rows:
    assert abs(float(r["slope_jkoflow"]) - 2) < 0.1 and abs(float(r["slope_fb_wgf"]) - 1) < 0.1 and r["slope_jkoflow2"] == "nan"
tasks = list(csv.DictReader(open(sys.argv[2])))
assert {t["status_jkoflow2"] for t in tasks} == {"n/a"} and {t["status"] for t in tasks} == {"ok"}
EOF

# the glm shortcut: inline, from a CSV file next to the problem file, with an intercept;
# equal to the explicit ridges it expands into
mkdir -p "$tmp/d"
cat >"$tmp/d/data.csv" <<'EOF'
# a comment line, then the header
x1, "x 2", label
0.5, -1.0, 1
-0.3, 0.2, 0
1.2, 0.7, 1
-0.8, -0.4, 0

0.1, 0.9, 1
EOF
printf '{"glm": {"family": "logistic", "csv": "data.csv", "y": "label", "prior_var": 2, "intercept": true}, "tau": 1}' >"$tmp/d/csv.json"
printf '{"glm": {"family": "logistic", "X": [[0.5, -1], [-0.3, 0.2], [1.2, 0.7], [-0.8, -0.4], [0.1, 0.9]], "y": [1, 0, 1, 0, 1], "prior_var": 2, "intercept": true}}' >"$tmp/inline.json"
cat >"$tmp/expl.json" <<'EOF'
{"dim": 3, "A": [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]], "h": [3, 1.8, 0.6],
 "ridges": [{"phi": "logistic", "a": [1, 0.5, -1]}, {"phi": "logistic", "a": [1, -0.3, 0.2]},
            {"phi": "logistic", "a": [1, 1.2, 0.7]}, {"phi": "logistic", "a": [1, -0.8, -0.4]},
            {"phi": "logistic", "a": [1, 0.1, 0.9]}],
 "mean": [0, 0, 0], "cov": [[2, 0, 0], [0, 2, 0], [0, 0, 2]]}
EOF
a=$(cd / && "$exe" evolve "$tmp/d/csv.json" --method jko --eta 0.1 --t 0.5 --json)
b=$("$exe" evolve "$tmp/inline.json" --method jko --eta 0.1 --t 0.5 --json)
c=$("$exe" evolve "$tmp/expl.json" --method jko --eta 0.1 --t 0.5 --json)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "glm csv / inline differ: $a | $b"
printf '%s\n%s\n' "$b" "$c" | python3 -c '
import json, sys
b, c = (json.loads(l) for l in sys.stdin)
d = max([abs(x - y) for x, y in zip(b["mean"], c["mean"])] + [abs(x - y) for r, s in zip(b["cov"], c["cov"]) for x, y in zip(r, s)])
assert d < 1e-12, d' && ok || bad "glm vs explicit ridges: $b | $c"
# a sweep hashes a glm problem's CSV with its file: a changed CSV does not resume an old journal
# (the journal kept by a failed write, as in test_sweep.sh)
printf '{"name": "g", "problems": [{"file": "csv.json", "etas": [0.02, 0.01], "t": 0.1}], "errors": ["wgf"]}' >"$tmp/d/g.json"
mkdir -p "$tmp/gs/sweep-g-problems.csv"
"$exe" sweep "$tmp/d/g.json" --out "$tmp/gs" >/dev/null 2>&1
[ -s "$tmp/gs/sweep-g.journal" ] && ok || bad "glm sweep: no journal kept"
rmdir "$tmp/gs/sweep-g-problems.csv"
cp "$tmp/d/data.csv" "$tmp/d/data.csv.orig"
printf '0.2, 0.3, 0\n' >>"$tmp/d/data.csv"
expect_fail glm-sweep-csv "sweep-g.journal: the journal of another sweep" sweep "$tmp/d/g.json" --out "$tmp/gs" --resume
mv "$tmp/d/data.csv.orig" "$tmp/d/data.csv"
"$exe" sweep "$tmp/d/g.json" --out "$tmp/gs" --resume >/dev/null 2>&1 && [ -s "$tmp/gs/sweep-g-tasks.csv" ] && ok || bad "glm sweep --resume"
printf '{"glm": {"family": "poisson", "X": [[0.5], [-0.3], [1.2]], "y": [2, 0, 5], "prior_var": 1, "standardize": true}, "mean": [0.1], "cov": [[0.5]]}' >"$tmp/pois.json"
out=$("$exe" evolve "$tmp/pois.json" --method fb --eta 0.01 --t 0.1 --json) && ok || bad "glm poisson: $out"

# exit 1: the JKO step does not exist (V = -x^2/2 and eta = 2: Newton finds no minimiser)
printf '{"dim": 1, "A": [[-1]], "tau": 0.5, "ridges": [], "mean": [0.5], "cov": [[0.3]]}' >"$tmp/nc.json"
expect_status 1 newton "bwflow evolve: jko step 1 (t = 2): an iterative solve (Newton) did not converge" evolve "$tmp/nc.json" --method jko --eta 2 --t 2
# exit 3: JKO-Flow collapses from a variance below tau eta/2
printf '{"dim": 1, "tau": 1, "ridges": [{"phi": "quartic", "a": [1]}], "mean": [0], "cov": [[0.02]]}' >"$tmp/col.json"
expect_status 3 collapse "JKO-Flow collapses at t = " evolve "$tmp/col.json" --method jkoflow --eta 0.1 --t 1
# ... also when it collapses within the first step (every trial step fails at t = 0)
printf '{"dim": 1, "tau": 1, "ridges": [{"phi": "quartic", "a": [1]}], "mean": [0], "cov": [[1e-14]]}' >"$tmp/col0.json"
expect_status 3 collapse-at-start "JKO-Flow collapses at t = " evolve "$tmp/col0.json" --method jkoflow --eta 0.01 --t 1

# bad input: one line naming the file, the field (and the ridge) and the value, exit 2
bf() { printf '%s' "$2" >"$tmp/b.json"; expect_fail "$1" "$3" evolve "$tmp/b.json" --method wgf --t 0.1; }
G='"mean": [0, 0], "cov": [[1, 0], [0, 1]]'
bf phi '{"dim": 2, "ridges": [{"phi": "cubic", "a": [1, 0]}], '"$G"'}' 'b.json: "ridges"[0]: "phi" is "cubic": unknown (known: quadratic, quartic, logistic, poisson, logcosh)'
bf phi-type '{"dim": 2, "ridges": [{"phi": 3, "a": [1, 0]}], '"$G"'}' '"ridges"[0]: "phi" must be a string'
bf phi-missing '{"dim": 2, "ridges": [{"a": [1, 0]}], '"$G"'}' '"ridges"[0]: missing field "phi"'
bf a-length '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0]}, {"phi": "logistic", "a": [1, 0, 2]}], '"$G"'}' 'b.json: "ridges"[1]: "a" has 3 entries, expected 2'
bf a-missing '{"dim": 2, "ridges": [{"phi": "logistic"}], '"$G"'}' 'b.json: "ridges"[0]: missing field "a"'
bf a-string '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, "x"]}], '"$G"'}' '"ridges"[0]: "a"[1] must be a number, found a string'
bf nonfinite '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 1e999]}], '"$G"'}' 'real number overflow'
bf w-type '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0], "w": "big"}], '"$G"'}' 'b.json: "ridges"[0]: "w" must be a number, found a string'
bf w-neg '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0], "w": -1}], '"$G"'}' 'b.json: "ridges"[0]: "w" is -1: the weight must be > 0'
bf w-zero '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0], "w": 0}], '"$G"'}' '"w" is 0: the weight must be > 0'
bf b-type '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0], "b": [1]}], '"$G"'}' '"ridges"[0]: "b" must be a number, found a list'
bf ridges-type '{"dim": 2, "ridges": {"phi": "logistic"}, '"$G"'}' 'b.json: "ridges" must be a list of objects {"phi", "a", "b", "w"}, found an object'
bf ridge-type '{"dim": 2, "ridges": [3], '"$G"'}' 'b.json: "ridges"[0] must be an object'
bf ridge-key '{"dim": 2, "ridges": [{"phi": "logistic", "a": [1, 0], "c": 1}], '"$G"'}' 'b.json: "ridges"[0]: unknown field "c" (known: phi, a, b, w)'
bf K '{"dim": 2, "K": [[1, 0], [0, 1]], "ridges": [], '"$G"'}' 'b.json: "K": ridge problems have no interaction term'
bf no-mean '{"dim": 2, "ridges": []}' 'b.json: missing field "mean" (the initial Gaussian)'
bf no-dim '{"ridges": [], '"$G"'}' 'b.json: missing field "dim"'
bf nodes '{"dim": 2, "nodes": 0, "ridges": [], '"$G"'}' '"nodes" (Gauss-Hermite nodes) must be an integer from 1 to 256'
bf cov '{"dim": 2, "ridges": [], "mean": [0, 0], "cov": [[1, 2], [2, 1]]}' 'b.json: "cov" is not positive definite'
bf overflow '{"dim": 1, "ridges": [{"phi": "poisson", "a": [1]}], "mean": [800], "cov": [[1]]}' "b.json: the energy overflows at the initial Gaussian: ridge 0 (poisson) has a'm - b = 800 and a'Sa = 1, where its expectations exceed the largest double"
bf overflow-quartic '{"dim": 1, "ridges": [{"phi": "logistic", "a": [1]}, {"phi": "quartic", "a": [1e100]}], "mean": [1], "cov": [[1]]}' "b.json: the energy overflows at the initial Gaussian: ridge 1 (quartic) has a'm - b = 1e+100 and a'Sa = 1e+200"
bf overflow-quadratic '{"dim": 1, "ridges": [], "A": [[1e308]], "mean": [1e308], "cov": [[1]]}' 'b.json: the energy overflows at the initial Gaussian (its quadratic part'
bf glm-family '{"glm": {"family": "probit", "X": [[1]], "y": [1], "prior_var": 1}}' 'b.json: "glm": "family" is "probit": unknown (known: logistic, poisson)'
bf glm-prior '{"glm": {"family": "logistic", "X": [[1]], "y": [1], "prior_var": 0}}' 'b.json: "glm": "prior_var" is 0: it must be > 0'
bf glm-noprior '{"glm": {"family": "logistic", "X": [[1]], "y": [1]}}' 'b.json: "glm": missing field "prior_var"'
bf glm-both '{"glm": {"family": "logistic", "X": [[1]], "y": [1], "csv": "d.csv", "prior_var": 1}}' 'give the data either as "X" (with "y") or as "csv", not both'
bf glm-ragged '{"glm": {"family": "logistic", "X": [[1, 2], [3]], "y": [1, 0], "prior_var": 1}}' 'b.json: "glm": "X" row 1 has 1 entries, expected 2'
bf glm-y-len '{"glm": {"family": "logistic", "X": [[1], [2]], "y": [1], "prior_var": 1}}' 'b.json: "glm": "y" has 1 entries, expected 2'
bf glm-y-range '{"glm": {"family": "logistic", "X": [[1], [2]], "y": [1, 2], "prior_var": 1}}' 'b.json: "glm": "y"[1] is 2: logistic regression needs 0 <= y <= 1'
bf glm-y-neg '{"glm": {"family": "poisson", "X": [[1], [2]], "y": [1, -1], "prior_var": 1}}' '"y"[1] is -1: poisson regression needs y >= 0'
bf glm-dim '{"dim": 3, "glm": {"family": "logistic", "X": [[1], [2]], "y": [1, 0], "prior_var": 1}}' '"dim" is 3 but the glm'"'"'s data has 1 coefficients (1 columns)'
bf glm-flag '{"glm": {"family": "logistic", "X": [[1], [2]], "y": [1, 0], "prior_var": 1, "intercept": 1}}' '"glm": "intercept" must be true or false, found a number'
bf glm-const '{"glm": {"family": "logistic", "X": [[1], [1]], "y": [1, 0], "prior_var": 1, "standardize": true}}' 'feature column 0 is constant: it cannot be standardized'
bf csv-missing '{"glm": {"family": "logistic", "csv": "nothere.csv", "prior_var": 1}}' 'nothere.csv: cannot open: No such file or directory'
bfc() { printf '%s' "$2" >"$tmp/c.csv"; printf '{"glm": {"family": "logistic", "csv": "c.csv", "prior_var": 1}}' >"$tmp/cs.json"; expect_fail "$1" "$3" evolve "$tmp/cs.json" --method wgf --t 0.1; }
bfc csv-fields 'x,y
1,0
2,1,3
' 'c.csv: line 3 has 3 fields, expected 2 (the header'"'"'s columns)'
bfc csv-number 'x,y
1,0
abc,1
' 'c.csv: line 3, column 1 ("x"): '"'"'abc'"'"' is not a number'
bfc csv-quote 'x,"y
1,0
' 'c.csv: line 1, column 2: malformed quoted field'
bfc csv-empty '# nothing
' 'c.csv: no header line'
bfc csv-rows 'x,y
' 'c.csv: no data rows after the header'
bfc csv-noy 'x,z
1,0
' 'c.csv: no column "y" for the response (columns: x, z); name it with "y": "COLUMN"'
bfc csv-inf 'x,y
1e999,0
' '1e999 is not a finite number'
bfc csv-dup 'x,x,y
1,2,0
' 'the column name "x" appears twice'
bfc csv-yrange 'x,y
1,0
2,3
' 'c.csv: line 3: the response is 3: logistic regression needs 0 <= y <= 1'
mkdir -p "$tmp/dir.csv"
printf '{"glm": {"family": "logistic", "csv": "dir.csv", "prior_var": 1}}' >"$tmp/dd.json"
expect_fail csv-dir 'dir.csv: is a directory, not a CSV file' evolve "$tmp/dd.json" --method wgf --t 0.1
finish
