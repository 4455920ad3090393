#!/usr/bin/python3
"""The FitzHugh-Nagumo kinetic equation (`run` with neuron = fhn) on FHN.md section 4's S1 and S2.

    python3 validation/check_fhn_pde.py MFBALANCE OUTDIR [--quick]

1. S1 (validation/configs/fhn_s1.ini, gamma = 100, t = 20) on cells_v x cells_w = 40x20, 80x40,
   160x80, 320x160: v-bar, w-bar, s.d.(v), s.d.(w) at t = 5 and 20, their differences to the
   finest grid and the observed order (the means are carried by the frames' exact moment
   equations, so only the time error, <= 1e-4, is left in them); wall time and GMRES iterations per Newton iteration;
   mass drift.  Then, on 160x80, gamma = 100 and 1000: the oscillation suppressed (|v-bar - x*|
   small for t >= 1), gamma (v-bar - 1) against delta(t) = f(1, w-bar(t)) / (g S(1)) (FHN.md
   section 3, P = 1), and w-bar against the slow ODE w* + (w0 - w*) e^{-epsilon b t}.
2. S2 (validation/configs/fhn_s2.ini, electrical), I = 0 and I = 0.5, gamma = 100, 300, 1000:
   the largest |v-bar - c(t)| and |w-bar - w_c(t)| over t in [0, 40], (c, w_c) the FHN ODE
   integrated here by SciPy (rtol 1e-11) from the initial means: slope in gamma near -1.
Exit 1 on a violation.  The machine is shared: wall times are indicative only.
"""
import csv
import math
import os
import subprocess
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checks import check, finish, note  # noqa: E402

A, B, EPS = 0.7, 0.8, 0.08


def run(exe, out, config, overrides):
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    subprocess.run([exe, "run", os.path.join(HERE, "configs", config), *overrides, "--out", out, "--force",
                    "--quiet"], check=True)
    wall = time.time() - t0
    rows = list(csv.DictReader(open(os.path.join(out, "fhn.csv"))))
    series = {k: np.array([float(r[k]) for r in rows]) for k in rows[0] if k != "population"}
    summary = next(csv.DictReader(open(os.path.join(out, "summary.csv"))))
    return series, summary, wall


def at(series, key, t):
    return float(np.interp(t, series["t"], series[key]))


def s1_grids(exe, out, grids):
    keys = ["mean_v", "mean_w", "sd_v", "sd_w"]
    results = []
    note("S1, gamma = 100, t = 20, rtol 1e-6 (machine shared with other jobs):")
    note(f"{'grid':>9} {'t':>3} {'mean_v':>11} {'mean_w':>11} {'sd_v':>10} {'sd_w':>10}   wall s  GMRES/Newton  mass drift")
    for nv, nw in grids:
        s, summ, wall = run(exe, f"{out}/s1_{nv}x{nw}", "fhn_s1.ini", [f"grid.cells_v={nv}", f"grid.cells_w={nw}"])
        per = float(summ["krylov_iters"]) / float(summ["newton_iters"])
        drift = float(np.max(np.abs(s["mass"] - 1.0)))
        vals = {t: [at(s, k, t) for k in keys] for t in (5.0, 20.0)}
        for t in (5.0, 20.0):
            v = vals[t]
            note(f"{nv:>4}x{nw:<4} {t:>3g} {v[0]:11.7f} {v[1]:11.7f} {v[2]:10.7f} {v[3]:10.7f}   "
                 f"{wall:6.2f}  {per:12.2f}  {drift:.1e}")
        results.append((nv, nw, vals, per, drift, wall))
        check(f"S1 {nv}x{nw}: mass drift", f"{drift:.2e}", "<= 1e-12", drift <= 1e-12)
    finest = results[-1][2]
    for t in (5.0, 20.0):
        for k, key in enumerate(keys):
            d = [abs(r[2][t][k] - finest[t][k]) for r in results[:-1]]
            orders = [math.log2(d[i] / d[i + 1]) if d[i + 1] > 0 else float("nan") for i in range(len(d) - 1)]
            note(f"t = {t:g} {key}: |coarse - {grids[-1][0]}x{grids[-1][1]}| = " + ", ".join(f"{x:.2e}" for x in d)
                 + "; observed orders " + ", ".join(f"{o:.2f}" for o in orders))
            if key.startswith("mean"):
                # The frames carry the means by their exact moment equations: what is left is the time error.
                check(f"S1 t = {t:g} {key}: grid-independent", ", ".join(f"{x:.2e}" for x in d),
                      "all <= 1e-4 (rtol 1e-6)", max(d) <= 1e-4)
            else:
                check(f"S1 t = {t:g} {key}: differences to the finest grid fall", ", ".join(f"{x:.2e}" for x in d),
                      "decreasing", all(d[i + 1] < d[i] for i in range(len(d) - 1)))
    return results


