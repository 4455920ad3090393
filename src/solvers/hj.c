/* hj.c -- the Hopf-Cole / Hamilton-Jacobi solver (hj.h, MODEL.md section 4,
 * docs/hopf-cole.md):
 *   - Godunov's numerical Hamiltonian for H convex in p, on one-sided
 *     second-order slopes whose curvature correction is a smooth limiter
 *     (weights |u''|^-8) of the neighbouring second differences;
 *   - the O(1/gamma) viscous and drift corrections and the walls (zero flux
 *     at finite gamma, outflow in the limit);
 *   - the activities (and the means, for electrical coupling) by
 *     log-sum-exp, with sub-cell quadrature near the maximum; at gamma = inf
 *     both are taken at the argmax;
 *   - the Jacobian of all that: a band (the stencil) plus rank P (the
 *     activities), 2P with the means;
 *   - time integration by CVODE's BDF methods with Newton iterations on that
 *     Jacobian: band LU plus Sherman-Morrison-Woodbury for the linear
 *     systems, and the serial vector kernels compiled here. */
#include "mfbalance/hj.h"

#include "mfbalance/integrator.h"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HJ_BAND 2                /* the scheme couples u_i to u_{i-2} ... u_{i+2} */
#define HJ_ROW (2 * HJ_BAND + 1) /* entries of a band row */

struct mf_hj {
  mf_model model;
  const mf_grid *grid;
  int P, n;
  int limit;      /* 1 when gamma = infinity */
  int electrical; /* 1 when some g_el > 0: the couplings need the means */
  int rank;       /* columns of the low-rank part: P (activities), 2P (and means) */
  double eps;     /* 1/gamma, 0 in the limit */
  double *S;      /* S_q(x_i), length P n */
  double *drift;  /* f_p(x_i)/gamma, length P n (0 in the limit) */
  double *dfdx;   /* f_p'(x_i)/gamma^2, length P n (0 in the limit) */
  double *weight; /* workspace of the log-sum-exp weights, length n */
  double *hinv;   /* 1/(x_{i+1} - x_i), length n - 1 */
  double *ddw;    /* 2/(x_{i+1} - x_{i-1}), length n (0 at the walls) */
  double *slope;  /* workspace of the first divided differences, length n */
  double *curv;   /* workspace of the second divided differences, length n */
  double *corr;   /* workspace of the slope corrections, length n */
};

mf_hj *mf_hj_create(const mf_model *model, const mf_grid *grid)
{
  mf_model check = *model;
  if (isinf(check.gamma)) check.gamma = 1.0; /* everything else must be valid */
  if (mf_model_check(&check) != MF_OK) return NULL;
  if (model->neuron != MF_NEURON_1D) {
    mf_error(MF_EINPUT, "FitzHugh-Nagumo neurons (v, w) are not in the Hopf-Cole solver yet: it solves for "
             "one-dimensional neurons");
    return NULL;
  }
  for (int p = 0; p < model->P; p++)
    if (model->pop[p].init != MF_INIT_GAUSSIAN) {
      mf_error(MF_EINPUT, "population %s: the Hopf-Cole solver needs Gaussian initial data (log rho_0 must be "
               "finite everywhere)", model->pop[p].name);
      return NULL;
    }
  const size_t n = (size_t)grid->n, Pn = (size_t)model->P * n;
  mf_hj *hj = calloc(1, sizeof *hj);
  if (hj) {
    hj->S = malloc(Pn * sizeof(double));
    hj->drift = malloc(Pn * sizeof(double));
    hj->dfdx = malloc(Pn * sizeof(double));
    hj->weight = malloc(n * sizeof(double));
    hj->hinv = malloc(n * sizeof(double));
    hj->ddw = malloc(n * sizeof(double));
    hj->slope = malloc(n * sizeof(double));
    hj->curv = malloc(n * sizeof(double));
    hj->corr = malloc(n * sizeof(double));
  }
  if (!hj || !hj->S || !hj->drift || !hj->dfdx || !hj->weight || !hj->hinv || !hj->ddw || !hj->slope || !hj->curv ||
      !hj->corr) {
    mf_hj_free(hj);
    mf_error(MF_ENOMEM, "out of memory for the Hopf-Cole operator");
    return NULL;
  }
  hj->model = *model;
  hj->grid = grid;
  hj->P = model->P;
  hj->n = grid->n;
  hj->limit = isinf(model->gamma);
  hj->electrical = mf_model_has_electrical(model);
  hj->rank = hj->electrical ? 2 * model->P : model->P;
  hj->eps = hj->limit ? 0.0 : 1.0 / model->gamma;
  for (size_t i = 0; i + 1 < n; i++) hj->hinv[i] = 1.0 / (grid->x[i + 1] - grid->x[i]);
  hj->ddw[0] = hj->ddw[n - 1] = 0.0;
  for (size_t i = 1; i + 1 < n; i++) hj->ddw[i] = 2.0 / (grid->x[i + 1] - grid->x[i - 1]);
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    for (size_t i = 0; i < n; i++) {
      const double x = grid->x[i];
      hj->S[p * n + i] = mf_model_S(pop, x);
      hj->drift[p * n + i] = hj->eps * mf_model_f(pop, x);
      hj->dfdx[p * n + i] = hj->eps * hj->eps * mf_model_df(pop, x);
    }
  }
  return hj;
}

void mf_hj_free(mf_hj *hj)
{
  if (!hj) return;
  free(hj->S);
  free(hj->drift);
  free(hj->dfdx);
  free(hj->weight);
  free(hj->hinv);
  free(hj->ddw);
  free(hj->slope);
  free(hj->curv);
  free(hj->corr);
  free(hj);
}

int mf_hj_size(const mf_hj *hj) { return hj->P * hj->n; }

int mf_hj_rank(const mf_hj *hj) { return hj->rank; }

void mf_hj_initial(const mf_hj *hj, double *u)
{
  for (int p = 0; p < hj->P; p++) {
    const mf_population *pop = &hj->model.pop[p];
    const double mean = pop->init_a, sd = pop->init_b;
    for (int i = 0; i < hj->n; i++) {
      const double x = hj->grid->x[i], q = -(x - mean) * (x - mean) / (2.0 * sd * sd);
      u[(size_t)p * hj->n + i] = hj->limit ? q : (q - log(sd * 2.5066282746310002)) / hj->model.gamma;
    }
  }
}

double mf_hj_argmax(const mf_grid *grid, const double *u, double *umax)
{
  int k = 0;
  for (int i = 1; i < grid->n; i++)
    if (u[i] > u[k]) k = i;
  if (k == 0 || k == grid->n - 1) {
    *umax = u[k];
    return grid->x[k];
  }
  /* Parabola through (x_{k-1}, u_{k-1}), (x_k, u_k), (x_{k+1}, u_{k+1}) in Newton form. */
  const double x0 = grid->x[k - 1], x1 = grid->x[k], x2 = grid->x[k + 1];
  const double d01 = (u[k] - u[k - 1]) / (x1 - x0), d12 = (u[k + 1] - u[k]) / (x2 - x1);
  const double c2 = (d12 - d01) / (x2 - x0); /* < 0 at a strict maximum */
  if (!(c2 < 0.0)) {
    *umax = u[k];
    return x1;
  }
  /* u(x) = u_k + b (x - x1) + c2 (x - x1)^2 with b = d01 + c2 (x1 - x0). */
  const double b = d01 + c2 * (x1 - x0);
  const double xv = x1 - b / (2.0 * c2);
  *umax = u[k] - b * b / (4.0 * c2);
  return xv;
}

/* Log-sum-exp weights w_i e^{gamma (u_i - max u)} into hj->weight; returns their sum. */
static double lse_weights(const mf_hj *hj, const double *u)
{
  double top = -INFINITY;
  for (int i = 0; i < hj->n; i++) top = fmax(top, u[i]);
  double sum = 0.0;
  for (int i = 0; i < hj->n; i++) sum += hj->weight[i] = hj->grid->w[i] * exp(hj->model.gamma * (u[i] - top));
  return sum;
}

/* The parabola through cells k-1, k, k+1 of u in Newton form,
 * q(x) = u_{k-1} + d01 (x - x0) + c2 (x - x0)(x - x1), and the derivatives
 * of d01 and c2 on u_{k-1}, u_k, u_{k+1}. */
typedef struct {
  double x0, x1, x2, d01, c2;
  double dd01[3], dc2[3];
} parabola;

static parabola parabola_at(const mf_grid *g, const double *u, int k)
{
  parabola q;
  q.x0 = g->x[k - 1], q.x1 = g->x[k], q.x2 = g->x[k + 1];
  const double h0 = q.x1 - q.x0, h1 = q.x2 - q.x1, w = q.x2 - q.x0;
  q.d01 = (u[k] - u[k - 1]) / h0;
  const double d12 = (u[k + 1] - u[k]) / h1;
  q.c2 = (d12 - q.d01) / w;
  const double dd12[3] = {0.0, -1.0 / h1, 1.0 / h1};
  q.dd01[0] = -1.0 / h0, q.dd01[1] = 1.0 / h0, q.dd01[2] = 0.0;
  for (int j = 0; j < 3; j++) q.dc2[j] = (dd12[j] - q.dd01[j]) / w;
  return q;
}

