/* models.h -- the test problems shared by the unit tests, and a driver. */
#ifndef MFBALANCE_TEST_MODELS_H
#define MFBALANCE_TEST_MODELS_H

#include "mfbalance/config.h"
#include "mfbalance/fv.h"
#include "mfbalance/integrator.h"

#include <stdlib.h>
#include <string.h>

/* The embedded default configuration, with overrides. */
static inline mf_config test_config(int n, char *const *overrides)
{
  mf_config cfg;
  mf_status status = mf_config_load(&cfg, NULL, n, overrides);
  if (status != MF_OK) fprintf(stderr, "test_config: %s\n", mf_errmsg());
  assert_int_equal(status, MF_OK);
  return cfg;
}

/* A population with a logistic (k != 0) or constant (k = 0) activation. */
static inline mf_population test_pop(const char *name, double sigma, double v, double s, double k, double theta,
                                     double mean, double sd)
{
  mf_population pop;
  memset(&pop, 0, sizeof pop);
  snprintf(pop.name, sizeof pop.name, "%s", name);
  pop.sigma = sigma;
  pop.reversal = v;
  pop.s = s, pop.k = k, pop.theta = theta;
  pop.init = MF_INIT_GAUSSIAN, pop.init_a = mean, pop.init_b = sd;
  pop.fraction = 1.0;
  return pop;
}

/* A nonlinear P-population model (P = 1, 2, 3) with distinct rows of g,
 * distinct sigmoids and cubic f: no structure for the code to lean on. */
static inline mf_model test_model_nonlinear(int P, double gamma)
{
  static const double g[3][3] = {{1.0, 1.5, 0.7}, {0.8, 1.2, 0.4}, {0.5, 0.9, 1.1}};
  static const double v[3] = {2.0, -2.0, 0.5};
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = P;
  model.gamma = gamma;
  for (int p = 0; p < P; p++) {
    model.pop[p] = test_pop(p == 0 ? "E" : p == 1 ? "I" : "X", 0.4 + 0.1 * p, v[p], 1.0 - 0.1 * p, 4.0 - p,
                            0.2 * p, 0.5 - 0.6 * p, 0.4);
    model.pop[p].f[0] = 0.1, model.pop[p].f[1] = 1.0, model.pop[p].f[2] = 0.05 * p, model.pop[p].f[3] = -1.0 / 3.0;
    model.pop[p].fraction = 1.0 / P;
    for (int q = 0; q < P; q++) model.pop[p].g[q] = g[p][q];
  }
  return model;
}

/* Two populations with equal rows g = (1, 1), a steep excitatory activation
 * and constant inhibition: the balance equation (v - 2) S_E(v) + 0.25 (v + 2) = 0
 * has three roots, about -2 and 1.2 (attracting) and one in (-0.3, 0). */
static inline mf_model test_model_bistable(double gamma, double mean0)
{
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = 2;
  model.gamma = gamma;
  model.pop[0] = test_pop("E", 0.5, 2.0, 1.0, 8.0, 0.0, mean0, 0.3);
  model.pop[1] = test_pop("I", 0.5, -2.0, 0.5, 0.0, 0.0, mean0, 0.3);
  for (int p = 0; p < 2; p++) model.pop[p].g[0] = model.pop[p].g[1] = 1.0, model.pop[p].fraction = 0.5;
  return model;
}

/* Linear f and constant S: kappa_E = 2.9, kappa_I = 1.6, and sigma chosen so
 * that both stationary s.d. are 0.5: [-4, 4] spans about +-8 s.d., the
 * setting of MODEL.md section 5. */
static inline mf_model test_model_linear(void)
{
  mf_model model;
  memset(&model, 0, sizeof model);
  model.P = 2;
  model.gamma = 2.0;
  /* f = -lambda (x - mu), S constant = s/2. */
  model.pop[0] = test_pop("E", 0.5 * sqrt(2.0 * 2.9), 2.0, 1.0, 0.0, 0.0, 0.5, 0.45);
  model.pop[0].f[0] = 1.0 * 0.5, model.pop[0].f[1] = -1.0;
  model.pop[0].g[0] = 1.0, model.pop[0].g[1] = 1.5;
  model.pop[1] = test_pop("I", 0.5 * sqrt(2.0 * 1.6), -2.0, 0.6, 0.0, 0.0, -0.5, 0.45);
  model.pop[1].f[0] = 0.5 * -0.5, model.pop[1].f[1] = -0.5;
  model.pop[1].g[0] = 0.5, model.pop[1].g[1] = 1.0;
  model.pop[0].fraction = model.pop[1].fraction = 0.5;
  return model;
}

/* Mean and variance of population p at time t from the closed form. */
static inline void test_gaussian_exact(const mf_model *model, int p, double t, double *mean, double *var)
{
  const mf_population *pop = &model->pop[p];
  double A = 0.0, C = 0.0;
  for (int q = 0; q < model->P; q++) {
    double m = 0.5 * model->pop[q].s;
    A += pop->g[q] * m;
    C += pop->g[q] * model->pop[q].reversal * m;
  }
  const double lambda = -pop->f[1], mu = pop->f[0] / lambda;
  const double kappa = lambda + model->gamma * A, minf = (lambda * mu + model->gamma * C) / kappa;
  const double vinf = pop->sigma * pop->sigma / (2.0 * kappa);
  *mean = minf + (pop->init_a - minf) * exp(-kappa * t);
  *var = vinf + (pop->init_b * pop->init_b - vinf) * exp(-2.0 * kappa * t);
}

/* Integrate model on grid from its initial data to each of the nt times,
 * calling check(t, rho) after each; returns the final state (caller frees). */
static inline double *test_integrate(const mf_model *model, const mf_grid *grid, const mf_integrator_opts *opts,
                         const double *times, int nt, void (*check)(const mf_fv *, double, const double *, void *),
                         void *ctx, mf_integrator_stats *stats)
{
  mf_fv *fv = mf_fv_create(model, grid);
  assert_non_null(fv);
  const int N = mf_fv_size(fv);
  double *rho = malloc(N * sizeof *rho);
  mf_fv_initial(fv, rho);
  mf_integrator *integ = mf_integrator_create(fv, rho, 0.0, opts);
  assert_non_null(integ);
  for (int k = 0; k < nt; k++) {
    mf_status status = mf_integrator_advance(integ, times[k]);
    if (status != MF_OK) fail_msg("%s", mf_errmsg());
    memcpy(rho, mf_integrator_state(integ), N * sizeof *rho);
    if (check) check(fv, times[k], rho, ctx);
  }
  if (stats) mf_integrator_get_stats(integ, stats);
  mf_integrator_free(integ);
  mf_fv_free(fv);
  return rho;
}

#endif
