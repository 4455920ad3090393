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

/* Largest cell allowed at x: the coarse size, or less near a zone. */
static double target_size(double x, double h_coarse, const mf_grid_zone *zones, int nzones)
{
  double h = h_coarse;
  for (int z = 0; z < nzones; z++) {
    double d = fmax(0.0, fabs(x - zones[z].centre) - zones[z].halfwidth);
    h = fmin(h, zones[z].h + (MF_GRID_GROWTH - 1.0) * d);
  }
  return h;
}

mf_grid *mf_grid_create_refined(double xmin, double xmax, double h_coarse, const mf_grid_zone *zones,
                                int nzones)
{
  if (!(isfinite(xmin) && isfinite(xmax) && xmin < xmax && h_coarse > 0.0) || nzones < 0 ||
      nzones > MF_GRID_MAX_ZONES) {
    mf_error(MF_EINPUT, "refined grid on [%g, %g] with cells of %g and %d zones: invalid", xmin, xmax, h_coarse,
             nzones);
    return NULL;
  }
  for (int z = 0; z < nzones; z++)
    if (!(zones[z].h > 0.0 && zones[z].halfwidth >= 0.0 && isfinite(zones[z].centre))) {
      mf_error(MF_EINPUT, "refinement zone %d (centre %g, half-width %g, cell %g): expected half-width >= 0 "
               "and cell > 0", z + 1, zones[z].centre, zones[z].halfwidth, zones[z].h);
      return NULL;
    }
  /* March from xmin; the size is the smallest target over the new cell. */
  long n = 0;
  for (double x = xmin; x < xmax; n++) {
    double h = target_size(x, h_coarse, zones, nzones);
    h = fmin(h, target_size(x + h, h_coarse, zones, nzones));
    if (n > 100000000L) {
      mf_error(MF_EINPUT, "refined grid: more than 10^8 cells");
      return NULL;
    }
    x += h;
  }
  if (n < MF_GRID_MIN_CELLS) n = MF_GRID_MIN_CELLS;
  double *faces = malloc((size_t)(n + 1) * sizeof *faces);
  if (!faces) {
    mf_error(MF_ENOMEM, "out of memory for a grid of %ld cells", n);
    return NULL;
  }
  faces[0] = xmin;
  for (long i = 0; i < n; i++) {
    double h = target_size(faces[i], h_coarse, zones, nzones);
    h = fmin(h, target_size(faces[i] + h, h_coarse, zones, nzones));
    faces[i + 1] = faces[i] + h;
  }
  /* Stretch so that the last face is xmax exactly. */
  const double scale = (xmax - xmin) / (faces[n] - xmin);
  for (long i = 1; i < n; i++) faces[i] = xmin + (faces[i] - xmin) * scale;
  faces[n] = xmax;
  mf_grid *grid = mf_grid_create_faces(faces, (int)n);
  free(faces);
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
