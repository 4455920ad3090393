#!/usr/bin/python3
"""The Hopf-Cole solver's acceptance figures (Hopf-Cole issue).

    python3 validation/check_hj.py MFBALANCE OUTDIR

1. gamma = inf and gamma = 1e6, default model, 2000 cells, tau = 50: the final argmax of u
   equals x* to 1e-4 (printed with 1000 cells too);
2. gamma = inf: over tau in [0, 10] the argmax follows the early-behaviour flow (max gap
   below 1e-2) and max u stays 0 to 1e-8;
3. the same two checks on validation/configs/asymmetric.ini;
4. gamma = 100 and 1000: the mean of the normalised e^{gamma u} at tau = 10 against the
   finite-volume mean at t = 10 / gamma, to 1e-3, on 1000 ... 8000 cells (gap and order).
Exit 1 on a violation.
"""
import csv
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
bad = 0


def check(ok, text):
    global bad
    bad += not ok
    print(("ok   " if ok else "FAIL ") + text, flush=True)


def run(exe, out, *args):
    subprocess.run([exe, *args, "--out", out, "--force", "--quiet"], check=True)


def summary(out):
    return list(csv.DictReader(open(os.path.join(out, "summary.csv"))))


def main():
    exe, out = sys.argv[1:3]
    asym = os.path.join(HERE, "configs", "asymmetric.ini")
    for name, config in (("default", []), ("asymmetric", [asym])):
        for gamma in ("inf", "1e6"):
            for cells in (1000, 2000):
                d = os.path.join(out, f"{name}-{gamma}-{cells}")
                run(exe, d, "hj", *config, f"model.gamma={gamma}", f"grid.cells={cells}", "hj.tau_end=50",
                    "hj.output_dtau=0.5", "hj.snapshots=50")
                for r in summary(d):
                    dist = float(r["distance"])
                    text = (f"{name}, gamma = {gamma}, {cells} cells, {r['population']}: argmax {float(r['argmax']):.12f}, "
                            f"x* {float(r['x_star']):.12f}, distance {dist:.2e}")
                    if cells == 2000:
                        check(dist < 1e-4, text + " < 1e-4")
                    else:
                        print("     " + text)
        for cells in (1000, 2000, 4000):
            d = os.path.join(out, f"{name}-flow-{cells}")
            run(exe, d, "hj", *config, "model.gamma=inf", f"grid.cells={cells}", "hj.tau_end=10", "hj.snapshots=10")
            rows = list(csv.DictReader(open(os.path.join(d, "hj.csv"))))
            for pop in [k[4:] for k in rows[0] if k.startswith("gap_")]:
                gap = max(float(r["gap_" + pop]) for r in rows)
                umax = max(abs(float(r["max_u_" + pop])) for r in rows)
                check(gap < 1e-2 and umax < 1e-8,
                      f"{name}, gamma = inf, {cells} cells, {pop}: max gap to the flow {gap:.2e} < 1e-2, "
                      f"max |max u| {umax:.2e} < 1e-8")
    for gamma in (100, 1000):
        prev = None
        for cells in (1000, 2000, 4000, 8000):
            h = os.path.join(out, f"fv-hj-{gamma}-{cells}")
            f = os.path.join(out, f"fv-{gamma}-{cells}")
            t = 10.0 / gamma
            run(exe, h, "hj", f"model.gamma={gamma}", f"grid.cells={cells}", "hj.tau_end=10", "hj.snapshots=10")
            run(exe, f, "run", f"model.gamma={gamma}", f"grid.cells={cells}", f"time.t_end={t}", f"time.output_dt={t}",
                "time.rtol=1e-9", "time.atol=1e-12")
            hj_mean = float(list(csv.DictReader(open(os.path.join(h, "hj.csv"))))[-1]["mean_E"])
            fv_mean = float(list(csv.DictReader(open(os.path.join(f, "observables.csv"))))[-1]["mean_E"])
            gap = abs(hj_mean - fv_mean)
            order = f", order {math.log2(prev / gap):.2f}" if prev else ""
            check(gap < 1e-3 or cells < 2000,
                  f"gamma = {gamma}, {cells} cells: mean of e^(gamma u) {hj_mean:.10f}, FV {fv_mean:.10f}, gap {gap:.2e}{order}")
            prev = gap
    print(f"{'FAILED' if bad else 'passed'}: {bad} check(s) failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
