#!/usr/bin/env python3
"""The scaling model of `bwflow sweep` (docs/sweep.md): replay a sweep's measured task
times through a simulation of its coordinator, for any number of ranks.

    python3 docs/sweep_model.py DIR/sweep-NAME-timing.csv [--coord-us 20] [--latency-us 5]
        [--fsync-ms 3] [--ranks 1,2,10,100,1000] [--repeat K]

What is simulated is what apps/sweep/sweep_run.c does: rank 0 hands out every plan first, then
the points by decreasing estimated cost (the same cost model as apps/sweep/sweep_task.c), keeps
DEPTH = 2 tasks at each worker, and handles the results one at a time, each taking
--coord-us of its thread (receive, bookkeeping, journal line, next task out); messages
take --latency-us each way; the journal's fsync (at most every 50 ms) blocks the
coordinator for --fsync-ms. Rank 0 computes too up to 32 ranks. A task takes the CPU time
it took in the measured run (cpu_s: the run's load does not enter). --repeat K replays
every problem K times (a sweep with K times the seeds). Python's standard library only.
"""
import argparse
import csv
import heapq
import math
import os
import sys

DEPTH, LOCAL_MAX_RANKS, SYNC_INTERVAL = 2, 32, 0.05


def cost(system, dim, steps):
    """apps/sweep/sweep_task.c: sweep_point_cost."""
    if system == "particles":
        return (steps + 500.0) * 0.6 * (dim + 20.0)
    return (steps + 20.0) * (dim + 2.0) ** 2.5


def load(timing, repeat=1):
    problems = timing.replace("-timing.csv", "-problems.csv")
    system = {}
    if os.path.exists(problems):
        for r in csv.DictReader(open(problems)):
            system[int(r["problem"])] = r["system"]
    plans, points = [], []
    rows = list(csv.DictReader(open(timing)))
    n = 1 + max(int(r["problem"]) for r in rows)
    for k in range(repeat):
        for r in rows:
            p = int(r["problem"])
            if r["task"] == "plan":
                plans.append((p + k * n, float(r["cpu_s"])))
            else:
                c = cost(system.get(p, "gaussian"), int(r["dim"]), int(r["steps"]))
                points.append((p + k * n, float(r["cpu_s"]), c))
    return plans, points


def simulate(plans, points, ranks, coord, latency, fsync):
    """Wall time of the sweep on `ranks` ranks, and the coordinator's busy fraction."""
    workers = ranks if ranks <= LOCAL_MAX_RANKS else ranks - 1
    ready = [(-math.inf, p, -1, t) for p, t in plans]  # (-key, p, j, seconds): plans first
    heapq.heapify(ready)
    later = {}  # the points of each problem, ready once its plan is back
    for j, (p, t, c) in enumerate(points):
        later.setdefault(p, []).append((-c, p, j, t))
    held = [0] * workers           # tasks handed to each worker, not yet back
    queue = [[] for _ in range(workers)]  # tasks arrived at each worker, not started
    running = [False] * workers
    events, seq = [], 0            # (time, seq, kind, worker, task)

    def push(t, kind, w, task):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, w, task))

    def fill(ws, t):  # in rounds: every worker one task, then a second one
        for depth in range(1, DEPTH + 1):
            for w in ws:
                if held[w] < depth and ready:
                    held[w] += 1
                    push(t + latency, "arrive", w, heapq.heappop(ready))

    fill(range(workers), 0.0)
    coord_free = busy = end = 0.0
    next_sync = SYNC_INTERVAL
    while events:
        t, _, kind, w, task = heapq.heappop(events)
        if kind == "arrive":  # a task reaches its worker
            queue[w].append(task)
            if not running[w]:
                running[w] = True
                push(t + queue[w][0][3], "finish", w, queue[w][0])
        elif kind == "finish":  # the worker sends the result and starts its next task
            queue[w].pop(0)
            push(t + latency, "result", w, task)
            running[w] = bool(queue[w])
            if queue[w]:
                push(t + queue[w][0][3], "finish", w, queue[w][0])
        else:  # the coordinator handles a result (one at a time; fsyncs block it)
            now = max(t, coord_free)
            if now >= next_sync:
                now += fsync
                busy += fsync
                next_sync = now + SYNC_INTERVAL
            now += coord
            busy += coord
            coord_free = end = now
            held[w] -= 1
            if task[2] < 0:
                for x in later.pop(task[1], []):
                    heapq.heappush(ready, x)
                fill(range(workers), now)
            else:
                fill([w], now)
    return end, busy / end if end else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("timing")
    ap.add_argument("--coord-us", type=float, default=20.0)
    ap.add_argument("--latency-us", type=float, default=5.0)
    ap.add_argument("--fsync-ms", type=float, default=3.0)
    ap.add_argument("--ranks", default="1,2,4,10,32,100,200,500,1000")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    plans, points = load(a.timing, a.repeat)
    work = sum(t for _, t in plans) + sum(t for _, t, _ in points)
    longest = max(t for _, t, _ in points)
    print(f"{len(points)} tasks and {len(plans)} plans, {work:.1f} s of CPU; longest task {longest:.3f} s, "
          f"median {sorted(t for _, t, _ in points)[len(points) // 2] * 1e3:.2f} ms")
    print(f"coordinator {a.coord_us:g} us per result, latency {a.latency_us:g} us, fsync {a.fsync_ms:g} ms")
    print(f"{'ranks':>6} {'wall s':>10} {'speed-up':>9} {'efficiency':>10} {'coordinator busy':>16}")
    for r in [int(x) for x in a.ranks.split(",")]:
        wall, util = simulate(plans, points, r, a.coord_us * 1e-6, a.latency_us * 1e-6, a.fsync_ms * 1e-3)
        print(f"{r:>6} {wall:>10.3f} {work / wall:>9.1f} {work / (r * wall):>10.2f} {util:>16.2f}")


if __name__ == "__main__":
    sys.exit(main())
