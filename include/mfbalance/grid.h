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

/* Frees the grid; mf_grid_free(NULL) does nothing. */
void mf_grid_free(mf_grid *grid);

/* Index of the cell containing x (clamped to 0..n-1). */
int mf_grid_locate(const mf_grid *grid, double x);

#endif
