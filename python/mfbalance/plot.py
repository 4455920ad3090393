"""Figures of what a job wrote: python3 -m mfbalance.plot DIR [DIR ...]

The job is recognised by its files and its PNGs are written beside them:

    run          run_density.png    density snapshots per population (linear and log scale)
                 run_heatmap.png    space-time map of log10 rho (moving cells interpolated onto
                                    one grid), the means and the balance voltage
                 run_observables.png  mean +- s.d., m, A and V against t
    run (fhn)    fhn_marginals.png  v- and w-marginals at the snapshots, per population
                 fhn_density.png    log10 rho(v, w) at the snapshots with the balance line
                                    w = (v + a)/b and the means
                 fhn_means.png      mean +- s.d. of v and of w, cov(v, w), m, A and V against t
    particles    particles.png      histograms (density.csv) at the snapshots, balance voltage
    sweep        sweep.png          |mean - x*|, |mode - x*|, s.d. and collapse time against gamma, fits
    hj           hj_u.png           snapshots of u, balance voltage
                 hj_argmax.png      argmax u against the early-behaviour flow; gap and distance to x*
    compare      compare.png        W1 against n at t_end with its fit; PDE and network means against t
    compare (fhn) fhn_compare.png   mean and s.d. of v and w: PDE against t, network +- 1 SE per n;
                                    (network - PDE) / SE against t with the +-3 band
    converge     converge.png       largest errors against cells and rtol
    doublelimit  doublelimit.png    log10 W1 to the Dirac mass at x* over (n, gamma)
    flow         flow.png           the flow x_p(tau)
    balance      balance.png        the balance points and the eigenvalues of the flow
    limit        fhn_limit.png      (FitzHugh-Nagumo) the limit trajectory (limit.csv) and, when
                                    observables.csv has mean_v_P columns (the network) or there is a
                                    fhn.csv (the kinetic PDE), their means and s.d. beside it

Only NumPy and matplotlib are needed (not the library).  Each function takes the folder
and returns the paths it wrote.
"""
import configparser
import math
import os
import sys
from collections import defaultdict

import numpy as np

from ._csv import read_csv

_plt = None


def _pyplot():
    global _plt
    if _plt is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        _plt = plt
    return _plt


def _save(fig, folder, name):
    path = os.path.join(folder, name)
    fig.savefig(path, dpi=120)
    _pyplot().close(fig)
    print(f"wrote {path}")
    return path


def _populations(table):
    return list(dict.fromkeys(table["population"]))


def _config(folder):
    """config.ini of the job as a ConfigParser (empty when there is none)."""
    cp = configparser.ConfigParser(interpolation=None)
    path = os.path.join(folder, "config.ini")
    if os.path.exists(path):
        cp.read(path)
    return cp


def _balance_voltages(folder):
    """{population: balance voltage} from summary.csv's balance_voltage column (NaN if empty)."""
    path = os.path.join(folder, "summary.csv")
    if not os.path.exists(path):
        return {}
    s = read_csv(path)
    if "balance_voltage" not in s:
        return {}
    return dict(zip(s["population"], np.asarray(s["balance_voltage"], dtype=float)))


def _snapshots(folder):
    """density.csv as [(t, {population: (faces, x, width, rho)})] in file order."""
    d = read_csv(os.path.join(folder, "density.csv"))
    t, pop, x, w, rho = d["t"], d["population"], d["x"], d["width"], d["rho"]
    out = []
    start = 0
    n = len(t)
    while start < n:
        end = start
        while end < n and t[end] == t[start]:
            end += 1
        cells = {}
        for name in dict.fromkeys(pop[start:end]):
            sel = slice(start, end)
            mask = pop[sel] == name
            xs, ws, rs = x[sel][mask], w[sel][mask], rho[sel][mask]
            faces = np.append(xs - ws / 2, xs[-1] + ws[-1] / 2)
            cells[name] = (faces, xs, ws, rs)
        out.append((t[start], cells))
        start = end
    return out


def _xstar_line(ax, xstar, vertical=True, label=True):
    if xstar is not None and np.isfinite(xstar):
        (ax.axvline if vertical else ax.axhline)(xstar, color="k", ls="--", lw=0.8,
                                                 label=f"balance x* = {xstar:.4g}" if label else None)


