/* fhn_limit.c -- balance and the gamma -> infinity limit of FitzHugh-Nagumo
 * networks (fhn_limit.h): w*, the slow w-relaxation at the balance
 * voltages with its O(1/gamma) voltage offset, and the synchronous
 * FitzHugh-Nagumo ODE of pure electrical coupling. */
#include "mfbalance/fhn_limit.h"

#include "mfbalance/balance.h"

#include <math.h>
#include <string.h>

void mf_fhn_wstar(const mf_model *model, const double *x, double *w)
{
  for (int p = 0; p < model->P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    w[p] = r->b != 0.0 ? (x[p] + r->a) / r->b : NAN;
  }
}

/* S_p'' (the logistic's second derivative; 0 when k = 0). */
static double d2S(const mf_population *pop, double y)
{
  if (pop->k == 0.0 || pop->s == 0.0) return 0.0;
  const double u = mf_model_S(pop, y) / pop->s; /* in (0, 1) */
  return pop->s * pop->k * pop->k * u * (1.0 - u) * (1.0 - 2.0 * u);
}

/* Solve the n x n system M y = r in place (M column-major, destroyed; r
 * becomes y) by Gaussian elimination with partial pivoting.  0 if singular. */
static int solve_small(int n, double *M, double *r)
{
  for (int j = 0; j < n; j++) {
    int piv = j;
    for (int i = j + 1; i < n; i++)
      if (fabs(M[i + j * n]) > fabs(M[piv + j * n])) piv = i;
    if (!(fabs(M[piv + j * n]) > 0.0)) return 0;
    if (piv != j) {
      for (int k = 0; k < n; k++) {
        const double t = M[j + k * n];
        M[j + k * n] = M[piv + k * n], M[piv + k * n] = t;
      }
      const double t = r[j];
      r[j] = r[piv], r[piv] = t;
    }
    for (int i = j + 1; i < n; i++) {
      const double f = M[i + j * n] / M[j + j * n];
      for (int k = j; k < n; k++) M[i + k * n] -= f * M[j + k * n];
      r[i] -= f * r[j];
    }
  }
  for (int j = n - 1; j >= 0; j--) {
    double s = r[j];
    for (int k = j + 1; k < n; k++) s -= M[j + k * n] * r[k];
    r[j] = s / M[j + j * n];
  }
  return 1;
}

static void predict_width(mf_fhn_limit *lim, const mf_model *model)
{
  for (int p = 0; p < model->P; p++) {
    const double k = model->gamma * lim->A[p] - mf_model_df(&model->pop[p], lim->v[p]);
    lim->sd_v[p] = k > 0.0 ? model->pop[p].sigma / sqrt(2.0 * k) : NAN;
  }
}

mf_status mf_fhn_limit_init(mf_fhn_limit *lim, const mf_model *model, const double *xstar, const double *v0,
                            const double *w0)
{
  const int P = model->P;
  memset(lim, 0, sizeof *lim);
  if (model->neuron != MF_NEURON_FHN) return mf_error(MF_EINPUT, "the limit of FitzHugh-Nagumo networks: not an fhn model");
  lim->kind = xstar ? MF_FHN_LIMIT_BALANCE : MF_FHN_LIMIT_SYNCHRONOUS;
  memcpy(lim->w0, w0, (size_t)P * sizeof *w0);
  memcpy(lim->w, w0, (size_t)P * sizeof *w0);
  if (xstar) {
    memcpy(lim->v, xstar, (size_t)P * sizeof *xstar);
    for (int p = 0; p < P; p++) {
      double A = 0.0;
      for (int q = 0; q < P; q++) A += model->pop[p].g_el[q] + model->pop[p].g[q] * mf_model_S(&model->pop[q], xstar[q]);
      lim->A[p] = A;
    }
  } else {
    if (!mf_balance_is_consensus(model))
      return mf_error(MF_EINPUT, "the synchronous limit needs electrical coupling alone (g = 0, some g_el > 0)");
    double c[MF_MAX_POPS];
    mf_status status = mf_balance_consensus_point(model, v0, c);
    if (status != MF_OK) return status;
    mf_balance_consensus_weights(model, lim->pi);
    for (int p = 0; p < P; p++) {
      lim->v[p] = c[0];
      lim->delta[p] = NAN;
      for (int q = 0; q < P; q++) lim->A[p] += model->pop[p].g_el[q];
    }
  }
  return mf_fhn_limit_advance(lim, model, 0.0);
}

