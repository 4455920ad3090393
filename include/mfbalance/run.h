/* run.h -- one mean-field run: the `mfbalance run` job.
 *
 * Builds the grid, the finite-volume operator and the integrator of a
 * configuration, integrates to t_end and writes into the output directory:
 *   observables.csv  t and, per population, mass, mean, sd, mode, m, A, V
 *                    every output_dt (and at the snapshot times);
 *   density.csv      t, population, x, rho at the snapshot times;
 *   config.ini       the effective configuration;
 *   summary.csv      final observables, balance voltage (the attracting
 *                    balance point nearest the final means), solver statistics.
 * On a numerical failure the rows computed so far, the state at the failure
 * time and a summary with status "failed" are still written.
 */
#ifndef MFBALANCE_RUN_H
#define MFBALANCE_RUN_H

#include "mfbalance/config.h"
#include "mfbalance/observables.h"

#include <stdio.h>

struct mf_checkpoint;

typedef struct {
  const char *outdir;                 /* output directory (created if missing) */
  int force;                          /* replace results in a non-empty directory */
  FILE *log;                          /* human summary goes here; NULL for none */
  const struct mf_checkpoint *resume; /* continue the job of outdir from this checkpoint (checkpoint.h); NULL: start */
} mf_run_opts;

/* The final state of a run, for callers that go on from it. */
typedef struct {
  mf_pop_observables obs[MF_MAX_POPS]; /* at the final (or failure) time */
  int has_balance;                     /* 1 when xstar holds a balance point */
  double xstar[MF_MAX_POPS];           /* the attracting balance point nearest the final means */
  mf_integrator_stats stats;
  double frame_outside;                /* moving frames: most mass held beyond the walls, over the outputs */
  double frame_edge;                   /* moving frames: largest edge density / maximum, over the outputs */
} mf_run_result;

/* Checkpoints (run, particles, sweep, compare; checkpoint.h): with
 * cfg->checkpoint_every > 0 the job writes outdir/checkpoint every that many
 * seconds and when it stops at a signal, and removes it when it ends
 * otherwise.  With opts->resume it continues from there: the files of
 * outdir are taken up to the checkpoint and finished as the uninterrupted
 * job would have written them.  `run` then restarts CVODE at every output
 * time from the state there (mf_solver_restart), so that its result depends
 * on that state alone: a resumed run repeats the uninterrupted one bit for
 * bit.  Particles and sweep need no restarts (the network's random numbers
 * are counted by step; a sweep resumes at its first unfinished gamma). */

/* 1 if `run` restarts CVODE after writing output row k of ntimes (every
 * tenth row, with checkpoints on and CSV output), else 0: for callers that
 * repeat mf_run's loop and must land on its numbers (the Python package). */
int mf_run_restarts_after(const mf_config *cfg, int k, int ntimes);

/* Run cfg.  Returns MF_OK, MF_EINPUT (output directory not empty),
 * MF_EIO (a file could not be written) or MF_ENUMERIC (integration failed:
 * outputs are flushed up to the failure).  result may be NULL. */
mf_status mf_run(const mf_config *cfg, const mf_run_opts *opts, mf_run_result *result);

/* Most output times (rows of a time series) a job may have. */
#define MF_MAX_OUTPUT_TIMES 10000000

/* The output times of a run to `end`: multiples of dt up to end, end
 * itself and the snapshot times in [0, end], increasing and without repeats
 * (closer than 1e-12 end), into a new array *times (the caller frees it).
 * Returns how many, or -1 with a message: MF_EINPUT when end or dt is not
 * > 0 or end / dt exceeds MF_MAX_OUTPUT_TIMES, MF_ENOMEM when memory runs
 * out (*times is then NULL).  Serves t (run, particles, compare) and the
 * fast time tau (hj, flow) alike. */
int mf_output_times(double end, double dt, const double *snapshots, int nsnapshots, double **times);

/* 1 if t is one of the n snapshot times (to 1e-12 end), else 0. */
int mf_is_snapshot(const double *snapshots, int n, double t, double end);

/* The sweep job: mf_sweep_one for every gamma of cfg->sweep, in order,
 * writing into the output directory
 *   sweep.csv      one row per gamma and population (sweep.h's measurements);
 *   sweep_fit.csv  power-law fits against gamma of |mean - x*|, |mode - x*|
 *                  and sd per population, and of the collapse time;
 *   config.ini     the effective configuration;
 * and a table to opts->log.  On a failure the rows already computed are
 * written.  Returns MF_OK or the first error. */
mf_status mf_sweep_job(const mf_config *cfg, const mf_run_opts *opts);

/* The particles job: the network of cfg->particles from t = 0 to t_end,
 * writing observables.csv and density.csv (normalised histograms on the
 * configured grid) like `run`, config.ini, summary.csv (final observables,
 * balance voltage, scheme, steps, wall time, neuron-steps per second) and,
 * with particles_dump, voltages.csv (population, index, x at the end).
 * On a numerical failure what was computed is written. */
mf_status mf_particles_job(const mf_config *cfg, const mf_run_opts *opts);

/* The compare job (compare.c): particles of every size in cfg->compare_n
 * against the PDE at the snapshot times and t_end; compare.csv (n, t,
 * population, means, s.d., their differences, W1), compare_fit.csv (slope
 * of W1 at t_end against n, when there are several n), config.ini.  With
 * FitzHugh-Nagumo neurons (compare_fhn.c, docs/fhn.md) compare.csv holds
 * per n, time, population and quantity (means and s.d. of v and w) the PDE,
 * the network, its standard error and their ratio z, and
 * compare_summary.csv the largest |z| at the snapshots; no compare_fit.csv. */
mf_status mf_compare_job(const mf_config *cfg, const mf_run_opts *opts);

/* The doublelimit job (compare.c): for every gamma in cfg->sweep.gammas and
 * n in cfg->compare_n, particles to t_end with dt = min(particles.dt,
 * 0.5 / gamma); doublelimit.csv (gamma, n, population, dt, x*, mean, sd,
 * W1 to the Dirac mass at x*), config.ini. */
mf_status mf_doublelimit_job(const mf_config *cfg, const mf_run_opts *opts);

/* The hj job (limits.c): the Hopf-Cole solver on tau in [0, hj_tau_end]
 * (cfg->model.gamma may be INFINITY): hj.csv (tau, per population: argmax
 * of u, max u, distance of the argmax to the nearest balance point, m, A,
 * V, the mean of the normalised e^{gamma u} at finite gamma, the early-
 * behaviour flow and the gap to it), u.csv (snapshots of u), summary.csv
 * and config.ini. */
mf_status mf_hj_job(const mf_config *cfg, const mf_run_opts *opts);

/* The converge job (converge.c, converge.h): the study of cfg with the
 * grids and tolerances of cfg->converge; converge.csv (one row per kind,
 * cells, rtol, time, population and quantity: the error and its reference),
 * converge_fit.csv (least-squares orders), config.ini, and a table on
 * opts->log.  MF_OK, or the first error. */
mf_status mf_converge_job(const mf_config *cfg, const mf_run_opts *opts);

/* The flow job (limits.c): the early-behaviour flow from the initial means; flow.csv. */
mf_status mf_flow_job(const mf_config *cfg, const mf_run_opts *opts);

#endif
