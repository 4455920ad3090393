/* frame2d.h -- the kinetic equation of FitzHugh-Nagumo populations on moving
 * frames in (v, w) (../shared/FHN.md section 2; docs/numerics.md, "Moving
 * frames").
 *
 *   d rho/dt = -d/dv [ (f(v) - w - gamma (A v - C)) rho ] - d/dw [ epsilon (v + a - b w) rho ]
 *              + D d^2 rho/dv^2 + D_w d^2 rho/dw^2,
 *
 * A, C as in model.h (activities m_q and means vbar_q of v).  Population p
 * lives on reference cells xi x eta (mf_frame_reference_grid in each
 * direction) mapped to v = av + bv xi, w = aw + bw eta, the frame following
 * the means and s.d. of v and of w exactly as the one-dimensional frames do
 * (frame.h), so that the density in (xi, eta) stays O(1)-shaped whether it
 * collapses in v at rate gamma, contracts in w on the slow time 1/(epsilon b)
 * or travels along an FHN cycle.  Fluxes: Scharfetter-Gummel in xi on each
 * eta-line (the exact potential difference of the v-drift relative to the
 * frame), and in eta on each xi-column Scharfetter-Gummel when D_w > 0; when
 * D_w = 0 pure transport, by default second-order upwinding with a limited
 * (van Albada) slope, or first-order upwinding (mf_frame2d_set_w_transport);
 * zero flux on the frame's four edges.  Conservative; the first-order
 * schemes keep densities >= 0 like the 1-D scheme, the limited one is TVD
 * along each column and leaves the rest to the integrator's projection.
 *
 * State (length P nv nw + 4P): population p's densities in
 * y[p nv nw + j nv + i] (xi cell i, eta cell j: v fastest), then av, bv, aw,
 * bw, P each.
 */
#ifndef MFBALANCE_FRAME2D_H
#define MFBALANCE_FRAME2D_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"

typedef struct mf_frame2d mf_frame2d;

/* The eta-fluxes of populations with D_w = 0 (sigma_w = 0): the upwind
 * cell's value reconstructed at the face along a van Albada-limited slope
 * (second order), or the upwind cell's value (first order). */
typedef enum { MF_W_LIMITED, MF_W_UPWIND } mf_w_transport;

/* Frames of nv x nw cells over +-Kv s.d. of v and +-Kw s.d. of w.  The model
 * (neuron = MF_NEURON_FHN) is copied.  NULL (with a message) on invalid input
 * or out of memory. */
mf_frame2d *mf_frame2d_create(const mf_model *model, int nv, int nw, double Kv, double Kw);
/* The same operator on the fixed box grid_v x grid_w (../shared/FHN.md
 * section 2): the frame held at av = aw = 0, bv = bw = 1 (xi = v, eta = w),
 * zero flux on the box's four walls.  The grids are copied.  NULL (with a
 * message) on invalid input or out of memory. */
mf_frame2d *mf_frame2d_create_box(const mf_model *model, const mf_grid *grid_v, const mf_grid *grid_w);
void mf_frame2d_free(mf_frame2d *fr);

/* The eta-transport of populations with sigma_w = 0; MF_W_LIMITED after
 * mf_frame2d_create.  Populations with sigma_w > 0 keep Scharfetter-Gummel. */
void mf_frame2d_set_w_transport(mf_frame2d *fr, mf_w_transport scheme);

int mf_frame2d_size(const mf_frame2d *fr);
/* The reference cells in xi and eta; the cell (i, j) has area wv_i ww_j. */
const mf_grid *mf_frame2d_reference_v(const mf_frame2d *fr);
const mf_grid *mf_frame2d_reference_w(const mf_frame2d *fr);
/* The area weights wv_i ww_j of one population's block (length nv nw), for the integrator's masses. */
const double *mf_frame2d_weights(const mf_frame2d *fr);

/* Initial state: product Gaussians N(init_a, init_b^2) x N(w.init_mean, w.init_sd^2),
 * normalised: on frames by their values at the centres, on the box by each
 * cell's exact mass (the mass beyond the walls renormalised away). */
void mf_frame2d_initial(const mf_frame2d *fr, double *y);

/* dy = F(y); MF_ERECOVER when a frame collapses or the result is not finite. */
mf_status mf_frame2d_rhs(mf_frame2d *fr, const double *y, double *dy);

/* Moments of population p: means of v and w, their s.d. and covariance, mass. */
typedef struct {
  double mass, mean_v, mean_w, sd_v, sd_w, cov_vw;
} mf_moments2d;
void mf_frame2d_moments(const mf_frame2d *fr, const double *y, int p, mf_moments2d *mom);

/* Activities m_q and means of v (length P each). */
void mf_frame2d_activities(const mf_frame2d *fr, const double *y, double *m, double *vbar);

/* The marginal densities of population p on its current cells: v (grid_v
 * with nv cells, rho_v) and w (grid_w with nw cells, rho_w); grids allocated
 * by the caller. */
void mf_frame2d_marginals(const mf_frame2d *fr, const double *y, int p, mf_grid *grid_v, double *rho_v,
                          mf_grid *grid_w, double *rho_w);

/* CVODE's error weights (frame.h's rule, per direction) and the
 * preconditioner: per eta-line the tridiagonal v-stencil with the w-outflow
 * on its diagonal (block Jacobi), diagonals for the frame, and a rank-one
 * correction per population that keeps the mass of the result equal to
 * that of r (so that Newton corrections conserve mass to round-off). */
void mf_frame2d_error_weights(const mf_frame2d *fr, const double *y, double rtol, double atol, double *ewt);
mf_status mf_frame2d_prec_setup(mf_frame2d *fr, const double *y, double gamma_bdf);
void mf_frame2d_prec_solve(const mf_frame2d *fr, const double *r, double *z);

#endif
