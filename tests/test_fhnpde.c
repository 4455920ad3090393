/* test_fhnpde.c -- the FitzHugh-Nagumo kinetic equation through the solver
 * layer (solver.h with neuron = fhn) on validation/configs/fhn_linear.ini,
 * against the closed-form Gaussian of the linear case.  With f affine and S
 * constant the network is the 2-D Ornstein-Uhlenbeck process
 *
 *     d(v, w) = (K (v, w) + c) dt + diag(sigma, sigma_w) dW,
 *     K = [[c1 - gamma A, -1], [epsilon, -epsilon b]],  c = (c0 + gamma C, epsilon a),
 *
 * so its law stays Gaussian: mean exp(tK') (m0, 1) with the augmented
 * K' = [[K, c], [0, 0]], covariance F S0 F^T + int_0^t e^{sK} Q e^{sK^T} ds
 * with F = e^{tK}, the integral by Van Loan's block exponential
 * (C. Van Loan, IEEE Trans. Autom. Control 23 (1978) 395).  Both come from
 * expm.c, not from any ODE solver, so the reference is independent of the
 * discretisation and of CVODE.  The observed order of the s.d. and
 * covariance over three grids with either w-transport (grid.w_transport),
 * mass and positivity are asserted, on the moving frames and on the fixed
 * box (grid.method = fixed); and the box against the frames on S1. */
#include "numtest.h"

#include "mfbalance/config.h"
#include "mfbalance/expm.h"
#include "mfbalance/solver.h"

#include <stdlib.h>
#include <string.h>

#ifndef MF_SOURCE_ROOT
#error "MF_SOURCE_ROOT (the source tree, for validation/configs) is set by tests/meson.build"
#endif

/* The fixed box of the linear case: [-2.5, 2.5] x [-1, 2.5] holds the
 * Gaussian's 5 s.d. at t = 0 (mass beyond the walls 6e-7) and more later. */
static char *box_keys[] = {"grid.method=fixed", "grid.vmin=-2.5", "grid.vmax=2.5", "grid.wmin=-1", "grid.wmax=2.5"};

static void load_linear(mf_config *cfg, int nv, int nw, const char *transport, int box)
{
  char cells_v[64], cells_w[64], scheme[64];
  snprintf(cells_v, sizeof cells_v, "grid.cells_v=%d", nv);
  snprintf(cells_w, sizeof cells_w, "grid.cells_w=%d", nw);
  snprintf(scheme, sizeof scheme, "grid.w_transport=%s", transport);
  char *ov[11] = {cells_v, cells_w, "time.rtol=1e-9", "time.atol=1e-12", "grid.moving_halfwidth=8", scheme};
  for (int k = 0; box && k < 5; k++) ov[6 + k] = box_keys[k];
  if (mf_config_load(cfg, MF_SOURCE_ROOT "/validation/configs/fhn_linear.ini", box ? 11 : 6, ov) != MF_OK)
    fail_msg("%s", mf_errmsg());
}

