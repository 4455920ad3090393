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
 * boundary condition, the derivative is extrapolated).
 *
 * Discretisation: cell-centred values u_i; the first-order Godunov
 * Hamiltonian for H convex in p,
 *
 *   H^(p-, p+) = max{ H(x, min(p-, p^)), H(x, max(p+, p^)) },  p^ = argmin_p H(x, p),
 *
 * monotone and consistent, so it converges to the viscosity solution
 * (Crandall-Lions; Osher-Shu 1991); u_xx by central differences.  The
 * activities use log-sum-exp scaling at finite gamma, so nothing over- or
 * underflows for gamma up to 1e8 and beyond.
 */
#ifndef MFBALANCE_HJ_H
#define MFBALANCE_HJ_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"

typedef struct mf_hj mf_hj;

/* The operator for model (copied; model->gamma may be INFINITY) on grid
 * (referenced).  Every population must start from Gaussian data.  NULL with
 * a message otherwise. */
mf_hj *mf_hj_create(const mf_model *model, const mf_grid *grid);
void mf_hj_free(mf_hj *hj);

int mf_hj_size(const mf_hj *hj); /* P * n */

/* Initial u: (1/gamma) log rho_0 at finite gamma; at gamma = infinity the
 * gamma-independent shape -(x - mean)^2 / (2 sd^2). */
void mf_hj_initial(const mf_hj *hj, double *u);

/* du/dtau at u (lengths P * n).  MF_OK or MF_ERECOVER if not finite. */
mf_status mf_hj_rhs(mf_hj *hj, const double *u, double *du);

/* The activities m_q for u: int S e^{gamma u} / int e^{gamma u} by
 * log-sum-exp, or S_q(argmax u_q) at gamma = infinity. */
void mf_hj_activities(const mf_hj *hj, const double *u, double *m);

/* The maximiser of u (length n) with sub-cell accuracy (the vertex of the
 * parabola through the largest value and its neighbours); *umax gets the
 * parabola's maximum. */
double mf_hj_argmax(const mf_grid *grid, const double *u, double *umax);

/* For finite gamma: the normalised density e^{gamma u} / int e^{gamma u}
 * of population p into rho (length n), scaled by log-sum-exp. */
void mf_hj_density(const mf_hj *hj, const double *u, int p, double *rho);

/* Time integration of the Hopf-Cole system on tau: CVODE's Adams methods
 * with fixed-point iteration (the system is not stiff: the viscous term is
 * O(1/gamma), the transport speed O(1)). */
typedef struct mf_hj_solver mf_hj_solver;

/* A solver for hj (referenced) from u0 (copied) at tau = 0.  NULL with a message on failure. */
mf_hj_solver *mf_hj_solver_create(mf_hj *hj, const double *u0, double rtol, double atol, long max_steps);

/* Integrate to tau.  MF_OK, or MF_ENUMERIC with the tau reached and CVODE's reason. */
mf_status mf_hj_solver_advance(mf_hj_solver *s, double tau);

const double *mf_hj_solver_state(const mf_hj_solver *s);
double mf_hj_solver_tau(const mf_hj_solver *s);
long mf_hj_solver_steps(const mf_hj_solver *s);
void mf_hj_solver_free(mf_hj_solver *s);

#endif