def _support(snaps, name, floor=1e-6):
    """The x range where some snapshot of population name exceeds floor times its largest density."""
    peak = max(np.nanmax(c[name][3]) for _, c in snaps)
    xs = np.concatenate([c[name][1][c[name][3] > floor * peak] for _, c in snaps])
    lo, hi = xs.min(), xs.max()
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def run(folder):
    """The figures of a `run` folder: run_density.png, run_heatmap.png, run_observables.png."""
    plt = _pyplot()
    snaps = _snapshots(folder)
    pops = list(snaps[0][1]) if snaps else []
    xstar = _balance_voltages(folder)
    cfg = _config(folder)
    gamma = cfg.get("model", "gamma", fallback="?")
    walls = (cfg.getfloat("grid", "xmin", fallback=-np.inf), cfg.getfloat("grid", "xmax", fallback=np.inf))
    written = []
    cmap = plt.get_cmap("viridis")

    def xrange(name):
        lo, hi = _support(snaps, name)
        return max(lo, walls[0]), min(hi, walls[1])

    # Density snapshots (at most 12 of them, evenly chosen): linear scale above, log scale below.
    shown = sorted(set(np.linspace(0, len(snaps) - 1, min(len(snaps), 12)).round().astype(int)))
    fig, axes = plt.subplots(2, len(pops), figsize=(5.5 * len(pops), 7.5), squeeze=False)
    for j, name in enumerate(pops):
        for k in shown:
            t, cells = snaps[k]
            _, x, _, rho = cells[name]
            color = cmap(k / max(1, len(snaps) - 1))
            axes[0, j].plot(x, rho, color=color, lw=1.1, label=f"t = {t:g}")
            axes[1, j].semilogy(x, np.where(rho > 0, rho, np.nan), color=color, lw=1.1)
        for row in range(2):
            _xstar_line(axes[row, j], xstar.get(name), label=row == 0)
            axes[row, j].set_xlabel("x")
            axes[row, j].set_xlim(*xrange(name))
            axes[row, j].grid(True, alpha=0.3)
        peak = max(np.nanmax(cells[name][3]) for _, cells in snaps)
        axes[1, j].set_ylim(peak * 1e-8, peak * 3)
        axes[0, j].set_title(f"density of {name} (gamma = {gamma})")
        axes[1, j].set_title(f"density of {name}, log scale")
        axes[0, j].set_ylabel("rho")
        axes[0, j].legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder, "run_density.png"))

    # Space-time map: every snapshot's cells (moving frames: different at every snapshot)
    # interpolated linearly onto one grid.  Evenly spaced snapshots are drawn on a time
    # axis, others one row each.
    obs = read_csv(os.path.join(folder, "observables.csv"))
    times = np.array([t for t, _ in snaps])
    gaps = np.diff(times)
    even = len(times) > 2 and gaps.min() > 0 and gaps.max() < 1.5 * gaps.min()
    if even:
        edges_y = np.concatenate([[times[0] - gaps[0] / 2], times[:-1] + gaps / 2, [times[-1] + gaps[-1] / 2]])
    else:
        edges_y = np.arange(len(snaps) + 1) - 0.5
    rows_y = times if even else np.arange(len(snaps))
    fig, axes = plt.subplots(1, len(pops), figsize=(5.5 * len(pops), 4.8), squeeze=False)
    for j, name in enumerate(pops):
        ax = axes[0, j]
        lo, hi = xrange(name)
        xs = np.linspace(lo, hi, 1000)
        img = np.array([np.interp(xs, c[name][1], c[name][3], left=0.0, right=0.0) for _, c in snaps])
        peak = np.nanmax(img)
        logimg = np.log10(np.maximum(img, peak * 1e-6))
        dx = xs[1] - xs[0]
        edges_x = np.append(xs - dx / 2, xs[-1] + dx / 2)
        im = ax.pcolormesh(edges_x, edges_y, logimg, cmap="magma", shading="flat")
        means = [obs[f"mean_{name}"][np.argmin(np.abs(obs["t"] - t))] for t in times]
        ax.plot(means, rows_y, "o-" if not even else "-", color="c", ms=3, lw=0.9, label="mean")
        if name in xstar and np.isfinite(xstar[name]):
            ax.axvline(xstar[name], color="w", ls="--", lw=1.0, label=f"balance x* = {xstar[name]:.4g}")
        if even:
            ax.set_ylabel("t")
        else:
            ax.set_yticks(range(len(snaps)), [f"{t:g}" for t in times])
            ax.set_ylabel("t (one row per snapshot)")
        ax.set_xlabel("x")
        ax.set_title(f"log10 density of {name}")
        ax.legend(fontsize=7, loc="upper right")
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    written.append(_save(fig, folder, "run_heatmap.png"))

    # Observables against time.
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for j, name in enumerate(pops):
        color = f"C{j}"
        t, mean, sd = obs["t"], obs[f"mean_{name}"], obs[f"sd_{name}"]
        axes[0].plot(t, mean, color=color, label=f"mean {name}")
        axes[0].fill_between(t, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
        if name in xstar and np.isfinite(xstar[name]):
            axes[0].axhline(xstar[name], color=color, ls="--", lw=0.8, label=f"x* {name}")
        axes[1].plot(t, obs[f"m_{name}"], color=color, label=f"m {name}")
        axes[2].plot(t, obs[f"A_{name}"], color=color, label=f"A {name}")
        axes[2].plot(t, obs[f"V_{name}"], color=color, ls=":", label=f"V {name}")
    positive = obs["t"][obs["t"] > 0]
    for ax, title in zip(axes, ["mean +- s.d.", "activity m = E[S(X)]", "coupling A and target V"]):
        # The collapse takes a time ~ 1/gamma: a log axis beyond the first output time shows it.
        if positive.size and positive[-1] > 20 * positive[0]:
            ax.set_xscale("symlog", linthresh=positive[0])
        ax.set_xlabel("t")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder, "run_observables.png"))
    return written


