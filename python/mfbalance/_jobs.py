"""The jobs of the program as functions returning NumPy arrays.

run, particles and hj drive the library's solver APIs through the same output times and
in the same order of calls as the program's jobs (src/jobs/run.c, src/jobs/limits.c), so that their
numbers equal those of `mfbalance run`, `particles` and `hj` exactly; balance and sweep
call mf_balance_find and mf_sweep_one as the program does.  converge has no in-memory API:
it runs the job in a temporary directory and reads its tables back.  job() runs any job
into a directory, as the command line does.
"""
import os
import tempfile

import numpy as np

from ._config import as_config
from ._csv import read_csv
from ._lib import check, check_ptr, load

OBSERVABLES = ("mass", "mean", "sd", "mode", "m", "A", "V")
STATS = ("t", "steps", "rhs_evals", "jac_evals", "newton_iters", "lin_iters", "newton_fails", "lin_setups",
         "err_fails", "last_step", "last_order", "wall_seconds")


def _doubles(ffi, ptr, n):
    """A copy of n doubles at ptr."""
    return np.frombuffer(ffi.buffer(ptr, 8 * n), dtype=np.float64).copy()


def _output_times(ffi, lib, end, dt, snapshots, nsnapshots):
    pp = ffi.new("double **")
    n = lib.mf_output_times(end, dt, snapshots, nsnapshots, pp)
    try:
        if n < 0:
            raise MemoryError("mf_output_times: out of memory")
        return _doubles(ffi, pp[0], n)
    finally:
        lib.free(pp[0])


def _nearest_balance(ffi, lib, model, lo, hi, means):
    """The attracting balance point nearest the means (the program's summary.csv), or None."""
    points = ffi.new("mf_balance_point[]", lib.MF_BALANCE_MAX_ROOTS)
    count = ffi.new("int *")
    if lib.mf_balance_find(model, lo, hi, points, lib.MF_BALANCE_MAX_ROOTS, count) != 0:
        return None
    k = lib.mf_balance_nearest(points, count[0], model.P, ffi.new("double[]", list(means)))
    return None if k < 0 else np.array([points[k].x[p] for p in range(model.P)])


class _Series:
    """Observables per output time and densities per snapshot (run and particles)."""

    def __init__(self, cfg):
        self.config = cfg
        self.populations = cfg.populations
        self.t = np.empty(0)
        self.obs = {name: np.empty((0, cfg.P)) for name in OBSERVABLES}
        self.snapshots = np.empty(0)
        self.x = self.width = self.faces = self.rho = np.empty((0, cfg.P, 0))
        self.xstar = None
        self.status = "ok"

    def _finish(self, t, obs, snaps):
        self.t = np.array(t)
        table = np.array(obs).reshape(len(t), self.config.P, len(OBSERVABLES))
        self.obs = {name: table[:, :, j].copy() for j, name in enumerate(OBSERVABLES)}
        self.snapshots = np.array([s for s, _ in snaps])
        if snaps:
            self.faces, self.x, self.width, self.rho = (np.array([[c[j] for c in cs] for _, cs in snaps])
                                                        for j in range(4))

    def index(self, population):
        """The index p of a population name."""
        return self.populations.index(population)

    def __getattr__(self, name):
        # r.mean, r.sd, ... are r.obs["mean"], r.obs["sd"], ...
        if name in OBSERVABLES:
            return self.__dict__["obs"][name]
        raise AttributeError(name)


class RunResult(_Series):
    """A mean-field run.

    t                  (K,)        output times (rows of observables.csv)
    obs[name]          (K, P)      name in mass, mean, sd, mode, m, A, V; also r.mean, r.sd, ...
    snapshots          (S,)        snapshot times (rows of density.csv)
    x, width, rho      (S, P, n)   cell centres, widths and densities of population p at snapshot s
                                   (moving frames: the cells move, so they differ per snapshot)
    faces              (S, P, n+1) cell faces
    xstar              (P,)        the attracting balance point nearest the final means (None if none)
    stats              dict        CVODE statistics (t, steps, rhs_evals, ..., wall_seconds)
    status             "ok" or "failed"
    """


