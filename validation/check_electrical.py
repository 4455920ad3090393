#!/usr/bin/python3
"""Electrical coupling alone (electrical-coupling issue acceptance).

    python3 validation/check_electrical.py MFBALANCE OUTDIR [--gamma 100,1000,10000]

validation/configs/electrical.ini: two populations with different f coupled
by gap junctions only.  For each gamma the PDE (moving frames) is run to
t = 5; then
1. the common value c = sum_p pi_p mean_p (pi = (1/2, 1/2): the Laplacian is
   symmetric) follows the weighted-mean dynamics of ../shared/FHN.md section 3,
   dc/dt = sum_p pi_p f_p(c), integrated here by SciPy from c(0): the largest
   gap over t in [0.5, 5] falls like 1/gamma (slope in [-1.2, -0.8]);
2. the spread |mean_E - mean_I| at t >= 0.5 falls like 1/gamma as well.
Exit 1 on a violation.
"""
import csv
import math
import os
import subprocess
import sys

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checks import check, finish, note  # noqa: E402


def f_coeffs(ini_text):
    import configparser
    ini = configparser.ConfigParser()
    ini.read_string(ini_text)
    return [[float(c) for c in ini[s]["f"].split()] for s in ini.sections() if s.startswith("pop.")]


def main():
    exe, out = sys.argv[1:3]
    gammas = [float(g) for g in (sys.argv[sys.argv.index("--gamma") + 1] if "--gamma" in sys.argv
                                 else "100,1000,10000").split(",")]
    config = os.path.join(HERE, "configs", "electrical.ini")
    coeffs = f_coeffs(subprocess.run([exe, "config", config], check=True, capture_output=True, text=True).stdout)
    f = lambda c, k: k[0] + c * (k[1] + c * (k[2] + c * k[3]))
    gaps, spreads = [], []
    for g in gammas:
        d = os.path.join(out, f"gamma-{g:g}")
        subprocess.run([exe, "run", config, f"model.gamma={g}", "time.t_end=5", "time.output_dt=0.05",
                        "time.snapshots=0 5", "time.rtol=1e-8", "time.atol=1e-10", "--out", d, "--force",
                        "--quiet"], check=True)
        rows = list(csv.DictReader(open(os.path.join(d, "observables.csv"))))
        t = np.array([float(r["t"]) for r in rows])
        c = np.array([0.5 * (float(r["mean_E"]) + float(r["mean_I"])) for r in rows])
        spread = np.array([abs(float(r["mean_E"]) - float(r["mean_I"])) for r in rows])
        ode = solve_ivp(lambda s, y: [0.5 * sum(f(y[0], k) for k in coeffs)], (0, t[-1]), [c[0]], t_eval=t,
                        rtol=1e-12, atol=1e-12)
        late = t >= 0.5
        gaps.append(float(np.max(np.abs(c[late] - ode.y[0][late]))))
        spreads.append(float(np.max(spread[late])))
        note(f"gamma = {g:g}: max |c - c_ODE| over t in [0.5, 5] = {gaps[-1]:.3e}, max spread of the means = "
             f"{spreads[-1]:.3e}, c(5) = {c[-1]:.9f} (ODE {ode.y[0][-1]:.9f})")
    lg = np.log(gammas)
    for name, values in (("max |c - c_ODE|", gaps), ("spread of the means", spreads)):
        slope = float(np.polyfit(lg, np.log(values), 1)[0])
        check(f"electrical coupling: {name} against gamma", f"slope {slope:+.4f}", "in [-1.2, -0.8]",
              -1.2 <= slope <= -0.8)
    finish()


if __name__ == "__main__":
    main()
