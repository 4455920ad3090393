"""docs/tutorial.md runs: its Python blocks, in order, in one namespace, in a fresh
directory that sees the source tree's validation/ (as from the top of the tree)."""
import os
import re

import matplotlib

matplotlib.use("Agg")


def blocks(path):
    with open(path) as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)


def test_tutorial_runs(tmp_path, monkeypatch, source_root):
    code = blocks(os.path.join(source_root, "docs", "tutorial.md"))
    assert len(code) >= 10
    os.symlink(os.path.join(source_root, "validation"), tmp_path / "validation")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__tutorial__"}
    for k, block in enumerate(code):
        exec(compile(block, f"docs/tutorial.md, block {k + 1}", "exec"), namespace)
    assert os.path.exists("out/run/run_heatmap.png") and os.path.exists("out/sweep/sweep.png")
