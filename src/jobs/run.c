/* run.c -- the jobs (run.h): `run` (set up, integrate from output time to
 * output time, measure, write) and `sweep` (one mf_sweep_one per gamma,
 * then the fits).  No numerics of their own. */
#include "mfbalance/run.h"

#include "mfbalance/budget.h"
#include "mfbalance/checkpoint.h"
#include "mfbalance/distribute.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
#include "mfbalance/progress.h"
#include "mfbalance/series.h"
#include "mfbalance/solver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int nearest_balance(const mf_model *model, const mf_grid *grid, const mf_pop_observables *obs, double *xstar);

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int mf_output_times(double end, double dt, const double *snapshots, int nsnapshots, double **times_out)
{
  *times_out = NULL;
  const double tol = 1e-12 * end;
  /* Count in double first: end / dt can exceed any integer type. */
  const double rows = floor(end / dt + 1e-9);
  if (!(end > 0.0 && dt > 0.0 && rows >= 0.0 && rows <= (double)MF_MAX_OUTPUT_TIMES) || nsnapshots < 0 ||
      nsnapshots > MF_MAX_OUTPUT_TIMES) {
    mf_error(MF_EINPUT, "end = %g, spacing = %g: %.3g output times; expected end > 0, spacing > 0 and at most %d",
             end, dt, end / dt, MF_MAX_OUTPUT_TIMES);
    return -1;
  }
  const long K = (long)rows;
  double *t = malloc((size_t)(K + 2 + nsnapshots) * sizeof(double));
  *times_out = t;
  if (!t) {
    mf_error(MF_ENOMEM, "out of memory for %ld output times", K + 2 + nsnapshots);
    return -1;
  }
  long n = 0;
  for (long k = 0; k <= K; k++) t[n++] = (double)k * dt;
  t[n++] = end;
  for (int s = 0; s < nsnapshots; s++) t[n++] = snapshots[s];
  qsort(t, (size_t)n, sizeof(double), compare_doubles);
  long kept = 0;
  for (long k = 0; k < n; k++)
    if (t[k] >= 0.0 && t[k] <= end + tol && (kept == 0 || t[k] - t[kept - 1] > tol)) t[kept++] = t[k];
  return (int)kept;
}

int mf_is_snapshot(const double *snapshots, int n, double t, double end)
{
  for (int s = 0; s < n; s++)
    if (fabs(snapshots[s] - t) <= 1e-12 * end) return 1;
  return 0;
}

/* The time series of a job (observables and snapshots) in the configured format. */
static mf_series *open_series(const mf_config *cfg, const char *dir)
{
  char *text = cfg->output_format == MF_FORMAT_HDF5 ? mf_config_text(cfg) : NULL;
  if (cfg->output_format == MF_FORMAT_HDF5 && !text) return NULL;
  mf_series *series = mf_series_open(dir, &cfg->model, cfg->output_format, text);
  free(text);
  return series;
}

/* Frame checks worth a word: mass beyond the walls, density left at a frame's edge. */
#define FRAME_OUTSIDE_WARN 1e-6
#define FRAME_EDGE_WARN 1e-8

static void print_summary(FILE *log, const mf_config *cfg, const mf_solver *solver, const mf_run_result *res,
                          const char *outdir, mf_status status)
{
  const mf_model *model = &cfg->model;
  if (cfg->grid_method == MF_GRID_MOVING)
    fprintf(log, "mfbalance run: %d populations, gamma = %g, moving frames of %d cells over +-%g s.d., t = %g%s\n",
            model->P, model->gamma, cfg->moving_cells, cfg->moving_halfwidth, res->stats.t,
            status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)");
  else
    fprintf(log, "mfbalance run: %d populations, gamma = %g, fixed grid of %d cells, %s solver, t = %g%s\n", model->P,
            model->gamma, mf_solver_grid(solver, 0)->n, mf_linsol_name(cfg->integ.linsol), res->stats.t,
            status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)");
  fprintf(log, "  %-8s %12s %12s %12s %12s\n", "pop", "mean", "sd", "mode", "balance x*");
  for (int p = 0; p < model->P; p++) {
    const mf_pop_observables *o = &res->obs[p];
    fprintf(log, "  %-8s %12.6f %12.6f %12.6f ", model->pop[p].name, o->mean, o->sd, o->mode);
    if (res->has_balance) fprintf(log, "%12.6f\n", res->xstar[p]);
    else fprintf(log, "%12s\n", "-");
  }
  fprintf(log, "  %ld steps, %ld rhs evaluations, %ld Newton iterations, %ld %s, %.3f s\n", res->stats.steps,
          res->stats.rhs_evals, res->stats.newton_iters,
          mf_solver_linsol(solver) == MF_LINSOL_GMRES ? res->stats.lin_iters : res->stats.lin_setups,
          mf_solver_linsol(solver) == MF_LINSOL_GMRES ? "GMRES iterations" : "linear setups", res->stats.wall_seconds);
  if (res->frame_outside > FRAME_OUTSIDE_WARN)
    fprintf(log, "  warning: a moving frame held mass %.2g beyond the walls [%g, %g], which it does not model; "
            "widen the box if that matters\n", res->frame_outside, cfg->xmin, cfg->xmax);
  if (res->frame_edge > FRAME_EDGE_WARN)
    fprintf(log, "  warning: the density at a moving frame's edge reached %.2g of its maximum: increase "
            "grid.moving_halfwidth\n", res->frame_edge);
  fprintf(log, "  results in %s/\n", outdir);
}

/* ---- FitzHugh-Nagumo runs: the (v, w) outputs and the box (docs/fhn.md) ---------------------- */

typedef struct {
  mf_outfile moments;   /* fhn.csv */
  mf_outfile marginals; /* marginals.csv */
  mf_outfile density;   /* density2d.csv (CSV output only) */
  int hdf5;             /* the (v, w) density goes into results.h5 */
  double *rho2d;        /* one population's (v, w) density */
  double min_density;   /* least density value met at the output times */
  double mass_drift;    /* largest |mass - 1| met */
  mf_moments2d mom[MF_MAX_POPS]; /* the last moments */
} fhn_out;

static mf_status fhn_open(fhn_out *f, const mf_config *cfg, const char *dir)
{
  mf_status status;
  f->min_density = INFINITY;
  if ((status = mf_outfile_open(&f->moments, dir, "fhn.csv")) != MF_OK) return status;
  if ((status = mf_outfile_open(&f->marginals, dir, "marginals.csv")) != MF_OK) return status;
  f->hdf5 = cfg->output_format == MF_FORMAT_HDF5;
  if (!f->hdf5 && (status = mf_outfile_open(&f->density, dir, "density2d.csv")) != MF_OK) return status;
  if (!(f->rho2d = malloc((size_t)cfg->cells_v * (size_t)cfg->cells_w * sizeof *f->rho2d)))
    return mf_error(MF_ENOMEM, "out of memory for the (v, w) density");
  mf_fhn_write_header(f->moments.fp);
  mf_marginals_write_header(f->marginals.fp);
  if (!f->hdf5) mf_density2d_write_header(f->density.fp);
  return MF_OK;
}

