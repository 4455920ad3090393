/* balance.h -- the balance voltages of MODEL.md section 3 (docs/balance.md).
 *
 * A balance point x* in R^P solves the P equations
 *
 *     G_p(x) = sum_q g_pq (x_p - v_q) S_q(x_q) = 0,
 *
 * the vanishing of the net synaptic input.  The early-behaviour flow on the
 * fast time tau = gamma t is dx/dtau = -G(x); its Jacobian at x* is
 *
 *     J_pr = -delta_pr A*_p - g_pr (x*_p - v_r) S_r'(x*_r),   A*_p = sum_q g_pq S_q(x*_q),
 *
 * and x* attracts when every eigenvalue of J has negative real part.
 */
#ifndef MFBALANCE_BALANCE_H
#define MFBALANCE_BALANCE_H

#include "mfbalance/model.h"
#include "mfbalance/status.h"

typedef enum {
  MF_BALANCE_ATTRACTING, /* every eigenvalue has real part < 0 */
  MF_BALANCE_REPELLING,  /* some eigenvalue has real part > 0 */
  MF_BALANCE_MARGINAL    /* the largest real part is 0 to within round-off */
} mf_balance_stability;

typedef struct {
  double x[MF_MAX_POPS];       /* the balance voltages x*_p, length P */
  double A[MF_MAX_POPS];       /* A*_p = G_p + sum_q g_pq S_q(x*_q) */
  double residual;             /* max_p |G_p(x*)| */
  double eig_re[MF_MAX_POPS];  /* eigenvalues of the flow Jacobian, real parts */
  double eig_im[MF_MAX_POPS];  /* ... and imaginary parts (LAPACK dgeev order) */
  mf_balance_stability stability;
  int is_explicit;             /* 1: from an explicit formula, 0: from Newton's method */
} mf_balance_point;

#define MF_BALANCE_MAX_ROOTS 64 /* most balance points reported */

/* G(x) (length P each). */
void mf_balance_residual(const mf_model *model, const double *x, double *G);

/* 1 if the model has electrical coupling and no chemical weights: the
 * balance set is the consensus line, and mf_balance_find finds no points. */
int mf_balance_is_consensus(const mf_model *model);

/* The weights pi of the consensus value c = sum_p pi_p x_p that the flow
 * dx/dtau = -L x conserves (pi^T L = 0, sum pi = 1); equal weights when the
 * electrical graph has several connected parts. */
void mf_balance_consensus_weights(const mf_model *model, double *pi);

/* The eigenvalues of -L (the flow Jacobian of pure electrical coupling):
 * one 0 per connected part (along the line), the others the normal rates. */
mf_status mf_balance_consensus_rates(const mf_model *model, double *eig_re, double *eig_im);

/* The point of the balance set that the early-behaviour flow
 * dx/dtau = -L x (pure electrical coupling, L = diag(G) - g_el) reaches
 * from x: c = lim exp(-L tau) x, the projection onto the kernel of L along
 * its range (c_p = sum_q pi_q x_q / sum_q pi_q on a connected electrical
 * graph, pi the left null vector of L).  From exp(-L tau) (expm.h), squared
 * until it stops changing.  x and c have length P and may be the same
 * array.  Returns MF_OK, MF_EINPUT if the model is not pure electrical,
 * MF_ENUMERIC if the squaring does not settle. */
mf_status mf_balance_consensus_point(const mf_model *model, const double *x, double *c);

/* The flow Jacobian J = -dG/dx at x, P x P column-major (J[p + r P]). */
void mf_balance_jacobian(const mf_model *model, const double *x, double *J);

/* One damped Newton step from x (in place) on the scale-free form of the
 * equations, H_p(x) = x_p - V_p(x) = G_p(x) / A_p(x), halving the step until
 * |H|_2 decreases (at most 30 halvings).  *step gets max_p of the step
 * taken.  Returns MF_OK, or MF_ERECOVER when dH/dx is singular, some
 * A_p = 0, or no halving decreased |H| (x is then unchanged). */
mf_status mf_balance_newton_step(const mf_model *model, double *x, double *step);

/* Fill A, residual, eigenvalues (LAPACK dgeev) and stability of pt from
 * pt->x.  Returns MF_OK or MF_ENUMERIC if dgeev fails. */
mf_status mf_balance_classify(const mf_model *model, mf_balance_point *pt);

/* All balance points in the box [lo, hi]^P: the explicit formula where
 * mf_model_explicit_balance applies, else Newton's method from a grid of
 * starts over the box (about 2000 in all), converged until |H| <= 1e-15 (hi - lo)
 * and merged when closer than 1e-6 (hi - lo).  Writes at
 * most max points, attracting ones first, then by x; *count gets how many
 * were found.  Returns MF_OK (possibly with *count = 0) or an error. */
mf_status mf_balance_find(const mf_model *model, double lo, double hi, mf_balance_point *points, int max,
                          int *count);

/* Index of the attracting point nearest (max norm) to x, or of the nearest
 * point when none attracts; -1 when count = 0. */
int mf_balance_nearest(const mf_balance_point *points, int count, int P, const double *x);

const char *mf_balance_stability_name(mf_balance_stability s);

/* The early-behaviour flow dx/dtau = -G(x) from x0, integrated by CVODE
 * (BDF, dense difference-quotient Jacobian; P unknowns). */
typedef struct mf_flow mf_flow;
mf_flow *mf_flow_create(const mf_model *model, const double *x0, double rtol, double atol);
/* x (length P) at tau.  MF_OK or MF_ENUMERIC with CVODE's reason. */
mf_status mf_flow_advance(mf_flow *flow, double tau, double *x);
void mf_flow_free(mf_flow *flow);

#endif
