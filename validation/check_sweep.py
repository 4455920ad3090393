#!/usr/bin/python3
"""Check the gamma -> infinity laws on one model (balance issue acceptance).

    python3 validation/check_sweep.py MFBALANCE CONFIG|default OUTDIR [--gamma 100,300,...]

Runs `mfbalance sweep`, then requires every fitted slope of |mean - x*| and of the
collapse time to lie in [-1.2, -0.8] and every slope of the s.d. in [-0.55, -0.45].
Prints the fits; draws OUTDIR/sweep.png when matplotlib is there.  Exit 1 on a
violation.
"""
import csv
import os
import subprocess
import sys

RANGES = {"err_mean": (-1.2, -0.8), "sd": (-0.55, -0.45), "collapse_time": (-1.2, -0.8)}


def main():
    exe, config, out = sys.argv[1:4]
    extra = sys.argv[4:]
    cmd = [exe, "sweep"] + ([] if config == "default" else [config]) + extra + ["--out", out, "--force"]
    subprocess.run(cmd, check=True)
    bad = 0
    for row in csv.DictReader(open(os.path.join(out, "sweep_fit.csv"))):
        q = row["quantity"]
        if q not in RANGES:
            continue
        lo, hi = RANGES[q]
        s = float(row["slope"])
        ok = lo <= s <= hi
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {q:14s} {row['population']:5s} slope {s:+.4f} in [{lo}, {hi}]")
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, here)
        import plot_sweep

        plot_sweep.main(out)
    except ImportError as e:
        print(f"no plot: {e}")
    print(f"{'FAILED' if bad else 'passed'}: {bad} slope(s) out of range")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
