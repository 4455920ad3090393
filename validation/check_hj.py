#!/usr/bin/python3
"""The Hopf-Cole solver's acceptance figures (Hopf-Cole issue).

    python3 validation/check_hj.py MFBALANCE OUTDIR [--size full|tiny]

1. gamma = inf and gamma = 1e6, default model, 2000 cells, tau = 50: the final argmax of u
   equals x* to 1e-4 (printed with 1000 cells too);
2. gamma = inf: over tau in [0, 10] the argmax follows the early-behaviour flow (max gap
   below 1e-2) and max u stays 0 to 1e-8; against the flow integrated here by classical
   Runge-Kutta (step 1e-3), which measures the solver's time-integration error (the
   quadratic u is exact in space) without the error of `hj`'s own flow column (CVODE at
   rtol 1e-10, about 1.5e-9), the gap stays below 1e-8, and at tau = 50 below 1e-10;
3. the same two checks on validation/configs/asymmetric.ini;
4. gamma = 100 and 1000: the mean of the normalised e^{gamma u} at tau = 10 against the
   finite-volume mean at t = 10 / gamma, to 1e-3, on 1000 ... 8000 cells (gap and order).
`--size tiny` (the report's test) runs the default model only, at gamma = inf on 250 and 500
cells (checks on the finer one) and at gamma = 100 on 250 ... 1000 cells (checks on 1000), to
show that everything still runs; its bounds are the full size's, which the coarse grids may miss.
Exit 1 on a violation.
"""
import configparser
import csv
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import checks  # noqa: E402


check = checks.check


def run(exe, out, *args):
    subprocess.run([exe, *args, "--out", out, "--force", "--quiet"], check=True)


def summary(out):
    return list(csv.DictReader(open(os.path.join(out, "summary.csv"))))


def reference_flow(out, taus, dt=1e-3):
    """dx_p/dtau = -sum_q g_pq (x_p - v_q) S_q(x_q) from the initial means, by RK4, at taus."""
    ini = configparser.ConfigParser()
    ini.read(os.path.join(out, "config.ini"))
    pops = [ini[s] for s in ini.sections() if s.startswith("pop.")]
    v = [float(p["reversal"]) for p in pops]
    sig = [[float(t) for t in p["sigmoid"].split()] for p in pops]
    g = [[float(t) for t in p["g"].split()] for p in pops]
    x = [float(p["init"].split()[1]) for p in pops]

    def S(q, y):
        s, k, theta = sig[q]
        return 0.5 * s if k == 0.0 else s / (1.0 + math.exp(-k * (y - theta)))

    def F(x):
        act = [S(q, x[q]) for q in range(len(x))]
        return [-sum(g[p][q] * (x[p] - v[q]) * act[q] for q in range(len(x))) for p in range(len(x))]

    t, out_x = 0.0, []
    for T in taus:
        while t < T - 1e-12:
            h = min(dt, T - t)
            k1 = F(x)
            k2 = F([a + 0.5 * h * b for a, b in zip(x, k1)])
            k3 = F([a + 0.5 * h * b for a, b in zip(x, k2)])
            k4 = F([a + h * b for a, b in zip(x, k3)])
            x = [a + h / 6.0 * (b + 2.0 * c + 2.0 * d + e) for a, b, c, d, e in zip(x, k1, k2, k3, k4)]
            t += h
        out_x.append(list(x))
    return out_x


def main():
    exe, out = sys.argv[1:3]
    tiny = "--size" in sys.argv and sys.argv[sys.argv.index("--size") + 1] == "tiny"
    asym = os.path.join(HERE, "configs", "asymmetric.ini")
    grids = (250, 500) if tiny else (1000, 2000)
    for name, config in (("default", []),) + ((() if tiny else (("asymmetric", [asym]),))):
        for gamma in ("inf",) if tiny else ("inf", "1e6"):
            for cells in grids:
                d = os.path.join(out, f"{name}-{gamma}-{cells}")
                run(exe, d, "hj", *config, f"model.gamma={gamma}", f"grid.cells={cells}", "hj.tau_end=50",
                    "hj.output_dtau=0.5", "hj.snapshots=50")
                exact = reference_flow(d, [50.0])[0] if gamma == "inf" else None
                for p, r in enumerate(summary(d)):
                    dist = float(r["distance"])
                    what = f"hj {name}, gamma = {gamma}, {cells} cells, {r['population']}, tau = 50: |argmax u - x*|"
                    measured = (f"{dist:.2e} (argmax {float(r['argmax']):.12f}, x* {float(r['x_star']):.12f}, "
                                f"{r['steps']} steps)")
                    if cells == grids[-1]:
                        check(what, measured, "< 1e-4", dist < 1e-4)
                    else:
                        checks.note(f"{what}: {measured}")
                    if exact:
                        err = abs(float(r["argmax"]) - exact[p])
                        check(f"hj {name}, gamma = inf, {cells} cells, {r['population']}: |argmax u - RK4 flow| at "
                              "tau = 50", f"{err:.2e}", "< 1e-10", err < 1e-10)
        for cells in grids if tiny else (1000, 2000, 4000):
            d = os.path.join(out, f"{name}-flow-{cells}")
            run(exe, d, "hj", *config, "model.gamma=inf", f"grid.cells={cells}", "hj.tau_end=10", "hj.snapshots=10")
            rows = list(csv.DictReader(open(os.path.join(d, "hj.csv"))))
            exact = reference_flow(d, [float(r["tau"]) for r in rows])
            for p, pop in enumerate([k[4:] for k in rows[0] if k.startswith("gap_")]):
                gap = max(float(r["gap_" + pop]) for r in rows)
                umax = max(abs(float(r["max_u_" + pop])) for r in rows)
                err = max(abs(float(r["argmax_" + pop]) - x[p]) for r, x in zip(rows, exact))
                own = max(abs(float(r["flow_" + pop]) - x[p]) for r, x in zip(rows, exact))
                check(f"hj {name}, gamma = inf, {cells} cells, {pop}, tau in [0, 10]: max gap of argmax u to the "
                      "flow; to the RK4 flow (the flow column's own error); max |max u|",
                      f"{gap:.2e}; {err:.2e} ({own:.2e}); {umax:.2e}", "< 1e-2; < 1e-8; < 1e-8",
                      gap < 1e-2 and umax < 1e-8 and err < 1e-8)
    fv_grids = (250, 500, 1000) if tiny else (1000, 2000, 4000, 8000)
    for gamma in (100,) if tiny else (100, 1000):
        prev = None
        for cells in fv_grids:
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
            what = f"hj against FV, gamma = {gamma}, {cells} cells, E, tau = 10: |mean of e^(gamma u) - FV mean|"
            measured = f"{gap:.2e}{order} ({hj_mean:.10f} against {fv_mean:.10f})"
            if cells >= 2000 or cells == fv_grids[-1]:
                check(what, measured, "< 1e-3", gap < 1e-3)
            else:
                checks.note(f"{what}: {measured}")
            prev = gap
    checks.finish()


if __name__ == "__main__":
    main()
