/* compare.c -- the jobs that put the network beside its limits (run.h,
 * docs/particles.md):
 *   compare      particles against the mean-field PDE at the snapshot
 *                times: differences of mean and s.d., and the
 *                1-Wasserstein distance between the empirical measure and
 *                the PDE density; over several n, the log-log slope of W1
 *                against n (about -1/2 until the discretisation floor).
 *                W1 of one network fluctuates (the whole population follows
 *                the fluctuating V = C/A), so R(n) = min(replicas,
 *                ceil(10^6 / n)) independent networks (seeds seed, seed+1,
 *                ...) are run per n and W1 averaged;
 *   doublelimit  over a table of (n, gamma), W1 between each population's
 *                empirical measure at t_end and the Dirac mass at its
 *                balance voltage: the picture of the double limit. */
#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/checkpoint.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/observables.h"
#include "mfbalance/output.h"
#include "mfbalance/particles.h"
#include "mfbalance/run.h"
#include "mfbalance/solver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorted copy of population p's voltages into buf. */
static void sorted_voltages(const mf_particles *ps, int p, double *buf)
{
  const long n = mf_particles_count(ps, p);
  memcpy(buf, mf_particles_voltages(ps, p), (size_t)n * sizeof *buf);
  qsort(buf, (size_t)n, sizeof *buf, compare_doubles);
}

/* The PDE's density of one population at one time, on its own cells. */
typedef struct {
  mf_grid *grid;
  double *rho;
} pde_density;

static void free_densities(pde_density *d, size_t count)
{
  for (size_t k = 0; d && k < count; k++) mf_grid_free(d[k].grid), free(d[k].rho);
  free(d);
}

/* A copy of the solver's current density of population p into d. */
static mf_status keep_density(const mf_solver *solver, int p, pde_density *d)
{
  const mf_grid *g = mf_solver_grid(solver, p);
  if (!(d->grid = mf_grid_create_faces(g->faces, g->n))) return mf_errcode();
  if (!(d->rho = malloc((size_t)g->n * sizeof *d->rho))) return mf_error(MF_ENOMEM, "out of memory");
  memcpy(d->rho, mf_solver_density(solver, p), (size_t)g->n * sizeof *d->rho);
  return MF_OK;
}

static mf_status open_outputs(const mf_config *cfg, const mf_run_opts *opts, mf_outfile *rows, const char *name)
{
  mf_status status;
  if ((status = mf_budget_check(strcmp(name, "compare.csv") == 0 ? MF_JOB_COMPARE : MF_JOB_DOUBLELIMIT, cfg, NULL)) !=
      MF_OK)
    return status;
  if (!opts->resume && (status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if (!opts->resume && (status = mf_config_save(cfg, opts->outdir)) != MF_OK) return status;
  return mf_outfile_open(rows, opts->outdir, name);
}

/* Where compare stands at the start of a network (size number k, replica
 * r): what its checkpoint holds.  Networks are independent (seed + r), so
 * resuming there and redoing the PDE repeats the uninterrupted job. */
typedef struct {
  long k, r, bytes;                          /* network, replica, bytes of compare.csv before it */
  double acc[4 * MF_MAX_POPS];               /* sum, sum2, late, nlate of size k so far */
  double w1_end[MF_SWEEP_MAX_GAMMAS * MF_MAX_POPS]; /* late W1 of the sizes before k */
} compare_mark;

static mf_status save_compare(const mf_config *cfg, const char *dir, const compare_mark *m)
{
  mf_checkpoint_writer w;
  mf_status status = mf_checkpoint_begin(&w, dir, "compare", cfg);
  if (status != MF_OK) return status;
  mf_checkpoint_put_long(&w, "network", m->k);
  mf_checkpoint_put_long(&w, "replica", m->r);
  mf_checkpoint_put_long(&w, "compare_bytes", m->bytes);
  mf_checkpoint_put_doubles(&w, "accumulators", m->acc, 4 * MF_MAX_POPS);
  mf_checkpoint_put_doubles(&w, "w1_late", m->w1_end, m->k * MF_MAX_POPS);
  return mf_checkpoint_commit(&w);
}

static mf_status load_compare(const mf_checkpoint *ck, const mf_config *cfg, compare_mark *m, mf_outfile *rows)
{
  mf_status status = mf_checkpoint_get_long(ck, "network", &m->k);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "replica", &m->r);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "compare_bytes", &m->bytes);
  if (status == MF_OK && !(m->k >= 0 && m->k < cfg->ncompare && m->r >= 0))
    status = mf_error(MF_EINPUT, "checkpoint: network %ld of %d", m->k, cfg->ncompare);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "accumulators", m->acc, 4 * MF_MAX_POPS);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "w1_late", m->w1_end, m->k * MF_MAX_POPS);
  return status == MF_OK ? mf_outfile_restore(rows, m->bytes) : status;
}

