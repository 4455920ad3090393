/* bench_run.c -- the run of a configuration on the solver API, in C, timed: the
 * reference for the cost of the Python interface (validation/bench_python.py).
 *
 * It does what mfbalance.run (python/mfbalance/_jobs.py) does, in the same order:
 * the configuration's grid and solver, every output time of the run (the observables
 * copied out, the frame checked; the cells and densities copied at the snapshots), the
 * statistics, the balance point nearest the final means; no files.
 *
 *   bench_run REPEAT [section.key=value ...]   prints the best wall time in seconds
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 (clang) */
#include "mfbalance/balance.h"
#include "mfbalance/config.h"
#include "mfbalance/run.h"
#include "mfbalance/solver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One run; MF_OK or the first error.  *copied counts the numbers copied out. */
static mf_status run_once(const mf_config *cfg, long *copied)
{
  const mf_model *model = &cfg->model;
  const int P = model->P;
  mf_grid *grid = NULL;
  mf_solver *solver = NULL;
  double *times = NULL, *obs_rows = NULL, *snaps = NULL;
  mf_status status = MF_OK;
  if (!(grid = mf_config_grid(cfg))) return mf_errcode();
  const mf_discretisation disc = mf_config_discretisation(cfg, grid);
  if (!(solver = mf_solver_create(model, &disc, &cfg->integ))) {
    status = mf_errcode();
    goto done;
  }
  const int ntimes = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  const int n = mf_solver_grid(solver, 0)->n;
  obs_rows = malloc((size_t)(ntimes > 0 ? ntimes : 1) * (size_t)P * sizeof(mf_pop_observables));
  snaps = malloc((size_t)(cfg->nsnapshots + 1) * (size_t)P * (size_t)(4 * n + 1) * sizeof(double));
  if (ntimes < 0 || !obs_rows || !snaps) {
    status = mf_error(MF_ENOMEM, "out of memory");
    goto done;
  }
  const double xmin = grid->faces[0], xmax = grid->faces[grid->n];
  double outside_max = 0.0, edge_max = 0.0, *s = snaps;
  mf_pop_observables *obs = (mf_pop_observables *)obs_rows;
  for (int k = 0; k < ntimes; k++, obs += P) {
    if (times[k] > 0.0 && (status = mf_solver_advance(solver, times[k])) != MF_OK) goto done;
    mf_solver_observables(solver, obs);
    double outside, edge;
    mf_solver_frame_check(solver, xmin, xmax, &outside, &edge);
    if (outside > outside_max) outside_max = outside;
    if (edge > edge_max) edge_max = edge;
    *copied += 7 * P;
    /* CVODE restarts where mf_run restarts it (checkpoints), as mfbalance.run does. */
    long n;
    if (mf_run_restarts_after(cfg, k, ntimes) &&
        (status = mf_solver_restart(solver, times[k], mf_solver_state(solver, &n))) != MF_OK)
      goto done;
    if (!mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, times[k], cfg->t_end)) continue;
    for (int p = 0; p < P; p++) {
      const mf_grid *g = mf_solver_grid(solver, p);
      memcpy(s, g->faces, (size_t)(g->n + 1) * sizeof(double)), s += g->n + 1;
      memcpy(s, g->x, (size_t)g->n * sizeof(double)), s += g->n;
      memcpy(s, g->w, (size_t)g->n * sizeof(double)), s += g->n;
      memcpy(s, mf_solver_density(solver, p), (size_t)g->n * sizeof(double)), s += g->n;
      *copied += 4 * g->n + 1;
    }
  }
  mf_integrator_stats stats;
  mf_solver_get_stats(solver, &stats);
  mf_balance_point points[MF_BALANCE_MAX_ROOTS];
  int count = 0;
  double means[MF_MAX_POPS];
  obs -= P;
  for (int p = 0; p < P; p++) means[p] = obs[p].mean;
  if (mf_balance_find(model, xmin, xmax, points, MF_BALANCE_MAX_ROOTS, &count) == MF_OK)
    *copied += mf_balance_nearest(points, count, P, means) >= 0 ? P : 0;
done:
  mf_solver_free(solver);
  mf_grid_free(grid);
  free(times), free(obs_rows), free(snaps);
  return status;
}

int main(int argc, char **argv)
{
  if (argc < 2 || atoi(argv[1]) < 1) {
    fputs("usage: bench_run REPEAT [section.key=value ...]\n", stderr);
    return MF_EXIT_INPUT;
  }
  const int repeat = atoi(argv[1]);
  mf_config cfg;
  mf_status status = mf_config_load(&cfg, NULL, argc - 2, argv + 2);
  double best = 1e300;
  long copied = 0;
  for (int r = 0; r < repeat && status == MF_OK; r++) {
    const double t0 = now();
    status = run_once(&cfg, &copied);
    const double t = now() - t0;
    if (t < best) best = t;
  }
  if (status != MF_OK) {
    fprintf(stderr, "bench_run: %s\n", mf_errmsg());
    return mf_exit_code(status);
  }
  printf("%.6f\n", best);
  return copied > 0 ? 0 : MF_EXIT_INTERNAL;
}