/* The moments at t, and at a snapshot the marginals and the (v, w) density.
 * MF_ENUMERIC when a mean has left the box. */
static mf_status fhn_record(fhn_out *f, const mf_config *cfg, const mf_solver *solver, mf_series *series,
                            const mf_pop_observables *obs, double t, int snapshot)
{
  const mf_model *model = &cfg->model;
  mf_status status = MF_OK;
  f->min_density = fmin(f->min_density, mf_solver_min_density(solver));
  for (int p = 0; p < model->P; p++) {
    const char *name = model->pop[p].name;
    mf_moments2d *mom = &f->mom[p];
    mf_solver_moments2d(solver, p, mom);
    mf_fhn_write_row(f->moments.fp, t, name, mom, &obs[p]);
    f->mass_drift = fmax(f->mass_drift, fabs(mom->mass - 1.0));
    if (status == MF_OK && !(mom->mean_v > cfg->vmin && mom->mean_v < cfg->vmax && mom->mean_w > cfg->wmin &&
                             mom->mean_w < cfg->wmax))
      status = mf_error(MF_ENUMERIC, "t = %g: population %s's mean (%g, %g) left the box [%g, %g] x [%g, %g]", t,
                        name, mom->mean_v, mom->mean_w, cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax);
    if (!snapshot) continue;
    mf_marginals_write(f->marginals.fp, t, name, "v", mf_solver_grid(solver, p), mf_solver_density(solver, p));
    mf_marginals_write(f->marginals.fp, t, name, "w", mf_solver_grid_w(solver, p), mf_solver_density_w(solver, p));
    mf_solver_density2d(solver, p, f->rho2d);
    if (f->hdf5) {
      mf_status st = mf_series_snapshot2d(series, t, p, mf_solver_grid_w(solver, p), mf_solver_density_w(solver, p),
                                          f->rho2d);
      if (status == MF_OK) status = st;
    } else {
      mf_density2d_write(f->density.fp, t, name, mf_solver_grid(solver, p), mf_solver_grid_w(solver, p), f->rho2d);
    }
  }
  return status;
}

static mf_status fhn_commit(fhn_out *f)
{
  mf_status status = mf_outfile_commit(&f->moments), s2 = mf_outfile_commit(&f->marginals),
            s3 = f->hdf5 ? MF_OK : mf_outfile_commit(&f->density);
  return status != MF_OK ? status : s2 != MF_OK ? s2 : s3;
}

static void fhn_discard(fhn_out *f)
{
  mf_outfile_discard(&f->moments);
  mf_outfile_discard(&f->marginals);
  mf_outfile_discard(&f->density);
  free(f->rho2d);
  f->rho2d = NULL;
}

/* Whether the deterministic flow leaves the box invariant (../shared/FHN.md
 * section 2): the w-velocity inward on both w-walls for every v, and the
 * v-drift inward on both v-walls for every w.  The coupling -gamma A (v - V)
 * points inward there as long as V, a convex combination of the means and of
 * the reversal potentials received, lies in the box: those are checked.
 * Writes the first violation into why (size len); returns 1 when invariant. */
static int fhn_box_invariant(const mf_config *cfg, char *why, size_t len)
{
  const mf_model *m = &cfg->model;
  for (int p = 0; p < m->P; p++) {
    const mf_population *pop = &m->pop[p];
    const mf_recovery *r = &pop->w;
    if (!(cfg->wmin < (cfg->vmin + r->a) / r->b && cfg->wmax > (cfg->vmax + r->a) / r->b)) {
      snprintf(why, len, "%s: the w-nullcline (v + a)/b spans [%g, %g] on [vmin, vmax], not inside (wmin, wmax)",
               pop->name, (cfg->vmin + r->a) / r->b, (cfg->vmax + r->a) / r->b);
      return 0;
    }
    /* f(v) - w is decreasing in w: its worst values on the walls are at wmin (right) and wmax (left). */
    const double right = mf_model_f(pop, cfg->vmax) - cfg->wmin, left = mf_model_f(pop, cfg->vmin) - cfg->wmax;
    if (!(right < 0.0 && left > 0.0)) {
      snprintf(why, len, "%s: the intrinsic v-drift is %g at (vmax, wmin) and %g at (vmin, wmax): expected < 0 and > 0",
               pop->name, right, left);
      return 0;
    }
    for (int q = 0; q < m->P; q++)
      if (pop->g[q] > 0.0 && !(m->pop[q].reversal >= cfg->vmin && m->pop[q].reversal <= cfg->vmax)) {
        snprintf(why, len, "%s receives from %s, whose reversal potential %g lies outside [vmin, vmax]", pop->name,
                 m->pop[q].name, m->pop[q].reversal);
        return 0;
      }
  }
  return 1;
}

/* The fixed box renormalises the initial mass beyond its walls away (frame2d.h): say so when that is more than
 * FRAME_OUTSIDE_WARN. */
static void fhn_box_initial_mass(FILE *err, const mf_config *cfg)
{
  for (int p = 0; p < cfg->model.P; p++) {
    const mf_population *pop = &cfg->model.pop[p];
    mf_population in_w = *pop;
    in_w.init_a = pop->w.init_mean, in_w.init_b = pop->w.init_sd;
    const double lost = 1.0 - mf_model_initial_mass(pop, cfg->vmin, cfg->vmax) *
                                  mf_model_initial_mass(&in_w, cfg->wmin, cfg->wmax);
    if (lost > FRAME_OUTSIDE_WARN)
      fprintf(err, "mfbalance: warning: %s: initial mass %.3g lies beyond the box [%g, %g] x [%g, %g]; the rest is "
              "scaled to unit mass\n", pop->name, lost, cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax);
  }
}

