/* test_hj.c -- the Hopf-Cole solver against independent references:
 *  - its right-hand side, mapped through rho = e^{gamma u}, against the
 *    finite-volume right-hand side on a smooth state (and the gap shrinks
 *    under refinement);
 *  - the exact stationary solution u = -A* (x - x*)^2 / sigma^2 of the
 *    limit problem is a discrete steady state, and the limit problem
 *    started from Gaussian data converges to it;
 *  - nothing overflows at gamma = 1e8;
 *  - the early-behaviour flow against its closed form, and the sub-cell argmax. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/balance.h"
#include "mfbalance/fv.h"
#include "mfbalance/hj.h"

#include <stdlib.h>

/* max_i |gamma^2 rho u_tau - rho_t| / max |rho_t| on n cells. */
static double transformed_gap(int n)
{
  mf_model m = test_model_nonlinear(2, 10.0);
  mf_grid *g = mf_grid_create_uniform(-3.0, 3.0, n);
  mf_hj *hj = mf_hj_create(&m, g);
  mf_fv *fv = mf_fv_create(&m, g);
  const int N = 2 * n;
  double *u = malloc(N * sizeof *u), *du = malloc(N * sizeof *du), *rho = malloc(N * sizeof *rho),
         *drho = malloc(N * sizeof *drho);
  mf_hj_initial(hj, u);
  for (int k = 0; k < N; k++) rho[k] = exp(m.gamma * u[k]); /* the same state, both ways */
  assert_int_equal(mf_hj_rhs(hj, u, du), MF_OK);
  assert_int_equal(mf_fv_rhs(fv, rho, drho), MF_OK);
  double worst = 0.0, scale = 0.0;
  for (int k = 0; k < N; k++) {
    worst = fmax(worst, fabs(m.gamma * m.gamma * rho[k] * du[k] - drho[k]));
    scale = fmax(scale, fabs(drho[k]));
  }
  free(u), free(du), free(rho), free(drho);
  mf_fv_free(fv);
  mf_hj_free(hj);
  mf_grid_free(g);
  return worst / scale;
}

static void test_against_fv(void **state)
{
  (void)state;
  double prev = INFINITY;
  for (int n = 200; n <= 1600; n *= 2) {
    double gap = transformed_gap(n);
    print_message("%5d cells: max |gamma^2 rho u_tau - rho_t| / max |rho_t| = %.3e\n", n, gap);
    /* Both discretisations are second order: halving h divides the gap by about 4. */
    assert_le(gap, prev / 3.5, "gap decreases at second order from %d to %d cells", n / 2, n);
    prev = gap;
  }
}

static void test_exact_stationary(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  cfg.model.gamma = INFINITY;
  mf_grid *g = mf_grid_create_uniform(-4.0, 4.0, 2000);
  mf_hj *hj = mf_hj_create(&cfg.model, g);
  assert_non_null(hj);
  const int n = g->n;
  const double xs = -0.4, Astar = 2.5 / (1.0 + exp(1.6)), sigma = 0.5;
  double *u = malloc(2 * n * sizeof *u), *du = malloc(2 * n * sizeof *du);
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < n; i++) u[p * n + i] = -Astar * (g->x[i] - xs) * (g->x[i] - xs) / (sigma * sigma);
  assert_int_equal(mf_hj_rhs(hj, u, du), MF_OK);
  double worst = 0.0;
  for (int p = 0; p < 2; p++)
    for (int i = 2; i < n - 2; i++) worst = fmax(worst, fabs(du[p * n + i]));
  assert_le(worst, 1e-10, "|du/dtau| at the exact stationary solution, interior cells");

  /* From the Gaussian shape the limit problem converges to it.  (u stays a
   * quadratic, which second-order ENO reproduces exactly: a coarser grid
   * loses nothing here and saves time.) */
  mf_hj_free(hj);
  mf_grid_free(g);
  g = mf_grid_create_uniform(-4.0, 4.0, 400);
  hj = mf_hj_create(&cfg.model, g);
  mf_hj_initial(hj, u);
  mf_hj_solver *s = mf_hj_solver_create(hj, u, 1e-10, 1e-12, 1000000);
  assert_int_equal(mf_hj_solver_advance(s, 40.0), MF_OK);
  const double *uf = mf_hj_solver_state(s);
  double err = 0.0, umax, xbar = mf_hj_argmax(g, uf, &umax);
  for (int i = 0; i < g->n; i++)
    if (fabs(g->x[i]) < 3.0) err = fmax(err, fabs(uf[i] - umax + Astar * (g->x[i] - xs) * (g->x[i] - xs) / 0.25));
  print_message("tau = 40: argmax %.12f, max u %.3e, max |u - max u - u*| on |x| < 3: %.3e\n", xbar, umax, err);
  assert_le(err, 1e-3, "u against -A* (x - x*)^2 / sigma^2");
  assert_abs(xbar, xs, 1e-4, "argmax at the balance voltage");
  assert_abs(umax, 0.0, 1e-8, "max u stays 0");
  mf_hj_solver_free(s);
  free(u), free(du);
  mf_hj_free(hj);
  mf_grid_free(g);
}

