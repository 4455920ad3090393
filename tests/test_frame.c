/* test_frame.c -- the moving frames (frame.h) against exact answers:
 *  - the Gaussian solution of the linear case (MODEL.md section 5): mean,
 *    s.d. and L1 error of the density, and the observed order;
 *  - well-balancing: a frame placed on the stationary Gibbs density of the
 *    linear case has a right-hand side of round-off size;
 *  - the long-time state of a nonlinear two-population model against the
 *    semi-explicit stationary solution;
 *  - mass and positivity over the default run;
 *  - agreement with the fixed grid during a transient;
 *  - the preconditioner: GMRES needs about one iteration per Newton step. */
#include "numtest.h"
#include "models.h"
#include "stationary.h"

#include "mfbalance/frame.h"
#include "mfbalance/solver.h"

#include <stdlib.h>

static const mf_integrator_opts tight = {.rtol = 1e-10, .atol = 1e-13, .linsol = MF_LINSOL_GMRES,
                                         .max_steps = 100000};

static mf_solver *moving_solver(const mf_model *model, int cells, double halfwidth, const mf_integrator_opts *opts)
{
  const mf_discretisation disc = {.method = MF_GRID_MOVING, .cells = cells, .halfwidth = halfwidth};
  mf_solver *s = mf_solver_create(model, &disc, opts);
  if (!s) fail_msg("%s", mf_errmsg());
  return s;
}

/* L1 distance between population p's density and the exact Gaussian's cell averages. */
static double gaussian_l1(const mf_solver *s, int p, double mean, double var)
{
  const mf_grid *g = mf_solver_grid(s, p);
  const double *rho = mf_solver_density(s, p), sq = sqrt(2.0 * var);
  double l1 = 0.0;
  for (int i = 0; i < g->n; i++) {
    const double avg = 0.5 * (erf((g->faces[i + 1] - mean) / sq) - erf((g->faces[i] - mean) / sq)) / g->w[i];
    l1 += g->w[i] * fabs(rho[i] - avg);
  }
  /* The exact density's mass beyond the frame. */
  return l1 + 1.0 - 0.5 * (erf((g->faces[g->n] - mean) / sq) - erf((g->faces[0] - mean) / sq));
}

static void test_gaussian_solution(void **state)
{
  (void)state;
  mf_model model = test_model_linear();
  const double times[] = {0.5, 5.0};
  const int cells[] = {25, 50, 100, 200};
  double l1[4][2], dmean[4][2], dsd[4][2];
  for (int k = 0; k < 4; k++) {
    mf_solver *s = moving_solver(&model, cells[k], 8.0, &tight);
    for (int j = 0; j < 2; j++) {
      assert_int_equal(mf_solver_advance(s, times[j]), MF_OK);
      mf_pop_observables obs[2];
      mf_solver_observables(s, obs);
      l1[k][j] = dmean[k][j] = dsd[k][j] = 0.0;
      for (int p = 0; p < 2; p++) {
        double mean, var;
        test_gaussian_exact(&model, p, times[j], &mean, &var);
        l1[k][j] = fmax(l1[k][j], gaussian_l1(s, p, mean, var));
        dmean[k][j] = fmax(dmean[k][j], fabs(obs[p].mean - mean));
        dsd[k][j] = fmax(dsd[k][j], fabs(obs[p].sd - sqrt(var)));
      }
    }
    mf_solver_free(s);
  }
  for (int j = 0; j < 2; j++) {
    print_message("moving frames, Gaussian solution at t = %g:\n", times[j]);
    for (int k = 0; k < 4; k++)
      print_message("  %4d cells  L1 %.3e%s  |mean err| %.2e  |sd err| %.2e\n", cells[k], l1[k][j],
                    k ? "" : "        ", dmean[k][j], dsd[k][j]);
    for (int k = 1; k < 4; k++) {
      print_message("    order %d -> %d cells: %.3f\n", cells[k - 1], cells[k], log2(l1[k - 1][j] / l1[k][j]));
      /* Second order: each halving of h gains at least a factor 3.5. */
      assert_le(l1[k][j] * 3.5, l1[k - 1][j], "order of the L1 error at t = %g, %d -> %d cells", times[j],
                cells[k - 1], cells[k]);
    }
    assert_le(l1[2][j], 2e-3, "L1 error at t = %g on 100 cells", times[j]);
    /* The frame carries mean and s.d.: their errors are far below the density's. */
    assert_le(dmean[2][j], 1e-6, "mean error at t = %g on 100 cells", times[j]);
    assert_le(dsd[2][j], 1e-4, "s.d. error at t = %g on 100 cells", times[j]);
  }
}

