/* test_particles_fhn.c -- the FitzHugh-Nagumo network (particles_fhn.h)
 * against exact answers:
 *  - the linear case (cubic off, S constant), chemical coupling, two
 *    populations (with and without noise on w): every neuron is a 2-D
 *    Ornstein-Uhlenbeck process; the sample means of v and w, their
 *    variances and covariance at t = 0.5 and 5 within 4 standard errors of
 *    the closed form (mean by the linear ODE, covariance by the Lyapunov
 *    equation; the 2 x 2 exponential in closed form, not expm.h);
 *  - the linear case with electrical coupling alone at gamma G dt = 20: the
 *    means follow their own 2-D linear SDE (undamped by gamma), the sample
 *    covariance the deviations' OU process at rate gamma A;
 *  - the same seed gives bit-identical (v, w) with 1 and 2 threads, with
 *    chemical and with mixed coupling (cubic f, logistic S). */
#include "numtest.h"

#include "mfbalance/particles_fhn.h"

#include <stdlib.h>
#include <string.h>

/* exp(M t) for the 2 x 2 column-major M: e^{s t} (cosh(q t) I + sinh(q t)/q (M - s I)),
 * s = tr M / 2, q^2 = s^2 - det M (cos and sin when q^2 < 0). */
static void exp2x2(const double M[4], double t, double E[4])
{
  const double s = 0.5 * (M[0] + M[3]), det = M[0] * M[3] - M[1] * M[2], q2 = s * s - det;
  double c, sq; /* cosh(q t), sinh(q t) / q */
  if (q2 > 0) {
    const double q = sqrt(q2);
    c = cosh(q * t), sq = sinh(q * t) / q;
  } else if (q2 < 0) {
    const double q = sqrt(-q2);
    c = cos(q * t), sq = sin(q * t) / q;
  } else {
    c = 1.0, sq = t;
  }
  const double es = exp(s * t);
  E[0] = es * (c + sq * (M[0] - s));
  E[1] = es * sq * M[1];
  E[2] = es * sq * M[2];
  E[3] = es * (c + sq * (M[3] - s));
}

/* The Gaussian of dX = (D X + c) dt + diag(sig) dW from N(m0, diag(s0^2)) at t:
 * mean m_inf + e^{Dt}(m0 - m_inf), covariance P_inf + e^{Dt}(P0 - P_inf)e^{D^T t},
 * D P_inf + P_inf D^T + diag(sig^2) = 0. */
static void ou2_exact(const double D[4], const double c[2], const double sig[2], const double m0[2],
                      const double s0[2], double t, double mean[2], double cov[3])
{
  const double det = D[0] * D[3] - D[1] * D[2];
  const double minf[2] = {-(D[3] * c[0] - D[2] * c[1]) / det, -(-D[1] * c[0] + D[0] * c[1]) / det};
  /* Lyapunov, unknowns (p11, p12, p22): rows (1,1), (1,2), (2,2). */
  const double d11 = D[0], d21 = D[1], d12 = D[2], d22 = D[3];
  double L[3][4] = {{2 * d11, 2 * d12, 0, -sig[0] * sig[0]},
                    {d21, d11 + d22, d12, 0},
                    {0, 2 * d21, 2 * d22, -sig[1] * sig[1]}};
  for (int i = 0; i < 3; i++) { /* Gauss-Jordan with partial pivoting */
    int piv = i;
    for (int r = i + 1; r < 3; r++)
      if (fabs(L[r][i]) > fabs(L[piv][i])) piv = r;
    for (int k = 0; k < 4; k++) {
      double tmp = L[i][k];
      L[i][k] = L[piv][k], L[piv][k] = tmp;
    }
    for (int r = 0; r < 3; r++)
      if (r != i) {
        const double f = L[r][i] / L[i][i];
        for (int k = 0; k < 4; k++) L[r][k] -= f * L[i][k];
      }
  }
  const double pinf[3] = {L[0][3] / L[0][0], L[1][3] / L[1][1], L[2][3] / L[2][2]};
  double E[4];
  exp2x2(D, t, E);
  for (int i = 0; i < 2; i++) mean[i] = minf[i] + E[i] * (m0[0] - minf[0]) + E[i + 2] * (m0[1] - minf[1]);
  /* X = P0 - P_inf (symmetric), then E X E^T. */
  const double X[4] = {s0[0] * s0[0] - pinf[0], -pinf[1], -pinf[1], s0[1] * s0[1] - pinf[2]};
  double EX[4], R[4];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) EX[i + 2 * j] = E[i] * X[2 * j] + E[i + 2] * X[1 + 2 * j];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) R[i + 2 * j] = EX[i] * E[j] + EX[i + 2] * E[j + 2];
  cov[0] = pinf[0] + R[0], cov[1] = pinf[1] + R[2], cov[2] = pinf[2] + R[3];
}