/* The derivatives of mf_hj_argmax's result on u_{k-1}, u_k, u_{k+1} into
 * g3 (k its cell; 0 where it returns a cell centre).  Returns k, or -1. */
static int argmax_gradient(const mf_grid *grid, const double *u, double g3[3])
{
  int k = 0;
  for (int i = 1; i < grid->n; i++)
    if (u[i] > u[k]) k = i;
  g3[0] = g3[1] = g3[2] = 0.0;
  if (k == 0 || k == grid->n - 1) return -1;
  const parabola q = parabola_at(grid, u, k);
  if (!(q.c2 < 0.0)) return -1;
  /* x_v = x1 - b / (2 c2), b = d01 + c2 (x1 - x0) */
  const double b = q.d01 + q.c2 * (q.x1 - q.x0);
  for (int j = 0; j < 3; j++) {
    const double db = q.dd01[j] + (q.x1 - q.x0) * q.dc2[j];
    g3[j] = -db / (2.0 * q.c2) + b * q.dc2[j] / (2.0 * q.c2 * q.c2);
  }
  return k;
}

/* int S e^{gamma (u - top)}, int x e^{gamma (u - top)} and int e^{gamma (u - top)}
 * over cell i, where u is the parabola through cells k-1, k, k+1 (k = i
 * clamped inside), sampled at K sub-cell midpoints.  Used near the maximum,
 * where e^{gamma u} may be far narrower than a cell.  With gn != NULL, also
 * gamma times the derivatives of the integrals on u_{k-1}, u_k, u_{k+1} are
 * added to gn[k-1..k+1], gx[k-1..k+1] (when gx != NULL), gd[k-1..k+1]. */
static void subcell_integrals(const mf_hj *hj, const mf_population *pop, const double *u, int i, double top, int K,
                              double *num, double *xnum, double *den, double *gn, double *gx, double *gd)
{
  const mf_grid *g = hj->grid;
  const int k = i < 1 ? 1 : i > g->n - 2 ? g->n - 2 : i;
  const parabola q = parabola_at(g, u, k);
  double sn = 0.0, sx = 0.0, sd = 0.0, an[3] = {0}, ax[3] = {0}, ad[3] = {0};
  for (int j = 0; j < K; j++) {
    const double x = g->faces[i] + g->w[i] * (j + 0.5) / K;
    const double v = u[k - 1] + q.d01 * (x - q.x0) + q.c2 * (x - q.x0) * (x - q.x1);
    const double e = exp(hj->model.gamma * (v - top)), S = mf_model_S(pop, x);
    sn += e * S;
    sx += e * x;
    sd += e;
    if (gn)
      for (int l = 0; l < 3; l++) {
        const double dv = (l == 0) + q.dd01[l] * (x - q.x0) + q.dc2[l] * (x - q.x0) * (x - q.x1);
        an[l] += e * S * dv;
        ax[l] += e * x * dv;
        ad[l] += e * dv;
      }
  }
  *num = sn * g->w[i] / K;
  *xnum = sx * g->w[i] / K;
  *den = sd * g->w[i] / K;
  if (gn)
    for (int l = 0; l < 3; l++) {
      gn[k - 1 + l] += hj->model.gamma * an[l] * g->w[i] / K;
      if (gx) gx[k - 1 + l] += hj->model.gamma * ax[l] * g->w[i] / K;
      gd[k - 1 + l] += hj->model.gamma * ad[l] * g->w[i] / K;
    }
}

/* The activities m_q and, with xb != NULL, the means xbar_q (the argmax at
 * gamma = infinity); with dm != NULL also their derivatives, dm[q n + i] =
 * d m_q / d u_{q, i} and, with xb, dxb[q n + i] = d xbar_q / d u_{q, i}
 * (length P n each; both depend on population q only). */
static void activities(const mf_hj *hj, const double *u, double *m, double *dm, double *xb, double *dxb)
{
  const mf_grid *g = hj->grid;
  const int n = hj->n;
  for (int q = 0; q < hj->P; q++) {
    const mf_population *pop = &hj->model.pop[q];
    const double *uq = u + (size_t)q * n;
    double *gn = dm ? dm + (size_t)q * n : NULL, *gd = hj->weight;
    double *gx = dm && xb ? dxb + (size_t)q * n : NULL;
    if (gn)
      for (int i = 0; i < n; i++) gn[i] = gd[i] = 0.0;
    if (gx)
      for (int i = 0; i < n; i++) gx[i] = 0.0;
    double umax;
    const double xbar = mf_hj_argmax(g, uq, &umax);
    if (hj->limit) {
      m[q] = mf_model_S(pop, xbar);
      if (xb) xb[q] = xbar;
      if (gn) {
        double g3[3];
        const int k = argmax_gradient(g, uq, g3);
        if (k >= 0)
          for (int j = 0; j < 3; j++) {
            gn[k - 1 + j] = mf_model_dS(pop, xbar) * g3[j];
            if (gx) gx[k - 1 + j] = g3[j];
          }
      }
      continue;
    }
    /* Midpoint rule away from the maximum; near it (4 cells each side) the
     * parabola of u is sampled finely enough to resolve the local width
     * 1/sqrt(2 gamma |u''|) with 8 points, however large gamma is. */
    const int imax = mf_grid_locate(g, xbar);
    const double top = fmax(umax, uq[imax]);
    const double *Sq = hj->S + (size_t)q * n;
    double num = 0.0, xnum = 0.0, den = 0.0;
    for (int i = 0; i < n; i++) {
      if (abs(i - imax) <= 4) continue;
      /* exp(z) is exactly 0 for z < -745.2 (the least subnormal is e^-744.4):
       * skipping those cells changes no bit of the sums. */
      const double z = hj->model.gamma * (uq[i] - top);
      if (z < -746.0) continue;
      const double e = g->w[i] * exp(z);
      num += e * Sq[i];
      xnum += e * g->x[i];
      den += e;
      if (gn) gn[i] = hj->model.gamma * e * Sq[i], gd[i] = hj->model.gamma * e;
      if (gx) gx[i] = hj->model.gamma * e * g->x[i];
    }
    for (int i = imax - 4; i <= imax + 4; i++) {
      if (i < 0 || i >= n) continue;
      const int k = i < 1 ? 1 : i > n - 2 ? n - 2 : i;
      const double curv = fabs(2.0 * ((uq[k + 1] - uq[k]) / (g->x[k + 1] - g->x[k]) -
                                       (uq[k] - uq[k - 1]) / (g->x[k] - g->x[k - 1])) / (g->x[k + 1] - g->x[k - 1]));
      const double width = 1.0 / sqrt(fmax(2.0 * hj->model.gamma * curv, 1e-300));
      const int K = (int)fmin(4096.0, fmax(1.0, ceil(8.0 * g->w[i] / width)));
      double cn, cx, cd;
      subcell_integrals(hj, pop, uq, i, top, K, &cn, &cx, &cd, gn, gx, gd);
      num += cn;
      xnum += cx;
      den += cd;
    }
    m[q] = num / den;
    if (xb) xb[q] = xnum / den;
    /* d(num/den) = (d num - m d den) / den; the shift top cancels. */
    if (gn)
      for (int i = 0; i < n; i++) gn[i] = (gn[i] - m[q] * gd[i]) / den;
    if (gx)
      for (int i = 0; i < n; i++) gx[i] = (gx[i] - xb[q] * gd[i]) / den;
  }
}

void mf_hj_activities(const mf_hj *hj, const double *u, double *m) { activities(hj, u, m, NULL, NULL, NULL); }

void mf_hj_means(const mf_hj *hj, const double *u, double *xbar)
{
  double m[MF_MAX_POPS];
  activities(hj, u, m, NULL, xbar, NULL);
}

void mf_hj_density(const mf_hj *hj, const double *u, int p, double *rho)
{
  const double sum = lse_weights(hj, u + (size_t)p * hj->n);
  for (int i = 0; i < hj->n; i++) rho[i] = hj->weight[i] / hj->grid->w[i] / sum;
}