def particles(folder):
    """particles.png: the normalised histograms of density.csv at the snapshot times."""
    plt = _pyplot()
    snaps = _snapshots(folder)
    pops = list(snaps[0][1]) if snaps else []
    xstar = _balance_voltages(folder)
    summary = read_csv(os.path.join(folder, "summary.csv"))
    neurons = dict(zip(summary["population"], summary["neurons"]))
    cmap = plt.get_cmap("viridis")
    fig, axes = plt.subplots(1, len(pops), figsize=(5.5 * len(pops), 4.2), squeeze=False)
    for j, name in enumerate(pops):
        ax = axes[0, j]
        for k, (t, cells) in enumerate(snaps):
            faces, x, _, rho = cells[name]
            ax.stairs(rho, faces, color=cmap(k / max(1, len(snaps) - 1)), lw=1.0, label=f"t = {t:g}")
        # Only where there are samples.
        used = np.concatenate([c[name][1][c[name][3] > 0] for _, c in snaps])
        if used.size:
            pad = 0.05 * (used.max() - used.min() + 1e-12)
            ax.set_xlim(used.min() - pad, used.max() + pad)
        _xstar_line(ax, xstar.get(name))
        ax.set_xlabel("x")
        ax.set_ylabel("histogram, normalised")
        ax.set_title(f"network, population {name} ({int(neurons.get(name, 0))} neurons)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return [_save(fig, folder, "particles.png")]


def sweep(folder):
    """sweep.png: distances to the balance voltage, the s.d. with its prediction sigma /
    sqrt(2 gamma A*), and the collapse time against gamma, each with its fitted power law."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "sweep.csv"))
    fits = read_csv(os.path.join(folder, "sweep_fit.csv"))
    fit = {(q, p): (s, c) for q, p, s, c in zip(fits["quantity"], fits["population"], fits["slope"], fits["constant"])}
    cfg = _config(folder)
    pops = _populations(rows)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))

    def fitline(ax, quantity, pop, g, style, label):
        if (quantity, pop) in fit:
            s, c = fit[(quantity, pop)]
            ax.plot(g, c * g**s, style, lw=0.8, label=f"{label}: slope {s:.3f}")

    for k, pop in enumerate(pops):
        sel = rows["population"] == pop
        g = rows["gamma"][sel]
        color = f"C{k}"
        axes[0].loglog(g, rows["err_mean"][sel], "o", color=color, label=f"|mean - x*| {pop}")
        axes[0].loglog(g, rows["err_mode"][sel], "x", color=color, label=f"|mode - x*| {pop}")
        fitline(axes[0], "err_mean", pop, g, "-", f"fit {pop}")
        axes[1].loglog(g, rows["sd"][sel], "o", color=color, label=f"sd {pop}")
        if cfg.has_option(f"pop.{pop}", "sigma"):
            sigma = float(cfg.get(f"pop.{pop}", "sigma"))
            axes[1].loglog(g, sigma / np.sqrt(2 * g * rows["A_star"][sel]), ":", color=color,
                           label=f"sigma/sqrt(2 gamma A*) {pop}")
        fitline(axes[1], "sd", pop, g, "-", f"fit {pop}")
    sel = rows["population"] == pops[0]
    g = rows["gamma"][sel]
    axes[2].loglog(g, rows["collapse_time"][sel], "o", color="C3", label="collapse time")
    fitline(axes[2], "collapse_time", "all", g, "-", "fit")
    titles = ["distance to the balance voltage", "width", "collapse time (|mean - x*| < radius)"]
    for ax, title in zip(axes, titles):
        ax.set_xlabel("gamma")
        ax.set_title(title)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return [_save(fig, folder, "sweep.png")]


def hj(folder):
    """hj_u.png (snapshots of u) and hj_argmax.png (argmax u against the flow, gap and distance)."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "hj.csv"))
    u = read_csv(os.path.join(folder, "u.csv"))
    summary = read_csv(os.path.join(folder, "summary.csv"))
    xstar = dict(zip(summary["population"], summary["x_star"]))
    gamma = summary["gamma"][0]
    pops = _populations(u)
    taus = list(dict.fromkeys(u["tau"]))
    cmap = plt.get_cmap("viridis")
    written = []

    fig, axes = plt.subplots(1, len(pops), figsize=(5.5 * len(pops), 4.2), squeeze=False)
    for j, name in enumerate(pops):
        ax = axes[0, j]
        lowest = 0.0
        for k, tau in enumerate(taus):
            sel = (u["tau"] == tau) & (u["population"] == name)
            ax.plot(u["x"][sel], u["u"][sel], color=cmap(k / max(1, len(taus) - 1)), label=f"tau = {tau:g}")
            lowest = min(lowest, np.nanmin(u["u"][sel]))
        _xstar_line(ax, xstar.get(name))
        ax.set_ylim(max(lowest, -2.0) * 1.05 - 0.01, 0.05)
        ax.set_xlabel("x")
        ax.set_ylabel("u = (1/gamma) log rho")
        ax.set_title(f"u of {name}, gamma = {gamma:g}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder, "hj_u.png"))

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.2))
    tau = rows["tau"]
    for j, name in enumerate(pops):
        color = f"C{j}"
        ax0.plot(tau, rows[f"argmax_{name}"], color=color, label=f"argmax u {name}")
        ax0.plot(tau, rows[f"flow_{name}"], color=color, ls="--", lw=0.9, label=f"flow {name}")
        if np.isfinite(xstar.get(name, np.nan)):
            ax0.axhline(xstar[name], color=color, ls=":", lw=0.8, label=f"x* {name}")
        pos = rows[f"gap_{name}"] > 0
        ax1.semilogy(tau[pos], rows[f"gap_{name}"][pos], color=color, label=f"|argmax - flow| {name}")
        pos = rows[f"dist_{name}"] > 0
        ax1.semilogy(tau[pos], rows[f"dist_{name}"][pos], color=color, ls=":", label=f"|argmax - x*| {name}")
    ax0.set_title("concentration point against the early-behaviour flow")
    ax1.set_title("gap to the flow and distance to x*")
    for ax in (ax0, ax1):
        ax.set_xlabel("tau = gamma t")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder, "hj_argmax.png"))
    return written