static void print_fhn_summary(FILE *log, const mf_config *cfg, const mf_run_result *res, const fhn_out *f,
                              const char *outdir, mf_status status)
{
  const mf_model *model = &cfg->model;
  const char *end = status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)";
  if (cfg->grid_method == MF_GRID_MOVING)
    fprintf(log, "mfbalance run: %d FitzHugh-Nagumo populations, gamma = %g, (v, w) frames of %d x %d cells over "
            "+-%g s.d., t = %g%s\n", model->P, model->gamma, cfg->cells_v, cfg->cells_w, cfg->moving_halfwidth,
            res->stats.t, end);
  else
    fprintf(log, "mfbalance run: %d FitzHugh-Nagumo populations, gamma = %g, fixed box [%g, %g] x [%g, %g] of %d x %d "
            "cells, t = %g%s\n", model->P, model->gamma, cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax, cfg->cells_v,
            cfg->cells_w, res->stats.t, end);
  fprintf(log, "  %-8s %12s %12s %12s %12s %12s %12s\n", "pop", "mean v", "sd v", "mean w", "sd w", "cov vw",
          "balance x*");
  for (int p = 0; p < model->P; p++) {
    const mf_moments2d *m = &f->mom[p];
    fprintf(log, "  %-8s %12.6f %12.6f %12.6f %12.6f %12.4e ", model->pop[p].name, m->mean_v, m->sd_v, m->mean_w,
            m->sd_w, m->cov_vw);
    if (res->has_balance) fprintf(log, "%12.6f\n", res->xstar[p]);
    else fprintf(log, "%12s\n", "-");
  }
  const mf_integrator_stats *st = &res->stats;
  fprintf(log, "  %ld steps, %ld rhs evaluations, %ld Newton iterations, %ld GMRES iterations (%.2f per Newton "
          "iteration), %.3f s\n", st->steps, st->rhs_evals, st->newton_iters, st->lin_iters,
          st->newton_iters > 0 ? (double)st->lin_iters / (double)st->newton_iters : 0.0, st->wall_seconds);
  fprintf(log, "  mass drift %.2e, least density %.3g\n", f->mass_drift, f->min_density);
  if (res->frame_edge > FRAME_EDGE_WARN)
    fprintf(log, "  warning: the v-marginal at a frame's edge reached %.2g of its maximum: increase "
            "grid.moving_halfwidth\n", res->frame_edge);
  fprintf(log, "  results in %s/\n", outdir);
}

/* Cell Peclet numbers above this leave the fluxes in their first-order, upwind regime. */
#define PECLET_WARN 10.0
/* Fewer cells than this across the predicted stationary s.d. do not resolve it. */
#define CELLS_PER_WIDTH_WARN 4.0

/* Say once, on stderr, when the grid does not resolve the run, and what to do. */
static void warn_resolution(FILE *err, const mf_config *cfg, const mf_solver *solver, const mf_run_result *res)
{
  const mf_model *model = &cfg->model;
  const double pe = mf_solver_peclet(solver);
  const int moving = cfg->grid_method == MF_GRID_MOVING;
  if (pe > PECLET_WARN)
    fprintf(err, "mfbalance: warning: the cell Peclet number reached %.3g where the density is: the fluxes were "
            "upwind there and the transient is only first-order accurate; %s\n", pe,
            moving ? "increase grid.moving_cells" : "use more cells, a refined grid (grid.refine) or grid.method = moving");
  if (moving || !res->has_balance) return;
  for (int p = 0; p < model->P; p++) {
    double A = 0.0;
    for (int q = 0; q < model->P; q++) A += model->pop[p].g[q] * mf_model_S(&model->pop[q], res->xstar[q]);
    const double width = model->pop[p].sigma / sqrt(2.0 * model->gamma * A);
    const mf_grid *g = mf_solver_grid(solver, p);
    const double cells = width / g->w[mf_grid_locate(g, res->xstar[p])];
    if (A > 0.0 && cells < CELLS_PER_WIDTH_WARN) {
      fprintf(err, "mfbalance: warning: %s: the predicted width sigma/sqrt(2 gamma A*) = %.3g spans %.2g cells at "
              "x* = %g: use more cells, grid.refine around x*, or grid.method = moving\n", model->pop[p].name, width,
              cells, res->xstar[p]);
      return;
    }
  }
}

/* The solver statistics as integers of a checkpoint, and back. */
static void put_stats(mf_checkpoint_writer *w, const mf_integrator_stats *st)
{
  const long v[] = {st->steps, st->rhs_evals, st->jac_evals, st->newton_iters, st->lin_iters, st->newton_fails,
                    st->lin_setups, st->err_fails};
  const double d[] = {(double)v[0], (double)v[1], (double)v[2], (double)v[3], (double)v[4], (double)v[5],
                      (double)v[6], (double)v[7]};
  mf_checkpoint_put_doubles(w, "solver_counts", d, 8);
}

static mf_status get_stats(const mf_checkpoint *ck, mf_integrator_stats *st)
{
  double d[8];
  mf_status status = mf_checkpoint_get_doubles(ck, "solver_counts", d, 8);
  memset(st, 0, sizeof *st);
  st->steps = (long)d[0], st->rhs_evals = (long)d[1], st->jac_evals = (long)d[2], st->newton_iters = (long)d[3];
  st->lin_iters = (long)d[4], st->newton_fails = (long)d[5], st->lin_setups = (long)d[6], st->err_fails = (long)d[7];
  return status;
}

/* CVODE restarts every RESTART_ROWS output times: often enough that a
 * resumed run redoes little, rarely enough that the lost BDF history costs
 * little (each restart begins again at order 1 with a small step). */
#define RESTART_ROWS 10

int mf_run_restarts_after(const mf_config *cfg, int k, int ntimes)
{
  /* Not for FitzHugh-Nagumo runs, whose fhn.csv and marginals.csv a checkpoint does not cover. */
  return cfg->checkpoint_every > 0.0 && cfg->output_format == MF_FORMAT_CSV && cfg->model.neuron == MF_NEURON_1D &&
         k % RESTART_ROWS == 0 && k + 1 < ntimes;
}

/* The last restart point of `run`: what a checkpoint holds. */
typedef struct {
  int next;            /* output row that follows it */
  double t;            /* its time */
  double *y;           /* the state there (n) */
  long n;
  long bytes[2];       /* observables.csv, density.csv up to it */
  mf_integrator_stats stats;
  double checks[2];    /* frame_outside, frame_edge so far */
  int valid;           /* 1 if the series could be flushed there */
} restart_point;

/* Remember the solver's state at row k's time, after row k was written. */
static mf_status mark_restart(restart_point *r, mf_solver *solver, mf_series *series, int k, const mf_run_result *res)
{
  const double *y = mf_solver_state(solver, &r->n);
  if (!r->y && !(r->y = malloc((size_t)r->n * sizeof *r->y))) return mf_error(MF_ENOMEM, "out of memory");
  memcpy(r->y, y, (size_t)r->n * sizeof *r->y);
  r->next = k + 1, r->t = mf_solver_time(solver);
  mf_solver_get_stats(solver, &r->stats);
  r->checks[0] = res->frame_outside, r->checks[1] = res->frame_edge;
  /* A series that cannot be flushed (a full disk) leaves no restart point
   * to checkpoint; its files report the failure when committed. */
  r->valid = mf_series_mark(series, r->bytes) == MF_OK;
  return MF_OK;
}

