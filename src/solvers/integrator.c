/* integrator.c -- CVODE (Hindmarsh et al., ACM TOMS 31, 2005) driving a
 * discretised mean-field system (integrator.h): BDF, Newton, and the linear
 * solvers named there (the analytic Jacobian for the direct ones, a
 * preconditioned SPGMR otherwise).  Nothing is allocated inside the
 * right-hand side, Jacobian or preconditioner callbacks.
 */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/integrator.h"
#include "../io/clock.h"

#include "mfbalance/tlrmatrix.h"
#include "mfbalance/woodbury.h"

#include <cvode/cvode.h>
#include <cvode/cvode_proj.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_config.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunmatrix/sunmatrix_band.h>
#include <sunmatrix/sunmatrix_dense.h>

struct mf_integrator {
  mf_system sys;
  double rtol, atol;
  mf_linsol linsol;
  SUNContext ctx;
  void *cvode;
  N_Vector y;          /* state at the last output time */
  N_Vector corr;       /* workspace for the output projection */
  SUNMatrix A;         /* the Newton matrix CVODE fills */
  SUNMatrix scratch;   /* Jacobian in T + U W^T form, for the band and dense fills */
  SUNLinearSolver LS;
  double t;
  double wall;
  int nevents;          /* number of event functions, 0 for none */
  mf_event_fn event_fn; /* the event functions */
  void *event_user;     /* their user data */
  char cvode_msg[512]; /* last message from CVODE's error handler */
  mf_integrator_stats base; /* counts of the integrations before the last restart */
};

mf_status mf_sundials_context_create(SUNContext *ctx)
{
#if SUNDIALS_VERSION_MAJOR >= 7
  int flag = SUNContext_Create(SUN_COMM_NULL, ctx);
#else
  int flag = SUNContext_Create(NULL, ctx);
#endif
  return flag == 0 ? MF_OK : mf_error(MF_ENOMEM, "SUNContext_Create failed (%d)", flag);
}

const char *mf_cvode_flag_name(int flag, char *buf, size_t len)
{
  char *name = CVodeGetReturnFlagName(flag);
  snprintf(buf, len, "%s", name ? name : "unknown flag");
  free(name);
  return buf;
}

mf_status mf_sundials_reserve(double bytes, const char *what)
{
  /* SUNDIALS 6's N_VClone dereferences the clone before checking it, so a
   * failed allocation inside CVodeInit is a crash, not CV_MEM_FAIL: ask
   * for the whole amount here first, and give it back. */
  void *probe = bytes < 9.0e18 ? malloc((size_t)bytes) : NULL;
  if (!probe) return mf_error(MF_ENOMEM, "out of memory: %s needs %.3g MB more", what, bytes / 1e6);
  free(probe);
  return MF_OK;
}

const char *mf_linsol_name(mf_linsol linsol)
{
  switch (linsol) {
  case MF_LINSOL_WOODBURY: return "woodbury";
  case MF_LINSOL_BAND: return "band";
  case MF_LINSOL_DENSE: return "dense";
  case MF_LINSOL_GMRES: return "gmres";
  }
  return "?";
}

int mf_linsol_from_name(const char *name)
{
  for (int k = MF_LINSOL_WOODBURY; k <= MF_LINSOL_GMRES; k++)
    if (strcmp(name, mf_linsol_name((mf_linsol)k)) == 0) return k;
  return -1;
}

static int event_roots(sunrealtype t, N_Vector y, sunrealtype *g, void *user_data)
{
  mf_integrator *integ = user_data;
  return integ->event_fn(t, N_VGetArrayPointer(y), g, integ->event_user);
}

