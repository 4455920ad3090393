#!/usr/bin/env python3
"""Work-precision study of the mean-field solvers: error against whole-process
wall time, at equal accuracy.

    python3 validation/work_precision.py [build/mfbalance] [--out DIR] [--quick]

Cases: the default model at gamma = 100 and 1000, and the asymmetric
two-population model (validation/configs/asymmetric.ini) at gamma = 100.
Solvers: mfbalance on moving frames (the default), mfbalance on the fixed
uniform grid (woodbury), and the plain SciPy solver validation/scipy_fv.py
(same fluxes, solve_ivp BDF).  Each point is one (cells, rtol) pair, atol =
rtol / 100; its wall time is the whole process, best of REPEAT runs.

Error = max over t in {0.01, 0.02, 0.05, 0.2, 1} and the populations of
|mean - ref|, |sd - ref| and the L1 distance of the densities.  The L1
distance is taken on the reference's cells: each solution's CDF at its own
faces (its cumulative cell masses) is interpolated monotonically (PCHIP) to
the reference's faces, and the masses of the reference's cells compared.
The reference is mfbalance on moving frames of 8000 cells at rtol 1e-12,
atol 1e-14; the study checks it against the exact Gaussian solution of the
linear case (validation/configs/linear.ini) and against 16000 fixed cells
on the default model.

Writes DIR/work_precision.csv, DIR/work_precision.md (the table, and the
speed-up over SciPy at errors 1e-3, 1e-4, 1e-5) and DIR/work_precision.png.
"""
import csv
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.interpolate import PchipInterpolator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, figure, note  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMES = [0.01, 0.02, 0.05, 0.2, 1.0]
COMMON = ["time.t_end=1", "time.snapshots=" + " ".join(map(str, TIMES))]
CASES = [
    ("default, gamma = 100", None, ["model.gamma=100"]),
    ("default, gamma = 1000", None, ["model.gamma=1000"]),
    ("asymmetric, gamma = 100", os.path.join(HERE, "configs", "asymmetric.ini"), ["model.gamma=100"]),
]
MOVING = [(50, 1e-4), (100, 1e-5), (200, 1e-6), (400, 1e-7), (800, 1e-8), (1600, 1e-9), (3200, 1e-10)]
FIXED = [(1000, 1e-5), (2000, 1e-6), (4000, 1e-7), (8000, 1e-8)]
SCIPY = [(500, 1e-4), (1000, 1e-5), (2000, 1e-6), (4000, 1e-7), (8000, 1e-8)]
REF = ["grid.method=moving", "grid.moving_cells=8000", "time.rtol=1e-12", "time.atol=1e-14"]
REPEAT = 3


def load(out):
    obs = {}
    with open(os.path.join(out, "observables.csv")) as f:
        for r in csv.DictReader(f):
            obs[round(float(r["t"]), 12)] = r
    dens = {}
    with open(os.path.join(out, "density.csv")) as f:
        for r in csv.DictReader(f):
            dens.setdefault((round(float(r["t"]), 12), r["population"]), []).append(
                (float(r["x"]), float(r["width"]), float(r["rho"])))
    return obs, dens


def cdf(cells):
    a = np.array(cells)
    x, w, r = a[:, 0], a[:, 1], a[:, 2]
    return np.concatenate([[x[0] - w[0] / 2], x + w / 2]), np.concatenate([[0.0], np.cumsum(w * r)])


def l1_distance(cells, ref_cells):
    fr, Fr = cdf(ref_cells)
    fc, Fc = cdf(cells)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # flat tails: PCHIP sets slope 0
        G = PchipInterpolator(fc, Fc)(np.clip(fr, fc[0], fc[-1]))
    G[fr <= fc[0]], G[fr >= fc[-1]] = 0.0, Fc[-1]
    # The reference's mass outside its own cells is below 1e-20: nothing to add.
    return float(np.abs(np.diff(G) - np.diff(Fr)).sum() + G[0] + (Fc[-1] - G[-1]))


