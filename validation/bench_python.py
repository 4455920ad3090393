#!/usr/bin/python3
"""The cost of the Python interface on the default model: python3 validation/bench_python.py [BUILD]

Times, best of 5 (each in a warm process: the first run of a process pays for page faults
and the allocator's first growth, about 3 ms here), in three rounds that alternate them so
that load from elsewhere hits all alike:
  C          `BUILD/validation/bench_run 5`: the run on the solver API in C, timed inside its
             process, doing what mfbalance.run does (observables at every output time, cells
             and densities copied at the snapshots, the nearest balance point; no files);
  Python     mfbalance.run(cfg) in this process, after one run to warm it;
  program    `BUILD/mfbalance run --quiet`, a whole process: configuration, the run, its four
             files (written, flushed to disk and renamed);
and states the overhead of Python over C.  Uses the package in BUILD/python (default build/).
"""
import os
import subprocess
import sys
import tempfile
import time

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
sys.path.insert(0, os.path.join(build, "python"))
import mfbalance  # noqa: E402

REPEAT = 5
ROUNDS = 3


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    cfg = mfbalance.Config()
    out = os.path.join(tempfile.mkdtemp(prefix="bench-python-"), "run")
    mfbalance.run(cfg)  # warm: library loaded, pages touched
    print(f"default model (gamma = {cfg.gamma:g}, {cfg['grid.method']} grid), best of {REPEAT}, in ms:")
    print(f"  {'round':>5} {'C':>8} {'Python':>8} {'program':>8} {'Python over C':>14}")
    for k in range(ROUNDS):
        c = float(subprocess.run([os.path.join(build, "validation", "bench_run"), str(REPEAT)], check=True,
                                 capture_output=True, text=True).stdout)
        py = min(timed(lambda: mfbalance.run(cfg)) for _ in range(REPEAT))
        prog = min(timed(lambda: subprocess.run([os.path.join(build, "mfbalance"), "run", "--quiet", "--force",
                                                 "--out", out], check=True)) for _ in range(REPEAT))
        print(f"  {k + 1:>5} {c * 1e3:8.2f} {py * 1e3:8.2f} {prog * 1e3:8.2f} {100 * (py / c - 1):+13.2f}%")


if __name__ == "__main__":
    main()
