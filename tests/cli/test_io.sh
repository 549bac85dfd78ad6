#!/bin/sh
# The tool's output contract (docs/failure-modes.md, "Output"): every write is checked,
# stdout included (/dev/full, a closed stdout: exit 1, one line); a failed command prints
# nothing on stdout; a command's files appear together or not at all, with no temporary
# left, whatever fails (a full disk, a rename, a numerical failure mid-way, SIGTERM or
# SIGINT); the files written are named on stderr; numbers are in the shortest form that
# reads back to the same double. The full-disk cases run on a 64 KiB tmpfs (root only: they
# are skipped with a message where mounting is not allowed).
# usage: test_io.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"
mnt="$tmp/small"
mounted=false
trap '$mounted && umount "$mnt"; rm -rf "$tmp"' EXIT
out="$tmp/data"
printf '{"dim": 2, "A": [[1, 0], [0, 2]], "h": [0, 0], "tau": 0.5, "mean": [1, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/ok.json"
printf '{"mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/g0.json"
printf '{"mean": [1, 0], "cov": [[2, 0], [0, 1]]}' >"$tmp/g1.json"
printf '{"name": "s", "problems": [{"preset": "heat", "dim": 2}], "etas": [0.1, 0.05], "t": 1}' >"$tmp/s.json"

# no_temporaries DIR: no hidden temporary or kept-aside file of the tool
no_temporaries() {
  if ls -A "$1" 2>/dev/null | grep -q '\.tmp\|\.old'; then bad "$2: temporaries left: $(ls -A "$1")"; else ok; fi
}

# ---- stdout: /dev/full and a closed stdout, every command that prints
# stdout_fails NAME ARGS...: exit 1, the last stderr line names stdout, for both
stdout_fails() {
  name=$1
  shift
  for how in ${hows:-full closed}; do
    if [ "$how" = full ]; then "$exe" "$@" >/dev/full 2>"$tmp/err"; else "$exe" "$@" >&- 2>"$tmp/err"; fi
    rc=$?
    last=$(tail -1 "$tmp/err")
    other=$(grep -vc '^bwflow [a-z]*: wrote ' "$tmp/err")
    if [ "$rc" -eq 1 ] && [ "$other" -eq 1 ] && case "$last" in "bwflow: cannot write to standard output: "*) true ;; *) false ;; esac
    then ok; else bad "$name > $how: exit $rc: $(cat "$tmp/err")"; fi
  done
}
stdout_fails help --help
stdout_fails version --version
stdout_fails evolve-help evolve --help
stdout_fails sweep-help sweep --help
stdout_fails evolve-json evolve "$tmp/ok.json" --method jko --eta 0.1 --t 1 --json
stdout_fails evolve-text evolve "$tmp/ok.json" --method jkoflow --eta 0.1 --t 1
stdout_fails distance distance "$tmp/g0.json" "$tmp/g1.json"
stdout_fails distance-json distance "$tmp/g0.json" "$tmp/g1.json" --json
stdout_fails order order --preset ou2d --etas 0.1,0.05 --out "$out"
stdout_fails order-json order --preset ou2d --etas 0.1,0.05 --json --out "$out"
stdout_fails sweep-json sweep "$tmp/s.json" --json --out "$tmp/sw1"
stdout_fails sweep-table sweep "$tmp/s.json" --out "$tmp/sw2"
hows=full # bench once: it is slow under valgrind
stdout_fails bench bench --quick --json
hows=
# a closed stdout is not handed to a file the command opens: the CSV is the CSV
"$exe" order --preset ou2d --etas 0.1,0.05 --out "$tmp/closed" >&- 2>/dev/null
head -1 "$tmp/closed/order-ou2d.csv" | grep -q '^eta,steps,' && ok || bad "closed stdout: the CSV holds $(head -c 100 "$tmp/closed/order-ou2d.csv")"
# usage on stderr: a full stdout does not matter
"$exe" >/dev/full 2>/dev/null
[ $? -eq 2 ] && ok || bad "bwflow with no command: exit $?"
# the same commands succeed on a working stdout
"$exe" distance "$tmp/g0.json" "$tmp/g1.json" >"$tmp/o" 2>"$tmp/err" && [ -s "$tmp/o" ] && [ ! -s "$tmp/err" ] && ok || bad "distance"