static mf_status save_run(const mf_config *cfg, const char *dir, const restart_point *r)
{
  mf_checkpoint_writer w;
  mf_status status = mf_checkpoint_begin(&w, dir, "run", cfg);
  if (status != MF_OK) return status;
  mf_checkpoint_put_long(&w, "next_output", r->next);
  mf_checkpoint_put_long(&w, "observables_bytes", r->bytes[0]);
  mf_checkpoint_put_long(&w, "density_bytes", r->bytes[1]);
  mf_checkpoint_put_doubles(&w, "t", &r->t, 1);
  mf_checkpoint_put_doubles(&w, "frame_checks", r->checks, 2);
  put_stats(&w, &r->stats);
  mf_checkpoint_put_doubles(&w, "state", r->y, r->n);
  return mf_checkpoint_commit(&w);
}

/* Put solver and series back at the checkpoint's restart point; *k the next output. */
static mf_status load_run(const mf_checkpoint *ck, mf_solver *solver, mf_series *series, int ntimes,
                          const double *times, int *k, mf_run_result *res)
{
  long next, bytes[2], n;
  double t, checks[2];
  mf_integrator_stats st;
  mf_solver_state(solver, &n);
  double *y = malloc((size_t)n * sizeof *y);
  if (!y) return mf_error(MF_ENOMEM, "out of memory resuming");
  mf_status status = mf_checkpoint_get_long(ck, "next_output", &next);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "observables_bytes", &bytes[0]);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "density_bytes", &bytes[1]);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "t", &t, 1);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "frame_checks", checks, 2);
  if (status == MF_OK) status = get_stats(ck, &st);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "state", y, n);
  if (status == MF_OK && !(next > 0 && next < ntimes && times[next - 1] == t))
    status = mf_error(MF_EINPUT, "checkpoint: output %ld at t = %g is not an output time of this run", next, t);
  if (status == MF_OK) status = mf_series_restore(series, bytes);
  if (status == MF_OK) status = mf_solver_restart(solver, t, y);
  if (status == MF_OK) {
    mf_solver_set_counts(solver, &st);
    res->frame_outside = checks[0], res->frame_edge = checks[1];
    *k = (int)next;
  }
  free(y);
  return status;
}

