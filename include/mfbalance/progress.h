/* progress.h -- one line on stderr while a long job runs.
 *
 * Only when stderr is a terminal and the job is not quiet, and only once
 * the job has run for a second: then at most four times a second
 * "\r<job>: t = 1.25 / 5 (25%), 1234 steps, 3.1e+08 neuron-steps/s, ETA 4 s",
 * cleared at the end.  The ETA extrapolates the wall time linearly in the
 * progress so far.
 */
#ifndef MFBALANCE_PROGRESS_H
#define MFBALANCE_PROGRESS_H

typedef struct {
  const char *job; /* name shown */
  const char *unit;/* what counts the progress: "t", "gamma" */
  int active;      /* 1 when stderr is a terminal and the job is not quiet */
  int shown;       /* 1 once a line was printed */
  double start;    /* wall time at mf_progress_start */
  double last;     /* wall time of the last line */
} mf_progress;

/* Start; quiet (or stderr not a terminal) makes every call a no-op. */
void mf_progress_start(mf_progress *pr, const char *job, const char *unit, int quiet);

/* Progress done of total, steps so far (< 0: not shown), rate of
 * neuron-steps per second (<= 0: not shown). */
void mf_progress_update(mf_progress *pr, double done, double total, long steps, double rate);

/* Clear the line, if one was printed. */
void mf_progress_end(mf_progress *pr);

#endif
