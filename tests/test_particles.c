/* test_particles.c -- the particle simulator against exact answers:
 *  - the linear case (MODEL.md section 5): mean and variance of each
 *    population at t = 0.5 and 5 within 4 standard errors of the closed form;
 *  - the same seed gives bit-identical voltages with 1 and 2 threads;
 *  - gamma A dt = 100: the exponential scheme keeps the stationary s.d. of
 *    the linear case within 2% of sigma / sqrt(2 gamma A), where
 *    Euler-Maruyama diverges (and says so);
 *  - the empirical observables of a known sample. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/observables.h"
#include "mfbalance/particles.h"

#include <stdlib.h>

static void sample_moments(const double *x, long n, double *mean, double *var)
{
  double s = 0.0, d = 0.0;
  for (long i = 0; i < n; i++) s += x[i];
  *mean = s / n;
  for (long i = 0; i < n; i++) d += (x[i] - *mean) * (x[i] - *mean);
  *var = d / (n - 1);
}

static void test_linear_exact(void **state)
{
  (void)state;
  mf_model model = test_model_linear();
  mf_particle_opts opts = {.n = 100000, .dt = 0.01, .seed = 2024, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&model, &opts);
  assert_non_null(ps);
  const double times[] = {0.5, 5.0};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(mf_particles_advance(ps, times[k]), MF_OK);
    for (int p = 0; p < 2; p++) {
      const long n = mf_particles_count(ps, p);
      double mean, var, emean, evar;
      sample_moments(mf_particles_voltages(ps, p), n, &mean, &var);
      test_gaussian_exact(&model, p, times[k], &emean, &evar);
      const double se_mean = sqrt(evar / n), se_var = evar * sqrt(2.0 / (n - 1));
      print_message("t = %g pop %d: mean %.6f (exact %.6f, %+.2f SE), variance %.6f (exact %.6f, %+.2f SE)\n",
                    times[k], p, mean, emean, (mean - emean) / se_mean, var, evar, (var - evar) / se_var);
      assert_abs(mean, emean, 4.0 * se_mean, "t = %g pop %d: mean within 4 standard errors", times[k], p);
      assert_abs(var, evar, 4.0 * se_var, "t = %g pop %d: variance within 4 standard errors", times[k], p);
    }
  }
  assert_rel(mf_particles_time(ps), 5.0, 1e-12, "time reached");
  assert_int_equal(mf_particles_steps(ps), 500);
  mf_particles_free(ps);
}

static void test_threads_identical(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  double *first = NULL;
  long n0 = 0;
  for (int threads = 1; threads <= 2; threads++) {
    mf_particle_opts opts = {.n = 100007, .dt = 0.001, .seed = 99, .scheme = MF_PARTICLES_EXPONENTIAL,
                             .threads = threads};
    mf_particles *ps = mf_particles_create(&cfg.model, &opts);
    assert_int_equal(mf_particles_advance(ps, 0.05), MF_OK);
    const long n = mf_particles_count(ps, 0) + mf_particles_count(ps, 1);
    if (!first) {
      n0 = n;
      first = malloc(n * sizeof *first);
      memcpy(first, mf_particles_voltages(ps, 0), n * sizeof *first);
    } else {
      assert_int_equal(n, n0);
      assert_memory_equal(first, mf_particles_voltages(ps, 0), n * sizeof *first);
    }
    mf_particles_free(ps);
  }
  /* A different seed gives different voltages. */
  mf_particle_opts opts = {.n = 100007, .dt = 0.001, .seed = 100, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&cfg.model, &opts);
  assert_int_equal(mf_particles_advance(ps, 0.05), MF_OK);
  assert_true(memcmp(first, mf_particles_voltages(ps, 0), n0 * sizeof *first) != 0);
  mf_particles_free(ps);
  free(first);
}

/* One population, f = 0, constant S = 1/2, gamma = 2e4: kappa = gamma A = 1e4, dt = 0.01. */
static mf_model stiff_model(void)
{
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 1;
  m.gamma = 2e4;
  m.pop[0] = test_pop("E", 0.5, 0.3, 1.0, 0.0, 0.0, 0.0, 0.5);
  m.pop[0].g[0] = 1.0;
  return m;
}