mf_status mf_run(const mf_config *cfg, const mf_run_opts *opts, mf_run_result *result)
{
  mf_run_result local;
  mf_run_result *res = result ? result : &local;
  memset(res, 0, sizeof *res);
  mf_grid *grid = NULL;
  mf_solver *solver = NULL;
  double *times = NULL;
  mf_outfile sum_file = {0};
  mf_series *series = NULL;
  fhn_out fhn = {0};
  const mf_model *model = &cfg->model;
  const int is_fhn = model->neuron == MF_NEURON_FHN;
  mf_status status, io;

  if ((status = mf_budget_check(MF_JOB_RUN, cfg, NULL)) != MF_OK) return status;
  if (!opts->resume && (status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if (!(grid = mf_config_grid(cfg))) return mf_errcode();
  const mf_discretisation disc = mf_config_discretisation(cfg, grid);
  if (!(solver = mf_solver_create(model, &disc, &cfg->integ))) {
    status = mf_errcode();
    goto done;
  }
  int ntimes = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  if (ntimes < 0) {
    status = mf_errcode();
    goto done;
  }

  if (!opts->resume && (status = mf_config_save(cfg, opts->outdir)) != MF_OK) goto done;
  if (!(series = open_series(cfg, opts->outdir))) {
    status = mf_errcode();
    goto done;
  }
  if (is_fhn) {
    char why[256];
    if ((status = fhn_open(&fhn, cfg, opts->outdir)) != MF_OK) goto done;
    if (opts->log && !fhn_box_invariant(cfg, why, sizeof why))
      fprintf(stderr, "mfbalance: warning: the deterministic flow does not leave the box [%g, %g] x [%g, %g] "
              "invariant (%s)\n", cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax, why);
    if (opts->log && cfg->grid_method == MF_GRID_FIXED) fhn_box_initial_mass(stderr, cfg);
  }

  int k0 = 0;
  if (opts->resume && (status = load_run(opts->resume, solver, series, ntimes, times, &k0, res)) != MF_OK) goto done;

  /* The walls: [xmin, xmax], or [vmin, vmax] for the v of FitzHugh-Nagumo neurons. */
  const double xmin = is_fhn ? cfg->vmin : grid->faces[0], xmax = is_fhn ? cfg->vmax : grid->faces[grid->n];
  const int restarts = mf_run_restarts_after(cfg, 0, 2);
  restart_point point = {0};
  double last_checkpoint = 0.0;
  mf_progress progress;
  mf_progress_start(&progress, "run", "t", !opts->log);
  for (int k = k0; k < ntimes; k++) {
    if (times[k] > mf_solver_time(solver)) status = mf_solver_advance(solver, times[k]);
    double t = mf_solver_time(solver);
    mf_integrator_stats now_stats;
    mf_solver_get_stats(solver, &now_stats);
    mf_progress_update(&progress, t, cfg->t_end, now_stats.steps, 0.0);
    if (status == MF_OK && mf_interrupted()) {
      status = mf_interrupt_status("t", t);
      /* Resuming starts at the last restart point; the rows since are redone. */
      if (restarts && point.valid && save_run(cfg, opts->outdir, &point) != MF_OK)
        status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
    }
    mf_solver_observables(solver, res->obs);
    mf_series_row(series, t, res->obs);
    double outside, edge;
    mf_solver_frame_check(solver, xmin, xmax, &outside, &edge);
    res->frame_outside = fmax(res->frame_outside, outside);
    res->frame_edge = fmax(res->frame_edge, edge);
    /* After a failure or an interruption the last state is written as a snapshot too. */
    const int snapshot = status != MF_OK || mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, times[k], cfg->t_end);
    if (snapshot && !is_fhn)
      for (int p = 0; p < model->P; p++)
        mf_series_snapshot(series, t, p, mf_solver_grid(solver, p), mf_solver_density(solver, p));
    if (is_fhn) {
      /* Each population's v-marginal, then (HDF5) its w-marginal and (v, w) density. */
      for (int p = 0; snapshot && p < model->P; p++)
        mf_series_snapshot(series, t, p, mf_solver_grid(solver, p), mf_solver_density(solver, p));
      mf_status box = fhn_record(&fhn, cfg, solver, series, res->obs, t, snapshot);
      if (status == MF_OK) status = box;
    }
    if (status != MF_OK) break;
    if (!mf_run_restarts_after(cfg, k, ntimes)) continue;
    /* A restart point: CVODE begins again from this state, here and in a resumed run alike. */
    if ((status = mark_restart(&point, solver, series, k, res)) != MF_OK ||
        (t > 0.0 && (status = mf_solver_restart(solver, t, point.y)) != MF_OK))
      break;
    /* A periodic checkpoint that cannot be written does not stop the job. */
    if (point.valid && mf_checkpoint_due(cfg->checkpoint_every, &last_checkpoint)) save_run(cfg, opts->outdir, &point);
  }
  free(point.y);
  mf_progress_end(&progress);
  mf_solver_get_stats(solver, &res->stats);
  if (status != MF_EINTR) mf_checkpoint_remove(opts->outdir);

  /* The balance voltage reported is the attracting point nearest the final means. */
  res->has_balance = nearest_balance(model, grid, res->obs, res->xstar);
  if (is_fhn && (io = fhn_commit(&fhn)) != MF_OK && status == MF_OK) status = io;

  /* Flush what was computed whether or not the integration succeeded; a
   * numerical failure stays the status to report. */
  io = mf_series_commit(series);
  series = NULL;
  if (io != MF_OK && status == MF_OK) status = io;
  if ((io = mf_outfile_open(&sum_file, opts->outdir, "summary.csv")) == MF_OK) {
    const mf_summary_info info = {.discretisation = mf_solver_method_name(solver),
                                  .linsol = mf_linsol_name(mf_solver_linsol(solver)),
                                  .frame_outside = res->frame_outside,
                                  .frame_edge = res->frame_edge,
                                  .status = mf_outcome_name(status)};
    mf_summary_write(sum_file.fp, model, res->obs, res->has_balance ? res->xstar : NULL, &res->stats, &info);
    io = mf_outfile_commit(&sum_file);
  }
  if (io != MF_OK && status == MF_OK) status = io;
  if (opts->log && is_fhn) print_fhn_summary(opts->log, cfg, res, &fhn, opts->outdir, status);
  if (opts->log && !is_fhn) print_summary(opts->log, cfg, solver, res, opts->outdir, status);
  if (opts->log && !is_fhn) warn_resolution(stderr, cfg, solver, res);

done:
  fhn_discard(&fhn);
  mf_series_discard(series);
  mf_outfile_discard(&sum_file);
  mf_solver_free(solver);
  mf_grid_free(grid);
  free(times);
  return status;
}

static void print_sweep_row(FILE *log, const mf_config *cfg, const mf_sweep_row *r)
{
  const mf_model *model = &cfg->model;
  for (int p = 0; p < model->P; p++) {
    fprintf(log, "  %9.4g %-5s %10.6f %12.8f %10.3e %10.3e %11.4e %8.5f %11.4e %7.1f %s\n", r->gamma,
            model->pop[p].name, r->xstar[p], r->mean[p], fabs(r->mean[p] - r->xstar[p]),
            fabs(r->mode[p] - r->xstar[p]), r->sd[p], r->width_ratio[p], r->collapse_time, r->cells_per_sd[p],
            r->stationary ? "yes" : "NO (t_end)");
    /* A moving frame's cells per s.d. are set by its size; the density in xi is near N(0, 1). */
    if (cfg->grid_method == MF_GRID_FIXED && r->cells_per_sd[p] < 20.0)
      fprintf(log, "  warning: gamma = %g, %s: the width is resolved by only %.1f cells (< 20)\n", r->gamma,
              model->pop[p].name, r->cells_per_sd[p]);
  }
}

/* With several ranks: the gammas dealt to the ranks in turn (gamma k to rank
 * k mod R, so that the expensive large gammas are spread), then gathered by
 * rank 0 in order, which writes and logs them.  The rows kept are those
 * before the first failed or interrupted one, as in one process; *status
 * is that row's status (with its message) on every rank.  Returns how many. */
static int sweep_shared(const mf_config *cfg, const mf_run_opts *opts, mf_outfile *rows_file, mf_sweep_row *rows,
                        mf_status *status)
{
  const int n = cfg->sweep.ngammas, rank = mf_dist_rank(), ranks = mf_dist_size();
  mf_status *row_status = malloc((size_t)n * sizeof *row_status);
  if ((*status = mf_dist_agree(row_status ? MF_OK : mf_error(MF_ENOMEM, "out of memory"))) != MF_OK) {
    free(row_status);
    return 0;
  }
  mf_status mine = MF_OK;
  for (int k = rank; k < n; k += ranks) {
    if (mine == MF_OK && mf_interrupted()) mine = mf_interrupt_status("gamma", cfg->sweep.gammas[k]);
    if (mine == MF_OK) mine = mf_sweep_one(cfg, cfg->sweep.gammas[k], &rows[k]);
    row_status[k] = mine; /* after a failure the rank's later rows are not computed */
  }
  int kept = 0;
  for (int k = 0; k < n; k++) {
    const int owner = k % ranks;
    mf_dist_to_root(&row_status[k], sizeof row_status[k], owner);
    mf_dist_to_root(&rows[k], sizeof rows[k], owner);
    if (rank == 0 && kept == k && row_status[k] == MF_OK) {
      mf_sweep_write_row(rows_file->fp, &cfg->model, &rows[k]);
      if (opts->log) print_sweep_row(opts->log, cfg, &rows[k]), fflush(opts->log);
      kept++;
    }
  }
  /* Every rank learns how many were kept, and the first failure's message from its owner. */
  for (int k = 0; k < n; k++) {
    const int owner = k % ranks;
    int bad = rank == owner ? row_status[k] != MF_OK : 0;
    if (mf_dist_any(bad)) {
      *status = mf_dist_share(owner, rank == owner ? row_status[k] : MF_OK);
      kept = k;
      break;
    }
  }
  free(row_status);
  return kept;
}

/* A sweep row as numbers of a checkpoint (ROW_WIDTH(P) of them), and back. */
#define ROW_WIDTH(P) (8 + 7 * (P))

static void row_pack(const mf_sweep_row *r, int P, double *v)
{
  v[0] = r->gamma, v[1] = r->ncells, v[2] = r->collapse_time, v[3] = r->t_final;
  v[4] = r->stationary, v[5] = r->consensus, v[6] = (double)r->steps, v[7] = r->wall_seconds;
  const double *per[7] = {r->xstar, r->Astar, r->mean, r->mode, r->sd, r->width_ratio, r->cells_per_sd};
  for (int j = 0; j < 7; j++) memcpy(v + 8 + j * P, per[j], (size_t)P * sizeof *v);
}

static void row_unpack(const double *v, int P, mf_sweep_row *r)
{
  r->gamma = v[0], r->ncells = (int)v[1], r->collapse_time = v[2], r->t_final = v[3];
  r->stationary = (int)v[4], r->consensus = (int)v[5], r->steps = (long)v[6], r->wall_seconds = v[7];
  double *per[7] = {r->xstar, r->Astar, r->mean, r->mode, r->sd, r->width_ratio, r->cells_per_sd};
  for (int j = 0; j < 7; j++) memcpy(per[j], v + 8 + j * P, (size_t)P * sizeof *v);
}

/* The checkpoint of a sweep before gamma number next: the rows done and the bytes of sweep.csv. */
static mf_status save_sweep(const mf_config *cfg, const char *dir, const mf_sweep_row *rows, int next, mf_outfile *f)
{
  const int P = cfg->model.P;
  const long bytes = mf_outfile_mark(f);
  if (bytes < 0) return mf_error(MF_EIO, "%s: cannot write", f->path);
  double *v = malloc((size_t)(next > 0 ? next : 1) * ROW_WIDTH(P) * sizeof *v);
  if (!v) return mf_error(MF_ENOMEM, "out of memory");
  for (int k = 0; k < next; k++) row_pack(&rows[k], P, v + (size_t)k * ROW_WIDTH(P));
  mf_checkpoint_writer w;
  mf_status status = mf_checkpoint_begin(&w, dir, "sweep", cfg);
  if (status == MF_OK) {
    mf_checkpoint_put_long(&w, "next_gamma", next);
    mf_checkpoint_put_long(&w, "sweep_bytes", bytes);
    mf_checkpoint_put_doubles(&w, "rows", v, (long)next * ROW_WIDTH(P));
    status = mf_checkpoint_commit(&w);
  }
  free(v);
  return status;
}

static mf_status load_sweep(const mf_checkpoint *ck, const mf_config *cfg, mf_sweep_row *rows, mf_outfile *f, int *next)
{
  const int P = cfg->model.P;
  long k, bytes;
  mf_status status = mf_checkpoint_get_long(ck, "next_gamma", &k);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "sweep_bytes", &bytes);
  if (status == MF_OK && !(k >= 0 && k <= cfg->sweep.ngammas))
    status = mf_error(MF_EINPUT, "checkpoint: gamma number %ld of %d", k, cfg->sweep.ngammas);
  if (status != MF_OK) return status;
  double *v = malloc((size_t)(k > 0 ? k : 1) * ROW_WIDTH(P) * sizeof *v);
  if (!v) return mf_error(MF_ENOMEM, "out of memory");
  status = mf_checkpoint_get_doubles(ck, "rows", v, k * ROW_WIDTH(P));
  for (long j = 0; status == MF_OK && j < k; j++) row_unpack(v + (size_t)j * ROW_WIDTH(P), P, &rows[j]);
  free(v);
  if (status == MF_OK) status = mf_outfile_restore(f, bytes);
  if (status == MF_OK) *next = (int)k;
  return status;
}

