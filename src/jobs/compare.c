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
 *                With FitzHugh-Nagumo neurons the networks are those of
 *                particles_fhn.h and their moments are compared in
 *                standard errors (compare_fhn.c); the driver below is the
 *                same for both;
 *   doublelimit  over a table of (n, gamma), W1 between each population's
 *                empirical measure at t_end and the Dirac mass at its
 *                balance voltage: the picture of the double limit. */
#include "compare_internal.h"

#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/checkpoint.h"
#include "mfbalance/distribute.h"
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

static void free_densities(compare_density *d, size_t count)
{
  for (size_t k = 0; d && k < count; k++) mf_grid_free(d[k].grid), free(d[k].rho);
  free(d);
}

/* A copy of the solver's current density of population p into d. */
static mf_status keep_density(const mf_solver *solver, int p, compare_density *d)
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
  /* Resuming (compare only) writes into the interrupted job's directory. */
  if (!opts->resume && (status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if (!opts->resume && (status = mf_config_save(cfg, opts->outdir)) != MF_OK) return status;
  return mf_outfile_open(rows, opts->outdir, name);
}

/* The networks of the compare job, one unit each (distribute.h deals them
 * to the ranks): network (k, r) has compare_n[k] neurons and seed
 * seed + r.  Its result (one-dimensional neurons) is `done` (how many
 * comparison times it reached) then mean, sd and W1 per time and
 * population.  A resumed job deals only the networks from `first` on:
 * dealt unit u is network first + u. */
int compare_replicas(const mf_config *cfg, int k)
{
  return (int)fmin(cfg->compare_replicas, ceil(1e6 / (double)cfg->compare_n[k]));
}

mf_particle_opts compare_network_opts(const compare_ctx *c, int u)
{
  mf_particle_opts po = c->cfg->particles;
  po.n = c->cfg->compare_n[c->unit_k[u]];
  po.seed = c->cfg->particles.seed + (uint64_t)c->unit_r[u];
  return po;
}

/* ---- checkpoints of `compare` (docs/checkpoint.md) ---------------------------------------- */

/* The checkpoint of `compare` before network next: the bytes of compare.csv
 * and the sums over the networks done.  The PDE is not in it: a resumed job
 * solves it again, with the same calls, to the same bits. */
static mf_status save_compare(const compare_ctx *c, int next)
{
  const int P = c->cfg->model.P, nn = c->cfg->ncompare;
  const long bytes = mf_outfile_mark(c->rows_file);
  if (bytes < 0) return mf_error(MF_EIO, "%s: cannot write", c->rows_file->path);
  double sums[4 * MF_MAX_POPS], w1[MF_SWEEP_MAX_GAMMAS * MF_MAX_POPS];
  for (int p = 0; p < P; p++)
    sums[p] = c->sum[p], sums[P + p] = c->sum2[p], sums[2 * P + p] = c->late[p], sums[3 * P + p] = (double)c->nlate[p];
  for (int k = 0; k < nn; k++)
    for (int p = 0; p < P; p++) w1[k * P + p] = c->w1_end[k * MF_MAX_POPS + p];
  mf_checkpoint_writer w;
  mf_status status = mf_checkpoint_begin(&w, c->opts->outdir, "compare", c->cfg);
  if (status != MF_OK) return status;
  mf_checkpoint_put_long(&w, "next_network", next);
  mf_checkpoint_put_long(&w, "compare_bytes", bytes);
  mf_checkpoint_put_doubles(&w, "replica_sums", sums, 4 * P);
  mf_checkpoint_put_doubles(&w, "w1_late", w1, (long)nn * P);
  return mf_checkpoint_commit(&w);
}

static mf_status load_compare(const mf_checkpoint *ck, compare_ctx *c)
{
  const int P = c->cfg->model.P, nn = c->cfg->ncompare;
  long next, bytes;
  double sums[4 * MF_MAX_POPS], w1[MF_SWEEP_MAX_GAMMAS * MF_MAX_POPS];
  mf_status status = mf_checkpoint_get_long(ck, "next_network", &next);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "compare_bytes", &bytes);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "replica_sums", sums, 4 * P);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "w1_late", w1, (long)nn * P);
  if (status == MF_OK && !(next >= 0 && next < c->units))
    status = mf_error(MF_EINPUT, "checkpoint: network %ld of %d", next, c->units);
  if (status == MF_OK) status = mf_outfile_restore(c->rows_file, bytes);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++)
    c->sum[p] = sums[p], c->sum2[p] = sums[P + p], c->late[p] = sums[2 * P + p], c->nlate[p] = (long)sums[3 * P + p];
  for (int k = 0; k < nn; k++)
    for (int p = 0; p < P; p++) c->w1_end[k * MF_MAX_POPS + p] = w1[k * P + p];
  c->first = (int)next;
  return MF_OK;
}

