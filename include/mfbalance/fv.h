/* fv.h -- the finite-volume operator of the mean-field Fokker-Planck equation.
 *
 * For each population p (MODEL.md section 2, docs/numerics.md)
 *
 *     d rho_p/dt = -d/dx [ (f_p(x) - gamma A_p (x - V_p)) rho_p ] + D_p d^2 rho_p/dx^2
 *
 * on the grid's cells, zero flux at both ends, with Scharfetter-Gummel
 * (exponentially fitted) fluxes built on the exact potential difference, so
 * that for frozen activities the discrete stationary state is the Gibbs
 * density exp(psi_p / D_p) at the cell centres, psi_p = F_p - gamma A_p (x - V_p)^2 / 2.
 *
 * State layout: rho has length P*n, population p in rho[p*n .. p*n+n-1],
 * values are cell averages (densities, not masses).
 */
#ifndef MFBALANCE_FV_H
#define MFBALANCE_FV_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"
#include "mfbalance/tlrmatrix.h"

typedef struct mf_fv mf_fv;

/* The operator for a model on a grid.  The model is copied; the grid is
 * referenced and must outlive the operator.  NULL (with a message) if memory
 * runs out or the model is invalid. */
mf_fv *mf_fv_create(const mf_model *model, const mf_grid *grid);

/* Frees the operator; mf_fv_free(NULL) does nothing. */
void mf_fv_free(mf_fv *fv);

/* The largest cell Peclet number |delta_i| (the Scharfetter-Gummel exponent,
 * drift times distance over diffusion) the right-hand side has met so far,
 * over the faces where the density is at least 1e-3 of its maximum:
 * up to 2 the fluxes are in their centred, second-order regime; far above,
 * they are first-order upwind. */
double mf_fv_peclet(const mf_fv *fv);

/* Length of the state vector, P * n. */
int mf_fv_size(const mf_fv *fv);
const mf_model *mf_fv_model(const mf_fv *fv);
const mf_grid *mf_fv_grid(const mf_fv *fv);

/* The activities m_q = sum_i w_i S_q(x_i) rho_q,i (length P): the same cell
 * quadrature as the mass. */
void mf_fv_activities(const mf_fv *fv, const double *rho, double *m);

/* The means xbar_q = sum_i w_i x_i rho_q,i / mass_q (length P): what
 * electrical coupling feels. */
void mf_fv_means(const mf_fv *fv, const double *rho, double *xbar);

/* The rank of the Jacobian's nonlocal part: P, or 2P with electrical coupling. */
int mf_fv_rank(const mf_fv *fv);

/* drho = F(rho) for the full nonlinear operator.  Returns MF_OK, or
 * MF_ERECOVER (with a message) when the result is not finite. */
mf_status mf_fv_rhs(mf_fv *fv, const double *rho, double *drho);

/* The same operator with the activities frozen at m and the means at xbar
 * (length P; xbar may be NULL without electrical coupling): linear in rho. */
mf_status mf_fv_rhs_frozen(mf_fv *fv, const double *m, const double *xbar, const double *rho, double *drho);

/* The exact Jacobian dF/drho at rho as T + U W^T into J (nblocks = P,
 * block = n, rank = mf_fv_rank): T is the frozen-coupling stencil, column q
 * of U is dF/dm_q and column q of W is dm_q/drho (w_i S_q(x_i) in block q);
 * with electrical coupling, columns P + q are dF/dxbar_q and dxbar_q/drho.
 * Set nonlocal = 0 to leave U and W zero (the band Jacobian). */
mf_status mf_fv_jacobian(mf_fv *fv, const double *rho, int nonlocal, mf_tlr *J);

/* The initial data of the model: exact cell averages of each population's
 * initial density, normalised to unit mass on the grid. */
void mf_fv_initial(const mf_fv *fv, double *rho);

/* The discrete Gibbs density for frozen activities m and means xbar (NULL
 * without electrical coupling), normalised to unit mass: rho_p,i
 * proportional to exp(psi_p(x_i) / D_p). */
void mf_fv_gibbs(const mf_fv *fv, const double *m, const double *xbar, double *rho);

#endif