/* The linear case with electrical coupling: the means obey the linear system
 * dM_p/dt = f0_p - kappa_p M_p + gamma (sum_q g_el_pq M_q + sum_q g_pq v_q m_q),
 * kappa_p = lambda_p + gamma A_p (A_p with G_p), integrated here by RK4 with
 * tiny steps; the variances decouple as without it.  Both discretisations
 * against it. */
static void electrical_reference(const mf_model *model, double t, double *mean, double *sd)
{
  const int P = model->P, steps = 20000;
  double kappa[MF_MAX_POPS], force[MF_MAX_POPS], M[MF_MAX_POPS];
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    double A = 0.0, c = 0.0;
    for (int q = 0; q < P; q++) {
      const double m = 0.5 * model->pop[q].s;
      A += pop->g_el[q] + pop->g[q] * m;
      c += pop->g[q] * model->pop[q].reversal * m;
    }
    kappa[p] = -pop->f[1] + model->gamma * A;
    force[p] = pop->f[0] + model->gamma * c;
    M[p] = pop->init_a;
    const double vinf = pop->sigma * pop->sigma / (2.0 * kappa[p]);
    sd[p] = sqrt(vinf + (pop->init_b * pop->init_b - vinf) * exp(-2.0 * kappa[p] * t));
  }
  const double h = t / steps;
  for (int k = 0; k < steps; k++) {
    double stage[4][MF_MAX_POPS], y[MF_MAX_POPS];
    for (int s = 0; s < 4; s++) {
      for (int p = 0; p < P; p++) y[p] = M[p] + (s == 0 ? 0.0 : (s == 3 ? h : 0.5 * h) * stage[s - 1][p]);
      for (int p = 0; p < P; p++) {
        double e = 0.0;
        for (int q = 0; q < P; q++) e += model->pop[p].g_el[q] * y[q];
        stage[s][p] = force[p] - kappa[p] * y[p] + model->gamma * e;
      }
    }
    for (int p = 0; p < P; p++) M[p] += h / 6.0 * (stage[0][p] + 2.0 * stage[1][p] + 2.0 * stage[2][p] + stage[3][p]);
  }
  for (int p = 0; p < P; p++) mean[p] = M[p];
}

static void test_electrical_linear(void **state)
{
  (void)state;
  mf_model model = test_model_linear();
  model.pop[0].g_el[1] = 1.5, model.pop[1].g_el[0] = 0.8;
  mf_grid *grid = mf_grid_create_uniform(-4.0, 4.0, 2000);
  mf_integrator_opts direct = tight;
  direct.linsol = MF_LINSOL_WOODBURY;
  const mf_discretisation fixed = {.method = MF_GRID_FIXED, .grid = grid};
  mf_solver *sol[2] = {moving_solver(&model, 200, 8.0, &tight), mf_solver_create(&model, &fixed, &direct)};
  assert_non_null(sol[1]);
  const double times[] = {0.1, 0.5, 5.0}, tol[2] = {1e-8, 2e-5};
  for (int j = 0; j < 3; j++) {
    double mean[2], sd[2];
    electrical_reference(&model, times[j], mean, sd);
    for (int k = 0; k < 2; k++) {
      assert_int_equal(mf_solver_advance(sol[k], times[j]), MF_OK);
      mf_pop_observables obs[2];
      mf_solver_observables(sol[k], obs);
      for (int p = 0; p < 2; p++) {
        print_message("electrical, %s, t = %g pop %d: mean %.12f (exact %.12f), sd %.12f (exact %.12f)\n",
                      k ? "fixed 2000" : "moving 200", times[j], p, obs[p].mean, mean[p], obs[p].sd, sd[p]);
        assert_abs(obs[p].mean, mean[p], tol[k], "%s t = %g pop %d: mean", k ? "fixed" : "moving", times[j], p);
        assert_abs(obs[p].sd, sd[p], tol[k], "%s t = %g pop %d: sd", k ? "fixed" : "moving", times[j], p);
      }
    }
  }
  mf_solver_free(sol[0]);
  mf_solver_free(sol[1]);
  mf_grid_free(grid);
}

