/* hj.h -- the Hopf-Cole form of the mean-field equation and its
 * Hamilton-Jacobi limit (MODEL.md section 4, docs/hopf-cole.md).
 *
 * With u_p = (1/gamma) log rho_p and the fast time tau = gamma t, the
 * Fokker-Planck equation is exactly
 *
 *   u_tau = D u_x^2 + (A (x - V) - f/gamma) u_x + (A + D u_xx)/gamma - f'/gamma^2,
 *
 * with zero flux written as u_x = (f - gamma A (x - V)) / (gamma D) at both
 * walls.  As gamma -> infinity it becomes the Hamilton-Jacobi equation
 *
 *   u_tau = H(x, u_x) = D u_x^2 + A (x - V) u_x,   m_q = S_q(argmax u_q),
 *
 * whose characteristics leave the interval at both ends (outflow: no
 * boundary condition, the derivative is extrapolated).  With electrical
 * coupling A_p V_p also holds sum_q g_el_pq xbar_q (model.h): xbar_q is the
 * mean of the density e^{gamma u_q} at finite gamma and argmax u_q in the
 * limit, where the density concentrates.
 *
 * Discretisation: cell-centred values u_i; Godunov's numerical Hamiltonian
 * for H convex in p,
 *
 *   H^(p-, p+) = max{ H(x, min(p-, p^)), H(x, max(p+, p^)) },  p^ = argmin_p H(x, p),
 *
 * monotone and consistent (Crandall-Lions; Osher-Shu 1991), on one-sided
 * slopes of second order: the first difference on a face corrected by half a
 * cell times a smooth limiter of the two neighbouring second differences
 * (their average with weights |u''|^-8: minmod-like, exact on quadratics;
 * first order in the two cells at each wall); u_xx by central differences.
 * The activities use log-sum-exp scaling at finite gamma, so nothing over-
 * or underflows for gamma up to 1e8 and beyond.
 */
#ifndef MFBALANCE_HJ_H
#define MFBALANCE_HJ_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"

typedef struct mf_hj mf_hj;

/* The operator for model (copied; model->gamma may be INFINITY; chemical,
 * electrical or mixed coupling) on grid (referenced).  Every population must
 * start from Gaussian data, and the neurons must be one-dimensional
 * (MF_NEURON_1D).  NULL with a message (MF_EINPUT) otherwise. */
mf_hj *mf_hj_create(const mf_model *model, const mf_grid *grid);
void mf_hj_free(mf_hj *hj);

int mf_hj_size(const mf_hj *hj); /* P * n */

/* The rank of the Jacobian's low-rank part (mf_hj_jacobian): P, or 2P when
 * the model has electrical coupling (the means add P columns). */
int mf_hj_rank(const mf_hj *hj);

/* Initial u: (1/gamma) log rho_0 at finite gamma; at gamma = infinity the
 * gamma-independent shape -(x - mean)^2 / (2 sd^2). */
void mf_hj_initial(const mf_hj *hj, double *u);

/* du/dtau at u (lengths P * n).  MF_OK or MF_ERECOVER if not finite. */
mf_status mf_hj_rhs(mf_hj *hj, const double *u, double *du);

/* The Jacobian d(du/dtau)/du at u as a band plus a part of rank K =
 * mf_hj_rank(hj), J = B + U W^T:
 *   band[5 r + 2 + j] = d(du_r/dtau)/du_{r+j} at fixed activities and means,
 *     j = -2 ... 2 (length 5 P n; entries that would reach another population are 0);
 *   U[q P n + r] = d(du_r/dtau)/dm_q and, with electrical coupling,
 *     U[(P + q) P n + r] = d(du_r/dtau)/dxbar_q (P n x K, column-major);
 *   W[q n + i] = dm_q/du_{q,i} and W[(P + q) n + i] = dxbar_q/du_{q,i}
 *     (length K n: m_q and xbar_q depend on u_q only),
 * so that (U W^T)_{r,(q,i)} = sum over the columns k with k mod P = q of
 * U[k P n + r] W[k n + i].  The derivatives are
 * those of the discrete operator, branch by branch (the stencil and Godunov
 * choices, the cell of the maximum and the sub-cell sample counts held
 * fixed).  MF_OK or MF_ERECOVER if not finite. */