static mf_status compare_network(int dealt, void *result, void *ctx)
{
  const compare_ctx *c = ctx;
  const int u = c->first + dealt;
  const mf_config *cfg = c->cfg;
  const int P = cfg->model.P;
  double *res = result;
  res[0] = 0.0;
  const mf_particle_opts po = compare_network_opts(c, u);
  mf_particles *ps = mf_particles_create(&cfg->model, &po);
  if (!ps) return mf_errcode();
  mf_status status = MF_OK;
  for (int j = 0; j < c->nt; j++) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("t", mf_particles_time(ps));
      break;
    }
    if (c->times[j] > 0.0 && (status = mf_particles_advance(ps, c->times[j])) != MF_OK) break;
    mf_pop_observables obs[MF_MAX_POPS];
    mf_observables_particles(ps, c->grid, obs, c->density);
    for (int p = 0; p < P; p++) {
      sorted_voltages(ps, p, c->buf);
      const compare_density *d = &c->pde[(size_t)j * P + p];
      double *out = res + 1 + 3 * ((size_t)j * P + p);
      out[0] = obs[p].mean, out[1] = obs[p].sd;
      out[2] = mf_wasserstein1(d->grid, d->rho, c->buf, mf_particles_count(ps, p));
    }
    res[0] = j + 1;
  }
  mf_particles_free(ps);
  return status;
}

/* Rank 0: network u's rows into compare.csv and the log, its W1 into the
 * averages; after the last replica of an n, the averages of that n. */
static void compare_emit(int dealt, const void *result, mf_status status, void *ctx)
{
  compare_ctx *c = ctx;
  const mf_config *cfg = c->cfg;
  const mf_model *model = &cfg->model;
  const int u = c->first + dealt;
  const int P = model->P, k = c->unit_k[u], r = c->unit_r[u], R = compare_replicas(cfg, k), nt = c->nt;
  /* Stopped in network u: resuming starts it again, after the networks before it. */
  if (status == MF_EINTR && c->checkpoints && save_compare(c, u) != MF_OK) c->saved = MF_EIO;
  const double *res = result;
  const long n = cfg->compare_n[k];
  FILE *log = c->opts->log;
  const double *times = c->times;
  if (r == 0) {
    memset(c->sum, 0, sizeof c->sum), memset(c->sum2, 0, sizeof c->sum2), memset(c->late, 0, sizeof c->late);
    memset(c->nlate, 0, sizeof c->nlate);
  }
  for (int j = 0; j < (int)res[0]; j++)
    for (int p = 0; p < P; p++) {
      const double *o = res + 1 + 3 * ((size_t)j * P + p), mean = o[0], sd = o[1], w1 = o[2];
      const mf_pop_observables *q = &c->pde_obs[(size_t)j * MF_MAX_POPS + p];
      fprintf(c->rows, "%ld,%d,%llu,%.17g,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", n, r + 1,
              (unsigned long long)(cfg->particles.seed + (uint64_t)r), times[j], model->pop[p].name, q->mean, mean,
              mean - q->mean, q->sd, sd, sd - q->sd, w1);
      if (log && r == 0 && (mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, times[j], cfg->t_end) || j == nt - 1))
        fprintf(log, "  %9ld %7.4g %-5s %12.8f %12.8f %10.2e %10.2e %10.3e\n", n, times[j], model->pop[p].name,
                q->mean, mean, mean - q->mean, sd - q->sd, w1);
      if (j == nt - 1) c->sum[p] += w1, c->sum2[p] += w1 * w1;
      if (times[j] >= 0.5 * cfg->t_end) c->late[p] += w1, c->nlate[p]++;
    }
  fflush(c->rows);
  if (status != MF_OK) return;
  for (int p = 0; r == R - 1 && p < P; p++) {
    const double mean = c->sum[p] / R, var = R > 1 ? (c->sum2[p] - R * mean * mean) / (R - 1) : NAN;
    c->w1_end[k * MF_MAX_POPS + p] = c->late[p] / (double)c->nlate[p];
    if (log)
      fprintf(log, "  n = %ld, %s, %d networks: W1 at t = %g: %.4e +- %.1e; averaged over t in [%g, %g]: %.4e\n", n,
              model->pop[p].name, R, times[nt - 1], mean, R > 1 ? sqrt(fmax(var, 0.0) / R) : NAN, 0.5 * cfg->t_end,
              cfg->t_end, c->late[p] / (double)c->nlate[p]);
  }
  /* A periodic checkpoint that cannot be written does not stop the job. */
  if (c->checkpoints && u + 1 < c->units && mf_checkpoint_due(cfg->checkpoint_every, &c->last_checkpoint))
    save_compare(c, u + 1);
}

