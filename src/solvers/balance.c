/* balance.c -- balance voltages and their stability (balance.h; MODEL.md
 * section 3, docs/balance.md).  Roots of G are found by damped Newton
 * iterations (LAPACK dgesv for each step) started from a grid over the box;
 * the flow Jacobian's eigenvalues come from LAPACK dgeev. */
#include "mfbalance/balance.h"

#include "mfbalance/expm.h"
#include "mfbalance/integrator.h"

#include <cvode/cvode.h>
#include <lapacke.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void mf_balance_residual(const mf_model *model, const double *x, double *G)
{
  double S[MF_MAX_POPS];
  for (int q = 0; q < model->P; q++) S[q] = mf_model_S(&model->pop[q], x[q]);
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    double g = 0.0;
    for (int q = 0; q < model->P; q++)
      g += pop->g_el[q] * (x[p] - x[q]) + pop->g[q] * (x[p] - model->pop[q].reversal) * S[q];
    G[p] = g;
  }
}

/* A_p = G_p + sum_q g_pq S_q(x_q) at x. */
static double stiffness(const mf_model *model, const double *x, int p)
{
  double A = 0.0;
  for (int q = 0; q < model->P; q++) A += model->pop[p].g_el[q] + model->pop[p].g[q] * mf_model_S(&model->pop[q], x[q]);
  return A;
}

void mf_balance_jacobian(const mf_model *model, const double *x, double *J)
{
  const int P = model->P;
  for (int p = 0; p < P; p++) {
    const double A = stiffness(model, x, p);
    for (int r = 0; r < P; r++) {
      double dS = mf_model_dS(&model->pop[r], x[r]);
      J[p + r * P] = -(p == r ? A : 0.0) + model->pop[p].g_el[r] - model->pop[p].g[r] * (x[p] - model->pop[r].reversal) * dS;
    }
  }
}

int mf_balance_is_consensus(const mf_model *model)
{
  if (!mf_model_has_electrical(model)) return 0;
  for (int p = 0; p < model->P; p++)
    for (int q = 0; q < model->P; q++)
      if (model->pop[p].g[q] != 0.0) return 0;
  return 1;
}

void mf_balance_consensus_weights(const mf_model *model, double *pi)
{
  /* pi^T L = 0 with sum pi = 1: L^T pi = 0 with its last equation replaced by the sum. */
  const int P = model->P;
  double M[MF_MAX_POPS * MF_MAX_POPS];
  lapack_int ipiv[MF_MAX_POPS];
  for (int p = 0; p < P; p++) {
    double G = 0.0;
    for (int q = 0; q < P; q++) G += model->pop[p].g_el[q];
    for (int r = 0; r < P; r++) /* M[r][p] = L[p][r] = G_p delta_pr - g_el_pr */
      M[r + p * P] = (p == r ? G : 0.0) - model->pop[p].g_el[r];
  }
  for (int p = 0; p < P; p++) M[(P - 1) + p * P] = 1.0, pi[p] = p == P - 1 ? 1.0 : 0.0;
  if (LAPACKE_dgesv(LAPACK_COL_MAJOR, P, 1, M, P, ipiv, pi, P) != 0) /* several connected parts */
    for (int p = 0; p < P; p++) pi[p] = 1.0 / P;
}

mf_status mf_balance_consensus_rates(const mf_model *model, double *eig_re, double *eig_im)
{
  const int P = model->P;
  double J[MF_MAX_POPS * MF_MAX_POPS], x[MF_MAX_POPS] = {0};
  mf_balance_jacobian(model, x, J); /* -L, the same at every x */
  lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', P, J, P, eig_re, eig_im, NULL, 1, NULL, 1);
  if (info != 0) return mf_error(MF_ENUMERIC, "LAPACK dgeev failed (info = %d) on the Laplacian", (int)info);
  return MF_OK;
}