mf_status mf_hj_jacobian(mf_hj *hj, const double *u, double *band, double *U, double *W);

/* The activities m_q for u: int S e^{gamma u} / int e^{gamma u} by
 * log-sum-exp, or S_q(argmax u_q) at gamma = infinity. */
void mf_hj_activities(const mf_hj *hj, const double *u, double *m);

/* The means xbar_q (length P) that electrical coupling uses: int x e^{gamma u}
 * / int e^{gamma u} by the quadrature of mf_hj_activities, or argmax u_q (as
 * mf_hj_argmax) at gamma = infinity. */
void mf_hj_means(const mf_hj *hj, const double *u, double *xbar);

/* The maximiser of u (length n) with sub-cell accuracy (the vertex of the
 * parabola through the largest value and its neighbours); *umax gets the
 * parabola's maximum. */
double mf_hj_argmax(const mf_grid *grid, const double *u, double *umax);

/* For finite gamma: the normalised density e^{gamma u} / int e^{gamma u}
 * of population p into rho (length n), scaled by log-sum-exp. */
void mf_hj_density(const mf_hj *hj, const double *u, int p, double *rho);

/* Time integration of the Hopf-Cole system on tau: CVODE's BDF methods
 * (orders 1-5, stability limit detection, steps capped at a quarter of the
 * shortest relaxation time of the early-behaviour flow) with Newton
 * iterations on the Jacobian of mf_hj_jacobian, whose linear systems are
 * solved by a band LU and the Sherman-Morrison-Woodbury formula.  The system
 * is stiff: the transport speeds are O(1) on cells of width h, and at
 * moderate gamma on fine grids the viscous term D/(gamma h^2) adds to that. */
typedef struct mf_hj_solver mf_hj_solver;

typedef struct {
  long steps;        /* internal steps */
  long rhs_evals;    /* right-hand side evaluations by CVODE */
  long jac_evals;    /* Jacobian evaluations */
  long newton_iters; /* Newton iterations (one linear solve each) */
  long newton_fails; /* Newton convergence failures */
  long lin_setups;   /* factorisations of the Newton matrix */
  long err_fails;    /* local error test failures */
} mf_hj_stats;

/* A solver for hj (referenced; it must outlive the solver) from u0 (length
 * mf_hj_size(hj), copied) at tau = 0, with CVODE's relative and absolute
 * tolerances rtol, atol on u and at most max_steps internal steps per call of
 * mf_hj_solver_advance.  NULL with a message (MF_ENOMEM, or MF_EBUG if CVODE
 * refuses an option) on failure; nothing is left allocated then. */
mf_hj_solver *mf_hj_solver_create(mf_hj *hj, const double *u0, double rtol, double atol, long max_steps);

/* Integrate to tau (> the tau reached).  MF_OK, or MF_ENUMERIC with a message
 * giving the tau reached and CVODE's reason; the state is then the last one
 * CVODE accepted (at tau = 0 if the first right-hand side failed), and the
 * solver must not be advanced again. */
mf_status mf_hj_solver_advance(mf_hj_solver *s, double tau);

/* The state at the tau reached (length mf_hj_size; valid until the next
 * advance), that tau, and CVODE's counters. */
const double *mf_hj_solver_state(const mf_hj_solver *s);
double mf_hj_solver_tau(const mf_hj_solver *s);
long mf_hj_solver_steps(const mf_hj_solver *s);
void mf_hj_solver_get_stats(const mf_hj_solver *s, mf_hj_stats *stats);

/* Start CVODE again (CVodeReInit: order 1, no history) from u (length
 * mf_hj_size, copied) at tau; the counters go on from their values.  The
 * integration after a restart depends on (tau, u) alone, which is what makes
 * a resumed `hj` job repeat an uninterrupted one (docs/checkpoint.md).
 * MF_OK, or MF_EBUG with a message if CVODE refuses. */
mf_status mf_hj_solver_restart(mf_hj_solver *s, double tau, const double *u);

/* Resuming: the counters as if counts had been spent before the last restart. */
void mf_hj_solver_set_counts(mf_hj_solver *s, const mf_hj_stats *counts);

/* Frees the solver; mf_hj_solver_free(NULL) does nothing. */
void mf_hj_solver_free(mf_hj_solver *s);

#endif
