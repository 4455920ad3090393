/* frame.h -- the mean-field equation on one moving affine frame per population
 * (docs/numerics.md, "Moving frames").
 *
 * Population p lives on a fixed reference grid of n cells on xi in [-K, K]
 * (faces K sinh(beta s) / sinh(beta), s uniform: finer where the mass is),
 * mapped to x = a_p(t) + b_p(t) xi.  With rt = b rho(a + b xi),
 * the density in xi (the map keeps mass), MODEL.md's equation reads
 *
 *   d rt/dt = -d/dxi [ (u(x) - a' - b' xi) / b  rt  -  (D / b^2) d rt/dxi ],
 *   u(x) = f(x) - gamma (A x - C),
 *
 * a Fokker-Planck equation in xi whose drift has the frame velocity
 * a' + b' xi taken off.  It is discretised like fv.h: Scharfetter-Gummel
 * fluxes on the exact potential difference (now including the frame's),
 * zero flux at xi = +-K.  The frame follows the population:
 *
 *   a' = <u> + lambda (mean - a),   b' = b (<(x - mean) u> + D) / Var + lambda (sd - b),
 *
 * the rates of change of the mean and (relatively) of the variance under the
 * equation on the line, by the cell quadrature, plus a feedback at the
 * population's relaxation rate lambda = |<f'> - gamma A| + D / Var that ties
 * the frame to the discrete moments.  So a and b track the mean and s.d.,
 * the density in xi stays near N(0, 1), and a few hundred cells
 * resolve it at any gamma; in the linear case of MODEL.md section 5 the
 * density in xi is exactly stationary.  When the frame stops (a' = b' = 0)
 * the fluxes are fv.h's on the cells a + b xi_i: the stationary state is the
 * Gibbs density at those centres, to round-off.
 *
 * The walls xmin, xmax of the configured box are not boundaries here: the
 * frame solves the problem on the line, restricted to +-K s.d. around the
 * mean.  mf_frame_outside reports the mass the frame holds beyond the walls,
 * and the density at its own edges, so that a user sees when that matters.
 *
 * State layout (length P n + 2P): rt of population p in y[p n .. p n + n - 1]
 * (cell averages in xi), then a_0..a_{P-1}, then b_0..b_{P-1}.
 */
#ifndef MFBALANCE_FRAME_H
#define MFBALANCE_FRAME_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"

typedef struct mf_frame mf_frame;

/* The reference cells of a frame: n cells on [-K, K] with faces
 * K sinh(beta s) / sinh(beta), s uniform in [-1, 1] (beta = 2.5).  NULL
 * (with a message) if memory runs out. */
mf_grid *mf_frame_reference_grid(int n, double halfwidth);

/* The frames of a model: `cells` cells over +-halfwidth (in s.d.) per
 * population.  The model is copied.  NULL (with a message) if the model or
 * the sizes are invalid or memory runs out. */
mf_frame *mf_frame_create(const mf_model *model, int cells, double halfwidth);

/* Frees the frames; mf_frame_free(NULL) does nothing. */
void mf_frame_free(mf_frame *fr);

/* Length of the state, P n + 2P; cells per population n; the reference
 * cells in xi (faces, centres and widths w_i: the mass of population p is
 * sum_i w_i rt_p,i). */
int mf_frame_size(const mf_frame *fr);
int mf_frame_cells(const mf_frame *fr);
const mf_grid *mf_frame_reference(const mf_frame *fr);
const mf_model *mf_frame_model(const mf_frame *fr);

/* The largest cell Peclet number |delta_i| (in the frame) met so far (fv.h's mf_fv_peclet). */
double mf_frame_peclet(const mf_frame *fr);

/* The initial state: a, b the mean and s.d. of each initial density, rt its
 * exact cell averages in xi, normalised to unit mass. */
void mf_frame_initial(const mf_frame *fr, double *y);

/* dy = F(y).  MF_OK, or MF_ERECOVER (with a message) when a frame has
 * collapsed (b <= 0, variance <= 0) or the result is not finite. */
mf_status mf_frame_rhs(mf_frame *fr, const double *y, double *dy);

/* The activities m_q = sum_i w_i S_q(a_q + b_q xi_i) rt_q,i (length P). */
void mf_frame_activities(const mf_frame *fr, const double *y, double *m);

/* The means of the populations in x (length P). */
void mf_frame_means(const mf_frame *fr, const double *y, double *mean);

/* Population p of y in x: grid (n cells, allocated by the caller, e.g. by
 * mf_grid_create_uniform) receives the faces, centres and widths a + b xi,
 * rho (length n) the densities rt / b. */
void mf_frame_population(const mf_frame *fr, const double *y, int p, mf_grid *grid, double *rho);

/* The L1 norm over the populations of d rho/dt at fixed x (the quantity the
 * fixed grid measures), from y and dy = F(y): sum_i b w_i |rt_i'/b - rt_i b'/b^2
 * - (a' + b' xi_i) d rho/dx|, with d rho/dx by central differences. */
double mf_frame_rate(const mf_frame *fr, const double *y, const double *dy);

/* The mass that population p holds outside [xmin, xmax], and its density at
 * the frame's edges relative to its maximum (the larger of the two ends). */
void mf_frame_outside(const mf_frame *fr, const double *y, int p, double xmin, double xmax, double *mass_out,
                      double *edge);

/* CVODE's error weights for y: 1 / (rtol |rt_i| + atol) for the densities,
 * and 1 / (rtol b_p + atol) for a_p and b_p, whose scale is the frame's
 * width, not the distance of a_p from 0. */
void mf_frame_error_weights(const mf_frame *fr, const double *y, double rtol, double atol, double *ewt);

/* The preconditioner of the Newton matrix I - gamma_bdf dF/dy at y: per
 * population the tridiagonal frozen-coefficient stencil (factored without
 * pivoting: it is an M-matrix, diagonally dominant by columns), and a
 * diagonal approximation for a and b.  setup returns MF_OK or MF_ERECOVER
 * (a zero pivot); solve z = P^{-1} r. */
mf_status mf_frame_prec_setup(mf_frame *fr, const double *y, double gamma_bdf);
void mf_frame_prec_solve(const mf_frame *fr, const double *r, double *z);

#endif
