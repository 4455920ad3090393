#!/usr/bin/python3
"""Heat map of a double-limit table: python3 validation/plot_doublelimit.py DIR

Reads DIR/doublelimit.csv (`mfbalance doublelimit --n ... --gamma ... --out DIR`) and
draws DIR/doublelimit.png: for each population, log10 of W1 between the network's
empirical measure at t_end and the Dirac mass at the balance voltage, over (n, gamma).
"""
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(folder):
    rows = list(csv.DictReader(open(os.path.join(folder, "doublelimit.csv"))))
    pops = list(dict.fromkeys(r["population"] for r in rows))
    gammas = sorted({float(r["gamma"]) for r in rows})
    ns = sorted({int(r["n"]) for r in rows})
    fig, axes = plt.subplots(1, len(pops), figsize=(5.5 * len(pops), 4.5), squeeze=False)
    for ax, pop in zip(axes[0], pops):
        grid = [[math.nan] * len(gammas) for _ in ns]
        for r in rows:
            if r["population"] == pop:
                grid[ns.index(int(r["n"]))][gammas.index(float(r["gamma"]))] = math.log10(float(r["w1_dirac"]))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for i in range(len(ns)):
            for j in range(len(gammas)):
                ax.text(j, i, f"{grid[i][j]:.2f}", ha="center", va="center", color="w", fontsize=8)
        ax.set_xticks(range(len(gammas)), [f"{g:g}" for g in gammas])
        ax.set_yticks(range(len(ns)), [f"{n:g}" for n in ns])
        ax.set_xlabel("gamma")
        ax.set_ylabel("n")
        ax.set_title(f"log10 W1(empirical {pop}, Dirac at x*)")
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    out = os.path.join(folder, "doublelimit.png")
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
