#!/bin/sh
# CLI contract of `bwflow sweep` run serially (docs/sweep.md): its files; a step size whose
# JKO-Flow collapses is a result, not a failure; the per-problem fits equal those of
# `bwflow order` run alone; bad specs get one stderr line naming the field and exit 2;
# kill -9 at any moment then --resume (also over a torn and a corrupt journal line) gives
# the same bytes as an uninterrupted run; one run at a time per journal. The runs under
# mpirun: test_sweep_mpi.sh.
# usage: test_sweep.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"
s="$tmp/spec"
out="$tmp/data"
mkdir "$s"

# test_order.sh's own 2-D problem and a variance of 0.01 that collapses JKO-Flow for eta >= 0.02.
printf '{"dim": 2, "A": [[1, 0.5], [0.5, 2]], "h": [1, 0], "tau": 0.5, "mean": [3, -1], "cov": [[2, 0.3], [0.3, 0.1]]}' >"$s/p.json"
printf '{"dim": 2, "A": [[0, 0], [0, 0]], "h": [0, 0], "tau": 1, "mean": [0, 0], "cov": [[1, 0], [0, 0.01]]}' >"$s/col.json"
cat >"$s/a.json" <<'EOF'
{"name": "a", "problems": [{"preset": "random", "dim": [2, 3], "seeds": {"from": 1, "count": 2}},
  {"file": "p.json"}, {"file": "col.json", "etas": [0.1, 0.05, 0.01, 0.005], "t": 1}],
 "etas": "auto", "t": "auto"}
EOF

# ---- a complete sweep: the files, their rows, a collapse as a result
"$exe" sweep "$s/a.json" --out "$out" >"$tmp/table" 2>"$tmp/err" && ok || bad "sweep a: $(cat "$tmp/err")"
# stderr names the four files, nothing else
[ "$(cat "$tmp/err")" = "bwflow sweep: wrote $out/sweep-a-tasks.csv
bwflow sweep: wrote $out/sweep-a-problems.csv
bwflow sweep: wrote $out/sweep-a-timing.csv
bwflow sweep: wrote $out/sweep-a.json" ] && ok || bad "sweep a's stderr: $(cat "$tmp/err")"
for f in sweep-a-tasks.csv sweep-a-problems.csv sweep-a.json sweep-a-timing.csv; do
  [ -s "$out/$f" ] && ok || bad "$f missing"
done
[ -e "$out/sweep-a.journal" ] && bad "the journal of a complete sweep is left" || ok
ls -a "$out" | grep -q '\.tmp' && bad "temporary file left behind" || ok
# one task row per step size of each problem (col.json: 4; the others: the default ladder)
n=$(awk -F, 'NR > 1 {n += $10} END {print n}' "$out/sweep-a-problems.csv")
[ "$(awk -F, '$1 == 5 && $10 == 4' "$out/sweep-a-problems.csv" | wc -l)" -eq 1 ] && [ "$n" -gt 20 ] \
  && ok || bad "ladders: $n tasks: $(cut -d, -f1-12 "$out/sweep-a-problems.csv")"
grep -q "^6 problems, $n tasks" "$tmp/table" && ok || bad "summary line ($n tasks): $(tail -2 "$tmp/table")"
# every error by default, as bwflow order
head -1 "$out/sweep-a-tasks.csv" | grep -qx 'problem,name,system,preset,file,dim,seed,t,eta,steps,err_wgf,err_jkoflow,err_forward_wgf,err_forward_flow,err_jkoflow2,err_fb_wgf,status,status_wgf,status_jkoflow,status_forward_wgf,status_forward_flow,status_jkoflow2,status_fb_wgf,fail_time,fail_value' \
  && ok || bad "tasks header: $(head -1 "$out/sweep-a-tasks.csv")"
[ "$(wc -l <"$out/sweep-a-tasks.csv")" -eq $((n + 1)) ] && ok || bad "tasks rows: $(wc -l <"$out/sweep-a-tasks.csv")"
[ "$(wc -l <"$out/sweep-a-problems.csv")" -eq 7 ] && ok || bad "problems rows: $(wc -l <"$out/sweep-a-problems.csv")"
# a missing number is nan (the seed of a file problem, the failed error)
grep -q '^5,col,gaussian,,col.json,2,nan,1,0.1,10,[^,]*,nan,[^,]*,[^,]*,[^,]*,[^,]*,collapse,ok,collapse,ok,ok,ok,ok,' "$out/sweep-a-tasks.csv" \
  && ok || bad "the collapsing step size is not a row with its status: $(grep '^5,' "$out/sweep-a-tasks.csv" | head -1)"
grep -q '^5,col,.*,0.005,200,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,ok,.*,nan,nan$' "$out/sweep-a-tasks.csv" \
  && ok || bad "eta = 0.005 of col.json is not ok"
grep -q '"command": "sweep"' "$out/sweep-a.json" && grep -q '"spec": {"etas":"auto","name":"a",' "$out/sweep-a.json" \
  && grep -q '"version": "' "$out/sweep-a.json" && ok || bad "sidecar content"
"$exe" sweep "$s/a.json" --out "$tmp/out-json" --json >"$tmp/json" 2>/dev/null || bad "sweep --json failed"
case "$(cat "$tmp/json")" in '{"name": "a", '*"\"tasks\": $n, \"resumed\": 0, \"ranks\": 1, \"computed\": $n,"*'"results": [{"problem": 0, "name": "random-d2-s1", "status": "ok"'*) ok ;;
  *) bad "sweep --json: $(head -c 400 "$tmp/json")" ;; esac
