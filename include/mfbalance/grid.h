/* grid.h -- a one-dimensional finite-volume grid on [xmin, xmax].
 *
 * n cells between n+1 strictly increasing faces.  Cell i is [faces[i],
 * faces[i+1]], has width w[i] and centre x[i] (its midpoint).  The same grid
 * carries every population.
 */
#ifndef MFBALANCE_GRID_H
#define MFBALANCE_GRID_H

#include "mfbalance/status.h"

typedef struct {
  int n;         /* number of cells, >= 8 */
  double *faces; /* cell faces, length n+1, strictly increasing */
  double *x;     /* cell centres, length n */
  double *w;     /* cell widths, length n */
} mf_grid;

#define MF_GRID_MIN_CELLS 8

/* n uniform cells on [xmin, xmax].  NULL (with a message) when n < 8,
 * xmin >= xmax, a bound is not finite, or memory runs out. */
mf_grid *mf_grid_create_uniform(double xmin, double xmax, int n);

/* A grid with the given faces (length n+1, copied).  NULL (with a message
 * naming the first offending face) unless the faces are finite and strictly
 * increasing and n >= 8. */
mf_grid *mf_grid_create_faces(const double *faces, int n);

/* A zone of fine cells: [centre - halfwidth, centre + halfwidth] with cells
 * no wider than h. */
typedef struct {
  double centre, halfwidth, h;
} mf_grid_zone;

#define MF_GRID_MAX_ZONES 8
#define MF_GRID_GROWTH 1.05 /* cell size grows by (MF_GRID_GROWTH - 1) per unit distance from a zone */

/* A grid on [xmin, xmax] with cells no wider than h_coarse, no wider than
 * zone.h inside each zone, and in between no wider than h_zone + 0.05 times
 * the distance to the zone: moving away from a zone a cell is at most 1.05
 * times its neighbour, towards it at least 0.95 times.
 * The cells are marched from xmin and finally all scaled by the same factor
 * <= 1 so that the last face is xmax; that moves interior faces, and so the
 * zone edges, by less than one coarse cell.  NULL (with a message) on
 * invalid arguments or more than 10^8 cells. */
mf_grid *mf_grid_create_refined(double xmin, double xmax, double h_coarse, const mf_grid_zone *zones,
                                int nzones);

/* Frees the grid; mf_grid_free(NULL) does nothing. */
void mf_grid_free(mf_grid *grid);

/* Index of the cell containing x (clamped to 0..n-1). */
int mf_grid_locate(const mf_grid *grid, double x);

#endif
