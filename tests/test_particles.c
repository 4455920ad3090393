/* test_particles.c -- the particle simulator against exact answers:
 *  - the linear case (MODEL.md section 5): mean and variance of each
 *    population at t = 0.5 and 5 within 4 standard errors of the closed form;
 *  - the linear case with electrical and chemical coupling: the means obey
 *    a linear 2-dimensional ODE, the variances decouple; the same test, with
 *    the standard error of the sample means from their own covariance;
 *  - the same seed gives bit-identical voltages with 1 and 2 threads, with
 *    and without electrical coupling;
 *  - gamma A dt = 100: the exponential scheme keeps the stationary s.d. of
 *    the linear case within 2% of sigma / sqrt(2 gamma A), where
 *    Euler-Maruyama diverges (and says so);
 *  - gamma G dt = 100 with electrical coupling and cubic f: the split scheme
 *    keeps mean and s.d. within 1% of the PDE's (moving frames), where
 *    Euler-Maruyama diverges;
 *  - the consensus mode of a finite network: drift and sigma^2 t / n noise
 *    of the mean, undamped, over 400 networks;
 *  - the empirical observables of a known sample, and their A and V with
 *    electrical coupling. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/observables.h"
#include "mfbalance/particles.h"
#include "mfbalance/solver.h"

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

/* The linear case with g_el = [[0, 1.5], [0.8, 0]] on top of the chemical weights:
 *
 *     dM/dt = b - K M,  K = diag(kappa) - gamma g_el,  kappa_p = lambda_p + gamma A_p,  A_p = G_p + sum_q g_pq s_q/2,
 *     b_p = lambda_p mu_p + gamma sum_q g_pq v_q s_q / 2,   d(s_p^2)/dt = -2 kappa_p s_p^2 + sigma_p^2.
 *
 * K has real distinct eigenvalues l1, l2, so exp(-K t) = (e^{-l1 t} (K - l2) - e^{-l2 t} (K - l1)) / (l1 - l2).
 * For the standard errors, the sample means of the network obey the same equation with the noise
 * sigma_p dWbar_p, Cov = diag(sigma_p^2 / n_p) =: S, from initial sample means of covariance
 * D0 = diag(s0_p^2 / n_p):  Cov M(t) = e^{-Kt} D0 e^{-K^T t} + int_0^t e^{-Ks} S e^{-K^T s} ds, the integral
 * in K's eigenvectors V:  V [W_kl (1 - e^{-(l_k + l_l) t}) / (l_k + l_l)] V^T,  W = V^-1 S V^-T. */
static mf_model electrical_linear_model(void)
{
  mf_model model = test_model_linear();
  model.pop[0].g_el[1] = 1.5, model.pop[1].g_el[0] = 0.8;
  return model;
}

