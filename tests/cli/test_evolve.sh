#!/bin/sh
# CLI contract of `bwflow evolve`: outputs, and one stderr line + exit 2 for bad input.
# usage: test_evolve.sh BWFLOW_EXECUTABLE
set -u
exe=$1
. "$(dirname "$0")/lib.sh"

cat >"$tmp/p.json" <<'JSON'
{"dim": 2, "A": [[2, 0.6], [0.6, 1]], "h": [1, -0.5], "K": [[0.1, 0], [0, 0.1]], "tau": 0.5,
 "mean": [2, 1], "cov": [[0.5, -0.3], [-0.3, 1.5]]}
JSON

# Good runs: JSON keys, steps, and the exact flow's keys.
out=$("$exe" evolve "$tmp/p.json" --method jko --eta 0.1 --t 1 --json)
case "$out" in '{"method": "jko", "t": 1, "steps": 10, "mean": ['*'], "cov": [['*']], "energy": '*'}') ok ;; *) bad "jko json: $out" ;; esac
out=$("$exe" evolve "$tmp/p.json" --method wgf --t 2 --json)
case "$out" in '{"method": "wgf", "t": 2, "steps": 0, '*) ok ;; *) bad "wgf json: $out" ;; esac
out=$("$exe" evolve --preset heat --dim 3 --method forward --eta 0.01 --t 0.1)
case "$out" in *"method  forward (eta = 0.01, 10 steps)"*) ok ;; *) bad "plain: $out" ;; esac
# Defaults: K = 0 and tau = 1 when absent.
printf '{"dim": 1, "A": [[1]], "h": [0], "mean": [0], "cov": [[1]]}' >"$tmp/min.json"
out=$("$exe" evolve "$tmp/min.json" --method wgf --t 5 --json)
case "$out" in *'"cov": [[1]]'*) ok ;; *) bad "stationary OU: $out" ;; esac

# Bad input.
expect_fail not-multiple "--t 1 is not a multiple of --eta 0.3" evolve "$tmp/p.json" --method jko --eta 0.3 --t 1
expect_fail eta-zero "--eta: '0' must be a positive finite number" evolve "$tmp/p.json" --method jko --eta 0 --t 1
expect_fail eta-neg "--eta: '-1' must be a positive finite number" evolve "$tmp/p.json" --method jko --eta -1 --t 1
expect_fail eta-nan "--eta: 'nan' must be a positive finite number" evolve "$tmp/p.json" --method jko --eta nan --t 1
expect_fail eta-inf "--eta: 'inf' must be a positive finite number" evolve "$tmp/p.json" --method jko --eta inf --t 1
expect_fail eta-garbage "--eta: '0.1x' is not a number" evolve "$tmp/p.json" --method jko --eta 0.1x --t 1
expect_fail t-garbage "--t: '' is not a number" evolve "$tmp/p.json" --method jko --eta 0.1 --t ""
expect_fail t-overflow "--t: '1e999' overflows" evolve "$tmp/p.json" --method wgf --t 1e999
expect_fail too-many-steps "more than 1e9 steps" evolve "$tmp/p.json" --method jko --eta 1e-12 --t 1
expect_fail method "--method: unknown method 'rk4'" evolve "$tmp/p.json" --method rk4 --eta 0.1 --t 1
expect_fail no-method "missing --method" evolve "$tmp/p.json" --eta 0.1 --t 1
expect_fail no-eta "missing --eta" evolve "$tmp/p.json" --method jko --t 1
expect_fail no-t "missing --t" evolve "$tmp/p.json" --method jko --eta 0.1
expect_fail no-value "option '--eta' needs a value" evolve "$tmp/p.json" --method jko --t 1 --eta
expect_fail unknown-option "unknown option '--bogus'" evolve "$tmp/p.json" --bogus
expect_fail preset "unknown preset 'nope'" evolve --preset nope --method wgf --t 1
expect_fail both "either PROBLEM.json or --preset" evolve "$tmp/p.json" --preset heat --method wgf --t 1
expect_fail none "missing PROBLEM.json" evolve --method wgf --t 1
expect_fail seed "--seed: 'x' is not a non-negative integer" evolve --preset random --seed x --method wgf --t 1
printf '{"dim": 2, "A": [[-3, 0], [0, 1]], "h": [0, 0], "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/nc.json"
expect_fail eta-too-large "--eta 0.5: the step is too large for this non-convex energy" evolve "$tmp/nc.json" --method jko --eta 0.5 --t 1
printf '{"dim": 2, "A": [[1, 0], [0, 1]], "h": [0, 0], "tau": -1, "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/tau.json"
expect_fail tau '"tau" is -1: it must be >= 0' evolve "$tmp/tau.json" --method wgf --t 1
printf '{"dim": 2, "A": [[1, 0], [0.5, 1]], "h": [0, 0], "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/asym.json"
expect_fail asym-A '"A" is not symmetric: row 1, column 0' evolve "$tmp/asym.json" --method wgf --t 1
printf '{"dim": 3, "A": [[1, 0], [0, 1]], "h": [0, 0], "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/dim.json"
expect_fail dim '"A" has 2 rows, expected 3' evolve "$tmp/dim.json" --method wgf --t 1
printf '{"dim": 2, "A": [[1, 0], [0, 1]], "h": [0, 0], "K": 3, "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/K.json"
expect_fail K-type '"K" must be a list of 2 rows, found a number' evolve "$tmp/K.json" --method wgf --t 1
printf '{"dim": 2.5, "A": [[1, 0], [0, 1]], "h": [0, 0], "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/d.json"
expect_fail dim-type '"dim" must be an integer' evolve "$tmp/d.json" --method wgf --t 1
# An explicit step that loses positive definiteness is a numerical failure (exit 1).
printf '{"dim": 2, "A": [[1, 0], [0, 1]], "h": [0, 0], "tau": 0, "mean": [0, 0], "cov": [[1, 0], [0, 1]]}' >"$tmp/pot.json"
expect_status 1 lost-spd "forward step 1 (t = 1): the result would not be positive definite" evolve "$tmp/pot.json" --method forward --eta 1 --t 1

finish
