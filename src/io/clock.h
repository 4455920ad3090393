/* clock.h -- the one wall clock of the library: seconds on the monotonic
 * clock, for the wall times that jobs report, the progress line and the
 * checkpoint period (private to src/; the includer defines
 * _POSIX_C_SOURCE before any system header). */
#ifndef MFBALANCE_CLOCK_H
#define MFBALANCE_CLOCK_H

#include <time.h>

static inline double mf_clock_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
