/* converge.c -- the convergence study (converge.h, docs/convergence.md):
 * runs on a sequence of grids and of tolerances, errors against the exact
 * solution or Richardson extrapolation, observed and least-squares orders. */
#include "mfbalance/converge.h"

#include "converge_internal.h"
#include "mfbalance/run.h"

#include "mfbalance/distance.h"
#include "mfbalance/output.h"
#include "mfbalance/solver.h"
#include "mfbalance/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { Q_MEAN, Q_SD, Q_M, Q_L1, Q_LINF, Q_W1, NQ };
static const char *const quantity_name[NQ] = {"mean", "sd", "m", "l1", "linf", "w1"};

/* One run's measurements at the snapshot times. */
typedef struct {
  int cells;
  double rtol;
  double peclet;
  long steps;
  mf_pop_observables obs[MF_MAX_SNAPSHOTS][MF_MAX_POPS];
  mf_grid *grid[MF_MAX_SNAPSHOTS][MF_MAX_POPS]; /* copies of the cells */
  mf_cdf *cdf[MF_MAX_SNAPSHOTS][MF_MAX_POPS];
} record;

static void record_clear(record *r)
{
  for (int j = 0; j < MF_MAX_SNAPSHOTS; j++)
    for (int p = 0; p < MF_MAX_POPS; p++) mf_grid_free(r->grid[j][p]), mf_cdf_free(r->cdf[j][p]);
  memset(r, 0, sizeof *r);
}

int mf_converge_model_is_linear(const mf_model *model)
{
  /* (With electrical coupling the means obey a coupled linear system: no closed form here yet.) */
  if (mf_model_has_electrical(model)) return 0;
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    if (pop->k != 0.0 || pop->f[2] != 0.0 || pop->f[3] != 0.0 || pop->init != MF_INIT_GAUSSIAN) return 0;
  }
  return 1;
}

/* The exact mean and s.d. of population p at t in the linear case (MODEL.md section 5). */
static void exact_gaussian(const mf_model *model, int p, double t, double *mean, double *sd)
{
  const mf_population *pop = &model->pop[p];
  double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  for (int q = 0; q < model->P; q++) m[q] = mf_model_S(&model->pop[q], 0.0);
  mf_model_coupling(model, m, NULL, A, C);
  const double kappa = -pop->f[1] + model->gamma * A[p], minf = (pop->f[0] + model->gamma * C[p]) / kappa;
  const double vinf = pop->sigma * pop->sigma / (2.0 * kappa);
  *mean = minf + (pop->init_a - minf) * exp(-kappa * t);
  *sd = sqrt(vinf + (pop->init_b * pop->init_b - vinf) * exp(-2.0 * kappa * t));
}

/* Run cfg with `cells` cells and tolerance rtol to each of the nt times. */
static mf_status run_once(const mf_config *cfg_in, int cells, double rtol, const double *times, int nt, record *r)
{
  mf_config cfg = *cfg_in;
  if (cfg.grid_method == MF_GRID_MOVING) {
    cfg.moving_cells = cells;
  } else {
    /* A graded grid is refined as a whole: its zones' cells shrink with the coarse ones. */
    for (int z = 0; z < cfg.nzones; z++) cfg.zones[z].h *= (double)cfg_in->cells / cells;
    cfg.cells = cells;
  }
  cfg.integ.rtol = rtol;
  cfg.integ.atol = rtol / 100.0;
  r->cells = cells;
  r->rtol = rtol;
  mf_grid *grid = mf_config_grid(&cfg);
  if (!grid) return mf_errcode();
  const mf_discretisation disc = mf_config_discretisation(&cfg, grid);
  mf_solver *solver = mf_solver_create(&cfg.model, &disc, &cfg.integ);
  mf_status status = solver ? MF_OK : mf_errcode();
  for (int j = 0; j < nt && status == MF_OK; j++) {
    if ((status = mf_solver_advance(solver, times[j])) != MF_OK) break;
    mf_solver_observables(solver, r->obs[j]);
    for (int p = 0; p < cfg.model.P && status == MF_OK; p++) {
      const mf_grid *g = mf_solver_grid(solver, p);
      r->grid[j][p] = mf_grid_create_faces(g->faces, g->n);
      r->cdf[j][p] = mf_cdf_create(g, mf_solver_density(solver, p));
      if (!r->grid[j][p] || !r->cdf[j][p]) status = mf_errcode();
    }
  }
  if (solver) {
    mf_integrator_stats st;
    mf_solver_get_stats(solver, &st);
    r->steps = st.steps;
    r->peclet = mf_solver_peclet(solver);
  }
  mf_solver_free(solver);
  mf_grid_free(grid);
  return status;
}

