/* exactsum.c -- exact, order-independent sums of doubles (exactsum.h): a
 * long accumulator (U. Kulisch, Computer Arithmetic and Validity, 2013) in
 * signed 64-bit words holding 32-bit digits, so that additions need no
 * carry until 2^30 terms have been added. */
#include "mfbalance/exactsum.h"

#include <math.h>
#include <string.h>

enum { BASE = -1152, NONFINITE = MF_EXACTSUM_DIGITS };
#define DIGIT_MASK UINT64_C(0xffffffff)

void mf_exactsum_clear(mf_exactsum *s) { memset(s, 0, sizeof *s); }

void mf_exactsum_normalize(mf_exactsum *s)
{
  for (int k = 0; k < MF_EXACTSUM_DIGITS - 1; k++) {
    /* low = w mod 2^32 in [0, 2^32) (int64_t is two's complement); w - low is a multiple of 2^32. */
    const int64_t w = s->word[k], low = (int64_t)((uint64_t)w & DIGIT_MASK);
    s->word[k] = low;
    s->word[k + 1] += (w - low) / (INT64_C(1) << 32);
  }
  s->pending = 0;
}

void mf_exactsum_add(mf_exactsum *s, double v)
{
  if (!isfinite(v)) {
    s->word[NONFINITE]++;
    return;
  }
  if (v == 0.0) return;
  if (s->pending >= (INT64_C(1) << 30)) mf_exactsum_normalize(s);
  s->pending++;
  int e;
  const double m = frexp(v, &e); /* v = m 2^e, 1/2 <= |m| < 1 */
  const int64_t M = (int64_t)ldexp(m, 53);  /* exact: v = M 2^(e - 53) */
  const int pos = e - 53 - BASE;            /* bit of M's unit, >= 26 for the smallest subnormal */
  const int k = pos / 32, sh = pos % 32;
  const uint64_t a = (uint64_t)(M < 0 ? -M : M);
  /* The three 32-bit digits of a 2^sh (a < 2^53, so a 2^sh < 2^85). */
  const int64_t d0 = (int64_t)((a << sh) & DIGIT_MASK);
  const int64_t d1 = (int64_t)((sh == 0 ? a >> 32 : a >> (32 - sh)) & DIGIT_MASK);
  const int64_t d2 = (int64_t)(sh == 0 ? 0 : a >> (64 - sh));
  if (M < 0) {
    s->word[k] -= d0, s->word[k + 1] -= d1, s->word[k + 2] -= d2;
  } else {
    s->word[k] += d0, s->word[k + 1] += d1, s->word[k + 2] += d2;
  }
}

void mf_exactsum_merge(mf_exactsum *a, const mf_exactsum *b)
{
  for (int k = 0; k < MF_EXACTSUM_WORDS; k++) a->word[k] += b->word[k];
  a->pending += b->pending;
}

double mf_exactsum_value(const mf_exactsum *s)
{
  if (s->word[NONFINITE] != 0) return NAN;
  mf_exactsum c = *s;
  mf_exactsum_normalize(&c);
  double sign = 1.0;
  if (c.word[MF_EXACTSUM_DIGITS - 1] < 0) {
    /* Negative: the magnitude's canonical digits. */
    for (int k = 0; k < MF_EXACTSUM_DIGITS; k++) c.word[k] = -c.word[k];
    mf_exactsum_normalize(&c);
    sign = -1.0;
  }
  int top = MF_EXACTSUM_DIGITS - 1;
  while (top >= 0 && c.word[top] == 0) top--;
  if (top < 0) return 0.0;
  /* The top two digits as one 64-bit integer (one rounding to 53 bits), then the third
   * (below the result's last place unless the top digit is small): within one ulp. */
  const uint64_t hi = ((uint64_t)c.word[top] << 32) | (top >= 1 ? (uint64_t)c.word[top - 1] : 0);
  double v = ldexp((double)hi, 32 * (top - 1) + BASE);
  if (top >= 2) v += ldexp((double)c.word[top - 2], 32 * (top - 2) + BASE);
  return sign * v;
}
