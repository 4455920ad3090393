#!/usr/bin/python3
"""Convergence orders (convergence issue acceptance).

    python3 validation/check_converge.py MFBALANCE OUTDIR [--size tiny|full]

1. The linear case (validation/configs/linear.ini, exact Gaussian reference):
   least-squares L1 order >= 1.9 on moving frames, on a uniform fixed grid and
   on a smoothly graded one (the fixed grids at gamma = 2, where their cell
   Peclet number is below 2; docs/convergence.md shows the degradation at
   gamma = 100);
2. the default model on moving frames: L1 order of successive-grid
   differences >= 1.9, and at the default settings the time error below the
   space error;
3. the Hopf-Cole solver (`--solver hj`) on the default model at gamma = 100
   (Richardson reference): least-squares order of u over the interval
   (u_linf, largest at the walls, whose faces keep first-order slopes) in
   [0.9, 1.1], of u where the density is (u_core) >= 1.8; at gamma = inf on
   the linear model (exact reference) the argmax and u_core errors below
   1e-10 on every grid (u stays quadratic, on which the scheme is exact).
Draws OUTDIR/*/converge.png.  Exit 1 on a violation.
"""
import csv
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checks import check, figure, finish  # noqa: E402
import plot_converge  # noqa: E402


def fit(out, kind, quantity):
    for r in csv.DictReader(open(os.path.join(out, "converge_fit.csv"))):
        if r["kind"] == kind and r["quantity"] == quantity:
            return float(r["order"])
    return float("nan")


def main():
    exe, out = sys.argv[1:3]
    tiny = "--size" in sys.argv and sys.argv[sys.argv.index("--size") + 1] == "tiny"
    linear = os.path.join(HERE, "configs", "linear.ini")
    short = ["time.t_end=0.2", "time.snapshots=0.05 0.2"]
    cases = [
        ("linear, moving frames", linear, ["grid.method=moving"] + short, "50,100,200" if tiny else "50,100,200,400,800"),
        ("linear, uniform grid, gamma = 2", linear, ["grid.method=fixed", "grid.cells=400", "model.gamma=2"] + short,
         "400,800,1600" if tiny else "400,800,1600,3200"),
        ("linear, graded grid, gamma = 2", linear,
         ["grid.method=fixed", "grid.cells=400", "model.gamma=2", "grid.refine=0.4 0.5 0.01"] + short,
         "400,800,1600" if tiny else "400,800,1600,3200"),
        ("default model, moving frames", None, [] if not tiny else short, "50,100,200" if tiny else "50,100,200,400,800"),
    ]
    for name, config, overrides, cells in cases:
        d = os.path.join(out, "".join(c if c.isalnum() else "-" for c in name).strip("-"))
        rtols = "1e-5,1e-6,1e-7" if tiny else "1e-4,1e-5,1e-6,1e-7,1e-8"
        text = subprocess.run([exe, "converge", *([config] if config else []), *overrides, "--cells", cells,
                               "--rtol", rtols, "--out", d, "--force"], check=True, capture_output=True,
                              text=True).stdout
        order = fit(d, "space", "l1")
        check(f"converge, {name}: least-squares L1 order over {cells} cells", f"{order:.3f}", ">= 1.9", order >= 1.9)
        if config is None:
            line = [s for s in text.splitlines() if "at the configured settings" in s][0]
            check(f"converge, {name}: at the default settings", line.split(": ", 1)[1], "time error below space error",
                  "time error below space error" in line)
        plot_converge.main(d)
        figure(os.path.join(d, "converge.png"), f"convergence, {name}")
    hj_cases = [
        ("Hopf-Cole, default model, gamma = 100", None, ["model.gamma=100", "grid.cells=200", "hj.tau_end=10",
         "hj.snapshots=0.5 2" + ("" if tiny else " 10")], "100,200,400,800" if tiny else "100,200,400,800,1600"),
        ("Hopf-Cole, linear model, gamma = inf", linear, ["model.gamma=inf", "grid.cells=200", "hj.tau_end=10",
         "hj.snapshots=0.5 2 10"], "100,200,400" if tiny else "100,200,400,800,1600"),
    ]
    for name, config, overrides, cells in hj_cases:
        d = os.path.join(out, "".join(c if c.isalnum() else "-" for c in name).strip("-"))
        subprocess.run([exe, "converge", "--solver", "hj", *([config] if config else []), *overrides, "--cells", cells,
                        "--rtol", "1e-8,1e-9,1e-10", "--out", d, "--force"], check=True, capture_output=True, text=True)
        if config is None:
            o_all, o_core = fit(d, "space", "u_linf"), fit(d, "space", "u_core")
            check(f"converge, {name}: least-squares order of u_linf over {cells} cells", f"{o_all:.3f}",
                  "in [0.9, 1.1] (first-order wall faces)", 0.9 <= o_all <= 1.1)
            check(f"converge, {name}: least-squares order of u_core over {cells} cells", f"{o_core:.3f}", ">= 1.8",
                  o_core >= 1.8)
        else:
            errs = [float(r["error"]) for r in csv.DictReader(open(os.path.join(d, "converge.csv")))
                    if r["kind"] == "space" and r["quantity"] in ("argmax", "u_core")]
            check(f"converge, {name}: largest argmax and u_core error against the exact u over {cells} cells",
                  f"{max(errs):.2e}", "< 1e-10", max(errs) < 1e-10)
        plot_converge.main(d)
        figure(os.path.join(d, "converge.png"), f"convergence, {name}")
    finish()


if __name__ == "__main__":
    main()
