/* stationary.h -- the semi-explicit stationary solution of MODEL.md section 2,
 * independent of any discretisation: for frozen activities the stationary
 * density is the Gibbs density, whose moments are taken here by composite
 * Simpson on a fine grid, and the activities solve the self-consistency
 * equations m_q = int S_q rho_q by Newton's method. */
#ifndef MFBALANCE_TEST_STATIONARY_H
#define MFBALANCE_TEST_STATIONARY_H

#include "numtest.h"

#include "mfbalance/model.h"
#include "mfbalance/observables.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Gibbs density of population p for activities m on [a, b]: moments by
 * composite Simpson on K intervals.  Returns (into mom) mass-normalised
 * int S_p rho, mean and sd. */
static inline void gibbs_moments(const mf_model *model, int p, const double *m, double a, double b, double mom[3])
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
static inline void self_consistent(const mf_model *model, double a, double b, double *m)
{
  const int P = model->P;
  for (int it = 0; it < 50; it++) {
    double G[MF_MAX_POPS], J[MF_MAX_POPS * MF_MAX_POPS], mom[3];
    for (int q = 0; q < P; q++) gibbs_moments(model, q, m, a, b, mom), G[q] = mom[0] - m[q];
    for (int r = 0; r < P; r++) {
      double mp[MF_MAX_POPS];
      memcpy(mp, m, (size_t)P * sizeof *m);
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

/* The long-time observables obs (length 2) of a two-population model against
 * the semi-explicit stationary solution on [-4, 4]: mean, s.d. and activity
 * to relative tolerance tol. */
static inline void assert_stationary(const mf_model *model, const mf_pop_observables *obs, double tol,
                                     const char *label)
{
  double m[2] = {obs[0].m, obs[1].m};
  self_consistent(model, -4.0, 4.0, m);
  for (int p = 0; p < 2; p++) {
    double mom[3];
    gibbs_moments(model, p, m, -4.0, 4.0, mom);
    print_message("%s, gamma = %g pop %d: mean %.12f (reference %.12f), sd %.12f (reference %.12f)\n", label,
                  model->gamma, p, obs[p].mean, mom[1], obs[p].sd, mom[2]);
    assert_rel(obs[p].mean, mom[1], tol, "%s, gamma = %g pop %d: stationary mean", label, model->gamma, p);
    assert_rel(obs[p].sd, mom[2], tol, "%s, gamma = %g pop %d: stationary sd", label, model->gamma, p);
    assert_rel(obs[p].m, m[p], tol, "%s, gamma = %g pop %d: activity", label, model->gamma, p);
  }
}

#endif