/* Sample means, variances and covariance of (v, w). */
static void sample2(const double *v, const double *w, long n, double mean[2], double cov[3])
{
  double sv = 0, sw = 0;
  for (long i = 0; i < n; i++) sv += v[i], sw += w[i];
  mean[0] = sv / n, mean[1] = sw / n;
  double a = 0, b = 0, c = 0;
  for (long i = 0; i < n; i++) {
    const double dv = v[i] - mean[0], dw = w[i] - mean[1];
    a += dv * dv, b += dv * dw, c += dw * dw;
  }
  cov[0] = a / (n - 1), cov[1] = b / (n - 1), cov[2] = c / (n - 1);
}

static mf_population fhn_pop(const char *name, double sigma, double v, double s, double k, double theta)
{
  mf_population pop;
  memset(&pop, 0, sizeof pop);
  snprintf(pop.name, sizeof pop.name, "%s", name);
  pop.sigma = sigma, pop.reversal = v, pop.s = s, pop.k = k, pop.theta = theta;
  pop.init = MF_INIT_GAUSSIAN;
  pop.fraction = 1.0;
  return pop;
}

/* Linear f, constant S: kappa_E = 4 * 0.95 - 1 = 2.8, kappa_I = 4 * 0.55 + 0.5 = 2.7. */
static mf_model linear_chemical(void)
{
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = 2, model.gamma = 4.0, model.neuron = MF_NEURON_FHN;
  model.pop[0] = fhn_pop("E", 0.5, 2.0, 1.0, 0.0, 0.0);
  model.pop[0].f[0] = 0.4, model.pop[0].f[1] = 1.0;
  model.pop[0].g[0] = 1.0, model.pop[0].g[1] = 1.5;
  model.pop[0].init_a = 0.5, model.pop[0].init_b = 0.45;
  model.pop[0].w = (mf_recovery){.a = 0.7, .b = 0.8, .epsilon = 0.5, .sigma_w = 0.3, .init_mean = -0.2, .init_sd = 0.3};
  model.pop[1] = fhn_pop("I", 0.4, -2.0, 0.6, 0.0, 0.0);
  model.pop[1].f[0] = -0.2, model.pop[1].f[1] = -0.5;
  model.pop[1].g[0] = 0.5, model.pop[1].g[1] = 1.0;
  model.pop[1].init_a = -0.5, model.pop[1].init_b = 0.3;
  model.pop[1].w = (mf_recovery){.a = -0.3, .b = 1.0, .epsilon = 0.2, .sigma_w = 0.0, .init_mean = 0.4, .init_sd = 0.2};
  model.pop[0].fraction = model.pop[1].fraction = 0.5;
  return model;
}

/* Check (mean, cov) of a sample of n against the exact Gaussian; se_mean
 * the standard errors of the sample means. */
static void check_gaussian(const char *what, double t, long n, const double mean[2], const double cov[3],
                           const double emean[2], const double ecov[3], const double se_mean[2])
{
  const double se_cov[3] = {ecov[0] * sqrt(2.0 / (n - 1)), sqrt((ecov[0] * ecov[2] + ecov[1] * ecov[1]) / (n - 1)),
                            ecov[2] * sqrt(2.0 / (n - 1))};
  static const char *names[2] = {"v", "w"}, *cnames[3] = {"var v", "cov vw", "var w"};
  for (int i = 0; i < 2; i++) {
    print_message("%s t = %g: mean %s %.6f (exact %.6f, %+.2f SE)\n", what, t, names[i], mean[i], emean[i],
                  (mean[i] - emean[i]) / se_mean[i]);
    assert_abs(mean[i], emean[i], 4.0 * se_mean[i], "%s t = %g: mean %s within 4 SE", what, t, names[i]);
  }
  for (int i = 0; i < 3; i++) {
    print_message("%s t = %g: %s %.6g (exact %.6g, %+.2f SE)\n", what, t, cnames[i], cov[i], ecov[i],
                  (cov[i] - ecov[i]) / se_cov[i]);
    assert_abs(cov[i], ecov[i], 4.0 * se_cov[i], "%s t = %g: %s within 4 SE", what, t, cnames[i]);
  }
}

