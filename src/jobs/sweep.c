/* sweep.c -- one gamma of the balance sweep, and power-law fits (sweep.h,
 * docs/balance.md).  The grid is refined around the attracting balance
 * points so that the predicted width sigma / sqrt(2 gamma A*) spans
 * cells_per_sd cells; the run stops when ||d rho/dt||_1 / gamma is below
 * the tolerance; the collapse time is located by CVODE's root finding on
 * max_p |mean_p - x*_p| - radius, one event per attracting point. */
#include "mfbalance/sweep.h"

#include "mfbalance/balance.h"
#include "mfbalance/config.h"
#include "mfbalance/integrator.h"
#include "mfbalance/observables.h"
#include "mfbalance/solver.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int P;
  int ntargets;
  const mf_balance_point *targets; /* the attracting points, one event each */
  int consensus;                   /* electrical coupling alone: one event, on the spread of the means */
  double radius;
} collapse_events;

/* g_k = max_p |mean_p - x*_kp| - radius: negative once every population is
 * within the radius; on the consensus line, max_pq |mean_p - mean_q| - radius. */
static int collapse_g(double t, const double *mean, double *g, void *user)
{
  (void)t;
  const collapse_events *ev = user;
  if (ev->consensus) {
    double lo = mean[0], hi = mean[0];
    for (int p = 1; p < ev->P; p++) lo = fmin(lo, mean[p]), hi = fmax(hi, mean[p]);
    g[0] = hi - lo - ev->radius;
    return 0;
  }
  for (int k = 0; k < ev->ntargets; k++) {
    double d = 0.0;
    for (int p = 0; p < ev->P; p++) d = fmax(d, fabs(mean[p] - ev->targets[k].x[p]));
    g[k] = d - ev->radius;
  }
  return 0;
}

/* The grid for one gamma: the configured one, refined around every
 * attracting balance voltage when the sweep asks for it and the base grid
 * is uniform and fixed (moving frames follow the width themselves). */
static mf_grid *sweep_grid(const mf_config *cfg, const mf_balance_point *att, int natt)
{
  if (cfg->grid_method == MF_GRID_MOVING || !cfg->sweep.refine || cfg->grid_file[0] || natt == 0)
    return mf_config_grid(cfg);
  const mf_model *m = &cfg->model;
  const double h_coarse = (cfg->xmax - cfg->xmin) / cfg->cells;
  mf_grid_zone zones[MF_GRID_MAX_ZONES];
  int nz = 0;
  for (int z = 0; z < cfg->nzones; z++) zones[nz++] = cfg->zones[z];
  for (int k = 0; k < natt; k++)
    for (int p = 0; p < m->P && nz < MF_GRID_MAX_ZONES; p++) {
      const double w = m->pop[p].sigma / sqrt(2.0 * m->gamma * att[k].A[p]);
      const double h = w / cfg->sweep.cells_per_sd;
      if (!(h < h_coarse) || !isfinite(h)) continue;
      /* Twelve predicted s.d. each side: the Gibbs tail is below e^-72 there. */
      zones[nz++] = (mf_grid_zone){.centre = att[k].x[p], .halfwidth = 12.0 * w, .h = h};
    }
  return mf_grid_create_refined(cfg->xmin, cfg->xmax, h_coarse, zones, nz);
}

