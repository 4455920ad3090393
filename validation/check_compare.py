#!/usr/bin/python3
"""Particles against the PDE on the default model (particle issue acceptance).

    python3 validation/check_compare.py MFBALANCE OUTDIR [--n 1000,10000,...]

Runs `mfbalance compare --n 1000,10000,100000,1000000` (16, 16, 10 and 1 networks;
about 80 s on 2 cores; --n gives other sizes) and requires the slope of W1 against n to lie in
[-0.65, -0.35] for every population, and the means of the n = 10^6 network to agree
with the PDE to 2e-3 at the snapshot times from t = 0.2 on, once the densities have
collapsed.  (During the collapse the exponential scheme's first-order bias shows: at
t = 0.05 the mean of E is 2.2e-3 off with dt = 1e-3 and 7e-4 off with dt = 2.5e-4.)
Exit 1 on a violation.
"""
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402


def main():
    exe, out = sys.argv[1:3]
    sizes = sys.argv[sys.argv.index("--n") + 1] if "--n" in sys.argv else "1000,10000,100000,1000000"
    subprocess.run([exe, "compare", "--n", sizes, "--out", out, "--force", "--quiet"], check=True)
    for row in csv.DictReader(open(os.path.join(out, "compare_fit.csv"))):
        s = float(row["slope"])
        check(f"particles against the PDE: slope of W1 against n, {row['population']}", f"{s:+.4f}",
              "in [-0.65, -0.35]", -0.65 <= s <= -0.35)
    largest = sizes.split(",")[-1]
    snapshots = {"0.20000000000000001", "1", "5"}
    for row in csv.DictReader(open(os.path.join(out, "compare.csv"))):
        if row["n"] != largest or row["t"] not in snapshots:
            continue
        d = abs(float(row["d_mean"]))
        check(f"particles against the PDE: n = {float(largest):.0e}, t = {float(row['t']):g}, {row['population']}: "
              f"|mean - mean_pde| (W1 = {float(row['w1']):.3e})", f"{d:.2e}", "<= 2e-3", d <= 2e-3)
    finish()


if __name__ == "__main__":
    main()
