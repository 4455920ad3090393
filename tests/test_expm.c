/* test_expm.c -- the matrix exponential and the linear SDE step (expm.h)
 * against closed forms:
 *  - 2 x 2 matrices: exp(A) = e^t (cosh q I + sinh(q)/q (A - t I)),
 *    t = tr A / 2, q^2 = t^2 - det A (real, complex and double eigenvalues),
 *    up to norms of 10^3;
 *  - random diagonalisable 6 x 6 matrices: V exp(Lambda) V^-1 from LAPACK
 *    dgeev, in complex arithmetic, at norms 0.1 to 40;
 *  - the scalar Ornstein-Uhlenbeck step for k h from 1e-10 to 1e6, k = 0
 *    and k < 0;
 *  - a 2 x 2 step (a Laplacian plus a leak) against the identities
 *    K phi = (I - E) b and K Q + Q K^T = Sigma - E Sigma E^T (to round-off
 *    of the terms' size), and with a
 *    singular K (pure Laplacian) the undamped direction: pi^T phi = pi^T b h,
 *    pi^T Q pi = pi^T Sigma pi h, with ||K|| h up to 3 10^4 (the error
 *    there grows like ||K|| h times the round-off, as for any squaring);
 *  - invalid input. */
#include "numtest.h"

#include "mfbalance/expm.h"

#include <complex.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

/* max_ij |X_ij - Y_ij| / max_ij |Y_ij| */
static double rel_diff(int n, const double *X, const double *Y)
{
  double d = 0.0, big = 0.0;
  for (int k = 0; k < n * n; k++) d = fmax(d, fabs(X[k] - Y[k])), big = fmax(big, fabs(Y[k]));
  return d / big;
}

static void expm_2x2_exact(const double *A, double *E)
{
  const double t = 0.5 * (A[0] + A[3]), det = A[0] * A[3] - A[1] * A[2];
  const double complex q = csqrt(t * t - det);
  /* cosh q and sinh(q)/q are real (even functions of q); sinh(q)/q -> 1 at q = 0. */
  const double c = creal(ccosh(q)), sq = cabs(q) > 1e-8 ? creal(csinh(q) / q) : 1.0 + creal(q * q) / 6.0;
  const double et = exp(t);
  E[0] = et * (c + sq * (A[0] - t));
  E[1] = et * sq * A[1];
  E[2] = et * sq * A[2];
  E[3] = et * (c + sq * (A[3] - t));
}

static void test_2x2(void **state)
{
  (void)state;
  mf_expm_workspace *w = mf_expm_workspace_create(2);
  assert_non_null(w);
  /* Column-major: {a11, a21, a12, a22}. */
  static const double cases[][4] = {
      {0.0, 0.0, 0.0, 0.0},       /* exp(0) = I */
      {0.3, -0.2, 0.5, -0.1},     /* real eigenvalues, small norm */
      {-1.0, 2.0, -3.0, 0.5},     /* complex eigenvalues: a rotation */
      {-2.0, 0.0, 1.0, -2.0},     /* a Jordan block: e^-2 [[1, 1], [0, 1]] */
      {-150.0, 120.0, 80.0, -90.0}, /* stiff, 13 squarings */
      {-900.0, 3.0, 700.0, -1.0}, /* one fast, one slow mode */
      {2.0, 7.0, -7.0, 2.0},      /* growth and rotation */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double E[4], X[4];
    assert_int_equal(mf_expm_apply(w, 2, cases[c], E), MF_OK);
    expm_2x2_exact(cases[c], X);
    const double err = rel_diff(2, E, X);
    print_message("2 x 2 case %zu: max relative error %.2e\n", c, err);
    assert_le(err, 1e-12, "2 x 2 case %zu: exp(A) against the closed form", c);
  }
  /* A and E may be the same array. */
  double A[4] = {0.3, -0.2, 0.5, -0.1}, X[4];
  expm_2x2_exact(A, X);
  assert_int_equal(mf_expm_apply(w, 2, A, A), MF_OK);
  assert_le(rel_diff(2, A, X), 1e-14, "in place");
  mf_expm_workspace_free(w);
}