/* The limited curvature of a face, from the second differences a, b of the
 * two cells beside it: their average with weights |a|^-8 and |b|^-8,
 *
 *   L(a, b) = (a |b|^8 + b |a|^8) / (|a|^8 + |b|^8)  if a b > 0,  0 otherwise.
 *
 * Minmod, the limiter of second-order ENO, is the limit of an infinite power;
 * the power 2 is van Albada's limiter (van Albada, van Leer & Roberts,
 * Astron. Astrophys. 108, 1982).  Like minmod, L follows the smaller
 * curvature when the two differ (when one is twice the other, the larger
 * weighs 1/257), vanishes at a sign change and is exact on quadratics
 * (L(a, a) = a).  Unlike minmod it is smooth where a and b are close, which
 * is where the second differences of a nearly quadratic u always are: there
 * minmod switches stencils at round-off level, and no Newton matrix describes
 * the right-hand side (docs/hopf-cole.md, which also gives the step counts
 * behind the power 8).  Evaluated as m g(r), m the larger of a, b in
 * magnitude, r = (the other)/m in (0, 1], g(r) = (r + r^8)/(1 + r^8), so
 * that nothing overflows.  The partial derivatives go into *da and *db when
 * da is not NULL. */
static inline double curvature_limiter(double a, double b, double *da, double *db)
{
  if (!(a * b > 0.0)) {
    if (da) *da = *db = 0.0;
    return 0.0;
  }
  const int a_larger = fabs(a) > fabs(b);
  const double m = a_larger ? a : b, r = (a_larger ? b : a) / m;
  const double r2 = r * r, r4 = r2 * r2, r7 = r4 * r2 * r, r8 = r4 * r4, g = (r + r8) / (1.0 + r8);
  if (da) {
    /* dL/d(other) = g'(r), dL/dm = g(r) - r g'(r) */
    const double dg = ((1.0 + 8.0 * r7) * (1.0 + r8) - (r + r8) * 8.0 * r7) / ((1.0 + r8) * (1.0 + r8));
    *da = a_larger ? g - r * dg : dg;
    *db = a_larger ? dg : g - r * dg;
  }
  return m * g;
}

/* corr_i = (x_{i+1} - x_i)/2 L(dd_i, dd_{i+1}) on the faces i + 1/2, i = 1 ...
 * n - 3, and 0 on the faces of the wall cells: curvature_limiter without its
 * branches, the same arithmetic where dd_i dd_{i+1} > 0 (elsewhere the
 * quotient may be 0/0, and the result is replaced by 0, as curvature_limiter
 * returns).  GCC if-converts and vectorises the loop only when it may assume
 * that floating-point operations do not trap, which changes no value; the
 * slopes and their corrections took 15 % of a run at gamma = inf, now 9 %. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-trapping-math")))
#endif
static void face_corrections(int n, const double *x, const double *dd, double *corr)
{
  corr[0] = corr[n - 2] = 0.0;
  for (int i = 1; i < n - 2; i++) {
    const double a = dd[i], b = dd[i + 1];
    const int a_larger = fabs(a) > fabs(b);
    const double m = a_larger ? a : b, r = (a_larger ? b : a) / m;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4, lim = m * ((r + r8) / (1.0 + r8));
    corr[i] = 0.5 * (x[i + 1] - x[i]) * (a * b > 0.0 ? lim : 0.0);
  }
}

/* What every cell of population p shares in one evaluation. */
typedef struct {
  const double *u;     /* u_p, length n */
  const double *d;     /* d_i = (u_{i+1} - u_i)/(x_{i+1} - x_i) on face i + 1/2, length n - 1 */
  const double *dd;    /* second divided differences, length n (0 at the walls) */
  const double *corr;  /* (x_{i+1} - x_i)/2 times the limited curvature on face i + 1/2 */
  const double *drift; /* f_p(x_i)/gamma */
  const double *dfdx;  /* f_p'(x_i)/gamma^2 */
  double D, half_D;    /* diffusion and 1/(2D) */
  double A, C;         /* coupling stiffness and A V */
  double wall_l, wall_r; /* zero-flux slopes at the walls (finite gamma) */
  double sum_d;        /* sum of the d_i: not finite if u_p is not (Godunov's min and max would hide a NaN) */
} hj_pop;

/* The differences of u_p into hj's workspaces, and the rest of hj_pop.
 *
 * One-sided slopes of second order (Osher & Shu, SIAM J. Numer. Anal. 28,
 * 1991): on face i + 1/2 the first difference d_i, corrected by half a cell
 * times the limited curvature of the two cells beside the face: d_i - corr_i
 * is the right slope of cell i, d_i + corr_i the left slope of cell i + 1.
 * No correction on the faces of the two cells at each wall (first order). */
static hj_pop population(mf_hj *hj, const double *u, int p, const double *A, const double *C)
{
  const mf_grid *g = hj->grid;
  const int n = hj->n;
  const mf_population *pop = &hj->model.pop[p];
  hj_pop d;
  d.u = u + (size_t)p * n;
  d.drift = hj->drift + (size_t)p * n;
  d.dfdx = hj->dfdx + (size_t)p * n;
  d.D = mf_model_diffusion(pop);
  d.half_D = 0.5 / d.D;
  d.A = A[p];
  d.C = C[p];
  /* Zero flux, (f - gamma A (x - V)) rho = D rho_x, is u_x = (f/gamma - (A x - C))/D at a wall. */
  const double xl = g->faces[0], xr = g->faces[n];
  d.wall_l = (hj->eps * mf_model_f(pop, xl) - (d.A * xl - d.C)) / d.D;
  d.wall_r = (hj->eps * mf_model_f(pop, xr) - (d.A * xr - d.C)) / d.D;
  double *s = hj->slope, *dd = hj->curv, *corr = hj->corr;
  for (int i = 0; i < n - 1; i++) s[i] = (d.u[i + 1] - d.u[i]) * hj->hinv[i];
  /* The sum only tells whether every slope is finite: four partial sums
   * instead of one chain of dependent additions. */
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  for (int i = 0; i < n - 1; i++) part[i & 3] += s[i];
  d.sum_d = (part[0] + part[1]) + (part[2] + part[3]);
  dd[0] = dd[n - 1] = 0.0;
  for (int i = 1; i < n - 1; i++) dd[i] = (s[i] - s[i - 1]) * hj->ddw[i];
  face_corrections(n, g->x, dd, corr);
  d.d = s;
  d.dd = dd;
  d.corr = corr;
  return d;
}

/* The weights of the second divided difference at interior cell i on
 * u_{i-1}, u_i, u_{i+1}. */
static void curv_weights(const mf_hj *hj, int i, double c[3])
{
  c[0] = hj->hinv[i - 1] * hj->ddw[i];
  c[2] = hj->hinv[i] * hj->ddw[i];
  c[1] = -c[0] - c[2];
}

/* d corr_f / d u_{f-1 ... f+2} (face f + 1/2) into g4, 0 where uncorrected. */
static void corr_gradient(const mf_hj *hj, const hj_pop *d, int f, double g4[4])
{
  double da, db, c[3];
  for (int j = 0; j < 4; j++) g4[j] = 0.0;
  if (f < 1 || f > hj->n - 3) return;
  curvature_limiter(d->dd[f], d->dd[f + 1], &da, &db);
  const double h2 = 0.5 * (hj->grid->x[f + 1] - hj->grid->x[f]);
  curv_weights(hj, f, c);
  for (int j = 0; j < 3; j++) g4[j] += h2 * da * c[j];
  curv_weights(hj, f + 1, c);
  for (int j = 0; j < 3; j++) g4[j + 1] += h2 * db * c[j];
}

/* du_i/dtau for cell i of one population.  With grad != NULL also its
 * derivatives on u_{i-2} ... u_{i+2} (grad[j + 2] for u_{i+j}) at frozen
 * activities, and on the population's A and C (dAC[0], dAC[1]): the same
 * arithmetic differentiated branch by branch.  At a wall the slope outside
 * is the zero-flux one (finite gamma) or none (the limit: outflow, the inner
 * slope serves on both sides). */
