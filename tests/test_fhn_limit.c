/* test_fhn_limit.c -- balance and the limit of FitzHugh-Nagumo networks
 * (fhn_limit.h) on the parameter sets of ../shared/FHN.md section 4:
 *  - S1, S3, S4: the balance points by substitution (the balance equations
 *    h(x*) = 0 to 1e-12, the slow ODE's fixed point x* + a - b w* = 0) and
 *    against FHN.md's values (x*, w*, A*, the early-flow eigenvalues);
 *  - S1: wbar(t) and the offset delta(t) against the closed forms
 *    w* + (w0 - w*) e^{-eps b t} and (f(1) - wbar(t)) / S(1);
 *  - S2: the synchronous ODE settles at the FitzHugh-Nagumo rest point for
 *    I = 0 and has period 39.474415 for I = 0.5 (FHN.md, from scipy),
 *    measured between upward crossings of c = 0, and its cycle's extent. */
#include "numtest.h"
#include "fhn_models.h"

#include "mfbalance/balance.h"
#include "mfbalance/fhn_limit.h"

static void find_one(const mf_model *model, mf_balance_point *pt)
{
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = 0;
  assert_int_equal(mf_balance_find(model, -3.0, 3.0, pts, MF_BALANCE_MAX_ROOTS, &n), MF_OK);
  assert_true(n >= 1);
  assert_int_equal(pts[0].stability, MF_BALANCE_ATTRACTING);
  *pt = pts[0];
}

static void check_substitution(const mf_model *model, const mf_balance_point *pt)
{
  double G[MF_MAX_POPS], w[MF_MAX_POPS];
  mf_balance_residual(model, pt->x, G);
  mf_fhn_wstar(model, pt->x, w);
  for (int p = 0; p < model->P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    assert_abs(G[p], 0.0, 1e-12, "balance equation %d at x*", p);
    assert_abs(pt->x[p] + r->a - r->b * w[p], 0.0, 1e-14, "slow fixed point %d at w*", p);
  }
}

static void test_balance_points(void **state)
{
  (void)state;
  mf_balance_point pt;
  double w[MF_MAX_POPS];

  mf_model s1 = fhn_s1(100.0);
  find_one(&s1, &pt);
  check_substitution(&s1, &pt);
  mf_fhn_wstar(&s1, pt.x, w);
  assert_rel(pt.x[0], 1.0, 1e-14, "S1 x*");
  assert_rel(w[0], 2.125, 1e-14, "S1 w*");
  assert_rel(pt.A[0], 0.450166, 1e-6, "S1 A*");

  mf_model s3 = fhn_s3s4(100.0, 0);
  find_one(&s3, &pt);
  check_substitution(&s3, &pt);
  mf_fhn_wstar(&s3, pt.x, w);
  for (int p = 0; p < 2; p++) {
    assert_rel(pt.x[p], -0.4, 1e-12, "S3 x*_%d", p);
    assert_rel(w[p], 0.375, 1e-12, "S3 w*_%d", p);
    assert_rel(pt.A[p], 0.419954, 1e-6, "S3 A*_%d", p);
    assert_abs(pt.eig_re[p], -0.419954, 1e-6, "S3 eigenvalue %d (double, -A*; FHN.md rounds it to -0.42)", p);
  }

  mf_model s4 = fhn_s3s4(100.0, 1);
  find_one(&s4, &pt);
  check_substitution(&s4, &pt);
  mf_fhn_wstar(&s4, pt.x, w);
  const double x4[2] = {-0.6652558125, -0.4549121543}, w4[2] = {0.043430, 0.306360}, A4[2] = {0.774527, 0.770102};
  for (int p = 0; p < 2; p++) {
    assert_abs(pt.x[p], x4[p], 1e-10, "S4 x*_%d", p);
    assert_abs(w[p], w4[p], 1e-6, "S4 w*_%d", p);
    assert_abs(pt.A[p], A4[p], 1e-6, "S4 A*_%d", p);
    assert_abs(pt.eig_re[p], -0.8178, 1e-4, "S4 eigenvalue %d real part", p);
    assert_abs(fabs(pt.eig_im[p]), 0.5493, 1e-4, "S4 eigenvalue %d imaginary part", p);
  }
}