/* summary.csv of compare: per n and population the networks planned and
 * finished, the W1 averaged over the late times and the networks (NaN until
 * every network of that n is finished), and the job's outcome. */
static mf_status write_compare_summary(const mf_config *cfg, const char *dir, const int *unit_k, int done,
                                       const double *w1_end, mf_status outcome)
{
  mf_outfile f = {0};
  mf_status status = mf_outfile_open(&f, dir, "summary.csv");
  if (status != MF_OK) return status;
  fputs("n,population,networks,finished,w1_late,status\n", f.fp);
  for (int k = 0; k < cfg->ncompare; k++) {
    int finished = 0;
    for (int u = 0; u < done; u++) finished += unit_k[u] == k;
    for (int p = 0; p < cfg->model.P; p++)
      fprintf(f.fp, "%ld,%s,%d,%d,%.17g,%s\n", cfg->compare_n[k], cfg->model.pop[p].name, compare_replicas(cfg, k), finished,
              finished == compare_replicas(cfg, k) ? w1_end[k * MF_MAX_POPS + p] : NAN, mf_outcome_name(outcome));
  }
  return mf_outfile_commit(&f);
}

mf_status mf_compare_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P, fhn = model->neuron == MF_NEURON_FHN;
  double *times = NULL;
  const int nt = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  mf_grid *grid = NULL;
  mf_solver *solver = NULL;
  compare_density *pde = NULL;       /* nt x P (one-dimensional neurons) */
  mf_moments2d *pde2d = NULL;        /* nt x P (FitzHugh-Nagumo) */
  double *buf = NULL, *w1_end = NULL, *density = NULL, *acc = NULL;
  int *reached = NULL;
  mf_pop_observables *pde_obs = NULL; /* nt x MF_MAX_POPS */
  mf_outfile rows = {0}, fits = {0}, summary = {0};
  mf_status status, io;

  /* Under mpirun: rank 0 writes; every rank solves the PDE (cheap) and runs its share of the networks. */
  const int root = mf_dist_rank() == 0;
  int *unit_k = NULL, *unit_r = NULL;
  double *results = NULL;
  status = root ? open_outputs(cfg, opts, &rows, "compare.csv") : mf_budget_check(MF_JOB_COMPARE, cfg, NULL);
  if (root && fhn && status == MF_OK) status = mf_outfile_open(&summary, opts->outdir, "compare_summary.csv");
  if ((status = mf_dist_from_root(status)) != MF_OK) goto done;
  if (nt < 0) {
    status = mf_errcode();
    goto done;
  }
  if (!(grid = mf_config_grid(cfg))) {
    status = mf_errcode();
    goto done;
  }
  const size_t N = (size_t)P * (size_t)grid->n;
  long nmax = 0;
  for (int k = 0; k < cfg->ncompare; k++) nmax = cfg->compare_n[k] > nmax ? cfg->compare_n[k] : nmax;
  if (nt < 1) goto done;
  int units = 0;
  for (int k = 0; k < cfg->ncompare; k++) units += compare_replicas(cfg, k);
  const size_t result_size = fhn ? compare_fhn_result_size(nt, P) : (1 + 3 * (size_t)nt * (size_t)P) * sizeof(double);
  unit_k = malloc((size_t)units * sizeof *unit_k);
  unit_r = malloc((size_t)units * sizeof *unit_r);
  results = malloc((size_t)units * result_size);
  int lacking = !unit_k || !unit_r || !results;
  if (fhn) {
    pde2d = malloc((size_t)nt * (size_t)P * sizeof *pde2d);
    acc = malloc((size_t)nt * (size_t)P * COMPARE_FHN_QUANTITIES * 4 * sizeof *acc);
    reached = malloc((size_t)nt * sizeof *reached);
    lacking = lacking || !pde2d || !acc || !reached;
  } else {
    pde = calloc((size_t)nt * (size_t)P, sizeof *pde);
    pde_obs = malloc((size_t)nt * MF_MAX_POPS * sizeof *pde_obs);
    buf = malloc((size_t)nmax * sizeof *buf);
    w1_end = malloc((size_t)cfg->ncompare * MF_MAX_POPS * sizeof *w1_end);
    density = malloc(N * sizeof *density);
    lacking = lacking || !pde || !pde_obs || !buf || !w1_end || !density;
  }
  if ((status = mf_dist_agree(lacking ? mf_error(MF_ENOMEM, "out of memory") : MF_OK)) != MF_OK) goto done;
  for (int k = 0; w1_end && k < cfg->ncompare * MF_MAX_POPS; k++) w1_end[k] = NAN;
  for (int k = 0, u = 0; k < cfg->ncompare; k++)
    for (int r = 0; r < compare_replicas(cfg, k); r++) unit_k[u] = k, unit_r[u] = r, u++;
  /* Checkpoints: one-dimensional neurons in one process (a checkpoint holds every network's sums). */
  compare_ctx c = {.cfg = cfg, .opts = opts, .grid = grid, .times = times, .nt = nt, .unit_k = unit_k,
                   .unit_r = unit_r, .units = units, .rows = rows.fp, .rows_file = &rows, .pde = pde,
                   .pde_obs = pde_obs, .density = density, .buf = buf, .w1_end = w1_end, .pde2d = pde2d, .acc = acc,
                   .reached = reached, .summary = summary.fp,
                   .checkpoints = !fhn && cfg->checkpoint_every > 0.0 && mf_dist_size() == 1};
  for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++) c.zmax[q] = c.zmax_all[q] = (compare_zmax){.z = -1.0, .t = NAN};
  /* The header first, so that an interruption in the PDE leaves compare.csv (and a checkpoint). */
  if (root && !fhn)
    fputs("n,replica,seed,t,population,mean_pde,mean_particles,d_mean,sd_pde,sd_particles,d_sd,w1\n", rows.fp);
  if (opts->resume && (status = load_compare(opts->resume, &c)) != MF_OK) goto done;
  int kept = 0;
  /* The PDE once, its densities (or, in (v, w), its moments) kept at every comparison time. */
  const mf_discretisation disc = mf_config_discretisation(cfg, grid);
  if (!(solver = mf_solver_create(model, &disc, &cfg->integ))) {
    status = mf_errcode();
    goto finish;
  }
  for (int j = 0; j < nt; j++) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("t (of the PDE)", times[j]);
      if (c.checkpoints && save_compare(&c, c.first) != MF_OK)
        status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
      goto finish;
    }
    if (times[j] > 0.0 && (status = mf_solver_advance(solver, times[j])) != MF_OK) goto finish;
    for (int p = 0; p < P; p++)
      if ((status = fhn ? mf_solver_moments2d(solver, p, &pde2d[(size_t)j * P + p])
                        : keep_density(solver, p, &pde[(size_t)j * P + p])) != MF_OK)
        goto finish;
    if (!fhn) mf_solver_observables(solver, pde_obs + (size_t)j * MF_MAX_POPS);
  }

  if (fhn) {
    compare_fhn_headers(&c, mf_solver_method_name(solver), cfg->cells_v, cfg->cells_w);
    status = mf_dist_deal(units, result_size, results, compare_fhn_network, compare_fhn_emit, &c, &kept);
  } else {
    if (opts->log)
      fprintf(opts->log, "mfbalance compare: PDE (%s, %d cells) against the network (replica 1 shown; W1 averaged)\n"
              "  %9s %7s %-5s %12s %12s %10s %10s %10s\n", mf_solver_method_name(solver), mf_solver_grid(solver, 0)->n, "n", "t", "pop", "mean pde", "mean net", "d mean",
              "d sd", "W1");
    status = mf_dist_deal(units - c.first, result_size, results, compare_network, compare_emit, &c, &kept);
    if (status == MF_EINTR && c.saved != MF_OK) status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
  }

