/* limits.c -- the jobs of the gamma -> infinity limit on the fast time
 * tau = gamma t (run.h, docs/hopf-cole.md):
 *   hj    the Hopf-Cole solver at finite gamma or gamma = inf, with the
 *         concentration points argmax u_p, their distance to the balance
 *         voltages and their gap to the early-behaviour flow;
 *   flow  the early-behaviour flow dx/dtau = -G(x) from the initial means. */
#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/checkpoint.h"
#include "mfbalance/hj.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
#include "mfbalance/progress.h"
#include "mfbalance/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void initial_means(const mf_model *model, double *x)
{
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    x[p] = pop->init == MF_INIT_GAUSSIAN ? pop->init_a : 0.5 * (pop->init_a + pop->init_b);
  }
}

/* ---- checkpoints of `hj` (docs/checkpoint.md) ------------------------------------------ */

/* CVODE starts again at restart points, the only places a checkpoint of hj
 * can hold (CVODE's history cannot be saved).  They are placed by the work
 * done since the last one, cells x populations x steps, at the first output
 * time past RESTART_WORK of it, or past the work of checkpoint_every seconds
 * at the rate measured on 2 shared cores (3e7 per second; 2000 cells x 2
 * populations, gamma = inf: 6955 steps in 0.9 s) when that is less.  The work
 * is counted, not timed, so an uninterrupted and a resumed run place them
 * alike; a run of less than RESTART_WORK (the default hj takes 2.8e7) has
 * none and its results do not change.  A resumed job redoes at most that
 * much.  Measured, a restart every ~75 steps costs nothing visible, one at
 * every output row 2.3 times the time (docs/checkpoint.md). */
#define RESTART_WORK 3e8
#define WORK_PER_SECOND 3e7

static double restart_work(const mf_config *cfg)
{
  return fmin(RESTART_WORK, WORK_PER_SECOND * cfg->checkpoint_every);
}

/* The last restart point of `hj`: what a checkpoint holds. */
typedef struct {
  int next;                   /* output row that follows it */
  double tau;                 /* its fast time */
  double *u;                  /* the state there (P n) */
  long bytes[2];              /* hj.csv, u.csv up to it */
  mf_hj_stats stats;          /* CVODE's counts up to it */
  double gap_max[MF_MAX_POPS];/* the largest gaps to the flow so far */
  int valid;                  /* 1 if the files could be flushed there */
} hj_restart_point;

static mf_status hj_mark(hj_restart_point *r, const mf_hj *hj, const mf_hj_solver *solver, mf_outfile *rows,
                         mf_outfile *snaps, int k, const double *gap_max)
{
  const size_t N = (size_t)mf_hj_size(hj);
  if (!r->u && !(r->u = malloc(N * sizeof *r->u))) return mf_error(MF_ENOMEM, "out of memory");
  memcpy(r->u, mf_hj_solver_state(solver), N * sizeof *r->u);
  r->next = k + 1, r->tau = mf_hj_solver_tau(solver);
  mf_hj_solver_get_stats(solver, &r->stats);
  memcpy(r->gap_max, gap_max, sizeof r->gap_max);
  r->bytes[0] = mf_outfile_mark(rows), r->bytes[1] = mf_outfile_mark(snaps);
  /* Files that cannot be flushed (a full disk) leave no restart point to checkpoint. */
  r->valid = r->bytes[0] >= 0 && r->bytes[1] >= 0;
  return MF_OK;
}

static mf_status hj_save(const mf_config *cfg, const char *dir, const hj_restart_point *r, long N)
{
  mf_checkpoint_writer w;
  mf_status status = mf_checkpoint_begin(&w, dir, "hj", cfg);
  if (status != MF_OK) return status;
  const mf_hj_stats *st = &r->stats;
  const double counts[] = {(double)st->steps,        (double)st->rhs_evals,  (double)st->jac_evals,
                           (double)st->newton_iters, (double)st->newton_fails, (double)st->lin_setups,
                           (double)st->err_fails};
  mf_checkpoint_put_long(&w, "next_output", r->next);
  mf_checkpoint_put_long(&w, "hj_bytes", r->bytes[0]);
  mf_checkpoint_put_long(&w, "u_bytes", r->bytes[1]);
  mf_checkpoint_put_doubles(&w, "tau", &r->tau, 1);
  mf_checkpoint_put_doubles(&w, "solver_counts", counts, 7);
  mf_checkpoint_put_doubles(&w, "gap_max", r->gap_max, cfg->model.P);
  mf_checkpoint_put_doubles(&w, "state", r->u, N);
  return mf_checkpoint_commit(&w);
}

