/* budget.h -- what a job will cost, checked before it starts.
 *
 * Every job calls mf_budget_check first, before it allocates a large array,
 * creates its output directory or writes a byte.  It checks the inputs the
 * configuration reader cannot check alone (the grid file, the grid and the
 * solver together, n >= P, gamma = inf only for hj and flow, Gaussian data
 * for hj) and estimates
 *
 *   rows          output times of the time series (at most MF_MAX_OUTPUT_TIMES);
 *   steps         particle steps of one network (at most 2^32 - 1: the step
 *                 is a word of the Philox counter);
 *   neuron_steps  all particle work (at most MF_BUDGET_MAX_NEURON_STEPS,
 *                 about an hour on 2 cores); for `particles` under mpirun,
 *                 one rank's share;
 *   bytes         the peak resident memory: the sizes of every array the job
 *                 allocates, and for CVODE its own vectors per unknown,
 *                 measured (the figures are at the top of budget.c).  CVODE's work,
 *                 cells x steps, is not known in advance and not estimated.
 *                 For `particles` under mpirun: the shares of the ranks on
 *                 this machine (distribute.h, docs/scaling.md).
 *
 * bytes is compared with the memory available: the smallest of MemAvailable
 * (/proc/meminfo), the room under the address-space limit (ulimit -v) and
 * under the cgroup's memory.max, or MFBALANCE_MEMORY (bytes, or with a
 * suffix k, M, G) when that is set.  Over a limit the job is refused with
 * MF_EINPUT and a message giving the estimate and the key to change.
 */
#ifndef MFBALANCE_BUDGET_H
#define MFBALANCE_BUDGET_H

#include "mfbalance/config.h"
#include "mfbalance/status.h"

typedef enum {
  MF_JOB_RUN,
  MF_JOB_SWEEP,
  MF_JOB_PARTICLES,
  MF_JOB_COMPARE,
  MF_JOB_DOUBLELIMIT,
  MF_JOB_HJ,
  MF_JOB_FLOW,
  MF_JOB_BALANCE
} mf_job;

#define MF_BUDGET_MAX_NEURON_STEPS 1e12 /* about an hour at 3e8 neuron-steps/s (2 cores) */
#define MF_BUDGET_MAX_STEPS 4294967295.0 /* 2^32 - 1 particle steps per network */

typedef struct {
  double bytes;        /* predicted peak resident memory, bytes */
  double available;    /* memory available to the job, bytes */
  long cells;          /* cells of the grid (the largest of a sweep's refined grids) */
  double rows;         /* output times of the time series */
  double steps;        /* particle steps of the longest network, 0 if none */
  double neuron_steps; /* particle work in all, 0 if none */
} mf_budget;

/* Check cfg for job and estimate its cost into *b (may be NULL).  Returns
 * MF_OK, or MF_EINPUT with a message naming the key (and the estimate when
 * a limit is passed); MF_EIO when the grid file cannot be read. */
mf_status mf_budget_check(mf_job job, const mf_config *cfg, mf_budget *b);

/* The memory available to this process, in bytes (see above). */
double mf_budget_available(void);

/* Predicted peak resident bytes of a finite-volume integration of P
 * populations on n cells with the given linear solver (grid, operator,
 * state, CVODE and the Newton matrices), without the program's base. */
double mf_budget_pde_bytes(int P, long n, mf_linsol linsol);

/* The program's own resident size before any array: code, libraries,
 * OpenMP and OpenBLAS threads (measured). */
#define MF_BUDGET_BASE_BYTES (14.0 * 1048576.0)

#endif
