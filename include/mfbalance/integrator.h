/* integrator.h -- time integration of a discretised mean-field system with CVODE.
 *
 * A system (mf_system) is the right-hand side of dy/dt = F(y) whose state
 * begins with P density blocks of n cells, plus what its Newton systems can
 * be solved with.  The fixed-grid operator of fv.h offers its exact Jacobian
 * to the direct solvers below; the moving frames of frame.h offer a
 * preconditioner for GMRES.  Variable-order BDF with Newton iteration; the
 * Newton systems are solved by one of:
 *
 *   MF_LINSOL_WOODBURY  exact Jacobian T + U W^T, Sherman-Morrison-Woodbury
 *                       (woodbury.h), O(N P) per solve;
 *   MF_LINSOL_BAND      SUNDIALS band solver on T alone: the nonlocal rank-P
 *                       part is left out of the Newton matrix (a modified
 *                       Newton iteration, slower to converge);
 *   MF_LINSOL_DENSE     SUNDIALS dense solver on the exact Jacobian, O(N^3):
 *                       for small N only (at most MF_DENSE_MAX unknowns);
 *   MF_LINSOL_GMRES     SUNDIALS' SPGMR, Jacobian-vector products by
 *                       difference quotients, left-preconditioned by the
 *                       system's preconditioner.
 *
 * After each step the state is projected (CVodeSetProjFn) so that every
 * density is >= 0 with its mass unchanged; see project_nonnegative in
 * integrator.c.  Entries after the density blocks are left alone.
 */
#ifndef MFBALANCE_INTEGRATOR_H
#define MFBALANCE_INTEGRATOR_H

#include "mfbalance/fv.h"
#include "mfbalance/status.h"
#include "mfbalance/tlrmatrix.h"

#include <stddef.h>
#include <sundials/sundials_context.h>

typedef enum { MF_LINSOL_WOODBURY, MF_LINSOL_BAND, MF_LINSOL_DENSE, MF_LINSOL_GMRES } mf_linsol;

#define MF_DENSE_MAX 6000 /* most unknowns the dense solver accepts */

typedef struct {
  double rtol;    /* CVODE relative tolerance, > 0 */
  double atol;    /* CVODE absolute tolerance on the density, > 0 */
  mf_linsol linsol; /* Newton linear solver */
  long max_steps; /* most internal steps per call to mf_integrator_advance */
} mf_integrator_opts;

typedef struct {
  double t;            /* time reached */
  long steps;          /* internal steps */
  long rhs_evals;      /* right-hand side evaluations */
  long jac_evals;      /* Jacobian evaluations */
  long newton_iters;   /* Newton iterations = linear solves */
  long lin_iters;      /* Krylov iterations (GMRES only) */
  long newton_fails;   /* Newton convergence failures */
  long lin_setups;     /* linear solver setups (factorisations) */
  long err_fails;      /* local error test failures */
  double last_step;    /* size of the last internal step */
  int last_order;      /* BDF order of the last internal step */
  double wall_seconds; /* wall time spent inside CVODE */
} mf_integrator_stats;

typedef struct mf_integrator mf_integrator;

/* A system dy/dt = F(y) for the integrator.  The functions get `data`. */
typedef struct {
  void *data;
  sunindextype size;      /* length of the state */
  int P, n;               /* the state begins with P density blocks of n cells */
  const double *weights;  /* cell weights, length n: the mass of block p is sum_i weights[i] y[p n + i] */
  mf_status (*rhs)(void *data, const double *y, double *dy);
  /* For the direct solvers: the exact Jacobian as T + U W^T with P blocks
   * of n and rank `rank` (fv.h's mf_fv_jacobian); NULL if not offered. */
  int rank;
  mf_status (*jacobian)(void *data, const double *y, int nonlocal, mf_tlr *J);
  /* For GMRES: set up a preconditioner of I - gamma_bdf dF/dy at y, and
   * apply its inverse; NULL if not offered. */
  mf_status (*prec_setup)(void *data, const double *y, double gamma_bdf);
  void (*prec_solve)(void *data, const double *r, double *z);
  /* CVODE's error weights ewt (length size) for y, when the plain
   * 1 / (rtol |y_k| + atol) does not fit the unknowns; NULL for the plain ones. */
  void (*error_weights)(void *data, const double *y, double rtol, double atol, double *ewt);
} mf_system;

