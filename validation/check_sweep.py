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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, figure, finish  # noqa: E402

RANGES = {"err_mean": (-1.2, -0.8), "sd": (-0.55, -0.45), "collapse_time": (-1.2, -0.8)}


def main():
    exe, config, out = sys.argv[1:4]
    extra = sys.argv[4:]
    cmd = [exe, "sweep"] + ([] if config == "default" else [config]) + extra + ["--out", out, "--force"]
    subprocess.run(cmd, check=True)
    name = "default model" if config == "default" else os.path.splitext(os.path.basename(config))[0]
    for row in csv.DictReader(open(os.path.join(out, "sweep_fit.csv"))):
        q = row["quantity"]
        if q not in RANGES:
            continue
        lo, hi = RANGES[q]
        s = float(row["slope"])
        check(f"sweep, {name}: slope of {q} against gamma, {row['population']}", f"{s:+.4f}", f"in [{lo}, {hi}]",
              lo <= s <= hi)
    try:
        import plot_sweep

        plot_sweep.main(out)
        figure(os.path.join(out, "sweep.png"), f"gamma sweep, {name}: distances to x*, s.d. and collapse time")
    except ImportError as e:
        print(f"no plot: {e}")
    finish()


if __name__ == "__main__":
    main()
