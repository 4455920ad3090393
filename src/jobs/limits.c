/* limits.c -- the jobs of the gamma -> infinity limit on the fast time
 * tau = gamma t (run.h, docs/hopf-cole.md):
 *   hj    the Hopf-Cole solver at finite gamma or gamma = inf, with the
 *         concentration points argmax u_p, their distance to the balance
 *         voltages and their gap to the early-behaviour flow;
 *   flow  the early-behaviour flow dx/dtau = -G(x) from the initial means. */
#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/hj.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
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
  mf_status status, io;

  if ((status = mf_budget_check(MF_JOB_HJ, cfg, NULL)) != MF_OK) return status;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
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
  if ((status = mf_balance_find(model, grid->faces[0], grid->faces[n], points, MF_BALANCE_MAX_ROOTS, &npoints)) !=
      MF_OK)
    goto done;

  if ((status = mf_config_save(cfg, opts->outdir)) != MF_OK) goto done;
  if ((status = mf_outfile_open(&rows, opts->outdir, "hj.csv")) != MF_OK) goto done;
  if ((status = mf_outfile_open(&snaps, opts->outdir, "u.csv")) != MF_OK) goto done;
  fputs("tau", rows.fp);
  static const char *const cols[] = {"argmax", "max_u", "dist", "m", "A", "V", "mean", "flow", "gap"};
  for (int p = 0; p < P; p++)
    for (int c = 0; c < 9; c++) fprintf(rows.fp, ",%s_%s", cols[c], model->pop[p].name);
  fputc('\n', rows.fp);
  fputs("tau,population,x,u\n", snaps.fp);

  double xbar[MF_MAX_POPS], umax[MF_MAX_POPS], xs[MF_MAX_POPS], gap_max[MF_MAX_POPS] = {0}, dist[MF_MAX_POPS];
  for (int k = 0; k < ntau; k++) {
    if (taus[k] > 0.0 && (status = mf_hj_solver_advance(solver, taus[k])) != MF_OK) break;
    const double *u = mf_hj_solver_state(solver);
    double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS], xf[MF_MAX_POPS];
    if ((status = mf_flow_advance(flow, taus[k], xf)) != MF_OK) break;
    if (mf_interrupted()) status = mf_interrupt_status("tau", taus[k]); /* this row is written, then the loop ends */
    mf_hj_activities(hj, u, m);
    mf_model_coupling(model, m, NULL, A, C);
    for (int p = 0; p < P; p++) xbar[p] = mf_hj_argmax(grid, u + (size_t)p * n, &umax[p]);
    const int near = mf_balance_nearest(points, npoints, P, xbar);
    fprintf(rows.fp, "%.17g", taus[k]);
    for (int p = 0; p < P; p++) {
      xs[p] = near >= 0 ? points[near].x[p] : NAN;
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
  }
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
            model->gamma, n, mf_hj_solver_tau(solver), mf_hj_solver_steps(solver), status == MF_OK ? "" : " (FAILED)",
            "pop", "argmax u", "x*", "|x - x*|", "max u", "max gap");
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