class ParticlesResult(_Series):
    """A network simulation: t, obs, snapshots and xstar as in RunResult; rho[s, p, i] are the
    normalised histograms on the configured grid (x, width, faces the same for every s and p);
    voltages[p] the voltages of population p at the end; steps, wall_seconds, count[p]."""


def run(cfg=None, **settings):
    """Solve the mean-field equation of cfg (a Config, an INI path or None for the default,
    with keyword overrides) as `mfbalance run` does; a RunResult.  A numerical failure raises
    NumericalError with e.result: the outputs up to the failure, as the program writes them."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    res = RunResult(cfg)
    grid = check_ptr(lib.mf_config_grid(c))
    solver = ffi.NULL
    try:
        disc = ffi.new("mf_discretisation *", lib.mf_config_discretisation(c, grid))
        solver = check_ptr(lib.mf_solver_create(ffi.addressof(c, "model"), disc, ffi.addressof(c, "integ")))
        times = _output_times(ffi, lib, c.t_end, c.output_dt, c.snapshots, c.nsnapshots)
        K = len(times)
        # The library writes the observables and frame checks straight into these arrays.
        table = np.empty((K, P * len(OBSERVABLES)))
        checks = np.zeros((2, K))
        obs = ffi.cast("mf_pop_observables *", ffi.from_buffer(table))
        outside = ffi.cast("double *", ffi.from_buffer(checks[0]))
        edge = ffi.cast("double *", ffi.from_buffer(checks[1]))
        xmin, xmax = grid.faces[0], grid.faces[grid.n]
        snapshots, nsnapshots, t_end = c.snapshots, c.nsnapshots, c.t_end
        advance, time_of, observables = lib.mf_solver_advance, lib.mf_solver_time, lib.mf_solver_observables
        frame_check, is_snapshot = lib.mf_solver_frame_check, lib.mf_is_snapshot
        t_rows, snaps = [], []
        status = 0
        for k, tk in enumerate(times):
            if tk > 0.0:
                status = advance(solver, tk)
            t = time_of(solver)
            observables(solver, obs + k * P)
            t_rows.append(t)
            frame_check(solver, xmin, xmax, outside + k, edge + k)
            # After a failure the last accepted state is a snapshot too.
            if status != 0 or is_snapshot(snapshots, nsnapshots, tk, t_end):
                cells = []
                for p in range(P):
                    g = lib.mf_solver_grid(solver, p)
                    cells.append((_doubles(ffi, g.faces, g.n + 1), _doubles(ffi, g.x, g.n), _doubles(ffi, g.w, g.n),
                                  _doubles(ffi, lib.mf_solver_density(solver, p), g.n)))
                snaps.append((t, cells))
            if status != 0:
                break
            # CVODE restarts where mf_run restarts it (checkpoints), to land on its numbers.
            if lib.mf_run_restarts_after(c, k, K):
                check(lib.mf_solver_restart(solver, t, lib.mf_solver_state(solver, ffi.new("long *"))))
        rows = len(t_rows)
        # As run.c: the largest over the outputs, fmax (NaN ignored) from 0.
        res.frame_outside, res.frame_edge = (float(np.fmax.reduce(np.append(0.0, v[:rows]))) for v in checks)
        failure = None
        if status != 0:
            try:
                check(status)
            except Exception as e:  # noqa: BLE001 -- re-raised below with the result
                failure = e
        stats = ffi.new("mf_integrator_stats *")
        lib.mf_solver_get_stats(solver, stats)
        res.stats = {name: getattr(stats, name) for name in STATS}
        res.method = ffi.string(lib.mf_solver_method_name(solver)).decode()
        res.linsol = ffi.string(lib.mf_linsol_name(lib.mf_solver_linsol(solver))).decode()
        res.peclet = lib.mf_solver_peclet(solver)
        res._finish(t_rows, table[:rows], snaps)
        res.xstar = _nearest_balance(ffi, lib, ffi.addressof(c, "model"), xmin, xmax, res.obs["mean"][-1])
        if failure is not None:
            res.status = "failed"
            failure.result = res
            raise failure
        return res
    finally:
        lib.mf_solver_free(solver)
        lib.mf_grid_free(grid)


def particles(cfg=None, **settings):
    """Simulate the network of cfg (particles.n neurons) as `mfbalance particles` does; a
    ParticlesResult.  NumericalError (with e.result) when a voltage stops being finite."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    res = ParticlesResult(cfg)
    grid = check_ptr(lib.mf_config_grid(c))
    ps = ffi.NULL
    try:
        n = grid.n
        faces, x, w = _doubles(ffi, grid.faces, n + 1), _doubles(ffi, grid.x, n), _doubles(ffi, grid.w, n)
        times = _output_times(ffi, lib, c.t_end, c.output_dt, c.snapshots, c.nsnapshots)
        density = ffi.new("double[]", P * n)
        ps = check_ptr(lib.mf_particles_create(ffi.addressof(c, "model"), ffi.addressof(c, "particles")))
        obs = ffi.new("mf_pop_observables[]", P)
        obs_buf = ffi.buffer(obs)
        t_rows, obs_rows, snaps = [], [], []
        status = 0
        for tk in times:
            if tk > 0.0:
                status = lib.mf_particles_advance(ps, tk)
            t = lib.mf_particles_time(ps)
            lib.mf_observables_particles(ps, grid, obs, density)
            t_rows.append(t)
            obs_rows.append(np.frombuffer(obs_buf, dtype=np.float64).copy())
            if status != 0 or lib.mf_is_snapshot(c.snapshots, c.nsnapshots, tk, c.t_end):
                rho = _doubles(ffi, density, P * n).reshape(P, n)
                snaps.append((t, [(faces, x, w, rho[p]) for p in range(P)]))
            if status != 0:
                break
        failure = None
        if status != 0:
            try:
                check(status)
            except Exception as e:  # noqa: BLE001
                failure = e
        res.count = np.array([lib.mf_particles_count(ps, p) for p in range(P)])
        res.voltages = [_doubles(ffi, lib.mf_particles_voltages(ps, p), int(res.count[p])) for p in range(P)]
        res.steps = lib.mf_particles_steps(ps)
        res.wall_seconds = lib.mf_particles_wall(ps)
        res._finish(t_rows, obs_rows, snaps)
        res.xstar = _nearest_balance(ffi, lib, ffi.addressof(c, "model"), faces[0], faces[-1], res.obs["mean"][-1])
        if failure is not None:
            res.status = "failed"
            failure.result = res
            raise failure
        return res
    finally:
        lib.mf_particles_free(ps)
        lib.mf_grid_free(grid)


