/* progress.c -- the progress line of a long job on a terminal (progress.h). */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/progress.h"
#include "clock.h"

#include <stdio.h>
#include <unistd.h>

/* Jobs shorter than this print nothing; lines no closer than PERIOD. */
#define QUIET_SECONDS 1.0
#define PERIOD 0.25

void mf_progress_start(mf_progress *pr, const char *job, const char *unit, int quiet)
{
  pr->job = job, pr->unit = unit;
  pr->active = !quiet && isatty(STDERR_FILENO);
  pr->shown = 0;
  pr->start = pr->last = mf_clock_seconds();
}

void mf_progress_update(mf_progress *pr, double done, double total, long steps, double rate)
{
  if (!pr->active) return;
  const double t = mf_clock_seconds(), elapsed = t - pr->start;
  if (elapsed < QUIET_SECONDS || t - pr->last < PERIOD) return;
  pr->last = t;
  const double frac = total > 0.0 ? done / total : 0.0;
  char eta[32] = "";
  if (frac > 0.0 && frac < 1.0) snprintf(eta, sizeof eta, ", ETA %.0f s", elapsed * (1.0 - frac) / frac);
  fprintf(stderr, "\r%s: %s = %.4g / %.4g (%.0f%%)", pr->job, pr->unit, done, total, 100.0 * frac);
  if (steps >= 0) fprintf(stderr, ", %ld steps", steps);
  if (rate > 0.0) fprintf(stderr, ", %.3g neuron-steps/s", rate);
  fprintf(stderr, "%s\033[K", eta);
  fflush(stderr);
  pr->shown = 1;
}

void mf_progress_end(mf_progress *pr)
{
  if (pr->active && pr->shown) fputs("\r\033[K", stderr), fflush(stderr);
  pr->shown = 0;
}