/* Exact means (mv, mw) and covariance (svv, svw, sww) of the linear model at t. */
static void exact(const mf_model *m, double t, double *mean, double *cov)
{
  const mf_population *p = &m->pop[0];
  const mf_recovery *r = &p->w;
  const double A = p->g[0] * 0.5 * p->s, C = A * p->reversal; /* S = s/2 (k = 0) */
  const double K[4] = {p->f[1] - m->gamma * A, r->epsilon, -1.0, -r->epsilon * r->b}; /* column-major */
  const double c[2] = {p->f[0] + m->gamma * C, r->epsilon * r->a};
  const double Q[2] = {p->sigma * p->sigma, r->sigma_w * r->sigma_w};
  mf_expm_workspace *ws = mf_expm_workspace_create(4);
  assert_non_null(ws);
  /* Means: the augmented 3 x 3 exponential applied to (m0, 1). */
  double aug[9] = {0}, E3[9];
  aug[0] = K[0] * t, aug[1] = K[1] * t, aug[3] = K[2] * t, aug[4] = K[3] * t, aug[6] = c[0] * t, aug[7] = c[1] * t;
  assert_int_equal(mf_expm_apply(ws, 3, aug, E3), MF_OK);
  const double m0[3] = {p->init_a, r->init_mean, 1.0};
  for (int i = 0; i < 2; i++) mean[i] = E3[i] * m0[0] + E3[i + 3] * m0[1] + E3[i + 6] * m0[2];
  /* Covariance: Van Loan's [[-K, Q], [0, K^T]] t; exp = [[., E12], [0, E22]], E22 = e^{tK^T},
   * int_0^t e^{sK} Q e^{sK^T} ds = E22^T E12. */
  double M[16] = {0}, E[16];
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) {
      M[i + 4 * j] = -K[i + 2 * j] * t;
      M[(i + 2) + 4 * (j + 2)] = K[j + 2 * i] * t;
    }
  M[0 + 4 * 2] = Q[0] * t, M[1 + 4 * 3] = Q[1] * t;
  assert_int_equal(mf_expm_apply(ws, 4, M, E), MF_OK);
  double F[4], G[4], S[4];
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) F[i + 2 * j] = E[(j + 2) + 4 * (i + 2)]; /* e^{tK} = E22^T */
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) {
      double s = 0.0;
      for (int k = 0; k < 2; k++) s += F[i + 2 * k] * E[k + 4 * (j + 2)]; /* E22^T E12 */
      G[i + 2 * j] = s;
    }
  const double S0[4] = {p->init_b * p->init_b, 0.0, 0.0, r->init_sd * r->init_sd};
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) {
      double s = 0.0;
      for (int k = 0; k < 2; k++)
        for (int l = 0; l < 2; l++) s += F[i + 2 * k] * S0[k + 2 * l] * F[j + 2 * l];
      S[i + 2 * j] = s + G[i + 2 * j];
    }
  cov[0] = S[0], cov[1] = S[2], cov[2] = S[3];
  mf_expm_workspace_free(ws);
}

/* Largest errors of the means and of (sd_v, sd_w, cov_vw) at t = 1 and 2. */
static void run_grid(const char *transport, int box, int nv, int nw, double *err_mean, double *err_cov,
                     double *mass_drift, double *least, double *lin_per_newton)
{
  mf_config cfg;
  load_linear(&cfg, nv, nw, transport, box);
  const mf_discretisation disc = mf_config_discretisation(&cfg, NULL);
  mf_solver *s = mf_solver_create(&cfg.model, &disc, &cfg.integ);
  if (!s) fail_msg("%s", mf_errmsg());
  *err_mean = *err_cov = *mass_drift = 0.0;
  *least = INFINITY;
  const double times[] = {1.0, 2.0};
  for (int k = 0; k < 2; k++) {
    if (mf_solver_advance(s, times[k]) != MF_OK) fail_msg("%s", mf_errmsg());
    mf_moments2d mom;
    assert_int_equal(mf_solver_moments2d(s, 0, &mom), MF_OK);
    double mean[2], cov[3];
    exact(&cfg.model, times[k], mean, cov);
    print_message("  %s%s %3d x %3d, t = %g: v %.9f (exact %.9f) w %.9f (%.9f) sd_v %.7f (%.7f) sd_w %.7f (%.7f) "
                  "cov %.6e (%.6e)\n", box ? "box " : "", transport, nv, nw, times[k], mom.mean_v, mean[0], mom.mean_w,
                  mean[1], mom.sd_v, sqrt(cov[0]), mom.sd_w, sqrt(cov[2]), mom.cov_vw, cov[1]);
    *err_mean = fmax(*err_mean, fmax(fabs(mom.mean_v - mean[0]), fabs(mom.mean_w - mean[1])));
    *err_cov = fmax(*err_cov, fmax(fabs(mom.sd_v - sqrt(cov[0])),
                                   fmax(fabs(mom.sd_w - sqrt(cov[2])), fabs(mom.cov_vw - cov[1]))));
    *mass_drift = fmax(*mass_drift, fabs(mom.mass - 1.0));
    *least = fmin(*least, mf_solver_min_density(s));
    /* The marginals and the full density integrate to the mass. */
    const mf_grid *gv = mf_solver_grid(s, 0), *gw = mf_solver_grid_w(s, 0);
    const double *rv = mf_solver_density(s, 0), *rw = mf_solver_density_w(s, 0);
    double *rho = malloc((size_t)nv * nw * sizeof *rho), mv = 0.0, mw = 0.0, m2 = 0.0;
    assert_int_equal(mf_solver_density2d(s, 0, rho), MF_OK);
    for (int i = 0; i < nv; i++) mv += gv->w[i] * rv[i];
    for (int j = 0; j < nw; j++) mw += gw->w[j] * rw[j];
    for (int j = 0; j < nw; j++)
      for (int i = 0; i < nv; i++) m2 += gv->w[i] * gw->w[j] * rho[(size_t)j * nv + i];
    assert_rel(mv, mom.mass, 1e-13, "mass of the v-marginal");
    assert_rel(mw, mom.mass, 1e-13, "mass of the w-marginal");
    assert_rel(m2, mom.mass, 1e-13, "mass of the (v, w) density");
    free(rho);
  }
  mf_integrator_stats st;
  mf_solver_get_stats(s, &st);
  *lin_per_newton = (double)st.lin_iters / (double)st.newton_iters;
  mf_solver_free(s);
}

