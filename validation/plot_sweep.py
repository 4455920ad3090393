#!/usr/bin/python3
"""Plot a gamma sweep: python3 validation/plot_sweep.py DIR  (writes DIR/sweep.png).

Reads DIR/sweep.csv and DIR/sweep_fit.csv (from `mfbalance sweep --out DIR`) and draws,
against gamma on log-log axes: the distance of the mean and of the mode to the balance
voltage, the s.d. with the prediction sigma / sqrt(2 gamma A*), and the collapse time,
each with its fitted power law.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(folder):
    rows = list(csv.DictReader(open(os.path.join(folder, "sweep.csv"))))
    fits = {(r["quantity"], r["population"]): r for r in csv.DictReader(open(os.path.join(folder, "sweep_fit.csv")))}
    sigma = {}
    cfg = open(os.path.join(folder, "config.ini")).read().split("\n")
    section = None
    for line in cfg:
        if line.startswith("[pop."):
            section = line[5:-1]
        elif section and line.startswith("sigma ="):
            sigma[section] = float(line.split("=")[1])
    pops = list(dict.fromkeys(r["population"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))

    def fitline(ax, quantity, pop, gammas, style, label):
        f = fits.get((quantity, pop))
        if f:
            s, c = float(f["slope"]), float(f["constant"])
            ax.plot(gammas, [c * g**s for g in gammas], style, lw=0.8, label=f"{label}: slope {s:.3f}")

    for k, pop in enumerate(pops):
        pr = [r for r in rows if r["population"] == pop]
        g = [float(r["gamma"]) for r in pr]
        color = f"C{k}"
        axes[0].loglog(g, [float(r["err_mean"]) for r in pr], "o", color=color, label=f"|mean - x*| {pop}")
        axes[0].loglog(g, [float(r["err_mode"]) for r in pr], "x", color=color, label=f"|mode - x*| {pop}")
        fitline(axes[0], "err_mean", pop, g, "-", f"fit {pop}")
        axes[1].loglog(g, [float(r["sd"]) for r in pr], "o", color=color, label=f"sd {pop}")
        if pop in sigma:
            pred = [sigma[pop] / (2 * float(r["gamma"]) * float(r["A_star"])) ** 0.5 for r in pr]
            axes[1].loglog(g, pred, ":", color=color, label=f"sigma/sqrt(2 gamma A*) {pop}")
        fitline(axes[1], "sd", pop, g, "-", f"fit {pop}")
    first = [r for r in rows if r["population"] == pops[0]]
    g = [float(r["gamma"]) for r in first]
    axes[2].loglog(g, [float(r["collapse_time"]) for r in first], "o", color="C3", label="collapse time")
    fitline(axes[2], "collapse_time", "all", g, "-", "fit")
    titles = ["distance to the balance voltage", "width", "collapse time (|mean - x*| < radius)"]
    for ax, title in zip(axes, titles):
        ax.set_xlabel("gamma")
        ax.set_title(title)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = os.path.join(folder, "sweep.png")
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