static inline double cell_rate(const mf_hj *hj, const hj_pop *d, int i, double *grad, double *dAC)
{
  const mf_grid *g = hj->grid;
  const int n = hj->n;
  const double x = g->x[i];
  double gr[5] = {0}, gl[5] = {0}, g4[4];
  const int right = i < n - 1, left = i > 0;
  double pr = 0.0, pl = 0.0;
  if (right) {
    pr = d->d[i] - d->corr[i];
    if (grad) {
      gr[2] = -hj->hinv[i], gr[3] = hj->hinv[i];
      corr_gradient(hj, d, i, g4);
      for (int j = 0; j < 4; j++) gr[1 + j] -= g4[j];
    }
  } else if (!hj->limit) {
    pr = d->wall_r;
  }
  if (left) {
    pl = d->d[i - 1] + d->corr[i - 1];
    if (grad) {
      gl[1] = -hj->hinv[i - 1], gl[2] = hj->hinv[i - 1];
      corr_gradient(hj, d, i - 1, g4);
      for (int j = 0; j < 4; j++) gl[j] += g4[j];
    }
  } else if (!hj->limit) {
    pl = d->wall_l;
  }
  const int one_sided = hj->limit && !(left && right);
  const double pminus = one_sided && !left ? pr : pl, pplus = one_sided && !right ? pl : pr;
  const double *gminus = one_sided && !left ? gr : gl, *gplus = one_sided && !right ? gl : gr;

  /* Godunov for H(p) = D p^2 + b p, convex with its minimum at p^ = -b/(2D):
   * max{H(min(p-, p^)), H(max(p+, p^))}.  Its derivative is H'(p) = 2 D p + b
   * on the side taken, 0 where p^ is taken. */
  const double D = d->D, b = (d->A * x - d->C) - d->drift[i], phat = -b * d->half_D;
  const double lo = pminus < phat ? pminus : phat, hi = pplus > phat ? pplus : phat;
  const double h1 = lo * (D * lo + b), h2 = hi * (D * hi + b);
  double rate = h1 >= h2 ? h1 : h2;
  /* On A and C: through b (dH/db is the argument taken, p^ included) and,
   * at finite gamma, through the zero-flux slope at a wall, d(wall)/dA =
   * -x_wall/D, d(wall)/dC = 1/D. */
  const double xl = g->faces[0], xr = g->faces[n];
  if (grad) {
    const double *gp = h1 >= h2 ? gminus : gplus;
    const double dH = h1 >= h2 ? (pminus < phat ? 2.0 * D * pminus + b : 0.0)
                               : (pplus > phat ? 2.0 * D * pplus + b : 0.0);
    for (int j = 0; j < 5; j++) grad[j] = dH * gp[j];
    const double sel = h1 >= h2 ? lo : hi;
    dAC[0] = sel * x, dAC[1] = -sel;
    if (!hj->limit && !left && h1 >= h2 && pminus < phat) dAC[0] -= dH * xl / D, dAC[1] += dH / D;
    if (!hj->limit && !right && h1 < h2 && pplus > phat) dAC[0] -= dH * xr / D, dAC[1] += dH / D;
  }
  if (!hj->limit) {
    /* (A + D u_xx)/gamma - f'/gamma^2: u_xx centred inside, from the wall slope at a wall. */
    const double eD = hj->eps * D;
    double uxx;
    if (left && right) {
      uxx = d->dd[i];
      if (grad) {
        double c[3];
        curv_weights(hj, i, c);
        for (int j = 0; j < 3; j++) grad[1 + j] += eD * c[j];
      }
    } else if (!left) {
      const double h = g->x[1] - x, den = 0.5 * (h + g->w[0]);
      uxx = (d->d[0] - d->wall_l) / den;
      if (grad) {
        grad[2] -= eD / (h * den), grad[3] += eD / (h * den);
        dAC[0] += eD * xl / (D * den), dAC[1] -= eD / (D * den);
      }
    } else {
      const double h = x - g->x[i - 1], den = 0.5 * (h + g->w[i]);
      uxx = (d->wall_r - d->d[i - 1]) / den;
      if (grad) {
        grad[2] -= eD / (h * den), grad[1] += eD / (h * den);
        dAC[0] -= eD * xr / (D * den), dAC[1] += eD / (D * den);
      }
    }
    if (grad) dAC[0] += hj->eps;
    rate += hj->eps * (d->A + D * uxx) - d->dfdx[i];
  }
  return rate;
}