for f in sweep-a-tasks.csv sweep-a-problems.csv sweep-a.json; do
  cmp -s "$out/$f" "$tmp/out-json/$f" && ok || bad "$f differs between two runs"
done

# ---- a subset of the errors: only their columns; explicit etas with a horizon per entry
printf '{"name": "e", "problems": [{"preset": "heat", "dim": 2, "etas": [0.1, 0.05, 0.025], "t": 1}], "errors": ["jkoflow", "wgf"]}' >"$s/e.json"
"$exe" sweep "$s/e.json" --out "$tmp/e" >/dev/null 2>"$tmp/err" || bad "sweep e: $(cat "$tmp/err")"
head -1 "$tmp/e/sweep-e-tasks.csv" | grep -qx 'problem,name,system,preset,file,dim,seed,t,eta,steps,err_wgf,err_jkoflow,status,status_wgf,status_jkoflow,fail_time,fail_value' \
  && ok || bad "errors subset header: $(head -1 "$tmp/e/sweep-e-tasks.csv")"
head -1 "$tmp/e/sweep-e-problems.csv" | grep -q ',usable_wgf,slope_wgf,order_wgf,c1_wgf,usable_jkoflow,slope_jkoflow,order_jkoflow,c2_jkoflow$' \
  && ok || bad "errors subset problems header: $(head -1 "$tmp/e/sweep-e-problems.csv")"
[ "$(wc -l <"$tmp/e/sweep-e-tasks.csv")" -eq 4 ] && grep -q '^0,heat-d2,gaussian,heat,,2,nan,1,0.025,40,' "$tmp/e/sweep-e-tasks.csv" \
  && ok || bad "errors subset rows: $(cat "$tmp/e/sweep-e-tasks.csv")"

# "errors": "first": the four errors of order 1 only
printf '{"name": "f", "problems": [{"preset": "heat", "dim": 2, "etas": [0.1, 0.05], "t": 1}], "errors": "first"}' >"$s/f.json"
"$exe" sweep "$s/f.json" --out "$tmp/f" >/dev/null 2>"$tmp/err" || bad "sweep f: $(cat "$tmp/err")"
head -1 "$tmp/f/sweep-f-tasks.csv" | grep -q ',err_wgf,err_jkoflow,err_forward_wgf,err_forward_flow,status,' \
  && ok || bad "errors first header: $(head -1 "$tmp/f/sweep-f-tasks.csv")"

