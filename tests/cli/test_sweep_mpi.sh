#!/bin/sh
# `bwflow sweep` under mpirun (docs/sweep.md): the files of 2 ranks are those of a serial
# run, byte for byte; kill -9 of one rank, or of mpirun, at some moment, then --resume
# (under mpirun or serially) gives the same bytes again. Skipped (exit 77) with a message
# when mpirun is not installed or bwflow was built without MPI.
# usage: test_sweep_mpi.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"

if ! command -v mpirun >/dev/null 2>&1; then
  echo "mpirun not installed (Debian package openmpi-bin): skipping"
  exit 77
fi
case "$(head -c 4 "$exe" 2>/dev/null)" in
  "$(printf '\177ELF')") ;;
  *) echo "$exe is not the bwflow binary (a wrapper such as valgrind's?): the MPI runs need the binary itself: skipping"
     exit 77 ;;
esac
# CI runs as root; two ranks on any number of cores; no warnings about unused networks.
mpi="mpirun --oversubscribe -n 2"
[ "$(id -u)" -eq 0 ] && mpi="$mpi --allow-run-as-root"
export OMPI_MCA_btl_base_warn_component_unused=0
# Under AddressSanitizer (.ci/run's build-asan), Open MPI's own allocations at MPI_Init, in
# components it unloads at MPI_Finalize, are reported as leaks that cannot be suppressed by
# name: no leak check for the ranks (ASan's other checks stay; test_sweep.sh checks the
# sweep's code for leaks, serially).
mpi="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 $mpi"

s="$tmp/spec"
mkdir "$s"
printf '{"dim": 2, "A": [[1, 0.5], [0.5, 2]], "h": [1, 0], "tau": 0.5, "mean": [3, -1], "cov": [[2, 0.3], [0.3, 0.1]]}' >"$s/p.json"
# 364 tasks, most under a millisecond: results come faster than the coordinator polls
cat >"$s/m.json" <<'EOF'
{"name": "m", "problems": [{"preset": "random", "dim": [2, 3], "seeds": {"from": 1, "count": 25}},
  {"file": "p.json"}, {"preset": "quartic", "particles": 20}], "etas": "auto", "t": "auto"}
EOF
"$exe" sweep "$s/m.json" --out "$tmp/serial" >/dev/null 2>"$tmp/err" || bad "serial sweep: $(cat "$tmp/err")"
timeout 300 $mpi "$exe" sweep "$s/m.json" --out "$tmp/mpi" --json >"$tmp/json" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "built without MPI" "$tmp/err"; then
  echo "bwflow was built without MPI (meson option mpi; libopenmpi-dev): skipping"
  exit 77
fi
[ "$rc" -eq 0 ] && ok || bad "mpirun -n 2 sweep: exit $rc: $(cat "$tmp/err")"
grep -q '"ranks": 2, ' "$tmp/json" && ok || bad "the sweep did not run on 2 ranks: $(head -c 300 "$tmp/json")"
for f in sweep-m-tasks.csv sweep-m-problems.csv sweep-m.json; do
  cmp -s "$tmp/serial/$f" "$tmp/mpi/$f" && ok || bad "$f differs between 1 and 2 ranks"
done
# both ranks worked (the timing file names each task's rank)
for r in 0 1; do
  grep -q ",$r\$" "$tmp/mpi/sweep-m-timing.csv" && ok || bad "rank $r ran no task"
done

# kill -9 of one rank (here rank 1) or of mpirun once the journal holds N lines, then --resume
# (32 tasks of 2000 to 16000 steps: ~2.6 s on one core, the kills land early)
cat >"$s/k.json" <<'EOF'
{"name": "k", "problems": [{"preset": "random", "dim": 3, "seeds": {"from": 1, "count": 8}}],
 "etas": [0.001, 0.0005, 0.00025, 0.000125], "t": 2}
EOF
"$exe" sweep "$s/k.json" --out "$tmp/ref" >/dev/null 2>&1 || bad "reference sweep k failed"
# wait_lines FILE N: until FILE has N lines (at most 30 s)
wait_lines() {
  i=0
  while [ "$i" -lt 3000 ] && [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do sleep 0.01; i=$((i + 1)); done
}
# interrupted WHAT: mpirun ran, was killed, left its journal and no output
interrupted() {
  if [ -e "$1/sweep-k.journal" ] && [ ! -e "$1/sweep-k-tasks.csv" ]; then ok; else bad "$2: the run was not interrupted"; fi
}
same() {
  for f in sweep-k-tasks.csv sweep-k-problems.csv sweep-k.json; do
    cmp -s "$tmp/ref/$f" "$1/$f" && ok || bad "$f differs after $2"
  done
}

$mpi "$exe" sweep "$s/k.json" --out "$tmp/k1" >/dev/null 2>&1 &
mp=$!
wait_lines "$tmp/k1/sweep-k.journal" 11
ranks=$(ps -o pid= --ppid "$mp")
kill -9 $(echo "$ranks" | tail -1) 2>/dev/null
wait "$mp" 2>/dev/null
interrupted "$tmp/k1" "kill -9 of a rank"
timeout 300 $mpi "$exe" sweep "$s/k.json" --out "$tmp/k1" --resume >/dev/null 2>"$tmp/err" || bad "resume under mpirun: $(cat "$tmp/err")"
same "$tmp/k1" "kill -9 of a rank + --resume under mpirun"

$mpi "$exe" sweep "$s/k.json" --out "$tmp/k2" >/dev/null 2>&1 &
mp=$!
wait_lines "$tmp/k2/sweep-k.journal" 12
ranks=$(ps -o pid= --ppid "$mp")
kill -9 "$mp"
wait "$mp" 2>/dev/null
# the orphaned ranks notice that mpirun is gone and stop (within a second)
i=0
for r in $ranks; do
  while [ "$i" -lt 500 ] && kill -0 "$r" 2>/dev/null; do sleep 0.01; i=$((i + 1)); done
  kill -0 "$r" 2>/dev/null && bad "rank process $r still runs after mpirun was killed" || ok
done
interrupted "$tmp/k2" "kill -9 of mpirun"
"$exe" sweep "$s/k.json" --out "$tmp/k2" --resume >/dev/null 2>"$tmp/err" || bad "serial resume: $(cat "$tmp/err")"
same "$tmp/k2" "kill -9 of mpirun + serial --resume"
finish