mf_status mf_hj_rhs(mf_hj *hj, const double *u, double *du)
{
  const int n = hj->n;
  double m[MF_MAX_POPS], xb[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  activities(hj, u, m, NULL, hj->electrical ? xb : NULL, NULL);
  mf_model_coupling(&hj->model, m, hj->electrical ? xb : NULL, A, C);
  double check = 0.0;
  for (int p = 0; p < hj->P; p++) {
    const hj_pop d = population(hj, u, p, A, C);
    double *dp = du + (size_t)p * n;
    check += d.sum_d;
    check += dp[0] = cell_rate(hj, &d, 0, NULL, NULL);
    check += dp[n - 1] = cell_rate(hj, &d, n - 1, NULL, NULL);
    /* Inside, cell_rate without its wall cases: the same arithmetic. */
    const double *x = hj->grid->x;
    for (int i = 1; i < n - 1; i++) {
      const double pminus = d.d[i - 1] + d.corr[i - 1], pplus = d.d[i] - d.corr[i];
      const double b = (d.A * x[i] - d.C) - d.drift[i], phat = -b * d.half_D;
      const double lo = pminus < phat ? pminus : phat, hi = pplus > phat ? pplus : phat;
      const double h1 = lo * (d.D * lo + b), h2 = hi * (d.D * hi + b);
      double rate = h1 >= h2 ? h1 : h2;
      if (!hj->limit) rate += hj->eps * (d.A + d.D * d.dd[i]) - d.dfdx[i];
      check += dp[i] = rate;
    }
  }
  if (!isfinite(check)) return mf_error(MF_ERECOVER, "the Hopf-Cole state or right-hand side is not finite");
  return MF_OK;
}

mf_status mf_hj_jacobian(mf_hj *hj, const double *u, double *band, double *U, double *W)
{
  const int n = hj->n, P = hj->P;
  const size_t N = (size_t)P * n;
  double m[MF_MAX_POPS] = {0}, xb[MF_MAX_POPS] = {0}, A[MF_MAX_POPS], C[MF_MAX_POPS];
  /* Columns 0 ... P-1 of W: the activities; P ... 2P-1: the means. */
  activities(hj, u, m, W, hj->electrical ? xb : NULL, W + N);
  mf_model_coupling(&hj->model, m, hj->electrical ? xb : NULL, A, C);
  double check = 0.0;
  for (int p = 0; p < P; p++) {
    const hj_pop d = population(hj, u, p, A, C);
    const mf_population *pop = &hj->model.pop[p];
    check += d.sum_d;
    for (int i = 0; i < n; i++) {
      const size_t r = (size_t)p * n + i;
      double *row = band + HJ_ROW * r, dAC[2] = {0.0, 0.0};
      cell_rate(hj, &d, i, row, dAC);
      for (int j = 0; j < HJ_ROW; j++) check += fabs(row[j]);
      /* A_p = G_p + sum_q g_pq m_q, C_p = sum_q g_el_pq xbar_q + sum_q g_pq v_q m_q */
      for (int q = 0; q < P; q++) {
        U[q * N + r] = pop->g[q] * (dAC[0] + hj->model.pop[q].reversal * dAC[1]);
        check += fabs(U[q * N + r]);
        if (hj->electrical) {
          U[(P + q) * N + r] = pop->g_el[q] * dAC[1];
          check += fabs(U[(P + q) * N + r]);
        }
      }
    }
  }
  for (size_t r = 0; r < (size_t)hj->rank * n; r++) check += fabs(W[r]);
  if (!isfinite(check)) return mf_error(MF_ERECOVER, "the Hopf-Cole Jacobian is not finite");
  return MF_OK;
}

/* CVODE's name for a return flag, copied into buf.  SUNDIALS 6 returns a
 * malloc'd string that the caller frees; 7.x a static one. */
static const char *flag_name(int flag, char *buf, size_t len)
{
#if SUNDIALS_VERSION_MAJOR >= 7
  snprintf(buf, len, "%s", CVodeGetReturnFlagName(flag));
#else
  char *name = CVodeGetReturnFlagName(flag);
  snprintf(buf, len, "%s", name ? name : "unknown flag");
  free(name);
#endif
  return buf;
}

/* ---- Newton's matrices ----------------------------------------------------------------
 * J = B + U W^T in mf_hj_jacobian's layout as a SUNMatrix, with the
 * operations CVODE's linear-solver interface calls (clone, destroy, zero,
 * copy, scaleaddi; the SUNDIALS guide, "The SUNMatrix API"), as tlrmatrix.c
 * does for the finite-volume operator.  ScaleAddI(c, J) scales B and U by c
 * and adds 1 to B's diagonal, which is c J + I because W is left alone. */

typedef struct {
  sunindextype P, n, N; /* P blocks of n cells, N = P n */
  sunindextype K;       /* rank of U W^T: P, or 2P with the means */
  double *B;            /* band rows: B[HJ_ROW r + HJ_BAND + j] = M(r, r + j), |j| <= HJ_BAND; 0 across blocks */
  double *U;            /* N x K column-major */
  double *W;            /* length K n: W[k n + i] = weight of u_{k mod P, i} in column k */
} hj_matrix;

static SUNMatrix hjm_create(sunindextype P, sunindextype n, sunindextype K, SUNContext ctx);

static void hjm_destroy(SUNMatrix A)
{
  if (!A) return;
  hj_matrix *M = A->content;
  if (M) {
    free(M->B);
    free(M->U);
    free(M->W);
    free(M);
    A->content = NULL;
  }
  SUNMatFreeEmpty(A);
}

static SUNMatrix_ID hjm_getid(SUNMatrix A)
{
  (void)A;
  return SUNMATRIX_CUSTOM;
}

static SUNMatrix hjm_clone(SUNMatrix A)
{
  const hj_matrix *M = A->content;
  return hjm_create(M->P, M->n, M->K, A->sunctx);
}

/* The content of a matrix made by hjm_create (NULL for any other). */
static hj_matrix *hjm_content(SUNMatrix A)
{
  return A && A->ops && A->ops->clone == hjm_clone ? A->content : NULL;
}

static int hjm_zero(SUNMatrix A)
{
  hj_matrix *M = A->content;
  memset(M->B, 0, (size_t)(HJ_ROW * M->N) * sizeof(double));
  memset(M->U, 0, (size_t)(M->N * M->K) * sizeof(double));
  memset(M->W, 0, (size_t)(M->K * M->n) * sizeof(double));
  return 0;
}

/* B <- A */
static int hjm_copy(SUNMatrix A, SUNMatrix B)
{
  const hj_matrix *a = hjm_content(A);
  hj_matrix *b = hjm_content(B);
  if (!a || !b || a->P != b->P || a->n != b->n || a->K != b->K) return SUNMAT_ILL_INPUT;
  memcpy(b->B, a->B, (size_t)(HJ_ROW * a->N) * sizeof(double));
  memcpy(b->U, a->U, (size_t)(a->N * a->K) * sizeof(double));
  memcpy(b->W, a->W, (size_t)(a->K * a->n) * sizeof(double));
  return 0;
}

/* A <- c A + I */
static int hjm_scaleaddi(sunrealtype c, SUNMatrix A)
{
  hj_matrix *M = A->content;
  for (sunindextype k = 0; k < HJ_ROW * M->N; k++) M->B[k] *= c;
  for (sunindextype r = 0; r < M->N; r++) M->B[HJ_ROW * r + HJ_BAND] += 1.0;
  for (sunindextype k = 0; k < M->N * M->K; k++) M->U[k] *= c;
  return 0;
}

static int hjm_space(SUNMatrix A, long *lenrw, long *leniw)
{
  const hj_matrix *M = A->content;
  *lenrw = (long)((HJ_ROW + M->K) * M->N + M->K * M->n);
  *leniw = 3;
  return 0;
}

/* A zeroed matrix for P blocks of n with a rank-K part; NULL if memory runs out. */
static SUNMatrix hjm_create(sunindextype P, sunindextype n, sunindextype K, SUNContext ctx)
{
  SUNMatrix A = SUNMatNewEmpty(ctx);
  if (!A) return NULL;
  A->ops->getid = hjm_getid;
  A->ops->clone = hjm_clone;
  A->ops->destroy = hjm_destroy;
  A->ops->zero = hjm_zero;
  A->ops->copy = hjm_copy;
  A->ops->scaleaddi = hjm_scaleaddi;
  A->ops->space = hjm_space;
  hj_matrix *M = calloc(1, sizeof *M);
  A->content = M;
  if (!M) goto fail;
  M->P = P, M->n = n, M->N = P * n, M->K = K;
  M->B = calloc((size_t)(HJ_ROW * M->N), sizeof(double));
  M->U = calloc((size_t)(M->N * K), sizeof(double));
  M->W = calloc((size_t)(K * n), sizeof(double));
  if (!M->B || !M->U || !M->W) goto fail;
  return A;
fail:
  hjm_destroy(A);
  return NULL;
}

/* ---- Newton's linear systems ---------------------------------------------------------
 * CVODE's Newton matrices M = I - gamma J = Mb + U' W^T (Mb = I - gamma B,
 * U' = -gamma U, both formed by hjm_scaleaddi) are solved by the
 * Sherman-Morrison-Woodbury formula (as woodbury.c does for the
 * finite-volume operator; Golub & Van Loan, Matrix Computations, 4th ed.,
 * 2.1.4):
 *
 *   M^{-1} y = Mb^{-1} y - Z K^{-1} W^T Mb^{-1} y,   Z = Mb^{-1} U',  K = I + W^T Z  (rank x rank).
 *
 * Mb is factored with partial pivoting by the algorithm of LAPACK's
 * dgbtf2/dgbtrs (Golub & Van Loan, 4.3.5), written out because Mb is block
 * diagonal, one block of n cells per population: the blocks are factored one
 * by one and solved in lockstep, so that the P chains of dependent
 * operations overlap.  (With bandwidth 2, OpenBLAS's dgbtrs spends its time
 * in BLAS calls on vectors of length 2, and SUNDIALS' band solver, like the
 * rest of Debian's libsundials, is compiled without optimisation; each
 * took a quarter of a run or more.)  The structure follows SUNDIALS'
 * sunlinsol_lapackband.c; the factors are kept in LAPACK's band storage,
 * with room for the pivoting fill-in. */

#define HJ_MAX_RANK (2 * MF_MAX_POPS)

typedef struct {
  sunindextype N, P, n;      /* order N = P n, P blocks of n */
  sunindextype R;            /* rank of U' W^T (P, or 2P with the means) */
  sunindextype kl, ku, ldab; /* bandwidths 2, 2; leading dimension 2 kl + ku + 1 */
  double *ab;                /* LU factors of Mb: (i, j) at ab[kl + ku + i - j + j ldab] */
  sunindextype *ipiv;        /* row interchanges, length N */
  double *dinv;              /* reciprocals of U's diagonal, length N */
  int pivoted;               /* 1 if the factorisation interchanged rows */
  double *lu;                /* without interchanges, the factors' four bands, row by row (4 N): */
                             /* L(r, r-2), L(r, r-1), U(r, r+1), U(r, r+2) */
  const double *W;           /* W of the matrix last factored */
  double *Z;                 /* Mb^{-1} U', N x R column-major */
  double K[HJ_MAX_RANK * HJ_MAX_RANK]; /* LU of I + W^T Z, R x R column-major */
  int Kpiv[HJ_MAX_RANK];     /* its row interchanges */
  sunindextype last_flag;    /* 0, or the first zero pivot (1-based, as LAPACK's info) */
} newton_ls;

#define NLS(S) ((newton_ls *)(S)->content)
#define AB(b, i, j) ((b)->ab[(b)->kl + (b)->ku + (i) - (j) + (j) * (b)->ldab])

static SUNLinearSolver_Type nls_gettype(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID nls_getid(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_CUSTOM;
}

static int nls_initialize(SUNLinearSolver S)
{
  NLS(S)->last_flag = SUNLS_SUCCESS;
  return SUNLS_SUCCESS;
}

/* LU of the block of rows and columns [o, o + n) (dgbtf2). */
static void factor_block(newton_ls *b, sunindextype o)
{
  const sunindextype end = o + b->n, kl = b->kl, ku = b->ku;
  sunindextype ju = o; /* last column reached by U so far */
  for (sunindextype j = o; j < end; j++) {
    const sunindextype km = kl < end - 1 - j ? kl : end - 1 - j;
    sunindextype jp = j;
    for (sunindextype i = j + 1; i <= j + km; i++)
      if (fabs(AB(b, i, j)) > fabs(AB(b, jp, j))) jp = i;
    b->ipiv[j] = jp;
    if (jp != j) b->pivoted = 1;
    const double pivot = AB(b, jp, j);
    if (pivot == 0.0) {
      if (!b->last_flag) b->last_flag = j + 1;
      continue;
    }
    const sunindextype reach = jp + ku < end - 1 ? jp + ku : end - 1;
    if (reach > ju) ju = reach;
    if (jp != j)
      for (sunindextype c = j; c <= ju; c++) {
        const double t = AB(b, j, c);
        AB(b, j, c) = AB(b, jp, c);
        AB(b, jp, c) = t;
      }
    const double r = 1.0 / pivot;
    for (sunindextype i = j + 1; i <= j + km; i++) AB(b, i, j) *= r;
    for (sunindextype c = j + 1; c <= ju; c++) {
      const double u = AB(b, j, c);
      if (u != 0.0)
        for (sunindextype i = j + 1; i <= j + km; i++) AB(b, i, c) -= AB(b, i, j) * u;
    }
  }
}

/* factor_block for the block of rows [o, o + n) read straight from the band
 * rows B, into b->lu and b->dinv, for the usual case in which partial
 * pivoting interchanges no rows: the same operations in the same order as
 * factor_block (the results are bitwise its own), without the copy into the
 * LAPACK band layout, the pivot search loops and the interchange
 * bookkeeping.  0 when some column would take an interchange or has a zero
 * pivot: the caller then factors everything with factor_block. */
static int factor_block_nopivot(newton_ls *b, const double *B, sunindextype o)
{
  const sunindextype n = b->n;
  double *lu = b->lu + 4 * o, *dinv = b->dinv + o;
  B += HJ_ROW * o;
#define M_(i, j) ((i) < n && (j) >= 0 && (j) < n ? B[HJ_ROW * (i) + HJ_BAND + (j) - (i)] : 0.0)
  /* Rows j, j + 1 and j + 2 as column j meets them: sXY = (j + X, j + Y). */
  double d00 = M_(0, 0), u01 = M_(0, 1), u02 = M_(0, 2);
  double s10 = M_(1, 0), d11 = M_(1, 1), u12 = M_(1, 2);
  double s20 = M_(2, 0), s21 = M_(2, 1), d22 = M_(2, 2);
  lu[0] = lu[1] = lu[4] = 0.0;
  for (sunindextype j = 0; j < n; j++) {
    if (!(fabs(s10) <= fabs(d00)) && j + 1 < n) return 0;
    if (!(fabs(s20) <= fabs(d00)) && j + 2 < n) return 0;
    if (d00 == 0.0) return 0;
    const double r = 1.0 / d00, l1 = s10 * r, l2 = s20 * r;
    dinv[j] = r;
    lu[4 * j + 2] = j + 1 < n ? u01 : 0.0;
    lu[4 * j + 3] = j + 2 < n ? u02 : 0.0;
    if (j + 1 < n) lu[4 * (j + 1) + 1] = l1;
    if (j + 2 < n) lu[4 * (j + 2)] = l2;
    if (u01 != 0.0) {
      d11 -= l1 * u01;
      s21 -= l2 * u01;
    }
    if (u02 != 0.0) {
      u12 -= l1 * u02;
      d22 -= l2 * u02;
    }
    d00 = d11, u01 = u12, u02 = M_(j + 1, j + 3);
    s10 = s21, d11 = d22, u12 = M_(j + 2, j + 3);
    s20 = M_(j + 3, j + 1), s21 = M_(j + 3, j + 2), d22 = M_(j + 3, j + 3);
  }
#undef M_
  return 1;
}

/* band_solve without row interchanges, from the four bands in b->lu.  L and
 * U then keep the bandwidths 2 and 2 (the fill beyond U(r, r+2) comes only
 * from interchanges and is exactly 0), so this is band_solve's arithmetic,
 * in the same order, without the terms that are exactly zero: the results
 * are bitwise band_solve's, in about 6 % less CPU time for a whole run
 * (docs/hopf-cole.md). */
static void band_solve_nopivot(const newton_ls *b, double *y)
{
  const sunindextype n = b->n, N = b->N;
  const double *lu = b->lu;
  for (sunindextype o = 0; o < N; o += n) y[o + 1] -= lu[4 * (o + 1) + 1] * y[o];
  for (sunindextype i = 2; i < n; i++)
    for (sunindextype r = i; r < N; r += n) {
      double v = y[r] - lu[4 * r] * y[r - 2];
      y[r] = v - lu[4 * r + 1] * y[r - 1];
    }
  for (sunindextype o = 0; o < N; o += n) {
    y[o + n - 1] *= b->dinv[o + n - 1];
    y[o + n - 2] = (y[o + n - 2] - lu[4 * (o + n - 2) + 2] * y[o + n - 1]) * b->dinv[o + n - 2];
  }
  for (sunindextype i = n - 3; i >= 0; i--)
    for (sunindextype r = i; r < N; r += n) {
      double v = y[r] - lu[4 * r + 3] * y[r + 2];
      y[r] = (v - lu[4 * r + 2] * y[r + 1]) * b->dinv[r];
    }
}

/* y = Mb^{-1} y from the factors, every block at once: L with the
 * interchanges by columns, then U (bandwidth kl + ku) by rows, the newest
 * unknown last, which keeps each chain of dependent operations short. */
static void band_solve(const newton_ls *b, double *y)
{
  if (!b->pivoted) {
    band_solve_nopivot(b, y);
    return;
  }
  const sunindextype n = b->n, kl = b->kl, kv = b->kl + b->ku;
  for (sunindextype jj = 0; jj < n - 1; jj++) {
    const sunindextype km = kl < n - 1 - jj ? kl : n - 1 - jj;
    for (sunindextype j = jj; j < b->N; j += n) {
      const sunindextype l = b->ipiv[j];
      if (l != j) {
        const double t = y[l];
        y[l] = y[j];
        y[j] = t;
      }
      for (sunindextype i = j + 1; i <= j + km; i++) y[i] -= AB(b, i, j) * y[j];
    }
  }
  for (sunindextype jj = n - 1; jj >= 0; jj--) {
    const sunindextype reach = kv < n - 1 - jj ? kv : n - 1 - jj;
    for (sunindextype j = jj; j < b->N; j += n) {
      double sum = y[j];
      for (sunindextype c = j + reach; c > j; c--) sum -= AB(b, j, c) * y[c];
      y[j] = sum * b->dinv[j];
    }
  }
}

/* W^T y (length R): column k of W lives on population (k mod P)'s block. */
static void apply_Wt(const newton_ls *b, const double *y, double *t)
{
  for (sunindextype k = 0; k < b->R; k++) {
    const double *w = b->W + k * b->n, *yq = y + (k % b->P) * b->n;
    double sum = 0.0;
    for (sunindextype i = 0; i < b->n; i++) sum += w[i] * yq[i];
    t[k] = sum;
  }
}

/* Mb's LU with partial pivoting in LAPACK's band layout (factor_block), and
 * its four bands for band_solve_nopivot when no rows were interchanged. */
static void factor_pivoted(newton_ls *b, const double *B)
{
  const sunindextype N = b->N, n = b->n;
  memset(b->ab, 0, (size_t)(b->ldab * N) * sizeof(double));
  for (sunindextype r = 0; r < N; r++) {
    const sunindextype i = r % n; /* cell of row r in its block */
    for (sunindextype j = -HJ_BAND; j <= HJ_BAND; j++)
      if (i + j >= 0 && i + j < n) AB(b, r, r + j) = B[HJ_ROW * r + HJ_BAND + j];
  }
  b->last_flag = 0;
  b->pivoted = 0;
  for (sunindextype o = 0; o < N; o += n) factor_block(b, o);
  if (b->last_flag) return;
  for (sunindextype j = 0; j < N; j++) b->dinv[j] = 1.0 / AB(b, j, j);
  if (!b->pivoted)
    for (sunindextype r = 0; r < N; r++) {
      const sunindextype i = r % n; /* the bands stay inside the block */
      b->lu[4 * r] = i >= 2 ? AB(b, r, r - 2) : 0.0;
      b->lu[4 * r + 1] = i >= 1 ? AB(b, r, r - 1) : 0.0;
      b->lu[4 * r + 2] = i + 1 < n ? AB(b, r, r + 1) : 0.0;
      b->lu[4 * r + 3] = i + 2 < n ? AB(b, r, r + 2) : 0.0;
    }
}

/* Factor Mb and K for the matrix A (an hj_matrix holding I - gamma J).  A
 * zero pivot in either is recoverable: CVODE retries with a smaller step. */
static int nls_setup(SUNLinearSolver S, SUNMatrix A)
{
  newton_ls *b = NLS(S);
  const hj_matrix *M = hjm_content(A);
  if (!M || M->N != b->N || M->P != b->P || M->K != b->R) return SUNLS_ILL_INPUT;
  const sunindextype N = b->N, n = b->n, R = b->R;
  b->last_flag = 0;
  b->pivoted = 0;
  int plain = 1;
  for (sunindextype o = 0; o < N && plain; o += n) plain = factor_block_nopivot(b, M->B, o);
  if (!plain) factor_pivoted(b, M->B);
  if (b->last_flag) return SUNLS_LUFACT_FAIL;

  b->W = M->W;
  for (sunindextype q = 0; q < R; q++) {
    memcpy(b->Z + q * N, M->U + q * N, (size_t)N * sizeof(double));
    band_solve(b, b->Z + q * N);
  }
  double t[HJ_MAX_RANK];
  for (sunindextype c = 0; c < R; c++) {
    apply_Wt(b, b->Z + c * N, t);
    for (sunindextype r = 0; r < R; r++) b->K[r + c * R] = (r == c) + t[r];
  }
  /* LU of K with partial pivoting (R <= 2 MF_MAX_POPS). */
  for (sunindextype j = 0; j < R; j++) {
    sunindextype jp = j;
    for (sunindextype i = j + 1; i < R; i++)
      if (fabs(b->K[i + j * R]) > fabs(b->K[jp + j * R])) jp = i;
    b->Kpiv[j] = (int)jp;
    if (b->K[jp + j * R] == 0.0) {
      b->last_flag = N + j + 1;
      return SUNLS_LUFACT_FAIL;
    }
    for (sunindextype c = 0; c < R; c++) {
      const double tmp = b->K[j + c * R];
      b->K[j + c * R] = b->K[jp + c * R];
      b->K[jp + c * R] = tmp;
    }
    for (sunindextype i = j + 1; i < R; i++) {
      const double l = b->K[i + j * R] /= b->K[j + j * R];
      for (sunindextype c = j + 1; c < R; c++) b->K[i + c * R] -= l * b->K[j + c * R];
    }
  }
  return SUNLS_SUCCESS;
}

static int nls_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector rhs, sunrealtype tol)
{
  (void)A, (void)tol;
  newton_ls *b = NLS(S);
  const sunindextype N = b->N, R = b->R;
  double *y = N_VGetArrayPointer(x), t[HJ_MAX_RANK];
  memcpy(y, N_VGetArrayPointer(rhs), (size_t)N * sizeof(double));
  band_solve(b, y);
  apply_Wt(b, y, t);
  for (sunindextype j = 0; j < R; j++) { /* t = K^{-1} t */
    const double tmp = t[j];
    t[j] = t[b->Kpiv[j]];
    t[b->Kpiv[j]] = tmp;
  }
  for (sunindextype j = 0; j < R; j++)
    for (sunindextype i = j + 1; i < R; i++) t[i] -= b->K[i + j * R] * t[j];
  for (sunindextype j = R - 1; j >= 0; j--) {
    t[j] /= b->K[j + j * R];
    for (sunindextype i = 0; i < j; i++) t[i] -= b->K[i + j * R] * t[j];
  }
  for (sunindextype q = 0; q < R; q++) {
    const double *z = b->Z + q * N;
    for (sunindextype r = 0; r < N; r++) y[r] -= z[r] * t[q];
  }
  return SUNLS_SUCCESS;
}

static sunindextype nls_lastflag(SUNLinearSolver S) { return NLS(S)->last_flag; }

static int nls_free(SUNLinearSolver S)
{
  if (!S) return SUNLS_SUCCESS;
  newton_ls *b = S->content;
  if (b) {
    free(b->ab);
    free(b->ipiv);
    free(b->dinv);
    free(b->lu);
    free(b->Z);
    free(b);
    S->content = NULL;
  }
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

/* A solver for the matrices shaped like A (made by hjm_create) and serial
 * vectors like y; NULL if A is not such a matrix of y's length, or memory
 * runs out. */
static SUNLinearSolver newton_ls_create(N_Vector y, SUNMatrix A, SUNContext ctx)
{
  const hj_matrix *M = hjm_content(A);
  if (!M || N_VGetVectorID(y) != SUNDIALS_NVEC_SERIAL || N_VGetLength(y) != M->N || M->K > HJ_MAX_RANK) return NULL;
  SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
  if (!S) return NULL;
  S->ops->gettype = nls_gettype;
  S->ops->getid = nls_getid;
  S->ops->initialize = nls_initialize;
  S->ops->setup = nls_setup;
  S->ops->solve = nls_solve;
  S->ops->lastflag = nls_lastflag;
  S->ops->free = nls_free;
  newton_ls *b = calloc(1, sizeof *b);
  S->content = b;
  if (!b) goto fail;
  b->N = M->N;
  b->P = M->P;
  b->R = M->K;
  b->n = M->n;
  b->kl = b->ku = HJ_BAND;
  b->ldab = 2 * b->kl + b->ku + 1;
  b->ab = calloc((size_t)(b->ldab * b->N), sizeof(double));
  b->ipiv = calloc((size_t)b->N, sizeof(sunindextype));
  b->dinv = calloc((size_t)b->N, sizeof(double));
  b->lu = calloc((size_t)(4 * b->N), sizeof(double));
  b->Z = calloc((size_t)(b->N * b->R), sizeof(double));
  if (!b->ab || !b->ipiv || !b->dinv || !b->lu || !b->Z) goto fail;
  return S;
fail:
  nls_free(S);
  return NULL;
}

/* ---- vector kernels -------------------------------------------------------------------
 * The loops of the serial N_Vector that CVODE's BDF steps run, compiled with
 * this project's flags.  Debian's libsundials (6.4.1) is built without
 * optimisation: its N_VWSqrSumLocal_Serial alone took a fifth of a run, and
 * the vector operations together more time than the right-hand side.  The
 * arithmetic is that of nvector_serial.c, operation for operation and in the
 * same order, except for the weighted sums of squares (kern_wsqrsum); these
 * replace the entries of the state's ops table, which CVODE's clones copy. */

#define NV_DATA(v) NV_DATA_S(v)
#define NV_LEN(v) NV_LENGTH_S(v)

/* z = a x + b y; nvector_serial.c computes a (x + y) when a = b and
 * a (x - y) when a = -b (a, b other than +-1), which round differently. */
static void kern_linearsum(sunrealtype a, N_Vector x, sunrealtype b, N_Vector y, N_Vector z)
{
  const double *xd = NV_DATA(x), *yd = NV_DATA(y);
  double *zd = NV_DATA(z);
  const sunindextype n = NV_LEN(x);
  const int unit = a == 1.0 || a == -1.0 || b == 1.0 || b == -1.0;
  if (!unit && a == b)
    for (sunindextype i = 0; i < n; i++) zd[i] = a * (xd[i] + yd[i]);
  else if (!unit && a == -b)
    for (sunindextype i = 0; i < n; i++) zd[i] = a * (xd[i] - yd[i]);
  else
    for (sunindextype i = 0; i < n; i++) zd[i] = a * xd[i] + b * yd[i];
}

static void kern_const(sunrealtype c, N_Vector z)
{
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(z); i < n; i++) zd[i] = c;
}

static void kern_prod(N_Vector x, N_Vector y, N_Vector z)
{
  const double *xd = NV_DATA(x), *yd = NV_DATA(y);
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++) zd[i] = xd[i] * yd[i];
}

