/* status.h -- return codes and the last error message.
 *
 * Fallible functions return an mf_status: 0 on success, positive when the
 * failure is recoverable (CVODE retries with a smaller step), negative when it
 * is fatal.  This is the SUNDIALS sign rule, so the right-hand side, Jacobian
 * and linear solver hand their codes to CVODE unchanged.
 *
 * The module that detects a failure records one message with mf_error() and
 * returns the code; callers pass the code up without printing again.  Only
 * the program (main.c) prints mf_errmsg() and turns the code into an exit
 * status with mf_exit_code().
 */
#ifndef MFBALANCE_STATUS_H
#define MFBALANCE_STATUS_H

typedef int mf_status;

enum {
  MF_OK = 0,
  MF_ERECOVER = 1,  /* recoverable numerical failure (retry with a smaller step) */
  MF_ENOMEM = -1,   /* allocation failed */
  MF_EINPUT = -2,   /* invalid configuration, override or argument */
  MF_ENUMERIC = -3, /* unrecoverable numerical failure (CVODE, non-finite state) */
  MF_EIO = -4,      /* a file could not be read or written */
  MF_EBUG = -5,     /* an internal contract was broken (LAPACK info < 0, ...) */
  MF_EINTR = -6     /* stopped by SIGINT or SIGTERM at an output boundary (interrupt.h) */
};

/* Exit codes of the program, documented in the README. */
enum {
  MF_EXIT_OK = 0,
  MF_EXIT_INPUT = 2,
  MF_EXIT_NUMERIC = 3,
  MF_EXIT_IO = 4,
  MF_EXIT_NOMEM = 5,    /* an allocation failed */
  MF_EXIT_INTERNAL = 6,
  MF_EXIT_SIGNAL = 128  /* plus the signal number: 130 (SIGINT), 143 (SIGTERM) */
};

/* A short name for a status code ("invalid input", ...); never NULL. */
const char *mf_strerror(mf_status status);

/* Record a printf-formatted message for status and return status unchanged,
 * so that the idiom is `return mf_error(MF_EINPUT, "sigma = %g: must be > 0", s);`.
 * The message replaces any earlier one; it lives in thread-local storage. */
mf_status mf_error(mf_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The last recorded message ("" if none), and its status (MF_OK if none):
 * what a constructor that returned NULL reported. */
const char *mf_errmsg(void);
mf_status mf_errcode(void);

/* Like mf_error, but when the last recorded status is MF_EIO, MF_ENUMERIC
 * or MF_EINTR the message is appended to that one on a new line, and the
 * earlier status stays mf_errcode(): every file that fails to be written
 * is reported, not only the last, and a write failure after a numerical
 * one does not hide it.  Returns status. */
mf_status mf_error_add(mf_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "ok", "interrupted" or "failed": the status column of summary.csv. */
const char *mf_outcome_name(mf_status status);

/* Forget the last message. */
void mf_error_clear(void);

/* The program's exit code for a status (MF_EXIT_*); MF_EINTR gives
 * MF_EXIT_SIGNAL + the signal received (interrupt.h). */
int mf_exit_code(mf_status status);

#endif
