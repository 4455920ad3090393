/* test_solver.c -- the integrated solver against exact answers:
 *  - the Gaussian solution of the linear case (MODEL.md section 5);
 *  - mass and positivity over the whole default run;
 *  - the long-time state of a nonlinear two-population model against the
 *    semi-explicit stationary solution (MODEL.md section 2), whose
 *    self-consistency is solved here by Newton's method on a quadrature
 *    independent of the finite-volume grid;
 *  - woodbury, band and dense give the same solution;
 *  - a failing integration reports the time and CVODE's reason. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/fv.h"
#include "mfbalance/integrator.h"
#include "mfbalance/observables.h"

#include <lapacke.h>
#include <stdlib.h>

static const mf_integrator_opts tight = {.rtol = 1e-9, .atol = 1e-12, .linsol = MF_LINSOL_WOODBURY,
                                         .max_steps = 100000};

/* ---- the exact Gaussian solution ------------------------------------------------ */

typedef struct {
  const mf_model *model;
  double l1[2]; /* L1 errors at t = 0.5 and t = 5 */
} gauss_ctx;

static void gauss_check(const mf_fv *fv, double t, const double *rho, void *ctxp)
{
  gauss_ctx *c = ctxp;
  const mf_grid *grid = mf_fv_grid(fv);
  double worst = 0.0;
  for (int p = 0; p < 2; p++) {
    double mean, var;
    test_gaussian_exact(c->model, p, t, &mean, &var);
    const double s = sqrt(2.0 * var);
    double l1 = 0.0;
    for (int i = 0; i < grid->n; i++) {
      /* Exact cell average against the computed one. */
      double avg = 0.5 * (erf((grid->faces[i + 1] - mean) / s) - erf((grid->faces[i] - mean) / s)) / grid->w[i];
      l1 += grid->w[i] * fabs(rho[p * grid->n + i] - avg);
    }
    worst = fmax(worst, l1);
  }
  c->l1[t < 1.0 ? 0 : 1] = worst;
}

static void test_gaussian_solution(void **state)
{
  (void)state;
  mf_model model = test_model_linear();
  const double times[] = {0.5, 5.0};
  const int cells[] = {100, 200, 400, 800};
  double err[4][2];
  for (int k = 0; k < 4; k++) {
    mf_grid *grid = mf_grid_create_uniform(-4.0, 4.0, cells[k]);
    gauss_ctx ctx = {.model = &model};
    free(test_integrate(&model, grid, &tight, times, 2, gauss_check, &ctx, NULL));
    err[k][0] = ctx.l1[0], err[k][1] = ctx.l1[1];
    mf_grid_free(grid);
  }
  for (int j = 0; j < 2; j++) {
    print_message("Gaussian L1 error at t = %g:", times[j]);
    for (int k = 0; k < 4; k++) {
      if (k == 0) print_message("  %4d cells %.3e\n", cells[k], err[k][j]);
      else print_message("  %4d cells %.3e  order %.3f\n", cells[k], err[k][j], log2(err[k - 1][j] / err[k][j]));
    }
    assert_le(err[2][j], 1e-3, "L1 error at t = %g on 400 cells", times[j]);
    for (int k = 1; k < 4; k++) {
      assert_le(err[k][j], err[k - 1][j], "L1 error at t = %g decreases from %d to %d cells", times[j],
                cells[k - 1], cells[k]);
      /* Second order in space: each halving of h gains at least a factor 3.5. */
      assert_le(err[k][j] * 3.5, err[k - 1][j], "order of the L1 error at t = %g, %d -> %d cells", times[j],
                cells[k - 1], cells[k]);
    }
  }
}

/* ---- the default run conserves mass and stays non-negative -------------------- */

static void mass_check(const mf_fv *fv, double t, const double *rho, void *ctxp)
{
  double *worst = ctxp;
  const mf_grid *grid = mf_fv_grid(fv);
  for (int p = 0; p < mf_fv_model(fv)->P; p++) {
    double mass = 0.0;
    for (int i = 0; i < grid->n; i++) {
      double r = rho[p * grid->n + i];
      if (!(r >= 0.0)) fail_msg("t = %g pop %d cell %d: density %.3g < 0", t, p, i, r);
      mass += grid->w[i] * r;
    }
    worst[0] = fmax(worst[0], fabs(mass - 1.0));
  }
}