static int rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user_data)
{
  (void)t;
  mf_integrator *integ = user_data;
  return integ->sys.rhs(integ->sys.data, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
}

static int error_weights(N_Vector y, N_Vector ewt, void *user_data)
{
  mf_integrator *integ = user_data;
  integ->sys.error_weights(integ->sys.data, N_VGetArrayPointer(y), integ->rtol, integ->atol, N_VGetArrayPointer(ewt));
  return 0;
}

static int prec_setup(sunrealtype t, N_Vector y, N_Vector fy, sunbooleantype jok, sunbooleantype *jcur,
                      sunrealtype gamma, void *user_data)
{
  (void)t, (void)fy, (void)jok;
  mf_integrator *integ = user_data;
  *jcur = SUNTRUE;
  return integ->sys.prec_setup(integ->sys.data, N_VGetArrayPointer(y), gamma);
}

static int prec_solve(sunrealtype t, N_Vector y, N_Vector fy, N_Vector r, N_Vector z, sunrealtype gamma,
                      sunrealtype delta, int lr, void *user_data)
{
  (void)t, (void)y, (void)fy, (void)gamma, (void)delta, (void)lr;
  mf_integrator *integ = user_data;
  integ->sys.prec_solve(integ->sys.data, N_VGetArrayPointer(r), N_VGetArrayPointer(z));
  return 0;
}

static int jacobian(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user_data, N_Vector tmp1,
                    N_Vector tmp2, N_Vector tmp3)
{
  (void)t, (void)fy, (void)tmp1, (void)tmp2, (void)tmp3;
  mf_integrator *integ = user_data;
  const double *rho = N_VGetArrayPointer(y);
  if (integ->linsol == MF_LINSOL_WOODBURY) return integ->sys.jacobian(integ->sys.data, rho, 1, mf_tlr_content(J));

  mf_tlr *T = mf_tlr_content(integ->scratch);
  if (integ->linsol == MF_LINSOL_DENSE) {
    mf_status status = integ->sys.jacobian(integ->sys.data, rho, 1, T);
    if (status == MF_OK) mf_tlr_to_dense(T, SUNDenseMatrix_Data(J));
    return status;
  }
  /* Band: the tridiagonal part only; the rank-P nonlocal term is dropped. */
  mf_status status = integ->sys.jacobian(integ->sys.data, rho, 0, T);
  for (sunindextype i = 0; i < T->N; i++) {
    SM_ELEMENT_B(J, i, i) = T->d[i];
    if (i > 0) SM_ELEMENT_B(J, i, i - 1) = T->dl[i];
    if (i < T->N - 1) SM_ELEMENT_B(J, i, i + 1) = T->du[i];
  }
  return status;
}

/* Projection after each step (CVODE's CVodeSetProjFn): BDF of order > 1 is
 * not positivity preserving, and far tails, where the density is ~0, can dip
 * below zero by about the local error.  For each population, negative cells
 * are set to 0 and the positive cells scaled by (1 - neg/pos), where neg and
 * pos are the masses of the negative and positive parts: the density stays
 * >= 0 and the mass is unchanged.  The change is of the size of the local
 * error, so the error estimate is left alone.  (CVODE's own inequality
 * constraints clip without that rescaling and so do not conserve mass.) */
static int nonnegative_correction(const mf_system *sys, const double *y, double *corr)
{
  const int n = sys->n;
  const double *w = sys->weights;
  memset(corr, 0, (size_t)sys->size * sizeof(double));
  for (int p = 0; p < sys->P; p++) {
    const double *r = y + (size_t)p * n;
    double *c = corr + (size_t)p * n;
    double neg = 0.0, pos = 0.0;
    for (int i = 0; i < n; i++) {
      if (r[i] < 0.0) neg -= w[i] * r[i];
      else pos += w[i] * r[i];
    }
    if (neg == 0.0) continue;
    if (!(neg < pos)) return 1; /* not a small excursion: retry with a smaller step */
    const double shrink = neg / pos;
    for (int i = 0; i < n; i++) c[i] = r[i] < 0.0 ? -r[i] : -shrink * r[i];
  }
  return 0;
}

static int project_nonnegative(sunrealtype t, N_Vector ycur, N_Vector corr, sunrealtype eps, N_Vector err,
                               void *user_data)
{
  (void)t, (void)eps, (void)err;
  mf_integrator *integ = user_data;
  return nonnegative_correction(&integ->sys, N_VGetArrayPointer(ycur), N_VGetArrayPointer(corr));
}

static void error_handler(int code, const char *module, const char *function, char *msg, void *data)
{
  (void)code;
  mf_integrator *integ = data;
  snprintf(integ->cvode_msg, sizeof integ->cvode_msg, "%s: %s: %s", module, function, msg);
}

void mf_integrator_free(mf_integrator *integ)
{
  if (!integ) return;
  if (integ->cvode) CVodeFree(&integ->cvode);
  if (integ->LS) SUNLinSolFree(integ->LS);
  if (integ->A) SUNMatDestroy(integ->A);
  if (integ->scratch) SUNMatDestroy(integ->scratch);
  if (integ->y) N_VDestroy(integ->y);
  if (integ->corr) N_VDestroy(integ->corr);
  if (integ->ctx) SUNContext_Free(&integ->ctx);
  free(integ);
}

static mf_status check_opts(const mf_integrator_opts *opts, const mf_system *sys)
{
  const sunindextype N = sys->size;
  if (!(opts->rtol > 0.0 && opts->rtol < 1.0))
    return mf_error(MF_EINPUT, "rtol = %g: expected 0 < rtol < 1", opts->rtol);
  if (!(opts->atol > 0.0 && isfinite(opts->atol)))
    return mf_error(MF_EINPUT, "atol = %g: expected a finite number > 0", opts->atol);
  if (opts->max_steps < 1) return mf_error(MF_EINPUT, "max_steps = %ld: expected >= 1", opts->max_steps);
  if (opts->linsol == MF_LINSOL_GMRES ? !(sys->prec_setup && sys->prec_solve) : !sys->jacobian)
    return mf_error(MF_EINPUT, "linear = %s is not offered by this discretisation (use %s)", mf_linsol_name(opts->linsol),
                    sys->jacobian ? "woodbury, band or dense" : "gmres");
  if (opts->linsol == MF_LINSOL_DENSE && N > MF_DENSE_MAX)
    return mf_error(MF_EINPUT, "linear = dense with %ld unknowns: the dense solver takes at most %d "
                    "(use woodbury or band)", (long)N, MF_DENSE_MAX);
  return MF_OK;
}

static mf_status fv_rhs(void *data, const double *y, double *dy) { return mf_fv_rhs(data, y, dy); }

static mf_status fv_jacobian(void *data, const double *y, int nonlocal, mf_tlr *J)
{
  return mf_fv_jacobian(data, y, nonlocal, J);
}

mf_system mf_fv_system(mf_fv *fv)
{
  const mf_grid *grid = mf_fv_grid(fv);
  return (mf_system){.data = fv, .size = mf_fv_size(fv), .P = mf_fv_model(fv)->P, .n = grid->n,
                     .weights = grid->w, .rhs = fv_rhs, .rank = mf_fv_rank(fv), .jacobian = fv_jacobian};
}

mf_integrator *mf_integrator_create(mf_fv *fv, const double *rho0, double t0, const mf_integrator_opts *opts)
{
  const mf_system sys = mf_fv_system(fv);
  return mf_integrator_create_system(&sys, rho0, t0, opts);
}

mf_integrator *mf_integrator_create_system(const mf_system *sys, const double *y0, double t0,
                                           const mf_integrator_opts *opts)
{
  const int P = sys->P, n = sys->n;
  const sunindextype N = sys->size;
  if (check_opts(opts, sys) != MF_OK) return NULL;
  mf_integrator *integ = calloc(1, sizeof *integ);
  if (!integ) goto nomem;
  integ->sys = *sys;
  integ->rtol = opts->rtol;
  integ->atol = opts->atol;
  integ->linsol = opts->linsol;
  integ->t = t0;
  if (mf_sundials_context_create(&integ->ctx) != MF_OK) goto fail;

  integ->y = N_VNew_Serial(N, integ->ctx);
  integ->corr = N_VNew_Serial(N, integ->ctx);
  if (!integ->y || !integ->corr) goto nomem;
  /* Fused vector operations let CVODE update its Nordsieck history in one
   * pass over memory instead of one pass per column. */
  N_VEnableFusedOps_Serial(integ->y, SUNTRUE);
  memcpy(N_VGetArrayPointer(integ->y), y0, (size_t)N * sizeof(double));

  switch (opts->linsol) {
  case MF_LINSOL_WOODBURY:
    integ->A = mf_tlr_matrix_create(P, n, sys->rank, integ->ctx);
    if (integ->A) integ->LS = mf_woodbury_create(integ->y, integ->A, integ->ctx);
    break;
  case MF_LINSOL_BAND:
    integ->A = SUNBandMatrix(N, 1, 1, integ->ctx);
    integ->scratch = mf_tlr_matrix_create(P, n, sys->rank, integ->ctx);
    if (integ->A && integ->scratch) integ->LS = SUNLinSol_Band(integ->y, integ->A, integ->ctx);
    break;
  case MF_LINSOL_DENSE:
    integ->A = SUNDenseMatrix(N, N, integ->ctx);
    integ->scratch = mf_tlr_matrix_create(P, n, sys->rank, integ->ctx);
    if (integ->A && integ->scratch) integ->LS = SUNLinSol_Dense(integ->y, integ->A, integ->ctx);
    break;
  case MF_LINSOL_GMRES:
    /* The preconditioned operator is the identity plus a perturbation of
     * rank about 3P (activities, frame position and scale): few iterations. */
    integ->LS = SUNLinSol_SPGMR(integ->y, SUN_PREC_LEFT, 10, integ->ctx);
    break;
  }
  if (!integ->LS) goto nomem;

  /* What CVODE will allocate: the Nordsieck array (6 vectors at BDF order
   * 5), 7 work vectors, Newton's correction, the linear solver's 2 vectors,
   * 2 for the projection, and the saved Newton matrix. */
  const double matrix = opts->linsol == MF_LINSOL_DENSE  ? 8.0 * (double)N * (double)N
                        : opts->linsol == MF_LINSOL_BAND ? 8.0 * 4.0 * (double)N
                                                         : 8.0 * (3.0 + 2.0 * P) * (double)N;
  if (mf_sundials_reserve(8.0 * 18.0 * (double)N + matrix, "CVODE") != MF_OK) goto fail;

  integ->cvode = CVodeCreate(CV_BDF, integ->ctx);
  if (!integ->cvode) goto nomem;
  int flag = CVodeSetErrHandlerFn(integ->cvode, error_handler, integ);
  if (flag == CV_SUCCESS) flag = CVodeInit(integ->cvode, rhs, t0, integ->y);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(integ->cvode, integ);
  if (flag == CV_SUCCESS)
    flag = sys->error_weights ? CVodeWFtolerances(integ->cvode, error_weights)
                              : CVodeSStolerances(integ->cvode, opts->rtol, opts->atol);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(integ->cvode, opts->max_steps);
  if (flag == CV_SUCCESS) flag = CVodeSetProjFn(integ->cvode, project_nonnegative);
  if (flag == CV_SUCCESS) flag = CVodeSetProjErrEst(integ->cvode, SUNFALSE);
  if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(integ->cvode, integ->LS, integ->A);
  if (opts->linsol == MF_LINSOL_GMRES) {
    if (flag == CV_SUCCESS) flag = CVodeSetPreconditioner(integ->cvode, prec_setup, prec_solve);
    /* GMRES stops at eps_lin times the Newton tolerance.  CVODE's 0.05 leaves
     * residuals that keep a stationary state wandering at the tolerance's
     * level (the sweep's stationarity test then fails at gamma = 100); ten
     * times tighter costs half an iteration more per solve. */
    if (flag == CV_SUCCESS) flag = CVodeSetEpsLin(integ->cvode, 0.005);
  } else if (flag == CV_SUCCESS) {
    flag = CVodeSetJacFn(integ->cvode, jacobian);
  }
  if (flag != CV_SUCCESS) {
    char name[64];
    mf_error(flag == CV_MEM_FAIL ? MF_ENOMEM : MF_EBUG, "setting up CVODE: %s (%s)",
             mf_cvode_flag_name(flag, name, sizeof name), integ->cvode_msg);
    goto fail;
  }
  return integ;

nomem:
  mf_error(MF_ENOMEM, "out of memory setting up the integrator for %ld unknowns", (long)N);
fail:
  mf_integrator_free(integ);
  return NULL;
}

mf_status mf_integrator_set_events(mf_integrator *integ, int nevents, mf_event_fn fn, void *user)
{
  integ->nevents = nevents;
  integ->event_fn = fn;
  integ->event_user = user;
  int flag = CVodeRootInit(integ->cvode, nevents, nevents > 0 ? event_roots : NULL);
  char name[64];
  return flag == CV_SUCCESS ? MF_OK
                            : mf_error(flag == CV_MEM_FAIL ? MF_ENOMEM : MF_EBUG, "CVodeRootInit: %s",
                                       mf_cvode_flag_name(flag, name, sizeof name));
}

mf_status mf_integrator_advance_until(mf_integrator *integ, double tout, int *fired, int *which)
{
  double start = mf_clock_seconds();
  integ->cvode_msg[0] = '\0';
  int flag = CVode(integ->cvode, tout, integ->y, &integ->t, CV_NORMAL);
  integ->wall += mf_clock_seconds() - start;
  *fired = flag == CV_ROOT_RETURN;
  if (which && integ->nevents > 0) {
    if (*fired) CVodeGetRootInfo(integ->cvode, which);
    else memset(which, 0, (size_t)integ->nevents * sizeof *which);
  }
  if (flag < 0) {
    /* Leave the last accepted state in y, not a half-finished iterate. */
    CVodeGetDky(integ->cvode, integ->t, 0, integ->y);
    char name[64];
    return mf_error(MF_ENUMERIC, "time integration failed at t = %.9g: %s%s%s", integ->t,
                    mf_cvode_flag_name(flag, name, sizeof name), integ->cvode_msg[0] ? ": " : "", integ->cvode_msg);
  }
  /* CVODE interpolates to tout; the interpolant of non-negative steps can
   * dip below zero, so the output gets the same projection as the steps. */
  if (nonnegative_correction(&integ->sys, N_VGetArrayPointer(integ->y), N_VGetArrayPointer(integ->corr)) == 0)
    N_VLinearSum(1.0, integ->y, 1.0, integ->corr, integ->y);
  const double *rho = N_VGetArrayPointer(integ->y);
  for (sunindextype i = 0; i < N_VGetLength(integ->y); i++)
    if (!isfinite(rho[i]))
      return mf_error(MF_ENUMERIC, "the density is not finite at t = %.9g (cell %ld)", integ->t, (long)i);
  return MF_OK;
}

mf_status mf_integrator_advance(mf_integrator *integ, double tout)
{
  int fired = 1;
  mf_status status = MF_OK;
  while (status == MF_OK && fired) status = mf_integrator_advance_until(integ, tout, &fired, NULL);
  return status;
}

double mf_integrator_time(const mf_integrator *integ) { return integ->t; }

const double *mf_integrator_state(const mf_integrator *integ) { return N_VGetArrayPointer(integ->y); }

/* Add CVODE's counters since the last (re)start to the integrator's. */
static void add_counts(mf_integrator_stats *s, const mf_integrator_stats *base)
{
  s->steps += base->steps;
  s->rhs_evals += base->rhs_evals;
  s->jac_evals += base->jac_evals;
  s->newton_iters += base->newton_iters;
  s->lin_iters += base->lin_iters;
  s->newton_fails += base->newton_fails;
  s->lin_setups += base->lin_setups;
  s->err_fails += base->err_fails;
  s->wall_seconds += base->wall_seconds;
}

mf_status mf_integrator_restart(mf_integrator *integ, double t, const double *y)
{
  mf_integrator_stats now;
  mf_integrator_get_stats(integ, &now);
  now.wall_seconds = 0.0; /* integ->wall already runs across restarts */
  double *state = N_VGetArrayPointer(integ->y);
  if (state != y) memcpy(state, y, (size_t)N_VGetLength(integ->y) * sizeof *state);
  const int flag = CVodeReInit(integ->cvode, t, integ->y);
  if (flag != CV_SUCCESS) {
    char name[64];
    return mf_error(MF_EBUG, "CVodeReInit: %s", mf_cvode_flag_name(flag, name, sizeof name));
  }
  integ->t = t;
  integ->base = now;
  return MF_OK;
}

void mf_integrator_set_counts(mf_integrator *integ, const mf_integrator_stats *counts)
{
  integ->base = *counts;
  integ->base.wall_seconds = 0.0;
}

void mf_integrator_get_stats(const mf_integrator *integ, mf_integrator_stats *s)
{
  memset(s, 0, sizeof *s);
  s->t = integ->t;
  s->wall_seconds = integ->wall;
  CVodeGetNumSteps(integ->cvode, &s->steps);
  CVodeGetNumRhsEvals(integ->cvode, &s->rhs_evals);
  CVodeGetNumJacEvals(integ->cvode, &s->jac_evals);
  CVodeGetNumNonlinSolvIters(integ->cvode, &s->newton_iters);
  if (integ->linsol == MF_LINSOL_GMRES) CVodeGetNumLinIters(integ->cvode, &s->lin_iters);
  CVodeGetNumNonlinSolvConvFails(integ->cvode, &s->newton_fails);
  CVodeGetNumLinSolvSetups(integ->cvode, &s->lin_setups);
  CVodeGetNumErrTestFails(integ->cvode, &s->err_fails);
  CVodeGetLastStep(integ->cvode, &s->last_step);
  CVodeGetLastOrder(integ->cvode, &s->last_order);
  add_counts(s, &integ->base);
}
