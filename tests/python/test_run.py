"""The package's jobs give the program's numbers to the last bit.

Each CSV the program writes is parsed as floats and compared with the Python arrays
printed in the program's format (observables, hj.csv, sweep.csv, balance.csv carry 17
significant digits, so that is every bit; density.csv and u.csv carry the digits their
format gives).  Every number, every row.
"""
import os

import numpy as np
import pytest

import mfbalance


def fmt(v, spec):
    return float(format(float(v), spec))


def same(a, b):
    """Equal as floats, NaN equal to NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def check_series(r, folder):
    """observables.csv and density.csv of folder against r (RunResult or ParticlesResult)."""
    obs = mfbalance.read_csv(os.path.join(folder, "observables.csv"))
    assert same(obs["t"], r.t)
    for name in mfbalance.OBSERVABLES:
        for p, pop in enumerate(r.populations):
            assert same(obs[f"{name}_{pop}"], r.obs[name][:, p]), f"observables.csv: {name}_{pop}"
    d = mfbalance.read_csv(os.path.join(folder, "density.csv"))
    expected = {"t": [], "population": [], "x": [], "width": [], "rho": []}
    S, P, n = r.rho.shape
    for s in range(S):
        for p in range(P):
            expected["t"] += [fmt(r.snapshots[s], ".12g")] * n
            expected["population"] += [r.populations[p]] * n
            expected["x"] += [fmt(v, ".15g") for v in r.x[s, p]]
            expected["width"] += [fmt(v, ".12g") for v in r.width[s, p]]
            expected["rho"] += [fmt(v, ".12g") for v in r.rho[s, p]]
    assert len(d["t"]) == S * P * n
    assert list(d["population"]) == expected["population"]
    for col in ("t", "x", "width", "rho"):
        assert same(d[col], expected[col]), f"density.csv: {col}"


RUNS = {
    "default": [],
    "fixed grid, band solver": ["grid.method=fixed", "grid.cells=400", "solver.linear=band", "model.gamma=300",
                                "time.t_end=1", "time.snapshots=0 0.01 0.5 1"],
    "asymmetric": ["validation/configs/asymmetric.ini", "time.t_end=2"],
}


@pytest.mark.parametrize("case", sorted(RUNS))
def test_run_equals_the_program(case, cli, tmp_path, source_root):
    args = RUNS[case]
    path = os.path.join(source_root, args[0]) if args and not "=" in args[0] else None
    overrides = args[1:] if path else args
    rc, _, err = cli("run", *([path] if path else []), *overrides, "--out", "out", "--quiet")
    assert rc == 0, err
    r = mfbalance.run(mfbalance.Config(path, overrides))
    check_series(r, tmp_path / "out")
    summary = mfbalance.read_csv(tmp_path / "out" / "summary.csv")
    assert same(summary["balance_voltage"], r.xstar)
    assert same(summary["t_final"], [r.stats["t"]] * len(r.populations))
    assert list(summary["steps"]) == [r.stats["steps"]] * len(r.populations)
    assert list(summary["frame_outside_mass"]) == [fmt(r.frame_outside, ".3g")] * len(r.populations)
    assert list(summary["frame_edge_density"]) == [fmt(r.frame_edge, ".3g")] * len(r.populations)
    assert list(summary["discretisation"]) == [r.method] * len(r.populations)
    assert r.status == "ok"


def test_keyword_overrides_equal_string_overrides():
    a = mfbalance.run(mfbalance.Config(None, ["model.gamma=300", "time.t_end=0.5", "time.snapshots=0 0.5"]))
    b = mfbalance.run(**{"model.gamma": 300, "time.t_end": 0.5, "time.snapshots": [0, 0.5]})
    for name in mfbalance.OBSERVABLES:
        assert same(a.obs[name], b.obs[name])
    assert same(a.rho, b.rho)


def test_particles_equal_the_program(cli, tmp_path):
    over = ["particles.n=3000", "time.t_end=0.3", "time.snapshots=0 0.1 0.3", "particles.threads=2"]
    rc, _, err = cli("particles", *over, "particles.dump=true", "--out", "out", "--quiet")
    assert rc == 0, err
    q = mfbalance.particles(mfbalance.Config(None, over))
    check_series(q, tmp_path / "out")
    v = mfbalance.read_csv(tmp_path / "out" / "voltages.csv")
    for p, pop in enumerate(q.populations):
        assert same(v["x"][v["population"] == pop], q.voltages[p])
    assert sum(len(x) for x in q.voltages) == 3000


# The default model, and with gap junctions: mixed coupling (the means enter A V) and electrical
# coupling alone (x_star is then the consensus point reached from the argmaxes).
@pytest.mark.parametrize("config", [None, "mixed.ini", "electrical.ini"])
def test_hj_equals_the_program(cli, tmp_path, source_root, config):
    over = ["hj.tau_end=1", "hj.output_dtau=0.25", "hj.snapshots=0 0.5 1", "grid.cells=400"]
    path = os.path.join(source_root, "validation", "configs", config) if config else None
    rc, _, err = cli("hj", *([path] if path else []), *over, "--out", "out", "--quiet")
    assert rc == 0, err
    h = mfbalance.hj(mfbalance.Config(path, over))
    rows = mfbalance.read_csv(tmp_path / "out" / "hj.csv")
    assert same(rows["tau"], h.tau)
    for col in ("argmax", "max_u", "dist", "m", "A", "V", "mean", "flow", "gap"):
        for p, pop in enumerate(h.populations):
            assert same(rows[f"{col}_{pop}"], getattr(h, col)[:, p]), f"hj.csv: {col}_{pop}"
    u = mfbalance.read_csv(tmp_path / "out" / "u.csv")
    S, P, n = h.u.shape
    assert same(u["u"], h.u.reshape(-1))
    assert same(u["x"], [fmt(v, ".12g") for v in np.tile(h.x, S * P)])
    assert same(u["tau"], [fmt(v, ".12g") for v in np.repeat(h.snapshots, P * n)])


def test_hj_at_gamma_infinity(cli, tmp_path):
    over = ["model.gamma=inf", "hj.tau_end=0.5", "hj.output_dtau=0.25", "hj.snapshots=0 0.5", "grid.cells=400"]
    rc, _, err = cli("hj", *over, "--out", "out", "--quiet")
    assert rc == 0, err
    h = mfbalance.hj(None, **{"model.gamma": float("inf"), "hj.tau_end": 0.5, "hj.output_dtau": 0.25,
                              "hj.snapshots": [0, 0.5], "grid.cells": 400})
    rows = mfbalance.read_csv(tmp_path / "out" / "hj.csv")
    assert same(rows["argmax_E"], h.argmax[:, 0]) and np.all(np.isnan(h.mean))


def test_sweep_equals_the_program(cli, tmp_path):
    rc, _, err = cli("sweep", "--gamma", "100,300,1000", "--out", "out", "--quiet")
    assert rc == 0, err
    s = mfbalance.sweep(None, [100, 300, 1000])
    rows = mfbalance.read_csv(tmp_path / "out" / "sweep.csv")
    P = len(s.populations)
    assert same(rows["gamma"], np.repeat(s.gamma, P))
    for col, attr in (("x_star", "xstar"), ("A_star", "Astar"), ("mean", "mean"), ("mode", "mode"), ("sd", "sd"),
                      ("err_mean", "err_mean"), ("err_mode", "err_mode"), ("width_ratio", "width_ratio")):
        assert same(rows[col], getattr(s, attr).reshape(-1)), col
    assert same(rows["cells_per_sd"], [fmt(v, ".6g") for v in s.cells_per_sd.reshape(-1)])
    for col in ("collapse_time", "t_final", "stationary", "steps", "cells"):
        assert same(rows[col], np.repeat(getattr(s, "ncells" if col == "cells" else col), P)), col
    fits = mfbalance.read_csv(tmp_path / "out" / "sweep_fit.csv")
    assert len(fits["quantity"]) == len(s.fits)
    for q, pop, slope, const, n in zip(fits["quantity"], fits["population"], fits["slope"], fits["constant"],
                                       fits["points"]):
        f = s.fits[(q, pop)]
        assert (f.slope, f.constant, f.n) == (slope, const, n)
    assert -1.1 < s.fits[("sd", "E")].slope * 2 < -0.9


def test_balance_equals_the_program(cli, tmp_path, source_root):
    ini = os.path.join(source_root, "validation", "configs", "asymmetric.ini")
    rc, _, err = cli("balance", ini, "--out", "out", "--quiet")
    assert rc == 0, err
    points = mfbalance.balance(ini)
    rows = mfbalance.read_csv(tmp_path / "out" / "balance.csv")
    assert len(points) == len(rows["root"]) == 3
    for k, pt in enumerate(points):
        assert pt.stability == rows["stability"][k] and pt.method == rows["method"][k]
        assert fmt(pt.residual, ".3e") == rows["residual"][k]
        for p, pop in enumerate(("E", "I")):
            assert pt.x[p] == rows[f"x_{pop}"][k] and pt.A[p] == rows[f"A_{pop}"][k]
            assert pt.eigenvalues[p] == complex(rows[f"eig_re_{p + 1}"][k], rows[f"eig_im_{p + 1}"][k])
    assert [pt.stability for pt in points] == ["attracting", "attracting", "repelling"]


def test_flow_equals_the_program(cli, tmp_path):
    rc, _, err = cli("flow", "hj.tau_end=2", "--out", "out", "--quiet")
    assert rc == 0, err
    tau, x = mfbalance.flow(None, **{"hj.tau_end": 2})
    rows = mfbalance.read_csv(tmp_path / "out" / "flow.csv")
    assert same(rows["tau"], tau) and same(rows["x_E"], x[:, 0]) and same(rows["x_I"], x[:, 1])


def test_converge_reads_back_the_job():
    c = mfbalance.converge(None, cells=[50, 100, 200], rtols=[1e-5, 1e-6],
                           **{"time.t_end": 0.2, "time.snapshots": [0.05, 0.2]})
    assert set(c.rows["kind"]) == {"space", "time"}
    assert c.order[("space", "l1")] > 1.5


def test_job_writes_what_the_program_writes(cli, tmp_path):
    rc, _, err = cli("run", "model.gamma=300", "time.t_end=0.5", "--out", "a", "--quiet")
    assert rc == 0, err
    out, log = mfbalance.job("run", mfbalance.Config(None, ["model.gamma=300", "time.t_end=0.5"]), tmp_path / "b",
                             log=True)
    assert "results in" in log
    for name in ("observables.csv", "density.csv", "config.ini"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_wasserstein1_of_the_network_against_the_pde():
    r = mfbalance.run(**{"time.t_end": 1})
    q = mfbalance.particles(**{"time.t_end": 1, "particles.n": 20000})
    w = [mfbalance.wasserstein1(r.faces[-1, p], r.rho[-1, p], q.voltages[p]) for p in range(2)]
    assert all(0 < v < 0.02 for v in w), w