def s1_limit(exe, out, grid):
    nv, nw = grid
    S1 = 1.0 / (1.0 + math.exp(-0.2 * (1.0 - 2.0)))  # S(x* = 1)
    wstar = (1.0 + A) / B
    for gamma in (100.0, 1000.0):
        s, _, _ = run(exe, f"{out}/s1_gamma{gamma:g}", "fhn_s1.ini",
                      [f"model.gamma={gamma:g}", f"grid.cells_v={nv}", f"grid.cells_w={nw}"])
        late = s["t"] >= 1.0
        dev = float(np.max(np.abs(s["mean_v"][late] - 1.0)))
        check(f"S1 gamma = {gamma:g}: oscillation suppressed, max |v-bar - 1| over t in [1, 20]", f"{dev:.4f}",
              "< 2/gamma", dev < 2.0 / gamma)
        for t in (5.0, 20.0):
            wbar = at(s, "mean_w", t)
            delta = (0.4 + 1.0 - 1.0 / 3.0 - wbar) / S1
            measured = gamma * (at(s, "mean_v", t) - 1.0)
            wslow = wstar + (0.5 - wstar) * math.exp(-EPS * B * t)
            note(f"gamma = {gamma:g}, t = {t:g}: gamma (v-bar - 1) = {measured:.4f}, delta(t) = {delta:.4f}; "
                 f"w-bar = {wbar:.6f}, slow ODE {wslow:.6f}, gamma (w-bar - w_slow) = {gamma * (wbar - wslow):.4f}")
            check(f"S1 gamma = {gamma:g}, t = {t:g}: gamma (v-bar - 1) against delta(t)", f"{measured:.4f}",
                  f"{delta:.4f} within 5% + 0.01", abs(measured - delta) <= 0.05 * abs(delta) + 0.01)


def fhn_ode(I, v0, w0, t):
    def rhs(_, y):
        return [y[0] - y[0] ** 3 / 3.0 - y[1] + I, EPS * (y[0] + A - B * y[1])]
    sol = solve_ivp(rhs, (0.0, t[-1]), [v0, w0], t_eval=t, rtol=1e-11, atol=1e-12, method="DOP853")
    return sol.y


def s2(exe, out, gammas):
    for I in (0.0, 0.5):
        errs_v, errs_w = [], []
        for gamma in gammas:
            s, summ, wall = run(exe, f"{out}/s2_I{I:g}_gamma{gamma:g}", "fhn_s2.ini",
                                [f"pop.E.current={I:g}", f"model.gamma={gamma:g}"])
            c, wc = fhn_ode(I, -1.5, -0.5, s["t"])
            ev, ew = float(np.max(np.abs(s["mean_v"] - c))), float(np.max(np.abs(s["mean_w"] - wc)))
            per = float(summ["krylov_iters"]) / float(summ["newton_iters"])
            note(f"S2 I = {I:g}, gamma = {gamma:g}: max |v-bar - c| = {ev:.3e}, max |w-bar - w_c| = {ew:.3e}, "
                 f"v-bar(40) = {s['mean_v'][-1]:.6f} (ODE {c[-1]:.6f}), s.d.(v)(40) = {s['sd_v'][-1]:.5f} "
                 f"(sigma/sqrt(2(gamma - 1 + v^2)) = {0.5 / math.sqrt(2 * (gamma - 1 + s['mean_v'][-1] ** 2)):.5f}), "
                 f"GMRES/Newton {per:.2f}, {wall:.1f} s")
            errs_v.append(ev), errs_w.append(ew)
        lg = np.log(gammas)
        sv = float(np.polyfit(lg, np.log(errs_v), 1)[0])
        sw = float(np.polyfit(lg, np.log(errs_w), 1)[0])
        check(f"S2 I = {I:g}: slope of max |v-bar - FHN ODE| in gamma", f"{sv:+.3f}", "in [-1.2, -0.8]",
              -1.2 <= sv <= -0.8)
        check(f"S2 I = {I:g}: slope of max |w-bar - FHN ODE| in gamma", f"{sw:+.3f}", "in [-1.2, -0.8]",
              -1.2 <= sw <= -0.8)


def main():
    exe, out = sys.argv[1:3]
    quick = "--quick" in sys.argv
    grids = [(40, 20), (80, 40), (160, 80)] if quick else [(40, 20), (80, 40), (160, 80), (320, 160)]
    s1_grids(exe, out, grids)
    s1_limit(exe, out, (160, 80))
    s2(exe, out, [100.0, 300.0, 1000.0])
    finish()


if __name__ == "__main__":
    main()