static void kern_scale(sunrealtype c, N_Vector x, N_Vector z)
{
  const double *xd = NV_DATA(x);
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++) zd[i] = c * xd[i];
}

static void kern_abs(N_Vector x, N_Vector z)
{
  const double *xd = NV_DATA(x);
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++) zd[i] = fabs(xd[i]);
}

static void kern_inv(N_Vector x, N_Vector z)
{
  const double *xd = NV_DATA(x);
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++) zd[i] = 1.0 / xd[i];
}

static void kern_addconst(N_Vector x, sunrealtype b, N_Vector z)
{
  const double *xd = NV_DATA(x);
  double *zd = NV_DATA(z);
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++) zd[i] = xd[i] + b;
}

/* The one operation not in nvector_serial.c's order: four partial sums
 * instead of one running sum, so that the additions do not wait on each
 * other (a chain of N dependent additions was 8 % of a run at gamma = 1e6).
 * The norms differ from the serial sum's in the last bits. */
static sunrealtype kern_wsqrsum(N_Vector x, N_Vector w)
{
  const double *xd = NV_DATA(x), *wd = NV_DATA(w);
  const sunindextype n = NV_LEN(x);
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  sunindextype i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; k++) {
      const double p = xd[i + k] * wd[i + k];
      s[k] += p * p;
    }
  for (; i < n; i++) {
    const double p = xd[i] * wd[i];
    s[0] += p * p;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

static sunrealtype kern_wrmsnorm(N_Vector x, N_Vector w) { return sqrt(kern_wsqrsum(x, w) / NV_LEN(x)); }

static sunrealtype kern_maxnorm(N_Vector x)
{
  const double *xd = NV_DATA(x);
  double m = 0.0;
  for (sunindextype i = 0, n = NV_LEN(x); i < n; i++)
    if (fabs(xd[i]) > m) m = fabs(xd[i]);
  return m;
}

static sunrealtype kern_min(N_Vector x)
{
  const double *xd = NV_DATA(x);
  double m = xd[0];
  for (sunindextype i = 1, n = NV_LEN(x); i < n; i++)
    if (xd[i] < m) m = xd[i];
  return m;
}

/* z = sum_k c_k X_k, by the cases of nvector_serial.c. */
static int kern_linearcombination(int nv, sunrealtype *c, N_Vector *X, N_Vector z)
{
  if (nv == 1) {
    kern_scale(c[0], X[0], z);
    return 0;
  }
  if (nv == 2) {
    kern_linearsum(c[0], X[0], c[1], X[1], z);
    return 0;
  }
  const sunindextype n = NV_LEN(z);
  double *zd = NV_DATA(z);
  if (X[0] == z) {
    if (c[0] != 1.0)
      for (sunindextype i = 0; i < n; i++) zd[i] *= c[0];
  } else {
    const double *x0 = NV_DATA(X[0]);
    for (sunindextype i = 0; i < n; i++) zd[i] = c[0] * x0[i];
  }
  for (int k = 1; k < nv; k++) {
    const double *xk = NV_DATA(X[k]);
    for (sunindextype i = 0; i < n; i++) zd[i] += c[k] * xk[i];
  }
  return 0;
}

/* Z_k = a_k x + Y_k */
static int kern_scaleaddmulti(int nv, sunrealtype *a, N_Vector x, N_Vector *Y, N_Vector *Z)
{
  if (nv == 1) {
    kern_linearsum(a[0], x, 1.0, Y[0], Z[0]);
    return 0;
  }
  const sunindextype n = NV_LEN(x);
  const double *xd = NV_DATA(x);
  for (int k = 0; k < nv; k++) {
    const double *yd = NV_DATA(Y[k]);
    double *zd = NV_DATA(Z[k]);
    for (sunindextype i = 0; i < n; i++) zd[i] = a[k] * xd[i] + yd[i];
  }
  return 0;
}

static void use_kernels(N_Vector v)
{
  v->ops->nvlinearsum = kern_linearsum;
  v->ops->nvconst = kern_const;
  v->ops->nvprod = kern_prod;
  v->ops->nvscale = kern_scale;
  v->ops->nvabs = kern_abs;
  v->ops->nvinv = kern_inv;
  v->ops->nvaddconst = kern_addconst;
  v->ops->nvwrmsnorm = kern_wrmsnorm;
  v->ops->nvwsqrsumlocal = kern_wsqrsum;
  v->ops->nvmaxnorm = kern_maxnorm;
  v->ops->nvmaxnormlocal = kern_maxnorm;
  v->ops->nvmin = kern_min;
  v->ops->nvminlocal = kern_min;
  v->ops->nvlinearcombination = kern_linearcombination;
  v->ops->nvscaleaddmulti = kern_scaleaddmulti;
}

/* ---- time integration -------------------------------------------------------------- */

struct mf_hj_solver {
  mf_hj *hj;
  SUNContext ctx;
  void *cvode;
  N_Vector u;         /* the state, length P n */
  SUNMatrix J;        /* the Jacobian, an hj_matrix */
  SUNLinearSolver ls; /* newton_ls */
  double tau;         /* tau reached */
  mf_hj_stats base;   /* counts before the last mf_hj_solver_restart (CVodeReInit zeroes CVODE's) */
  char msg[512];      /* CVODE's last message */
};

static int hj_cvode_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *data)
{
  (void)t;
  mf_hj_solver *s = data;
  return mf_hj_rhs(s->hj, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
}

/* The Jacobian into CVODE's matrix, which has mf_hj_jacobian's layout. */
static int hj_cvode_jac(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *data, N_Vector tmp1,
                        N_Vector tmp2, N_Vector tmp3)
{
  (void)t, (void)fy, (void)tmp1, (void)tmp2, (void)tmp3;
  mf_hj_solver *s = data;
  hj_matrix *M = J->content;
  return mf_hj_jacobian(s->hj, N_VGetArrayPointer(y), M->B, M->U, M->W);
}

/* The largest relaxation rate of the early-behaviour flow, max_p A_p with
 * every S_q at its maximum s_q (A_p = G_p + sum_q g_pq S_q). */
static double fastest_rate(const mf_model *model)
{
  double rate = 0.0;
  for (int p = 0; p < model->P; p++) {
    double a = 0.0;
    for (int q = 0; q < model->P; q++) a += model->pop[p].g_el[q] + model->pop[p].g[q] * model->pop[q].s;
    rate = fmax(rate, a);
  }
  return rate;
}

static void hj_error_handler(int code, const char *module, const char *function, char *msg, void *data)
{
  (void)code;
  mf_hj_solver *s = data;
  snprintf(s->msg, sizeof s->msg, "%s: %s: %s", module, function, msg);
}

void mf_hj_solver_free(mf_hj_solver *s)
{
  if (!s) return;
  if (s->cvode) CVodeFree(&s->cvode);
  if (s->ls) SUNLinSolFree(s->ls);
  if (s->J) SUNMatDestroy(s->J);
  if (s->u) N_VDestroy(s->u);
  if (s->ctx) SUNContext_Free(&s->ctx);
  free(s);
}

mf_hj_solver *mf_hj_solver_create(mf_hj *hj, const double *u0, double rtol, double atol, long max_steps)
{
  mf_hj_solver *s = calloc(1, sizeof *s);
  if (!s) goto nomem;
  s->hj = hj;
  if (mf_sundials_context_create(&s->ctx) != MF_OK) goto fail;
  const sunindextype N = mf_hj_size(hj);
  s->u = N_VNew_Serial(N, s->ctx);
  s->J = hjm_create(hj->P, hj->n, hj->rank, s->ctx);
  if (!s->u || !s->J) goto nomem;
  memcpy(N_VGetArrayPointer(s->u), u0, (size_t)N * sizeof(double));
  N_VEnableFusedOps_Serial(s->u, SUNTRUE);
  use_kernels(s->u);
  s->ls = newton_ls_create(s->u, s->J, s->ctx);
  s->cvode = CVodeCreate(CV_BDF, s->ctx);
  if (!s->ls || !s->cvode) goto nomem;
  int flag = CVodeSetErrHandlerFn(s->cvode, hj_error_handler, s);
  if (flag == CV_SUCCESS) flag = CVodeInit(s->cvode, hj_cvode_rhs, 0.0, s->u);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(s->cvode, s);
  if (flag == CV_SUCCESS) flag = CVodeSStolerances(s->cvode, rtol, atol);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(s->cvode, max_steps);
  if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(s->cvode, s->ls, s->J);
  if (flag == CV_SUCCESS) flag = CVodeSetJacFn(s->cvode, hj_cvode_jac);
  /* BDF of order up to 5 with CVODE's stability limit detection: the upwind
   * transport operator has eigenvalues close to the imaginary axis, outside
   * the stability regions of orders 3-5 for large steps; the detection lowers
   * the order where that happens (Hindmarsh et al., ACM TOMS 31, 2005, and the
   * CVODE guide).  Steps are capped at a quarter of the shortest relaxation
   * time of the early-behaviour flow, 1/max_p sum_q g_pq s_q: the steps that
   * CVODE takes uncapped once the transient is small (tau ~ 1) leave the
   * argmax with errors of the order of the tolerances, 1e-11, that depend on
   * where the steps happen to fall; capped, below 1e-12 (docs/hopf-cole.md). */
  if (flag == CV_SUCCESS) flag = CVodeSetStabLimDet(s->cvode, SUNTRUE);
  const double rate = fastest_rate(&hj->model);
  if (flag == CV_SUCCESS && rate > 0.0) flag = CVodeSetMaxStep(s->cvode, 0.25 / rate);
  if (flag != CV_SUCCESS) {
    char name[64];
    mf_error(MF_EBUG, "setting up CVODE for the Hopf-Cole system: %s (%s)", flag_name(flag, name, sizeof name), s->msg);
    goto fail;
  }
  return s;
nomem:
  mf_error(MF_ENOMEM, "out of memory setting up the Hopf-Cole solver");
fail:
  mf_hj_solver_free(s);
  return NULL;
}

mf_status mf_hj_solver_advance(mf_hj_solver *s, double tau)
{
  s->msg[0] = '\0';
  int flag = CVode(s->cvode, tau, s->u, &s->tau, CV_NORMAL);
  if (flag < 0) {
    char name[64];
    return mf_error(MF_ENUMERIC, "Hopf-Cole integration failed at tau = %.9g: %s%s%s", s->tau,
                    flag_name(flag, name, sizeof name), s->msg[0] ? ": " : "", s->msg);
  }
  return MF_OK;
}

const double *mf_hj_solver_state(const mf_hj_solver *s) { return N_VGetArrayPointer(s->u); }
double mf_hj_solver_tau(const mf_hj_solver *s) { return s->tau; }

long mf_hj_solver_steps(const mf_hj_solver *s)
{
  long steps = 0;
  CVodeGetNumSteps(s->cvode, &steps);
  return s->base.steps + steps;
}

void mf_hj_solver_get_stats(const mf_hj_solver *s, mf_hj_stats *stats)
{
  CVodeGetNumSteps(s->cvode, &stats->steps);
  CVodeGetNumRhsEvals(s->cvode, &stats->rhs_evals);
  CVodeGetNumJacEvals(s->cvode, &stats->jac_evals);
  CVodeGetNumNonlinSolvIters(s->cvode, &stats->newton_iters);
  CVodeGetNumNonlinSolvConvFails(s->cvode, &stats->newton_fails);
  CVodeGetNumLinSolvSetups(s->cvode, &stats->lin_setups);
  CVodeGetNumErrTestFails(s->cvode, &stats->err_fails);
  stats->steps += s->base.steps, stats->rhs_evals += s->base.rhs_evals, stats->jac_evals += s->base.jac_evals;
  stats->newton_iters += s->base.newton_iters, stats->newton_fails += s->base.newton_fails;
  stats->lin_setups += s->base.lin_setups, stats->err_fails += s->base.err_fails;
}

mf_status mf_hj_solver_restart(mf_hj_solver *s, double tau, const double *u)
{
  mf_hj_stats now;
  mf_hj_solver_get_stats(s, &now);
  double *state = N_VGetArrayPointer(s->u);
  if (state != u) memcpy(state, u, (size_t)N_VGetLength(s->u) * sizeof *state);
  const int flag = CVodeReInit(s->cvode, tau, s->u);
  if (flag != CV_SUCCESS) {
    char name[64];
    return mf_error(MF_EBUG, "CVodeReInit for the Hopf-Cole system: %s", flag_name(flag, name, sizeof name));
  }
  s->tau = tau;
  s->base = now;
  return MF_OK;
}

void mf_hj_solver_set_counts(mf_hj_solver *s, const mf_hj_stats *counts) { s->base = *counts; }