/* Solver and files back at the checkpoint's restart point; the early-behaviour
 * flow is advanced again through the same output times (it is cheap, and so
 * it takes the same steps); *k the next output row. */
static mf_status hj_load(const mf_checkpoint *ck, const mf_config *cfg, mf_hj_solver *solver, mf_flow *flow,
                         mf_outfile *rows, mf_outfile *snaps, const double *taus, int ntau, long N, double *gap_max,
                         int *k)
{
  long next, bytes[2];
  double tau, counts[7], xf[MF_MAX_POPS];
  double *u = malloc((size_t)N * sizeof *u);
  if (!u) return mf_error(MF_ENOMEM, "out of memory resuming");
  mf_status status = mf_checkpoint_get_long(ck, "next_output", &next);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "hj_bytes", &bytes[0]);
  if (status == MF_OK) status = mf_checkpoint_get_long(ck, "u_bytes", &bytes[1]);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "tau", &tau, 1);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "solver_counts", counts, 7);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "gap_max", gap_max, cfg->model.P);
  if (status == MF_OK) status = mf_checkpoint_get_doubles(ck, "state", u, N);
  if (status == MF_OK && !(next > 0 && next < ntau && taus[next - 1] == tau))
    status = mf_error(MF_EINPUT, "checkpoint: output %ld at tau = %g is not an output time of this run", next, tau);
  if (status == MF_OK) status = mf_outfile_restore(rows, bytes[0]);
  if (status == MF_OK) status = mf_outfile_restore(snaps, bytes[1]);
  /* At tau = 0 the solver already stands at the initial state, as an uninterrupted run's does. */
  if (status == MF_OK && tau > 0.0) status = mf_hj_solver_restart(solver, tau, u);
  for (long j = 0; status == MF_OK && j < next; j++) status = mf_flow_advance(flow, taus[j], xf);
  if (status == MF_OK) {
    const mf_hj_stats st = {.steps = (long)counts[0], .rhs_evals = (long)counts[1], .jac_evals = (long)counts[2],
                            .newton_iters = (long)counts[3], .newton_fails = (long)counts[4],
                            .lin_setups = (long)counts[5], .err_fails = (long)counts[6]};
    mf_hj_solver_set_counts(solver, &st);
    *k = (int)next;
  }
  free(u);
  return status;
}