static void test_stiff(void **state)
{
  (void)state;
  mf_model m = stiff_model();
  mf_particle_opts opts = {.n = 100000, .dt = 0.01, .seed = 7, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&m, &opts);
  assert_int_equal(mf_particles_advance(ps, 1.0), MF_OK);
  double mean, var;
  sample_moments(mf_particles_voltages(ps, 0), 100000, &mean, &var);
  const double predicted = 0.5 / sqrt(2.0 * 2e4 * 0.5);
  print_message("gamma A dt = 100, exponential: sd %.6g, sigma/sqrt(2 gamma A) = %.6g (ratio %.5f), mean %.6f\n",
                sqrt(var), predicted, sqrt(var) / predicted, mean);
  assert_rel(sqrt(var), predicted, 0.02, "stationary sd at gamma A dt = 100");
  assert_abs(mean, 0.3, 1e-3, "stationary mean at the reversal potential");
  mf_particles_free(ps);

  opts.scheme = MF_PARTICLES_EULER;
  ps = mf_particles_create(&m, &opts);
  mf_status status = mf_particles_advance(ps, 3.0);
  print_message("gamma A dt = 100, Euler-Maruyama: status %d at t = %g: %s\n", status, mf_particles_time(ps),
                mf_errmsg());
  assert_int_equal(status, MF_ENUMERIC);
  assert_non_null(strstr(mf_errmsg(), "no longer finite"));
  assert_true(mf_particles_time(ps) < 3.0);
  mf_particles_free(ps);
}

static void test_empirical_observables(void **state)
{
  (void)state;
  mf_model m = stiff_model();
  m.gamma = 1.0;
  mf_particle_opts opts = {.n = 50000, .dt = 0.01, .seed = 3, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&m, &opts);
  mf_grid *grid = mf_grid_create_uniform(-4, 4, 400);
  double *density = malloc(400 * sizeof *density);
  mf_pop_observables obs;
  mf_observables_particles(ps, grid, &obs, density);
  double mean, var, integral = 0.0;
  sample_moments(mf_particles_voltages(ps, 0), 50000, &mean, &var);
  for (int i = 0; i < 400; i++) integral += grid->w[i] * density[i];
  assert_rel(obs.mass, 1.0, 0.0, "all samples inside [-4, 4]");
  assert_rel(integral, 1.0, 1e-12, "histogram mass");
  assert_rel(obs.mean, mean, 1e-12, "mean");
  assert_rel(obs.sd, sqrt(var * 49999.0 / 50000.0), 1e-12, "sd");
  assert_rel(obs.m, 0.5, 1e-15, "constant S: m = s/2");
  assert_abs(obs.mode, 0.0, 0.1, "mode of N(0, 0.25) from the histogram");
  mf_grid_free(grid);
  free(density);
  mf_particles_free(ps);
}

/* W1 against closed forms: the uniform density on [0, 1] and a few samples. */
static void test_wasserstein(void **state)
{
  (void)state;
  mf_grid *g = mf_grid_create_uniform(0.0, 1.0, 10);
  double rho[10];
  for (int i = 0; i < 10; i++) rho[i] = 1.0;
  const double one[1] = {0.3};
  assert_rel(mf_wasserstein1(g, rho, one, 1), (0.3 * 0.3 + 0.7 * 0.7) / 2.0, 1e-15, "E|U - 0.3|");
  const double two[2] = {0.2, 0.9};
  /* int_0^.2 x + int_.2^.9 |1/2 - x| + int_.9^1 (1 - x) = 0.02 + 0.125 + 0.005 */
  assert_rel(mf_wasserstein1(g, rho, two, 2), 0.15, 1e-14, "two samples");
  const double outside[1] = {2.0};
  assert_rel(mf_wasserstein1(g, rho, outside, 1), 1.5, 1e-15, "a sample right of the grid: E|U - 2|");
  const double left[1] = {-1.0};
  assert_rel(mf_wasserstein1(g, rho, left, 1), 1.5, 1e-15, "a sample left of the grid");
  /* Mass not 1: rho is normalised by its own mass. */
  for (int i = 0; i < 10; i++) rho[i] = 3.0;
  assert_rel(mf_wasserstein1(g, rho, one, 1), 0.29, 1e-14, "normalisation");
  /* A density on two cells only: uniform on [0.4, 0.6]; samples at its quartiles give
   * int |F_n - F| = 2 * (2 * area of triangles): F rises 0 -> 1 over 0.2. */
  for (int i = 0; i < 10; i++) rho[i] = (i == 4 || i == 5) ? 1.0 : 0.0;
  const double q[2] = {0.45, 0.55};
  /* Between 0.4 and 0.6 F(x) = (x - 0.4)/0.2; F_n = 0, 1/2, 1 on the three pieces. */
  const double expect = 0.5 * 0.05 * 0.25 * 4; /* four triangles of base 0.05 and height 0.25 */
  assert_rel(mf_wasserstein1(g, rho, q, 2), expect, 1e-13, "two-cell density");
  mf_grid_free(g);
  const double x[4] = {-1.0, 0.0, 1.0, 4.0};
  assert_rel(mf_wasserstein1_dirac(x, 4, 0.5), (1.5 + 0.5 + 0.5 + 3.5) / 4.0, 1e-15, "W1 to a Dirac mass");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear_exact), cmocka_unit_test(test_threads_identical), cmocka_unit_test(test_stiff),
      cmocka_unit_test(test_empirical_observables), cmocka_unit_test(test_wasserstein),
  };
  return cmocka_run_group_tests_name("particles", tests, NULL, NULL);
}
