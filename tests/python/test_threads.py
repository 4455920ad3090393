"""Two configurations in one process, one after the other and in two threads at once,
give exactly what two separate processes give; configuration loading and error
messages stay right when threads interleave."""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import mfbalance

CONFIGS = {
    "A": ("run", ["time.t_end=1", "time.snapshots=0 0.5 1"]),
    "B": ("run", ["model.gamma=300", "grid.method=fixed", "grid.cells=600", "time.t_end=0.5",
                  "time.snapshots=0 0.25 0.5"]),
    "C": ("particles", ["particles.n=4000", "time.t_end=0.3", "time.snapshots=0 0.3", "model.gamma=200"]),
}

CHILD = """
import sys, numpy as np, mfbalance
job, overrides = {configs}[sys.argv[1]]
r = getattr(mfbalance, job)(mfbalance.Config(None, overrides))
np.savez(sys.argv[2], **flatten(r))
"""


def flatten(r):
    out = {"t": r.t, "rho": r.rho, "x": r.x, "snapshots": r.snapshots}
    out.update({f"obs_{k}": v for k, v in r.obs.items()})
    if hasattr(r, "voltages"):
        out.update({f"v{p}": v for p, v in enumerate(r.voltages)})
    return out


def compute(name):
    job, overrides = CONFIGS[name]
    return flatten(getattr(mfbalance, job)(mfbalance.Config(None, overrides)))


def separate_processes(tmp_path):
    import inspect

    script = tmp_path / "child.py"
    script.write_text(inspect.getsource(flatten) + CHILD.format(configs=repr(CONFIGS)))
    out = {}
    for name in CONFIGS:
        path = tmp_path / f"{name}.npz"
        subprocess.run([sys.executable, str(script), name, str(path)], check=True)
        with np.load(path) as z:
            out[name] = {k: z[k] for k in z.files}
    return out


def assert_identical(got, want, what):
    assert sorted(got) == sorted(want), what
    for k in want:
        assert got[k].shape == want[k].shape and np.array_equal(got[k], want[k]), f"{what}: {k}"


def test_one_process_equals_separate_processes(tmp_path):
    want = separate_processes(tmp_path)
    # One after the other, twice, in both orders.
    for name in ["A", "B", "C", "B", "A"]:
        assert_identical(compute(name), want[name], f"in turn: {name}")
    # In threads, at the same time.
    order = ["A", "B", "C", "A", "B", "C"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(compute, order))
    for name, got in zip(order, results):
        assert_identical(got, want[name], f"threads: {name}")


def test_configurations_loaded_in_threads():
    def load(k):
        return mfbalance.Config(None, [f"model.gamma={100 + k}", f"pop.E.sigma={0.1 + k / 100}"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        cfgs = list(pool.map(load, range(64)))
    for k, cfg in enumerate(cfgs):
        assert cfg.gamma == 100 + k and cfg["pop.E.sigma"] == 0.1 + k / 100


def test_error_messages_stay_with_their_thread():
    def attempt(k):
        try:
            mfbalance.Config(None, [f"pop.E.sigma=-{k + 1}"] if k % 2 else ["model.gamma=100"])
            return None
        except mfbalance.InputError as e:
            return str(e)

    with ThreadPoolExecutor(max_workers=4) as pool:
        messages = list(pool.map(attempt, range(40)))
    for k, msg in enumerate(messages):
        if k % 2:
            assert msg == f"override 'pop.E.sigma=-{k + 1}': [pop.E] sigma = '-{k + 1}': sigma must be > 0", msg
        else:
            assert msg is None