finish:
  if (!root) goto done;
  if (status != MF_EINTR) mf_checkpoint_remove(opts->outdir);
  if ((io = mf_outfile_commit(&rows)) != MF_OK && status == MF_OK) status = io;
  if (fhn) {
    if ((io = mf_outfile_commit(&summary)) != MF_OK && status == MF_OK) status = io;
    compare_fhn_report(&c);
    if (opts->log) fprintf(opts->log, "  results in %s/\n", opts->outdir);
    goto done;
  }
  if ((io = write_compare_summary(cfg, opts->outdir, unit_k, c.first + kept, w1_end, status)) != MF_OK &&
      status == MF_OK)
    status = io;
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
  mf_outfile_discard(&summary);
  mf_solver_free(solver);
  mf_grid_free(grid);
  free_densities(pde, pde ? (size_t)nt * (size_t)P : 0);
  free(pde_obs), free(buf), free(w1_end), free(times), free(unit_k), free(unit_r), free(results), free(density);
  free(pde2d), free(acc), free(reached);
  /* Rank 0's outcome (its files) is every rank's. */
  return mf_dist_from_root(status);
}

/* The cells of the doublelimit job, one unit each (distribute.h deals them
 * to the ranks): cell u is gamma_{u / ncompare} and n_{u mod ncompare}. */
