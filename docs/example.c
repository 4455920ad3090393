/* example.c -- libmfbalance from a program of one's own: the default model (with the
 * overrides given as arguments, e.g. model.gamma=1000) integrated to t_end on the
 * solver API, its balance voltages, and the final means and s.d. against them.
 *
 * Built against the installed library:
 *
 *   cc -std=c11 -o example docs/example.c $(pkg-config --cflags --libs mfbalance)
 *   ./example model.gamma=1000
 *
 * (tests/test_install.sh installs into a temporary directory and does exactly this.)
 */
#include <mfbalance/balance.h>
#include <mfbalance/config.h>
#include <mfbalance/run.h>
#include <mfbalance/solver.h>
#include <mfbalance/status.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  mf_config cfg;
  mf_grid *grid = NULL;
  mf_solver *solver = NULL;
  double *times = NULL;
  mf_status status = mf_config_load(&cfg, NULL, argc - 1, argv + 1);
  if (status != MF_OK) goto done;
  if (!(grid = mf_config_grid(&cfg))) {
    status = mf_errcode();
    goto done;
  }
  const mf_model *model = &cfg.model;
  const mf_discretisation disc = mf_config_discretisation(&cfg, grid);
  if (!(solver = mf_solver_create(model, &disc, &cfg.integ))) {
    status = mf_errcode();
    goto done;
  }

  /* The run's output times; the means at each of them on one line. */
  const int ntimes = mf_output_times(cfg.t_end, cfg.output_dt, cfg.snapshots, cfg.nsnapshots, &times);
  if (ntimes < 0) {
    status = mf_error(MF_ENOMEM, "out of memory");
    goto done;
  }
  mf_pop_observables obs[MF_MAX_POPS];
  for (int k = 0; k < ntimes; k++) {
    if (times[k] > 0.0 && (status = mf_solver_advance(solver, times[k])) != MF_OK) goto done;
    if (!mf_is_snapshot(cfg.snapshots, cfg.nsnapshots, times[k], cfg.t_end)) continue;
    mf_solver_observables(solver, obs);
    printf("t = %-5g", mf_solver_time(solver));
    for (int p = 0; p < model->P; p++) printf("  mean_%s = %10.6f  sd_%s = %9.6f", model->pop[p].name, obs[p].mean,
                                              model->pop[p].name, obs[p].sd);
    printf("\n");
  }

  /* The balance voltages in the box, and which the means approach. */
  mf_balance_point points[MF_BALANCE_MAX_ROOTS];
  int count = 0;
  if ((status = mf_balance_find(model, grid->faces[0], grid->faces[grid->n], points, MF_BALANCE_MAX_ROOTS, &count)) !=
      MF_OK)
    goto done;
  double means[MF_MAX_POPS];
  for (int p = 0; p < model->P; p++) means[p] = obs[p].mean;
  const int near = mf_balance_nearest(points, count, model->P, means);
  for (int p = 0; near >= 0 && p < model->P; p++)
    printf("%s: balance voltage x* = %.6f (%s), |mean - x*| = %.3e, sd = %.3e at gamma = %g\n", model->pop[p].name,
           points[near].x[p], mf_balance_stability_name(points[near].stability), fabs(obs[p].mean - points[near].x[p]),
           obs[p].sd, model->gamma);

done:
  if (status != MF_OK) fprintf(stderr, "example: %s\n", mf_errmsg()[0] ? mf_errmsg() : mf_strerror(status));
  mf_solver_free(solver);
  mf_grid_free(grid);
  free(times);
  return status == MF_OK ? 0 : mf_exit_code(status);
}