static void test_well_balanced(void **state)
{
  (void)state;
  mf_model model = test_model_linear();
  const int n = 100;
  mf_frame *fr = mf_frame_create(&model, n, 8.0);
  assert_non_null(fr);
  const int N = mf_frame_size(fr);
  double *y = malloc(N * sizeof *y), *dy = malloc(N * sizeof *dy);
  const mf_grid *ref = mf_frame_reference(fr);
  for (int p = 0; p < 2; p++) {
    /* The stationary Gaussian N(M, v) as point values at the centres a + b xi_i. */
    double mean, var;
    test_gaussian_exact(&model, p, 1e3, &mean, &var);
    double mass = 0.0;
    for (int i = 0; i < n; i++) {
      y[p * n + i] = exp(-0.5 * ref->x[i] * ref->x[i]);
      mass += ref->w[i] * y[p * n + i];
    }
    for (int i = 0; i < n; i++) y[p * n + i] /= mass;
    y[2 * n + p] = mean;
    y[2 * n + 2 + p] = sqrt(var);
  }
  assert_int_equal(mf_frame_rhs(fr, y, dy), MF_OK);
  double worst = 0.0;
  for (int k = 0; k < N; k++) worst = fmax(worst, fabs(dy[k]));
  print_message("frame on the stationary Gaussian: max |F(y)| = %.3g\n", worst);
  /* The densities are O(0.4) and the rates O(kappa) ~ 3: this is round-off. */
  assert_le(worst, 1e-12, "right-hand side at the stationary state");
  mf_frame_free(fr);
  free(y), free(dy);
}

static void stationary_case(double gamma, double t_end)
{
  mf_model model = test_model_nonlinear(2, gamma);
  mf_solver *s = moving_solver(&model, 200, 10.0, &tight);
  assert_int_equal(mf_solver_advance(s, t_end), MF_OK);
  mf_pop_observables obs[2];
  mf_solver_observables(s, obs);
  assert_stationary(&model, obs, 1e-9, "moving frames");
  mf_solver_free(s);
}

static void test_stationary_gamma10(void **state) { (void)state; stationary_case(10.0, 30.0); }
static void test_stationary_gamma100(void **state) { (void)state; stationary_case(100.0, 10.0); }

static void test_default_mass_positivity(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  const mf_discretisation disc = mf_config_discretisation(&cfg, NULL);
  assert_int_equal(disc.method, MF_GRID_MOVING);
  mf_solver *s = mf_solver_create(&cfg.model, &disc, &cfg.integ);
  assert_non_null(s);
  double worst = 0.0;
  for (int k = 1; k <= 100; k++) {
    assert_int_equal(mf_solver_advance(s, 0.05 * k), MF_OK);
    for (int p = 0; p < cfg.model.P; p++) {
      const mf_grid *g = mf_solver_grid(s, p);
      const double *rho = mf_solver_density(s, p);
      double mass = 0.0;
      for (int i = 0; i < g->n; i++) {
        if (!(rho[i] >= 0.0)) fail_msg("t = %g pop %d cell %d: density %.3g < 0", 0.05 * k, p, i, rho[i]);
        mass += g->w[i] * rho[i];
      }
      worst = fmax(worst, fabs(mass - 1.0));
    }
  }
  mf_integrator_stats st;
  mf_solver_get_stats(s, &st);
  print_message("default run on moving frames: max |mass - 1| = %.3g; %ld Newton iterations, %ld GMRES iterations\n",
                worst, st.newton_iters, st.lin_iters);
  assert_le(worst, 1e-12, "mass drift over the default run");
  /* The preconditioner leaves a perturbation of rank ~3P: GMRES needs about one
   * iteration per Newton step; more would mean the preconditioner is wrong. */
  assert_le((double)st.lin_iters, 2.5 * (double)st.newton_iters, "GMRES iterations per Newton iteration");
  mf_solver_free(s);
}

