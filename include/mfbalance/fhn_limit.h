/* fhn_limit.h -- balance and the gamma -> infinity limit of FitzHugh-Nagumo
 * networks (../shared/FHN.md section 3, docs/fhn.md "Balance and the limit").
 *
 * The balance voltages x* are those of the one-dimensional model
 * (balance.h): the coupling acts on v only and is affine in the receiving
 * neuron's v, so w, I, a, b, eps and the cubic do not enter them.  In the
 * (v, w) plane the balance set is the vertical lines v = x*_p; the reduced
 * slow dynamics then pins the w-means at w*_p = (x*_p + a_p) / b_p.
 *
 * The limit trajectory, started from the initial means (v0_p, w0_p):
 *   MF_FHN_LIMIT_BALANCE (chemical or mixed coupling, x* isolated):
 *       v_p = x*_p,  dwbar_p/dt = eps_p (x*_p + a_p - b_p wbar_p),
 *       wbar_p(t) = w*_p + (w0_p - w*_p) exp(-eps_p b_p t), exactly;
 *     and the first correction at finite gamma,
 *       vbar_p = x*_p + delta_p(t) / gamma + O(gamma^-2),  delta = H^-1 [F(t) - N],
 *       F_p = f_p(x*_p) - wbar_p(t),  N_p = sum_q g_pq (x*_p - v_q) S_q''(x*_q) sigma_q^2 / (4 A*_q),
 *       H = -J, J the flow Jacobian of balance.h (with g_el);
 *   MF_FHN_LIMIT_SYNCHRONOUS (electrical coupling alone): every population at
 *     the common voltage c, the FitzHugh-Nagumo ODE of the synchronous state
 *       dc/dt = sum_p pi_p (f_p(c) - wbar_p) / sum_p pi_p,  dwbar_p/dt = eps_p (c + a_p - b_p wbar_p),
 *     pi the left null vector of the Laplacian, c(0) the consensus point of
 *     v0 (balance.h); integrated by the classical Runge-Kutta method with
 *     steps of at most 1e-3.
 * The width predicted at finite gamma is sd(v_p) = sigma_p / sqrt(2 (gamma A_p - f_p'(v_p))),
 * A_p the stiffness at the limit (A*_p, or G_p for the synchronous state).
 */
#ifndef MFBALANCE_FHN_LIMIT_H
#define MFBALANCE_FHN_LIMIT_H

#include "mfbalance/model.h"
#include "mfbalance/status.h"

/* w*_p = (x_p + a_p) / b_p (NaN where b_p = 0), length P. */
void mf_fhn_wstar(const mf_model *model, const double *x, double *w);

typedef enum { MF_FHN_LIMIT_BALANCE, MF_FHN_LIMIT_SYNCHRONOUS } mf_fhn_limit_kind;

typedef struct {
  mf_fhn_limit_kind kind;
  double t;
  double v[MF_MAX_POPS];     /* x*_p, or the synchronous voltage c in every entry */
  double w[MF_MAX_POPS];     /* wbar_p(t) */
  double delta[MF_MAX_POPS]; /* the O(1/gamma) offset's coefficient (BALANCE; NaN otherwise) */
  double A[MF_MAX_POPS];     /* the stiffness at the limit: A*_p, or G_p */
  double sd_v[MF_MAX_POPS];  /* the predicted s.d. of v at the model's gamma (NaN if not real) */
  double w0[MF_MAX_POPS];    /* initial w-means */
  double pi[MF_MAX_POPS];    /* consensus weights (SYNCHRONOUS) */
} mf_fhn_limit;

/* Start the limit of model (neuron = fhn) from the means v0, w0: BALANCE
 * about xstar when xstar is not NULL, else SYNCHRONOUS (the model must then
 * have electrical coupling alone).  MF_OK, or MF_EINPUT with a message. */
mf_status mf_fhn_limit_init(mf_fhn_limit *lim, const mf_model *model, const double *xstar, const double *v0,
                            const double *w0);

/* Advance (or, for BALANCE, evaluate) the limit at t >= lim->t.  MF_OK, or
 * MF_ENUMERIC when H is singular or the ODE's state stops being finite. */
mf_status mf_fhn_limit_advance(mf_fhn_limit *lim, const mf_model *model, double t);

#endif
