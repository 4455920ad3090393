/* model.c -- pointwise functions of the network model (MODEL.md sections 1-3,
 * docs/model.md): the cubic intrinsic drift, the logistic activation, the
 * separable coupling A_p, C_p = A_p V_p and the explicit balance voltages. */
#include "mfbalance/model.h"

#include <math.h>
#include <string.h>

double mf_model_f(const mf_population *pop, double x)
{
  const double *c = pop->f;
  return c[0] + x * (c[1] + x * (c[2] + x * c[3]));
}

double mf_model_df(const mf_population *pop, double x)
{
  const double *c = pop->f;
  return c[1] + x * (2.0 * c[2] + x * 3.0 * c[3]);
}

double mf_model_F(const mf_population *pop, double x)
{
  const double *c = pop->f;
  return x * (c[0] + x * (c[1] / 2.0 + x * (c[2] / 3.0 + x * c[3] / 4.0)));
}

double mf_model_f_mean(const mf_population *pop, double mid, double half)
{
  /* Averages of x^2 and x^3 over the interval: mid^2 + half^2/3 and mid^3 + mid half^2. */
  const double *c = pop->f, h2 = half * half;
  return c[0] + c[1] * mid + c[2] * (mid * mid + h2 / 3.0) + c[3] * mid * (mid * mid + h2);
}

double mf_model_S(const mf_population *pop, double y)
{
  if (pop->k == 0.0) return 0.5 * pop->s;
  /* exp(-z) overflows to inf for very negative z; s/(1+inf) = 0 is the right limit. */
  return pop->s / (1.0 + exp(-pop->k * (y - pop->theta)));
}

double mf_model_dS(const mf_population *pop, double y)
{
  if (pop->k == 0.0) return 0.0;
  /* S' = k S (1 - S/s), written with e = exp(-|z|) so that nothing overflows. */
  double z = pop->k * (y - pop->theta);
  double e = exp(-fabs(z));
  return pop->s * pop->k * e / ((1.0 + e) * (1.0 + e));
}

void mf_model_initial_moments(const mf_population *pop, double *mean, double *sd)
{
  if (pop->init == MF_INIT_GAUSSIAN) {
    *mean = pop->init_a;
    *sd = pop->init_b;
  } else {
    *mean = 0.5 * (pop->init_a + pop->init_b);
    *sd = (pop->init_b - pop->init_a) / sqrt(12.0);
  }
}

double mf_model_diffusion(const mf_population *pop) { return 0.5 * pop->sigma * pop->sigma; }

void mf_model_coupling(const mf_model *model, const double *m, const double *xbar, double *A, double *C)
{
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    double a = 0.0, c = 0.0;
    for (int q = 0; q < model->P; q++) {
      a += pop->g[q] * m[q] + pop->g_el[q];
      c += pop->g[q] * model->pop[q].reversal * m[q];
      if (xbar) c += pop->g_el[q] * xbar[q];
    }
    A[p] = a;
    C[p] = c;
  }
}

int mf_model_has_electrical(const mf_model *model)
{
  for (int p = 0; p < model->P; p++)
    for (int q = 0; q < model->P; q++)
      if (model->pop[p].g_el[q] != 0.0) return 1;
  return 0;
}

static int same_activation(const mf_population *a, const mf_population *b)
{
  if (a->k == 0.0 && b->k == 0.0) return a->s == b->s;
  return a->s == b->s && a->k == b->k && a->theta == b->theta;
}