static void test_default_mass_positivity(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  mf_grid *grid = mf_config_grid(&cfg);
  double worst = 0.0, times[101];
  for (int k = 0; k <= 100; k++) times[k] = 0.05 * (k + 1) * cfg.t_end / 5.05;
  free(test_integrate(&cfg.model, grid, &cfg.integ, times, 101, mass_check, &worst, NULL));
  print_message("default run: max |mass - 1| over 101 outputs = %.3g\n", worst);
  assert_le(worst, 1e-12, "mass drift over the default run");
  mf_grid_free(grid);
}

/* ---- the semi-explicit stationary solution -------------------------------------- */

/* Gibbs density of population p for activities m on [a, b]: moments by
 * composite Simpson on K intervals.  Returns (into mom) mass-normalised
 * int S_p rho, mean and sd. */
static void gibbs_moments(const mf_model *model, int p, const double *m, double a, double b, double mom[3])
{
  const int K = 40000;
  const mf_population *pop = &model->pop[p];
  const double D = 0.5 * pop->sigma * pop->sigma, h = (b - a) / K;
  double A = 0.0, C = 0.0;
  for (int q = 0; q < model->P; q++) A += pop->g[q] * m[q], C += pop->g[q] * model->pop[q].reversal * m[q];
  double top = -INFINITY;
  for (int k = 0; k <= K; k++) {
    double x = a + k * h;
    top = fmax(top, (mf_model_F(pop, x) - model->gamma * (0.5 * A * x * x - C * x)) / D);
  }
  double s0 = 0.0, sS = 0.0, s1 = 0.0, s2 = 0.0;
  for (int k = 0; k <= K; k++) {
    double x = a + k * h, wgt = (k == 0 || k == K) ? 1.0 : (k % 2 ? 4.0 : 2.0);
    double r = exp((mf_model_F(pop, x) - model->gamma * (0.5 * A * x * x - C * x)) / D - top) * wgt;
    s0 += r, sS += r * mf_model_S(pop, x), s1 += r * x, s2 += r * x * x;
  }
  mom[0] = sS / s0;
  mom[1] = s1 / s0;
  mom[2] = sqrt(fmax(s2 / s0 - mom[1] * mom[1], 0.0));
}

/* Solve m_q = int S_q rho_q[m] by Newton's method with a difference Jacobian. */
static void self_consistent(const mf_model *model, double a, double b, double *m)
{
  const int P = model->P;
  for (int it = 0; it < 50; it++) {
    double G[MF_MAX_POPS], J[MF_MAX_POPS * MF_MAX_POPS], mom[3];
    for (int q = 0; q < P; q++) gibbs_moments(model, q, m, a, b, mom), G[q] = mom[0] - m[q];
    for (int r = 0; r < P; r++) {
      double mp[MF_MAX_POPS];
      memcpy(mp, m, (size_t)P * sizeof *mp);
      double h = 1e-7 * fmax(1.0, m[r]);
      mp[r] += h;
      for (int q = 0; q < P; q++) gibbs_moments(model, q, mp, a, b, mom), J[q + r * P] = (mom[0] - mp[q] - G[q]) / h;
    }
    lapack_int ipiv[MF_MAX_POPS];
    assert_int_equal(LAPACKE_dgesv(LAPACK_COL_MAJOR, P, 1, J, P, ipiv, G, P), 0);
    double step = 0.0;
    for (int q = 0; q < P; q++) m[q] -= G[q], step = fmax(step, fabs(G[q]));
    if (step < 1e-14) return;
  }
  fail_msg("self-consistency Newton did not converge");
}