static void test_s1_slow(void **state)
{
  (void)state;
  const mf_model s1 = fhn_s1(1000.0);
  const double xstar = 1.0, v0 = 0.0, w0 = 0.5;
  mf_fhn_limit lim;
  assert_int_equal(mf_fhn_limit_init(&lim, &s1, &xstar, &v0, &w0), MF_OK);
  const double S1 = 1.0 / (1.0 + exp(0.2)), f1 = 0.4 + 1.0 - 1.0 / 3.0;
  for (double t = 0.0; t <= 40.0; t += 5.0) {
    assert_int_equal(mf_fhn_limit_advance(&lim, &s1, t), MF_OK);
    const double w = 2.125 + (0.5 - 2.125) * exp(-0.064 * t);
    assert_rel(lim.w[0], w, 1e-14, "S1 wbar(%g)", t);
    assert_rel(lim.delta[0], (f1 - w) / S1, 1e-12, "S1 delta(%g)", t);
    assert_rel(lim.sd_v[0], 0.5 / sqrt(2.0 * (1000.0 * S1 - 0.0)), 1e-12, "S1 sd(v) (f'(1) = 0)");
  }
}

static void test_s2_synchronous(void **state)
{
  (void)state;
  mf_fhn_limit lim;
  const double v0 = -1.5, w0 = -0.5;
  const mf_model rest = fhn_s2(100.0, 0.0);
  assert_int_equal(mf_fhn_limit_init(&lim, &rest, NULL, &v0, &w0), MF_OK);
  assert_int_equal(mf_fhn_limit_advance(&lim, &rest, 200.0), MF_OK);
  print_message("I = 0, t = 200: (%.8f, %.8f)\n", lim.v[0], lim.w[0]);
  assert_abs(lim.v[0], -1.199408, 2e-6, "I = 0: rest voltage");
  assert_abs(lim.w[0], -0.624260, 2e-6, "I = 0: rest recovery");

  const mf_model cycle = fhn_s2(100.0, 0.5);
  assert_int_equal(mf_fhn_limit_init(&lim, &cycle, NULL, &v0, &w0), MF_OK);
  double prev_t = 0.0, prev_v = lim.v[0], crossings[16], vmin = 1e9, vmax = -1e9;
  int nc = 0;
  for (int k = 1; k <= 400000 && nc < 16; k++) {
    const double t = 1e-3 * k;
    assert_int_equal(mf_fhn_limit_advance(&lim, &cycle, t), MF_OK);
    if (t > 200.0) vmin = fmin(vmin, lim.v[0]), vmax = fmax(vmax, lim.v[0]);
    if (prev_v < 0.0 && lim.v[0] >= 0.0) /* linear interpolation of the crossing */
      crossings[nc++] = prev_t + (t - prev_t) * (-prev_v) / (lim.v[0] - prev_v);
    prev_t = t, prev_v = lim.v[0];
  }
  assert_true(nc >= 8);
  const double period = (crossings[nc - 1] - crossings[nc - 6]) / 5.0;
  print_message("I = 0.5: period %.7f over the last 5 cycles, v in [%.4f, %.4f]\n", period, vmin, vmax);
  assert_abs(period, 39.474415, 1e-5, "I = 0.5: period of the synchronous cycle");
  assert_abs(vmin, -1.970, 1e-3, "I = 0.5: cycle minimum of v");
  assert_abs(vmax, 1.852, 1e-3, "I = 0.5: cycle maximum of v");
}

static void test_invalid(void **state)
{
  (void)state;
  mf_fhn_limit lim;
  const double v0 = 0.0, w0 = 0.0;
  const mf_model s1 = fhn_s1(10.0);
  assert_int_equal(mf_fhn_limit_init(&lim, &s1, NULL, &v0, &w0), MF_EINPUT); /* chemical: no consensus */
  mf_model one = s1;
  one.neuron = MF_NEURON_1D;
  assert_int_equal(mf_fhn_limit_init(&lim, &one, &v0, &v0, &w0), MF_EINPUT);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_balance_points),
      cmocka_unit_test(test_s1_slow),
      cmocka_unit_test(test_s2_synchronous),
      cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