# ---- the per-problem fits are those of bwflow order on the same problem, to the bit
"$exe" order --preset random --dim 3 --seed 2 --json --out "$tmp/ord" >"$tmp/ord-r.json" || bad "order random failed"
"$exe" order "$s/p.json" --json --out "$tmp/ord" >"$tmp/ord-p.json" || bad "order p.json failed"
if command -v python3 >/dev/null 2>&1; then
  python3 - "$out/sweep-a-problems.csv" "$tmp/ord-r.json" "$tmp/ord-p.json" >"$tmp/cmp" 2>&1 <<'EOF'
import csv, json, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
for name, path in (("random-d3-s2", sys.argv[2]), ("p", sys.argv[3])):
    ref, row = json.load(open(path)), rows[name]
    keys = [k for k in ref if k.split("_")[0] in ("slope", "order", "c1", "c2", "c3")]
    assert len(keys) == 18, keys
    for k in keys + ["eta_max", "eta_safe"]:
        assert float(row[k]) == ref[k], (name, k, row[k], ref[k])
    assert row["eta_bound"] == ref["eta_bound"] and float(row["t"]) == ref["t"], name
    assert int(row["etas"]) == len(ref["etas"]), name
print("ok")
EOF
  grep -qx ok "$tmp/cmp" && ok || bad "sweep fits differ from bwflow order: $(cat "$tmp/cmp")"
else
  echo "python3 not installed: the comparison with bwflow order is skipped"
fi