mf_status mf_sweep_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P, n = cfg->sweep.ngammas, root = mf_dist_rank() == 0;
  mf_sweep_row *rows = calloc((size_t)n, sizeof *rows);
  mf_outfile rows_file = {0}, fit_file = {0};
  mf_status status, io;
  /* The sweep runs to stationarity, whose rate the (v, w) frames do not offer. */
  if (model->neuron == MF_NEURON_FHN) {
    free(rows);
    return mf_error(MF_EINPUT, "sweep is for neuron = 1d; for FitzHugh-Nagumo models run `run` at each gamma");
  }
  if ((status = mf_budget_check(MF_JOB_SWEEP, cfg, NULL)) != MF_OK) goto done;
  if ((status = mf_dist_agree(rows ? MF_OK : mf_error(MF_ENOMEM, "out of memory"))) != MF_OK) goto done;
  /* Under mpirun rank 0 writes; the others compute their share of the gammas (sweep_shared). */
  if (root && !opts->resume && (status = mf_output_dir_prepare(opts->outdir, opts->force)) == MF_OK)
    status = mf_config_save(cfg, opts->outdir);
  if (root && status == MF_OK) status = mf_outfile_open(&rows_file, opts->outdir, "sweep.csv");
  if ((status = mf_dist_from_root(status)) != MF_OK) goto done;
  if (root) mf_sweep_write_header(rows_file.fp);
  int done_rows = 0;
  if (opts->resume && (status = load_sweep(opts->resume, cfg, rows, &rows_file, &done_rows)) != MF_OK) goto done;
  if (opts->log)
    fprintf(opts->log, "mfbalance sweep: %d populations, %d values of gamma\n  %9s %-5s %10s %12s %10s %10s %11s %8s "
            "%11s %7s %s\n", P, n, "gamma", "pop", "x*", "mean", "|mean-x*|", "|mode-x*|", "sd", "sd/pred",
            "collapse t", "cells", "stationary");

  if (mf_dist_size() > 1) {
    done_rows = sweep_shared(cfg, opts, &rows_file, rows, &status);
    if (!root) goto done;
  }
  const int checkpoints = cfg->checkpoint_every > 0.0 && mf_dist_size() == 1;
  double last_checkpoint = 0.0;
  mf_progress progress;
  mf_progress_start(&progress, "sweep", "gamma number", !opts->log);
  for (int k = done_rows; mf_dist_size() == 1 && k < n; k++) {
    mf_progress_update(&progress, k, n, -1, 0.0);
    if (mf_interrupted()) {
      status = mf_interrupt_status("gamma", cfg->sweep.gammas[k]);
      /* Resuming starts at this gamma, the first unfinished one. */
      if (checkpoints && save_sweep(cfg, opts->outdir, rows, k, &rows_file) != MF_OK)
        status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
      break;
    }
    if ((status = mf_sweep_one(cfg, cfg->sweep.gammas[k], &rows[k])) != MF_OK) break;
    mf_sweep_write_row(rows_file.fp, model, &rows[k]);
    fflush(rows_file.fp);
    mf_progress_end(&progress); /* the row goes on a line of its own */
    if (opts->log) print_sweep_row(opts->log, cfg, &rows[k]), fflush(opts->log);
    done_rows++;
    if (checkpoints && k + 1 < n && mf_checkpoint_due(cfg->checkpoint_every, &last_checkpoint))
      save_sweep(cfg, opts->outdir, rows, k + 1, &rows_file); /* on failure the job goes on */
  }
  mf_progress_end(&progress);
  if (status != MF_EINTR) mf_checkpoint_remove(opts->outdir);
  if ((io = mf_outfile_commit(&rows_file)) != MF_OK && status == MF_OK) status = io;
  if (done_rows < 2) goto done;

  /* Power laws against gamma over the rows computed. */
  if ((io = mf_outfile_open(&fit_file, opts->outdir, "sweep_fit.csv")) != MF_OK) {
    if (status == MF_OK) status = io;
    goto done;
  }
  mf_fit_write_header(fit_file.fp);
  double g[MF_SWEEP_MAX_GAMMAS], y[MF_SWEEP_MAX_GAMMAS];
  static const char *const names[] = {"err_mean", "err_mode", "sd"};
  if (opts->log) fprintf(opts->log, "  least-squares fits y = c gamma^s:\n");
  for (int what = 0; what < 4; what++)
    for (int p = 0; p < (what == 3 ? 1 : P); p++) {
      for (int k = 0; k < done_rows; k++) {
        const mf_sweep_row *r = &rows[k];
        g[k] = r->gamma;
        y[k] = what == 0 ? fabs(r->mean[p] - r->xstar[p])
               : what == 1 ? fabs(r->mode[p] - r->xstar[p])
               : what == 2 ? r->sd[p]
                           : r->collapse_time;
      }
      mf_power_fit fit;
      const char *quantity = what == 3 ? "collapse_time" : names[what];
      const char *pop = what == 3 ? "all" : model->pop[p].name;
      if (mf_power_fit_compute(g, y, done_rows, &fit) != MF_OK) continue;
      mf_fit_write_row(fit_file.fp, quantity, pop, &fit);
      if (opts->log)
        fprintf(opts->log, "    %-14s %-5s s = %8.4f  c = %.6g  (%d points)\n", quantity, pop, fit.slope, fit.constant,
                fit.n);
    }
  if ((io = mf_outfile_commit(&fit_file)) != MF_OK && status == MF_OK) status = io;
  if (opts->log) fprintf(opts->log, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows_file);
  mf_outfile_discard(&fit_file);
  free(rows);
  /* Rank 0's outcome (its files) is every rank's; the other ranks come here straight from the rows. */
  return mf_dist_size() > 1 ? mf_dist_from_root(status) : status;
}