mf_status mf_compare_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P;
  double *times = NULL;
  const int nt = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  mf_grid *grid = NULL;
  mf_solver *solver = NULL;
  mf_particles *ps = NULL;
  pde_density *pde = NULL; /* nt x P */
  double *buf = NULL, *w1_end = NULL;
  mf_pop_observables *pde_obs = NULL; /* nt x MF_MAX_POPS */
  mf_outfile rows = {0}, fits = {0};
  mf_status status, io;

  if ((status = open_outputs(cfg, opts, &rows, "compare.csv")) != MF_OK) goto done;
  if (nt < 0) {
    status = mf_errcode();
    goto done;
  }
  status = MF_ENOMEM;
  if (!(grid = mf_config_grid(cfg))) {
    status = mf_errcode();
    goto done;
  }
  const size_t N = (size_t)P * (size_t)grid->n;
  long nmax = 0;
  for (int k = 0; k < cfg->ncompare; k++) nmax = cfg->compare_n[k] > nmax ? cfg->compare_n[k] : nmax;
  if (nt < 1) goto done;
  pde = calloc((size_t)nt * (size_t)P, sizeof *pde);
  pde_obs = malloc((size_t)nt * MF_MAX_POPS * sizeof *pde_obs);
  buf = malloc((size_t)nmax * sizeof *buf);
  w1_end = malloc((size_t)cfg->ncompare * MF_MAX_POPS * sizeof *w1_end);
  if (!pde || !pde_obs || !buf || !w1_end) {
    status = mf_error(MF_ENOMEM, "out of memory");
    goto done;
  }
  compare_mark mark = {0};
  fputs("n,replica,seed,t,population,mean_pde,mean_particles,d_mean,sd_pde,sd_particles,d_sd,w1\n", rows.fp);
  if (opts->resume && (status = load_compare(opts->resume, cfg, &mark, &rows)) != MF_OK) goto done;
  if (!opts->resume) mark.bytes = mf_outfile_mark(&rows);
  const int checkpoints = cfg->checkpoint_every > 0.0;
  memcpy(w1_end, mark.w1_end, (size_t)mark.k * MF_MAX_POPS * sizeof *w1_end);
  /* The PDE once, its densities kept at every comparison time. */
  const mf_discretisation disc = mf_config_discretisation(cfg, grid);
  if (!(solver = mf_solver_create(model, &disc, &cfg->integ))) {
    status = mf_errcode();
    goto done;
  }
  for (int j = 0; j < nt; j++) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("t (of the PDE)", times[j]);
      if (checkpoints && save_compare(cfg, opts->outdir, &mark) != MF_OK)
        status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
      mf_outfile_commit(&rows);
      goto done;
    }
    if (times[j] > 0.0 && (status = mf_solver_advance(solver, times[j])) != MF_OK) goto done;
    for (int p = 0; p < P; p++)
      if ((status = keep_density(solver, p, &pde[(size_t)j * P + p])) != MF_OK) goto done;
    mf_solver_observables(solver, pde_obs + (size_t)j * MF_MAX_POPS);
  }

  if (opts->log)
    fprintf(opts->log, "mfbalance compare: PDE (%s, %d cells) against the network (replica 1 shown; W1 averaged)\n"
            "  %9s %7s %-5s %12s %12s %10s %10s %10s\n", mf_solver_method_name(solver), mf_solver_grid(solver, 0)->n, "n", "t", "pop", "mean pde", "mean net", "d mean",
            "d sd", "W1");
  double *density = malloc(N * sizeof *density);
  if (!density) goto done;
  status = MF_OK;
  double last_checkpoint = 0.0;
  for (int k = (int)mark.k; k < cfg->ncompare && status == MF_OK; k++) {
    const long n = cfg->compare_n[k];
    const int R = (int)fmin(cfg->compare_replicas, ceil(1e6 / (double)n));
    double sum[MF_MAX_POPS] = {0}, sum2[MF_MAX_POPS] = {0}, late[MF_MAX_POPS] = {0};
    long nlate[MF_MAX_POPS] = {0};
    const int resumed = k == mark.k;
    for (int p = 0; resumed && p < P; p++)
      sum[p] = mark.acc[p], sum2[p] = mark.acc[MF_MAX_POPS + p], late[p] = mark.acc[2 * MF_MAX_POPS + p],
      nlate[p] = (long)mark.acc[3 * MF_MAX_POPS + p];
    for (int r = resumed ? (int)mark.r : 0; r < R && status == MF_OK; r++) {
      /* The restart point of this network: a checkpoint holds the last one. */
      mark.k = k, mark.r = r, mark.bytes = mf_outfile_mark(&rows);
      for (int p = 0; p < P; p++)
        mark.acc[p] = sum[p], mark.acc[MF_MAX_POPS + p] = sum2[p], mark.acc[2 * MF_MAX_POPS + p] = late[p],
        mark.acc[3 * MF_MAX_POPS + p] = (double)nlate[p];
      memcpy(mark.w1_end, w1_end, (size_t)k * MF_MAX_POPS * sizeof *w1_end);
      if (checkpoints && mf_checkpoint_due(cfg->checkpoint_every, &last_checkpoint))
        save_compare(cfg, opts->outdir, &mark); /* on failure the job goes on */
      mf_particle_opts po = cfg->particles;
      po.n = n;
      po.seed = cfg->particles.seed + (uint64_t)r;
      if (!(ps = mf_particles_create(model, &po))) {
        status = mf_errcode();
        break;
      }
      for (int j = 0; j < nt; j++) {
        if (mf_interrupted()) status = mf_interrupt_status("t", mf_particles_time(ps));
        if (status == MF_OK && times[j] > 0.0) status = mf_particles_advance(ps, times[j]);
        if (status == MF_EINTR && checkpoints && save_compare(cfg, opts->outdir, &mark) != MF_OK)
          status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
        if (status != MF_OK) break;
        mf_pop_observables obs[MF_MAX_POPS];
        mf_observables_particles(ps, grid, obs, density);
        for (int p = 0; p < P; p++) {
          sorted_voltages(ps, p, buf);
          const pde_density *d = &pde[(size_t)j * P + p];
          const double w1 = mf_wasserstein1(d->grid, d->rho, buf, mf_particles_count(ps, p));
          const mf_pop_observables *q = &pde_obs[(size_t)j * MF_MAX_POPS + p];
          fprintf(rows.fp, "%ld,%d,%llu,%.17g,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", n, r + 1,
                  (unsigned long long)po.seed, times[j], model->pop[p].name, q->mean, obs[p].mean,
                  obs[p].mean - q->mean, q->sd, obs[p].sd, obs[p].sd - q->sd, w1);
          if (opts->log && r == 0 && (mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, times[j], cfg->t_end) || j == nt - 1))
            fprintf(opts->log, "  %9ld %7.4g %-5s %12.8f %12.8f %10.2e %10.2e %10.3e\n", n, times[j],
                    model->pop[p].name, q->mean, obs[p].mean, obs[p].mean - q->mean, obs[p].sd - q->sd, w1);
          if (j == nt - 1) sum[p] += w1, sum2[p] += w1 * w1;
          if (times[j] >= 0.5 * cfg->t_end) late[p] += w1, nlate[p]++;
        }
      }
      fflush(rows.fp);
      mf_particles_free(ps);
      ps = NULL;
    }
    for (int p = 0; p < P && status == MF_OK; p++) {
      const double mean = sum[p] / R, var = R > 1 ? (sum2[p] - R * mean * mean) / (R - 1) : NAN;
      w1_end[k * MF_MAX_POPS + p] = late[p] / (double)nlate[p];
      if (opts->log)
        fprintf(opts->log, "  n = %ld, %s, %d networks: W1 at t = %g: %.4e +- %.1e; averaged over t in [%g, %g]: %.4e\n",
                n, model->pop[p].name, R, times[nt - 1], mean, R > 1 ? sqrt(fmax(var, 0.0) / R) : NAN,
                0.5 * cfg->t_end, cfg->t_end, late[p] / (double)nlate[p]);
    }
  }
  free(density);
  if (status != MF_EINTR) mf_checkpoint_remove(opts->outdir);
  if ((io = mf_outfile_commit(&rows)) != MF_OK && status == MF_OK) status = io;
  if (status != MF_OK || cfg->ncompare < 2) goto done;

  /* W1 (averaged over the second half of the run and the networks) against n. */
  if ((status = mf_outfile_open(&fits, opts->outdir, "compare_fit.csv")) != MF_OK) goto done;
  mf_fit_write_header(fits.fp);
  for (int p = 0; p < P; p++) {
    double nn[MF_SWEEP_MAX_GAMMAS], w[MF_SWEEP_MAX_GAMMAS];
    for (int k = 0; k < cfg->ncompare; k++) nn[k] = (double)cfg->compare_n[k], w[k] = w1_end[k * MF_MAX_POPS + p];
    mf_power_fit fit;
    if (mf_power_fit_compute(nn, w, cfg->ncompare, &fit) != MF_OK) continue;
    mf_fit_write_row(fits.fp, "w1_late_vs_n", model->pop[p].name, &fit);
    if (opts->log)
      fprintf(opts->log, "  W1 over t in [%g, %g] against n, %s: slope %.4f, constant %.4g\n", 0.5 * cfg->t_end,
              cfg->t_end, model->pop[p].name, fit.slope, fit.constant);
  }
  status = mf_outfile_commit(&fits);
  if (opts->log) fprintf(opts->log, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows);
  mf_outfile_discard(&fits);
  mf_particles_free(ps);
  mf_solver_free(solver);
  mf_grid_free(grid);
  free_densities(pde, pde ? (size_t)nt * (size_t)P : 0);
  free(pde_obs), free(buf), free(w1_end), free(times);
  return status;
}