mf_status mf_balance_consensus_point(const mf_model *model, const double *x, double *c)
{
  if (!mf_balance_is_consensus(model))
    return mf_error(MF_EINPUT, "the consensus point needs pure electrical coupling (g = 0, some g_el > 0)");
  const int P = model->P;
  double J[MF_MAX_POPS * MF_MAX_POPS], E[MF_MAX_POPS * MF_MAX_POPS], E2[MF_MAX_POPS * MF_MAX_POPS];
  double zero[MF_MAX_POPS] = {0}, norm = 0.0;
  mf_balance_jacobian(model, zero, J); /* -L */
  for (int k = 0; k < P * P; k++) norm = fmax(norm, fabs(J[k]));
  for (int k = 0; k < P * P; k++) J[k] /= norm; /* -L tau with tau = 1 / max |L_pq| */
  mf_expm_workspace *w = mf_expm_workspace_create(P);
  if (!w) return mf_errcode();
  mf_status status = mf_expm_apply(w, P, J, E);
  mf_expm_workspace_free(w);
  if (status != MF_OK) return status;
  /* exp(-L 2^k tau) -> the spectral projector on the zero eigenvalue (the other eigenvalues of L have
   * positive real parts).  Each squaring doubles tau; it stops once a squaring changes nothing. */
  int settled = 0;
  for (int k = 0; k < 200 && !settled; k++) {
    double change = 0.0;
    for (int j = 0; j < P; j++)
      for (int i = 0; i < P; i++) {
        double s = 0.0;
        for (int l = 0; l < P; l++) s += E[i + l * P] * E[l + j * P];
        E2[i + j * P] = s;
        change = fmax(change, fabs(s - E[i + j * P]));
      }
    memcpy(E, E2, (size_t)P * P * sizeof *E);
    settled = change <= 1e-14;
  }
  if (!settled) return mf_error(MF_ENUMERIC, "the consensus projector did not settle after 200 squarings");
  double y[MF_MAX_POPS];
  for (int p = 0; p < P; p++) {
    y[p] = 0.0;
    for (int q = 0; q < P; q++) y[p] += E[p + q * P] * x[q];
  }
  memcpy(c, y, (size_t)P * sizeof *c);
  return MF_OK;
}

static double norm2(const double *v, int n)
{
  double s = 0.0;
  for (int k = 0; k < n; k++) s += v[k] * v[k];
  return sqrt(s);
}

static double norm_inf(const double *v, int n)
{
  double s = 0.0;
  for (int k = 0; k < n; k++) s = fmax(s, fabs(v[k]));
  return s;
}

/* The scale-free form of the balance equations, H_p(x) = x_p - V_p(x) with
 * V_p = C_p / A_p, and its Jacobian dH/dx (column-major).  H has the roots
 * of G wherever A_p > 0, but its size is a voltage: G = A H is tiny wherever
 * the activities are, which would make every silent state look balanced.
 * Returns 0 when some A_p = 0 (H undefined). */
static int balance_H(const mf_model *model, const double *x, double *H, double *dH)
{
  const int P = model->P;
  double S[MF_MAX_POPS], dS[MF_MAX_POPS];
  for (int q = 0; q < P; q++) S[q] = mf_model_S(&model->pop[q], x[q]), dS[q] = mf_model_dS(&model->pop[q], x[q]);
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    double A = 0.0, C = 0.0;
    for (int q = 0; q < P; q++)
      A += pop->g_el[q] + pop->g[q] * S[q], C += pop->g_el[q] * x[q] + pop->g[q] * model->pop[q].reversal * S[q];
    if (!(A > 0.0)) return 0;
    const double V = C / A;
    H[p] = x[p] - V;
    if (dH)
      for (int r = 0; r < P; r++) /* dV_p/dx_r = (g_el_pr + g_pr S_r' (v_r - V_p)) / A_p */
        dH[p + r * P] = (p == r) - (pop->g_el[r] + pop->g[r] * dS[r] * (model->pop[r].reversal - V)) / A;
  }
  return 1;
}

mf_status mf_balance_newton_step(const mf_model *model, double *x, double *step)
{
  const int P = model->P;
  double H[MF_MAX_POPS], dH[MF_MAX_POPS * MF_MAX_POPS], trial[MF_MAX_POPS], Ht[MF_MAX_POPS], dx[MF_MAX_POPS];
  lapack_int ipiv[MF_MAX_POPS];
  if (!balance_H(model, x, H, dH)) return MF_ERECOVER;
  for (int p = 0; p < P; p++) dx[p] = -H[p];
  if (LAPACKE_dgesv(LAPACK_COL_MAJOR, P, 1, dH, P, ipiv, dx, P) != 0) return MF_ERECOVER;
  const double h0 = norm2(H, P);
  double lambda = 1.0;
  for (int k = 0; k <= 30; k++, lambda *= 0.5) {
    for (int p = 0; p < P; p++) trial[p] = x[p] + lambda * dx[p];
    if (balance_H(model, trial, Ht, NULL) && (norm2(Ht, P) < h0 || h0 == 0.0)) {
      *step = lambda * norm_inf(dx, P);
      memcpy(x, trial, (size_t)P * sizeof(double));
      return MF_OK;
    }
  }
  return MF_ERECOVER;
}

const char *mf_balance_stability_name(mf_balance_stability s)
{
  switch (s) {
  case MF_BALANCE_ATTRACTING: return "attracting";
  case MF_BALANCE_REPELLING: return "repelling";
  case MF_BALANCE_MARGINAL: return "marginal";
  }
  return "?";
}

