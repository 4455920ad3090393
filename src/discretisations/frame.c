/* frame.c -- the mean-field equation on one moving affine frame per
 * population (frame.h; derivation in docs/numerics.md, "Moving frames").
 *
 * Between reference centres xi_i and xi_{i+1} (distance h) the
 * Scharfetter-Gummel flux in xi is
 *
 *   J_i = D / (b^2 h) [ B(-delta_i) rt_i - B(delta_i) rt_{i+1} ],
 *   delta_i = dx [ fbar_i - gamma (A xm_i - C) - a' - b' xim_i ] / D,
 *
 * with dx = b h, xm_i = a + b xim_i the midpoint and fbar_i the exact mean of
 * f over [x_i, x_{i+1}]: delta_i is the exact difference of the potential
 * of the drift relative to the frame (the frame velocity is affine in xi, so
 * its midpoint value is its mean).  This is fv.c's flux in frame
 * coordinates; with a' = b' = 0 it is fv.c's flux on the cells a + b xi.
 */
#include "mfbalance/frame.h"

#include "bernoulli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef MF_FRAME_GRADING
#define MF_FRAME_GRADING 2.5 /* beta of the reference faces K sinh(beta s) / sinh(beta); 0: uniform */
#endif

/* What every population's flux needs: the coupling and the frame's motion. */
typedef struct {
  double a, b;       /* frame */
  double A, C;       /* coupling */
  double adot, bdot; /* frame velocity a' + b' xi */
  double var;        /* variance in x */
  double kappa;      /* <f'> - gamma A: the linear rate of the drift */
} frame_coeffs;

struct mf_frame {
  mf_model model;
  int P, n;
  double K;       /* half-width in xi */
  mf_grid *ref;   /* the reference cells in xi: faces, centres, widths */
  const double *xi; /* ref->x, the centres */
  double *hc;     /* distances between neighbouring centres, length n - 1 */
  double *u;      /* workspace: drift at the centres, length n */
  double *bplus;  /* workspace: B(delta_i), length n - 1 */
  double *bminus; /* workspace: B(-delta_i), length n - 1 */
  double *flux;   /* workspace: J_i, length n - 1 */
  double *lu_d;   /* preconditioner: Thomas factors per population, P rows of n */
  double *lu_l;   /* multipliers l_i = M[i][i-1] / d_{i-1}, P rows of n */
  double *lu_u;   /* super-diagonal M[i][i+1], P rows of n */
  double peclet;  /* largest |delta_i| met where the density is (mf_bulk_peclet) */
  double frame_diag[2 * MF_MAX_POPS]; /* preconditioner for a and b: 1 - gamma_bdf dF/da, dF/db */
};

mf_grid *mf_frame_reference_grid(int n, double halfwidth)
{
  double *faces = malloc((size_t)(n + 1) * sizeof(double));
  if (!faces) {
    mf_error(MF_ENOMEM, "out of memory for a frame of %d cells", n);
    return NULL;
  }
  /* Faces xi = K sinh(beta s) / sinh(beta) for s uniform in [-1, 1]: cells
   * finer where the mass is and coarser in the tails (a smooth map, so the
   * scheme stays second order); antisymmetric to round-off. */
  for (int j = 0; j <= n; j++) {
    const double sj = (2.0 * j - n) / n;
    faces[j] = MF_FRAME_GRADING > 0.0 ? halfwidth * sinh(MF_FRAME_GRADING * sj) / sinh(MF_FRAME_GRADING)
                                      : halfwidth * sj;
  }
  for (int j = 0; j < n / 2; j++) faces[n - j] = -faces[j];
  if (n % 2 == 0) faces[n / 2] = 0.0;
  mf_grid *ref = mf_grid_create_faces(faces, n);
  free(faces);
  return ref;
}

void mf_frame_free(mf_frame *fr)
{
  if (!fr) return;
  mf_grid_free(fr->ref);
  free(fr->hc);
  free(fr->u);
  free(fr->bplus);
  free(fr->bminus);
  free(fr->flux);
  free(fr->lu_d);
  free(fr->lu_l);
  free(fr->lu_u);
  free(fr);
}