/* The attracting balance point nearest the means obs (into xstar); 0 if none. */
static int nearest_balance(const mf_model *model, const mf_grid *grid, const mf_pop_observables *obs, double *xstar)
{
  mf_balance_point points[MF_BALANCE_MAX_ROOTS];
  int npoints = 0;
  double means[MF_MAX_POPS];
  for (int p = 0; p < model->P; p++) means[p] = obs[p].mean;
  if (mf_balance_find(model, grid->faces[0], grid->faces[grid->n], points, MF_BALANCE_MAX_ROOTS, &npoints) != MF_OK)
    return 0;
  int k = mf_balance_nearest(points, npoints, model->P, means);
  if (k < 0) return 0;
  memcpy(xstar, points[k].x, (size_t)model->P * sizeof(double));
  return 1;
}

/* voltages.csv: population after population, each in index order.  With
 * several ranks rank 0 writes its share of a population, then receives
 * each other rank's share of it in rank order (the same file as one
 * rank's).  Returns rank 0's I/O status. */
static mf_status write_voltages(const mf_config *cfg, const mf_run_opts *opts, const mf_particles *ps)
{
  const mf_model *model = &cfg->model;
  const int rank = mf_particles_ranks(ps) > 1 ? mf_dist_rank() : 0, ranks = mf_particles_ranks(ps);
  mf_outfile dump_file = {0};
  mf_status io = MF_OK;
  if (rank == 0 && (io = mf_outfile_open(&dump_file, opts->outdir, "voltages.csv")) == MF_OK)
    fputs("population,index,x\n", dump_file.fp);
  double *buf = NULL;
  for (int p = 0; p < model->P; p++)
    for (int r = 0; r < ranks; r++) {
      long held = mf_particles_held(ps, p), first = mf_particles_first(ps, p);
      const double *x = mf_particles_voltages(ps, p);
      if (r > 0) {
        /* Rank r's share: its length and first index, then the voltages (rank 0 receives even
         * when its file failed, so that rank r's send completes). */
        long head[2] = {held, first};
        mf_status sent = mf_dist_to_root(head, sizeof head, r);
        if (rank == 0) {
          double *grown = sent == MF_OK ? realloc(buf, (size_t)(head[0] > 0 ? head[0] : 1) * sizeof *buf) : NULL;
          if (!grown) return mf_error(MF_ENOMEM, "out of memory for rank %d's voltages", r);
          buf = grown, held = head[0], first = head[1], x = buf;
        }
        if (rank == 0 || rank == r) mf_dist_to_root(rank == 0 ? buf : (void *)x, (size_t)held * sizeof *x, r);
      }
      if (rank == 0 && io == MF_OK)
        for (long i = 0; i < held; i++) fprintf(dump_file.fp, "%s,%ld,%.17g\n", model->pop[p].name, first + i, x[i]);
    }
  free(buf);
  if (rank == 0 && io == MF_OK) io = mf_outfile_commit(&dump_file);
  mf_outfile_discard(&dump_file);
  return io;
}

/* The checkpoint of `particles` before output row next: the network as it
 * stands (any step: the step number is the random-number counter) and the
 * series so far. */
static mf_status save_particles(const mf_config *cfg, const char *dir, const mf_particles *ps, mf_series *series,
                                int next)
{
  long bytes[2];
  mf_status status = mf_series_mark(series, bytes);
  mf_checkpoint_writer w;
  if (status != MF_OK || (status = mf_checkpoint_begin(&w, dir, "particles", cfg)) != MF_OK) return status;
  const int P = cfg->model.P;
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS];
  const double t = mf_particles_time(ps), wall = mf_particles_wall(ps);
  mf_particles_activities(ps, m);
  mf_particles_means(ps, xbar);
  mf_checkpoint_put_long(&w, "next_output", next);
  mf_checkpoint_put_long(&w, "observables_bytes", bytes[0]);
  mf_checkpoint_put_long(&w, "density_bytes", bytes[1]);
  mf_checkpoint_put_long(&w, "steps", mf_particles_steps(ps));
  mf_checkpoint_put_doubles(&w, "t", &t, 1);
  mf_checkpoint_put_doubles(&w, "wall_seconds", &wall, 1);
  mf_checkpoint_put_doubles(&w, "activities", m, P);
  mf_checkpoint_put_doubles(&w, "means", xbar, P);
  mf_checkpoint_put_doubles(&w, "voltages", mf_particles_voltages(ps, 0), mf_particles_total(ps));
  return mf_checkpoint_commit(&w);
}

static mf_status load_particles(const mf_checkpoint *ck, mf_particles *ps, mf_series *series, int ntimes, int *k)
{
  const int P = mf_particles_model(ps)->P;
  const long n = mf_particles_total(ps);
  long next, bytes[2], steps;
  double t, wall, m[MF_MAX_POPS], xbar[MF_MAX_POPS];
  double *x = malloc((size_t)n * sizeof *x);
  if (!x) return mf_error(MF_ENOMEM, "out of memory resuming");
  mf_status status = mf_checkpoint_get_long(ck, "next_output", &next);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "observables_bytes", &bytes[0]);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "density_bytes", &bytes[1]);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "steps", &steps);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "t", &t, 1);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "wall_seconds", &wall, 1);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "activities", m, P);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "means", xbar, P);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "voltages", x, n);
  if (status == MF_OK && !(next >= 0 && next < ntimes && steps >= 0))
    status = mf_error(MF_EINPUT, "checkpoint: output %ld, step %ld: not a point of this run", next, steps);
  if (status == MF_OK) status = mf_series_restore(series, bytes);
  if (status == MF_OK) {
    mf_particles_restore(ps, t, steps, wall, x, m, xbar);
    *k = (int)next;
  }
  free(x);
  return status;
}