def compare(folder):
    """compare.png: W1 between network and PDE at t_end against n (replicas and their mean,
    with compare_fit.csv's slope); the means of both against t; |d mean| against t."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "compare.csv"))
    if "quantity" in rows:
        return compare_fhn(folder, rows)
    fit_path = os.path.join(folder, "compare_fit.csv")
    fits = read_csv(fit_path) if os.path.exists(fit_path) else {"population": []}
    pops = _populations(rows)
    ns = sorted(set(rows["n"]))
    t_end = rows["t"].max()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for j, name in enumerate(pops):
        color = f"C{j}"
        late = (rows["population"] == name) & (rows["t"] == t_end)
        axes[0].loglog(rows["n"][late], rows["w1"][late], ".", color=color, alpha=0.4)
        mean_w1 = [rows["w1"][late & (rows["n"] == n)].mean() for n in ns]
        axes[0].loglog(ns, mean_w1, "o", color=color, label=f"W1 {name} (mean over replicas)")
        for k in range(len(fits["population"])):
            if fits["population"][k] == name:
                s, c = fits["slope"][k], fits["constant"][k]
                axes[0].loglog(ns, c * np.array(ns, dtype=float) ** s, "-", color=color, lw=0.8,
                               label=f"fit {name}: slope {s:.3f}")
        first = (rows["population"] == name) & (rows["replica"] == 1)
        pde_sel = first & (rows["n"] == ns[0])
        axes[1].plot(rows["t"][pde_sel], rows["mean_pde"][pde_sel], color=color, lw=2, label=f"PDE {name}")
        for k, n in enumerate(ns):
            sel = first & (rows["n"] == n)
            style = dict(color=color, lw=0.8, alpha=0.35 + 0.65 * (k + 1) / len(ns))
            axes[1].plot(rows["t"][sel], rows["mean_particles"][sel], ls="--", **style,
                         label=f"network {name}, n = {int(n)}")
            axes[2].semilogy(rows["t"][sel], np.abs(rows["d_mean"][sel]), **style, label=f"{name}, n = {int(n)}")
    axes[0].set_xlabel("n (neurons in all)")
    axes[0].set_title(f"W1(network, PDE) at t = {t_end:g}")
    axes[1].set_title("means (replica 1)")
    axes[2].set_title("|mean network - mean PDE| (replica 1)")
    for ax in axes[1:]:
        ax.set_xlabel("t")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return [_save(fig, folder, "compare.png")]


FHN_COMPARE_QUANTITIES = (("mean_v", "mean of v"), ("mean_w", "mean of w"), ("sd_v", "s.d. of v"),
                          ("sd_w", "s.d. of w"))


def compare_fhn(folder, rows=None):
    """fhn_compare.png (FitzHugh-Nagumo compare): per quantity, the PDE against t (line) and the
    network (points, error bars +- 1 SE) for every n and population; below, z = (network - PDE) / SE
    against t with the +-3 band."""
    plt = _pyplot()
    if rows is None:
        rows = read_csv(os.path.join(folder, "compare.csv"))
    pops = _populations(rows)
    ns = sorted(set(rows["n"]))
    markers = "os^vD<>"
    fig, axes = plt.subplots(2, 4, figsize=(18, 7.5), sharex=True)
    for col, (q, title) in enumerate(FHN_COMPARE_QUANTITIES):
        top, bottom = axes[0][col], axes[1][col]
        for j, name in enumerate(pops):
            color = f"C{j}"
            here = (rows["population"] == name) & (rows["quantity"] == q)
            first = here & (rows["n"] == ns[0])
            top.plot(rows["t"][first], rows["pde"][first], "-", color=color, lw=1.2, label=f"PDE {name}")
            for k, n in enumerate(ns):
                sel = here & (rows["n"] == n)
                # A slight shift in t per n keeps the error bars apart.
                dt = 0.004 * (k - (len(ns) - 1) / 2) * max(rows["t"].max(), 1e-300)
                top.errorbar(rows["t"][sel] + dt, rows["network"][sel], yerr=rows["se"][sel], fmt=markers[k % 7],
                             ms=3, color=color, alpha=0.5 + 0.5 * (k + 1) / len(ns), elinewidth=0.8, capsize=1.5,
                             label=f"network {name}, n = {int(n)}")
                bottom.plot(rows["t"][sel], rows["z"][sel], markers[k % 7] + "-", ms=3, lw=0.6, color=color,
                            alpha=0.5 + 0.5 * (k + 1) / len(ns), label=f"{name}, n = {int(n)}")
        top.set_title(title)
        bottom.axhspan(-3, 3, color="0.9", zorder=0)
        bottom.axhline(0, color="k", lw=0.5)
        bottom.set_xlabel("t")
        bottom.set_title(f"(network - PDE) / SE, {title}")
        for ax in (top, bottom):
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=6)
    fig.tight_layout()
    return [_save(fig, folder, "fhn_compare.png")]


CONVERGE_QUANTITIES = ["mean", "sd", "m", "l1", "linf", "w1",  # finite volumes
                       "argmax", "u_core", "u_linf"]  # --solver hj


def converge(folder):
    """converge.png: the largest error over the snapshots and populations of each quantity
    against the cell count (reference slope -2, and -1 for `--solver hj`, whose walls are first
    order) and against rtol (reference slope 1)."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "converge.csv"))
    worst = {"space": defaultdict(dict), "time": defaultdict(dict)}
    for kind, cells, rtol, q, e in zip(rows["kind"], rows["cells"], rows["rtol"], rows["quantity"], rows["error"]):
        x = cells if kind == "space" else rtol
        cur = worst[kind][q]
        cur[x] = max(cur.get(x, 0.0), e)
    hj = "u_linf" in worst["space"]
    fig, (ax_h, ax_t) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, kind, slopes, xlabel in ((ax_h, "space", (-2.0, -1.0) if hj else (-2.0,), "cells"),
                                     (ax_t, "time", (1.0,), "rtol")):
        for q in CONVERGE_QUANTITIES:
            pts = sorted((x, e) for x, e in worst[kind][q].items() if e > 0.0)
            if pts:
                ax.loglog(*zip(*pts), "o-", label=q)
        xs = sorted({x for q in CONVERGE_QUANTITIES for x in worst[kind][q]})
        if xs:
            # Through the largest error, at the end of the axis where the errors are largest.
            top = max((e for q in CONVERGE_QUANTITIES for e in worst[kind][q].values()), default=1.0)
            for slope, style in zip(slopes, ("k--", "k:")):
                x0 = xs[0] if slope < 0 else xs[-1]
                ax.loglog(xs, [top * (x / x0) ** slope for x in xs], style, lw=0.8, label=f"slope {slope:g}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("largest error over the snapshots")
        ax.set_title("space (rtol far below)" if kind == "space" else "time (same grid, rtol/100 reference)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return [_save(fig, folder, "converge.png")]


def doublelimit(folder):
    """doublelimit.png: per population, log10 W1 between the network at t_end and the Dirac
    mass at the balance voltage over (n, gamma)."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "doublelimit.csv"))
    pops = _populations(rows)
    gammas = sorted(set(rows["gamma"]))
    ns = sorted(set(rows["n"]))
    fig, axes = plt.subplots(1, len(pops), figsize=(5.5 * len(pops), 4.5), squeeze=False)
    for ax, pop in zip(axes[0], pops):
        grid = np.full((len(ns), len(gammas)), math.nan)
        for g, n, p, w in zip(rows["gamma"], rows["n"], rows["population"], rows["w1_dirac"]):
            if p == pop:
                grid[ns.index(n), gammas.index(g)] = math.log10(w)
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
    return [_save(fig, folder, "doublelimit.png")]


def flow(folder):
    """flow.png: the early-behaviour flow x_p(tau) from the initial means."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "flow.csv"))
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for j, col in enumerate(c for c in rows if c.startswith("x_")):
        ax.plot(rows["tau"], rows[col], color=f"C{j}", label=col[2:])
    ax.set_xlabel("tau = gamma t")
    ax.set_ylabel("x")
    ax.set_title("early-behaviour flow dx/dtau = -G(x)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return [_save(fig, folder, "flow.png")]


def balance(folder):
    """balance.png: the balance points (in the plane for two populations, else per
    population) by stability, and the eigenvalues of the flow at each."""
    plt = _pyplot()
    rows = read_csv(os.path.join(folder, "balance.csv"))
    xcols = [c for c in rows if c.startswith("x_")]
    nroots = len(rows["root"])
    marker = {"attracting": ("o", "C2"), "repelling": ("x", "C3"), "marginal": ("s", "C1")}
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.5))
    for k in range(nroots):
        m, color = marker.get(rows["stability"][k], ("d", "k"))
        label = f"#{int(rows['root'][k])} {rows['stability'][k]}"
        x = [rows[c][k] for c in xcols]
        if len(xcols) == 2:
            ax0.plot(x[0], x[1], m, color=color, ms=8, label=label)
        else:
            ax0.plot(range(len(xcols)), x, m + "-", color=color, label=label)
        eig = [(rows[f"eig_re_{j + 1}"][k], rows[f"eig_im_{j + 1}"][k]) for j in range(len(xcols))]
        ax1.plot([e[0] for e in eig], [e[1] for e in eig], m, color=color, label=label)
    if len(xcols) == 2:
        ax0.set_xlabel(xcols[0])
        ax0.set_ylabel(xcols[1])
        ax0.plot(ax0.get_xlim(), ax0.get_xlim(), "k:", lw=0.6)
    else:
        ax0.set_xticks(range(len(xcols)), [c[2:] for c in xcols])
        ax0.set_ylabel("x*")
    ax0.set_title(f"balance points ({nroots})")
    ax1.axvline(0.0, color="k", lw=0.6)
    ax1.set_xlabel("Re")
    ax1.set_ylabel("Im")
    ax1.set_title("eigenvalues of the early-behaviour flow")
    for ax in (ax0, ax1):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return [_save(fig, folder, "balance.png")]


def fhn_limit(folder):
    """fhn_limit.png: per population, v and w of the gamma -> infinity limit (limit.csv: x* or the
    synchronous FitzHugh-Nagumo state, the slow w, x* + delta/gamma) and, when the folder also holds
    observables.csv with mean_v_P columns (the network or the kinetic PDE), their means, with
    s.d.(v) against sigma / sqrt(2 (gamma A - f'))."""
    plt = _pyplot()
    lim = read_csv(os.path.join(folder, "limit.csv"))
    obs_path = os.path.join(folder, "observables.csv")
    obs = read_csv(obs_path) if os.path.exists(obs_path) else {}
    pops = [c[2:] for c in lim if c.startswith("v_")]
    pde = {}
    if os.path.exists(os.path.join(folder, "fhn.csv")):  # a kinetic PDE run in the same folder
        f = read_csv(os.path.join(folder, "fhn.csv"))
        for name in pops:
            sel = f["population"] == name
            pde[name] = {c: f[c][sel] for c in ("t", "mean_v", "mean_w", "sd_v")}
    fig, axes = plt.subplots(len(pops), 3, figsize=(14, 3.6 * len(pops)), squeeze=False)
    for i, name in enumerate(pops):
        axv, axw, axs = axes[i]
        have = f"mean_v_{name}" in obs
        if have:
            t, m, sd = np.asarray(obs["t"]), np.asarray(obs[f"mean_v_{name}"]), np.asarray(obs[f"sd_v_{name}"])
            axv.fill_between(t, m - sd, m + sd, color="C0", alpha=0.2, lw=0)
            axv.plot(t, m, color="C0", label="mean v +- s.d.")
            axw.plot(obs["t"], obs[f"mean_w_{name}"], color="C0", label="mean w")
            axs.semilogy(obs["t"], obs[f"sd_v_{name}"], color="C0", label="s.d.(v)")
            axs.semilogy(obs["t"], obs[f"sd_w_{name}"], color="C2", label="s.d.(w)")
        if name in pde:
            rows = pde[name]
            axv.plot(rows["t"], rows["mean_v"], color="C1", label="kinetic PDE mean v")
            axw.plot(rows["t"], rows["mean_w"], color="C1", label="kinetic PDE mean w")
            axs.semilogy(rows["t"], rows["sd_v"], color="C1", label="PDE s.d.(v)")
        axv.plot(lim["t"], lim[f"v_{name}"], "k--", lw=1, label="limit v")
        if not all(math.isnan(d) for d in lim[f"delta_{name}"]):
            axv.plot(lim["t"], lim[f"vpred_{name}"], "C3:", lw=1.2, label="x* + delta/gamma")
        axw.plot(lim["t"], lim[f"w_{name}"], "k--", lw=1, label="limit w")
        axs.semilogy(lim["t"], lim[f"sdv_{name}"], "k--", lw=1, label="sigma/sqrt(2(gamma A - f'))")
        for ax, ylabel in ((axv, "v"), (axw, "w"), (axs, "s.d.")):
            ax.set_xlabel("t")
            ax.set_ylabel(ylabel)
            ax.set_title(f"{name}: {ylabel}")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    return [_save(fig, folder, "fhn_limit.png")]


def fhn(folder):
    """A FitzHugh-Nagumo run (fhn.csv, marginals.csv, density2d.csv)."""
    plt = _pyplot()
    mom = read_csv(os.path.join(folder, "fhn.csv"))
    pops = _populations(mom)
    cfg = _config(folder)
    xstar = _balance_voltages(folder)
    written = []

    marg_path = os.path.join(folder, "marginals.csv")
    if os.path.exists(marg_path):
        marg = read_csv(marg_path)
        fig, axes = plt.subplots(len(pops), 2, figsize=(10, 3.2 * len(pops)), squeeze=False)
        times = sorted(set(marg["t"]))
        colours = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(times), 1)))
        for r, name in enumerate(pops):
            for c, var in enumerate(("v", "w")):
                ax = axes[r][c]
                for t, col in zip(times, colours):
                    sel = (marg["population"] == name) & (marg["variable"] == var) & (marg["t"] == t)
                    ax.plot(marg["x"][sel], marg["rho"][sel], color=col, label=f"t = {t:g}")
                if var == "v" and np.isfinite(xstar.get(name, np.nan)):
                    _xstar_line(ax, xstar[name])
                ax.set_xlabel(var)
                ax.set_ylabel(f"marginal density of {var}")
                ax.set_title(f"{name}: {var}-marginal")
                ax.grid(True, alpha=0.3)
                ax.legend(fontsize=7)
        fig.tight_layout()
        written.append(_save(fig, folder, "fhn_marginals.png"))

    dens_path = os.path.join(folder, "density2d.csv")
    if os.path.exists(dens_path):
        dens = read_csv(dens_path)
        times = sorted(set(dens["t"]))
        fig, axes = plt.subplots(len(pops), len(times), figsize=(3.4 * len(times), 3.0 * len(pops)), squeeze=False)
        for r, name in enumerate(pops):
            sec = f"pop.{name}"
            a = float(cfg.get(sec, "a", fallback="0.7"))
            b = float(cfg.get(sec, "b", fallback="0.8"))
            for c, t in enumerate(times):
                ax = axes[r][c]
                sel = (dens["population"] == name) & (dens["t"] == t)
                v, w, rho = dens["v"][sel], dens["w"][sel], dens["rho"][sel]
                nv = len(set(v))
                nw = len(v) // nv
                V, W = v.reshape(nw, nv), w.reshape(nw, nv)
                logr = np.log10(np.maximum(rho.reshape(nw, nv), 1e-300))
                top = float(np.max(logr))
                mesh = ax.pcolormesh(V, W, logr, vmin=top - 6.0, vmax=top, shading="nearest", cmap="magma")
                vv = np.linspace(float(V.min()), float(V.max()), 50)
                ax.plot(vv, (vv + a) / b, "c--", lw=1, label="w = (v + a)/b")
                at = mom["t"] == t
                pick = (mom["population"] == name) & at
                if np.any(pick):
                    ax.plot(mom["mean_v"][pick], mom["mean_w"][pick], "w+", ms=10, label="means")
                if np.isfinite(xstar.get(name, np.nan)):
                    ax.axvline(xstar[name], color="w", lw=0.8, ls=":")
                ax.set_ylim(float(W.min()), float(W.max()))
                ax.set_xlabel("v")
                ax.set_ylabel("w")
                ax.set_title(f"{name}, t = {t:g}", fontsize=9)
                fig.colorbar(mesh, ax=ax, label="log10 rho")
                if c == 0:
                    ax.legend(fontsize=6, loc="upper left")
        fig.tight_layout()
        written.append(_save(fig, folder, "fhn_density.png"))

    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for name in pops:
        sel = mom["population"] == name
        t = mom["t"][sel]
        for ax, var in ((axes[0][0], "v"), (axes[0][1], "w")):
            m, sd = mom[f"mean_{var}"][sel], mom[f"sd_{var}"][sel]
            (line,) = ax.plot(t, m, label=f"{name}: mean {var}")
            ax.fill_between(t, m - sd, m + sd, color=line.get_color(), alpha=0.2)
        axes[1][0].plot(t, mom["cov_vw"][sel], label=f"{name}: cov(v, w)")
        axes[1][1].plot(t, mom["m"][sel], label=f"{name}: m")
        axes[1][1].plot(t, mom["A"][sel], "--", label=f"{name}: A")
        axes[1][1].plot(t, mom["V"][sel], ":", label=f"{name}: V")
    for x in xstar.values():
        if np.isfinite(x):
            axes[0][0].axhline(x, color="k", lw=0.6, ls=":")
    for ax, title in zip(axes.flat, ("v: mean +- s.d.", "w: mean +- s.d.", "covariance of v and w",
                                     "activity m, stiffness A, target V")):
        ax.set_title(title)
        ax.set_xlabel("t")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder, "fhn_means.png"))
    return written


