/* converge_hj.c -- the convergence study of the Hopf-Cole solver
 * (`mfbalance converge --solver hj`; converge.h, hj.h, docs/convergence.md).
 *
 * The Hopf-Cole system (hj.h) on the uniform grid xmin/xmax/cells (a grid
 * refined by zones is refined as a whole), integrated on the fast time
 * tau = gamma t to the [hj] snapshots.  Measured at each snapshot and for
 * each population:
 *   argmax  the sub-cell maximiser of u (mf_hj_argmax);
 *   u_core  max |u - u_ref| where the density is at least 1e-3 of its peak,
 *           u >= max u - log(1e3)/gamma (at gamma = inf: the point of the
 *           largest u), the part of u that carries the mass;
 *   u_linf  max |u - u_ref| over the whole interval, walls included.
 * Grids are compared at the centres of the coarsest grid, each u read there
 * by the parabola through its three nearest cell centres (exact on
 * quadratics, third order otherwise, so the reading adds nothing at the
 * scheme's second order).
 *
 * Reference: for the linear model at gamma = inf the exact solution, the
 * quadratic u = -(x - c)^2 / b with c' = -A (c - V), b' = 4 D - 2 A b,
 * c(0) = mean, b(0) = 2 sd^2 (insert it into u_tau = D u_x^2 + A (x - V) u_x;
 * A, V constant).  Otherwise Richardson extrapolation from the three finest
 * grids: of the argmax as a scalar, of u pointwise with the one order that
 * the maximum differences of the three finest grids show over the region
 * measured.  (At finite gamma the zero-flux walls make u on the box differ
 * from the whole line's Gaussian near the walls by far more than the
 * discretisation error, so the Gaussian of MODEL.md section 5 is no
 * reference for u.)
 *
 * Time: the configured cell count at each rtol (atol in the configured
 * ratio to rtol) against the same grid at 1/100 of the smallest rtol (at
 * least 1e-13). */
#include "converge_internal.h"
#include "mfbalance/converge.h"
#include "mfbalance/hj.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
#include "mfbalance/run.h"
#include "mfbalance/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { Q_ARGMAX, Q_UCORE, Q_ULINF, NQ };
static const char *const quantity_name[NQ] = {"argmax", "u_core", "u_linf"};

/* One run's states at the snapshot times. */
typedef struct {
  int cells;
  double rtol;
  long steps;
  mf_grid *grid;                                 /* the run's grid (owned) */
  double *u[MF_MAX_SNAPSHOTS];                   /* P n values per time */
  double argmax[MF_MAX_SNAPSHOTS][MF_MAX_POPS];
} hj_record;

static void record_clear(hj_record *r)
{
  mf_grid_free(r->grid);
  for (int j = 0; j < MF_MAX_SNAPSHOTS; j++) free(r->u[j]);
  memset(r, 0, sizeof *r);
}

/* Run the Hopf-Cole solver of cfg on `cells` cells with tolerance rtol to
 * each of the nt fast times. */