/* A transient on both discretisations, where the fixed grid resolves it
 * (gamma = 10): as the fixed grid is refined from 4000 to 8000 cells its
 * mean and s.d. approach the moving frames' (400 cells) at second order,
 * down to the moving run's own error (7.4e-7 in the s.d. at t = 0.02,
 * against 1600 moving and 16000 fixed cells, which agree to 3e-7). */
static void test_agrees_with_fixed_grid(void **state)
{
  (void)state;
  mf_model model = test_model_nonlinear(2, 10.0);
  const double times[] = {0.02, 0.1, 0.5};
  mf_pop_observables moving[3][2], fixed[2][3][2];
  mf_solver *a = moving_solver(&model, 400, 10.0, &tight);
  for (int j = 0; j < 3; j++) {
    assert_int_equal(mf_solver_advance(a, times[j]), MF_OK);
    mf_solver_observables(a, moving[j]);
  }
  mf_solver_free(a);
  mf_integrator_opts direct = tight;
  direct.linsol = MF_LINSOL_WOODBURY;
  for (int k = 0; k < 2; k++) {
    mf_grid *grid = mf_grid_create_uniform(-4.0, 4.0, 4000 << k);
    const mf_discretisation disc = {.method = MF_GRID_FIXED, .grid = grid};
    mf_solver *b = mf_solver_create(&model, &disc, &direct);
    assert_non_null(b);
    for (int j = 0; j < 3; j++) {
      assert_int_equal(mf_solver_advance(b, times[j]), MF_OK);
      mf_solver_observables(b, fixed[k][j]);
    }
    mf_solver_free(b);
    mf_grid_free(grid);
  }
  for (int j = 0; j < 3; j++)
    for (int p = 0; p < 2; p++) {
      const double dm[2] = {fabs(moving[j][p].mean - fixed[0][j][p].mean), fabs(moving[j][p].mean - fixed[1][j][p].mean)};
      const double ds[2] = {fabs(moving[j][p].sd - fixed[0][j][p].sd), fabs(moving[j][p].sd - fixed[1][j][p].sd)};
      print_message("t = %g pop %d: |moving - fixed| mean %.2e, %.2e; sd %.2e, %.2e (4000, 8000 fixed cells)\n",
                    times[j], p, dm[0], dm[1], ds[0], ds[1]);
      assert_le(dm[1], dm[0] / 3.0 + 1e-6, "t = %g pop %d: the fixed grid's mean approaches the moving one", times[j], p);
      assert_le(ds[1], ds[0] / 3.0 + 1e-6, "t = %g pop %d: the fixed grid's sd approaches the moving one", times[j], p);
      assert_le(fmax(dm[1], ds[1]), 1e-5, "t = %g pop %d: the two discretisations agree", times[j], p);
    }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gaussian_solution),   cmocka_unit_test(test_electrical_linear),
      cmocka_unit_test(test_well_balanced),
      cmocka_unit_test(test_stationary_gamma10),  cmocka_unit_test(test_stationary_gamma100),
      cmocka_unit_test(test_default_mass_positivity), cmocka_unit_test(test_agrees_with_fixed_grid),
  };
  return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