def _is_particles(folder):
    with open(os.path.join(folder, "summary.csv")) as f:
        return "scheme" in f.readline().split(",")


# The jobs, by the file that identifies each (a folder holds one job's files).
_JOBS = [
    ("sweep", "sweep.csv", sweep),
    ("converge", "converge.csv", converge),
    ("doublelimit", "doublelimit.csv", doublelimit),
    ("compare", "compare.csv", compare),
    ("hj", "hj.csv", hj),
    ("flow", "flow.csv", flow),
    ("balance", "balance.csv", balance),
    ("limit", "limit.csv", fhn_limit),
    ("fhn", "fhn.csv", fhn),
]


def detect(folder):
    """The jobs whose files are in folder: a list of names."""
    found = [name for name, marker, _ in _JOBS if os.path.exists(os.path.join(folder, marker))]
    if os.path.exists(os.path.join(folder, "density.csv")) and os.path.exists(os.path.join(folder, "summary.csv")):
        found.append("particles" if _is_particles(folder) else "run")
    return found


PLOTS = {name: fn for name, _, fn in _JOBS}
PLOTS.update(run=run, particles=particles)


def plot(folder):
    """Draw every job found in folder; the paths written.  ValueError if there is none."""
    jobs = detect(folder)
    if not jobs:
        raise ValueError(f"{folder}: no job's files (observables.csv and density.csv, sweep.csv, hj.csv, "
                         "compare.csv, converge.csv, doublelimit.csv, flow.csv, balance.csv or limit.csv)")
    written = []
    for name in jobs:
        written += PLOTS[name](folder)
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    status = 0
    for folder in argv:
        try:
            plot(folder)
        except (OSError, ValueError) as e:
            print(f"mfbalance.plot: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