mf_status mf_hj_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P;
  mf_grid *grid = NULL;
  mf_hj *hj = NULL;
  mf_hj_solver *solver = NULL;
  mf_flow *flow = NULL;
  double *taus = NULL, *u0 = NULL, *rho = NULL;
  mf_outfile rows = {0}, snaps = {0}, sum_file = {0};
  hj_restart_point point = {0};
  mf_status status, io;

  if ((status = mf_budget_check(MF_JOB_HJ, cfg, NULL)) != MF_OK) return status;
  if (!opts->resume && (status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if (!(grid = mf_config_grid(cfg))) return mf_errcode();
  if (!(hj = mf_hj_create(model, grid))) {
    status = mf_errcode();
    goto done;
  }
  const int n = grid->n, ntau = mf_output_times(cfg->hj_tau_end, cfg->hj_output_dtau, cfg->hj_snapshots, cfg->hj_nsnapshots, &taus);
  u0 = malloc((size_t)mf_hj_size(hj) * sizeof *u0);
  rho = malloc((size_t)n * sizeof *rho);
  if (ntau < 0 || !u0 || !rho) {
    status = ntau < 0 ? mf_errcode() : mf_error(MF_ENOMEM, "out of memory");
    goto done;
  }
  mf_hj_initial(hj, u0);
  double x0[MF_MAX_POPS];
  initial_means(model, x0);
  if (!(solver = mf_hj_solver_create(hj, u0, cfg->hj_rtol, cfg->hj_atol, cfg->integ.max_steps)) ||
      !(flow = mf_flow_create(model, x0, 1e-10, 1e-12))) {
    status = mf_errcode();
    goto done;
  }
  /* The balance points, for the distance of the argmax to the one it approaches. */
  mf_balance_point points[MF_BALANCE_MAX_ROOTS];
  int npoints = 0;
  const int consensus = mf_balance_is_consensus(model);
  if ((status = mf_balance_find(model, grid->faces[0], grid->faces[n], points, MF_BALANCE_MAX_ROOTS, &npoints)) !=
      MF_OK)
    goto done;

  if (!opts->resume && (status = mf_config_save(cfg, opts->outdir)) != MF_OK) goto done;
  if ((status = mf_outfile_open(&rows, opts->outdir, "hj.csv")) != MF_OK) goto done;
  if ((status = mf_outfile_open(&snaps, opts->outdir, "u.csv")) != MF_OK) goto done;
  fputs("tau", rows.fp);
  static const char *const cols[] = {"argmax", "max_u", "dist", "m", "A", "V", "mean", "flow", "gap"};
  for (int p = 0; p < P; p++)
    for (int c = 0; c < 9; c++) fprintf(rows.fp, ",%s_%s", cols[c], model->pop[p].name);
  fputc('\n', rows.fp);
  fputs("tau,population,x,u\n", snaps.fp);

  double xbar[MF_MAX_POPS], umax[MF_MAX_POPS], xs[MF_MAX_POPS], gap_max[MF_MAX_POPS] = {0}, dist[MF_MAX_POPS];
  /* A resumed job that fails at its first row reports NaN, not the rows before the restart point. */
  for (int p = 0; p < P; p++) xbar[p] = umax[p] = xs[p] = dist[p] = NAN;
  int k0 = 0;
  if (opts->resume && (status = hj_load(opts->resume, cfg, solver, flow, &rows, &snaps, taus, ntau, mf_hj_size(hj),
                                        gap_max, &k0)) != MF_OK)
    goto done;
  const int checkpoints = cfg->checkpoint_every > 0.0;
  const double work_per_step = (double)P * (double)n;
  long last_restart = mf_hj_solver_steps(solver);
  double last_checkpoint = 0.0;
  mf_progress progress;
  mf_progress_start(&progress, "hj", "tau", !opts->log);
  for (int k = k0; k < ntau; k++) {
    if (taus[k] > 0.0 && (status = mf_hj_solver_advance(solver, taus[k])) != MF_OK) break;
    mf_progress_update(&progress, taus[k], cfg->hj_tau_end, mf_hj_solver_steps(solver), 0.0);
    const double *u = mf_hj_solver_state(solver);
    double m[MF_MAX_POPS], means[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS], xf[MF_MAX_POPS];
    if ((status = mf_flow_advance(flow, taus[k], xf)) != MF_OK) break;
    if (mf_interrupted()) {
      status = mf_interrupt_status("tau", taus[k]); /* this row is written, then the loop ends */
      /* Resuming starts at the last restart point; the rows since are redone. */
      if (point.valid && hj_save(cfg, opts->outdir, &point, mf_hj_size(hj)) != MF_OK)
        status = mf_error_add(MF_EINTR, "the checkpoint could not be written");
    }
    mf_hj_activities(hj, u, m);
    mf_hj_means(hj, u, means);
    mf_model_coupling(model, m, means, A, C);
    for (int p = 0; p < P; p++) xbar[p] = mf_hj_argmax(grid, u + (size_t)p * n, &umax[p]);
    /* Electrical coupling alone has no balance points but the consensus line:
     * the distance is then to the point of the line the flow from xbar reaches. */
    const int near = consensus ? -1 : mf_balance_nearest(points, npoints, P, xbar);
    if (consensus && (status = mf_balance_consensus_point(model, xbar, xs)) != MF_OK) break;
    fprintf(rows.fp, "%.17g", taus[k]);
    for (int p = 0; p < P; p++) {
      if (!consensus) xs[p] = near >= 0 ? points[near].x[p] : NAN;
      dist[p] = fabs(xbar[p] - xs[p]);
      double mean = NAN;
      if (!isinf(model->gamma)) {
        mf_hj_density(hj, u, p, rho);
        mean = 0.0;
        for (int i = 0; i < n; i++) mean += grid->w[i] * grid->x[i] * rho[i];
      }
      const double gap = fabs(xbar[p] - xf[p]);
      gap_max[p] = fmax(gap_max[p], gap);
      fprintf(rows.fp, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", xbar[p], umax[p], dist[p], m[p], A[p],
              A[p] > 0 ? C[p] / A[p] : NAN, mean, xf[p], gap);
    }
    fputc('\n', rows.fp);
    if (mf_is_snapshot(cfg->hj_snapshots, cfg->hj_nsnapshots, taus[k], cfg->hj_tau_end))
      for (int p = 0; p < P; p++)
        for (int i = 0; i < n; i++)
          fprintf(snaps.fp, "%.12g,%s,%.12g,%.17g\n", taus[k], model->pop[p].name, grid->x[i], u[(size_t)p * n + i]);
    if (status != MF_OK) break;
    /* The first row is a restart point (CVODE has just started), then every restart_work of work. */
    const long steps = mf_hj_solver_steps(solver);
    if (!checkpoints || k + 1 >= ntau ||
        (k > 0 && (double)(steps - last_restart) * work_per_step < restart_work(cfg)))
      continue;
    if ((status = hj_mark(&point, hj, solver, &rows, &snaps, k, gap_max)) != MF_OK ||
        (taus[k] > 0.0 && (status = mf_hj_solver_restart(solver, taus[k], point.u)) != MF_OK))
      break;
    last_restart = steps;
    /* A periodic checkpoint that cannot be written does not stop the job. */
    if (point.valid && mf_checkpoint_due(cfg->checkpoint_every, &last_checkpoint))
      hj_save(cfg, opts->outdir, &point, mf_hj_size(hj));
  }
  mf_progress_end(&progress);
  if (status != MF_EINTR) mf_checkpoint_remove(opts->outdir);
  if ((io = mf_outfile_commit(&rows)) != MF_OK && status == MF_OK) status = io;
  if ((io = mf_outfile_commit(&snaps)) != MF_OK && status == MF_OK) status = io;
  if ((io = mf_outfile_open(&sum_file, opts->outdir, "summary.csv")) == MF_OK) {
    fputs("population,gamma,tau_final,argmax,x_star,distance,max_u,max_gap_to_flow,steps,status\n", sum_file.fp);
    for (int p = 0; p < P; p++)
      fprintf(sum_file.fp, "%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%ld,%s\n", model->pop[p].name, model->gamma,
              mf_hj_solver_tau(solver), xbar[p], xs[p], dist[p], umax[p], gap_max[p], mf_hj_solver_steps(solver),
              mf_outcome_name(status));
    io = mf_outfile_commit(&sum_file);
  }
  if (io != MF_OK && status == MF_OK) status = io;
  if (opts->log) {
    fprintf(opts->log, "mfbalance hj: gamma = %g, %d cells, tau = %g, %ld steps%s\n  %-6s %14s %14s %11s %12s %11s\n",
            model->gamma, n, mf_hj_solver_tau(solver), mf_hj_solver_steps(solver),
            status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)", "pop", "argmax u", "x*",
            "|x - x*|", "max u", "max gap");
    for (int p = 0; p < P; p++)
      fprintf(opts->log, "  %-6s %14.10f %14.10f %11.3e %12.4e %11.3e\n", model->pop[p].name, xbar[p], xs[p], dist[p],
              umax[p], gap_max[p]);
    fprintf(opts->log, "  results in %s/\n", opts->outdir);
  }

done:
  mf_outfile_discard(&rows);
  mf_outfile_discard(&snaps);
  mf_outfile_discard(&sum_file);
  mf_flow_free(flow);
  mf_hj_solver_free(solver);
  mf_hj_free(hj);
  mf_grid_free(grid);
  free(point.u);
  free(taus), free(u0), free(rho);
  return status;
}

