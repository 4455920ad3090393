/* grid.c -- one-dimensional cell-centred grids, uniform or read from a list of
 * faces (docs/numerics.md, "Grid").  Centres are face midpoints, so the cell
 * quadrature sum_i w_i g(x_i) is the midpoint rule. */
#include "mfbalance/grid.h"

#include <math.h>
#include <stdlib.h>

static mf_grid *grid_alloc(int n)
{
  mf_grid *grid = calloc(1, sizeof *grid);
  if (!grid) return NULL;
  grid->n = n;
  grid->faces = malloc((size_t)(n + 1) * sizeof(double));
  grid->x = malloc((size_t)n * sizeof(double));
  grid->w = malloc((size_t)n * sizeof(double));
  if (!grid->faces || !grid->x || !grid->w) {
    mf_grid_free(grid);
    return NULL;
  }
  return grid;
}

static void grid_fill_cells(mf_grid *grid)
{
  for (int i = 0; i < grid->n; i++) {
    grid->w[i] = grid->faces[i + 1] - grid->faces[i];
    grid->x[i] = 0.5 * (grid->faces[i] + grid->faces[i + 1]);
  }
}

mf_grid *mf_grid_create_uniform(double xmin, double xmax, int n)
{
  if (n < MF_GRID_MIN_CELLS) {
    mf_error(MF_EINPUT, "cells = %d: expected at least %d", n, MF_GRID_MIN_CELLS);
    return NULL;
  }
  if (!(isfinite(xmin) && isfinite(xmax) && xmin < xmax)) {
    mf_error(MF_EINPUT, "xmin = %g, xmax = %g: expected finite xmin < xmax", xmin, xmax);
    return NULL;
  }
  mf_grid *grid = grid_alloc(n);
  if (!grid) {
    mf_error(MF_ENOMEM, "out of memory for a grid of %d cells", n);
    return NULL;
  }
  /* Faces from the formula, not by accumulation, so that the last face is xmax exactly. */
  for (int i = 0; i <= n; i++) grid->faces[i] = xmin + (xmax - xmin) * ((double)i / n);
  grid->faces[n] = xmax;
  grid_fill_cells(grid);
  return grid;
}

mf_grid *mf_grid_create_faces(const double *faces, int n)
{
  if (n < MF_GRID_MIN_CELLS) {
    mf_error(MF_EINPUT, "%d faces make %d cells: expected at least %d cells", n + 1, n, MF_GRID_MIN_CELLS);
    return NULL;
  }
  for (int i = 0; i <= n; i++) {
    if (!isfinite(faces[i])) {
      mf_error(MF_EINPUT, "face %d = %g: expected a finite number", i, faces[i]);
      return NULL;
    }
    if (i > 0 && !(faces[i] > faces[i - 1])) {
      mf_error(MF_EINPUT, "face %d = %.17g after face %d = %.17g: faces must be strictly increasing", i,
               faces[i], i - 1, faces[i - 1]);
      return NULL;
    }
  }
  mf_grid *grid = grid_alloc(n);
  if (!grid) {
    mf_error(MF_ENOMEM, "out of memory for a grid of %d cells", n);
    return NULL;
  }
  for (int i = 0; i <= n; i++) grid->faces[i] = faces[i];
  grid_fill_cells(grid);
  return grid;
}

void mf_grid_free(mf_grid *grid)
{
  if (!grid) return;
  free(grid->faces);
  free(grid->x);
  free(grid->w);
  free(grid);
}

int mf_grid_locate(const mf_grid *grid, double x)
{
  int lo = 0, hi = grid->n - 1;
  if (x <= grid->faces[0]) return 0;
  if (x >= grid->faces[grid->n]) return grid->n - 1;
  while (lo < hi) { /* invariant: faces[lo] <= x < faces[hi+1] */
    int mid = (lo + hi + 1) / 2;
    if (grid->faces[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