mf_status mf_doublelimit_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const int P = cfg->model.P;
  mf_outfile rows = {0};
  mf_grid *grid = NULL;
  mf_status status;
  if ((status = open_outputs(cfg, opts, &rows, "doublelimit.csv")) != MF_OK) goto done;
  if (!(grid = mf_config_grid(cfg))) {
    status = mf_errcode();
    goto done;
  }
  fputs("gamma,n,population,dt,x_star,mean,sd,w1_dirac\n", rows.fp);
  if (opts->log)
    fprintf(opts->log, "mfbalance doublelimit: W1(empirical measure at t = %g, Dirac at x*)\n  %9s %9s %-5s %10s %12s %12s %11s\n",
            cfg->t_end, "gamma", "n", "pop", "dt", "x*", "mean", "W1");
  for (int g = 0; g < cfg->sweep.ngammas && status == MF_OK; g++) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("gamma", cfg->sweep.gammas[g]);
      break;
    }
    mf_model model = cfg->model;
    model.gamma = cfg->sweep.gammas[g];
    mf_balance_point points[MF_BALANCE_MAX_ROOTS];
    int npoints = 0;
    /* Pure electrical coupling balances on the consensus line: x* is the point of it that the
     * early-behaviour flow reaches from the final means (mf_balance_consensus_point). */
    const int consensus = mf_balance_is_consensus(&model);
    if ((status = mf_balance_find(&model, grid->faces[0], grid->faces[grid->n], points, MF_BALANCE_MAX_ROOTS,
                                  &npoints)) != MF_OK)
      break;
    if (npoints == 0 && !consensus) {
      status = mf_error(MF_ENUMERIC, "gamma = %g: no balance point in the grid's interval", model.gamma);
      break;
    }
    for (int k = 0; k < cfg->ncompare && status == MF_OK; k++) {
      if (mf_interrupted()) {
        status = mf_interrupt_status("n", (double)cfg->compare_n[k]);
        break;
      }
      mf_particle_opts po = cfg->particles;
      po.n = cfg->compare_n[k];
      /* The activities are frozen over a step: keep gamma dt at most 1/2. */
      po.dt = fmin(po.dt, 0.5 / model.gamma);
      mf_particles *ps = mf_particles_create(&model, &po);
      if (!ps) {
        status = mf_errcode();
        break;
      }
      status = mf_particles_advance(ps, cfg->t_end);
      if (status == MF_OK) {
        double means[MF_MAX_POPS], sds[MF_MAX_POPS];
        for (int p = 0; p < P; p++) {
          const double *x = mf_particles_voltages(ps, p);
          const long n = mf_particles_count(ps, p);
          double s = 0.0, d = 0.0;
          for (long i = 0; i < n; i++) s += x[i];
          means[p] = s / (double)n;
          for (long i = 0; i < n; i++) d += (x[i] - means[p]) * (x[i] - means[p]);
          sds[p] = sqrt(d / (double)n);
        }
        double line[MF_MAX_POPS];
        const int near = consensus ? -1 : mf_balance_nearest(points, npoints, P, means);
        if (consensus && (status = mf_balance_consensus_point(&model, means, line)) != MF_OK) {
          mf_particles_free(ps);
          break;
        }
        for (int p = 0; p < P; p++) {
          const double xs = consensus ? line[p] : points[near].x[p];
          const double w1 = mf_wasserstein1_dirac(mf_particles_voltages(ps, p), mf_particles_count(ps, p), xs);
          fprintf(rows.fp, "%.17g,%ld,%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", model.gamma, po.n, model.pop[p].name,
                  po.dt, xs, means[p], sds[p], w1);
          if (opts->log)
            fprintf(opts->log, "  %9.4g %9ld %-5s %10.3g %12.8f %12.8f %11.4e\n", model.gamma, po.n,
                    model.pop[p].name, po.dt, xs, means[p], w1);
        }
        fflush(rows.fp);
      }
      mf_particles_free(ps);
    }
  }
  {
    mf_status io = mf_outfile_commit(&rows);
    if (status == MF_OK) status = io;
  }
  if (opts->log && status == MF_OK) fprintf(opts->log, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows);
  mf_grid_free(grid);
  return status;
}
