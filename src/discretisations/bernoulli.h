/* bernoulli.h -- the Bernoulli function B(z) = z / (e^z - 1) of the
 * Scharfetter-Gummel flux, shared by the fixed-grid (fv.c) and moving-frame
 * (frame.c) operators.  Internal to the library. */
#ifndef MFBALANCE_BERNOULLI_H
#define MFBALANCE_BERNOULLI_H

#include <math.h>

/* B(z) into *b_z and B(-z) into *b_mz, from one exponential: with a = |z| and
 * e = exp(-a), B(a) = a e / (1 - e) and B(-a) = a / (1 - e); 1 - e is taken
 * from expm1 where it would cancel.  Both are computed directly because
 * B(-a) = B(a) + a loses every digit of B(a) when a is large. */
static inline void mf_bernoulli_pair(double z, double *b_z, double *b_mz)
{
  const double a = fabs(z);
  if (a == 0.0) {
    *b_z = *b_mz = 1.0;
    return;
  }
  const double e = exp(-a);
  const double one_minus_e = a < 0.5 ? -expm1(-a) : 1.0 - e;
  const double b_neg = a / one_minus_e, b_pos = b_neg * e;
  *b_z = z > 0.0 ? b_pos : b_neg;
  *b_mz = z > 0.0 ? b_neg : b_pos;
}

/* B'(z) from B(z) and B(-z): B'(z) = -B(z) (B(-z) - 1) / z, with the Taylor
 * series -1/2 + z/6 - z^3/180 near 0 where that quotient cancels. */
static inline double mf_bernoulli_deriv(double z, double b_z, double b_mz)
{
  if (fabs(z) < 1e-3) return -0.5 + z / 6.0 - z * z * z / 180.0;
  return -b_z * (b_mz - 1.0) / z;
}

/* The largest cell Peclet number |delta_i| = B(-delta_i) - B(delta_i) over
 * the faces of one density r (n cells) where it is at least 1e-3 of its
 * maximum: where the mass is, not in tails that carry none. */
static inline double mf_bulk_peclet(const double *r, const double *bplus, const double *bminus, int n)
{
  double top = 0.0, pe = 0.0;
  for (int i = 0; i < n; i++) top = fmax(top, r[i]);
  for (int i = 0; i < n - 1; i++)
    if (fmax(r[i], r[i + 1]) >= 1e-3 * top) pe = fmax(pe, fabs(bminus[i] - bplus[i]));
  return pe;
}

#endif
