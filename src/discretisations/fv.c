/* fv.c -- finite-volume operator of the mean-field Fokker-Planck equation
 * (MODEL.md section 2; derivation in docs/numerics.md).
 *
 *   d rho_p/dt = -d/dx J_p,  J_p = a_p rho_p - D_p d rho_p/dx,
 *   a_p = psi_p',  psi_p(x) = F_p(x) - gamma (A_p x^2/2 - C_p x),
 *
 * with A_p = sum_q g_pq m_q, C_p = sum_q g_pq v_q m_q and zero flux at both
 * ends.  Cell i holds the average rho_i; between centres i and i+1 (distance
 * h_i) the Scharfetter-Gummel flux is
 *
 *   J_i = (D / h_i) [ B(-delta_i) rho_i - B(delta_i) rho_{i+1} ],
 *   delta_i = (psi(x_{i+1}) - psi(x_i)) / D,   B(z) = z / (e^z - 1),
 *
 * (Scharfetter & Gummel, IEEE Trans. Electron Devices 16, 1969; Il'in 1969).
 * Because delta_i is the exact potential difference, J_i vanishes when
 * rho_{i+1}/rho_i = exp(delta_i): the Gibbs density at the centres is the
 * discrete stationary state (well-balanced).  The fluxes telescope, so the
 * mass sum_i w_i rho_i is conserved to round-off, and the stencil is an
 * M-matrix (positivity).  delta_i is affine in m, which makes the nonlocal
 * part of the Jacobian a rank-P term.
 */
#include "mfbalance/fv.h"

#include "bernoulli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_fv {
  mf_model model_copy; /* the model, copied: callers may pass a temporary */
  const mf_model *model; /* &model_copy */
  const mf_grid *grid;
  int P, n;
  double *h;     /* distance between centres i and i+1, length n-1 */
  double *xm;    /* midpoint between centres i and i+1, length n-1 */
  double *dF;    /* F_p(x_{i+1}) - F_p(x_i), P rows of n-1 */
  double *Sw;    /* w_i S_q(x_i), P rows of n: the activity weights */
  double *bplus; /* workspace: B(delta_i), length n-1 */
  double *bminus;/* workspace: B(-delta_i), length n-1 */
  double *flux;  /* workspace: J_i, length n-1 */
  double peclet; /* largest |delta_i| met where the density is (mf_bulk_peclet) */
};

void mf_fv_free(mf_fv *fv)
{
  if (!fv) return;
  free(fv->h);
  free(fv->xm);
  free(fv->dF);
  free(fv->Sw);
  free(fv->bplus);
  free(fv->bminus);
  free(fv->flux);
  free(fv);
}

mf_fv *mf_fv_create(const mf_model *model, const mf_grid *grid)
{
  if (mf_model_check(model) != MF_OK) return NULL;
  if (isinf(model->gamma)) {
    mf_error(MF_EINPUT, "gamma = inf: the limit problem is solved by `mfbalance hj` only");
    return NULL;
  }
  mf_fv *fv = calloc(1, sizeof *fv);
  if (!fv) goto nomem;
  const int P = model->P, n = grid->n;
  fv->model_copy = *model;
  fv->model = &fv->model_copy;
  fv->grid = grid;
  fv->P = P;
  fv->n = n;
  fv->h = malloc((size_t)(n - 1) * sizeof(double));
  fv->xm = malloc((size_t)(n - 1) * sizeof(double));
  fv->dF = malloc((size_t)P * (size_t)(n - 1) * sizeof(double));
  fv->Sw = malloc((size_t)P * (size_t)n * sizeof(double));
  fv->bplus = malloc((size_t)(n - 1) * sizeof(double));
  fv->bminus = malloc((size_t)(n - 1) * sizeof(double));
  fv->flux = malloc((size_t)(n - 1) * sizeof(double));
  if (!fv->h || !fv->xm || !fv->dF || !fv->Sw || !fv->bplus || !fv->bminus || !fv->flux) goto nomem;

  for (int i = 0; i < n - 1; i++) {
    fv->h[i] = grid->x[i + 1] - grid->x[i];
    fv->xm[i] = 0.5 * (grid->x[i] + grid->x[i + 1]);
  }
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    for (int i = 0; i < n - 1; i++)
      fv->dF[p * (n - 1) + i] = mf_model_F(pop, grid->x[i + 1]) - mf_model_F(pop, grid->x[i]);
    for (int i = 0; i < n; i++) fv->Sw[p * n + i] = grid->w[i] * mf_model_S(pop, grid->x[i]);
  }
  return fv;

nomem:
  mf_fv_free(fv);
  mf_error(MF_ENOMEM, "out of memory for the finite-volume operator");
  return NULL;
}

int mf_fv_size(const mf_fv *fv) { return fv->P * fv->n; }
double mf_fv_peclet(const mf_fv *fv) { return fv->peclet; }
const mf_model *mf_fv_model(const mf_fv *fv) { return fv->model; }
const mf_grid *mf_fv_grid(const mf_fv *fv) { return fv->grid; }

