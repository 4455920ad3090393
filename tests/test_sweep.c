/* test_sweep.c -- the pieces of the gamma sweep: the power-law fit on
 * synthetic data, the refined grid's cell sizes, and the collapse time
 * checked by an independent integration to that time. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/fv.h"
#include "mfbalance/grid.h"
#include "mfbalance/integrator.h"
#include "mfbalance/observables.h"
#include "mfbalance/sweep.h"

#include <stdlib.h>

static void test_fit_exact(void **state)
{
  (void)state;
  double g[5] = {100, 300, 1000, 3000, 10000}, y[5];
  for (int k = 0; k < 5; k++) y[k] = 3.5 * pow(g[k], -0.7);
  mf_power_fit fit;
  assert_int_equal(mf_power_fit_compute(g, y, 5, &fit), MF_OK);
  assert_rel(fit.slope, -0.7, 1e-12, "slope");
  assert_rel(fit.constant, 3.5, 1e-11, "constant");
  assert_int_equal(fit.n, 5);
}

static void test_fit_noisy(void **state)
{
  (void)state;
  /* Multiplicative noise exp(+-0.05), alternating, on y = 2 x^-1: the
   * least-squares slope of log y on log x is known in closed form. */
  double x[6], y[6], lx[6], ly[6];
  for (int k = 0; k < 6; k++) {
    x[k] = pow(10.0, 1.0 + 0.5 * k);
    y[k] = 2.0 / x[k] * exp(k % 2 ? 0.05 : -0.05);
    lx[k] = log(x[k]), ly[k] = log(y[k]);
  }
  double mx = 0, my = 0, sxy = 0, sxx = 0;
  for (int k = 0; k < 6; k++) mx += lx[k] / 6, my += ly[k] / 6;
  for (int k = 0; k < 6; k++) sxy += (lx[k] - mx) * (ly[k] - my), sxx += (lx[k] - mx) * (lx[k] - mx);
  mf_power_fit fit;
  assert_int_equal(mf_power_fit_compute(x, y, 6, &fit), MF_OK);
  assert_rel(fit.slope, sxy / sxx, 1e-12, "slope against the normal equations");
  assert_rel(log(fit.constant), my - sxy / sxx * mx, 1e-12, "log constant");
}

static void test_fit_degenerate(void **state)
{
  (void)state;
  double x[3] = {10, 100, 1000}, y[3] = {0.0, -1.0, 5.0};
  mf_power_fit fit;
  assert_int_equal(mf_power_fit_compute(x, y, 3, &fit), MF_EINPUT); /* one positive point */
  double xs[3] = {10, 10, 10}, ys[3] = {1, 2, 3};
  assert_int_not_equal(mf_power_fit_compute(xs, ys, 3, &fit), MF_OK); /* no spread in x */
  double xn[3] = {10, 100, NAN}, yn[3] = {1, 0.1, 0.01};
  assert_int_equal(mf_power_fit_compute(xn, yn, 3, &fit), MF_OK);
  assert_int_equal(fit.n, 2);
  assert_rel(fit.slope, -1.0, 1e-12, "slope without the NaN point");
}

static void test_refined_grid(void **state)
{
  (void)state;
  mf_grid_zone zones[2] = {{.centre = -0.4, .halfwidth = 0.1, .h = 2e-4}, {.centre = 1.0, .halfwidth = 0.0, .h = 1e-3}};
  mf_grid *g = mf_grid_create_refined(-4, 4, 0.004, zones, 2);
  assert_non_null(g);
  assert_rel(g->faces[0], -4.0, 0.0, "first face");
  assert_rel(g->faces[g->n], 4.0, 0.0, "last face");
  /* The final stretch scales every cell by (xmax - xmin) / marched length <= 1. */
  for (int i = 0; i < g->n; i++) {
    double x = g->x[i];
    assert_le(g->w[i], 0.004 * (1 + 1e-12), "cell %d: coarse bound", i);
    /* Zone edges may move by up to one coarse cell (the final scaling). */
    if (fabs(x + 0.4) < 0.1 - 0.004) assert_le(g->w[i], 2e-4 * (1 + 1e-12), "cell %d at x = %g: inside the zone", i, x);
    if (i > 0) assert_le(g->w[i] / g->w[i - 1], 1.05 * (1 + 1e-9), "cell %d: growth", i);
    if (i > 0) assert_le(g->w[i - 1] / g->w[i], 1.0 / 0.95 * (1 + 1e-9), "cell %d: shrink", i);
  }
  print_message("refined grid: %d cells\n", g->n);
  mf_grid_free(g);
  assert_null(mf_grid_create_refined(-4, 4, 0.0, zones, 2));
}

/* The collapse time found by root finding is where |mean - x*| = radius,
 * checked by integrating to that time independently. */
static void test_collapse_time(void **state)
{
  (void)state;
  char *ov[] = {"grid.cells=800", "sweep.refine=off"};
  mf_config cfg = test_config(2, ov);
  mf_sweep_row row;
  assert_int_equal(mf_sweep_one(&cfg, 100.0, &row), MF_OK);
  assert_true(row.stationary);
  assert_rel(row.xstar[0], -0.4, 1e-15, "x*");
  assert_true(isfinite(row.collapse_time) && row.collapse_time > 0.0);

  cfg.model.gamma = 100.0;
  cfg.integ.rtol = 1e-9, cfg.integ.atol = 1e-12;
  mf_grid *grid = mf_config_grid(&cfg);
  double *rho = test_integrate(&cfg.model, grid, &cfg.integ, &row.collapse_time, 1, NULL, NULL, NULL);
  mf_fv *fv = mf_fv_create(&cfg.model, grid);
  mf_pop_observables obs[2];
  mf_observables_compute(fv, rho, obs);
  double d = fmax(fabs(obs[0].mean + 0.4), fabs(obs[1].mean + 0.4));
  print_message("collapse time %.9g: max |mean - x*| there = %.9g\n", row.collapse_time, d);
  assert_abs(d, 0.05, 1e-5, "distance at the collapse time");
  mf_fv_free(fv);
  mf_grid_free(grid);
  free(rho);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fit_exact),    cmocka_unit_test(test_fit_noisy),    cmocka_unit_test(test_fit_degenerate),
      cmocka_unit_test(test_refined_grid), cmocka_unit_test(test_collapse_time),
  };
  return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