/* Uniform in (-1, 1) from a fixed linear congruential sequence. */
static double next_uniform(unsigned long long *seed)
{
  *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
  return 2.0 * ((double)(*seed >> 11) / 9007199254740992.0) - 1.0;
}

/* exp(A) = V diag(exp(lambda)) V^-1 with the eigenvectors of dgeev. */
static void expm_by_eigenvectors(int n, const double *A, double *E)
{
  double a[64], wr[8], wi[8], vr[64];
  memcpy(a, A, (size_t)n * n * sizeof *a);
  lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'V', n, a, n, wr, wi, NULL, 1, vr, n);
  assert_int_equal(info, 0);
  /* Complex eigenvectors: columns j, j+1 hold re and im of the pair's first vector. */
  double complex V[64], W[64];
  for (int j = 0; j < n; j++) {
    if (wi[j] == 0.0) {
      for (int i = 0; i < n; i++) V[i + j * n] = vr[i + j * n];
    } else {
      for (int i = 0; i < n; i++) {
        V[i + j * n] = vr[i + j * n] + I * vr[i + (j + 1) * n];
        V[i + (j + 1) * n] = vr[i + j * n] - I * vr[i + (j + 1) * n];
      }
      j++;
    }
  }
  /* W = V diag(e^lambda), then solve E V = W, i.e. V^T E^T = W^T. */
  lapack_complex_double vt[64], wt[64];
  lapack_int ipiv[8];
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      W[i + j * n] = V[i + j * n] * cexp(wr[j] + I * wi[j]);
      vt[j + i * n] = V[i + j * n];
      wt[j + i * n] = W[i + j * n];
    }
  info = LAPACKE_zgesv(LAPACK_COL_MAJOR, n, n, vt, n, ipiv, wt, n);
  assert_int_equal(info, 0);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) E[i + j * n] = creal(wt[j + i * n]);
}

static void test_diagonalisable(void **state)
{
  (void)state;
  const int n = 6;
  mf_expm_workspace *w = mf_expm_workspace_create(n);
  unsigned long long seed = 12345;
  const double scales[] = {0.1, 1.0, 5.0, 40.0};
  for (int trial = 0; trial < 3; trial++) {
    double A0[36];
    for (int k = 0; k < n * n; k++) A0[k] = next_uniform(&seed);
    for (size_t c = 0; c < sizeof scales / sizeof scales[0]; c++) {
      double A[36], E[36], X[36];
      /* Shifted so that the largest entries of exp(A) stay O(1). */
      for (int k = 0; k < n * n; k++) A[k] = scales[c] * A0[k] - (k % (n + 1) == 0 ? 1.5 * scales[c] : 0.0);
      assert_int_equal(mf_expm_apply(w, n, A, E), MF_OK);
      expm_by_eigenvectors(n, A, X);
      const double err = rel_diff(n, E, X);
      print_message("random 6 x 6 #%d, scale %g: max relative error %.2e\n", trial, scales[c], err);
      /* The eigenvector route loses cond(V) digits: random V keep it below 1e3 here. */
      assert_le(err, 1e-11, "random 6 x 6 #%d at scale %g", trial, scales[c]);
    }
  }
  mf_expm_workspace_free(w);
}