static void electrical_exact(const mf_model *model, const long *n, double t, double *mean, double *var,
                             double *mean_var)
{
  double K[2][2], b[2], kappa[2];
  for (int p = 0; p < 2; p++) {
    const mf_population *pop = &model->pop[p];
    double A = 0.0, c = 0.0;
    for (int q = 0; q < 2; q++) {
      const double m = 0.5 * model->pop[q].s;
      A += pop->g_el[q] + pop->g[q] * m;
      c += pop->g[q] * model->pop[q].reversal * m;
    }
    kappa[p] = -pop->f[1] + model->gamma * A;
    b[p] = pop->f[0] + model->gamma * c;
    const double vinf = pop->sigma * pop->sigma / (2.0 * kappa[p]);
    var[p] = vinf + (pop->init_b * pop->init_b - vinf) * exp(-2.0 * kappa[p] * t);
    for (int q = 0; q < 2; q++) K[p][q] = (p == q ? kappa[p] : 0.0) - model->gamma * pop->g_el[q];
  }
  const double tr = K[0][0] + K[1][1], det = K[0][0] * K[1][1] - K[0][1] * K[1][0];
  const double disc = sqrt(0.25 * tr * tr - det), l[2] = {0.5 * tr + disc, 0.5 * tr - disc};
  /* exp(-K t) by Sylvester's formula; M_inf = K^-1 b. */
  double Et[2][2];
  for (int p = 0; p < 2; p++)
    for (int q = 0; q < 2; q++)
      Et[p][q] = (exp(-l[0] * t) * (K[p][q] - (p == q) * l[1]) - exp(-l[1] * t) * (K[p][q] - (p == q) * l[0])) /
                 (l[0] - l[1]);
  const double minf[2] = {(K[1][1] * b[0] - K[0][1] * b[1]) / det, (K[0][0] * b[1] - K[1][0] * b[0]) / det};
  for (int p = 0; p < 2; p++)
    mean[p] = minf[p] + Et[p][0] * (model->pop[0].init_a - minf[0]) + Et[p][1] * (model->pop[1].init_a - minf[1]);
  /* Eigenvectors (K - l_k) v = 0: v_k = (K01, l_k - K00). */
  double V[2][2], Vi[2][2];
  for (int k = 0; k < 2; k++) V[0][k] = K[0][1], V[1][k] = l[k] - K[0][0];
  const double dv = V[0][0] * V[1][1] - V[0][1] * V[1][0];
  Vi[0][0] = V[1][1] / dv, Vi[0][1] = -V[0][1] / dv, Vi[1][0] = -V[1][0] / dv, Vi[1][1] = V[0][0] / dv;
  double S[2], D0[2];
  for (int p = 0; p < 2; p++) {
    S[p] = model->pop[p].sigma * model->pop[p].sigma / (double)n[p];
    D0[p] = model->pop[p].init_b * model->pop[p].init_b / (double)n[p];
  }
  for (int p = 0; p < 2; p++) {
    double v = Et[p][0] * Et[p][0] * D0[0] + Et[p][1] * Et[p][1] * D0[1];
    for (int k = 0; k < 2; k++)
      for (int j = 0; j < 2; j++) {
        const double w = Vi[k][0] * S[0] * Vi[j][0] + Vi[k][1] * S[1] * Vi[j][1];
        v += V[p][k] * V[p][j] * w * -expm1(-(l[k] + l[j]) * t) / (l[k] + l[j]);
      }
    mean_var[p] = v;
  }
}

static void test_electrical_linear(void **state)
{
  (void)state;
  mf_model model = electrical_linear_model();
  mf_particle_opts opts = {.n = 100000, .dt = 0.01, .seed = 2025, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&model, &opts);
  assert_non_null(ps);
  const long n[2] = {mf_particles_count(ps, 0), mf_particles_count(ps, 1)};
  const double times[] = {0.5, 5.0};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(mf_particles_advance(ps, times[k]), MF_OK);
    double emean[2], evar[2], mvar[2];
    electrical_exact(&model, n, times[k], emean, evar, mvar);
    for (int p = 0; p < 2; p++) {
      double mean, var;
      sample_moments(mf_particles_voltages(ps, p), n[p], &mean, &var);
      const double se_mean = sqrt(mvar[p]), se_var = evar[p] * sqrt(2.0 / (n[p] - 1));
      print_message("electrical, t = %g pop %d: mean %.6f (exact %.6f, %+.2f SE; SE %.3g, sqrt(var/n) %.3g), "
                    "variance %.6f (exact %.6f, %+.2f SE)\n", times[k], p, mean, emean[p], (mean - emean[p]) / se_mean,
                    se_mean, sqrt(evar[p] / n[p]), var, evar[p], (var - evar[p]) / se_var);
      assert_abs(mean, emean[p], 4.0 * se_mean, "electrical, t = %g pop %d: mean within 4 standard errors", times[k], p);
      assert_abs(var, evar[p], 4.0 * se_var, "electrical, t = %g pop %d: variance within 4 standard errors", times[k],
                 p);
    }
  }
  assert_int_equal(mf_particles_steps(ps), 500);
  mf_particles_free(ps);
}