static void test_linear_chemical(void **state)
{
  (void)state;
  const mf_model model = linear_chemical();
  const mf_particle_opts opts = {.n = 200000, .dt = 0.05, .seed = 77, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_fhn_particles *ps = mf_fhn_particles_create(&model, &opts);
  assert_non_null(ps);
  const double times[] = {0.5, 5.0};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(mf_fhn_particles_advance(ps, times[k]), MF_OK);
    for (int p = 0; p < 2; p++) {
      const mf_population *pop = &model.pop[p];
      double A = 0.0, C = 0.0;
      for (int q = 0; q < 2; q++) A += pop->g[q] * 0.5 * model.pop[q].s, C += pop->g[q] * 0.5 * model.pop[q].s * model.pop[q].reversal;
      const double kappa = model.gamma * A - pop->f[1];
      const double D[4] = {-kappa, pop->w.epsilon, -1.0, -pop->w.epsilon * pop->w.b};
      const double c[2] = {pop->f[0] + model.gamma * C, pop->w.epsilon * pop->w.a};
      const double sig[2] = {pop->sigma, pop->w.sigma_w}, m0[2] = {pop->init_a, pop->w.init_mean};
      const double s0[2] = {pop->init_b, pop->w.init_sd};
      double emean[2], ecov[3], mean[2], cov[3];
      ou2_exact(D, c, sig, m0, s0, times[k], emean, ecov);
      const long n = mf_fhn_particles_count(ps, p);
      sample2(mf_fhn_particles_v(ps, p), mf_fhn_particles_w(ps, p), n, mean, cov);
      const double se_mean[2] = {sqrt(ecov[0] / n), sqrt(ecov[2] / n)};
      check_gaussian(pop->name, times[k], n, mean, cov, emean, ecov, se_mean);
    }
  }
  assert_int_equal(mf_fhn_particles_steps(ps), 100);
  mf_fhn_particles_free(ps);
}

/* One population coupled to itself by gap junctions only, gamma = 400, dt = 0.05. */
static mf_model linear_electrical(void)
{
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = 1, model.gamma = 400.0, model.neuron = MF_NEURON_FHN;
  model.pop[0] = fhn_pop("E", 0.5, 0.0, 1.0, 0.0, 0.0);
  model.pop[0].f[0] = 0.5, model.pop[0].f[1] = -0.5;
  model.pop[0].g_el[0] = 1.0;
  model.pop[0].init_a = -1.0, model.pop[0].init_b = 0.4;
  model.pop[0].w = (mf_recovery){.a = 0.7, .b = 0.8, .epsilon = 0.3, .sigma_w = 0.1, .init_mean = -0.5, .init_sd = 0.4};
  return model;
}

static void test_linear_electrical(void **state)
{
  (void)state;
  const mf_model model = linear_electrical();
  const mf_particle_opts opts = {.n = 100000, .dt = 0.05, .seed = 5, .scheme = MF_PARTICLES_EXPONENTIAL};
  mf_fhn_particles *ps = mf_fhn_particles_create(&model, &opts);
  assert_non_null(ps);
  const mf_population *pop = &model.pop[0];
  const long n = mf_fhn_particles_count(ps, 0);
  const double times[] = {0.5, 3.0};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(mf_fhn_particles_advance(ps, times[k]), MF_OK);
    const double kappa = model.gamma * 1.0 - pop->f[1], eps = pop->w.epsilon, b = pop->w.b;
    const double c[2] = {pop->f[0], eps * pop->w.a}, m0[2] = {pop->init_a, pop->w.init_mean};
    const double s0[2] = {pop->init_b, pop->w.init_sd};
    /* The means: the gap junctions cancel gamma in their drift; their noise is the neurons' / sqrt(n). */
    const double Dm[4] = {-(kappa - model.gamma), eps, -1.0, -eps * b};
    const double sigm[2] = {pop->sigma / sqrt((double)n), pop->w.sigma_w / sqrt((double)n)};
    const double s0m[2] = {s0[0] / sqrt((double)n), s0[1] / sqrt((double)n)};
    double emean[2], mcov[3];
    ou2_exact(Dm, c, sigm, m0, s0m, times[k], emean, mcov);
    /* The sample covariance: the deviations, an OU process at rate kappa. */
    const double Dd[4] = {-kappa, eps, -1.0, -eps * b}, zero[2] = {0.0, 0.0};
    const double sig[2] = {pop->sigma, pop->w.sigma_w};
    double dmean[2], ecov[3], mean[2], cov[3];
    ou2_exact(Dd, zero, sig, zero, s0, times[k], dmean, ecov);
    sample2(mf_fhn_particles_v(ps, 0), mf_fhn_particles_w(ps, 0), n, mean, cov);
    const double se_mean[2] = {sqrt(mcov[0]), sqrt(mcov[2])};
    check_gaussian("electrical", times[k], n, mean, cov, emean, ecov, se_mean);
  }
  mf_fhn_particles_free(ps);
}