mf_frame *mf_frame_create(const mf_model *model, int cells, double halfwidth)
{
  if (mf_model_check(model) != MF_OK) return NULL;
  if (isinf(model->gamma)) {
    mf_error(MF_EINPUT, "gamma = inf: the limit problem is solved by `mfbalance hj` only");
    return NULL;
  }
  if (cells < MF_GRID_MIN_CELLS || !(halfwidth > 0.0 && isfinite(halfwidth))) {
    mf_error(MF_EINPUT, "moving frame of %d cells over +-%g s.d.: expected at least %d cells and a half-width > 0",
             cells, halfwidth, MF_GRID_MIN_CELLS);
    return NULL;
  }
  mf_frame *fr = calloc(1, sizeof *fr);
  if (!fr) goto nomem;
  const int P = model->P, n = cells;
  fr->model = *model;
  fr->P = P;
  fr->n = n;
  fr->K = halfwidth;
  fr->hc = malloc((size_t)n * sizeof(double));
  fr->u = malloc((size_t)n * sizeof(double));
  fr->bplus = malloc((size_t)n * sizeof(double));
  fr->bminus = malloc((size_t)n * sizeof(double));
  fr->flux = malloc((size_t)n * sizeof(double));
  fr->lu_d = malloc((size_t)P * (size_t)n * sizeof(double));
  fr->lu_l = malloc((size_t)P * (size_t)n * sizeof(double));
  fr->lu_u = malloc((size_t)P * (size_t)n * sizeof(double));
  if (!fr->hc || !fr->u || !fr->bplus || !fr->bminus || !fr->flux || !fr->lu_d || !fr->lu_l || !fr->lu_u) goto nomem;
  if (!(fr->ref = mf_frame_reference_grid(n, halfwidth))) goto nomem;
  fr->xi = fr->ref->x;
  for (int i = 0; i < n - 1; i++) fr->hc[i] = fr->xi[i + 1] - fr->xi[i];
  return fr;

nomem:
  mf_frame_free(fr);
  mf_error(MF_ENOMEM, "out of memory for moving frames of %d cells", cells);
  return NULL;
}

int mf_frame_size(const mf_frame *fr) { return fr->P * fr->n + 2 * fr->P; }
int mf_frame_cells(const mf_frame *fr) { return fr->n; }
double mf_frame_peclet(const mf_frame *fr) { return fr->peclet; }
const mf_grid *mf_frame_reference(const mf_frame *fr) { return fr->ref; }
const mf_model *mf_frame_model(const mf_frame *fr) { return &fr->model; }

static double frame_a(const mf_frame *fr, const double *y, int p) { return y[fr->P * fr->n + p]; }
static double frame_b(const mf_frame *fr, const double *y, int p) { return y[fr->P * fr->n + fr->P + p]; }

void mf_frame_initial(const mf_frame *fr, double *y)
{
  const int n = fr->n;
  for (int p = 0; p < fr->P; p++) {
    const mf_population *pop = &fr->model.pop[p];
    double a, b, mass = 0.0;
    mf_model_initial_moments(pop, &a, &b);
    double *rt = y + (size_t)p * n;
    const double *w = fr->ref->w, *faces = fr->ref->faces;
    for (int i = 0; i < n; i++) {
      const double lo = a + b * faces[i], hi = a + b * faces[i + 1];
      /* A Gaussian by its values at the centres (in xi the standard normal),
       * the way the scheme holds its stationary states: the cell quadrature
       * then gives its mean and s.d. to round-off, where cell averages would
       * widen the s.d. by a factor 1 + h^2/24.  A uniform density by its
       * cell averages (it has jumps). */
      if (pop->init == MF_INIT_GAUSSIAN) rt[i] = exp(-0.5 * fr->xi[i] * fr->xi[i]);
      else rt[i] = mf_model_initial_mass(pop, lo, hi) / w[i];
      mass += w[i] * rt[i];
    }
    for (int i = 0; i < n; i++) rt[i] /= mass;
    y[fr->P * n + p] = a;
    y[fr->P * n + fr->P + p] = b;
  }
}

