/* interrupt.c -- SIGINT and SIGTERM as a request to stop at the next output
 * boundary (interrupt.h).  The handler only stores the signal number in a
 * volatile sig_atomic_t, the one thing a handler may do portably. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/interrupt.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t received;

static void on_signal(int sig) { received = sig; }

mf_status mf_interrupt_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* SA_RESTART: a write in progress completes instead of failing with
   * EINTR; SA_RESETHAND: a second signal is not caught. */
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return mf_error(MF_EBUG, "sigaction: %s", strerror(errno));
  return MF_OK;
}

int mf_interrupted(void) { return (int)received; }

mf_status mf_interrupt_status(const char *where, double value)
{
  const int sig = (int)received;
  return mf_error(MF_EINTR, "interrupted by %s at %s = %.9g: the rows computed so far are written",
                  sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal", where, value);
}