static void test_scalar_ou(void **state)
{
  (void)state;
  mf_expm_workspace *w = mf_expm_workspace_create(3);
  const double kh[] = {1e-10, 1e-3, 0.7, 1.0, 30.0, 100.0, 1e4, 1e6, 0.0, -2.0};
  for (size_t c = 0; c < sizeof kh / sizeof kh[0]; c++) {
    const double h = 0.01, k = kh[c] / h, b = 3.7, sigma2 = 0.09;
    double E, phi, Q;
    assert_int_equal(mf_expm_ou_apply(w, 1, &k, &b, &sigma2, h, &E, &phi, &Q), MF_OK);
    const double e = exp(-k * h), a = k != 0.0 ? -expm1(-k * h) / k : h;
    const double q = k != 0.0 ? -sigma2 * expm1(-2.0 * k * h) / (2.0 * k) : sigma2 * h;
    print_message("scalar, k h = %g: E %.3e (rel err %.1e), phi rel err %.1e, Q rel err %.1e\n", kh[c], E,
                  e > 0 ? fabs(E - e) / e : E, fabs(phi - b * a) / (b * a), fabs(Q - q) / q);
    assert_rel(E, e, 1e-13, "k h = %g: exp(-k h)", kh[c]);
    assert_rel(phi, b * a, 1e-13, "k h = %g: b (1 - e^-kh)/k", kh[c]);
    assert_rel(Q, q, 1e-13, "k h = %g: sigma^2 (1 - e^-2kh)/(2k)", kh[c]);
  }
  /* h = 0: nothing moves. */
  double k = 5.0, b = 1.0, s2 = 1.0, E, phi, Q;
  assert_int_equal(mf_expm_ou_apply(w, 1, &k, &b, &s2, 0.0, &E, &phi, &Q), MF_OK);
  assert_rel(E, 1.0, 2e-16, "h = 0: E");
  assert_rel(phi, 0.0, 0.0, "h = 0: phi");
  assert_rel(Q, 0.0, 0.0, "h = 0: Q");
  mf_expm_workspace_free(w);
}

/* K = gamma L + diag(leak), L the Laplacian of g_el = [[0, 1], [2, 0]]: left null vector pi = (2, 1). */
static void laplacian_case(double gamma, const double *leak, double *K)
{
  K[0] = gamma * 1.0 + leak[0];
  K[1] = -gamma * 2.0;
  K[2] = -gamma * 1.0;
  K[3] = gamma * 2.0 + leak[1];
}

static void test_matrix_ou(void **state)
{
  (void)state;
  mf_expm_workspace *w = mf_expm_workspace_create(5);
  const double b[2] = {0.8, -1.3}, Sigma[4] = {2.5e-6, 0.0, 0.0, 1.0e-6};
  const double gammas[] = {0.5, 100.0, 1e4, 1e6}, h = 0.01;
  for (size_t c = 0; c < sizeof gammas / sizeof gammas[0]; c++) {
    /* With a leak: K invertible, the identities hold. */
    const double leak[2] = {1.0, 0.5};
    double K[4], E[4], phi[2], Q[4];
    laplacian_case(gammas[c], leak, K);
    assert_int_equal(mf_expm_ou_apply(w, 2, K, b, Sigma, h, E, phi, Q), MF_OK);
    /* Residuals relative to the size of the terms (|K| |phi| + |b|, |K| |Q| + |Sigma|): with K ~ gamma the
     * slow mode's Q ~ Sigma h makes K Q ~ gamma Sigma h, and the identities cancel that much. */
    double knorm = 0.0, qnorm = 0.0, pnorm = fmax(fabs(phi[0]), fabs(phi[1]));
    for (int k = 0; k < 4; k++) knorm = fmax(knorm, fabs(K[k])), qnorm = fmax(qnorm, fabs(Q[k]));
    double worst_phi = 0.0, worst_q = 0.0;
    for (int i = 0; i < 2; i++) {
      const double lhs = K[i] * phi[0] + K[i + 2] * phi[1];
      const double rhs = b[i] - (E[i] * b[0] + E[i + 2] * b[1]);
      worst_phi = fmax(worst_phi, fabs(lhs - rhs) / (knorm * pnorm + fmax(fabs(b[0]), fabs(b[1]))));
      for (int j = 0; j < 2; j++) {
        double kq = 0.0, ese = 0.0;
        for (int l = 0; l < 2; l++) {
          kq += K[i + 2 * l] * Q[l + 2 * j] + Q[i + 2 * l] * K[j + 2 * l];
          for (int r = 0; r < 2; r++) ese += E[i + 2 * l] * Sigma[l + 2 * r] * E[j + 2 * r];
        }
        worst_q = fmax(worst_q, fabs(kq - (Sigma[i + 2 * j] - ese)) / (knorm * qnorm + 2.5e-6));
      }
    }
    print_message("2 x 2 with leak, gamma h = %g: |K phi - (I - E) b| %.1e, |KQ + QK^T - (S - ESE^T)| %.1e\n",
                  gammas[c] * h, worst_phi, worst_q);
    assert_le(worst_phi, 1e-14, "gamma h = %g: K phi = (I - E) b", gammas[c] * h);
    assert_le(worst_q, 1e-14, "gamma h = %g: Lyapunov identity for Q", gammas[c] * h);
    assert_rel(Q[2], Q[1], 0.0, "Q symmetric");

    /* Without the leak K is singular: along pi nothing is damped. */
    const double none[2] = {0.0, 0.0};
    laplacian_case(gammas[c], none, K);
    assert_int_equal(mf_expm_ou_apply(w, 2, K, b, Sigma, h, E, phi, Q), MF_OK);
    const double pi[2] = {2.0, 1.0};
    const double pphi = pi[0] * phi[0] + pi[1] * phi[1], pb = pi[0] * b[0] + pi[1] * b[1];
    const double pqp = pi[0] * pi[0] * Q[0] + 2.0 * pi[0] * pi[1] * Q[1] + pi[1] * pi[1] * Q[3];
    const double psp = pi[0] * pi[0] * Sigma[0] + pi[1] * pi[1] * Sigma[3];
    print_message("pure Laplacian, gamma h = %g: pi.phi / (pi.b h) - 1 = %.1e, pi Q pi / (pi S pi h) - 1 = %.1e\n",
                  gammas[c] * h, pphi / (pb * h) - 1.0, pqp / (psp * h) - 1.0);
    /* Squaring s ~ log2(||K|| h / 0.5) times raises the round-off of E(tau)'s unit eigenvalue to the
     * power 2^s: the error along the undamped direction is about ||K|| h times the unit round-off. */
    const double tol = 1e-14 + 8.0 * 2.2e-16 * 3.0 * gammas[c] * h;
    assert_rel(pphi, pb * h, tol, "gamma h = %g: the consensus direction moves by pi.b h", gammas[c] * h);
    assert_rel(pqp, psp * h, 2.0 * tol, "gamma h = %g: and keeps the variance pi Sigma pi h", gammas[c] * h);
    /* pi^T E = pi^T. */
    for (int j = 0; j < 2; j++)
      assert_rel(pi[0] * E[2 * j] + pi[1] * E[2 * j + 1], pi[j], tol, "gamma h = %g: pi E = pi", gammas[c] * h);
  }
  mf_expm_workspace_free(w);
}