typedef struct {
  double dt, xs[MF_MAX_POPS], mean[MF_MAX_POPS], sd[MF_MAX_POPS], w1[MF_MAX_POPS];
} doublelimit_cell;

typedef struct {
  const mf_config *cfg;
  const mf_run_opts *opts;
  const mf_grid *grid;
  FILE *rows; /* doublelimit.csv (rank 0) */
} doublelimit_ctx;

static mf_status doublelimit_run(int u, void *result, void *ctx)
{
  const doublelimit_ctx *c = ctx;
  const mf_config *cfg = c->cfg;
  const mf_grid *grid = c->grid;
  const int P = cfg->model.P, k = u % cfg->ncompare;
  doublelimit_cell *cell = result;
  mf_model model = cfg->model;
  model.gamma = cfg->sweep.gammas[u / cfg->ncompare];
  if (mf_interrupted())
    return k == 0 ? mf_interrupt_status("gamma", model.gamma) : mf_interrupt_status("n", (double)cfg->compare_n[k]);
  mf_balance_point points[MF_BALANCE_MAX_ROOTS];
  int npoints = 0;
  /* Pure electrical coupling balances on the consensus line: x* is the point of it that the
   * early-behaviour flow reaches from the final means (mf_balance_consensus_point). */
  const int consensus = mf_balance_is_consensus(&model);
  mf_status status;
  if ((status = mf_balance_find(&model, grid->faces[0], grid->faces[grid->n], points, MF_BALANCE_MAX_ROOTS,
                                &npoints)) != MF_OK)
    return status;
  if (npoints == 0 && !consensus)
    return mf_error(MF_ENUMERIC, "gamma = %g: no balance point in the grid's interval", model.gamma);
  mf_particle_opts po = cfg->particles;
  po.n = cfg->compare_n[k];
  /* The activities are frozen over a step: keep gamma dt at most 1/2. */
  po.dt = fmin(po.dt, 0.5 / model.gamma);
  cell->dt = po.dt;
  mf_particles *ps = mf_particles_create(&model, &po);
  if (!ps) return mf_errcode();
  if ((status = mf_particles_advance(ps, cfg->t_end)) == MF_OK) {
    for (int p = 0; p < P; p++) {
      const double *x = mf_particles_voltages(ps, p);
      const long n = mf_particles_count(ps, p);
      double s = 0.0, d = 0.0;
      for (long i = 0; i < n; i++) s += x[i];
      cell->mean[p] = s / (double)n;
      for (long i = 0; i < n; i++) d += (x[i] - cell->mean[p]) * (x[i] - cell->mean[p]);
      cell->sd[p] = sqrt(d / (double)n);
    }
    double line[MF_MAX_POPS];
    const int near = consensus ? -1 : mf_balance_nearest(points, npoints, P, cell->mean);
    if (!consensus || (status = mf_balance_consensus_point(&model, cell->mean, line)) == MF_OK)
      for (int p = 0; p < P; p++) {
        cell->xs[p] = consensus ? line[p] : points[near].x[p];
        cell->w1[p] = mf_wasserstein1_dirac(mf_particles_voltages(ps, p), mf_particles_count(ps, p), cell->xs[p]);
      }
  }
  mf_particles_free(ps);
  return status;
}