void mf_fv_means(const mf_fv *fv, const double *rho, double *xbar)
{
  const mf_grid *grid = fv->grid;
  for (int q = 0; q < fv->P; q++) {
    const double *r = rho + (size_t)q * fv->n;
    double mass = 0.0, first = 0.0;
    for (int i = 0; i < fv->n; i++) mass += grid->w[i] * r[i], first += grid->w[i] * grid->x[i] * r[i];
    xbar[q] = first / mass;
  }
}

int mf_fv_rank(const mf_fv *fv) { return mf_model_has_electrical(fv->model) ? 2 * fv->P : fv->P; }

void mf_fv_activities(const mf_fv *fv, const double *rho, double *m)
{
  for (int q = 0; q < fv->P; q++) {
    const double *r = rho + (size_t)q * fv->n, *sw = fv->Sw + (size_t)q * fv->n;
    double s = 0.0;
    for (int i = 0; i < fv->n; i++) s += sw[i] * r[i];
    m[q] = s;
  }
}

/* Fill bplus = B(delta_i), bminus = B(-delta_i) for population p with
 * coupling (A, C); optionally ddelta = delta_i themselves. */
static void face_weights(mf_fv *fv, int p, double A, double C, double *delta_out)
{
  const mf_population *pop = &fv->model->pop[p];
  const double D = mf_model_diffusion(pop), gamma = fv->model->gamma;
  const double *dF = fv->dF + (size_t)p * (fv->n - 1);
  for (int i = 0; i < fv->n - 1; i++) {
    double delta = (dF[i] - gamma * fv->h[i] * (A * fv->xm[i] - C)) / D;
    mf_bernoulli_pair(delta, &fv->bplus[i], &fv->bminus[i]);
    if (delta_out) delta_out[i] = delta;
  }
}

mf_status mf_fv_rhs_frozen(mf_fv *fv, const double *m, const double *xbar, const double *rho, double *drho)
{
  const int n = fv->n;
  const double *w = fv->grid->w;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(fv->model, m, xbar, A, C);
  double check = 0.0;
  for (int p = 0; p < fv->P; p++) {
    const double D = mf_model_diffusion(&fv->model->pop[p]);
    const double *r = rho + (size_t)p * n;
    double *dr = drho + (size_t)p * n;
    face_weights(fv, p, A[p], C[p], NULL);
    for (int i = 0; i < n - 1; i++)
      fv->flux[i] = D / fv->h[i] * (fv->bminus[i] * r[i] - fv->bplus[i] * r[i + 1]);
    fv->peclet = fmax(fv->peclet, mf_bulk_peclet(r, fv->bplus, fv->bminus, n));
    /* Zero flux through the two boundary faces. */
    dr[0] = -fv->flux[0] / w[0];
    for (int i = 1; i < n - 1; i++) dr[i] = -(fv->flux[i] - fv->flux[i - 1]) / w[i];
    dr[n - 1] = fv->flux[n - 2] / w[n - 1];
    for (int i = 0; i < n; i++) check += dr[i];
  }
  if (!isfinite(check))
    return mf_error(MF_ERECOVER, "the right-hand side is not finite (activities m_0 = %g)", m[0]);
  return MF_OK;
}

mf_status mf_fv_rhs(mf_fv *fv, const double *rho, double *drho)
{
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS];
  mf_fv_activities(fv, rho, m);
  mf_fv_means(fv, rho, xbar);
  return mf_fv_rhs_frozen(fv, m, xbar, rho, drho);
}