/* The same seed gives the same voltages for 1 and 2 threads; another seed others. */
static void threads_identical(const mf_model *model, int electrical)
{
  double *first = NULL;
  long n0 = 0;
  for (int threads = 1; threads <= 2; threads++) {
    mf_particle_opts opts = {.n = 100007, .dt = 0.001, .seed = 99, .scheme = MF_PARTICLES_EXPONENTIAL,
                             .threads = threads};
    mf_particles *ps = mf_particles_create(model, &opts);
    assert_int_equal(mf_particles_advance(ps, 0.05), MF_OK);
    const long n = mf_particles_count(ps, 0) + mf_particles_count(ps, 1);
    if (!first) {
      n0 = n;
      first = malloc(n * sizeof *first);
      memcpy(first, mf_particles_voltages(ps, 0), n * sizeof *first);
    } else {
      assert_int_equal(n, n0);
      if (memcmp(first, mf_particles_voltages(ps, 0), n * sizeof *first) != 0)
        fail_msg("%s coupling: 1 and 2 threads differ", electrical ? "electrical" : "chemical");
    }
    mf_particles_free(ps);
  }
  /* A different seed gives different voltages. */
  mf_particle_opts opts = {.n = 100007, .dt = 0.001, .seed = 100, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(model, &opts);
  assert_int_equal(mf_particles_advance(ps, 0.05), MF_OK);
  assert_true(memcmp(first, mf_particles_voltages(ps, 0), n0 * sizeof *first) != 0);
  mf_particles_free(ps);
  free(first);
}

static void test_threads_identical(void **state)
{
  (void)state;
  mf_config cfg = test_config(0, NULL);
  for (int electrical = 0; electrical <= 1; electrical++) {
    if (electrical) cfg.model.pop[0].g_el[1] = 0.5, cfg.model.pop[1].g_el[0] = 1.2;
    threads_identical(&cfg.model, electrical);
  }
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

/* Pure electrical coupling g_el = [[0, 1], [2, 0]] (G = 1, 2), the frozen-recovery FitzHugh-Nagumo
 * cubic f_p = x - x^3/3 + I_p, I = (0.5, 0.3), gamma = 1e4, dt = 0.01: gamma G dt = 100 and 200.
 * Both populations follow the consensus point c(t), dc/dt = (2 f_E(c) + f_I(c))/3 (pi = (2, 1)), from
 * about 0.6 towards 1.9, with s.d. sigma / sqrt(2 (gamma G_p - 1 + c^2)) = 3.5e-3 and 2.5e-3.  Freezing
 * the means inside each neuron's step would hold c back to <f> / (gamma G) per step. */
static mf_model electrical_stiff_model(void)
{
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 2;
  m.gamma = 1e4;
  m.pop[0] = test_pop("E", 0.5, 2.0, 1.0, 4.0, 0.0, 0.5, 0.3);
  m.pop[1] = test_pop("I", 0.5, -2.0, 1.0, 4.0, 0.0, 0.8, 0.3);
  const double I[2] = {0.5, 0.3};
  for (int p = 0; p < 2; p++) {
    m.pop[p].f[0] = I[p], m.pop[p].f[1] = 1.0, m.pop[p].f[3] = -1.0 / 3.0;
    m.pop[p].fraction = 0.5;
  }
  m.pop[0].g_el[1] = 1.0, m.pop[1].g_el[0] = 2.0;
  return m;
}

static void test_electrical_stiff(void **state)
{
  (void)state;
  mf_model m = electrical_stiff_model();
  const mf_integrator_opts iopts = {.rtol = 1e-9, .atol = 1e-12, .linsol = MF_LINSOL_GMRES, .max_steps = 100000};
  const mf_discretisation disc = {.method = MF_GRID_MOVING, .cells = 200, .halfwidth = 10.0};
  mf_solver *pde = mf_solver_create(&m, &disc, &iopts);
  if (!pde) fail_msg("%s", mf_errmsg());
  mf_particle_opts opts = {.n = 200000, .dt = 0.01, .seed = 11, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_particles *ps = mf_particles_create(&m, &opts);
  assert_non_null(ps);
  mf_grid *grid = mf_grid_create_uniform(-3.0, 3.0, 600);
  double *density = malloc(2 * 600 * sizeof *density);
  const double times[] = {0.5, 2.0};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(mf_solver_advance(pde, times[k]), MF_OK);
    assert_int_equal(mf_particles_advance(ps, times[k]), MF_OK);
    mf_pop_observables ref[2], obs[2];
    mf_solver_observables(pde, ref);
    mf_observables_particles(ps, grid, obs, density);
    for (int p = 0; p < 2; p++) {
      print_message("gamma G dt = %g, t = %g pop %d: mean %.6f (PDE %.6f, rel. diff %+.2e), sd %.6f (PDE %.6f, rel. "
                    "diff %+.2e)\n", 100.0 * (p + 1), times[k], p, obs[p].mean, ref[p].mean,
                    obs[p].mean / ref[p].mean - 1.0, obs[p].sd, ref[p].sd, obs[p].sd / ref[p].sd - 1.0);
      assert_rel(obs[p].mean, ref[p].mean, 0.01, "t = %g pop %d: mean within 1%% of the PDE's", times[k], p);
      assert_rel(obs[p].sd, ref[p].sd, 0.01, "t = %g pop %d: sd within 1%% of the PDE's", times[k], p);
      /* The observables see the means: V_p = C_p / A_p = the other population's mean here. */
      assert_rel(obs[p].A, p == 0 ? 1.0 : 2.0, 0.0, "A_p = G_p");
      assert_rel(obs[p].V, obs[1 - p].mean, 1e-12, "V_p = the mean of the population it is coupled to");
    }
  }
  mf_particles_free(ps);

  opts.scheme = MF_PARTICLES_EULER;
  ps = mf_particles_create(&m, &opts);
  mf_status status = mf_particles_advance(ps, 2.0);
  print_message("gamma G dt = 100, Euler-Maruyama: status %d at t = %g: %s\n", status, mf_particles_time(ps),
                mf_errmsg());
  assert_int_equal(status, MF_ENUMERIC);
  assert_non_null(strstr(mf_errmsg(), "no longer finite"));
  assert_true(mf_particles_time(ps) < 2.0);
  mf_particles_free(ps);
  mf_solver_free(pde);
  mf_grid_free(grid);
  free(density);
}

/* One population coupled to itself electrically only (g_el = 1, g = 0), f = 0.3, gamma = 1e4,
 * dt = 0.01: the mean feels no restoring force at all, dM = 0.3 dt + sigma dWbar, so over networks
 * of n neurons M(t) ~ N(mu0 + 0.3 t, (s0^2 + sigma^2 t) / n).  Damping the noise of the mean at the
 * neurons' rate gamma G would leave (s0^2 + sigma^2 / (2 gamma)) / n instead. */
static void test_consensus_noise(void **state)
{
  (void)state;
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 1;
  m.gamma = 1e4;
  m.pop[0] = test_pop("E", 0.5, 0.0, 1.0, 0.0, 0.0, 0.2, 0.3);
  m.pop[0].f[0] = 0.3;
  m.pop[0].g_el[0] = 1.0;
  const int R = 400;
  const long n = 1000;
  const double t = 1.0, expect_mean = 0.2 + 0.3 * t, expect_var = (0.3 * 0.3 + 0.5 * 0.5 * t) / n;
  double sum = 0.0, sum2 = 0.0;
  for (int r = 0; r < R; r++) {
    mf_particle_opts opts = {.n = n, .dt = 0.01, .seed = 5000 + r, .scheme = MF_PARTICLES_EXPONENTIAL, .threads = 1};
    mf_particles *ps = mf_particles_create(&m, &opts);
    assert_int_equal(mf_particles_advance(ps, t), MF_OK);
    double mean, var;
    sample_moments(mf_particles_voltages(ps, 0), n, &mean, &var);
    sum += mean, sum2 += mean * mean;
    mf_particles_free(ps);
  }
  const double mean = sum / R, var = (sum2 - R * mean * mean) / (R - 1);
  const double se_mean = sqrt(expect_var / R), se_var = expect_var * sqrt(2.0 / (R - 1));
  print_message("consensus mode, %d networks of %ld: mean of the means %.6f (exact %.6f, %+.2f SE), their variance "
                "%.4e (exact %.4e, %+.2f SE; damped at gamma G it would be %.2e)\n", R, n, mean, expect_mean,
                (mean - expect_mean) / se_mean, var, expect_var, (var - expect_var) / se_var,
                (0.09 + 0.25 / (2.0 * m.gamma)) / n);
  assert_abs(mean, expect_mean, 4.0 * se_mean, "the mean drifts by f t, undamped");
  assert_abs(var, expect_var, 4.0 * se_var, "the noise of the mean is sigma^2 t / n, undamped");
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
      cmocka_unit_test(test_linear_exact),          cmocka_unit_test(test_electrical_linear),
      cmocka_unit_test(test_threads_identical),     cmocka_unit_test(test_stiff),
      cmocka_unit_test(test_electrical_stiff),      cmocka_unit_test(test_consensus_noise),
      cmocka_unit_test(test_empirical_observables),
      cmocka_unit_test(test_wasserstein),
  };
  return cmocka_run_group_tests_name("particles", tests, NULL, NULL);
}