static mf_status run_once(const mf_config *cfg_in, int cells, double rtol, const double *taus, int nt, hj_record *r)
{
  mf_config cfg = *cfg_in;
  for (int z = 0; z < cfg.nzones; z++) cfg.zones[z].h *= (double)cfg_in->cells / cells;
  cfg.cells = cells;
  r->cells = cells;
  r->rtol = rtol;
  if (!(r->grid = mf_config_grid(&cfg))) return mf_errcode();
  const int n = r->grid->n, P = cfg.model.P;
  mf_hj *hj = mf_hj_create(&cfg.model, r->grid);
  mf_hj_solver *solver = NULL;
  double *u0 = NULL;
  mf_status status = MF_OK;
  if (!hj || !(u0 = malloc((size_t)mf_hj_size(hj) * sizeof *u0))) {
    status = hj ? mf_error(MF_ENOMEM, "out of memory") : mf_errcode();
    goto done;
  }
  mf_hj_initial(hj, u0);
  /* atol keeps the configured ratio to rtol (u is O(1); near its maximum it is small and atol governs). */
  if (!(solver = mf_hj_solver_create(hj, u0, rtol, rtol * cfg.hj_atol / cfg.hj_rtol, cfg.integ.max_steps))) {
    status = mf_errcode();
    goto done;
  }
  for (int j = 0; j < nt; j++) {
    if (taus[j] > 0.0 && (status = mf_hj_solver_advance(solver, taus[j])) != MF_OK) break;
    if (mf_interrupted()) {
      status = mf_interrupt_status("tau", taus[j]);
      break;
    }
    const double *u = mf_hj_solver_state(solver);
    if (!(r->u[j] = malloc((size_t)P * n * sizeof *r->u[j]))) {
      status = mf_error(MF_ENOMEM, "out of memory");
      break;
    }
    memcpy(r->u[j], u, (size_t)P * n * sizeof *u);
    for (int p = 0; p < P; p++) {
      double umax;
      r->argmax[j][p] = mf_hj_argmax(r->grid, u + (size_t)p * n, &umax);
    }
  }
  r->steps = mf_hj_solver_steps(solver);
done:
  mf_hj_solver_free(solver);
  mf_hj_free(hj);
  free(u0);
  return status;
}

/* u (length grid->n) at x: the parabola through the three cell centres
 * nearest x (Lagrange form). */
static double read_u(const mf_grid *grid, const double *u, double x)
{
  const int n = grid->n;
  int lo = 0, hi = n - 1;
  while (hi - lo > 1) { /* grid->x[lo] <= x < grid->x[hi] */
    const int mid = (lo + hi) / 2;
    if (grid->x[mid] <= x) lo = mid;
    else hi = mid;
  }
  int i = fabs(grid->x[lo] - x) <= fabs(grid->x[hi] - x) ? lo : hi; /* the middle of the three */
  if (i < 1) i = 1;
  if (i > n - 2) i = n - 2;
  const double x0 = grid->x[i - 1], x1 = grid->x[i], x2 = grid->x[i + 1];
  return u[i - 1] * (x - x1) * (x - x2) / ((x0 - x1) * (x0 - x2)) +
         u[i] * (x - x0) * (x - x2) / ((x1 - x0) * (x1 - x2)) + u[i + 1] * (x - x0) * (x - x1) / ((x2 - x0) * (x2 - x1));
}

/* The exact solution of the linear model at gamma = inf at fast time tau:
 * centre c and b of u = -(x - c)^2 / b (see the top of this file). */
static void exact_quadratic(const mf_model *model, int p, double tau, double *c, double *b)
{
  const mf_population *pop = &model->pop[p];
  double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  for (int q = 0; q < model->P; q++) m[q] = mf_model_S(&model->pop[q], 0.0);
  mf_model_coupling(model, m, NULL, A, C);
  const double V = C[p] / A[p], D = 0.5 * pop->sigma * pop->sigma, binf = 2.0 * D / A[p];
  *c = V + (pop->init_a - V) * exp(-A[p] * tau);
  *b = binf + (2.0 * pop->init_b * pop->init_b - binf) * exp(-2.0 * A[p] * tau);
}

/* Everything the errors of one snapshot and population are taken against. */
typedef struct {
  int npts;
  const double *pts; /* the common points: the coarsest grid's centres */
  double *vals;      /* each run's u read at the points: vals[k npts + i] */
  double *uref_core; /* reference u at the points for u_core and for u_linf */
  double *uref_all;
  unsigned char *core; /* 1 at the points of the u_core region */
  double argmax_ref;
  double order[NQ]; /* Richardson orders shown by the three finest (NaN: none) */
} hj_reference;

/* The pointwise extrapolation of the three finest runs' u with the one
 * order their largest differences over `mask` (NULL: everywhere) show;
 * the finest run's u (order NaN) if they do not shrink geometrically. */