/* The linear case on three grids with the given w-transport: the observed
 * orders of the s.d. and covariance in [min_order, max_order], their error on
 * 160 x 96 cells at most bound; means, mass, positivity and GMRES as always. */
static void linear_case(const char *transport, double min_order, double max_order, double bound)
{
  const int n[3][2] = {{40, 24}, {80, 48}, {160, 96}};
  double em[3], ec[3], drift[3], least[3], lin[3];
  for (int k = 0; k < 3; k++) run_grid(transport, 0, n[k][0], n[k][1], &em[k], &ec[k], &drift[k], &least[k], &lin[k]);
  for (int k = 0; k < 3; k++)
    print_message("  %s %3d x %3d: means %.2e, s.d./cov %.3e, mass drift %.1e, least density %.2g, GMRES per Newton "
                  "%.2f\n", transport, n[k][0], n[k][1], em[k], ec[k], drift[k], least[k], lin[k]);
  for (int k = 1; k < 3; k++) {
    const double order = log2(ec[k - 1] / ec[k]);
    print_message("  observed order %.3f\n", order);
    assert_le(min_order, order, "observed order of the s.d. and covariance (%s), refinement %d", transport, k);
    assert_le(order, max_order, "observed order of the s.d. and covariance (%s), refinement %d", transport, k);
  }
  for (int k = 0; k < 3; k++) {
    assert_le(em[k], 1e-7, "means (carried by the frames)");
    assert_le(drift[k], 1e-13, "mass drift (round-off)");
    assert_le(0.0, least[k], "densities >= 0");
    assert_le(lin[k], 4.0, "GMRES iterations per Newton iteration");
  }
  assert_le(ec[2], bound, "s.d. and covariance on 160 x 96 cells (%s)", transport);
}

/* The limited w-transport (default).  Largest error of s.d.(v), s.d.(w) and
 * cov over t = 1, 2 (rtol 1e-9), measured:
 *
 *     40 x 24   3.344e-03
 *     80 x 48   5.290e-04   order 2.66
 *    160 x 96   6.354e-05   order 3.06
 *
 * The scheme is formally second order; the measured orders are above 2 and
 * still rising (a fourth grid, 320 x 192 through `run`: 4.89e-06, order
 * 3.70), so they are not yet asymptotic.  s.d.(w) carries the largest
 * error on every grid, always too wide. */
