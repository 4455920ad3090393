#!/usr/bin/python3
"""results.h5 against the CSV files of the same run (output.format = hdf5).

    python3 tests/check_hdf5.py MFBALANCE TMPDIR

Runs `mfbalance run` and `mfbalance particles` (small) once with CSV output
and once with HDF5 output, opens results.h5 with h5py and requires the same
numbers: the observables exactly (CSV prints 17 digits), the snapshots' cells
and densities to the CSV's printed precision (12-15 digits), the snapshot
times, and the configuration attribute equal to config.ini; for a
FitzHugh-Nagumo run (fhn_s4.ini) also the w-marginals and rho(v, w) against
marginals.csv and density2d.csv.  Exit 1 on a
difference, 77 (skipped) without h5py.
"""
import csv
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py not available: skipped")
    sys.exit(77)


def compare(exe, tmp, job, extra, label=None):
    label = label or job
    a, b = os.path.join(tmp, label + "-csv"), os.path.join(tmp, label + "-h5")
    for out, fmt in ((a, "csv"), (b, "hdf5")):
        subprocess.run([exe, job, *extra, f"output.format={fmt}", "--out", out, "--force", "--quiet"], check=True)
    bad = 0
    with h5py.File(os.path.join(b, "results.h5"), "r") as f:
        config = open(os.path.join(b, "config.ini")).read()
        bad += f.attrs["config"] != config
        rows = list(csv.DictReader(open(os.path.join(a, "observables.csv"))))
        bad += not np.array_equal(f["observables/t"][:], [float(r["t"]) for r in rows])
        pops = [k for k in f["observables"] if k != "t"]
        for p in pops:
            for q in ("mass", "mean", "sd", "mode", "m", "A", "V"):
                x = f[f"observables/{p}/{q}"][:]
                y = np.array([float(r[f"{q}_{p}"]) for r in rows])
                bad += not np.array_equal(np.nan_to_num(x, nan=1e300), np.nan_to_num(y, nan=1e300))
        dens = {}
        for r in csv.DictReader(open(os.path.join(a, "density.csv"))):
            dens.setdefault((r["t"], r["population"]), []).append([float(r[c]) for c in ("x", "width", "rho")])
        times = sorted({k[0] for k in dens}, key=float)
        bad += len(times) != len(f["snapshots"])
        worst = 0.0
        for k, t in enumerate(times):
            g = f[f"snapshots/{k}"]
            bad += abs(g.attrs["t"] - float(t)) > 1e-11 * max(1.0, abs(float(t)))
            for p in pops:
                c = np.array(dens[(t, p)])
                for j, name in enumerate(("x", "width", "rho")):
                    d = np.abs(g[p][name][:] - c[:, j]) / np.maximum(np.abs(c[:, j]), 1e-300)
                    worst = max(worst, float(np.max(d[np.abs(c[:, j]) > 1e-290])) if np.any(np.abs(c[:, j]) > 1e-290) else 0.0)
        if os.path.exists(os.path.join(a, "density2d.csv")):  # FitzHugh-Nagumo: w-marginals and rho(v, w)
            two, marg = {}, {}
            for r in csv.DictReader(open(os.path.join(a, "density2d.csv"))):
                two.setdefault((r["t"], r["population"]), []).append([float(r[c]) for c in ("w", "rho")])
            for r in csv.DictReader(open(os.path.join(a, "marginals.csv"))):
                if r["variable"] == "w":
                    marg.setdefault((r["t"], r["population"]), []).append([float(r[c]) for c in ("x", "rho")])
            bad += sorted({k[0] for k in two}, key=float) != times
            for k, t in enumerate(times):
                for p in pops:
                    g, c, m = f[f"snapshots/{k}/{p}"], np.array(two[(t, p)]), np.array(marg[(t, p)])
                    for h5, ref in ((g["rho2d"][:].ravel(), c[:, 1]), (g["w"][:], m[:, 0]), (g["rho_w"][:], m[:, 1])):
                        big = np.abs(ref) > 1e-290
                        d = np.abs(h5 - ref)[big] / np.abs(ref)[big]
                        worst = max(worst, float(np.max(d)) if d.size else 0.0)
        bad += worst > 5e-11
    print(f"{label}: {'FAIL' if bad else 'ok'} (snapshots' largest relative difference {worst:.1e})")
    return bad


def main():
    exe, tmp = sys.argv[1:3]
    os.makedirs(tmp, exist_ok=True)
    bad = compare(exe, tmp, "run", ["time.t_end=0.5", "time.snapshots=0 0.05 0.5"])
    fhn = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "validation", "configs", "fhn_s4.ini")
    bad += compare(exe, tmp, "run", [fhn, "time.t_end=0.5", "time.snapshots=0 0.5", "grid.cells_v=24",
                                     "grid.cells_w=16"], "run-fhn")
    bad += compare(exe, tmp, "particles", ["particles.n=2000", "time.t_end=0.2", "time.snapshots=0 0.2"])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