# ---- bad specs: one line naming the field, exit 2
spec() { printf '%s' "$2" >"$s/$1.json"; }
R='{"preset": "random", "dim": 2}'
spec j1 '{"problems": ['
expect_fail json "j1.json: line 1, column 14: malformed JSON" sweep "$s/j1.json" --out "$out"
spec k1 "{\"problems\": [$R], \"eta\": \"auto\"}"
expect_fail top-key 'k1.json: unknown field "eta" (known: name, description, problems, etas, t, errors, rtol, atol, linsol)' sweep "$s/k1.json" --out "$out"
spec k2 '{"problems": [{"preset": "random", "dims": [2]}]}'
expect_fail entry-key 'k2.json: problems[0]: unknown field "dims"' sweep "$s/k2.json" --out "$out"
spec k3 '{"name": "x"}'
expect_fail no-problems 'k3.json: missing field "problems"' sweep "$s/k3.json" --out "$out"
spec k4 '{"problems": []}'
expect_fail empty 'k4.json: problems: must be a non-empty list of problems' sweep "$s/k4.json" --out "$out"
spec d1 '{"problems": [{"preset": "random", "dim": [2, 0]}]}'
expect_fail dim-zero 'd1.json: problems[0].dim[1]: 0 is outside [1, 2000]' sweep "$s/d1.json" --out "$out"
spec d2 '{"problems": [{"preset": "random", "dim": 2.5}]}'
expect_fail dim-real 'd2.json: problems[0].dim: 2.5 is not an integer' sweep "$s/d2.json" --out "$out"
spec d3 "{\"problems\": [$R, {\"preset\": \"random\", \"seeds\": {\"from\": 1, \"count\": 0}}]}"
expect_fail seeds-count 'd3.json: problems[1].seeds.count: 0 is outside [1, 100000]' sweep "$s/d3.json" --out "$out"
spec d4 '{"problems": [{"preset": "random", "seed": 1, "seeds": [2]}]}'
expect_fail seed-seeds 'd4.json: problems[0].seed: give "seed" or "seeds", not both' sweep "$s/d4.json" --out "$out"
spec d5 '{"problems": [{"preset": "random", "file": "p.json"}]}'
expect_fail preset-file 'd5.json: problems[0]: give either "preset" or "file"' sweep "$s/d5.json" --out "$out"
spec d6 '{"problems": [{"file": "p.json", "dim": 2}]}'
expect_fail file-dim 'd6.json: problems[0].dim: goes with a preset, not with a problem file' sweep "$s/d6.json" --out "$out"
spec p1 "{\"problems\": [$R, {\"preset\": \"ou3d\"}]}"
expect_fail preset "p1.json: problems[1] (preset ou3d): --preset: unknown preset 'ou3d'" sweep "$s/p1.json" --out "$out"
spec p2 '{"problems": [{"preset": "ou2d", "dim": [2, 3]}]}'
expect_fail preset-dim "p2.json: problems[0] (preset ou2d, dim 3): --dim 3 does not suit preset 'ou2d'" sweep "$s/p2.json" --out "$out"
spec f1 '{"problems": [{"file": ["p.json", "nope.json"]}]}'
expect_fail file-missing "f1.json: problems[0].file[1]: $s/nope.json: cannot open: No such file or directory" sweep "$s/f1.json" --out "$out"
printf '{"dim": 1, "A": [[1]], "h": [0], "mean": [0], "cov": [[-1]]}' >"$s/neg.json"
spec f2 '{"problems": [{"file": "neg.json"}]}'
expect_fail file-bad "f2.json: problems[0] (file neg.json): $s/neg.json: \"cov\" is not positive definite" sweep "$s/f2.json" --out "$out"
spec e1 "{\"problems\": [$R], \"etas\": [0.1, 0.05]}"
expect_fail etas-no-t 'e1.json: etas: a list of step sizes needs a horizon "t"' sweep "$s/e1.json" --out "$out"
spec e2 "{\"problems\": [$R], \"etas\": [0.1, 0.3], \"t\": 2}"
expect_fail etas-divide 'e2.json: etas[1]: 0.3 does not divide t = 2' sweep "$s/e2.json" --out "$out"
spec e3 "{\"problems\": [{\"preset\": \"ou2d\", \"etas\": [0.1], \"t\": 1}]}"
expect_fail etas-one 'e3.json: problems[0].etas: give at least two step sizes for a slope' sweep "$s/e3.json" --out "$out"
spec e4 "{\"problems\": [$R], \"etas\": [0.1, 0.1], \"t\": 1}"
expect_fail etas-twice 'e4.json: etas[1]: 0.1 is listed twice' sweep "$s/e4.json" --out "$out"
spec e5 "{\"problems\": [$R], \"t\": -1}"
expect_fail t-neg 'e5.json: t: -1 is not a positive number' sweep "$s/e5.json" --out "$out"
spec o1 "{\"problems\": [$R], \"errors\": [\"wgf\", \"jko\"]}"
expect_fail errors 'o1.json: errors[1]: unknown error (known: wgf, jkoflow, forward_wgf, forward_flow, jkoflow2, fb_wgf)' sweep "$s/o1.json" --out "$out"
spec o2 "{\"problems\": [$R], \"linsol\": \"lu\"}"
expect_fail linsol 'o2.json: linsol: must be "auto", "dense" or "krylov"' sweep "$s/o2.json" --out "$out"
spec o3 "{\"problems\": [$R], \"name\": \"a/b\"}"
expect_fail name "o3.json: name: 'a/b' may hold only letters, digits, '-', '_' and '.' (it names files)" sweep "$s/o3.json" --out "$out"
expect_fail no-spec "missing SPEC.json" sweep --out "$out"
expect_fail two-specs "expected one SPEC.json" sweep "$s/a.json" "$s/a.json"
expect_fail option "unknown option '--bogus'" sweep "$s/a.json" --bogus
expect_fail missing-spec "$s/none.json: cannot open: No such file or directory" sweep "$s/none.json"

# ---- kill -9 at some moment, then --resume: the same bytes as an uninterrupted run (12
# tasks of 2000 to 8000 steps, ~0.6 s on one core: the kill lands after the first one)
cat >"$s/k.json" <<'EOF'
{"name": "k", "problems": [{"preset": "random", "dim": 3, "seeds": {"from": 1, "count": 4}}],
 "etas": [0.001, 0.0005, 0.00025], "t": 2}