mf_status mf_fv_jacobian(mf_fv *fv, const double *rho, int nonlocal, mf_tlr *J)
{
  const int P = fv->P, n = fv->n;
  const sunindextype N = (sunindextype)P * n;
  const double *w = fv->grid->w;
  const double gamma = fv->model->gamma;
  const int rank = mf_fv_rank(fv);
  if (J->nblocks != P || J->block != n || J->rank != rank)
    return mf_error(MF_EBUG, "Jacobian matrix of shape %ld x %ld (rank %ld): expected %d blocks of %d, rank %d",
                    (long)J->nblocks, (long)J->block, (long)J->rank, P, n, rank);
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_fv_activities(fv, rho, m);
  mf_fv_means(fv, rho, xbar);
  mf_model_coupling(fv->model, m, xbar, A, C);
  memset(J->U, 0, (size_t)N * (size_t)rank * sizeof(double));
  memset(J->W, 0, (size_t)N * (size_t)rank * sizeof(double));

  for (int p = 0; p < P; p++) {
    const mf_population *pop = &fv->model->pop[p];
    const double D = mf_model_diffusion(pop);
    const double *r = rho + (size_t)p * n;
    double *dl = J->dl + (size_t)p * n, *d = J->d + (size_t)p * n, *du = J->du + (size_t)p * n;
    /* flux[] holds delta_i here, then phi_i = (dJ_i/d delta_i) * gamma h_i / D. */
    double *delta = fv->flux;
    face_weights(fv, p, A[p], C[p], delta);

    /* Stencil: dJ_i/d rho_i = (D/h_i) B(-delta_i), dJ_i/d rho_{i+1} = -(D/h_i) B(delta_i). */
    for (int i = 0; i < n; i++) {
      double diag = 0.0;
      dl[i] = du[i] = 0.0;
      if (i < n - 1) {
        diag -= D / fv->h[i] * fv->bminus[i];
        du[i] = D / fv->h[i] * fv->bplus[i] / w[i];
      }
      if (i > 0) {
        diag -= D / fv->h[i - 1] * fv->bplus[i - 1];
        dl[i] = D / fv->h[i - 1] * fv->bminus[i - 1] / w[i];
      }
      d[i] = diag / w[i];
    }
    if (!nonlocal) continue;

    /* delta_i depends on m_q through A and C: d delta_i/d m_q = gamma h_i g_pq (v_q - xm_i) / D. */
    for (int i = 0; i < n - 1; i++) {
      double z = delta[i];
      double dJ_ddelta = D / fv->h[i] *
                         (-mf_bernoulli_deriv(-z, fv->bminus[i], fv->bplus[i]) * r[i] -
                          mf_bernoulli_deriv(z, fv->bplus[i], fv->bminus[i]) * r[i + 1]);
      delta[i] = dJ_ddelta * gamma * fv->h[i] / D;
    }
    for (int q = 0; q < P; q++) {
      const double gq = pop->g[q], vq = fv->model->pop[q].reversal;
      if (gq == 0.0) continue;
      double *u = J->U + (size_t)q * N + (size_t)p * n;
      double prev = 0.0; /* dJ_{i-1}/dm_q, zero at the left wall */
      for (int i = 0; i < n; i++) {
        double cur = i < n - 1 ? gq * delta[i] * (vq - fv->xm[i]) : 0.0;
        u[i] = -(cur - prev) / w[i];
        prev = cur;
      }
    }
    /* Electrical: delta_i depends on xbar_q through C: d delta_i/d xbar_q = gamma h_i g_el_pq / D
     * (column P + q; A holds the constant G_p). */
    for (int q = 0; q < P && rank > P; q++) {
      const double gq = pop->g_el[q];
      if (gq == 0.0) continue;
      double *u = J->U + (size_t)(P + q) * N + (size_t)p * n;
      double prev = 0.0;
      for (int i = 0; i < n; i++) {
        double cur = i < n - 1 ? gq * delta[i] : 0.0;
        u[i] = -(cur - prev) / w[i];
        prev = cur;
      }
    }
  }
  if (!nonlocal) return MF_OK;
  for (int q = 0; q < P; q++)
    memcpy(J->W + (size_t)q * N + (size_t)q * n, fv->Sw + (size_t)q * n, (size_t)n * sizeof(double));
  /* d xbar_q / d rho_q,i = w_i (x_i - xbar_q) / mass_q. */
  for (int q = 0; q < P && rank > P; q++) {
    const double *r = rho + (size_t)q * n;
    double mass = 0.0;
    for (int i = 0; i < n; i++) mass += w[i] * r[i];
    double *wc = J->W + (size_t)(P + q) * N + (size_t)q * n;
    for (int i = 0; i < n; i++) wc[i] = w[i] * (fv->grid->x[i] - xbar[q]) / mass;
  }
  return MF_OK;
}

/* Scale population p of rho to unit mass (no-op on a zero density). */
static void normalise(const mf_grid *grid, double *r)
{
  double mass = 0.0;
  for (int i = 0; i < grid->n; i++) mass += grid->w[i] * r[i];
  if (mass > 0.0)
    for (int i = 0; i < grid->n; i++) r[i] /= mass;
}

void mf_fv_initial(const mf_fv *fv, double *rho)
{
  const mf_grid *grid = fv->grid;
  for (int p = 0; p < fv->P; p++) {
    double *r = rho + (size_t)p * fv->n;
    for (int i = 0; i < fv->n; i++)
      r[i] = mf_model_initial_mass(&fv->model->pop[p], grid->faces[i], grid->faces[i + 1]) / grid->w[i];
    normalise(grid, r);
  }
}

void mf_fv_gibbs(const mf_fv *fv, const double *m, const double *xbar, double *rho)
{
  const mf_grid *grid = fv->grid;
  const double gamma = fv->model->gamma;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(fv->model, m, xbar, A, C);
  for (int p = 0; p < fv->P; p++) {
    const mf_population *pop = &fv->model->pop[p];
    const double D = mf_model_diffusion(pop);
    double *r = rho + (size_t)p * fv->n;
    double top = -INFINITY;
    /* psi first, then exp(psi - max psi) so that nothing overflows. */
    for (int i = 0; i < fv->n; i++) {
      double x = grid->x[i];
      r[i] = (mf_model_F(pop, x) - gamma * (0.5 * A[p] * x * x - C[p] * x)) / D;
      top = fmax(top, r[i]);
    }
    for (int i = 0; i < fv->n; i++) r[i] = exp(r[i] - top);
    normalise(grid, r);
  }
}