/* The fixed-grid finite-volume system of fv (direct solvers). */
mf_system mf_fv_system(mf_fv *fv);

/* The one place a SUNDIALS context is made (its signature changes in 7.x). */
mf_status mf_sundials_context_create(SUNContext *ctx);

/* CVODE's name for a return flag ("CV_TOO_MUCH_WORK", ...) copied into buf
 * (length len, always terminated); returns buf.  CVodeGetReturnFlagName
 * returns a malloc'd string: it is freed here. */
const char *mf_cvode_flag_name(int flag, char *buf, size_t len);

/* MF_OK if `bytes` can be allocated now (they are allocated and freed), else
 * MF_ENOMEM with a message naming `what`.  Called before CVodeInit and the
 * other SUNDIALS calls that allocate: SUNDIALS 6 crashes when its own
 * allocations fail (N_VClone). */
mf_status mf_sundials_reserve(double bytes, const char *what);

/* The name of a linear solver ("woodbury", "band", "dense", "gmres"), and back
 * (returns -1 for an unknown name). */
const char *mf_linsol_name(mf_linsol linsol);
int mf_linsol_from_name(const char *name);

/* An integrator of sys from y0 (length sys->size, copied) at t = t0.  The
 * system's data must outlive it.  NULL (with a message) on bad options, a
 * linear solver the system does not offer, or when memory runs out. */
mf_integrator *mf_integrator_create_system(const mf_system *sys, const double *y0, double t0,
                                           const mf_integrator_opts *opts);

/* The same for fv's system (mf_fv_system) from rho0 (length mf_fv_size(fv)). */
mf_integrator *mf_integrator_create(mf_fv *fv, const double *rho0, double t0, const mf_integrator_opts *opts);

/* Integrate to tout (> current time).  Returns MF_OK, or MF_ENUMERIC with a
 * message giving the time reached and CVODE's reason; the state is then the
 * last one CVODE accepted, and the integrator must not be advanced again. */
mf_status mf_integrator_advance(mf_integrator *integ, double tout);

/* Event functions g(t, y) (nevents values into g); integration can stop
 * where one changes sign (CVODE's root finding).  Return 0, or non-zero to
 * fail the integration. */
typedef int (*mf_event_fn)(double t, const double *rho, double *g, void *user);

/* Watch nevents event functions from now on (replacing earlier ones).
 * Returns MF_OK or MF_EBUG if CVODE refuses. */
mf_status mf_integrator_set_events(mf_integrator *integ, int nevents, mf_event_fn fn, void *user);

/* Like mf_integrator_advance, but stop at the first event before tout:
 * then *fired = 1, the time and state are those of the event, and
 * which[k] (length nevents, may be NULL) is +1 or -1 where event k crossed
 * zero upwards or downwards, 0 elsewhere.  *fired = 0 when tout was reached. */
mf_status mf_integrator_advance_until(mf_integrator *integ, double tout, int *fired, int *which);

/* Current time and state (length sys->size; valid until the next call). */
double mf_integrator_time(const mf_integrator *integ);
const double *mf_integrator_state(const mf_integrator *integ);

void mf_integrator_get_stats(const mf_integrator *integ, mf_integrator_stats *stats);

/* Frees the integrator; mf_integrator_free(NULL) does nothing. */
void mf_integrator_free(mf_integrator *integ);

/* Restart CVODE at t from y (length the system's size; may be the
 * integrator's own state): its history is dropped, as at creation, so that
 * what follows depends on (t, y) alone.  The counts of mf_integrator_get_stats
 * go on from their values.  MF_OK, or MF_EBUG if CVODE refuses. */
mf_status mf_integrator_restart(mf_integrator *integ, double t, const double *y);

/* Set the counts the next mf_integrator_get_stats starts from (a resumed
 * run carries those of the run it continues; wall_seconds is ignored). */
void mf_integrator_set_counts(mf_integrator *integ, const mf_integrator_stats *counts);

#endif
