"""python3 -m mfbalance.plot draws every job's folder; validation/plot_*.py still work."""
import os
import subprocess
import sys

import pytest

import mfbalance
from mfbalance import plot

SHORT = {"time.t_end": 0.3, "time.snapshots": [0, 0.05, 0.3]}
JOBS = {
    "run": (SHORT, {}, ["run_density.png", "run_heatmap.png", "run_observables.png"]),
    "particles": ({**SHORT, "particles.n": 5000}, {}, ["particles.png"]),
    "sweep": ({"sweep.gammas": [100, 300, 1000]}, {}, ["sweep.png"]),
    "hj": ({"hj.tau_end": 1, "hj.snapshots": [0, 1], "grid.cells": 400}, {}, ["hj_u.png", "hj_argmax.png"]),
    "flow": ({"hj.tau_end": 2}, {}, ["flow.png"]),
    "compare": ({**SHORT, "compare.n": [500, 2000], "compare.replicas": 2}, {}, ["compare.png"]),
    "doublelimit": ({"time.t_end": 0.2, "compare.n": [500, 1000], "sweep.gammas": [100, 300]}, {},
                    ["doublelimit.png"]),
    "converge": ({"time.t_end": 0.1, "time.snapshots": [0.1]}, {"cells": [50, 100, 200], "rtols": [1e-5, 1e-6]},
                 ["converge.png"]),
}


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 10000


@pytest.mark.parametrize("name", sorted(JOBS))
def test_plot_of_every_job(name, tmp_path):
    settings, extra, pngs = JOBS[name]
    out = str(tmp_path / name)
    mfbalance.job(name, mfbalance.Config(**settings), out, **extra)
    assert plot.detect(out) == [name]
    written = plot.plot(out)
    assert [os.path.basename(p) for p in written] == pngs
    assert all(is_png(p) for p in written)


def test_plot_of_balance(cli, tmp_path, source_root):
    rc, _, err = cli("balance", os.path.join(source_root, "validation", "configs", "asymmetric.ini"), "--out", "b",
                     "--quiet")
    assert rc == 0, err
    written = plot.plot(str(tmp_path / "b"))
    assert [os.path.basename(p) for p in written] == ["balance.png"] and is_png(written[0])


def test_plot_of_fhn_run(cli, tmp_path, source_root):
    """A FitzHugh-Nagumo run: its (v, w) figures, then the v-marginal's run figures."""
    rc, _, err = cli("run", os.path.join(source_root, "validation", "configs", "fhn_linear.ini"), "time.t_end=0.5",
                     "time.snapshots=0 0.5", "grid.cells_v=24", "grid.cells_w=16", "--out", "f", "--quiet")
    assert rc == 0, err
    out = str(tmp_path / "f")
    assert plot.detect(out) == ["fhn", "run"]
    written = plot.plot(out)
    assert [os.path.basename(p) for p in written] == ["fhn_marginals.png", "fhn_density.png", "fhn_means.png",
                                                      "run_density.png", "run_heatmap.png", "run_observables.png"]
    assert all(is_png(p) for p in written)


def test_plot_of_fhn_compare(cli, tmp_path, source_root):
    """compare with FitzHugh-Nagumo neurons: fhn_compare.png in place of compare.png."""
    rc, _, err = cli("compare", os.path.join(source_root, "validation", "configs", "fhn_linear.ini"), "--n", "500,2000",
                     "compare.replicas=2", "time.t_end=0.5", "time.snapshots=0 0.5", "grid.cells_v=24",
                     "grid.cells_w=16", "particles.dt=0.01", "--out", "c", "--quiet")
    assert rc == 0, err
    out = str(tmp_path / "c")
    assert plot.detect(out) == ["compare"]
    written = plot.plot(out)
    assert [os.path.basename(p) for p in written] == ["fhn_compare.png"] and is_png(written[0])


def test_command_line(tmp_path):
    out = str(tmp_path / "run")
    mfbalance.job("run", mfbalance.Config(**SHORT), out)
    p = subprocess.run([sys.executable, "-m", "mfbalance.plot", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("wrote ") == 3 and is_png(os.path.join(out, "run_heatmap.png"))
    p = subprocess.run([sys.executable, "-m", "mfbalance.plot", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 1 and "no job's files" in p.stderr


@pytest.mark.parametrize("name", ["sweep", "converge", "doublelimit"])
def test_validation_scripts_are_thin_calls(name, tmp_path, source_root):
    settings, extra, pngs = JOBS[name]
    out = str(tmp_path / name)
    mfbalance.job(name, mfbalance.Config(**settings), out, **extra)
    script = os.path.join(source_root, "validation", f"plot_{name}.py")
    # As a program, from elsewhere and without PYTHONPATH: the script finds python/mfbalance itself.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([sys.executable, script, out], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert is_png(os.path.join(out, pngs[0]))
    # As check_sweep.py and check_converge.py use them: imported, then main(folder).
    os.remove(os.path.join(out, pngs[0]))
    code = f"import sys; sys.path.insert(0, {os.path.dirname(script)!r}); import plot_{name}; plot_{name}.main({out!r})"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert is_png(os.path.join(out, pngs[0]))