static void test_huge_gamma(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  cfg.model.gamma = 1e8;
  mf_grid *g = mf_grid_create_uniform(-4.0, 4.0, 800);
  mf_hj *hj = mf_hj_create(&cfg.model, g);
  double *u = malloc(2 * 800 * sizeof *u), *du = malloc(2 * 800 * sizeof *du), m[2];
  mf_hj_initial(hj, u);
  /* Shift u by an O(1) amount: e^{gamma u} alone would under- or overflow. */
  for (int k = 0; k < 1600; k++) u[k] -= 3.0;
  mf_hj_activities(hj, u, m);
  assert_true(isfinite(m[0]) && isfinite(m[1]) && m[0] > 0.0);
  assert_int_equal(mf_hj_rhs(hj, u, du), MF_OK);
  mf_hj_solver *s = mf_hj_solver_create(hj, u, 1e-8, 1e-10, 1000000);
  assert_int_equal(mf_hj_solver_advance(s, 2.0), MF_OK);
  mf_hj_activities(hj, mf_hj_solver_state(s), m);
  assert_true(isfinite(m[0]) && isfinite(m[1]));
  mf_hj_solver_free(s);
  free(u), free(du);
  mf_hj_free(hj);
  mf_grid_free(g);
}

static void test_flow_and_argmax(void **state)
{
  (void)state;
  /* P = 1, constant S = s/2: dx/dtau = -g (x - v) s/2, so x = v + (x0 - v) e^{-g s tau / 2}. */
  mf_model m = test_model_nonlinear(1, 10.0);
  m.pop[0].k = 0.0;
  const double x0 = 0.5, v = m.pop[0].reversal, rate = m.pop[0].g[0] * 0.5 * m.pop[0].s;
  mf_flow *flow = mf_flow_create(&m, &x0, 1e-11, 1e-13);
  for (double tau = 0.5; tau <= 4.0; tau += 0.5) {
    double x;
    assert_int_equal(mf_flow_advance(flow, tau, &x), MF_OK);
    assert_abs(x, v + (x0 - v) * exp(-rate * tau), 1e-8, "flow at tau = %g", tau);
  }
  mf_flow_free(flow);

  mf_grid *g = mf_grid_create_uniform(-1.0, 1.0, 37);
  double u[37], umax;
  for (int i = 0; i < 37; i++) u[i] = 0.25 - 3.0 * (g->x[i] - 0.1234) * (g->x[i] - 0.1234);
  assert_rel(mf_hj_argmax(g, u, &umax), 0.1234, 1e-12, "argmax of a parabola");
  assert_rel(umax, 0.25, 1e-12, "its maximum");
  mf_grid_free(g);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_fv), cmocka_unit_test(test_exact_stationary), cmocka_unit_test(test_huge_gamma),
      cmocka_unit_test(test_flow_and_argmax),
  };
  return cmocka_run_group_tests_name("hj", tests, NULL, NULL);
}