static void test_invalid(void **state)
{
  (void)state;
  mf_expm_workspace_free(NULL);
  assert_null(mf_expm_workspace_create(0));
  mf_expm_workspace *w = mf_expm_workspace_create(3);
  double A[9] = {0}, E[9], b[2] = {0}, S[4] = {0};
  assert_int_equal(mf_expm_apply(w, 4, A, E), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "expected 1 to 3"));
  A[4] = NAN;
  assert_int_equal(mf_expm_apply(w, 3, A, E), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "non-finite"));
  A[4] = INFINITY;
  assert_int_equal(mf_expm_apply(w, 3, A, E), MF_EINPUT);
  /* 2n + 1 = 5 > 3 with Sigma; n + 1 = 3 without. */
  double K[4] = {1.0, 0.0, 0.0, 1.0}, phi[2], Q[4];
  assert_int_equal(mf_expm_ou_apply(w, 2, K, b, S, 0.1, E, phi, Q), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "2n+1"));
  assert_int_equal(mf_expm_ou_apply(w, 2, K, b, NULL, 0.1, E, phi, NULL), MF_OK);
  assert_rel(E[0], exp(-0.1), 1e-15, "without Sigma");
  assert_int_equal(mf_expm_ou_apply(w, 2, K, b, NULL, -0.1, E, phi, NULL), MF_EINPUT);
  b[1] = NAN;
  assert_int_equal(mf_expm_ou_apply(w, 2, K, b, NULL, 0.1, E, phi, NULL), MF_EINPUT);
  mf_expm_workspace_free(w);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_2x2),        cmocka_unit_test(test_diagonalisable), cmocka_unit_test(test_scalar_ou),
      cmocka_unit_test(test_matrix_ou),  cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests_name("expm", tests, NULL, NULL);
}
