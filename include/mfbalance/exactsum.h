/* exactsum.h -- exact sums of doubles, independent of the order of the terms.
 *
 * The network's activities and means (particles.h) are sums over blocks of
 * neurons.  Rounded floating-point addition is not associative, so a sum
 * split over threads or MPI ranks (distribute.h) would change in its last
 * bits with the split.  An mf_exactsum holds the sum of its terms exactly,
 * as a fixed-point integer in 32-bit digits covering every double from
 * 2^-1074 to 2^1024 (Kulisch's long accumulator); adding accumulators is
 * integer addition, exact and associative, so the sum of the same terms is
 * the same number whatever their order and grouping, and a sum over ranks is
 * one MPI_Allreduce (MPI_SUM on MPI_INT64_T) of the digit arrays.
 *
 * mf_exactsum_value rounds the exact sum to a double within one unit in the
 * last place (deterministically: a function of the exact sum only).
 */
#ifndef MFBALANCE_EXACTSUM_H
#define MFBALANCE_EXACTSUM_H

#include <stdint.h>

/* Digits: 69 of 32 bits from 2^-1152 (every double's lowest bit lies above
 * it; the top digit leaves room for 2^31 terms near DBL_MAX), then one count
 * of non-finite terms. */
#define MF_EXACTSUM_DIGITS 69
#define MF_EXACTSUM_WORDS (MF_EXACTSUM_DIGITS + 1)

typedef struct {
  int64_t word[MF_EXACTSUM_WORDS]; /* digits, least significant first (any sign, not yet carried), then the
                                      count of NaN and infinite terms */
  int64_t pending;                 /* terms added since the digits were last carried (<= 2^30) */
} mf_exactsum;

/* Sets s to zero. */
void mf_exactsum_clear(mf_exactsum *s);

/* Adds v to s exactly (a NaN or an infinity is counted, and makes the value NaN). */
void mf_exactsum_add(mf_exactsum *s, double v);

/* Carries the digits of s into the canonical form (every digit in
 * [0, 2^32) but the top one, which keeps the sign); the sum is unchanged.
 * Needed before the words of several accumulators are added as integers:
 * then up to 2^31 canonical accumulators can be added digit by digit. */
void mf_exactsum_normalize(mf_exactsum *s);

/* Adds the words of b to a (a += b, exact). */
void mf_exactsum_merge(mf_exactsum *a, const mf_exactsum *b);

/* The sum rounded to a double within one ulp; NaN if a non-finite term was
 * added, +-inf beyond the double range.  s is not changed. */
double mf_exactsum_value(const mf_exactsum *s);

#endif