void mf_frame_activities(const mf_frame *fr, const double *y, double *m)
{
  for (int q = 0; q < fr->P; q++) {
    const mf_population *pop = &fr->model.pop[q];
    const double a = frame_a(fr, y, q), b = frame_b(fr, y, q), *rt = y + (size_t)q * fr->n;
    double s = 0.0;
    for (int i = 0; i < fr->n; i++) s += fr->ref->w[i] * rt[i] * mf_model_S(pop, a + b * fr->xi[i]);
    m[q] = s;
  }
}

void mf_frame_means(const mf_frame *fr, const double *y, double *mean)
{
  for (int p = 0; p < fr->P; p++) {
    const double *rt = y + (size_t)p * fr->n;
    double mass = 0.0, first = 0.0;
    for (int i = 0; i < fr->n; i++) {
      mass += fr->ref->w[i] * rt[i];
      first += fr->ref->w[i] * rt[i] * fr->xi[i];
    }
    mean[p] = frame_a(fr, y, p) + frame_b(fr, y, p) * first / mass;
  }
}

/* The coefficients of population p (A, C given), and the drift u at its
 * centres into fr->u.  -1 if the frame or the density has collapsed. */
static int population_coeffs(mf_frame *fr, const double *y, int p, double A, double C, frame_coeffs *c)
{
  const mf_population *pop = &fr->model.pop[p];
  const double gamma = fr->model.gamma, D = mf_model_diffusion(pop);
  const double *rt = y + (size_t)p * fr->n;
  c->a = frame_a(fr, y, p);
  c->b = frame_b(fr, y, p);
  c->A = A;
  c->C = C;
  if (!(c->b > 0.0)) return -1;
  const double *w = fr->ref->w;
  double mass = 0.0, first = 0.0, mu = 0.0, dfm = 0.0;
  for (int i = 0; i < fr->n; i++) {
    const double x = c->a + c->b * fr->xi[i], wr = w[i] * rt[i];
    fr->u[i] = mf_model_f(pop, x) - gamma * (A * x - C);
    mass += wr;
    first += wr * x;
    mu += wr * fr->u[i];
    dfm += wr * mf_model_df(pop, x);
  }
  const double mean = first / mass;
  double var = 0.0, cov = 0.0;
  /* Central moments, summed about the mean to avoid cancellation. */
  for (int i = 0; i < fr->n; i++) {
    const double dx = c->a + c->b * fr->xi[i] - mean;
    var += w[i] * rt[i] * dx * dx;
    cov += w[i] * rt[i] * dx * fr->u[i];
  }
  var /= mass;
  c->var = var;
  c->kappa = dfm / mass - gamma * A;
  /* The moment rates alone leave the frame free to slide along the states
   * that show the same density in x (a shift of a against one of rt); the
   * feedback ties a and b to the discrete mean and s.d. at the population's
   * own relaxation rate, so that the frame is a function of the density. */
  const double lambda = fabs(c->kappa) + D / var;
  c->adot = mu / mass + lambda * (mean - c->a);
  c->bdot = c->b * (cov / mass + D) / var + lambda * (sqrt(var) - c->b);
  return var > 0.0 && isfinite(c->bdot) ? 0 : -1;
}

/* bplus = B(delta_i), bminus = B(-delta_i) for population p with coefficients c. */
static void face_weights(mf_frame *fr, int p, const frame_coeffs *c)
{
  const mf_population *pop = &fr->model.pop[p];
  const double gamma = fr->model.gamma, D = mf_model_diffusion(pop);
  for (int i = 0; i < fr->n - 1; i++) {
    const double dx = c->b * fr->hc[i], xim = 0.5 * (fr->xi[i] + fr->xi[i + 1]), xm = c->a + c->b * xim;
    const double drift = mf_model_f_mean(pop, xm, 0.5 * dx) - gamma * (c->A * xm - c->C) - c->adot - c->bdot * xim;
    mf_bernoulli_pair(dx * drift / D, &fr->bplus[i], &fr->bminus[i]);
  }
}

/* The coupling of y and every population's coefficients; MF_ERECOVER when a frame collapsed. */
static mf_status all_coefficients(mf_frame *fr, const double *y, frame_coeffs *c)
{
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_frame_activities(fr, y, m);
  mf_frame_means(fr, y, xbar);
  mf_model_coupling(&fr->model, m, xbar, A, C);
  for (int p = 0; p < fr->P; p++)
    if (population_coeffs(fr, y, p, A[p], C[p], &c[p]) != 0)
      return mf_error(MF_ERECOVER, "the moving frame of population %s collapsed (b = %g)", fr->model.pop[p].name,
                      c[p].b);
  return MF_OK;
}