/* Rank 0: cell u's rows into doublelimit.csv and the log. */
static void doublelimit_emit(int u, const void *result, mf_status status, void *ctx)
{
  const doublelimit_ctx *c = ctx;
  const mf_config *cfg = c->cfg;
  const doublelimit_cell *cell = result;
  if (status != MF_OK) return;
  const double gamma = cfg->sweep.gammas[u / cfg->ncompare];
  const long n = cfg->compare_n[u % cfg->ncompare];
  for (int p = 0; p < cfg->model.P; p++) {
    const char *name = cfg->model.pop[p].name;
    fprintf(c->rows, "%.17g,%ld,%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", gamma, n, name, cell->dt, cell->xs[p],
            cell->mean[p], cell->sd[p], cell->w1[p]);
    if (c->opts->log)
      fprintf(c->opts->log, "  %9.4g %9ld %-5s %10.3g %12.8f %12.8f %11.4e\n", gamma, n, name, cell->dt, cell->xs[p],
              cell->mean[p], cell->w1[p]);
  }
  fflush(c->rows);
}

mf_status mf_doublelimit_job(const mf_config *cfg, const mf_run_opts *opts)
{
  mf_outfile rows = {0};
  mf_grid *grid = NULL;
  doublelimit_cell *cells = NULL;
  mf_status status;
  /* Under mpirun: rank 0 writes; the cells are dealt to the ranks. */
  const int root = mf_dist_rank() == 0, count = cfg->sweep.ngammas * cfg->ncompare;
  if ((status = mf_dist_from_root(root ? open_outputs(cfg, opts, &rows, "doublelimit.csv")
                                       : mf_budget_check(MF_JOB_DOUBLELIMIT, cfg, NULL))) != MF_OK)
    goto done;
  if (!(grid = mf_config_grid(cfg))) {
    status = mf_errcode();
    goto done;
  }
  cells = calloc((size_t)(count > 0 ? count : 1), sizeof *cells);
  if ((status = mf_dist_agree(cells ? MF_OK : mf_error(MF_ENOMEM, "out of memory"))) != MF_OK) goto done;
  if (root) fputs("gamma,n,population,dt,x_star,mean,sd,w1_dirac\n", rows.fp);
  if (opts->log)
    fprintf(opts->log, "mfbalance doublelimit: W1(empirical measure at t = %g, Dirac at x*)\n  %9s %9s %-5s %10s %12s %12s %11s\n",
            cfg->t_end, "gamma", "n", "pop", "dt", "x*", "mean", "W1");
  doublelimit_ctx c = {.cfg = cfg, .opts = opts, .grid = grid, .rows = rows.fp};
  int kept = 0;
  status = mf_dist_deal(count, sizeof *cells, cells, doublelimit_run, doublelimit_emit, &c, &kept);
  if (root) {
    mf_status io = mf_outfile_commit(&rows);
    if (status == MF_OK) status = io;
  }
  if (opts->log && status == MF_OK) fprintf(opts->log, "  results in %s/\n", opts->outdir);

done:
  mf_outfile_discard(&rows);
  mf_grid_free(grid);
  free(cells);
  /* Rank 0's outcome (its files) is every rank's. */
  return mf_dist_from_root(status);
}