mf_status mf_particles_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  mf_grid *grid = NULL;
  mf_particles *ps = NULL;
  double *times = NULL, *density = NULL;
  mf_outfile sum_file = {0};
  mf_series *series = NULL;
  mf_pop_observables obs[MF_MAX_POPS];
  mf_status status, io;
  /* Under mpirun the network is shared by the ranks (distribute.h); rank 0 writes every file. */
  const int rank = mf_dist_rank(), ranks = mf_dist_size(), root = rank == 0;

  if ((status = mf_budget_check(MF_JOB_PARTICLES, cfg, NULL)) != MF_OK) return status;
  if ((status = mf_dist_from_root(root && !opts->resume ? mf_output_dir_prepare(opts->outdir, opts->force) : MF_OK)) !=
      MF_OK)
    return status;
  if (!(grid = mf_config_grid(cfg))) return mf_errcode();
  status = MF_ENOMEM;
  int ntimes = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  density = malloc((size_t)model->P * (size_t)grid->n * sizeof *density);
  if ((status = mf_dist_agree(ntimes < 0    ? mf_errcode()
                              : !density    ? mf_error(MF_ENOMEM, "out of memory")
                                            : MF_OK)) != MF_OK)
    goto done;
  if (!(ps = mf_particles_create_share(model, &cfg->particles, rank, ranks))) {
    status = mf_errcode();
    goto done;
  }
  if ((status = mf_dist_from_root(root && !opts->resume ? mf_config_save(cfg, opts->outdir) : MF_OK)) != MF_OK) goto done;
  if ((status = mf_dist_from_root(!root || (series = open_series(cfg, opts->outdir)) ? MF_OK : mf_errcode())) != MF_OK)
    goto done;
  int k0 = 0;
  if (opts->resume && (status = load_particles(opts->resume, ps, series, ntimes, &k0)) != MF_OK) goto done;

  /* One process only: a checkpoint holds the whole network. */
  const int checkpoints = cfg->checkpoint_every > 0.0 && cfg->output_format == MF_FORMAT_CSV && ranks == 1;
  double last_checkpoint = 0.0;
  mf_progress progress;
  mf_progress_start(&progress, "particles", "t", !opts->log);
  for (int k = k0; k < ntimes; k++) {
    if (times[k] > 0.0) status = mf_particles_advance(ps, times[k]);
    const double t = mf_particles_time(ps), wall = mf_particles_wall(ps);
    mf_progress_update(&progress, t, cfg->t_end, mf_particles_steps(ps),
                       wall > 0.0 ? (double)mf_particles_total(ps) * (double)mf_particles_steps(ps) / wall : 0.0);
    if (status == MF_OK && mf_dist_any(mf_interrupted())) status = mf_interrupt_status("t", t);
    /* Stopped before row k (at a step or at its time): resuming continues from this state. */
    if (status == MF_EINTR && checkpoints && save_particles(cfg, opts->outdir, ps, series, k) != MF_OK)
      status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
    mf_observables_particles(ps, grid, obs, density);
    if (series) {
      mf_series_row(series, t, obs);
      if (status != MF_OK || mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, times[k], cfg->t_end))
        for (int p = 0; p < model->P; p++) mf_series_snapshot(series, t, p, grid, density + (size_t)p * grid->n);
    }
    if (status != MF_OK) break;
    if (checkpoints && k + 1 < ntimes && mf_checkpoint_due(cfg->checkpoint_every, &last_checkpoint))
      save_particles(cfg, opts->outdir, ps, series, k + 1); /* on failure the job goes on */
  }
  mf_progress_end(&progress);
  if (root && status != MF_EINTR) mf_checkpoint_remove(opts->outdir);
  io = series ? mf_series_commit(series) : MF_OK;
  series = NULL;
  if (io != MF_OK && status == MF_OK) status = io;

  if (cfg->particles_dump && (io = write_voltages(cfg, opts, ps)) != MF_OK && status == MF_OK) status = io;

  double xstar[MF_MAX_POPS];
  const int has_balance = nearest_balance(model, grid, obs, xstar);
  if (root && (io = mf_outfile_open(&sum_file, opts->outdir, "summary.csv")) == MF_OK) {
    mf_particles_summary_write(sum_file.fp, model, ps, obs, has_balance ? xstar : NULL,
                               mf_particle_scheme_name(cfg->particles.scheme), cfg->particles.dt,
                               (unsigned long long)cfg->particles.seed, cfg->particles.threads,
                               mf_particles_wall(ps), mf_outcome_name(status));
    io = mf_outfile_commit(&sum_file);
  }
  if (root && io != MF_OK && status == MF_OK) status = io;
  if (opts->log) {
    long n = 0;
    for (int p = 0; p < model->P; p++) n += mf_particles_count(ps, p);
    fprintf(opts->log, "mfbalance particles: %ld neurons, %d populations, gamma = %g, %s scheme, dt = %g, t = %g%s\n",
            n, model->P, model->gamma, mf_particle_scheme_name(cfg->particles.scheme), cfg->particles.dt,
            mf_particles_time(ps), status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)");
    if (ranks > 1) {
      long count = 0;
      const double reduce = mf_particles_reduce_wall(ps, &count);
      fprintf(opts->log, "  shared by %d MPI ranks (rank 0 writes); rank 0 spent %.3f s in %ld reductions (%.1f us each)\n",
              ranks, reduce, count, count > 0 ? 1e6 * reduce / (double)count : 0.0);
    }
    fprintf(opts->log, "  %-8s %10s %12s %12s %12s %12s\n", "pop", "neurons", "mean", "sd", "mode", "balance x*");
    for (int p = 0; p < model->P; p++) {
      fprintf(opts->log, "  %-8s %10ld %12.6f %12.6f %12.6f ", model->pop[p].name, mf_particles_count(ps, p),
              obs[p].mean, obs[p].sd, obs[p].mode);
      if (has_balance) fprintf(opts->log, "%12.6f\n", xstar[p]);
      else fprintf(opts->log, "%12s\n", "-");
    }
    const double wall = mf_particles_wall(ps);
    fprintf(opts->log, "  %ld steps, %.3f s, %.3g neuron-steps/s\n  results in %s/\n", mf_particles_steps(ps), wall,
            wall > 0 ? (double)n * (double)mf_particles_steps(ps) / wall : 0.0, opts->outdir);
  }
  /* Rank 0's outcome (its files) is every rank's. */
  status = mf_dist_from_root(status);

done:
  mf_series_discard(series);
  mf_outfile_discard(&sum_file);
  mf_particles_free(ps);
  mf_grid_free(grid);
  free(times);
  free(density);
  return status;
}