static double extrapolate_u(const hj_reference *ref, int nruns, const int *cells, const unsigned char *mask, double *out)
{
  const int N = ref->npts;
  const double *v1 = ref->vals + (size_t)(nruns - 3) * N, *v2 = v1 + N, *v3 = v2 + N;
  double d12 = 0.0, d23 = 0.0, order;
  for (int i = 0; i < N; i++)
    if (!mask || mask[i]) d12 = fmax(d12, fabs(v1[i] - v2[i])), d23 = fmax(d23, fabs(v2[i] - v3[i]));
  const double r12 = (double)cells[nruns - 2] / cells[nruns - 3], r23 = (double)cells[nruns - 1] / cells[nruns - 2];
  /* The scalar rule's order on values whose successive differences are d12 and d23. */
  converge_richardson(d12 + d23, d23, 0.0, r12, r23, &order);
  for (int i = 0; i < N; i++) out[i] = isnan(order) ? v3[i] : v3[i] - (v2[i] - v3[i]) / (pow(r23, order) - 1.0);
  return order;
}

mf_status converge_hj_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P;
  mf_converge_opts sorted = cfg->converge; /* tolerances from the largest down */
  for (int k = 1; k < sorted.nrtols; k++)
    for (int j = k; j > 0 && sorted.rtols[j] > sorted.rtols[j - 1]; j--) {
      const double t = sorted.rtols[j];
      sorted.rtols[j] = sorted.rtols[j - 1], sorted.rtols[j - 1] = t;
    }
  const int base_cells = cfg->cells;
  int cells[MF_CONVERGE_MAX + 1], ncells;
  double rtols[MF_CONVERGE_MAX + 1];
  int nrtols;
  if (sorted.ncells > 0) {
    ncells = converge_with_int(sorted.cells, sorted.ncells, base_cells, cells);
    if (cells[ncells - 1] == base_cells && ncells <= MF_CONVERGE_MAX) cells[ncells++] = 2 * base_cells;
  } else {
    static const int factor[][2] = {{1, 4}, {1, 2}, {1, 1}, {2, 1}, {4, 1}};
    ncells = 0;
    for (int k = 0; k < 5; k++)
      if (base_cells * factor[k][0] / factor[k][1] >= MF_GRID_MIN_CELLS)
        cells[ncells++] = base_cells * factor[k][0] / factor[k][1];
  }
  if (sorted.nrtols > 0) {
    nrtols = converge_with_double(sorted.rtols, sorted.nrtols, cfg->hj_rtol, rtols);
  } else {
    nrtols = 0;
    for (double f = 100.0; f >= 0.1 * 0.999; f /= 10.0)
      if (cfg->hj_rtol * f < 0.1) rtols[nrtols++] = cfg->hj_rtol * f;
  }
  if (ncells < 3) return mf_error(MF_EINPUT, "converge needs at least 3 grids (%d given)", ncells);
  if (cfg->grid_file[0])
    return mf_error(MF_EINPUT, "converge --solver hj refines the uniform grid xmin/xmax/cells, not a grid file (%s)",
                    cfg->grid_file);

  /* The snapshot fast times after 0. */
  double taus[MF_MAX_SNAPSHOTS];
  int nt = 0;
  for (int k = 0; k < cfg->hj_nsnapshots; k++)
    if (cfg->hj_snapshots[k] > 0.0 && cfg->hj_snapshots[k] <= cfg->hj_tau_end) taus[nt++] = cfg->hj_snapshots[k];
  if (nt == 0) taus[nt++] = cfg->hj_tau_end;

  const int exact = isinf(model->gamma) && mf_converge_model_is_linear(model);
  /* Space runs far below their space error: 1e-2 of the configured rtol, within [1e-13, 1e-11]. */
  const double rtol_space = fmax(fmin(1e-2 * cfg->hj_rtol, 1e-11), 1e-13);
  const double rtol_ref = fmax(0.01 * rtols[nrtols - 1], 1e-13);
  const double floor_err = CONVERGE_NOISE_FACTOR * rtol_space;
  /* The u_core region: the density at least 1e-3 of its peak. */
  const double core_depth = isinf(model->gamma) ? 0.0 : log(1e3) / model->gamma;
  hj_record *runs = calloc((size_t)(ncells + nrtols + 1), sizeof *runs);
  hj_reference ref = {0};
  mf_outfile rows = {0}, fits = {0};
  mf_status status;
  if (!runs) return mf_error(MF_ENOMEM, "out of memory");
  if ((status = converge_open_rows(cfg, opts, &rows)) != MF_OK) goto done;
  FILE *out = opts->log;
  if (out)
    fprintf(out, "mfbalance converge --solver hj: gamma = %g, %d grids, %d tolerances, %d fast times tau\n"
            "  reference: %s\n", model->gamma, ncells, nrtols, nt,
            exact ? "the exact quadratic u (linear model at gamma = inf)"
                  : "Richardson extrapolation from the three finest grids (argmax; u pointwise, with the order of "
                    "their largest differences)");

  for (int k = 0; k < ncells; k++)
    if ((status = run_once(cfg, cells[k], rtol_space, taus, nt, &runs[k])) != MF_OK) goto done;

  /* Space: the errors of every run at every time and population, and the max over them. */
  ref.npts = runs[0].grid->n;
  ref.pts = runs[0].grid->x;
  const int N = ref.npts;
  ref.vals = malloc((size_t)(ncells + 1) * N * sizeof *ref.vals);
  ref.uref_core = malloc((size_t)N * sizeof *ref.uref_core);
  ref.uref_all = malloc((size_t)N * sizeof *ref.uref_all);
  ref.core = malloc((size_t)N);
  if (!ref.vals || !ref.uref_core || !ref.uref_all || !ref.core) {
    status = mf_error(MF_ENOMEM, "out of memory");
    goto done;
  }
  double worst[MF_CONVERGE_MAX + 1][NQ] = {{0}};
  int measured[MF_CONVERGE_MAX + 1][NQ] = {{0}}; /* 0: the reference itself (no entry) */
  double shown_order[MF_MAX_SNAPSHOTS][NQ];        /* Richardson orders, first population */
  for (int j = 0; j < nt; j++)
    for (int p = 0; p < P; p++) {
      for (int k = 0; k < ncells; k++) {
        const int n = runs[k].grid->n;
        for (int i = 0; i < N; i++) ref.vals[(size_t)k * N + i] = read_u(runs[k].grid, runs[k].u[j] + (size_t)p * n, ref.pts[i]);
      }
      const double *finest = ref.vals + (size_t)(ncells - 1) * N;
      double top = -HUGE_VAL;
      int itop = 0;
      if (exact) {
        double c, b;
        exact_quadratic(model, p, taus[j], &c, &b);
        for (int i = 0; i < N; i++) ref.uref_all[i] = ref.uref_core[i] = -(ref.pts[i] - c) * (ref.pts[i] - c) / b;
        ref.argmax_ref = c;
        for (int q = 0; q < NQ; q++) ref.order[q] = NAN;
      } else {
        ref.argmax_ref = converge_richardson(runs[ncells - 3].argmax[j][p], runs[ncells - 2].argmax[j][p],
                                             runs[ncells - 1].argmax[j][p], (double)cells[ncells - 2] / cells[ncells - 3],
                                             (double)cells[ncells - 1] / cells[ncells - 2], &ref.order[Q_ARGMAX]);
      }
      const double *base = exact ? ref.uref_all : finest;
      for (int i = 0; i < N; i++)
        if (base[i] > top) top = base[i], itop = i;
      for (int i = 0; i < N; i++) ref.core[i] = base[i] >= top - core_depth || i == itop;
      if (!exact) {
        ref.order[Q_UCORE] = extrapolate_u(&ref, ncells, cells, ref.core, ref.uref_core);
        ref.order[Q_ULINF] = extrapolate_u(&ref, ncells, cells, NULL, ref.uref_all);
      }
      if (p == 0)
        for (int q = 0; q < NQ; q++) shown_order[j][q] = ref.order[q];
      for (int k = 0; k < ncells; k++) {
        double err[NQ] = {fabs(runs[k].argmax[j][p] - ref.argmax_ref), 0.0, 0.0};
        for (int i = 0; i < N; i++) {
          const double v = ref.vals[(size_t)k * N + i];
          if (ref.core[i]) err[Q_UCORE] = fmax(err[Q_UCORE], fabs(v - ref.uref_core[i]));
          err[Q_ULINF] = fmax(err[Q_ULINF], fabs(v - ref.uref_all[i]));
        }
        for (int q = 0; q < NQ; q++) {
          /* Against a reference that is the finest run itself, that run has no entry. */
          if (!exact && k == ncells - 1 && isnan(ref.order[q])) continue;
          measured[k][q] = 1;
          worst[k][q] = fmax(worst[k][q], err[q]);
          fprintf(rows.fp, "space,%d,%.3g,%.17g,%s,%s,%.6e,%s\n", cells[k], rtol_space, taus[j], model->pop[p].name,
                  quantity_name[q], err[q], exact ? "exact" : isnan(ref.order[q]) ? "finest grid" : "richardson");
        }
      }
    }
  if (out) {
    fprintf(out, "  space (rtol %.0e), max over %d fast times and %d populations:\n  %7s %9s", rtol_space, nt, P,
            "cells", "steps");
    for (int q = 0; q < NQ; q++) fprintf(out, " %10s %5s", quantity_name[q], "order");
    fputc('\n', out);
    for (int k = 0; k < ncells; k++) {
      fprintf(out, "  %7d %9ld", cells[k], runs[k].steps);
      for (int q = 0; q < NQ; q++) {
        if (!measured[k][q]) fprintf(out, " %10s %5s", "-", "");
        else if (k == 0 || !measured[k - 1][q] || !(worst[k][q] > floor_err) || !(worst[k - 1][q] > floor_err))
          fprintf(out, " %10.2e %5s", worst[k][q], k == 0 || worst[k][q] > floor_err ? "" : "tol");
        else
          fprintf(out, " %10.2e %5.2f", worst[k][q],
                  log(worst[k - 1][q] / worst[k][q]) / log((double)cells[k] / cells[k - 1]));
      }
      fputc('\n', out);
    }
    if (!exact) {
      fprintf(out, "  Richardson orders of argmax, u_core, u_linf (%s) from the three finest (nan: the finest grid is "
              "the reference):", model->pop[0].name);
      for (int j = 0; j < nt; j++)
        fprintf(out, " tau = %g: %.2f %.2f %.2f;", taus[j], shown_order[j][0], shown_order[j][1], shown_order[j][2]);
      fputc('\n', out);
    }
  }

  /* Least-squares orders: error ~ c cells^-order over the grids measured above the noise. */
  if ((status = mf_outfile_open(&fits, opts->outdir, "converge_fit.csv")) != MF_OK) goto done;
  fputs("kind,quantity,order,constant,points\n", fits.fp);
  double lsq[NQ];
  for (int q = 0; q < NQ; q++) {
    double x[MF_CONVERGE_MAX + 1], y[MF_CONVERGE_MAX + 1];
    int m = 0;
    for (int k = 0; k < ncells; k++)
      if (measured[k][q] && worst[k][q] > floor_err) x[m] = cells[k], y[m] = worst[k][q], m++;
    lsq[q] = converge_space_order(fits.fp, quantity_name[q], x, y, m);
  }
  if (out) {
    converge_print_orders(out, quantity_name, lsq, NQ);
    fputc('\n', out);
  }

  /* Time: the configured grid at each rtol against the same grid far below. */
  hj_record *tref = &runs[ncells + nrtols];
  if ((status = run_once(cfg, base_cells, rtol_ref, taus, nt, tref)) != MF_OK) goto done;
  double tworst[MF_CONVERGE_MAX + 1][NQ], space_at_base = 0.0, time_at_base = 0.0;
  for (int k = 0; k < ncells; k++)
    if (cells[k] == base_cells)
      for (int q = 0; q < NQ; q++)
        if (measured[k][q]) space_at_base = fmax(space_at_base, worst[k][q]);
  if (out) {
    fprintf(out, "  time (%d cells), against rtol %.0e on the same grid:\n  %7s %9s", base_cells, rtol_ref, "rtol",
            "steps");
    for (int q = 0; q < NQ; q++) fprintf(out, " %10s", quantity_name[q]);
    fputc('\n', out);
  }
  const int n = tref->grid->n;
  for (int k = 0; k < nrtols; k++) {
    hj_record *r = &runs[ncells + k];
    if ((status = run_once(cfg, base_cells, rtols[k], taus, nt, r)) != MF_OK) goto done;
    for (int q = 0; q < NQ; q++) tworst[k][q] = 0.0;
    for (int j = 0; j < nt; j++)
      for (int p = 0; p < P; p++) {
        const double *u = r->u[j] + (size_t)p * n, *uref = tref->u[j] + (size_t)p * n;
        double top = -HUGE_VAL, err[NQ] = {fabs(r->argmax[j][p] - tref->argmax[j][p]), 0.0, 0.0};
        int itop = 0;
        for (int i = 0; i < n; i++)
          if (uref[i] > top) top = uref[i], itop = i;
        for (int i = 0; i < n; i++) {
          const double d = fabs(u[i] - uref[i]);
          if (uref[i] >= top - core_depth || i == itop) err[Q_UCORE] = fmax(err[Q_UCORE], d);
          err[Q_ULINF] = fmax(err[Q_ULINF], d);
        }
        for (int q = 0; q < NQ; q++) {
          tworst[k][q] = fmax(tworst[k][q], err[q]);
          fprintf(rows.fp, "time,%d,%.3g,%.17g,%s,%s,%.6e,same grid at rtol %.0e\n", base_cells, rtols[k], taus[j],
                  model->pop[p].name, quantity_name[q], err[q], rtol_ref);
        }
      }
    if (rtols[k] == cfg->hj_rtol)
      for (int q = 0; q < NQ; q++) time_at_base = fmax(time_at_base, tworst[k][q]);
    if (out) {
      fprintf(out, "  %7.0e %9ld", rtols[k], r->steps);
      for (int q = 0; q < NQ; q++) fprintf(out, " %10.2e", tworst[k][q]);
      fputc('\n', out);
    }
  }
  for (int q = 0; q < NQ; q++) {
    double x[MF_CONVERGE_MAX + 1], y[MF_CONVERGE_MAX + 1];
    for (int k = 0; k < nrtols; k++) x[k] = rtols[k], y[k] = tworst[k][q];
    mf_power_fit fit;
    if (mf_power_fit_compute(x, y, nrtols, &fit) == MF_OK)
      fprintf(fits.fp, "time,%s,%.6f,%.6g,%d\n", quantity_name[q], fit.slope, fit.constant, fit.n);
  }
  if (out)
    fprintf(out, "  at the configured settings (%d cells, rtol %.0e): space error %.2e, time error %.2e: %s\n",
            base_cells, cfg->hj_rtol, space_at_base, time_at_base,
            time_at_base < space_at_base ? "the grid limits the accuracy (time error below space error)"
                                         : "the tolerance limits the accuracy: lower rtol");
  if ((status = mf_outfile_commit(&rows)) != MF_OK) goto done;
  status = mf_outfile_commit(&fits);
  if (out && status == MF_OK) fprintf(out, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows);
  mf_outfile_discard(&fits);
  free(ref.vals), free(ref.uref_core), free(ref.uref_all), free(ref.core);
  for (int k = 0; k < ncells + nrtols + 1; k++) record_clear(&runs[k]);
  free(runs);
  return status;
}
