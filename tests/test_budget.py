#!/usr/bin/env python3
"""test_budget.py -- the memory estimate of `--estimate` against the peak
resident memory of the same job, measured here (ru_maxrss of the finished
process): `run` (fixed grid), `particles` with one-dimensional neurons and
`particles` with FitzHugh-Nagumo neurons, three sizes each.  The estimate
must be within 20 % of the measurement; the table is printed.

Usage: test_budget.py MFBALANCE SOURCE_DIR"""
import os
import subprocess
import sys
import tempfile

EXE = os.path.abspath(sys.argv[1])
FHN = os.path.join(sys.argv[2], "validation", "configs", "fhn_s1.ini")
TMP = tempfile.mkdtemp(prefix="mfbalance-budget.")
SHORT = ["time.t_end=0.002", "time.output_dt=0.002", "time.snapshots="]

CASES = [("run", ["run", "grid.method=fixed", f"grid.cells={c}"] + SHORT) for c in (20000, 100000, 400000)]
CASES += [("particles", ["particles", f"particles.n={n}"] + SHORT) for n in (1000000, 4000000, 16000000)]
CASES += [("particles fhn", ["particles", FHN, f"particles.n={n}"] + SHORT) for n in (1000000, 4000000, 16000000)]


def estimate(args):
    out = subprocess.run([EXE] + args + ["--estimate"], check=True, capture_output=True, text=True).stdout
    return float(dict(line.split() for line in out.splitlines())["peak_memory_bytes"])


def peak_rss(args, outdir):
    proc = subprocess.Popen([EXE] + args + ["--out", outdir, "--quiet"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)} exited with {proc.returncode}")
    return usage.ru_maxrss * 1024.0  # kilobytes on Linux


failures = 0
print(f"{'job':14s} {'size':>10s} {'estimate MB':>12s} {'peak RSS MB':>12s} {'ratio':>7s}")
for k, (job, args) in enumerate(CASES):
    est, rss = estimate(args), peak_rss(args, os.path.join(TMP, str(k)))
    ratio = est / rss
    size = args[-4].split("=")[1]
    bad = abs(ratio - 1.0) > 0.2
    failures += bad
    print(f"{job:14s} {size:>10s} {est / 1e6:12.1f} {rss / 1e6:12.1f} {ratio:7.3f}{'  FAIL' if bad else ''}")
subprocess.run(["rm", "-rf", TMP])
sys.exit(1 if failures else 0)
