/* hj.c -- the Hopf-Cole / Hamilton-Jacobi operator (hj.h, MODEL.md section 4,
 * docs/hopf-cole.md): Godunov's numerical Hamiltonian for H convex in p,
 * the O(1/gamma) viscous and drift corrections, the walls, and the
 * activities by log-sum-exp. */
#include "mfbalance/hj.h"

#include "mfbalance/integrator.h"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mf_hj {
  mf_model model;
  const mf_grid *grid;
  int P, n;
  int limit;      /* 1 when gamma = infinity */
  double *weight; /* workspace of the log-sum-exp weights, length n */
  double *curv;   /* workspace of the second divided differences, length n */
};

mf_hj *mf_hj_create(const mf_model *model, const mf_grid *grid)
{
  mf_model check = *model;
  if (isinf(check.gamma)) check.gamma = 1.0; /* everything else must be valid */
  if (mf_model_check(&check) != MF_OK) return NULL;
  for (int p = 0; p < model->P; p++)
    if (model->pop[p].init != MF_INIT_GAUSSIAN) {
      mf_error(MF_EINPUT, "population %s: the Hopf-Cole solver needs Gaussian initial data (log rho_0 must be "
               "finite everywhere)", model->pop[p].name);
      return NULL;
    }
  mf_hj *hj = calloc(1, sizeof *hj);
  if (hj) {
    hj->weight = malloc((size_t)grid->n * sizeof(double));
    hj->curv = malloc((size_t)grid->n * sizeof(double));
  }
  if (!hj || !hj->weight || !hj->curv) {
    mf_hj_free(hj);
    mf_error(MF_ENOMEM, "out of memory for the Hopf-Cole operator");
    return NULL;
  }
  hj->model = *model;
  hj->grid = grid;
  hj->P = model->P;
  hj->n = grid->n;
  hj->limit = isinf(model->gamma);
  return hj;
}

void mf_hj_free(mf_hj *hj)
{
  if (!hj) return;
  free(hj->weight);
  free(hj->curv);
  free(hj);
}

int mf_hj_size(const mf_hj *hj) { return hj->P * hj->n; }

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

/* int S e^{gamma (u - top)} and int e^{gamma (u - top)} over cell i, where u is
 * the parabola through cells k-1, k, k+1 (k = i clamped inside), sampled at
 * K sub-cell midpoints.  Used near the maximum, where e^{gamma u} may be far
 * narrower than a cell. */
static void subcell_integrals(const mf_hj *hj, const mf_population *pop, const double *u, int i, double top, int K,
                              double *num, double *den)
{
  const mf_grid *g = hj->grid;
  const int k = i < 1 ? 1 : i > g->n - 2 ? g->n - 2 : i;
  const double x0 = g->x[k - 1], x1 = g->x[k], x2 = g->x[k + 1];
  const double d01 = (u[k] - u[k - 1]) / (x1 - x0), d12 = (u[k + 1] - u[k]) / (x2 - x1), c2 = (d12 - d01) / (x2 - x0);
  double sn = 0.0, sd = 0.0;
  for (int j = 0; j < K; j++) {
    const double x = g->faces[i] + g->w[i] * (j + 0.5) / K;
    const double q = u[k - 1] + d01 * (x - x0) + c2 * (x - x0) * (x - x1);
    const double e = exp(hj->model.gamma * (q - top));
    sn += e * mf_model_S(pop, x);
    sd += e;
  }
  *num = sn * g->w[i] / K;
  *den = sd * g->w[i] / K;
}

void mf_hj_activities(const mf_hj *hj, const double *u, double *m)
{
  const mf_grid *g = hj->grid;
  for (int q = 0; q < hj->P; q++) {
    const mf_population *pop = &hj->model.pop[q];
    const double *uq = u + (size_t)q * hj->n;
    double umax;
    const double xbar = mf_hj_argmax(g, uq, &umax);
    if (hj->limit) {
      m[q] = mf_model_S(pop, xbar);
      continue;
    }
    /* Midpoint rule away from the maximum; near it (4 cells each side) the
     * parabola of u is sampled finely enough to resolve the local width
     * 1/sqrt(2 gamma |u''|) with 8 points, however large gamma is. */
    const int imax = mf_grid_locate(g, xbar);
    const double top = fmax(umax, uq[imax]);
    double num = 0.0, den = 0.0;
    for (int i = 0; i < hj->n; i++) {
      if (abs(i - imax) <= 4) continue;
      const double e = g->w[i] * exp(hj->model.gamma * (uq[i] - top));
      num += e * mf_model_S(pop, g->x[i]);
      den += e;
    }
    for (int i = imax - 4; i <= imax + 4; i++) {
      if (i < 0 || i >= hj->n) continue;
      const int k = i < 1 ? 1 : i > hj->n - 2 ? hj->n - 2 : i;
      const double curv = fabs(2.0 * ((uq[k + 1] - uq[k]) / (g->x[k + 1] - g->x[k]) -
                                       (uq[k] - uq[k - 1]) / (g->x[k] - g->x[k - 1])) / (g->x[k + 1] - g->x[k - 1]));
      const double width = 1.0 / sqrt(fmax(2.0 * hj->model.gamma * curv, 1e-300));
      const int K = (int)fmin(4096.0, fmax(1.0, ceil(8.0 * g->w[i] / width)));
      double cn, cd;
      subcell_integrals(hj, pop, uq, i, top, K, &cn, &cd);
      num += cn;
      den += cd;
    }
    m[q] = num / den;
  }
}

