/* fhn_models.h -- the FitzHugh-Nagumo parameter sets S1-S4 of
 * ../shared/FHN.md section 4, built in C: (a, b, eps) = (0.7, 0.8, 0.08),
 * sigma = 0.5 on v, none on w, f = I + v - v^3/3. */
#ifndef MFBALANCE_TEST_FHN_MODELS_H
#define MFBALANCE_TEST_FHN_MODELS_H

#include "mfbalance/model.h"

#include <stdio.h>
#include <string.h>

static inline mf_population fhn_classic_pop(const char *name, double current, double v0, double w0)
{
  mf_population pop;
  memset(&pop, 0, sizeof pop);
  snprintf(pop.name, sizeof pop.name, "%s", name);
  pop.sigma = 0.5;
  pop.f[0] = current, pop.f[1] = 1.0, pop.f[3] = -1.0 / 3.0;
  pop.init = MF_INIT_GAUSSIAN, pop.init_a = v0, pop.init_b = 0.4;
  pop.fraction = 1.0;
  pop.w = (mf_recovery){.a = 0.7, .b = 0.8, .epsilon = 0.08, .sigma_w = 0.0, .init_mean = w0, .init_sd = 0.4};
  return pop;
}

/* S1, BFFT chemical: P = 1, g = 1, v = 1, S = 1 / (1 + exp(-0.2 (v - 2))), I = 0.4. */
static inline mf_model fhn_s1(double gamma)
{
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 1, m.gamma = gamma, m.neuron = MF_NEURON_FHN;
  m.pop[0] = fhn_classic_pop("E", 0.4, 0.0, 0.5);
  m.pop[0].reversal = 1.0, m.pop[0].s = 1.0, m.pop[0].k = 0.2, m.pop[0].theta = 2.0;
  m.pop[0].g[0] = 1.0;
  return m;
}

/* S2, classic electrical: P = 1, g_el = 1, I = current. */
static inline mf_model fhn_s2(double gamma, double current)
{
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 1, m.gamma = gamma, m.neuron = MF_NEURON_FHN;
  m.pop[0] = fhn_classic_pop("E", current, -1.5, -0.5);
  m.pop[0].s = 1.0;
  m.pop[0].g_el[0] = 1.0;
  return m;
}

/* S3, E/I chemical (the project default) with I = (0.5, 0); S4 ("mixed") adds
 * g_el = [[0, 0.5], [0.5, 0]] and g = [[1, 1.5], [2, 1]]. */
static inline mf_model fhn_s3s4(double gamma, int mixed)
{
  mf_model m;
  memset(&m, 0, sizeof m);
  m.P = 2, m.gamma = gamma, m.neuron = MF_NEURON_FHN;
  for (int p = 0; p < 2; p++) {
    m.pop[p] = fhn_classic_pop(p ? "I" : "E", p ? 0.0 : 0.5, 0.0, 0.5);
    m.pop[p].reversal = p ? -2.0 : 2.0, m.pop[p].s = 1.0, m.pop[p].k = 4.0, m.pop[p].theta = 0.0;
    m.pop[p].fraction = 0.5;
  }
  m.pop[0].g[0] = 1.0, m.pop[0].g[1] = 1.5;
  m.pop[1].g[0] = mixed ? 2.0 : 1.0, m.pop[1].g[1] = mixed ? 1.0 : 1.5;
  if (mixed) m.pop[0].g_el[1] = m.pop[1].g_el[0] = 0.5;
  return m;
}

#endif
