/* interrupt.h -- stopping a job cleanly on SIGINT or SIGTERM.
 *
 * mf_interrupt_install makes the first SIGINT or SIGTERM only set a flag,
 * and restores the default action, so that a second signal ends the
 * process at once.  The jobs (run.h) ask mf_interrupted() at every output
 * boundary (run, particles, hj and flow per output time, sweep per gamma,
 * compare per network size, replica and output time, doublelimit per
 * (gamma, n)); when it is set they stop there, write and rename every file
 * with the rows computed so far, write status "interrupted" in summary.csv
 * and return MF_EINTR, which the program turns into the exit code
 * 128 + signal (130 for SIGINT, 143 for SIGTERM).
 */
#ifndef MFBALANCE_INTERRUPT_H
#define MFBALANCE_INTERRUPT_H

#include "mfbalance/status.h"

/* Catch SIGINT and SIGTERM (sigaction, SA_RESTART, one-shot).  Returns
 * MF_OK, or MF_EBUG if sigaction refuses. */
mf_status mf_interrupt_install(void);

/* The signal received since mf_interrupt_install (SIGINT or SIGTERM), or 0. */
int mf_interrupted(void);

/* MF_EINTR with the message "interrupted by SIGINT at WHERE = VALUE" (where
 * names the boundary, e.g. "t", "tau", "gamma"), for a job that stops. */
mf_status mf_interrupt_status(const char *where, double value);

#endif