/* FitzHugh-Nagumo S1-like populations (cubic f, logistic S), P = 2, chemical or mixed. */
static mf_model nonlinear(int electrical)
{
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = 2, model.gamma = 100.0, model.neuron = MF_NEURON_FHN;
  for (int p = 0; p < 2; p++) {
    model.pop[p] = fhn_pop(p ? "I" : "E", 0.5, p ? -2.0 : 2.0, 1.0, 4.0, 0.0);
    model.pop[p].f[0] = p ? 0.0 : 0.5, model.pop[p].f[1] = 1.0, model.pop[p].f[3] = -1.0 / 3.0;
    model.pop[p].init_a = 0.0, model.pop[p].init_b = 0.4;
    model.pop[p].w = (mf_recovery){.a = 0.7, .b = 0.8, .epsilon = 0.08, .sigma_w = p ? 0.0 : 0.05, .init_mean = 0.5,
                                   .init_sd = 0.4};
    model.pop[p].fraction = 0.5;
  }
  model.pop[0].g[0] = 1.0, model.pop[0].g[1] = 1.5, model.pop[1].g[0] = 2.0, model.pop[1].g[1] = 1.0;
  if (electrical) model.pop[0].g_el[1] = model.pop[1].g_el[0] = 0.5;
  return model;
}

static void test_threads_identical(void **state)
{
  (void)state;
  for (int electrical = 0; electrical < 2; electrical++) {
    const mf_model model = nonlinear(electrical);
    double *state1[2] = {NULL, NULL};
    long total = 0;
    for (int run = 0; run < 2; run++) {
      const mf_particle_opts opts = {.n = 20001, .dt = 0.005, .seed = 99, .threads = run + 1};
      mf_fhn_particles *ps = mf_fhn_particles_create(&model, &opts);
      assert_non_null(ps);
      assert_int_equal(mf_fhn_particles_advance(ps, 1.0), MF_OK);
      total = mf_fhn_particles_count(ps, 0) + mf_fhn_particles_count(ps, 1);
      if (run == 0) {
        state1[0] = malloc(total * sizeof(double)), state1[1] = malloc(total * sizeof(double));
        memcpy(state1[0], mf_fhn_particles_v(ps, 0), total * sizeof(double));
        memcpy(state1[1], mf_fhn_particles_w(ps, 0), total * sizeof(double));
      } else {
        assert_memory_equal(state1[0], mf_fhn_particles_v(ps, 0), total * sizeof(double));
        assert_memory_equal(state1[1], mf_fhn_particles_w(ps, 0), total * sizeof(double));
        mf_fhn_observables obs[2];
        mf_fhn_particles_observables(ps, obs);
        print_message("%s: E v %.6f (sd %.6f) w %.6f; I v %.6f\n", electrical ? "mixed" : "chemical", obs[0].mean_v,
                      obs[0].sd_v, obs[0].mean_w, obs[1].mean_v);
        for (int p = 0; p < 2; p++) assert_true(isfinite(obs[p].sd_v) && isfinite(obs[p].sd_w));
      }
      mf_fhn_particles_free(ps);
    }
    free(state1[0]), free(state1[1]);
  }
}

static void test_invalid(void **state)
{
  (void)state;
  mf_model model = linear_chemical();
  mf_particle_opts opts = {.n = 100, .dt = 0.01, .seed = 1, .scheme = MF_PARTICLES_EULER};
  assert_null(mf_fhn_particles_create(&model, &opts)); /* exponential scheme only */
  opts.scheme = MF_PARTICLES_EXPONENTIAL;
  model.pop[1].w.epsilon = 0.0;
  assert_null(mf_fhn_particles_create(&model, &opts));
  model = linear_chemical();
  model.neuron = MF_NEURON_1D;
  assert_null(mf_fhn_particles_create(&model, &opts));
  model.neuron = MF_NEURON_FHN;
  assert_null(mf_particles_create(&model, &opts)); /* the one-dimensional simulator refuses */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear_chemical),
      cmocka_unit_test(test_linear_electrical),
      cmocka_unit_test(test_threads_identical),
      cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