static void test_linear_limited(void **state) { (void)state; linear_case("limited", 2.5, 3.5, 1e-4); }

/* The upwind w-transport stays first order: its numerical diffusion
 * eps |u_w| h_w / 2 widens s.d.(w) (measured 1.82e-2, 9.00e-3, 4.48e-3). */
static void test_linear_upwind(void **state) { (void)state; linear_case("upwind", 0.9, 1.2, 5e-3); }

/* The linear case on the fixed box (grid.method = fixed, box_keys) with the
 * limited w-transport, largest errors over t = 1, 2 (rtol 1e-9), measured:
 *
 *               means      s.d./cov
 *     40 x 24   1.560e-02  5.387e-02
 *     80 x 48   4.230e-03  1.593e-02   orders 1.88, 1.76
 *    160 x 96   8.745e-04  3.180e-03   orders 2.27, 2.33
 *
 * about second order, as the scheme.  At equal cells 50 times the frames'
 * error (6.35e-05 on 160 x 96): the box's cells are 0.031 x 0.036 wide,
 * the frames' a few hundredths of an s.d.; s.d.(w) = 0.12 at t = 2 is the
 * worst resolved and carries the largest error (too wide), and the box
 * does not carry the means either.  Mass to round-off; every density
 * stayed > 0 (least 4.7e-155 on 160 x 96). */
static void test_linear_box(void **state)
{
  (void)state;
  const int n[3][2] = {{40, 24}, {80, 48}, {160, 96}};
  double em[3], ec[3], drift[3], least[3], lin[3];
  for (int k = 0; k < 3; k++) run_grid("limited", 1, n[k][0], n[k][1], &em[k], &ec[k], &drift[k], &least[k], &lin[k]);
  for (int k = 0; k < 3; k++)
    print_message("  box %3d x %3d: means %.3e, s.d./cov %.3e, mass drift %.1e, least density %.2g, GMRES per Newton "
                  "%.2f\n", n[k][0], n[k][1], em[k], ec[k], drift[k], least[k], lin[k]);
  for (int k = 1; k < 3; k++) {
    const double om = log2(em[k - 1] / em[k]), oc = log2(ec[k - 1] / ec[k]);
    print_message("  observed orders: means %.3f, s.d./cov %.3f\n", om, oc);
    assert_le(1.5, om, "observed order of the means on the box, refinement %d", k);
    assert_le(om, 2.6, "observed order of the means on the box, refinement %d", k);
    assert_le(1.5, oc, "observed order of the s.d. and covariance on the box, refinement %d", k);
    assert_le(oc, 2.6, "observed order of the s.d. and covariance on the box, refinement %d", k);
  }
  for (int k = 0; k < 3; k++) {
    assert_le(drift[k], 1e-13, "mass drift (round-off)");
    assert_le(0.0, least[k], "densities >= 0");
    assert_le(lin[k], 4.0, "GMRES iterations per Newton iteration");
  }
  assert_le(em[2], 1e-3, "means on the 160 x 96 box");
  assert_le(ec[2], 4e-3, "s.d. and covariance on the 160 x 96 box");
}

