#!/usr/bin/python3
"""Plot a convergence study: python3 validation/plot_converge.py DIR  (writes DIR/converge.png).

Reads DIR/converge.csv (from `mfbalance converge --out DIR`) and draws, on log-log axes, the
largest error over the snapshot times and populations of each quantity against the cell count
(with a reference slope of order 2) and against rtol (with a reference slope of 1).
"""
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

QUANTITIES = ["mean", "sd", "m", "l1", "linf", "w1"]


def main(folder):
    worst = {"space": defaultdict(dict), "time": defaultdict(dict)}
    with open(os.path.join(folder, "converge.csv")) as f:
        for r in csv.DictReader(f):
            x = float(r["cells"]) if r["kind"] == "space" else float(r["rtol"])
            e = float(r["error"])
            cur = worst[r["kind"]][r["quantity"]]
            cur[x] = max(cur.get(x, 0.0), e)
    fig, (ax_h, ax_t) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, kind, slope, xlabel in ((ax_h, "space", -2.0, "cells"), (ax_t, "time", 1.0, "rtol")):
        for q in QUANTITIES:
            pts = sorted((x, e) for x, e in worst[kind][q].items() if e > 0.0)
            if pts:
                ax.loglog(*zip(*pts), "o-", label=q)
        xs = sorted({x for q in QUANTITIES for x in worst[kind][q]})
        if xs:
            # Through the largest error, at the end of the axis where the errors are largest.
            top = max((e for q in QUANTITIES for e in worst[kind][q].values()), default=1.0)
            x0 = xs[0] if slope < 0 else xs[-1]
            ax.loglog(xs, [top * (x / x0) ** slope for x in xs], "k--", lw=0.8, label=f"slope {slope:g}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("largest error over the snapshots")
        ax.set_title("space (rtol far below)" if kind == "space" else "time (same grid, rtol/100 reference)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(folder, "converge.png")
    fig.savefig(out, dpi=120)
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_converge.py DIR")
    main(sys.argv[1])
