#!/usr/bin/env python3
"""Benchmark of the three Newton linear solvers (foundation issue).

    python3 validation/bench_solvers.py [path/to/mfbalance] [--repeat 3]

Runs the default model (gamma = 100, 2000 cells), the same at 400 cells (where
the dense solver fits), and gamma = 1000 on 8000 cells, with each linear
solver, and prints a Markdown table: median wall time over the repeats
(CVODE's time, from summary.csv), steps, Newton iterations (= linear solves)
and linear-solver setups.  Writes validation/results/bench_solvers.md too.
"""
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The linear solvers of the fixed grid (moving frames always use GMRES).
CASES = [
    ("fixed grid: gamma=100, 2000 cells", ["grid.method=fixed"], ["woodbury", "band"]),
    ("gamma=100, 400 cells", ["grid.method=fixed", "grid.cells=400"], ["woodbury", "band", "dense"]),
    ("gamma=1000, 8000 cells", ["grid.method=fixed", "model.gamma=1000", "grid.cells=8000"], ["woodbury", "band"]),
]


def run(exe, overrides):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([exe, "run", *overrides, "--out", out, "--force", "--quiet"], check=True)
        with open(os.path.join(out, "summary.csv")) as f:
            row = next(csv.DictReader(f))
    return row


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        k = args.index("--repeat")
        repeat = int(args[k + 1])
        del args[k:k + 2]
    exe = args[0] if args else os.path.join(ROOT, "build", "mfbalance")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; median of {repeat} runs.",
        "",
        "| case | solver | wall (s) | steps | Newton iterations = linear solves | linear setups | mean_E at t_end |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, overrides, solvers in CASES:
        for solver in solvers:
            rows = [run(exe, overrides + [f"solver.linear={solver}"]) for _ in range(repeat)]
            wall = statistics.median(float(r["wall_seconds"]) for r in rows)
            r = rows[0]
            lines.append(f"| {name} | {solver} | {wall:.3f} | {r['steps']} | {r['newton_iters']} | "
                         f"{r['linear_setups']} | {float(r['mean']):.10f} |")
            print(lines[-1], flush=True)
    os.makedirs(os.path.join(ROOT, "validation", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "validation", "results", "bench_solvers.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:1]))


if __name__ == "__main__":
    main()
