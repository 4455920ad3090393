/* test_exactsum.c -- exact sums (exactsum.h) against exact answers:
 *  - sums whose exact value is a double (x_i and -x_i over 40 decades, a
 *    target, in shuffled order; cancellation across DBL_MAX and subnormals)
 *    come out exactly;
 *  - k copies of 0.1 against k M 2^-56 (0.1 = M 2^-56) in 128-bit integers,
 *    within one ulp, also across the 2^30-term carry;
 *  - the same terms in any order and any split into merged accumulators give
 *    the same bits;
 *  - non-finite terms give NaN, sums beyond DBL_MAX infinity. */
#include "numtest.h"

#include "mfbalance/exactsum.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128; /* exact references (GCC, Clang) */

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_u64(void)
{
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return rng_state;
}
static double uniform(void) { return (double)(next_u64() >> 11) * 0x1p-53; }

static void shuffle(double *x, int n)
{
  for (int i = n - 1; i > 0; i--) {
    const int j = (int)(next_u64() % (uint64_t)(i + 1));
    const double t = x[i];
    x[i] = x[j], x[j] = t;
  }
}

static double sum_of(const double *x, int n)
{
  mf_exactsum s;
  mf_exactsum_clear(&s);
  for (int i = 0; i < n; i++) mf_exactsum_add(&s, x[i]);
  return mf_exactsum_value(&s);
}

static void test_cancellation(void **state)
{
  (void)state;
  enum { N = 2001 };
  double x[N];
  for (int trial = 0; trial < 20; trial++) {
    for (int i = 0; i < N - 1; i += 2) {
      x[i] = (uniform() - 0.5) * pow(10.0, 40.0 * uniform() - 20.0);
      x[i + 1] = -x[i];
    }
    const double target = (uniform() - 0.5) * 1e-3;
    x[N - 1] = target;
    shuffle(x, N);
    assert_true(sum_of(x, N) == target);
  }
  const double wide[] = {DBL_MAX, 1.0, DBL_MAX, -DBL_MAX, 0x1p-1074, -DBL_MAX, -1.0, 0x1p-1074};
  assert_true(sum_of(wide, 8) == 0x1p-1073);
  const double negative[] = {-3.5, 1e300, -1e300, -0.25};
  assert_true(sum_of(negative, 4) == -3.75);
  const double zero[] = {0.0, -0.0, 1e-300, -1e-300};
  assert_true(sum_of(zero, 4) == 0.0);
}

static void test_against_integers(void **state)
{
  (void)state;
  int e;
  const double m = frexp(0.1, &e);
  const i128 M = (i128)ldexp(m, 53); /* 0.1 = M 2^(e - 53) */
  mf_exactsum s;
  mf_exactsum_clear(&s);
  long k = 0;
  const long checks[] = {1, 10, 1000, 3000000};
  for (int c = 0; c < 4; c++) {
    while (k < checks[c]) mf_exactsum_add(&s, 0.1), k++;
    const double exact = ldexp((double)(M * k), e - 53), got = mf_exactsum_value(&s);
    assert_le(fabs(got - exact), nextafter(exact, INFINITY) - exact, "%ld x 0.1: within one ulp", k);
  }
  /* The carry after 2^30 terms: force it, then go on adding. */
  s.pending = INT64_C(1) << 30;
  for (int i = 0; i < 1000; i++) mf_exactsum_add(&s, -0.1), k--;
  const double exact = ldexp((double)(M * k), e - 53), got = mf_exactsum_value(&s);
  assert_le(fabs(got - exact), nextafter(exact, INFINITY) - exact, "after the carry: within one ulp");
}

static void test_order_and_split(void **state)
{
  (void)state;
  enum { N = 10000 };
  double *x = malloc(N * sizeof *x);
  for (int i = 0; i < N; i++) x[i] = (uniform() - 0.3) * pow(2.0, 60.0 * uniform() - 30.0);
  const double ref = sum_of(x, N);
  for (int trial = 0; trial < 10; trial++) {
    shuffle(x, N);
    /* Split into `parts` accumulators, normalised and merged as MPI_Allreduce would. */
    const int parts = 1 + trial * 7;
    mf_exactsum total, part;
    mf_exactsum_clear(&total);
    for (int q = 0; q < parts; q++) {
      mf_exactsum_clear(&part);
      for (long i = (long)N * q / parts; i < (long)N * (q + 1) / parts; i++) mf_exactsum_add(&part, x[i]);
      mf_exactsum_normalize(&part);
      mf_exactsum_merge(&total, &part);
    }
    const double v = mf_exactsum_value(&total);
    assert_memory_equal(&v, &ref, sizeof v);
  }
  free(x);
}

static void test_nonfinite(void **state)
{
  (void)state;
  const double with_nan[] = {1.0, NAN, 2.0};
  assert_true(isnan(sum_of(with_nan, 3)));
  const double with_inf[] = {1.0, INFINITY, -INFINITY};
  assert_true(isnan(sum_of(with_inf, 3)));
  const double overflow[] = {DBL_MAX, DBL_MAX};
  assert_true(isinf(sum_of(overflow, 2)) && sum_of(overflow, 2) > 0);
  const double underflow_back[] = {-DBL_MAX, -DBL_MAX, DBL_MAX};
  assert_true(sum_of(underflow_back, 3) == -DBL_MAX);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cancellation),
      cmocka_unit_test(test_against_integers),
      cmocka_unit_test(test_order_and_split),
      cmocka_unit_test(test_nonfinite),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