static void stationary_case(double gamma, double t_end)
{
  mf_model model = test_model_nonlinear(2, gamma);
  mf_grid *grid = mf_grid_create_uniform(-4.0, 4.0, 2000);
  const double times[] = {t_end};
  double *rho = test_integrate(&model, grid, &tight, times, 1, NULL, NULL, NULL);
  mf_fv *fv = mf_fv_create(&model, grid);
  mf_pop_observables obs[2];
  mf_observables_compute(fv, rho, obs);

  double m[2] = {obs[0].m, obs[1].m};
  self_consistent(&model, -4.0, 4.0, m);
  for (int p = 0; p < 2; p++) {
    double mom[3];
    gibbs_moments(&model, p, m, -4.0, 4.0, mom);
    print_message("gamma = %g pop %d: mean %.12f (reference %.12f), sd %.12f (reference %.12f)\n", gamma, p,
                  obs[p].mean, mom[1], obs[p].sd, mom[2]);
    assert_rel(obs[p].mean, mom[1], 1e-4, "gamma = %g pop %d: stationary mean", gamma, p);
    assert_rel(obs[p].sd, mom[2], 1e-4, "gamma = %g pop %d: stationary sd", gamma, p);
    assert_rel(obs[p].m, m[p], 1e-4, "gamma = %g pop %d: activity", gamma, p);
  }
  mf_fv_free(fv);
  mf_grid_free(grid);
  free(rho);
}

static void test_stationary_gamma10(void **state) { (void)state; stationary_case(10.0, 30.0); }
static void test_stationary_gamma100(void **state) { (void)state; stationary_case(100.0, 10.0); }

/* ---- the three linear solvers agree ------------------------------------------------ */

static void test_linear_solvers_agree(void **state)
{
  (void)state;
  char *ov[] = {"grid.cells=300", "time.rtol=1e-9", "time.atol=1e-12"};
  mf_config cfg = test_config(3, ov);
  mf_grid *grid = mf_config_grid(&cfg);
  const double times[] = {0.1, 1.0};
  double *ref = NULL;
  mf_integrator_stats st[3];
  for (int k = 0; k < 3; k++) {
    cfg.integ.linsol = (mf_linsol)k;
    double *rho = test_integrate(&cfg.model, grid, &cfg.integ, times, 2, NULL, NULL, &st[k]);
    print_message("%-8s steps %ld newton %ld setups %ld\n", mf_linsol_name(cfg.integ.linsol), st[k].steps,
                  st[k].newton_iters, st[k].lin_setups);
    if (!ref) {
      ref = rho;
      continue;
    }
    double peak = 0.0;
    for (int i = 0; i < 600; i++) peak = fmax(peak, ref[i]);
    for (int i = 0; i < 600; i++)
      assert_abs(rho[i], ref[i], 1e-6 * peak, "%s against woodbury, cell %d", mf_linsol_name((mf_linsol)k), i);
    free(rho);
  }
  /* The exact Newton matrix needs no more iterations than the band one. */
  assert_true(st[0].newton_iters <= st[1].newton_iters);
  free(ref);
  mf_grid_free(grid);
}

/* ---- failure is reported with the time ---------------------------------------------- */

static void test_failure_reports_time(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  cfg.integ.max_steps = 5;
  mf_grid *grid = mf_config_grid(&cfg);
  mf_fv *fv = mf_fv_create(&cfg.model, grid);
  double *rho = malloc(mf_fv_size(fv) * sizeof *rho);
  mf_fv_initial(fv, rho);
  mf_integrator *integ = mf_integrator_create(fv, rho, 0.0, &cfg.integ);
  assert_int_equal(mf_integrator_advance(integ, 1.0), MF_ENUMERIC);
  assert_non_null(strstr(mf_errmsg(), "failed at t = "));
  assert_non_null(strstr(mf_errmsg(), "CV_TOO_MUCH_WORK"));
  assert_true(mf_integrator_time(integ) > 0.0 && mf_integrator_time(integ) < 1.0);
  mf_integrator_free(integ);
  mf_fv_free(fv);
  mf_grid_free(grid);
  free(rho);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gaussian_solution),      cmocka_unit_test(test_default_mass_positivity),
      cmocka_unit_test(test_stationary_gamma10),  cmocka_unit_test(test_stationary_gamma100),
      cmocka_unit_test(test_linear_solvers_agree), cmocka_unit_test(test_failure_reports_time),
  };
  return cmocka_run_group_tests_name("solver", tests, NULL, NULL);
}