mf_status mf_frame_rhs(mf_frame *fr, const double *y, double *dy)
{
  const int P = fr->P, n = fr->n;
  const double *w = fr->ref->w;
  frame_coeffs all[MF_MAX_POPS];
  double check = 0.0;
  mf_status status = all_coefficients(fr, y, all);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++) {
    const frame_coeffs c = all[p];
    face_weights(fr, p, &c);
    const double Db = mf_model_diffusion(&fr->model.pop[p]) / (c.b * c.b);
    const double *rt = y + (size_t)p * n;
    double *dr = dy + (size_t)p * n;
    for (int i = 0; i < n - 1; i++) fr->flux[i] = Db / fr->hc[i] * (fr->bminus[i] * rt[i] - fr->bplus[i] * rt[i + 1]);
    fr->peclet = fmax(fr->peclet, mf_bulk_peclet(rt, fr->bplus, fr->bminus, n));
    /* Zero flux through the frame's two edges. */
    dr[0] = -fr->flux[0] / w[0];
    for (int i = 1; i < n - 1; i++) dr[i] = -(fr->flux[i] - fr->flux[i - 1]) / w[i];
    dr[n - 1] = fr->flux[n - 2] / w[n - 1];
    dy[P * n + p] = c.adot;
    dy[P * n + P + p] = c.bdot;
    for (int i = 0; i < n; i++) check += dr[i];
    check += c.adot + c.bdot;
  }
  if (!isfinite(check)) return mf_error(MF_ERECOVER, "the right-hand side is not finite");
  return MF_OK;
}

void mf_frame_population(const mf_frame *fr, const double *y, int p, mf_grid *grid, double *rho)
{
  const double a = frame_a(fr, y, p), b = frame_b(fr, y, p);
  const int n = fr->n;
  for (int i = 0; i <= n; i++) grid->faces[i] = a + b * fr->ref->faces[i];
  for (int i = 0; i < n; i++) {
    grid->x[i] = a + b * fr->xi[i];
    grid->w[i] = b * fr->ref->w[i];
    rho[i] = y[(size_t)p * n + i] / b;
  }
}

double mf_frame_rate(const mf_frame *fr, const double *y, const double *dy)
{
  const int P = fr->P, n = fr->n;
  double total = 0.0;
  for (int p = 0; p < P; p++) {
    const double b = frame_b(fr, y, p), adot = dy[P * n + p], bdot = dy[P * n + P + p];
    const double *rt = y + (size_t)p * n, *drt = dy + (size_t)p * n;
    for (int i = 0; i < n; i++) {
      const double lo = rt[i > 0 ? i - 1 : i], hi = rt[i < n - 1 ? i + 1 : i];
      const double span = fr->xi[i < n - 1 ? i + 1 : i] - fr->xi[i > 0 ? i - 1 : i];
      const double drho_dx = (hi - lo) / (span * b * b);
      total += b * fr->ref->w[i] * fabs(drt[i] / b - rt[i] * bdot / (b * b) - (adot + bdot * fr->xi[i]) * drho_dx);
    }
  }
  return total;
}

void mf_frame_outside(const mf_frame *fr, const double *y, int p, double xmin, double xmax, double *mass_out,
                      double *edge)
{
  const double a = frame_a(fr, y, p), b = frame_b(fr, y, p), *rt = y + (size_t)p * fr->n;
  double out = 0.0, top = 0.0;
  for (int i = 0; i < fr->n; i++) {
    const double lo = a + b * fr->ref->faces[i], hi = a + b * fr->ref->faces[i + 1];
    /* The part of cell i beyond each wall, the density taken constant in the cell. */
    const double beyond = fmax(0.0, fmin(hi, xmin) - lo) + fmax(0.0, hi - fmax(lo, xmax));
    out += rt[i] * beyond / b;
    top = fmax(top, rt[i]);
  }
  *mass_out = out;
  *edge = top > 0.0 ? fmax(rt[0], rt[fr->n - 1]) / top : 0.0;
}