mf_status mf_balance_classify(const mf_model *model, mf_balance_point *pt)
{
  const int P = model->P;
  double G[MF_MAX_POPS], J[MF_MAX_POPS * MF_MAX_POPS];
  mf_balance_residual(model, pt->x, G);
  pt->residual = norm_inf(G, P);
  for (int p = 0; p < P; p++) pt->A[p] = stiffness(model, pt->x, p);
  mf_balance_jacobian(model, pt->x, J);
  double scale = 0.0;
  for (int k = 0; k < P * P; k++) scale = fmax(scale, fabs(J[k]));
  lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', P, J, P, pt->eig_re, pt->eig_im, NULL, 1, NULL, 1);
  if (info != 0) return mf_error(MF_ENUMERIC, "LAPACK dgeev failed (info = %d) at a balance point", (int)info);
  double top = -INFINITY;
  for (int p = 0; p < P; p++) top = fmax(top, pt->eig_re[p]);
  /* An eigenvalue within round-off of 0 decides nothing.  At a double root
   * Newton's method stops about sqrt(eps) from the root, so "round-off" here
   * means about sqrt(eps) relative to the Jacobian. */
  const double tiny = 1e-6 * fmax(scale, 1e-300);
  pt->stability = top < -tiny ? MF_BALANCE_ATTRACTING : top > tiny ? MF_BALANCE_REPELLING : MF_BALANCE_MARGINAL;
  return MF_OK;
}

/* Newton from x until H stops decreasing; 1 if it ends at a root in the box.
 * htol is in voltage units. */
static int newton_solve(const mf_model *model, double *x, double lo, double hi, double htol)
{
  const int P = model->P;
  double H[MF_MAX_POPS], step = 0.0;
  for (int it = 0; it < 200; it++) {
    if (!balance_H(model, x, H, NULL)) return 0;
    if (norm_inf(H, P) <= htol) break;
    if (mf_balance_newton_step(model, x, &step) != MF_OK) break;
    for (int p = 0; p < P; p++)
      if (!isfinite(x[p]) || fabs(x[p]) > 1e6 * (1.0 + fabs(lo) + fabs(hi))) return 0;
    if (step <= 1e-16 * (1.0 + norm_inf(x, P))) break;
  }
  /* A double root converges only linearly, H to about eps but x to about sqrt(eps). */
  if (!balance_H(model, x, H, NULL) || !(norm_inf(H, P) <= 1e4 * htol)) return 0;
  const double slack = 1e-12 * (hi - lo);
  for (int p = 0; p < P; p++)
    if (x[p] < lo - slack || x[p] > hi + slack) return 0;
  return 1;
}

static int compare_points(const void *a, const void *b)
{
  const mf_balance_point *u = a, *v = b;
  int au = u->stability == MF_BALANCE_ATTRACTING, av = v->stability == MF_BALANCE_ATTRACTING;
  if (au != av) return av - au;
  return (u->x[0] > v->x[0]) - (u->x[0] < v->x[0]);
}

mf_status mf_balance_find(const mf_model *model, double lo, double hi, mf_balance_point *points, int max,
                          int *count)
{
  const int P = model->P;
  *count = 0;
  if (!(lo < hi)) return mf_error(MF_EINPUT, "balance box [%g, %g]: expected lo < hi", lo, hi);
  /* Pure electrical coupling balances on a whole line: no isolated points. */
  if (mf_balance_is_consensus(model)) return MF_OK;
  mf_balance_point found[MF_BALANCE_MAX_ROOTS];
  int n = 0;

  double xe[MF_MAX_POPS];
  if (mf_model_explicit_balance(model, xe)) {
    int inside = 1;
    for (int p = 0; p < P; p++) inside &= xe[p] >= lo && xe[p] <= hi;
    if (inside) {
      memset(&found[0], 0, sizeof found[0]);
      memcpy(found[0].x, xe, (size_t)P * sizeof(double));
      found[0].is_explicit = 1;
      n = 1;
    }
  } else {
    const double htol = 1e-15 * (hi - lo), merge = 1e-6 * (hi - lo);
    int per_dim = (int)ceil(pow(2000.0, 1.0 / P));
    if (per_dim < 5) per_dim = 5;
    long total = 1;
    for (int p = 0; p < P; p++) total *= per_dim;
    for (long s = 0; s < total; s++) {
      double x[MF_MAX_POPS];
      long rest = s;
      for (int p = 0; p < P; p++, rest /= per_dim)
        x[p] = lo + (hi - lo) * ((double)(rest % per_dim) + 0.5) / per_dim;
      if (!newton_solve(model, x, lo, hi, htol)) continue;
      double G[MF_MAX_POPS];
      mf_balance_residual(model, x, G);
      int k = 0;
      for (; k < n; k++) {
        double d = 0.0;
        for (int p = 0; p < P; p++) d = fmax(d, fabs(found[k].x[p] - x[p]));
        if (d <= merge) break;
      }
      if (k < n) { /* the same root again: keep the better polished copy */
        if (norm_inf(G, P) < found[k].residual) memcpy(found[k].x, x, (size_t)P * sizeof(double)),
                                                    found[k].residual = norm_inf(G, P);
        continue;
      }
      if (n == MF_BALANCE_MAX_ROOTS) return mf_error(MF_ENUMERIC, "more than %d balance points", MF_BALANCE_MAX_ROOTS);
      memset(&found[n], 0, sizeof found[n]);
      memcpy(found[n].x, x, (size_t)P * sizeof(double));
      found[n].residual = norm_inf(G, P);
      n++;
    }
  }
  for (int k = 0; k < n; k++) {
    mf_status status = mf_balance_classify(model, &found[k]);
    if (status != MF_OK) return status;
  }
  qsort(found, (size_t)n, sizeof found[0], compare_points);
  for (int k = 0; k < n && k < max; k++) points[k] = found[k];
  *count = n;
  return MF_OK;
}