# ---- a failed command prints nothing on stdout (the result overflows after the run)
printf '{"dim": 1, "A": [[1]], "h": [0], "tau": 1, "mean": [1e308], "cov": [[1]]}' >"$tmp/big.json"
printf '{"particles": 3, "V": [0, 0, 0.5], "tau": 1, "positions": [-1e300, 0, 1e300]}' >"$tmp/pbig.json"
for m in jko forward wgf jkoflow; do
  for json in --json ""; do
    expect_status 1 "overflow-$m$json" "energy of the result: the result overflowed" evolve "$tmp/big.json" --method $m --eta 0.1 --t 1 $json
    expect_status 1 "p-overflow-$m$json" "the result overflowed" evolve "$tmp/pbig.json" --method $m --eta 0.1 --t 1 $json
  done
done

# ---- the files written are named on stderr; numbers in the shortest round-trip form
"$exe" order --preset ou2d --etas 0.1,0.05 --out "$out" >/dev/null 2>"$tmp/err"
[ "$(cat "$tmp/err")" = "bwflow order: wrote $out/order-ou2d.csv
bwflow order: wrote $out/order-ou2d.json" ] && ok || bad "order's stderr: $(cat "$tmp/err")"
grep -q '^0\.1,20,' "$out/order-ou2d.csv" && grep -q '^0\.05,40,' "$out/order-ou2d.csv" && ok || bad "order CSV: $(cat "$out/order-ou2d.csv")"
grep -q '"rtol": 1e-12, "atol": 1e-14' "$out/order-ou2d.json" && ok || bad "order sidecar numbers"
"$exe" evolve "$tmp/ok.json" --method jko --eta 0.3 --t 0.9 --json | grep -q '^{"method": "jko", "t": 0.9, "steps": 3, ' && ok || bad "evolve --json t"
"$exe" evolve "$tmp/ok.json" --method jko --eta 0.1 --t 0.3 | head -2 | tr '\n' '|' | grep -qx 'method  jko (eta = 0.1, 3 steps)|t       0.3|' && ok || bad "evolve text numbers"
# every number printed reads back to the same double (the library's own, in CSV and JSON)
"$exe" evolve --preset random --dim 4 --seed 3 --method jkoflow --eta 0.07 --t 1.3 --json >"$tmp/e.json"
python3 - "$tmp/e.json" "$out/order-ou2d.csv" <<'EOF' && ok || bad "shortest form"
import json, sys, re
for path in sys.argv[1:]:
    for tok in re.findall(r"-?\d[\d.e+-]*", open(path).read()):
        if "." in tok or "e" in tok:
            x = float(tok)
            short = min((f"%.{p}g" % x for p in (15, 16, 17) if float(f"%.{p}g" % x) == x), key=len)
            assert float(short) == x and len(tok) <= len(short), (path, tok, short)
EOF

# ---- all or nothing: a rename that fails takes back the files renamed before it, and an
# earlier run's files stay as they were
mkdir -p "$tmp/r1"
"$exe" order --preset ou2d --etas 0.1,0.05 --out "$tmp/r1" >/dev/null 2>&1
cp "$tmp/r1/order-ou2d.csv" "$tmp/old.csv"
rm "$tmp/r1/order-ou2d.json" && mkdir "$tmp/r1/order-ou2d.json"
expect_status 1 rename-fails "r1/order-ou2d.json: cannot rename the new file into place: Is a directory" order --preset ou2d --etas 0.1,0.05,0.02 --out "$tmp/r1"
cmp -s "$tmp/old.csv" "$tmp/r1/order-ou2d.csv" && ok || bad "the earlier CSV was not restored"
no_temporaries "$tmp/r1" rename-fails
# the same with no earlier CSV: none is left
mkdir -p "$tmp/r2/order-ou2d.json"
expect_status 1 rename-fails-new "cannot rename" order --preset ou2d --etas 0.1,0.05 --out "$tmp/r2"
[ "$(ls -A "$tmp/r2")" = order-ou2d.json ] && ok || bad "a failed rename left: $(ls -A "$tmp/r2")"

# ---- a numerical failure in the middle: no file of the set (particles: with the densities)
printf '{"particles": 20, "V": [0, 0, 0, 0, 0.25], "tau": 1, "init": {"mean": 0, "std": 3}}' >"$tmp/wide.json"
expect_status 3 traj-ill-posed "JKO-Flow turns ill-posed at t = 0.76" trajectory "$tmp/wide.json" --eta 0.01 --t 1 --out "$tmp/ill"
[ -z "$(ls -A "$tmp/ill")" ] && ok || bad "an ill-posed trajectory left: $(ls -A "$tmp/ill")"

# ---- SIGTERM and SIGINT while trajectory writes: no file, no temporary; the exit status is
# the signal's
for sig in TERM INT; do
  d="$tmp/sig-$sig"
  mkdir "$d"
  # SIGINT is ignored by a background job of a script: python puts it back to the default
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
    "$exe" trajectory --preset random --dim 6 --eta 1e-4 --t 20 --out "$d" 2>/dev/null &
  pid=$!
  i=0
  while [ "$i" -lt 6000 ] && ! ls -A "$d" | grep -q '\.tmp'; do sleep 0.01; i=$((i + 1)); done # (valgrind: slow start)
  ls -A "$d" | grep -q '\.tmp' && ok || bad "SIG$sig: the trajectory did not start writing"
  kill -s "$sig" "$pid"
  wait "$pid" 2>/dev/null
  rc=$?
  [ -z "$(ls -A "$d")" ] && ok || bad "SIG$sig left: $(ls -A "$d")"
  [ "$rc" -gt 128 ] && ok || bad "SIG$sig: exit $rc"
done

# ---- a full disk (ENOSPC) on a 64 KiB tmpfs
mkdir "$mnt"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k bwflow-test "$mnt" 2>/dev/null; then
  mounted=true
  # an earlier complete run, then the disk fills: the next run fails and leaves the old set
  "$exe" order --preset ou2d --etas 0.1,0.05 --out "$mnt" >/dev/null 2>&1 || bad "order on the small disk"
  cp "$mnt/order-ou2d.csv" "$tmp/old.csv"
  cp "$mnt/order-ou2d.json" "$tmp/old.json"
  dd if=/dev/zero of="$mnt/fill" bs=4096 count=100 2>/dev/null # fills it: dd stops at ENOSPC
  expect_status 1 enospc-order "No space left on device" order --preset ou2d --etas 0.1,0.05,0.02 --out "$mnt"
  cmp -s "$tmp/old.csv" "$mnt/order-ou2d.csv" && cmp -s "$tmp/old.json" "$mnt/order-ou2d.json" && ok || bad "ENOSPC: the earlier files changed"
  no_temporaries "$mnt" enospc-order
  expect_status 1 enospc-traj "No space left on device" trajectory --preset quartic --eta 1e-3 --t 0.5 --out "$mnt"
  no_temporaries "$mnt" enospc-traj
  ls "$mnt" | grep -q 'trajectory\|densities' && bad "ENOSPC: trajectory left $(ls "$mnt")" || ok
  expect_status 1 enospc-sweep "No space left on device" sweep "$tmp/s.json" --out "$mnt"
  no_temporaries "$mnt" enospc-sweep
  ls "$mnt" | grep -q 'sweep-s-' && bad "ENOSPC: sweep left $(ls "$mnt")" || ok
  # room for the journal (one page) but not for the files: the journal stays, and --resume
  # writes the files once there is room
  rm "$mnt/fill"
  dd if=/dev/zero of="$mnt/page" bs=4096 count=1 2>/dev/null
  dd if=/dev/zero of="$mnt/fill" bs=4096 count=100 2>/dev/null
  rm "$mnt/page"
  expect_status 1 enospc-sweep-files "No space left on device" sweep "$tmp/s.json" --out "$mnt"
  [ -s "$mnt/sweep-s.journal" ] && ok || bad "ENOSPC: the sweep's journal is gone: $(ls "$mnt")"
  ls "$mnt" | grep -q 'sweep-s-' && bad "ENOSPC: sweep left $(ls "$mnt")" || ok
  no_temporaries "$mnt" enospc-sweep-files
  rm "$mnt/fill"
  "$exe" sweep "$tmp/s.json" --out "$mnt" --resume --json 2>/dev/null | grep -q '"resumed": 2, "ranks": 1, "computed": 0,' \
    && [ -s "$mnt/sweep-s-tasks.csv" ] && [ ! -e "$mnt/sweep-s.journal" ] && ok || bad "resume after ENOSPC: $(ls "$mnt")"
  umount "$mnt" && mounted=false
else
  echo "SKIP: the full-disk cases (mounting a tmpfs needs root: run as root, as CI does)"
fi

# ---- the sweep's spec: every file it names is read with the size and type checks of the
# problem reader, and must be a regular file (it is read more than once): no hang
spec_file() {
  printf '{"problems": [{"file": "%s"}], "etas": [0.1, 0.05], "t": 1}' "$2" >"$tmp/$1.json"
}
mkfifo "$tmp/fifo"
mkdir "$tmp/dir.json"
ln -s /dev/zero "$tmp/zero.json"
spec_file sz /dev/zero
expect_fail spec-dev-zero "/dev/zero: not a regular file (a character device)" sweep "$tmp/sz.json" --out "$out"
spec_file sf "$tmp/fifo"
expect_fail spec-fifo "fifo: not a regular file (a FIFO)" sweep "$tmp/sf.json" --out "$out"
spec_file sd "$tmp/dir.json"
expect_fail spec-dir "dir.json: is a directory, not a JSON file" sweep "$tmp/sd.json" --out "$out"
spec_file sl "$tmp/zero.json"
expect_fail spec-symlink "zero.json: not a regular file (a character device)" sweep "$tmp/sl.json" --out "$out"
spec_file su /dev/urandom
expect_fail spec-urandom "/dev/urandom: not a regular file" sweep "$tmp/su.json" --out "$out"
truncate -s 300M "$tmp/huge.json"
spec_file sh2 "$tmp/huge.json"
expect_fail spec-sparse "huge.json: byte 1 is a NUL byte" sweep "$tmp/sh2.json" --out "$out"
rm "$tmp/huge.json"
# the spec itself, and a problem file, as a FIFO nobody writes to: no hang
expect_fail spec-itself-fifo "fifo: empty file (a FIFO nobody writes to)" sweep "$tmp/fifo" --out "$out"
expect_fail problem-fifo "fifo: empty file (a FIFO nobody writes to)" evolve "$tmp/fifo" --method wgf --t 1
# ... while a FIFO with a writer is read like a file
(cat "$tmp/ok.json" >"$tmp/fifo") &
sleep 0.2
"$exe" evolve "$tmp/fifo" --method wgf --t 1 >/dev/null 2>&1 && ok || bad "a FIFO with a writer"
wait
# a journal that is not a regular file
mkdir "$tmp/jd" && mkfifo "$tmp/jd/sweep-s.journal"
expect_fail journal-fifo "sweep-s.journal: not a regular file" sweep "$tmp/s.json" --out "$tmp/jd" --resume

finish