class BalancePoint:
    """A balance point: x (P,), A (P,), residual, eigenvalues (P, complex) of the
    early-behaviour flow, stability ("attracting", "repelling", "marginal"), method
    ("explicit", "newton", or "consensus" for the consensus line of electrical coupling
    alone, whose x is NaN and whose eigenvalues are the Laplacian's rates)."""

    def __init__(self, x, A, residual, eigenvalues, stability, method):
        self.x, self.A, self.residual = x, A, residual
        self.eigenvalues, self.stability, self.method = eigenvalues, stability, method

    def __repr__(self):
        return (f"BalancePoint(x={self.x.tolist()}, stability={self.stability!r}, method={self.method!r}, "
                f"eigenvalues={self.eigenvalues.tolist()})")


def balance(cfg=None, **settings):
    """The balance points of cfg's model in the box [xmin, xmax]^P, attracting ones first,
    as `mfbalance balance` reports them; a list of BalancePoint."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    model = ffi.addressof(c, "model")
    grid = check_ptr(lib.mf_config_grid(c))
    lo, hi = grid.faces[0], grid.faces[grid.n]
    lib.mf_grid_free(grid)
    points = ffi.new("mf_balance_point[]", lib.MF_BALANCE_MAX_ROOTS)
    count = ffi.new("int *")
    check(lib.mf_balance_find(model, lo, hi, points, lib.MF_BALANCE_MAX_ROOTS, count))
    if lib.mf_balance_is_consensus(model):
        re, im = ffi.new("double[]", P), ffi.new("double[]", P)
        check(lib.mf_balance_consensus_rates(model, re, im))
        G = np.array([sum(c.model.pop[p].g_el[q] for q in range(P)) for p in range(P)])
        return [BalancePoint(np.full(P, np.nan), G, 0.0, np.array([complex(re[k], im[k]) for k in range(P)]),
                             "attracting", "consensus")]
    out = []
    for k in range(count[0]):
        pt = points[k]
        out.append(BalancePoint(np.array(list(pt.x)[:P]), np.array(list(pt.A)[:P]), pt.residual,
                                np.array([complex(pt.eig_re[j], pt.eig_im[j]) for j in range(P)]),
                                ffi.string(lib.mf_balance_stability_name(pt.stability)).decode(),
                                "explicit" if pt.is_explicit else "newton"))
    return out


class Fit:
    """A power law y = constant * gamma**slope fitted to n points."""

    def __init__(self, slope, constant, n):
        self.slope, self.constant, self.n = slope, constant, n

    def __call__(self, gamma):
        return self.constant * np.asarray(gamma, dtype=float) ** self.slope

    def __repr__(self):
        return f"Fit(slope={self.slope!r}, constant={self.constant!r}, n={self.n})"


class SweepResult:
    """A gamma sweep (sweep.csv in arrays).

    gamma                                 (G,)
    xstar, Astar, mean, mode, sd,         (G, P)
    err_mean, err_mode, width_ratio, cells_per_sd
    collapse_time, t_final, stationary,   (G,)
    consensus, ncells, steps, wall_seconds
    fits[(quantity, population)]          Fit, quantity in err_mean, err_mode, sd (per population)
                                          and collapse_time (population "all"), as sweep_fit.csv
    """


def sweep(cfg=None, gammas=None, **settings):
    """mf_sweep_one for every gamma (default: cfg's sweep.gammas), then the power-law fits of
    the sweep job; a SweepResult.  A failure raises with e.result holding the rows before it."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    if gammas is None:
        gammas = [c.sweep.gammas[k] for k in range(c.sweep.ngammas)]
    gammas = [float(g) for g in np.atleast_1d(gammas)]
    rows = []
    failure = None
    row = ffi.new("mf_sweep_row *")
    for g in gammas:
        status = lib.mf_sweep_one(c, g, row)
        if status != 0:
            try:
                check(status)
            except Exception as e:  # noqa: BLE001
                failure = e
            break
        rows.append(ffi.new("mf_sweep_row *", row[0]))
    res = SweepResult()
    res.config, res.populations = cfg, cfg.populations
    res.gamma = np.array([r.gamma for r in rows])
    for name in ("xstar", "Astar", "mean", "mode", "sd", "width_ratio", "cells_per_sd"):
        setattr(res, name, np.array([list(getattr(r, name))[:P] for r in rows]).reshape(len(rows), P))
    res.err_mean = np.abs(res.mean - res.xstar)
    res.err_mode = np.abs(res.mode - res.xstar)
    for name in ("collapse_time", "t_final", "ncells", "steps", "wall_seconds"):
        setattr(res, name, np.array([getattr(r, name) for r in rows]))
    res.stationary = np.array([bool(r.stationary) for r in rows])
    res.consensus = np.array([bool(r.consensus) for r in rows])
    # The fits of mf_sweep_job: |mean - x*|, |mode - x*| and sd per population, the collapse time.
    res.fits = {}
    if len(rows) >= 2:
        fit = ffi.new("mf_power_fit *")
        g = ffi.new("double[]", list(res.gamma))
        series = [(q, pop, getattr(res, q)[:, p]) for q in ("err_mean", "err_mode", "sd")
                  for p, pop in enumerate(res.populations)] + [("collapse_time", "all", res.collapse_time)]
        for q, pop, y in series:
            if lib.mf_power_fit_compute(g, ffi.new("double[]", list(y)), len(rows), fit) == 0:
                res.fits[(q, pop)] = Fit(fit.slope, fit.constant, fit.n)
            else:
                lib.mf_error_clear()
    if failure is not None:
        failure.result = res
        raise failure
    return res


class HJResult:
    """The Hopf-Cole solver on the fast time tau (hj.csv and u.csv in arrays).

    tau                                  (K,)
    argmax, max_u, xstar, dist, m, A, V, (K, P)  argmax of u_p, its value, the balance point
    mean, flow, gap                              nearest the argmax and the distance to it,
                                                 m, A, V, the mean of e^{gamma u} (NaN at
                                                 gamma = inf), the early-behaviour flow, |argmax - flow|
    snapshots                            (S,)    fast times of the u snapshots
    x                                    (n,)    cell centres
    u                                    (S, P, n)
    steps                                CVODE steps
    """


def hj(cfg=None, **settings):
    """The Hopf-Cole solver of cfg (model.gamma may be inf) as `mfbalance hj` does; an HJResult."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    model = ffi.addressof(c, "model")
    gamma_inf = np.isinf(c.model.gamma)
    grid = check_ptr(lib.mf_config_grid(c))
    h = solver = flow_c = ffi.NULL
    try:
        h = check_ptr(lib.mf_hj_create(model, grid))
        n = grid.n
        taus = _output_times(ffi, lib, c.hj_tau_end, c.hj_output_dtau, c.hj_snapshots, c.hj_nsnapshots)
        u0 = ffi.new("double[]", lib.mf_hj_size(h))
        rho = ffi.new("double[]", n)
        lib.mf_hj_initial(h, u0)
        # The initial means, as limits.c's initial_means.
        x0 = ffi.new("double[]", [pop.init_a if pop.init == lib.MF_INIT_GAUSSIAN else 0.5 * (pop.init_a + pop.init_b)
                                  for pop in (c.model.pop[p] for p in range(P))])
        solver = check_ptr(lib.mf_hj_solver_create(h, u0, c.hj_rtol, c.hj_atol, c.integ.max_steps))
        flow_c = check_ptr(lib.mf_flow_create(model, x0, 1e-10, 1e-12))
        points = ffi.new("mf_balance_point[]", lib.MF_BALANCE_MAX_ROOTS)
        count = ffi.new("int *")
        check(lib.mf_balance_find(model, grid.faces[0], grid.faces[n], points, lib.MF_BALANCE_MAX_ROOTS, count))
        x = _doubles(ffi, grid.x, n)
        w = _doubles(ffi, grid.w, n)
        m, means, A, C, xf = (ffi.new("double[]", P) for _ in range(5))
        xbar, xs = ffi.new("double[]", P), ffi.new("double[]", P)
        consensus = lib.mf_balance_is_consensus(model)
        umax = ffi.new("double *")
        cols = {k: [] for k in ("argmax", "max_u", "xstar", "dist", "m", "A", "V", "mean", "flow", "gap")}
        tau_rows, snaps = [], []
        failure = None
        for tk in taus:
            status = lib.mf_hj_solver_advance(solver, tk) if tk > 0.0 else 0
            if status == 0:
                status = lib.mf_flow_advance(flow_c, tk, xf)
            if status != 0:
                try:
                    check(status)
                except Exception as e:  # noqa: BLE001
                    failure = e
                break
            u = lib.mf_hj_solver_state(solver)
            lib.mf_hj_activities(h, u, m)
            lib.mf_hj_means(h, u, means)
            lib.mf_model_coupling(model, m, means, A, C)
            row = {k: np.empty(P) for k in cols}
            for p in range(P):
                xbar[p] = lib.mf_hj_argmax(grid, u + p * n, umax)
                row["max_u"][p] = umax[0]
            # Electrical coupling alone: the point of the consensus line reached from xbar, as limits.c.
            near = -1 if consensus else lib.mf_balance_nearest(points, count[0], P, xbar)
            if consensus:
                check(lib.mf_balance_consensus_point(model, xbar, xs))
            for p in range(P):
                row["argmax"][p] = xbar[p]
                row["xstar"][p] = xs[p] if consensus else points[near].x[p] if near >= 0 else np.nan
                row["dist"][p] = abs(xbar[p] - row["xstar"][p])
                row["m"][p], row["A"][p] = m[p], A[p]
                row["V"][p] = C[p] / A[p] if A[p] > 0 else np.nan
                if gamma_inf:
                    row["mean"][p] = np.nan
                else:
                    lib.mf_hj_density(h, u, p, rho)
                    # Summed in order, as limits.c sums it.
                    row["mean"][p] = np.add.accumulate(w * x * _doubles(ffi, rho, n))[-1]
                row["flow"][p] = xf[p]
                row["gap"][p] = abs(xbar[p] - xf[p])
            tau_rows.append(tk)
            for k in cols:
                cols[k].append(row[k])
            if lib.mf_is_snapshot(c.hj_snapshots, c.hj_nsnapshots, tk, c.hj_tau_end):
                snaps.append((tk, _doubles(ffi, u, P * n).reshape(P, n)))
        res = HJResult()
        res.config, res.populations = cfg, cfg.populations
        res.tau = np.array(tau_rows)
        for k, v in cols.items():
            setattr(res, k, np.array(v).reshape(len(tau_rows), P))
        res.snapshots = np.array([s for s, _ in snaps])
        res.x = x
        res.u = np.array([u for _, u in snaps]).reshape(len(snaps), P, n)
        res.steps = lib.mf_hj_solver_steps(solver)
        if failure is not None:
            failure.result = res
            raise failure
        return res
    finally:
        lib.mf_flow_free(flow_c)
        lib.mf_hj_solver_free(solver)
        lib.mf_hj_free(h)
        lib.mf_grid_free(grid)


def flow(cfg=None, **settings):
    """The early-behaviour flow dx/dtau = -G(x) from the initial means at the hj output
    times, as `mfbalance flow`; (tau (K,), x (K, P))."""
    cfg = as_config(cfg, settings)
    ffi, lib = load()
    c = cfg._c
    P = c.model.P
    x0 = ffi.new("double[]", [pop.init_a if pop.init == lib.MF_INIT_GAUSSIAN else 0.5 * (pop.init_a + pop.init_b)
                              for pop in (c.model.pop[p] for p in range(P))])
    taus = _output_times(ffi, lib, c.hj_tau_end, c.hj_output_dtau, c.hj_snapshots, c.hj_nsnapshots)
    f = check_ptr(lib.mf_flow_create(ffi.addressof(c, "model"), x0, 1e-10, 1e-12))
    try:
        x = ffi.new("double[]", P)
        out = np.empty((len(taus), P))
        for k, tk in enumerate(taus):
            check(lib.mf_flow_advance(f, tk, x))
            out[k] = list(x)
        return taus, out
    finally:
        lib.mf_flow_free(f)


JOBS = ("run", "sweep", "particles", "compare", "doublelimit", "hj", "flow", "converge")


def job(name, cfg=None, out=None, force=False, cells=None, rtols=None, log=False, **settings):
    """Run the program's job `name` (one of JOBS) into the directory out, writing the files
    `mfbalance NAME --out OUT` writes; cells and rtols are converge's --cells and --rtol.
    Returns out, or (out, log text) with log=True."""
    cfg = as_config(cfg, settings)
    if name == "converge" and (cells is not None or rtols is not None):  # --cells, --rtol are configuration keys
        extra = {}
        if cells is not None:
            extra["converge.cells"] = " ".join(str(int(v)) for v in cells)
        if rtols is not None:
            extra["converge.rtol"] = " ".join(repr(float(v)) for v in rtols)
        cfg = cfg.replace(**extra)
    ffi, lib = load()
    if name not in JOBS:
        raise ValueError(f"unknown job {name!r}: expected one of {', '.join(JOBS)}")
    if out is None:
        raise ValueError("job(): out (the output directory) is required")
    buf, size = ffi.new("char **"), ffi.new("size_t *")
    fp = lib.open_memstream(buf, size) if log else ffi.NULL
    out_c = ffi.new("char[]", os.fspath(out).encode())
    opts = ffi.new("mf_run_opts *", {"outdir": out_c, "force": int(bool(force)), "log": fp})
    try:
        if name == "run":
            status = lib.mf_run(cfg._c, opts, ffi.NULL)
        else:
            status = getattr(lib, f"mf_{name}_job")(cfg._c, opts)
    finally:
        text = None
        if fp != ffi.NULL:
            lib.fclose(fp)
            text = ffi.string(buf[0], size[0]).decode()
            lib.free(buf[0])
    check(status)
    return (os.fspath(out), text) if log else os.fspath(out)


class ConvergeResult:
    """A convergence study: rows (converge.csv as a dict of arrays: kind, cells, rtol, t,
    population, quantity, error, reference), fits (converge_fit.csv likewise), and
    order[(kind, quantity)] the least-squares orders."""


def converge(cfg=None, cells=None, rtols=None, **settings):
    """The convergence study of cfg (`mfbalance converge`, with --cells and --rtol as cells and
    rtols).  There is no in-memory API for it: the job writes into a temporary directory and
    its tables are read back; a ConvergeResult."""
    cfg = as_config(cfg, settings)
    with tempfile.TemporaryDirectory(prefix="mfbalance-converge-") as d:
        job("converge", cfg, d, force=True, cells=cells, rtols=rtols)
        res = ConvergeResult()
        res.config = cfg
        res.rows = read_csv(os.path.join(d, "converge.csv"))
        res.fits = read_csv(os.path.join(d, "converge_fit.csv"))
    res.order = {(k, q): o for k, q, o in zip(res.fits["kind"], res.fits["quantity"], res.fits["order"])}
    return res


def wasserstein1(faces, rho, samples):
    """The 1-Wasserstein distance between the empirical measure of samples and the density
    rho (cell averages) on the cells with the given faces (length len(rho) + 1), exactly
    (mf_wasserstein1); e.g. wasserstein1(r.faces[-1, p], r.rho[-1, p], q.voltages[p])."""
    ffi, lib = load()
    faces = np.ascontiguousarray(faces, dtype=np.float64)
    rho = np.ascontiguousarray(rho, dtype=np.float64)
    x = np.sort(np.asarray(samples, dtype=np.float64))
    if faces.shape != (rho.size + 1,):
        raise ValueError(f"faces has {faces.size} entries: expected len(rho) + 1 = {rho.size + 1}")
    grid = check_ptr(lib.mf_grid_create_faces(ffi.from_buffer("double[]", faces), rho.size))
    try:
        return lib.mf_wasserstein1(grid, ffi.from_buffer("double[]", rho), ffi.from_buffer("double[]", x), x.size)
    finally:
        lib.mf_grid_free(grid)
