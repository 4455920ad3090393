/* status.c -- error codes and the thread-local last-error message (status.h). */
#include "mfbalance/status.h"

#include "mfbalance/interrupt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];
static _Thread_local mf_status last_status;

const char *mf_strerror(mf_status status)
{
  switch (status) {
  case MF_OK: return "success";
  case MF_ERECOVER: return "recoverable numerical failure";
  case MF_ENOMEM: return "out of memory";
  case MF_EINPUT: return "invalid input";
  case MF_ENUMERIC: return "numerical failure";
  case MF_EIO: return "input/output error";
  case MF_EBUG: return "internal error";
  case MF_EINTR: return "interrupted";
  default: return status > 0 ? "recoverable failure" : "unknown error";
  }
}

mf_status mf_error(mf_status status, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_message, sizeof last_message, fmt, ap);
  va_end(ap);
  last_status = status;
  return status;
}

mf_status mf_error_add(mf_status status, const char *fmt, ...)
{
  const int append = last_message[0] && (last_status == MF_EIO || last_status == MF_ENUMERIC || last_status == MF_EINTR);
  const size_t used = append ? strlen(last_message) : 0;
  if (append && used + 2 < sizeof last_message) last_message[used] = '\n';
  char *at = append ? last_message + used + 1 : last_message;
  const size_t room = append ? (used + 1 < sizeof last_message ? sizeof last_message - used - 1 : 0) : sizeof last_message;
  if (room > 1) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(at, room, fmt, ap);
    va_end(ap);
  }
  if (!append) last_status = status;
  return status;
}

const char *mf_outcome_name(mf_status status)
{
  return status == MF_OK ? "ok" : status == MF_EINTR ? "interrupted" : "failed";
}

const char *mf_errmsg(void) { return last_message; }

mf_status mf_errcode(void) { return last_status; }

void mf_error_clear(void)
{
  last_message[0] = '\0';
  last_status = MF_OK;
}

int mf_exit_code(mf_status status)
{
  switch (status) {
  case MF_OK: return MF_EXIT_OK;
  case MF_EINPUT: return MF_EXIT_INPUT;
  case MF_EIO: return MF_EXIT_IO;
  case MF_ENUMERIC:
  case MF_ERECOVER: return MF_EXIT_NUMERIC;
  case MF_ENOMEM: return MF_EXIT_NOMEM;
  case MF_EINTR: return MF_EXIT_SIGNAL + (mf_interrupted() ? mf_interrupted() : 2);
  default: return status > 0 ? MF_EXIT_NUMERIC : MF_EXIT_INTERNAL;
  }
}
