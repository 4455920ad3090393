"""Config: the effective configuration as the program states it."""
import math

import numpy as np

import mfbalance


def test_ini_equals_mfbalance_config(cli, source_root):
    rc, out, err = cli("config")
    assert rc == 0, err
    assert mfbalance.Config().ini() == out
    ini = f"{source_root}/validation/configs/three.ini"
    over = ["model.gamma=1000", "time.snapshots=0 1"]
    rc, out, err = cli("config", ini, *over)
    assert rc == 0, err
    assert mfbalance.Config(ini, over).ini() == out


def test_ini_reads_back_to_the_same_configuration(tmp_path):
    cfg = mfbalance.Config(**{"model.gamma": 1000, "pop.E.sigma": 0.3})
    (tmp_path / "my.ini").write_text(cfg.ini())
    again = mfbalance.Config(str(tmp_path / "my.ini"))
    assert again.ini() == cfg.ini()


def test_values_and_overrides():
    cfg = mfbalance.Config(**{"model.gamma": 1000, "time.snapshots": np.array([0, 0.5, 1.0]), "time.t_end": 1,
                              "particles.dump": True})
    assert cfg.gamma == 1000 and cfg.P == 2 and cfg.populations == ("E", "I")
    assert cfg["time.snapshots"] == [0, 0.5, 1] and cfg["particles.dump"] == "true"
    assert cfg["pop.I.init"] == "gaussian -1 0.5"
    assert cfg.overrides == ("model.gamma=1000", "time.snapshots=0.0 0.5 1.0", "time.t_end=1", "particles.dump=true")
    more = cfg.replace(**{"model.gamma": math.inf})
    assert math.isinf(more.gamma) and more["time.t_end"] == 1 and cfg.gamma == 1000
    assert mfbalance.format_value(0.1) == "0.1" and mfbalance.format_value(-math.inf) == "-inf"
    assert mfbalance.format_value([1e-7, 3]) == "1e-07 3"


def test_library_path_is_the_build_tree():
    # The in-tree package (BUILD/python) uses the library in the same build tree.
    import os

    path = mfbalance.library_path()
    here = os.path.dirname(os.path.dirname(os.path.dirname(mfbalance.__file__)))
    assert path.startswith(here) and "libmfbalance.so" in path, (path, here)