/* S1 (validation/configs/fhn_s1.ini, gamma = 100) at t = 5 on the given grid: means and s.d. of v and w. */
static void s1_moments(int box, int nv, int nw, double out[4])
{
  char cells_v[64], cells_w[64];
  snprintf(cells_v, sizeof cells_v, "grid.cells_v=%d", nv);
  snprintf(cells_w, sizeof cells_w, "grid.cells_w=%d", nw);
  char *ov[] = {cells_v, cells_w, box ? "grid.method=fixed" : "grid.method=moving"};
  mf_config cfg;
  if (mf_config_load(&cfg, MF_SOURCE_ROOT "/validation/configs/fhn_s1.ini", 3, ov) != MF_OK)
    fail_msg("%s", mf_errmsg());
  const mf_discretisation disc = mf_config_discretisation(&cfg, NULL);
  mf_solver *s = mf_solver_create(&cfg.model, &disc, &cfg.integ);
  if (!s) fail_msg("%s", mf_errmsg());
  if (mf_solver_advance(s, 5.0) != MF_OK) fail_msg("%s", mf_errmsg());
  mf_moments2d mom;
  assert_int_equal(mf_solver_moments2d(s, 0, &mom), MF_OK);
  assert_le(fabs(mom.mass - 1.0), 1e-13, "mass drift (round-off)");
  assert_le(0.0, mf_solver_min_density(s), "densities >= 0");
  out[0] = mom.mean_v, out[1] = mom.mean_w, out[2] = mom.sd_v, out[3] = mom.sd_w;
  print_message("  S1 t = 5, %s %3d x %3d: mean v %.7f, mean w %.7f, sd v %.7f, sd w %.7f\n", box ? "box   " : "frames",
                nv, nw, out[0], out[1], out[2], out[3]);
  mf_solver_free(s);
}

/* The box and the frames solve one equation: on S1 at t = 5 the box's
 * distance to the frames (80 x 40, whose own error is far below the box's)
 * falls with the box's refinement and, on 160 x 80, is within the box's
 * error estimate |80 x 40 - 160 x 80| (a bound for any order >= 1).
 * Measured (rtol 1e-6), |box - frames| on 80 x 40 -> 160 x 80, estimate:
 *
 *     mean v   1.84e-4 -> 3.02e-5   1.54e-4
 *     mean w   6.96e-3 -> 1.22e-3   5.74e-3
 *     sd v     4.97e-5 -> 1.76e-5   3.21e-5
 *     sd w     3.11e-2 -> 6.59e-3   2.45e-2
 *
 * s.d.(w) = 0.288 spans 1.4 box cells of width 0.2 on 80 x 40: the box is
 * coarse where the density is, the frames are not. */
static void test_s1_box_against_frames(void **state)
{
  (void)state;
  double coarse[4], fine[4], frames[4];
  s1_moments(1, 80, 40, coarse);
  s1_moments(1, 160, 80, fine);
  s1_moments(0, 80, 40, frames);
  const char *name[4] = {"mean v", "mean w", "sd v", "sd w"};
  for (int k = 0; k < 4; k++)
    print_message("  %-6s |box - frames|: 80 x 40 %.3e, 160 x 80 %.3e; |80 x 40 - 160 x 80| %.3e\n", name[k],
                  fabs(coarse[k] - frames[k]), fabs(fine[k] - frames[k]), fabs(coarse[k] - fine[k]));
  for (int k = 0; k < 4; k++) {
    assert_le(fabs(fine[k] - frames[k]), fabs(coarse[k] - frames[k]), "%s: box refined towards the frames", name[k]);
    assert_le(fabs(fine[k] - frames[k]), fabs(coarse[k] - fine[k]), "%s: box within its error estimate", name[k]);
  }
}

/* The (v, w) accessors refuse a one-dimensional model. */
static void test_one_dimensional(void **state)
{
  (void)state;
  mf_config cfg;
  char *ov[] = {"grid.moving_cells=40"};
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ov), MF_OK);
  const mf_discretisation disc = mf_config_discretisation(&cfg, NULL);
  mf_solver *s = mf_solver_create(&cfg.model, &disc, &cfg.integ);
  assert_non_null(s);
  mf_moments2d mom;
  assert_null(mf_solver_grid_w(s, 0));
  assert_null(mf_solver_density_w(s, 0));
  assert_int_equal(mf_solver_moments2d(s, 0, &mom), MF_EINPUT);
  mf_solver_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_s1_box_against_frames), cmocka_unit_test(test_linear_box),
                                     cmocka_unit_test(test_linear_limited), cmocka_unit_test(test_linear_upwind),
                                     cmocka_unit_test(test_one_dimensional)};
  return cmocka_run_group_tests_name("fhnpde", tests, NULL, NULL);
}