mf_status mf_flow_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  double *taus = NULL, x0[MF_MAX_POPS], x[MF_MAX_POPS];
  mf_flow *flow = NULL;
  mf_outfile rows = {0};
  mf_status status;
  if ((status = mf_budget_check(MF_JOB_FLOW, cfg, NULL)) != MF_OK) return status;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  const int ntau = mf_output_times(cfg->hj_tau_end, cfg->hj_output_dtau, cfg->hj_snapshots, cfg->hj_nsnapshots, &taus);
  initial_means(model, x0);
  if (ntau < 0) {
    status = mf_errcode();
    goto done;
  }
  if (!(flow = mf_flow_create(model, x0, 1e-10, 1e-12))) {
    status = mf_errcode();
    goto done;
  }
  if ((status = mf_outfile_open(&rows, opts->outdir, "flow.csv")) != MF_OK) goto done;
  fputs("tau", rows.fp);
  for (int p = 0; p < model->P; p++) fprintf(rows.fp, ",x_%s", model->pop[p].name);
  fputc('\n', rows.fp);
  for (int k = 0; k < ntau && status == MF_OK; k++) {
    status = mf_flow_advance(flow, taus[k], x);
    if (status == MF_OK && mf_interrupted()) status = mf_interrupt_status("tau", taus[k]); /* after this row */
    fprintf(rows.fp, "%.17g", taus[k]);
    for (int p = 0; p < model->P; p++) fprintf(rows.fp, ",%.17g", x[p]);
    fputc('\n', rows.fp);
  }
  {
    mf_status io = mf_outfile_commit(&rows);
    if (status == MF_OK) status = io;
  }
  if (opts->log) {
    fprintf(opts->log, "mfbalance flow: dx/dtau = -G(x) from the initial means, tau = %g:", taus[ntau - 1]);
    for (int p = 0; p < model->P; p++) fprintf(opts->log, " %s %.10f", model->pop[p].name, x[p]);
    fprintf(opts->log, "\n  results in %s/flow.csv\n", opts->outdir);
  }
done:
  mf_outfile_discard(&rows);
  mf_flow_free(flow);
  free(taus);
  return status;
}