def errors(sol, ref, pops):
    (obs, dens), (robs, rdens) = sol, ref
    em = es = el = 0.0
    for t in TIMES:
        for p in pops:
            em = max(em, abs(float(obs[t]["mean_" + p]) - float(robs[t]["mean_" + p])))
            es = max(es, abs(float(obs[t]["sd_" + p]) - float(robs[t]["sd_" + p])))
            el = max(el, l1_distance(dens[(t, p)], rdens[(t, p)]))
    return em, es, el


def timed(cmd, repeat):
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def mfbalance_cmd(exe, config, overrides, out):
    return [exe, "run", *([config] if config else []), *COMMON, *overrides, "--out", out, "--force", "--quiet"]


def populations(exe, config):
    text = subprocess.run([exe, "config", *([config] if config else [])], check=True, capture_output=True,
                          text=True).stdout
    return [line[5:-1] for line in text.splitlines() if line.startswith("[pop.")]


def check_reference(exe, tmp):
    """The reference settings against the exact Gaussian (linear case) and 16000 fixed cells (default)."""
    lines = []
    linear = os.path.join(HERE, "configs", "linear.ini")
    out = os.path.join(tmp, "ref-linear")
    subprocess.run(mfbalance_cmd(exe, linear, REF, out), check=True)
    obs, _ = load(out)
    text = subprocess.run([exe, "config", linear], check=True, capture_output=True, text=True).stdout
    worst = 0.0
    for t in TIMES:
        for p, (mean, sd) in exact_linear(text, t).items():
            worst = max(worst, abs(float(obs[t]["mean_" + p]) - mean), abs(float(obs[t]["sd_" + p]) - sd))
    lines.append(f"reference settings on the linear case: max |mean, sd - exact Gaussian| = {worst:.2e}")
    out_ref = os.path.join(tmp, "ref-default")
    subprocess.run(mfbalance_cmd(exe, None, REF, out_ref), check=True)
    out_fix = os.path.join(tmp, "fixed16000")
    subprocess.run(mfbalance_cmd(exe, None, ["grid.method=fixed", "grid.cells=16000", "time.rtol=1e-10",
                                             "time.atol=1e-12"], out_fix), check=True)
    em, es, el = errors(load(out_fix), load(out_ref), ["E", "I"])
    lines.append(f"default model, gamma = 100: 16000 fixed cells (rtol 1e-10) against the reference: "
                 f"mean {em:.2e}, sd {es:.2e}, L1 {el:.2e}")
    return lines


def exact_linear(ini_text, t):
    """MODEL.md section 5 for the effective linear configuration in ini_text."""
    import configparser
    ini = configparser.ConfigParser()
    ini.read_string(ini_text)
    gamma = float(ini["model"]["gamma"])
    pops = [s for s in ini.sections() if s.startswith("pop.")]
    m = [float(ini[s]["sigmoid"].split()[0]) / 2 for s in pops]
    v = [float(ini[s]["reversal"]) for s in pops]
    result = {}
    for s in pops:
        f = [float(c) for c in ini[s]["f"].split()]
        g = [float(c) for c in ini[s]["g"].split()]
        A = sum(gq * mq for gq, mq in zip(g, m))
        C = sum(gq * vq * mq for gq, vq, mq in zip(g, v, m))
        lam = -f[1]
        kappa = lam + gamma * A
        minf = (f[0] + gamma * C) / kappa
        vinf = float(ini[s]["sigma"]) ** 2 / (2 * kappa)
        _, a, b = ini[s]["init"].split()
        mean = minf + (float(a) - minf) * math.exp(-kappa * t)
        var = vinf + (float(b) ** 2 - vinf) * math.exp(-2 * kappa * t)
        result[s[4:]] = (mean, math.sqrt(var))
    return result


def speedups(rows, case):
    """Wall time of each solver at errors 1e-3, 1e-4, 1e-5, by log-log interpolation along its points."""
    out = {}
    for solver in ("moving", "fixed", "scipy"):
        pts = sorted((r["error"], r["wall"]) for r in rows if r["case"] == case and r["solver"] == solver)
        for level in (1e-3, 1e-4, 1e-5):
            t = None
            for (e1, w1), (e0, w0) in zip(pts, pts[1:]):  # e1 < e0: a finer point and a coarser one
                if e1 <= level <= e0:
                    s = (math.log(level) - math.log(e0)) / (math.log(e1) - math.log(e0))
                    t = math.exp(math.log(w0) + s * (math.log(w1) - math.log(w0)))
                    break
            if t is None and pts and pts[-1][0] <= level:  # every point is better: the cheapest that reaches it
                t = min(w for e, w in pts if e <= level)
            out[(solver, level)] = t
    return out