/* Errors of run r against the reference at time j, population p: exact
 * (ref == NULL, linear model) or the reference run with scalar references. */
static void errors_of(const mf_model *model, const record *r, const record *ref, const double *scalar_ref, double t,
                      int j, int p, double *err)
{
  const mf_pop_observables *o = &r->obs[j][p];
  mf_distance d;
  if (!ref) {
    double mean, sd;
    exact_gaussian(model, p, t, &mean, &sd);
    err[Q_MEAN] = fabs(o->mean - mean);
    err[Q_SD] = fabs(o->sd - sd);
    err[Q_M] = fabs(o->m - mf_model_S(&model->pop[p], 0.0));
    mf_cdf *exact = mf_cdf_create_gaussian(mean, sd);
    if (exact) mf_distance_compute(r->cdf[j][p], exact, r->grid[j][p], &d);
    else d.l1 = d.linf = d.w1 = NAN;
    mf_cdf_free(exact);
  } else {
    err[Q_MEAN] = fabs(o->mean - scalar_ref[Q_MEAN]);
    err[Q_SD] = fabs(o->sd - scalar_ref[Q_SD]);
    err[Q_M] = fabs(o->m - scalar_ref[Q_M]);
    mf_distance_compute(r->cdf[j][p], ref->cdf[j][p], ref->grid[j][p], &d);
  }
  err[Q_L1] = d.l1, err[Q_LINF] = d.linf, err[Q_W1] = d.w1;
}

static double scalar(const mf_pop_observables *o, int q) { return q == Q_MEAN ? o->mean : q == Q_SD ? o->sd : o->m; }

double converge_richardson(double v1, double v2, double v3, double r12, double r23, double *order)
{
  const double d12 = v1 - v2, d23 = v2 - v3;
  *order = NAN;
  if (d23 == 0.0) return v3;
  if (!(d12 / d23 > 1.0)) return v3;
  const double r = sqrt(r12 * r23); /* the grids' mean refinement ratio */
  const double p = log(d12 / d23) / log(r);
  if (!(p > 0.5 && p < 8.0)) return v3;
  *order = p;
  return v3 - d23 / (pow(r23, p) - 1.0);
}


static const char *regime(double pe)
{
  if (pe <= 2.0) return "centred regime: second order";
  if (pe <= 10.0) return "transition: between first and second order";
  return "upwind regime: first order where the drift dominates";
}

mf_status converge_open_rows(const mf_config *cfg, const mf_run_opts *opts, mf_outfile *rows)
{
  mf_status status;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if ((status = mf_config_save(cfg, opts->outdir)) != MF_OK) return status;
  if ((status = mf_outfile_open(rows, opts->outdir, "converge.csv")) != MF_OK) return status;
  fputs("kind,cells,rtol,t,population,quantity,error,reference\n", rows->fp);
  return MF_OK;
}

double converge_space_order(FILE *fits, const char *quantity, const double *x, const double *y, int m)
{
  mf_power_fit fit;
  if (m < 2 || mf_power_fit_compute(x, y, m, &fit) != MF_OK) return NAN;
  fprintf(fits, "space,%s,%.6f,%.6g,%d\n", quantity, -fit.slope, fit.constant, fit.n);
  return -fit.slope;
}

void converge_print_orders(FILE *out, const char *const *names, const double *order, int n)
{
  fprintf(out, "  least-squares order:");
  for (int q = 0; q < n; q++)
    if (isnan(order[q])) fprintf(out, " %s - (errors at the tolerance's level)", names[q]);
    else fprintf(out, " %s %.2f", names[q], order[q]);
}

int converge_with_int(const long *v, int n, int must, int *out)
{
  int k = 0, placed = 0;
  for (int i = 0; i < n; i++) {
    if (!placed && must <= v[i]) {
      if (must < v[i]) out[k++] = must;
      placed = 1;
    }
    out[k++] = (int)v[i];
  }
  if (!placed) out[k++] = must;
  return k;
}