mf_status mf_sweep_one(const mf_config *cfg_in, double gamma, mf_sweep_row *row)
{
  mf_config cfg = *cfg_in;
  cfg.model.gamma = gamma;
  const mf_model *m = &cfg.model;
  const int P = m->P;
  memset(row, 0, sizeof *row);
  row->gamma = gamma;
  row->collapse_time = NAN;

  mf_status status;
  mf_grid *base = mf_config_grid(&cfg);
  if (!base) return mf_errcode();
  const double lo = base->faces[0], hi = base->faces[base->n];
  mf_grid_free(base);
  mf_balance_point points[MF_BALANCE_MAX_ROOTS], att[MF_BALANCE_MAX_ROOTS];
  int npoints = 0, natt = 0;
  if ((status = mf_balance_find(m, lo, hi, points, MF_BALANCE_MAX_ROOTS, &npoints)) != MF_OK) return status;
  for (int k = 0; k < npoints; k++)
    if (points[k].stability == MF_BALANCE_ATTRACTING) att[natt++] = points[k];
  const int consensus = mf_balance_is_consensus(m);
  if (npoints == 0 && !consensus)
    return mf_error(MF_ENUMERIC, "gamma = %g: no balance point in [%g, %g]", gamma, lo, hi);

  mf_grid *grid = sweep_grid(&cfg, att, natt);
  if (!grid) return mf_errcode();
  const mf_discretisation disc = mf_config_discretisation(&cfg, grid);
  mf_solver *solver = mf_solver_create(m, &disc, &cfg.integ);
  if (!solver) {
    status = mf_errcode();
    goto done;
  }
  collapse_events ev = {.P = P, .ntargets = natt, .targets = att, .consensus = consensus,
                        .radius = cfg.sweep.collapse_radius};
  const int nevents = consensus ? 1 : natt;
  double collapse[MF_BALANCE_MAX_ROOTS];
  int which[MF_BALANCE_MAX_ROOTS];
  for (int k = 0; k < nevents; k++) collapse[k] = NAN;
  if (nevents > 0 && (status = mf_solver_set_events(solver, nevents, collapse_g, &ev)) != MF_OK) goto done;

  /* Output times grow geometrically from 0.01 / gamma: the test for
   * stationarity is cheap, and the early collapse is followed closely. */
  double t_next = 0.01 / gamma;
  for (;;) {
    const double tout = fmin(t_next, cfg.t_end);
    int fired = 0;
    if ((status = mf_solver_advance_until(solver, tout, &fired, which)) != MF_OK) goto done;
    if (fired) {
      for (int k = 0; k < nevents; k++)
        if (which[k] < 0 && isnan(collapse[k])) collapse[k] = mf_solver_time(solver);
      continue;
    }
    double change;
    if ((status = mf_solver_rate(solver, &change)) != MF_OK) {
      status = mf_error(MF_ENUMERIC, "gamma = %g: %s", gamma, mf_errmsg());
      goto done;
    }
    row->stationary = change / gamma < cfg.sweep.stationary_tol;
    if (row->stationary || tout >= cfg.t_end) break;
    t_next *= 1.5;
  }

  mf_pop_observables obs[MF_MAX_POPS];
  mf_solver_observables(solver, obs);
  double means[MF_MAX_POPS];
  for (int p = 0; p < P; p++) means[p] = obs[p].mean;
  if (consensus) {
    /* The point of the line reached: the common value c = sum_p pi_p mean_p. */
    mf_balance_point line;
    memset(&line, 0, sizeof line);
    double pi[MF_MAX_POPS], c = 0.0;
    mf_balance_consensus_weights(m, pi);
    for (int p = 0; p < P; p++) c += pi[p] * means[p];
    for (int p = 0; p < P; p++) {
      line.x[p] = c;
      for (int q = 0; q < P; q++) line.A[p] += m->pop[p].g_el[q];
    }
    points[0] = line;
    npoints = 1;
    natt = 1;
    att[0] = line;
  }
  const int near = mf_balance_nearest(points, npoints, P, means);
  for (int k = 0; k < natt; k++) {
    int same = 1;
    for (int p = 0; p < P; p++) same &= att[k].x[p] == points[near].x[p];
    if (same) row->collapse_time = collapse[k];
  }
  row->consensus = consensus;
  mf_integrator_stats stats;
  mf_solver_get_stats(solver, &stats);
  row->t_final = stats.t;
  row->steps = stats.steps;
  row->wall_seconds = stats.wall_seconds;
  row->ncells = mf_solver_grid(solver, 0)->n;
  for (int p = 0; p < P; p++) {
    const mf_grid *cells = mf_solver_grid(solver, p);
    row->xstar[p] = points[near].x[p];
    row->Astar[p] = points[near].A[p];
    row->mean[p] = obs[p].mean;
    row->mode[p] = obs[p].mode;
    row->sd[p] = obs[p].sd;
    row->width_ratio[p] = obs[p].sd * sqrt(2.0 * gamma * points[near].A[p]) / m->pop[p].sigma;
    row->cells_per_sd[p] = obs[p].sd / cells->w[mf_grid_locate(cells, obs[p].mode)];
  }
  status = MF_OK;

done:
  mf_solver_free(solver);
  mf_grid_free(grid);
  return status;
}

mf_status mf_power_fit_compute(const double *x, const double *y, int n, mf_power_fit *fit)
{
  double *A = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *A), *b = malloc((size_t)(n > 0 ? n : 1) * sizeof *b);
  if (!A || !b) {
    free(A), free(b);
    return mf_error(MF_ENOMEM, "out of memory");
  }
  int k = 0;
  for (int i = 0; i < n; i++)
    if (x[i] > 0.0 && y[i] > 0.0 && isfinite(x[i]) && isfinite(y[i])) b[k++] = log(y[i]);
  const int m = k;
  k = 0;
  for (int i = 0; i < n; i++)
    if (x[i] > 0.0 && y[i] > 0.0 && isfinite(x[i]) && isfinite(y[i])) {
      A[k] = 1.0;         /* column 0: log c */
      A[m + k] = log(x[i]); /* column 1: s */
      k++;
    }
  fit->n = m;
  fit->slope = fit->constant = NAN;
  mf_status status = MF_OK;
  double lx_min = INFINITY, lx_max = -INFINITY;
  for (int i = 0; i < m; i++) lx_min = fmin(lx_min, A[m + i]), lx_max = fmax(lx_max, A[m + i]);
  if (m < 2) {
    status = mf_error(MF_EINPUT, "a power-law fit needs 2 positive points, %d given", m);
  } else if (!(lx_max - lx_min > 1e-12 * fmax(1.0, fabs(lx_max)))) {
    /* dgels does not report this rank deficiency: R's diagonal is round-off, not 0. */
    status = mf_error(MF_EINPUT, "a power-law fit needs at least two different x");
  } else {
    lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', m, 2, 1, A, m, b, m);
    if (info != 0) status = mf_error(MF_ENUMERIC, "LAPACK dgels failed (info = %d)", (int)info);
    else fit->constant = exp(b[0]), fit->slope = b[1];
  }
  free(A), free(b);
  return status;
}