def main():
    args = sys.argv[1:]
    exe = os.path.abspath(args[0]) if args and not args[0].startswith("--") else os.path.join(ROOT, "build",
                                                                                               "mfbalance")
    outdir = args[args.index("--out") + 1] if "--out" in args else os.path.join(HERE, "results")
    quick = "--quick" in args
    global MOVING, FIXED, SCIPY, REPEAT
    if quick:
        MOVING, FIXED, SCIPY, REPEAT = MOVING[1:3], FIXED[:1], SCIPY[:1], 1
    os.makedirs(outdir, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_lines = [] if quick else check_reference(exe, tmp)
        for line in ref_lines:
            print(line, flush=True)
        for case, config, overrides in CASES[:1] if quick else CASES:
            pops = populations(exe, config)
            ref_out = os.path.join(tmp, "ref")
            subprocess.run(mfbalance_cmd(exe, config, overrides + REF, ref_out), check=True)
            ref = load(ref_out)
            eff = os.path.join(tmp, "effective.ini")
            with open(eff, "w") as f:
                f.write(subprocess.run([exe, "config", *([config] if config else []), *overrides], check=True,
                                       capture_output=True, text=True).stdout)
            points = [("moving", n, rt, ["grid.method=moving", f"grid.moving_cells={n}"]) for n, rt in MOVING]
            points += [("fixed", n, rt, ["grid.method=fixed", f"grid.cells={n}"]) for n, rt in FIXED]
            points += [("scipy", n, rt, None) for n, rt in SCIPY]
            for solver, n, rtol, extra in points:
                out = os.path.join(tmp, f"{solver}-{n}")
                if extra is None:
                    cmd = [sys.executable, os.path.join(HERE, "scipy_fv.py"), eff, str(n), str(rtol),
                           str(rtol / 100), out, *map(str, TIMES)]
                else:
                    cmd = mfbalance_cmd(exe, config, overrides + extra + [f"time.rtol={rtol}",
                                                                           f"time.atol={rtol / 100}"], out)
                wall = timed(cmd, REPEAT if extra is not None or n <= 2000 else 1)
                em, es, el = errors(load(out), ref, pops)
                row = {"case": case, "solver": solver, "cells": n, "rtol": rtol, "wall": wall, "err_mean": em,
                       "err_sd": es, "err_l1": el, "error": max(em, es, el)}
                rows.append(row)
                print(f"{case:26s} {solver:7s} {n:6d} cells rtol {rtol:.0e}: mean {em:.2e} sd {es:.2e} "
                      f"L1 {el:.2e}  {wall:8.3f} s", flush=True)
    write(outdir, rows, ref_lines, exe)
    acceptance(rows, ref_lines, outdir)


def acceptance(rows, ref_lines, outdir):
    """The issue's targets: the default settings (moving frames, 200 cells, rtol 1e-6) within the error
    bounds and time budgets, and 20 times faster than SciPy at errors 1e-3 ... 1e-5."""
    for line in ref_lines:
        note(line)
    for case, budget in (("default, gamma = 100", 0.1), ("default, gamma = 1000", 0.2)):
        pts = [r for r in rows if r["case"] == case and r["solver"] == "moving" and r["cells"] == 200]
        for r in pts:
            check(f"work-precision, {case}: default settings (moving, 200 cells, rtol 1e-6), errors of mean, sd",
                  f"{r['err_mean']:.2e}, {r['err_sd']:.2e}", "<= 1e-4", max(r["err_mean"], r["err_sd"]) <= 1e-4)
            check(f"work-precision, {case}: default settings, L1 error of the densities", f"{r['err_l1']:.2e}",
                  "<= 2e-3", r["err_l1"] <= 2e-3)
            check(f"work-precision, {case}: default settings, whole-process wall time", f"{r['wall']:.3f} s",
                  f"<= {budget} s", r["wall"] <= budget)
    for case in dict.fromkeys(r["case"] for r in rows):
        s = speedups(rows, case)
        for level in (1e-3, 1e-4, 1e-5):
            mv, sc = s[("moving", level)], s[("scipy", level)]
            if mv is None:
                check(f"work-precision, {case}: moving frames reach error {level:.0e}", "no", "yes", False)
            elif sc is None:
                # SciPy's most accurate point does not reach the level: its time is a lower bound.
                pts = [r for r in rows if r["case"] == case and r["solver"] == "scipy"]
                best = min(pts, key=lambda r: r["error"])
                check(f"work-precision, {case}: SciPy time / moving-frame time at error {level:.0e} (SciPy's most "
                      f"accurate point, {best['cells']} cells, has error {best['error']:.1e}: a lower bound)",
                      f"> {best['wall'] / mv:.0f}", ">= 20", best["wall"] / mv >= 20)
            else:
                check(f"work-precision, {case}: SciPy time / moving-frame time at error {level:.0e}",
                      f"{sc / mv:.0f}", ">= 20", sc / mv >= 20)
    figure(os.path.join(outdir, "work_precision.png"), "error against whole-process wall time")


def write(outdir, rows, ref_lines, exe):
    keys = ["case", "solver", "cells", "rtol", "wall", "err_mean", "err_sd", "err_l1", "error"]
    with open(os.path.join(outdir, "work_precision.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    cases = list(dict.fromkeys(r["case"] for r in rows))
    with open(os.path.join(outdir, "work_precision.md"), "w") as f:
        f.write("# Work-precision study\n\n`python3 validation/work_precision.py` on "
                f"{platform.machine()} ({os.cpu_count()} cores), {platform.platform()}. Wall time: the whole "
                "process, best of 3 (SciPy runs over 10 s: once). Error: max over t in {0.01, 0.02, 0.05, 0.2, 1} "
                "of |mean - ref|, |sd - ref| and the L1 distance of the densities.\n\n")
        for line in ref_lines:
            f.write(f"- {line}\n")
        f.write("\n| case | solver | cells | rtol | mean error | sd error | L1 error | wall (s) |\n"
                "|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['case']} | {r['solver']} | {r['cells']} | {r['rtol']:.0e} | {r['err_mean']:.2e} | "
                    f"{r['err_sd']:.2e} | {r['err_l1']:.2e} | {r['wall']:.3f} |\n")
        f.write("\nWall time at equal error (log-log interpolation along each solver's points; - where a solver "
                "does not reach it):\n\n| case | error | moving (s) | fixed (s) | SciPy (s) | SciPy / moving |\n"
                "|---|---|---|---|---|---|\n")
        for case in cases:
            s = speedups(rows, case)
            for level in (1e-3, 1e-4, 1e-5):
                mv, fx, sc = s[("moving", level)], s[("fixed", level)], s[("scipy", level)]
                fmt = lambda v: "-" if v is None else f"{v:.3f}"
                ratio = "-" if mv is None or sc is None else f"{sc / mv:.0f}"
                f.write(f"| {case} | {level:.0e} | {fmt(mv)} | {fmt(fx)} | {fmt(sc)} | {ratio} |\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, len(cases), figsize=(5 * len(cases), 4.2), squeeze=False)
    style = {"moving": ("o-", "mfbalance, moving frames"), "fixed": ("s-", "mfbalance, fixed grid"),
             "scipy": ("^-", "SciPy FV + BDF")}
    for ax, case in zip(axes[0], cases):
        for solver, (marker, label) in style.items():
            pts = [(r["wall"], r["error"]) for r in rows if r["case"] == case and r["solver"] == solver]
            if pts:
                ax.loglog(*zip(*pts), marker, label=label)
        ax.set_title(case)
        ax.set_xlabel("whole-process wall time (s)")
        ax.set_ylabel("error (mean, sd, L1)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "work_precision.png"), dpi=120)


if __name__ == "__main__":
    main()
