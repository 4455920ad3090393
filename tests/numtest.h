/* numtest.h -- numerical assertions on top of cmocka, after GSL's
 * test/results.c: silent on success; on failure the description and the
 * observed and expected values at full precision.  NaN and infinities only
 * match themselves. */
#ifndef MFBALANCE_NUMTEST_H
#define MFBALANCE_NUMTEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

static inline int numtest_special_match(double obs, double exp)
{
  if (isnan(exp)) return isnan(obs);
  if (isinf(exp)) return obs == exp;
  return -1; /* neither special: compare numerically */
}

/* Print "DESC: observed O, expected E (DETAIL)" at full precision and fail. */
static inline void numtest_fail(const char *file, int line, double obs, double exp, const char *detail,
                                const char *fmt, va_list ap)
{
  char desc[256];
  vsnprintf(desc, sizeof desc, fmt, ap);
  print_error("%s: observed %.18g, expected %s%.18g%s\n", desc, obs, detail[0] == '<' ? "at most " : "", exp,
              detail[0] == '<' ? "" : detail);
  _fail(file, line);
}

/* |obs - exp| <= tol |exp| (or <= tol when exp == 0). */
static inline void numtest_rel(const char *file, int line, double obs, double exp, double tol, const char *fmt, ...)
{
  int special = numtest_special_match(obs, exp);
  double err = exp != 0.0 ? fabs(obs - exp) / fabs(exp) : fabs(obs);
  if (special == 1 || (special == -1 && isfinite(obs) && err <= tol)) return;
  char detail[96];
  snprintf(detail, sizeof detail, " (relative error %.3g > %.3g)", err, tol);
  va_list ap;
  va_start(ap, fmt);
  numtest_fail(file, line, obs, exp, detail, fmt, ap);
  va_end(ap);
}

/* |obs - exp| <= tol. */
static inline void numtest_abs(const char *file, int line, double obs, double exp, double tol, const char *fmt, ...)
{
  int special = numtest_special_match(obs, exp);
  double err = fabs(obs - exp);
  if (special == 1 || (special == -1 && isfinite(obs) && err <= tol)) return;
  char detail[96];
  snprintf(detail, sizeof detail, " (absolute error %.3g > %.3g)", err, tol);
  va_list ap;
  va_start(ap, fmt);
  numtest_fail(file, line, obs, exp, detail, fmt, ap);
  va_end(ap);
}

/* obs <= bound */
static inline void numtest_le(const char *file, int line, double obs, double bound, const char *fmt, ...)
{
  if (obs <= bound) return;
  va_list ap;
  va_start(ap, fmt);
  numtest_fail(file, line, obs, bound, "<", fmt, ap);
  va_end(ap);
}

#define assert_rel(obs, exp, tol, ...) numtest_rel(__FILE__, __LINE__, (obs), (exp), (tol), __VA_ARGS__)
#define assert_abs(obs, exp, tol, ...) numtest_abs(__FILE__, __LINE__, (obs), (exp), (tol), __VA_ARGS__)
#define assert_le(obs, bound, ...) numtest_le(__FILE__, __LINE__, (obs), (bound), __VA_ARGS__)

#endif