EOF
"$exe" sweep "$s/k.json" --out "$tmp/ref" >/dev/null 2>&1 || bad "reference sweep k failed"
"$exe" sweep "$s/k.json" --out "$tmp/kill" >/dev/null 2>&1 &
pid=$!
j="$tmp/kill/sweep-k.journal"
# wait for 6 lines: the header, the 4 plans, a point
i=0
while [ "$i" -lt 3000 ] && [ "$(cat "$j" 2>/dev/null | wc -l)" -lt 6 ]; do sleep 0.01; i=$((i + 1)); done
# one run at a time: a second one on the same journal is refused, and says why
expect_fail locked "sweep-k.journal: in use by a run of this sweep that is going on" sweep "$s/k.json" --out "$tmp/kill" --resume
expect_fail running "sweep-k.journal: a run of this sweep is going on in this folder" sweep "$s/k.json" --out "$tmp/kill"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$j" ] && [ ! -e "$tmp/kill/sweep-k-tasks.csv" ]; then ok; else bad "the run was not interrupted by kill -9"; fi
expect_fail no-resume "sweep-k.journal: an interrupted run of this sweep left its journal: --resume finishes it" \
  sweep "$s/k.json" --out "$tmp/kill"
# a corrupt record (a digit changed: its checksum fails) and a torn last line
sed -i '6s/^E \([0-9]*\) \([0-9]*\) 0 /E \1 \2 5 /' "$j"
printf 'E 1 2 0 0.01 0.0' >>"$j"
"$exe" sweep "$s/k.json" --out "$tmp/kill" --resume >/dev/null 2>"$tmp/err" || bad "resume failed: $(cat "$tmp/err")"
grep -q "resuming from .*sweep-k.journal: [0-9]* results kept, 2 torn or corrupt lines dropped" "$tmp/err" \
  && ok || bad "resume note: $(cat "$tmp/err")"
for f in sweep-k-tasks.csv sweep-k-problems.csv sweep-k.json; do
  cmp -s "$tmp/ref/$f" "$tmp/kill/$f" && ok || bad "$f differs after kill -9 + --resume"
done
[ -e "$j" ] && bad "journal left after the resumed sweep completed" || ok
# killed after the last task, before the files: here the files cannot be written (a folder
# in the way of the second), none of the four appears (the first, renamed already, is taken
# back), the complete journal stays, and --resume computes nothing and writes them
mkdir "$tmp/late" "$tmp/late/sweep-k-problems.csv"
"$exe" sweep "$s/k.json" --out "$tmp/late" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "sweep-k-problems.csv: cannot rename the new file into place: Is a directory" "$tmp/err" \
  && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ -s "$tmp/late/sweep-k.journal" ] \
  && ok || bad "a failed write: exit $rc, $(cat "$tmp/err")"
[ "$(ls -A "$tmp/late")" = "$(printf 'sweep-k-problems.csv\nsweep-k.journal')" ] && ok || bad "a failed write left: $(ls -A "$tmp/late")"
rmdir "$tmp/late/sweep-k-problems.csv"
"$exe" sweep "$s/k.json" --out "$tmp/late" --resume --json >"$tmp/json" 2>/dev/null || bad "resume of a complete journal failed"
grep -q '"resumed": 12, "ranks": 1, "computed": 0,' "$tmp/json" && ok || bad "resume of a complete journal: $(head -c 300 "$tmp/json")"
for f in sweep-k-tasks.csv sweep-k-problems.csv sweep-k.json; do
  cmp -s "$tmp/ref/$f" "$tmp/late/$f" && ok || bad "$f differs after a resume of a complete journal"
done
# killed before the journal's header was written: an empty journal is a fresh start
mkdir "$tmp/empty" && : >"$tmp/empty/sweep-k.journal"
"$exe" sweep "$s/k.json" --out "$tmp/empty" --resume >/dev/null 2>&1 && cmp -s "$tmp/ref/sweep-k-tasks.csv" "$tmp/empty/sweep-k-tasks.csv" \
  && ok || bad "--resume over an empty journal"
# --resume with no journal runs the whole sweep; a journal of another spec is refused
"$exe" sweep "$s/k.json" --out "$tmp/fresh" --resume >/dev/null 2>&1 && cmp -s "$tmp/ref/sweep-k-tasks.csv" "$tmp/fresh/sweep-k-tasks.csv" \
  && ok || bad "--resume without a journal"
printf 'bwflow-sweep-journal 1 0123456789abcdef 0.1.0 *00000000\n' >"$tmp/fresh/sweep-k.journal"
expect_fail other-journal "sweep-k.journal: the journal of another sweep" sweep "$s/k.json" --out "$tmp/fresh" --resume
finish