int mf_model_explicit_balance(const mf_model *model, double *xstar)
{
  const int P = model->P;
  if (mf_model_has_electrical(model)) return 0;
  if (P == 1) {
    xstar[0] = model->pop[0].reversal;
    return 1;
  }
  int all_constant = 1, all_same = 1;
  for (int p = 0; p < P; p++) {
    if (memcmp(model->pop[p].g, model->pop[0].g, (size_t)P * sizeof(double)) != 0) return 0;
    all_constant &= model->pop[p].k == 0.0;
    all_same &= same_activation(&model->pop[p], &model->pop[0]);
  }
  if (!all_constant && !all_same) return 0;
  /* With one S the common factor S(x*) cancels; with constant S it is known. */
  double num = 0.0, den = 0.0;
  for (int q = 0; q < P; q++) {
    double w = model->pop[0].g[q] * (all_same ? 1.0 : 0.5 * model->pop[q].s);
    num += w * model->pop[q].reversal;
    den += w;
  }
  if (!(den > 0.0)) return 0;
  for (int p = 0; p < P; p++) xstar[p] = num / den;
  return 1;
}

double mf_model_initial_mass(const mf_population *pop, double a, double b)
{
  if (pop->init == MF_INIT_UNIFORM) {
    double lo = fmax(a, pop->init_a), hi = fmin(b, pop->init_b);
    return hi > lo ? (hi - lo) / (pop->init_b - pop->init_a) : 0.0;
  }
  /* P(a < X < b) = (erfc(za) - erfc(zb)) / 2 with z = (x - mean)/(sd sqrt 2);
   * mirrored when the box lies mostly left of the mean, so that the two
   * erfc are small and their difference keeps its digits. */
  const double s = pop->init_b * sqrt(2.0), za = (a - pop->init_a) / s, zb = (b - pop->init_a) / s;
  return za + zb >= 0.0 ? 0.5 * (erfc(za) - erfc(zb)) : 0.5 * (erfc(-zb) - erfc(-za));
}

mf_status mf_model_check(const mf_model *model)
{
  if (model->P < 1 || model->P > MF_MAX_POPS)
    return mf_error(MF_EINPUT, "%d populations: expected 1 to %d", model->P, MF_MAX_POPS);
  if (!(model->gamma > 0.0)) /* +inf is the limit problem, solved by the Hopf-Cole solver */
    return mf_error(MF_EINPUT, "gamma = %g: must be > 0", model->gamma);
  double total = 0.0;
  for (int p = 0; p < model->P; p++) {
    const mf_population *pp = &model->pop[p];
    const char *nm = pp->name;
    if (!(pp->sigma > 0.0 && isfinite(pp->sigma)))
      return mf_error(MF_EINPUT, "population %s: sigma = %g: must be > 0", nm, pp->sigma);
    if (!(pp->s >= 0.0 && isfinite(pp->s) && isfinite(pp->k) && isfinite(pp->theta)))
      return mf_error(MF_EINPUT, "population %s: sigmoid = %g %g %g: expected s >= 0 and finite k, theta",
                      nm, pp->s, pp->k, pp->theta);
    for (int q = 0; q < model->P; q++) {
      if (!(pp->g[q] >= 0.0 && isfinite(pp->g[q])))
        return mf_error(MF_EINPUT, "population %s: g[%d] = %g: weights must be >= 0", nm, q, pp->g[q]);
      if (!(pp->g_el[q] >= 0.0 && isfinite(pp->g_el[q])))
        return mf_error(MF_EINPUT, "population %s: g_el[%d] = %g: weights must be >= 0", nm, q, pp->g_el[q]);
    }
    if (pp->init == MF_INIT_GAUSSIAN && !(pp->init_b > 0.0))
      return mf_error(MF_EINPUT, "population %s: init gaussian sd = %g: must be > 0", nm, pp->init_b);
    if (pp->init == MF_INIT_UNIFORM && !(pp->init_a < pp->init_b))
      return mf_error(MF_EINPUT, "population %s: init uniform %g %g: expected A < B", nm, pp->init_a,
                      pp->init_b);
    if (!(pp->fraction > 0.0 && pp->fraction <= 1.0))
      return mf_error(MF_EINPUT, "population %s: fraction = %g: must be in (0, 1]", nm, pp->fraction);
    total += pp->fraction;
  }
  if (fabs(total - 1.0) > 1e-9)
    return mf_error(MF_EINPUT, "fractions sum to %.17g: expected 1", total);
  return MF_OK;
}
