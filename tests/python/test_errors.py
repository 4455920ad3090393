"""Failures raise the exception of their exit class with the program's message.

For each case the program is run (`mfbalance run ...` in a fresh directory) and the
package is called with the same input: the exception's class matches the exit code
(2 InputError, 3 NumericalError, 4 FileError) and "mfbalance: " + str(e) is the
program's stderr line.
"""
import os

import pytest

import mfbalance

CLASSES = {2: mfbalance.InputError, 3: mfbalance.NumericalError, 4: mfbalance.FileError}


def message(stderr):
    lines = [s for s in stderr.splitlines() if s.startswith("mfbalance: ") and "warning" not in s]
    assert lines, stderr
    return lines[-1][len("mfbalance: "):]


def expect_same(cli, job_args, call):
    rc, _, err = cli(*job_args, "--out", "out", "--quiet")
    assert rc in CLASSES, (rc, err)
    with pytest.raises(CLASSES[rc]) as info:
        call()
    e = info.value
    assert str(e) == message(err)
    assert e.exit_code == rc and isinstance(e, mfbalance.Error)
    return e


OVERRIDES = {
    "negative sigma": ["pop.E.sigma=-1"],
    "unknown key": ["model.gama=100"],
    "not a number": ["model.gamma=lots"],
    "unknown section": ["nosuch.key=1"],
    "wrong count": ["pop.I.g=1"],
    "snapshots after t_end": ["time.t_end=1", "time.snapshots=0 2"],
    "negative gamma in a list": ["sweep.gammas=100,-300"],
    "mass outside the box": ["pop.E.init=gaussian 1e6 0.1"],
}


@pytest.mark.parametrize("case", sorted(OVERRIDES))
def test_bad_override(case, cli):
    over = OVERRIDES[case]
    expect_same(cli, ["run", *over], lambda: mfbalance.Config(None, over))


def test_bad_keyword_override(cli):
    e = expect_same(cli, ["run", "model.gamma=-5"], lambda: mfbalance.Config(**{"model.gamma": -5}))
    assert isinstance(e, ValueError)


def test_bad_file_line(cli, tmp_path, monkeypatch):
    (tmp_path / "bad.ini").write_text("[model]\ngamma = 100\n\n[time]\nt_end = -1\n")
    monkeypatch.chdir(tmp_path)  # the message names the path as given
    e = expect_same(cli, ["run", "bad.ini"], lambda: mfbalance.Config("bad.ini"))
    assert str(e).startswith("bad.ini:5: ")


def test_missing_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the message names the path as given
    expect_same(cli, ["run", "nosuch.ini"], lambda: mfbalance.Config("nosuch.ini"))


def test_directory_as_configuration_is_an_input_error(cli, tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    monkeypatch.chdir(tmp_path)
    e = expect_same(cli, ["run", "d"], lambda: mfbalance.Config("d"))
    assert isinstance(e, mfbalance.InputError) and e.exit_code == 2 and "is a directory" in str(e)


def test_missing_grid_file(cli):
    over = ["grid.method=fixed", "grid.file=/nonexistent/grid.txt"]
    expect_same(cli, ["run", *over], lambda: mfbalance.run(mfbalance.Config(None, over)))


def test_integration_failure_keeps_what_was_computed(cli, tmp_path):
    over = ["solver.max_steps=5"]
    e = expect_same(cli, ["run", *over], lambda: mfbalance.run(mfbalance.Config(None, over)))
    r = e.result
    assert r.status == "failed"
    obs = mfbalance.read_csv(tmp_path / "out" / "observables.csv")
    assert list(obs["t"]) == list(r.t) and list(obs["mean_E"]) == list(r.mean[:, 0])
    assert len(r.snapshots) == 2  # t = 0 and the failure time


def test_diverging_network(cli):
    over = ["particles.scheme=euler", "model.gamma=10000", "particles.dt=0.01", "particles.n=1000"]
    e = expect_same(cli, ["particles", *over], lambda: mfbalance.particles(mfbalance.Config(None, over)))
    assert e.result.status == "failed"


def test_non_empty_output_directory(cli, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli("run", "--out", "out", "--quiet")
    with pytest.raises(mfbalance.InputError) as info:
        mfbalance.job("run", None, "out")
    assert rc == 2 and str(info.value) == message(err)


def test_no_balance_point_in_the_sweep(cli):
    # The box holds no balance point: the sweep job fails numerically, with the message.
    over = ["grid.xmin=1", "grid.xmax=4", "pop.E.init=gaussian 2 0.3", "pop.I.init=gaussian 2 0.3"]
    rc, _, err = cli("sweep", *over, "--gamma", "100,300", "--out", "out", "--quiet")
    with pytest.raises(CLASSES[rc]) as info:
        mfbalance.sweep(mfbalance.Config(None, over), [100, 300])
    assert str(info.value) == message(err)
    assert len(info.value.result.gamma) == 0


def test_unknown_job():
    with pytest.raises(ValueError):
        mfbalance.job("nosuch", None, "out")