void mf_hj_density(const mf_hj *hj, const double *u, int p, double *rho)
{
  const double sum = lse_weights(hj, u + (size_t)p * hj->n);
  for (int i = 0; i < hj->n; i++) rho[i] = hj->weight[i] / hj->grid->w[i] / sum;
}

static double minmod(double a, double b)
{
  if (a * b <= 0.0) return 0.0;
  return fabs(a) < fabs(b) ? a : b;
}

/* H(x, p) = D p^2 + b p, convex in p, minimal at p^ = -b / (2 D). */
static double hamiltonian(double D, double b, double p) { return p * (D * p + b); }

mf_status mf_hj_rhs(mf_hj *hj, const double *u, double *du)
{
  const mf_grid *g = hj->grid;
  const int n = hj->n;
  const double gamma = hj->model.gamma, eps = hj->limit ? 0.0 : 1.0 / gamma;
  double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_hj_activities(hj, u, m);
  mf_model_coupling(&hj->model, m, A, C);
  double check = 0.0;
  for (int p = 0; p < hj->P; p++) {
    const mf_population *pop = &hj->model.pop[p];
    const double D = mf_model_diffusion(pop);
    const double *up = u + (size_t)p * n;
    double *dp = du + (size_t)p * n;
    /* The slope at a wall: zero flux at finite gamma; extrapolated in the limit. */
    const double xl = g->faces[0], xr = g->faces[n];
    const double wall_l = (eps * mf_model_f(pop, xl) - (A[p] * xl - C[p])) / D;
    const double wall_r = (eps * mf_model_f(pop, xr) - (A[p] * xr - C[p])) / D;
    /* Second divided differences (about u''), for the ENO corrections. */
    double *dd = hj->curv;
    for (int i = 0; i < n; i++)
      dd[i] = i == 0 || i == n - 1 ? 0.0
                                   : 2.0 * ((up[i + 1] - up[i]) / (g->x[i + 1] - g->x[i]) -
                                            (up[i] - up[i - 1]) / (g->x[i] - g->x[i - 1])) /
                                         (g->x[i + 1] - g->x[i - 1]);
    for (int i = 0; i < n; i++) {
      const double x = g->x[i];
      /* One-sided slopes, second-order ENO (Osher & Shu, SIAM J. Numer. Anal. 28, 1991):
       * the first difference corrected by the smaller (minmod) neighbouring curvature. */
      double pr = NAN, pl = NAN;
      if (i < n - 1) {
        const double h = g->x[i + 1] - x;
        pr = (up[i + 1] - up[i]) / h;
        if (i > 0 && i + 1 < n - 1) pr -= 0.5 * h * minmod(dd[i], dd[i + 1]);
      } else if (!hj->limit) {
        pr = wall_r;
      }
      if (i > 0) {
        const double h = x - g->x[i - 1];
        pl = (up[i] - up[i - 1]) / h;
        if (i < n - 1 && i - 1 > 0) pl += 0.5 * h * minmod(dd[i], dd[i - 1]);
      } else if (!hj->limit) {
        pl = wall_l;
      }
      const double pminus = isnan(pl) ? pr : pl, pplus = isnan(pr) ? pl : pr;
      const double b = (A[p] * x - C[p]) - eps * mf_model_f(pop, x);
      const double phat = -b / (2.0 * D);
      double rate = fmax(hamiltonian(D, b, fmin(pminus, phat)), hamiltonian(D, b, fmax(pplus, phat)));
      if (!hj->limit) {
        /* (A + D u_xx)/gamma - f'/gamma^2: u_xx centred inside, from the wall slope at a wall. */
        const double uxx = i > 0 && i < n - 1 ? dd[i]
                           : i == 0 ? ((up[1] - up[0]) / (g->x[1] - x) - wall_l) / (0.5 * (g->x[1] - x + g->w[0]))
                                    : (wall_r - (up[i] - up[i - 1]) / (x - g->x[i - 1])) /
                                          (0.5 * (x - g->x[i - 1] + g->w[i]));
        rate += eps * (A[p] + D * uxx) - eps * eps * mf_model_df(pop, x);
      }
      dp[i] = rate;
      check += rate;
    }
  }
  if (!isfinite(check)) return mf_error(MF_ERECOVER, "the Hopf-Cole right-hand side is not finite");
  return MF_OK;
}

struct mf_hj_solver {
  mf_hj *hj;
  SUNContext ctx;
  void *cvode;
  N_Vector u;
  SUNNonlinearSolver nls;
  double tau;
  char msg[512];
};

static int hj_cvode_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *data)
{
  (void)t;
  mf_hj_solver *s = data;
  return mf_hj_rhs(s->hj, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
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
  if (s->nls) SUNNonlinSolFree(s->nls);
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
  if (!s->u) goto nomem;
  memcpy(N_VGetArrayPointer(s->u), u0, (size_t)N * sizeof(double));
  s->cvode = CVodeCreate(CV_ADAMS, s->ctx);
  s->nls = SUNNonlinSol_FixedPoint(s->u, 0, s->ctx);
  if (!s->cvode || !s->nls) goto nomem;
  int flag = CVodeSetErrHandlerFn(s->cvode, hj_error_handler, s);
  if (flag == CV_SUCCESS) flag = CVodeInit(s->cvode, hj_cvode_rhs, 0.0, s->u);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(s->cvode, s);
  if (flag == CV_SUCCESS) flag = CVodeSStolerances(s->cvode, rtol, atol);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(s->cvode, max_steps);
  if (flag == CV_SUCCESS) flag = CVodeSetNonlinearSolver(s->cvode, s->nls);
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
  return steps;
}
