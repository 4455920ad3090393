#!/usr/bin/env python3
"""A plain SciPy solver of the mean-field equation: the yardstick of the
work-precision study (validation/work_precision.py).

    python3 validation/scipy_fv.py CONFIG.ini CELLS RTOL ATOL OUTDIR T1 T2 ...

What a user of NumPy/SciPy would write for the model of docs/model.md:
Scharfetter-Gummel finite volumes on the uniform grid [xmin, xmax] (the
same fluxes as mfbalance's fixed grid, on the exact potential difference),
zero flux at both walls, scipy.integrate.solve_ivp with BDF and the analytic
Jacobian of the frozen-activity stencil as a sparse tridiagonal matrix (the
nonlocal rank-P term is left out of the Newton matrix, as most users would).
CONFIG.ini is an effective configuration as `mfbalance config` prints it.
Writes OUTDIR/observables.csv (t and per population mean, sd) and
OUTDIR/density.csv (t, population, x, width, rho) at the times T1 T2 ...
"""
import configparser
import os
import sys

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp


def read_model(path):
    ini = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    ini.read(path)
    pops = [s for s in ini.sections() if s.startswith("pop.")]
    model = {"gamma": float(ini["model"]["gamma"]), "pops": []}
    for s in pops:
        sec = ini[s]
        sig = [float(v) for v in sec["sigmoid"].split()]
        init = sec["init"].split()
        model["pops"].append({
            "name": s[4:], "sigma": float(sec["sigma"]), "f": [float(v) for v in sec["f"].split()],
            "v": float(sec["reversal"]), "s": sig[0], "k": sig[1], "theta": sig[2],
            "g": [float(v) for v in sec["g"].split()], "init": init[0], "a": float(init[1]), "b": float(init[2]),
        })
    grid = (float(ini["grid"]["xmin"]), float(ini["grid"]["xmax"]))
    return model, grid


def bernoulli(z):
    """B(z) = z / (e^z - 1), with B(0) = 1."""
    small = np.abs(z) < 1e-8
    zz = np.where(small, 1.0, z)
    with np.errstate(over="ignore"):  # z / expm1(z) -> 0 for large z, the right limit
        return np.where(small, 1.0 - 0.5 * z, zz / np.expm1(zz))


class MeanField:
    def __init__(self, model, xmin, xmax, n):
        self.m, self.n, self.P = model, n, len(model["pops"])
        self.faces = np.linspace(xmin, xmax, n + 1)
        self.x = 0.5 * (self.faces[1:] + self.faces[:-1])
        self.h = (xmax - xmin) / n
        self.xm = 0.5 * (self.x[1:] + self.x[:-1])
        self.D = np.array([0.5 * p["sigma"] ** 2 for p in model["pops"]])
        F = lambda p, x: x * (p["f"][0] + x * (p["f"][1] / 2 + x * (p["f"][2] / 3 + x * p["f"][3] / 4)))
        self.dF = np.array([F(p, self.x[1:]) - F(p, self.x[:-1]) for p in model["pops"]])
        self.S = np.array([p["s"] / (1 + np.exp(-p["k"] * (self.x - p["theta"]))) if p["k"] != 0
                           else np.full(n, p["s"] / 2) for p in model["pops"]])
        self.G = np.array([p["g"] for p in model["pops"]])
        self.v = np.array([p["v"] for p in model["pops"]])

    def initial(self):
        from scipy.special import erf
        rho = []
        for p in self.m["pops"]:
            if p["init"] == "gaussian":
                c = 0.5 * (erf((self.faces - p["a"]) / (p["b"] * np.sqrt(2))))
                r = np.diff(c) / self.h
            else:
                r = np.clip(np.minimum(self.faces[1:], p["b"]) - np.maximum(self.faces[:-1], p["a"]), 0, None) / self.h
            rho.append(r / (r.sum() * self.h))
        return np.concatenate(rho)

    def weights(self, y):
        rho = y.reshape(self.P, self.n)
        mq = self.h * (self.S * rho).sum(axis=1)
        A, C = self.G @ mq, self.G @ (self.v * mq)
        delta = (self.dF - self.m["gamma"] * self.h * (A[:, None] * self.xm[None, :] - C[:, None])) / self.D[:, None]
        return rho, bernoulli(delta), bernoulli(-delta)

    def rhs(self, t, y):
        rho, bp, bm = self.weights(y)
        J = self.D[:, None] / self.h * (bm * rho[:, :-1] - bp * rho[:, 1:])
        J = np.pad(J, ((0, 0), (1, 1)))
        return (-(J[:, 1:] - J[:, :-1]) / self.h).ravel()

    def jac(self, t, y):
        _, bp, bm = self.weights(y)
        c = self.D[:, None] / self.h ** 2
        diag = np.zeros((self.P, self.n))
        diag[:, :-1] -= c * bm
        diag[:, 1:] -= c * bp
        upper = np.zeros((self.P, self.n))
        upper[:, :-1] = c * bp  # d/d rho_{i+1} of row i
        lower = np.zeros((self.P, self.n))
        lower[:, 1:] = c * bm   # d/d rho_{i-1} of row i
        N = self.P * self.n
        return sp.diags([lower.ravel()[1:], diag.ravel(), upper.ravel()[:-1]], [-1, 0, 1], shape=(N, N), format="csc")


def main():
    config, n, rtol, atol, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    times = [float(t) for t in sys.argv[6:]]
    model, (xmin, xmax) = read_model(config)
    mf = MeanField(model, xmin, xmax, n)
    sol = solve_ivp(mf.rhs, (0.0, times[-1]), mf.initial(), method="BDF", jac=mf.jac, rtol=rtol, atol=atol,
                    t_eval=times)
    if not sol.success:
        sys.exit("scipy_fv: " + sol.message)
    os.makedirs(out, exist_ok=True)
    names = [p["name"] for p in model["pops"]]
    with open(os.path.join(out, "observables.csv"), "w") as obs, open(os.path.join(out, "density.csv"), "w") as den:
        obs.write("t," + ",".join(f"mean_{p},sd_{p}" for p in names) + "\n")
        den.write("t,population,x,width,rho\n")
        for k, t in enumerate(sol.t):
            rho = sol.y[:, k].reshape(mf.P, n)
            row = [repr(t)]
            for p, name in enumerate(names):
                mass = mf.h * rho[p].sum()
                mean = mf.h * (mf.x * rho[p]).sum() / mass
                sd = np.sqrt(mf.h * ((mf.x - mean) ** 2 * rho[p]).sum() / mass)
                row += [repr(mean), repr(sd)]
                den.writelines(f"{t!r},{name},{x!r},{mf.h!r},{r!r}\n" for x, r in zip(mf.x, rho[p]))
            obs.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
