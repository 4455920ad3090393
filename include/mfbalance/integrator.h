/* integrator.h -- time integration of the finite-volume system with CVODE.
 *
 * Variable-order BDF with Newton iteration and the analytic Jacobian of
 * fv.h; the Newton systems are solved by one of three direct solvers:
 *
 *   MF_LINSOL_WOODBURY  exact Jacobian T + U W^T, Sherman-Morrison-Woodbury
 *                       (woodbury.h), O(N P) per solve;
 *   MF_LINSOL_BAND      SUNDIALS band solver on T alone: the nonlocal rank-P
 *                       part is left out of the Newton matrix (a modified
 *                       Newton iteration, slower to converge);
 *   MF_LINSOL_DENSE     SUNDIALS dense solver on the exact Jacobian, O(N^3):
 *                       for small N only (at most MF_DENSE_MAX unknowns).
 *
 * After each step the state is projected (CVodeSetProjFn) so that every
 * density is >= 0 with its mass unchanged; see project_nonnegative in
 * integrator.c.
 */
#ifndef MFBALANCE_INTEGRATOR_H
#define MFBALANCE_INTEGRATOR_H

#include "mfbalance/fv.h"
#include "mfbalance/status.h"

#include <stddef.h>
#include <sundials/sundials_context.h>

typedef enum { MF_LINSOL_WOODBURY, MF_LINSOL_BAND, MF_LINSOL_DENSE } mf_linsol;

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
  long newton_iters;   /* Newton iterations = linear solves (direct solvers) */
  long newton_fails;   /* Newton convergence failures */
  long lin_setups;     /* linear solver setups (factorisations) */
  long err_fails;      /* local error test failures */
  double last_step;    /* size of the last internal step */
  int last_order;      /* BDF order of the last internal step */
  double wall_seconds; /* wall time spent inside CVODE */
} mf_integrator_stats;

typedef struct mf_integrator mf_integrator;

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

/* The name of a linear solver ("woodbury", "band", "dense"), and back
 * (returns -1 for an unknown name). */
const char *mf_linsol_name(mf_linsol linsol);
int mf_linsol_from_name(const char *name);

/* An integrator of fv's system from rho0 (length mf_fv_size(fv), copied) at
 * t = t0.  fv must outlive it.  NULL (with a message) on bad options or when
 * memory runs out. */
mf_integrator *mf_integrator_create(mf_fv *fv, const double *rho0, double t0, const mf_integrator_opts *opts);

/* Integrate to tout (> current time).  Returns MF_OK, or MF_ENUMERIC with a
 * message giving the time reached and CVODE's reason; the state is then the
 * last one CVODE accepted, and the integrator must not be advanced again. */
mf_status mf_integrator_advance(mf_integrator *integ, double tout);

/* Event functions g(t, rho) (nevents values into g); integration can stop
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

/* Current time and state (length mf_fv_size(fv); valid until the next call). */
double mf_integrator_time(const mf_integrator *integ);
const double *mf_integrator_state(const mf_integrator *integ);

void mf_integrator_get_stats(const mf_integrator *integ, mf_integrator_stats *stats);

/* Frees the integrator; mf_integrator_free(NULL) does nothing. */
void mf_integrator_free(mf_integrator *integ);

#endif