void mf_frame_error_weights(const mf_frame *fr, const double *y, double rtol, double atol, double *ewt)
{
  const int P = fr->P, n = fr->n;
  for (int k = 0; k < P * n; k++) ewt[k] = 1.0 / (rtol * fabs(y[k]) + atol);
  for (int p = 0; p < P; p++) {
    const double w = 1.0 / (rtol * fabs(frame_b(fr, y, p)) + atol);
    ewt[P * n + p] = ewt[P * n + P + p] = w;
  }
}

mf_status mf_frame_prec_setup(mf_frame *fr, const double *y, double gamma_bdf)
{
  const int P = fr->P, n = fr->n;
  const double *w = fr->ref->w;
  frame_coeffs all[MF_MAX_POPS];
  mf_status status = all_coefficients(fr, y, all);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++) {
    const frame_coeffs c = all[p];
    face_weights(fr, p, &c);
    const double Db = mf_model_diffusion(&fr->model.pop[p]) / (c.b * c.b);
    double *d = fr->lu_d + (size_t)p * n, *l = fr->lu_l + (size_t)p * n, *up = fr->lu_u + (size_t)p * n;
    /* M = I - gamma_bdf T, T the frozen-coefficient stencil of rt: with
     * k_i = Db / hc_i, row i has T[i][i-1] = k_{i-1} B(-delta_{i-1}) / w_i,
     * T[i][i+1] = k_i B(delta_i) / w_i and T[i][i] = -(k_i B(-delta_i) +
     * k_{i-1} B(delta_{i-1})) / w_i, the wall terms absent.  Thomas'
     * factorisation: d_i = M[i][i] - l_i up_{i-1}, l_i = M[i][i-1] / d_{i-1}. */
    for (int i = 0; i < n; i++) {
      const double right = i < n - 1 ? Db / fr->hc[i] : 0.0, left = i > 0 ? Db / fr->hc[i - 1] : 0.0;
      const double diag = (i < n - 1 ? right * fr->bminus[i] : 0.0) + (i > 0 ? left * fr->bplus[i - 1] : 0.0);
      const double mdiag = 1.0 + gamma_bdf * diag / w[i];
      up[i] = i < n - 1 ? -gamma_bdf * right * fr->bplus[i] / w[i] : 0.0;
      if (i == 0) {
        l[i] = 0.0;
        d[i] = mdiag;
      } else {
        l[i] = -gamma_bdf * left * fr->bminus[i - 1] / w[i] / d[i - 1];
        d[i] = mdiag - l[i] * up[i - 1];
      }
      if (!(d[i] > 0.0)) return mf_error(MF_ERECOVER, "zero pivot in the moving-frame preconditioner");
    }
    /* a' ~ kappa (a - V) and b' ~ kappa b + D / (b s^2): the diagonal derivatives. */
    /* (Where the intrinsic dynamics outweigh the coupling, kappa > 0, the
     * entries are bounded away from 0: a preconditioner need not be exact.) */
    fr->frame_diag[p] = fmax(0.5, 1.0 - gamma_bdf * c.kappa);
    fr->frame_diag[P + p] = fmax(0.5, 1.0 - gamma_bdf * (c.kappa - mf_model_diffusion(&fr->model.pop[p]) / c.var));
  }
  return MF_OK;
}

void mf_frame_prec_solve(const mf_frame *fr, const double *r, double *z)
{
  const int P = fr->P, n = fr->n;
  for (int p = 0; p < P; p++) {
    const double *d = fr->lu_d + (size_t)p * n, *l = fr->lu_l + (size_t)p * n, *up = fr->lu_u + (size_t)p * n;
    const double *rp = r + (size_t)p * n;
    double *zp = z + (size_t)p * n;
    zp[0] = rp[0];
    for (int i = 1; i < n; i++) zp[i] = rp[i] - l[i] * zp[i - 1];
    zp[n - 1] /= d[n - 1];
    for (int i = n - 2; i >= 0; i--) zp[i] = (zp[i] - up[i] * zp[i + 1]) / d[i];
  }
  for (int k = 0; k < 2 * P; k++) z[P * n + k] = r[P * n + k] / fr->frame_diag[k];
}