int mf_balance_nearest(const mf_balance_point *points, int count, int P, const double *x)
{
  int best = -1, best_attracting = -1;
  double d_best = INFINITY, d_attr = INFINITY;
  for (int k = 0; k < count; k++) {
    double d = 0.0;
    for (int p = 0; p < P; p++) d = fmax(d, fabs(points[k].x[p] - x[p]));
    if (d < d_best) d_best = d, best = k;
    if (points[k].stability == MF_BALANCE_ATTRACTING && d < d_attr) d_attr = d, best_attracting = k;
  }
  return best_attracting >= 0 ? best_attracting : best;
}

struct mf_flow {
  mf_model model;
  SUNContext ctx;
  void *cvode;
  N_Vector x;
  SUNMatrix J;
  SUNLinearSolver LS;
};

static int flow_rhs(sunrealtype t, N_Vector x, N_Vector dx, void *data)
{
  (void)t;
  mf_flow *flow = data;
  double *d = N_VGetArrayPointer(dx);
  mf_balance_residual(&flow->model, N_VGetArrayPointer(x), d);
  for (int p = 0; p < flow->model.P; p++) d[p] = -d[p];
  return 0;
}

void mf_flow_free(mf_flow *flow)
{
  if (!flow) return;
  if (flow->cvode) CVodeFree(&flow->cvode);
  if (flow->LS) SUNLinSolFree(flow->LS);
  if (flow->J) SUNMatDestroy(flow->J);
  if (flow->x) N_VDestroy(flow->x);
  if (flow->ctx) SUNContext_Free(&flow->ctx);
  free(flow);
}

mf_flow *mf_flow_create(const mf_model *model, const double *x0, double rtol, double atol)
{
  mf_flow *flow = calloc(1, sizeof *flow);
  if (!flow) goto nomem;
  flow->model = *model;
  if (mf_sundials_context_create(&flow->ctx) != MF_OK) goto fail;
  flow->x = N_VNew_Serial(model->P, flow->ctx);
  flow->J = SUNDenseMatrix(model->P, model->P, flow->ctx);
  if (!flow->x || !flow->J) goto nomem;
  memcpy(N_VGetArrayPointer(flow->x), x0, (size_t)model->P * sizeof(double));
  flow->LS = SUNLinSol_Dense(flow->x, flow->J, flow->ctx);
  flow->cvode = CVodeCreate(CV_BDF, flow->ctx);
  if (!flow->LS || !flow->cvode) goto nomem;
  int flag = CVodeInit(flow->cvode, flow_rhs, 0.0, flow->x);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(flow->cvode, flow);
  if (flag == CV_SUCCESS) flag = CVodeSStolerances(flow->cvode, rtol, atol);
  if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(flow->cvode, flow->LS, flow->J);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(flow->cvode, 1000000);
  if (flag != CV_SUCCESS) {
    char name[64];
    mf_error(flag == CV_MEM_FAIL ? MF_ENOMEM : MF_EBUG, "setting up CVODE for the early-behaviour flow: %s",
             mf_cvode_flag_name(flag, name, sizeof name));
    goto fail;
  }
  return flow;
nomem:
  mf_error(MF_ENOMEM, "out of memory for the early-behaviour flow");
fail:
  mf_flow_free(flow);
  return NULL;
}

mf_status mf_flow_advance(mf_flow *flow, double tau, double *x)
{
  double reached = 0.0;
  int flag = tau > 0.0 ? CVode(flow->cvode, tau, flow->x, &reached, CV_NORMAL) : CV_SUCCESS;
  memcpy(x, N_VGetArrayPointer(flow->x), (size_t)flow->model.P * sizeof(double));
  char name[64];
  if (flag < 0)
    return mf_error(MF_ENUMERIC, "early-behaviour flow failed at tau = %.9g: %s", reached,
                    mf_cvode_flag_name(flag, name, sizeof name));
  return MF_OK;
}