/* The synchronous ODE's right-hand side on y = (c, wbar_1..P). */
static void sync_rhs(const mf_fhn_limit *lim, const mf_model *model, const double *y, double *dy)
{
  const int P = model->P;
  double num = 0.0, den = 0.0;
  for (int p = 0; p < P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    num += lim->pi[p] * (mf_model_f(&model->pop[p], y[0]) - y[1 + p]);
    den += lim->pi[p];
    dy[1 + p] = r->epsilon * (y[0] + r->a - r->b * y[1 + p]);
  }
  dy[0] = num / den;
}

static mf_status advance_synchronous(mf_fhn_limit *lim, const mf_model *model, double t)
{
  const int P = model->P, n = P + 1;
  const double span = t - lim->t;
  if (span <= 0.0) return MF_OK;
  const long steps = (long)ceil(span / 1e-3);
  const double h = span / (double)steps;
  double y[MF_MAX_POPS + 1], k1[MF_MAX_POPS + 1], k2[MF_MAX_POPS + 1], k3[MF_MAX_POPS + 1], k4[MF_MAX_POPS + 1],
      tmp[MF_MAX_POPS + 1];
  y[0] = lim->v[0];
  for (int p = 0; p < P; p++) y[1 + p] = lim->w[p];
  for (long s = 0; s < steps; s++) {
    sync_rhs(lim, model, y, k1);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k1[i];
    sync_rhs(lim, model, tmp, k2);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k2[i];
    sync_rhs(lim, model, tmp, k3);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + h * k3[i];
    sync_rhs(lim, model, tmp, k4);
    for (int i = 0; i < n; i++) y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
  }
  for (int i = 0; i < n; i++)
    if (!isfinite(y[i])) return mf_error(MF_ENUMERIC, "the synchronous FitzHugh-Nagumo ODE is not finite at t = %g", t);
  for (int p = 0; p < P; p++) lim->v[p] = y[0], lim->w[p] = y[1 + p];
  lim->t = t;
  return MF_OK;
}

mf_status mf_fhn_limit_advance(mf_fhn_limit *lim, const mf_model *model, double t)
{
  const int P = model->P;
  if (lim->kind == MF_FHN_LIMIT_SYNCHRONOUS) {
    mf_status status = advance_synchronous(lim, model, t);
    predict_width(lim, model);
    return status;
  }
  double wstar[MF_MAX_POPS], H[MF_MAX_POPS * MF_MAX_POPS], rhs[MF_MAX_POPS];
  mf_fhn_wstar(model, lim->v, wstar);
  for (int p = 0; p < P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    lim->w[p] = r->b != 0.0 ? wstar[p] + (lim->w0[p] - wstar[p]) * exp(-r->epsilon * r->b * t)
                            : lim->w0[p] + r->epsilon * (lim->v[p] + r->a) * t;
  }
  lim->t = t;
  /* delta = H^-1 (F - N), H = -J. */
  mf_balance_jacobian(model, lim->v, H);
  for (int i = 0; i < P * P; i++) H[i] = -H[i];
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    double N = 0.0;
    for (int q = 0; q < P; q++) {
      const mf_population *pq = &model->pop[q];
      N += pop->g[q] * (lim->v[p] - pq->reversal) * d2S(pq, lim->v[q]) * pq->sigma * pq->sigma / (4.0 * lim->A[q]);
    }
    rhs[p] = mf_model_f(pop, lim->v[p]) - lim->w[p] - N;
  }
  if (!solve_small(P, H, rhs)) return mf_error(MF_ENUMERIC, "the balance point's matrix H is singular: no 1/gamma offset");
  memcpy(lim->delta, rhs, (size_t)P * sizeof *rhs);
  predict_width(lim, model);
  return MF_OK;
}