int converge_with_double(const double *v, int n, double must, double *out)
{
  int k = 0, placed = 0;
  for (int i = 0; i < n; i++) {
    if (!placed && must >= v[i]) { /* decreasing */
      if (must > v[i]) out[k++] = must;
      placed = 1;
    }
    out[k++] = v[i];
  }
  if (!placed) out[k++] = must;
  return k;
}

mf_status mf_converge_job(const mf_config *cfg, const mf_run_opts *opts)
{
  /* Its grids and exact solutions are one-dimensional; validation/check_fhn_pde.py studies the (v, w) grids. */
  if (cfg->model.neuron == MF_NEURON_FHN)
    return mf_error(MF_EINPUT, "converge is for neuron = 1d; for FitzHugh-Nagumo models run `run` on several "
                    "grid.cells_v, grid.cells_w (validation/check_fhn_pde.py)");
  if (cfg->converge.solver == MF_CONVERGE_HJ) return converge_hj_job(cfg, opts);
  mf_converge_opts sorted = cfg->converge; /* tolerances from the largest down */
  const mf_converge_opts *copts = &sorted;
  for (int k = 1; k < sorted.nrtols; k++)
    for (int j = k; j > 0 && sorted.rtols[j] > sorted.rtols[j - 1]; j--) {
      const double t = sorted.rtols[j];
      sorted.rtols[j] = sorted.rtols[j - 1], sorted.rtols[j - 1] = t;
    }
  const mf_model *model = &cfg->model;
  const int P = model->P;
  const int base_cells = cfg->grid_method == MF_GRID_MOVING ? cfg->moving_cells : cfg->cells;
  int cells[MF_CONVERGE_MAX + 1], ncells;
  double rtols[MF_CONVERGE_MAX + 1];
  int nrtols;
  if (copts->ncells > 0) {
    ncells = converge_with_int(copts->cells, copts->ncells, base_cells, cells);
    /* The configured grid's own error needs a finer one beside it. */
    if (cells[ncells - 1] == base_cells && ncells <= MF_CONVERGE_MAX) cells[ncells++] = 2 * base_cells;
  } else {
    static const int factor[][2] = {{1, 4}, {1, 2}, {1, 1}, {2, 1}, {4, 1}};
    ncells = 0;
    for (int k = 0; k < 5; k++)
      if (base_cells * factor[k][0] / factor[k][1] >= MF_GRID_MIN_CELLS)
        cells[ncells++] = base_cells * factor[k][0] / factor[k][1];
  }
  if (copts->nrtols > 0) {
    nrtols = converge_with_double(copts->rtols, copts->nrtols, cfg->integ.rtol, rtols);
  } else {
    nrtols = 0;
    for (double f = 100.0; f >= 0.01 * 0.999; f /= 10.0)
      if (cfg->integ.rtol * f < 0.1) rtols[nrtols++] = cfg->integ.rtol * f;
  }
  if (ncells < 3) return mf_error(MF_EINPUT, "converge needs at least 3 grids (%d given)", ncells);
  if (cfg->grid_method == MF_GRID_FIXED && cfg->grid_file[0])
    return mf_error(MF_EINPUT, "converge refines the uniform grid xmin/xmax/cells or the moving frames, "
                    "not a grid file (%s)", cfg->grid_file);

  /* The snapshot times after 0. */
  double times[MF_MAX_SNAPSHOTS];
  int nt = 0;
  for (int k = 0; k < cfg->nsnapshots; k++)
    if (cfg->snapshots[k] > 0.0) times[nt++] = cfg->snapshots[k];
  if (nt == 0) times[nt++] = cfg->t_end;

  const int linear = mf_converge_model_is_linear(model);
  /* Space runs far below their space error: 1e-3 of the configured rtol, at most 1e-10. */
  const double rtol_space = fmax(fmin(1e-3 * cfg->integ.rtol, 1e-10), 1e-13);
  const double rtol_ref = fmax(0.01 * rtols[nrtols - 1], 1e-13);
  const double floor_err = CONVERGE_NOISE_FACTOR * rtol_space;
  record *runs = calloc((size_t)(ncells + nrtols + 1), sizeof *runs);
  mf_outfile rows = {0}, fits = {0};
  mf_status status;
  if (!runs) return mf_error(MF_ENOMEM, "out of memory");
  if ((status = converge_open_rows(cfg, opts, &rows)) != MF_OK) goto done;
  FILE *out = opts->log;
  if (out)
    fprintf(out, "mfbalance converge: %s discretisation, %d grids, %d tolerances, %d snapshot times\n"
            "  reference: %s\n", cfg->grid_method == MF_GRID_MOVING ? "moving" : "fixed", ncells, nrtols, nt,
            linear ? "the exact Gaussian solution (linear model)"
                   : "Richardson extrapolation from the three finest grids (mean, sd, m); the next finer grid (densities)");

  for (int k = 0; k < ncells; k++)
    if ((status = run_once(cfg, cells[k], rtol_space, times, nt, &runs[k])) != MF_OK) goto done;

  /* Space: errors per run, time and population, and the max over them. */
  double worst[MF_CONVERGE_MAX + 1][NQ];
  double sref[MF_MAX_SNAPSHOTS][MF_MAX_POPS][NQ], rich_order[MF_MAX_SNAPSHOTS][MF_MAX_POPS][NQ];
  const record *fine = &runs[ncells - 1];
  for (int j = 0; j < nt; j++)
    for (int p = 0; p < P; p++)
      for (int q = 0; q < Q_L1; q++)
        sref[j][p][q] = converge_richardson(scalar(&runs[ncells - 3].obs[j][p], q), scalar(&runs[ncells - 2].obs[j][p], q),
                                   scalar(&fine->obs[j][p], q), (double)cells[ncells - 2] / cells[ncells - 3],
                                   (double)cells[ncells - 1] / cells[ncells - 2], &rich_order[j][p][q]);
  /* Without an exact solution the densities are compared with the next
   * finer grid (their difference shrinks at the scheme's order, with no
   * bias from a reference that is itself a grid); the finest has no entry. */
  const int nspace = linear ? ncells : ncells - 1;
  for (int k = 0; k < ncells; k++) {
    for (int q = 0; q < NQ; q++) worst[k][q] = 0.0;
    for (int j = 0; j < nt; j++)
      for (int p = 0; p < P; p++) {
        double err[NQ];
        errors_of(model, &runs[k], linear ? NULL : &runs[k < ncells - 1 ? k + 1 : k], sref[j][p], times[j], j, p,
                  err);
        for (int q = 0; q < NQ; q++) {
          if (!linear && k == ncells - 1 && q >= Q_L1) continue;
          worst[k][q] = fmax(worst[k][q], err[q]);
          fprintf(rows.fp, "space,%d,%.3g,%.17g,%s,%s,%.6e,%s\n", cells[k], rtol_space, times[j], model->pop[p].name,
                  quantity_name[q], err[q],
                  linear ? "exact" : q < Q_L1 ? "richardson" : "next finer grid");
        }
      }
  }
  if (out) {
    fprintf(out, "  space (rtol %.0e), max over %d times and %d populations:\n  %7s %8s", rtol_space, nt, P, "cells",
            "Peclet");
    for (int q = 0; q < NQ; q++) fprintf(out, " %10s %5s", quantity_name[q], "order");
    fputc('\n', out);
    for (int k = 0; k < ncells; k++) {
      fprintf(out, "  %7d %8.3g", cells[k], runs[k].peclet);
      for (int q = 0; q < NQ; q++) {
        const int shown = linear || k < nspace || q < Q_L1;
        if (!shown) fprintf(out, " %10s %5s", "-", "");
        else if (k == 0 || !(worst[k][q] > floor_err) || !(worst[k - 1][q] > floor_err))
          fprintf(out, " %10.2e %5s", worst[k][q], k == 0 || worst[k][q] > floor_err ? "" : "tol");
        else fprintf(out, " %10.2e %5.2f", worst[k][q], log(worst[k - 1][q] / worst[k][q]) / log((double)cells[k] / cells[k - 1]));
      }
      fputc('\n', out);
    }
    if (!linear) {
      fprintf(out, "  densities against the next finer grid; Richardson orders of mean, sd, m (%s) from the three finest:",
              model->pop[0].name);
      for (int j = 0; j < nt; j++)
        fprintf(out, " t = %g: %.2f %.2f %.2f;", times[j], rich_order[j][0][Q_MEAN], rich_order[j][0][Q_SD],
                rich_order[j][0][Q_M]);
      fputc('\n', out);
    }
  }

  /* Least-squares orders: error ~ c cells^-order over the grids measured. */
  if ((status = mf_outfile_open(&fits, opts->outdir, "converge_fit.csv")) != MF_OK) goto done;
  fputs("kind,quantity,order,constant,points\n", fits.fp);
  double lsq[NQ];
  for (int q = 0; q < NQ; q++) {
    double x[MF_CONVERGE_MAX + 1], y[MF_CONVERGE_MAX + 1];
    const int n = q < Q_L1 && !linear ? ncells : nspace;
    int m = 0;
    for (int k = 0; k < n; k++)
      if (worst[k][q] > floor_err) x[m] = cells[k], y[m] = worst[k][q], m++;
    lsq[q] = converge_space_order(fits.fp, quantity_name[q], x, y, m);
  }
  if (out) {
    converge_print_orders(out, quantity_name, lsq, NQ);
    for (int k = 0; k < ncells; k++)
      if (cells[k] == base_cells)
        fprintf(out, "\n  largest cell Peclet number on the configured grid (%d cells): %.3g, %s\n", base_cells,
                runs[k].peclet, regime(runs[k].peclet));
  }

  /* Time: the configured grid at each rtol against the same grid far below. */
  record *tref = &runs[ncells + nrtols];
  if ((status = run_once(cfg, base_cells, rtol_ref, times, nt, tref)) != MF_OK) goto done;
  double tworst[MF_CONVERGE_MAX + 1][NQ], space_at_base = 0.0, time_at_base = 0.0;
  for (int k = 0; k < ncells; k++)
    if (cells[k] == base_cells)
      for (int q = 0; q < NQ; q++)
        if (linear || k < nspace || q < Q_L1) space_at_base = fmax(space_at_base, worst[k][q]);
  if (out) {
    fprintf(out, "  time (%d cells), against rtol %.0e on the same grid:\n  %7s", base_cells, rtol_ref, "rtol");
    for (int q = 0; q < NQ; q++) fprintf(out, " %10s", quantity_name[q]);
    fputc('\n', out);
  }
  for (int k = 0; k < nrtols; k++) {
    record *r = &runs[ncells + k];
    if ((status = run_once(cfg, base_cells, rtols[k], times, nt, r)) != MF_OK) goto done;
    for (int q = 0; q < NQ; q++) tworst[k][q] = 0.0;
    for (int j = 0; j < nt; j++)
      for (int p = 0; p < P; p++) {
        double ref_scalars[NQ];
        for (int q = 0; q < Q_L1; q++) ref_scalars[q] = scalar(&tref->obs[j][p], q);
        double err[NQ];
        errors_of(model, r, tref, ref_scalars, times[j], j, p, err);
        for (int q = 0; q < NQ; q++) {
          tworst[k][q] = fmax(tworst[k][q], err[q]);
          fprintf(rows.fp, "time,%d,%.3g,%.17g,%s,%s,%.6e,same grid at rtol %.0e\n", base_cells, rtols[k],
                  times[j], model->pop[p].name, quantity_name[q], err[q], rtol_ref);
        }
      }
    if (rtols[k] == cfg->integ.rtol)
      for (int q = 0; q < NQ; q++) time_at_base = fmax(time_at_base, tworst[k][q]);
    if (out) {
      fprintf(out, "  %7.0e", rtols[k]);
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
  if (out) {
    fprintf(out, "  at the configured settings (%d cells, rtol %.0e): space error %.2e, time error %.2e: %s\n",
            base_cells, cfg->integ.rtol, space_at_base, time_at_base,
            time_at_base < space_at_base ? "the grid limits the accuracy (time error below space error)"
                                         : "the tolerance limits the accuracy: lower rtol");
  }
  if ((status = mf_outfile_commit(&rows)) != MF_OK) goto done;
  status = mf_outfile_commit(&fits);
  if (out && status == MF_OK) fprintf(out, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows);
  mf_outfile_discard(&fits);
  for (int k = 0; k < ncells + nrtols + 1; k++) record_clear(&runs[k]);
  free(runs);
  return status;
}
