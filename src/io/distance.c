/* distance.c -- distribution functions of densities on cells, and the
 * distances between them (distance.h). */
#include "mfbalance/distance.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_cdf {
  int n;          /* cells; 0 for a Gaussian */
  double *faces;  /* length n + 1 */
  double *cum;    /* F at the faces, length n + 1 */
  double *slope;  /* F' at the faces (Fritsch-Carlson), length n + 1 */
  double mean, sd; /* the Gaussian, when n = 0 */
};

void mf_cdf_free(mf_cdf *F)
{
  if (!F) return;
  free(F->faces);
  free(F->cum);
  free(F->slope);
  free(F);
}

mf_cdf *mf_cdf_create_gaussian(double mean, double sd)
{
  mf_cdf *F = calloc(1, sizeof *F);
  if (!F) {
    mf_error(MF_ENOMEM, "out of memory");
    return NULL;
  }
  F->mean = mean;
  F->sd = sd;
  return F;
}

mf_cdf *mf_cdf_create(const mf_grid *grid, const double *rho)
{
  const int n = grid->n;
  mf_cdf *F = calloc(1, sizeof *F);
  if (F) {
    F->n = n;
    F->faces = malloc((size_t)(n + 1) * sizeof(double));
    F->cum = malloc((size_t)(n + 1) * sizeof(double));
    F->slope = malloc((size_t)(n + 1) * sizeof(double));
  }
  if (!F || !F->faces || !F->cum || !F->slope) {
    mf_cdf_free(F);
    mf_error(MF_ENOMEM, "out of memory for a distribution function of %d cells", n);
    return NULL;
  }
  memcpy(F->faces, grid->faces, (size_t)(n + 1) * sizeof(double));
  F->cum[0] = 0.0;
  for (int i = 0; i < n; i++) F->cum[i + 1] = F->cum[i] + grid->w[i] * rho[i];
  /* Fritsch-Carlson: the harmonic mean of the neighbouring cell densities
   * (weighted by the widths) where they agree in sign, else 0; one-sided at
   * the ends.  The densities are >= 0, so F is monotone. */
  F->slope[0] = fmax(rho[0], 0.0);
  F->slope[n] = fmax(rho[n - 1], 0.0);
  for (int i = 1; i < n; i++) {
    const double d0 = rho[i - 1], d1 = rho[i], h0 = grid->w[i - 1], h1 = grid->w[i];
    if (d0 <= 0.0 || d1 <= 0.0) {
      F->slope[i] = 0.0;
    } else {
      const double w0 = 2.0 * h1 + h0, w1 = h1 + 2.0 * h0;
      F->slope[i] = (w0 + w1) / (w0 / d0 + w1 / d1);
    }
  }
  return F;
}

double mf_cdf_eval(const mf_cdf *F, double x)
{
  if (F->n == 0) return 0.5 * erfc(-(x - F->mean) / (F->sd * sqrt(2.0)));
  const int n = F->n;
  if (x <= F->faces[0]) return 0.0;
  if (x >= F->faces[n]) return F->cum[n];
  int lo = 0, hi = n - 1; /* the cell with faces[lo] <= x < faces[lo + 1] */
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (F->faces[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  const double h = F->faces[lo + 1] - F->faces[lo], s = (x - F->faces[lo]) / h;
  const double h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s), h10 = s * (1.0 - s) * (1.0 - s);
  const double h01 = s * s * (3.0 - 2.0 * s), h11 = s * s * (s - 1.0);
  return h00 * F->cum[lo] + h10 * h * F->slope[lo] + h01 * F->cum[lo + 1] + h11 * h * F->slope[lo + 1];
}

static double total_mass(const mf_cdf *F) { return F->n == 0 ? 1.0 : F->cum[F->n]; }

/* The span a distribution function needs for W1: its faces, or +-12 s.d. */
static void support(const mf_cdf *F, double *lo, double *hi)
{
  if (F->n == 0) {
    *lo = F->mean - 12.0 * F->sd;
    *hi = F->mean + 12.0 * F->sd;
  } else {
    *lo = F->faces[0];
    *hi = F->faces[F->n];
  }
}

static int compare_doubles(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* int |F_a/ma - F_b/mb| dx by 4-point Gauss-Legendre between the merged breakpoints. */
static double wasserstein1(const mf_cdf *a, const mf_cdf *b)
{
  static const double node[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
  static const double weight[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
  const double ma = total_mass(a), mb = total_mass(b);
  /* Breakpoints: the faces of both, or 400 points over +-12 s.d. for a Gaussian. */
  const int na = a->n ? a->n + 1 : 401, nb = b->n ? b->n + 1 : 401;
  double *pts = malloc((size_t)(na + nb) * sizeof *pts);
  if (!pts) return NAN;
  const mf_cdf *both[2] = {a, b};
  int k = 0;
  for (int j = 0; j < 2; j++) {
    const mf_cdf *F = both[j];
    double lo, hi;
    support(F, &lo, &hi);
    const int m = F->n ? F->n + 1 : 401;
    for (int i = 0; i < m; i++) pts[k++] = F->n ? F->faces[i] : lo + (hi - lo) * i / 400.0;
  }
  qsort(pts, (size_t)k, sizeof *pts, compare_doubles);
  double w1 = 0.0;
  for (int i = 0; i + 1 < k; i++) {
    const double x0 = pts[i], x1 = pts[i + 1];
    if (!(x1 > x0)) continue;
    double s = 0.0;
    for (int q = 0; q < 4; q++) {
      const double x = 0.5 * (x0 + x1) + 0.5 * (x1 - x0) * node[q];
      s += weight[q] * fabs(mf_cdf_eval(a, x) / ma - mf_cdf_eval(b, x) / mb);
    }
    w1 += 0.5 * (x1 - x0) * s;
  }
  free(pts);
  return w1;
}

void mf_distance_compute(const mf_cdf *a, const mf_cdf *ref, const mf_grid *cells, mf_distance *d)
{
  d->l1 = d->linf = 0.0;
  double fa = mf_cdf_eval(a, cells->faces[0]), fr = mf_cdf_eval(ref, cells->faces[0]);
  /* Mass left of the cells counts in L1. */
  d->l1 = fabs(fa - fr);
  for (int i = 0; i < cells->n; i++) {
    const double ga = mf_cdf_eval(a, cells->faces[i + 1]), gr = mf_cdf_eval(ref, cells->faces[i + 1]);
    const double diff = fabs((ga - fa) - (gr - fr));
    d->l1 += diff;
    d->linf = fmax(d->linf, diff / cells->w[i]);
    fa = ga, fr = gr;
  }
  d->l1 += fabs((total_mass(a) - fa) - (total_mass(ref) - fr));
  d->w1 = wasserstein1(a, ref);
}
