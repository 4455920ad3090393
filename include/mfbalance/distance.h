/* distance.h -- distances between one-dimensional densities given on
 * different cells, for convergence studies (converge.h).
 *
 * A density on cells is turned into a distribution function F: its
 * cumulative masses at the faces are exact (they are what a finite-volume
 * scheme conserves), and between faces F is the monotone cubic Hermite
 * interpolant of Fritsch and Carlson (SIAM J. Numer. Anal. 17, 1980).  Its
 * derivative is a continuous reconstruction of the density, second-order
 * accurate for smooth densities, so that distances between solutions on
 * different grids converge at the schemes' order rather than at the first
 * order of piecewise-constant reconstructions.
 */
#ifndef MFBALANCE_DISTANCE_H
#define MFBALANCE_DISTANCE_H

#include "mfbalance/grid.h"
#include "mfbalance/status.h"

typedef struct mf_cdf mf_cdf;

/* The distribution function of the density rho on grid (cell averages,
 * length grid->n; faces and rho are copied).  NULL if memory runs out. */
mf_cdf *mf_cdf_create(const mf_grid *grid, const double *rho);

/* The distribution function of the Gaussian N(mean, sd^2). */
mf_cdf *mf_cdf_create_gaussian(double mean, double sd);

void mf_cdf_free(mf_cdf *F);

/* F(x); 0 left of the first face and the total mass right of the last. */
double mf_cdf_eval(const mf_cdf *F, double x);

typedef struct {
  double l1;   /* sum over the reference cells of |mass of a - mass of ref| */
  double linf; /* max over the reference cells of |mass of a - mass of ref| / cell width */
  double w1;   /* int |F_a - F_ref| dx (both normalised to unit mass) */
} mf_distance;

/* The distances between a and ref, measured on the cells `cells` (usually
 * the finer of the two grids, or a's own cells when ref is exact).  W1 by
 * 4-point Gauss-Legendre between the merged breakpoints of the two.  */
void mf_distance_compute(const mf_cdf *a, const mf_cdf *ref, const mf_grid *cells, mf_distance *d);

#endif
