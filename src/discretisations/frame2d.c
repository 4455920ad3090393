/* frame2d.c -- the FitzHugh-Nagumo kinetic equation on moving frames in
 * (v, w) (frame2d.h).  The map v = av + bv xi, w = aw + bw eta is separable,
 * so the transformed equation is frame.c's in each direction:
 *
 *   d rt/dt = -d/dxi [ (Uv - av' - bv' xi)/bv rt - D/bv^2 d rt/dxi ]
 *             -d/deta [ (Uw - aw' - bw' eta)/bw rt - Dw/bw^2 d rt/deta ],
 *
 * rt = bv bw rho, Uv = f(v) - w - gamma (A v - C), Uw = epsilon (v + a - b w).
 * Both frame velocities are affine in their coordinate, so the midpoint
 * values in the fluxes are exact means; Uw is affine in w as well.
 *
 * With D_w = 0 the eta-fluxes are pure transport.  MF_W_LIMITED (default)
 * takes the upwind cell's value reconstructed at the face with a limited
 * slope (MUSCL, van Leer, J. Comput. Phys. 32, 1979), second order where the
 * density is smooth; MF_W_UPWIND takes the upwind cell's value, first order,
 * its numerical diffusion |Uw| h_w / 2 widening w (docs/fhn.md).
 *
 * The fixed box (mf_frame2d_create_box) is the same operator with the frame
 * frozen at av = aw = 0, bv = bw = 1 and zero frame velocities: xi = v and
 * eta = w on the box's cells, the fluxes above with nothing subtracted, zero
 * flux on the box's walls (../shared/FHN.md section 2). */
#include "mfbalance/frame2d.h"

#include "mfbalance/frame.h"

#include "bernoulli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double av, bv, aw, bw; /* the frame */
  double A, C;           /* coupling */
  double avdot, bvdot, awdot, bwdot;
  double var_v, var_w;
  double kappa_v;        /* <f'> - gamma A */
} coeffs2d;

struct mf_frame2d {
  mf_model model;
  int P, nv, nw;
  mf_grid *refv, *refw;   /* reference cells in xi and eta */
  double *hv, *hw;        /* distances between neighbouring centres */
  double *area;           /* wv_i ww_j, length nv nw */
  double *bp, *bm;        /* workspace: Bernoulli weights, length max(nv, nw) */
  double *flux;           /* workspace, length max(nv, nw) */
  double *col;            /* workspace: one xi-column, length nw */
  double *slope;          /* workspace: limited eta-slopes of one xi-column, length nw */
  mf_w_transport w_transport; /* eta-fluxes when D_w = 0 */
  int box;                /* 1: the fixed box, the frame variables held at (0, 1, 0, 1) */
  double *lu_d, *lu_l, *lu_u; /* preconditioner: Thomas factors, P nv nw each */
  double *shape;          /* preconditioner: each block's density at setup over its mass, P nv nw */
  double frame_diag[4 * MF_MAX_POPS];
};

void mf_frame2d_free(mf_frame2d *fr)
{
  if (!fr) return;
  mf_grid_free(fr->refv);
  mf_grid_free(fr->refw);
  free(fr->hv), free(fr->hw), free(fr->area), free(fr->bp), free(fr->bm), free(fr->flux), free(fr->col);
  free(fr->slope);
  free(fr->lu_d), free(fr->lu_l), free(fr->lu_u), free(fr->shape);
  free(fr);
}

/* The checks shared by frames and box. */
static mf_status check_model(const mf_model *model)
{
  mf_status status = mf_model_check(model);
  if (status != MF_OK) return status;
  if (model->neuron != MF_NEURON_FHN || isinf(model->gamma))
    return mf_error(MF_EINPUT, "the (v, w) frames are for FitzHugh-Nagumo neurons at finite gamma");
  for (int p = 0; p < model->P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    if (!(r->epsilon > 0.0 && r->sigma_w >= 0.0 && r->init_sd > 0.0 && model->pop[p].init == MF_INIT_GAUSSIAN)) {
      return mf_error(MF_EINPUT, "population %s: the (v, w) frames need epsilon > 0, sigma_w >= 0 and Gaussian "
                      "initial data in v and w", model->pop[p].name);
    }
  }
  return MF_OK;
}

/* The operator on the cells refv x refw (owned from here on, freed on failure). */
static mf_frame2d *create_on(const mf_model *model, mf_grid *refv, mf_grid *refw, int box)
{
  const int nv = refv ? refv->n : 0, nw = refw ? refw->n : 0;
  mf_frame2d *fr = calloc(1, sizeof *fr);
  if (!fr) {
    mf_grid_free(refv), mf_grid_free(refw);
    goto nomem;
  }
  fr->refv = refv, fr->refw = refw;
  if (!refv || !refw) goto nomem;
  const int P = model->P, n = nv > nw ? nv : nw;
  const size_t block = (size_t)nv * (size_t)nw;
  fr->model = *model;
  fr->P = P, fr->nv = nv, fr->nw = nw, fr->box = box;
  fr->hv = malloc((size_t)nv * sizeof(double));
  fr->hw = malloc((size_t)nw * sizeof(double));
  fr->area = malloc(block * sizeof(double));
  fr->bp = malloc((size_t)n * sizeof(double));
  fr->bm = malloc((size_t)n * sizeof(double));
  fr->flux = malloc((size_t)n * sizeof(double));
  fr->col = malloc((size_t)nw * sizeof(double));
  fr->slope = malloc((size_t)nw * sizeof(double));
  fr->lu_d = malloc((size_t)P * block * sizeof(double));
  fr->lu_l = malloc((size_t)P * block * sizeof(double));
  fr->lu_u = malloc((size_t)P * block * sizeof(double));
  fr->shape = malloc((size_t)P * block * sizeof(double));
  if (!fr->refv || !fr->refw || !fr->hv || !fr->hw || !fr->area || !fr->bp || !fr->bm || !fr->flux || !fr->col ||
      !fr->slope || !fr->lu_d || !fr->lu_l || !fr->lu_u || !fr->shape)
    goto nomem;
  for (int i = 0; i < nv - 1; i++) fr->hv[i] = fr->refv->x[i + 1] - fr->refv->x[i];
  for (int j = 0; j < nw - 1; j++) fr->hw[j] = fr->refw->x[j + 1] - fr->refw->x[j];
  for (int j = 0; j < nw; j++)
    for (int i = 0; i < nv; i++) fr->area[(size_t)j * nv + i] = fr->refv->w[i] * fr->refw->w[j];
  return fr;

nomem:
  mf_frame2d_free(fr);
  mf_error(MF_ENOMEM, "out of memory for (v, w) cells of %d x %d", nv, nw);
  return NULL;
}

mf_frame2d *mf_frame2d_create(const mf_model *model, int nv, int nw, double Kv, double Kw)
{
  if (check_model(model) != MF_OK) return NULL;
  if (nv < MF_GRID_MIN_CELLS || nw < MF_GRID_MIN_CELLS || !(Kv > 0.0) || !(Kw > 0.0)) {
    mf_error(MF_EINPUT, "(v, w) frames of %d x %d cells over +-%g, +-%g s.d.: expected at least %d cells each "
             "way and half-widths > 0", nv, nw, Kv, Kw, MF_GRID_MIN_CELLS);
    return NULL;
  }
  return create_on(model, mf_frame_reference_grid(nv, Kv), mf_frame_reference_grid(nw, Kw), 0);
}

mf_frame2d *mf_frame2d_create_box(const mf_model *model, const mf_grid *grid_v, const mf_grid *grid_w)
{
  if (check_model(model) != MF_OK) return NULL;
  if (grid_v->n < MF_GRID_MIN_CELLS || grid_w->n < MF_GRID_MIN_CELLS) {
    mf_error(MF_EINPUT, "a (v, w) box of %d x %d cells: expected at least %d cells each way", grid_v->n, grid_w->n,
             MF_GRID_MIN_CELLS);
    return NULL;
  }
  return create_on(model, mf_grid_create_faces(grid_v->faces, grid_v->n),
                   mf_grid_create_faces(grid_w->faces, grid_w->n), 1);
}

void mf_frame2d_set_w_transport(mf_frame2d *fr, mf_w_transport scheme) { fr->w_transport = scheme; }

int mf_frame2d_size(const mf_frame2d *fr) { return fr->P * fr->nv * fr->nw + 4 * fr->P; }
const mf_grid *mf_frame2d_reference_v(const mf_frame2d *fr) { return fr->refv; }
const mf_grid *mf_frame2d_reference_w(const mf_frame2d *fr) { return fr->refw; }
const double *mf_frame2d_weights(const mf_frame2d *fr) { return fr->area; }

/* The frame variables of population p: av, bv, aw, bw. */
static double fvar(const mf_frame2d *fr, const double *y, int k, int p)
{
  return y[(size_t)fr->P * fr->nv * fr->nw + (size_t)k * fr->P + p];
}

static const double *block_of(const mf_frame2d *fr, const double *y, int p)
{
  return y + (size_t)p * fr->nv * fr->nw;
}

/* The box: each cell's exact mass of the product Gaussian over its area,
 * renormalised to unit mass (the mass beyond the walls, at most 1 - 1e-6 by
 * the configuration's check, is put back inside, as fv.c does in 1-D). */
static void initial_box(const mf_frame2d *fr, const mf_population *pop, double *rt)
{
  const int nv = fr->nv, nw = fr->nw;
  mf_population in_w = *pop;
  in_w.init_a = pop->w.init_mean, in_w.init_b = pop->w.init_sd;
  double mass = 0.0;
  for (int j = 0; j < nw; j++) {
    const double mw = mf_model_initial_mass(&in_w, fr->refw->faces[j], fr->refw->faces[j + 1]);
    for (int i = 0; i < nv; i++) {
      const double m = mw * mf_model_initial_mass(pop, fr->refv->faces[i], fr->refv->faces[i + 1]);
      rt[(size_t)j * nv + i] = m / fr->area[(size_t)j * nv + i];
      mass += m;
    }
  }
  if (mass > 0.0)
    for (size_t k = 0; k < (size_t)nv * nw; k++) rt[k] /= mass;
}

void mf_frame2d_initial(const mf_frame2d *fr, double *y)
{
  const int nv = fr->nv, nw = fr->nw, P = fr->P;
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &fr->model.pop[p];
    double *rt = y + (size_t)p * nv * nw, *frame = y + (size_t)P * nv * nw;
    if (fr->box) {
      initial_box(fr, pop, rt);
      frame[p] = 0.0, frame[P + p] = 1.0, frame[2 * P + p] = 0.0, frame[3 * P + p] = 1.0;
      continue;
    }
    double mass = 0.0;
    for (int j = 0; j < nw; j++)
      for (int i = 0; i < nv; i++) {
        const double xi = fr->refv->x[i], eta = fr->refw->x[j];
        rt[(size_t)j * nv + i] = exp(-0.5 * (xi * xi + eta * eta));
        mass += fr->area[(size_t)j * nv + i] * rt[(size_t)j * nv + i];
      }
    for (size_t k = 0; k < (size_t)nv * nw; k++) rt[k] /= mass;
    frame[p] = pop->init_a;
    frame[P + p] = pop->init_b;
    frame[2 * P + p] = pop->w.init_mean;
    frame[3 * P + p] = pop->w.init_sd;
  }
}

void mf_frame2d_moments(const mf_frame2d *fr, const double *y, int p, mf_moments2d *mom)
{
  const int nv = fr->nv, nw = fr->nw;
  const double *rt = block_of(fr, y, p), av = fvar(fr, y, 0, p), bv = fvar(fr, y, 1, p);
  const double aw = fvar(fr, y, 2, p), bw = fvar(fr, y, 3, p);
  double mass = 0.0, sx = 0.0, se = 0.0;
  for (int j = 0; j < nw; j++)
    for (int i = 0; i < nv; i++) {
      const double wr = fr->area[(size_t)j * nv + i] * rt[(size_t)j * nv + i];
      mass += wr, sx += wr * fr->refv->x[i], se += wr * fr->refw->x[j];
    }
  const double mx = sx / mass, me = se / mass;
  double vxx = 0.0, vee = 0.0, vxe = 0.0;
  for (int j = 0; j < nw; j++)
    for (int i = 0; i < nv; i++) {
      const double wr = fr->area[(size_t)j * nv + i] * rt[(size_t)j * nv + i];
      const double dx = fr->refv->x[i] - mx, de = fr->refw->x[j] - me;
      vxx += wr * dx * dx, vee += wr * de * de, vxe += wr * dx * de;
    }
  mom->mass = mass;
  mom->mean_v = av + bv * mx;
  mom->mean_w = aw + bw * me;
  mom->sd_v = bv * sqrt(vxx / mass);
  mom->sd_w = bw * sqrt(vee / mass);
  mom->cov_vw = bv * bw * vxe / mass;
}

void mf_frame2d_activities(const mf_frame2d *fr, const double *y, double *m, double *vbar)
{
  const int nv = fr->nv, nw = fr->nw;
  for (int q = 0; q < fr->P; q++) {
    const mf_population *pop = &fr->model.pop[q];
    const double *rt = block_of(fr, y, q), av = fvar(fr, y, 0, q), bv = fvar(fr, y, 1, q);
    double mass = 0.0, s = 0.0, first = 0.0;
    for (int i = 0; i < nv; i++) {
      double line = 0.0; /* the v-marginal (times wv_i) of cell i */
      for (int j = 0; j < nw; j++) line += fr->area[(size_t)j * nv + i] * rt[(size_t)j * nv + i];
      const double v = av + bv * fr->refv->x[i];
      mass += line, s += line * mf_model_S(pop, v), first += line * v;
    }
    m[q] = s;
    vbar[q] = first / mass;
  }
}

/* Coefficients of population p: frame, coupling, moment rates with feedback (frame.h's rule). */
static int coefficients(const mf_frame2d *fr, const double *y, int p, double A, double C, coeffs2d *c)
{
  const mf_population *pop = &fr->model.pop[p];
  const mf_recovery *r = &pop->w;
  const double gamma = fr->model.gamma, D = mf_model_diffusion(pop), Dw = 0.5 * r->sigma_w * r->sigma_w;
  const int nv = fr->nv, nw = fr->nw;
  const double *rt = block_of(fr, y, p);
  c->av = fvar(fr, y, 0, p), c->bv = fvar(fr, y, 1, p), c->aw = fvar(fr, y, 2, p), c->bw = fvar(fr, y, 3, p);
  c->A = A, c->C = C;
  if (!(c->bv > 0.0 && c->bw > 0.0)) return -1;
  if (fr->box) { /* the frame stays put; the moments below only drive it */
    c->avdot = c->bvdot = c->awdot = c->bwdot = 0.0;
    c->var_v = c->var_w = c->kappa_v = 0.0;
    return 0;
  }
  mf_moments2d mom;
  mf_frame2d_moments(fr, y, p, &mom);
  /* <Uv>, <(v - vbar) Uv> and <f'> by the cell quadrature. */
  double mu = 0.0, cov = 0.0, dfm = 0.0;
  for (int j = 0; j < nw; j++) {
    const double w = c->aw + c->bw * fr->refw->x[j];
    for (int i = 0; i < nv; i++) {
      const double wr = fr->area[(size_t)j * nv + i] * rt[(size_t)j * nv + i];
      const double v = c->av + c->bv * fr->refv->x[i];
      const double u = mf_model_f(pop, v) - w - gamma * (A * v - C);
      mu += wr * u, cov += wr * (v - mom.mean_v) * u, dfm += wr * mf_model_df(pop, v);
    }
  }
  mu /= mom.mass, cov /= mom.mass, dfm /= mom.mass;
  c->var_v = mom.sd_v * mom.sd_v;
  c->var_w = mom.sd_w * mom.sd_w;
  if (!(c->var_v > 0.0 && c->var_w > 0.0)) return -1;
  c->kappa_v = dfm - gamma * A;
  const double lv = fabs(c->kappa_v) + D / c->var_v, lw = r->epsilon * r->b + Dw / c->var_w;
  c->avdot = mu + lv * (mom.mean_v - c->av);
  c->bvdot = c->bv * (cov + D) / c->var_v + lv * (mom.sd_v - c->bv);
  /* Uw is affine: <Uw> = eps (vbar + a - b wbar), <(w - wbar) Uw> = eps (cov_vw - b var_w). */
  c->awdot = r->epsilon * (mom.mean_v + r->a - r->b * mom.mean_w) + lw * (mom.mean_w - c->aw);
  c->bwdot = c->bw * (r->epsilon * (mom.cov_vw - r->b * c->var_w) + Dw) / c->var_w + lw * (mom.sd_w - c->bw);
  return isfinite(c->bvdot + c->bwdot) ? 0 : -1;
}

/* The v-fluxes' Bernoulli weights on eta-line j (w = w_j). */
static void weights_v(mf_frame2d *fr, int p, const coeffs2d *c, double w)
{
  const mf_population *pop = &fr->model.pop[p];
  const double gamma = fr->model.gamma, D = mf_model_diffusion(pop);
  for (int i = 0; i < fr->nv - 1; i++) {
    const double dx = c->bv * fr->hv[i], xim = 0.5 * (fr->refv->x[i] + fr->refv->x[i + 1]), xm = c->av + c->bv * xim;
    const double drift = mf_model_f_mean(pop, xm, 0.5 * dx) - w - gamma * (c->A * xm - c->C) - c->avdot - c->bvdot * xim;
    mf_bernoulli_pair(dx * drift / D, &fr->bp[i], &fr->bm[i]);
  }
}

/* The w-fluxes' coefficients on xi-column i (v = v_i): flux_j = cm_j rt_j - cp_j rt_{j+1}
 * (Scharfetter-Gummel, or upwind when D_w = 0) into bm (cm) and bp (cp). */
static void weights_w(mf_frame2d *fr, int p, const coeffs2d *c, double v)
{
  const mf_recovery *r = &fr->model.pop[p].w;
  const double Dw = 0.5 * r->sigma_w * r->sigma_w;
  for (int j = 0; j < fr->nw - 1; j++) {
    const double etam = 0.5 * (fr->refw->x[j] + fr->refw->x[j + 1]), wm = c->aw + c->bw * etam;
    const double u = r->epsilon * (v + r->a - r->b * wm) - c->awdot - c->bwdot * etam; /* relative w-velocity */
    if (Dw > 0.0) {
      const double k = Dw / (c->bw * c->bw * fr->hw[j]);
      double bplus, bminus;
      mf_bernoulli_pair(c->bw * fr->hw[j] * u / Dw, &bplus, &bminus);
      fr->bm[j] = k * bminus, fr->bp[j] = k * bplus;
    } else {
      fr->bm[j] = u > 0.0 ? u / c->bw : 0.0;
      fr->bp[j] = u < 0.0 ? -u / c->bw : 0.0;
    }
  }
}

/* The limited slope of a cell from the divided differences a, b on its two
 * sides: their average with weights b^2 and a^2,
 *
 *   L(a, b) = (a b^2 + b a^2) / (a^2 + b^2)  if a b > 0,  0 otherwise,
 *
 * van Albada's limiter (van Albada, van Leer & Roberts, Astron. Astrophys.
 * 108, 1982), the power 2 of hj.c's curvature_limiter.  It lies between a
 * and b, vanishes at a sign change (|L| <= 2 min(|a|, |b|): TVD) and equals
 * a when a = b, so the reconstruction is second order on smooth densities.
 * Unlike minmod it is smooth where a and b are close, where the DQ
 * Jacobian-vector products of GMRES see a differentiable right-hand side
 * (docs/hopf-cole.md, "Why not minmod").  Evaluated as m g(r), m the larger
 * of a, b in magnitude, r = (the other)/m in (0, 1], so that nothing
 * underflows in the tails. */
static inline double slope_limiter(double a, double b)
{
  if (!(a * b > 0.0)) return 0.0;
  const int a_larger = fabs(a) > fabs(b);
  const double m = a_larger ? a : b, r = (a_larger ? b : a) / m;
  return m * (r + r * r) / (1.0 + r * r);
}

/* The second-order part of the limited eta-fluxes of one xi-column rt
 * (stride nv) with D_w = 0, added to fr->flux, which holds the upwind fluxes
 * cm_j rt_j - cp_j rt_{j+1} (weights_w: cm = max(U, 0), cp = max(-U, 0),
 * U = u_w / b_w the eta-velocity):
 * the upwind cell's value moves from its centre to the face along its
 * limited slope.  The edge cells keep slope 0, so no value outside the frame
 * is needed; each face's flux leaves one cell and enters the next, so the
 * scheme stays conservative. */
static void add_limited_w(mf_frame2d *fr, const double *rt, int nv)
{
  const int nw = fr->nw;
  const double *eta = fr->refw->x, *face = fr->refw->faces;
  double *s = fr->slope, prev = (rt[nv] - rt[0]) / fr->hw[0];
  s[0] = s[nw - 1] = 0.0;
  for (int j = 1; j < nw - 1; j++) {
    const double next = (rt[(size_t)(j + 1) * nv] - rt[(size_t)j * nv]) / fr->hw[j];
    s[j] = slope_limiter(prev, next);
    prev = next;
  }
  for (int j = 0; j < nw - 1; j++)
    fr->flux[j] += fr->bm[j] * (face[j + 1] - eta[j]) * s[j] - fr->bp[j] * (face[j + 1] - eta[j + 1]) * s[j + 1];
}

/* The coupling of y and every population's coefficients; MF_ERECOVER when a frame collapsed. */
static mf_status all_coefficients(const mf_frame2d *fr, const double *y, coeffs2d *c)
{
  double m[MF_MAX_POPS], vbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_frame2d_activities(fr, y, m, vbar);
  mf_model_coupling(&fr->model, m, vbar, A, C);
  for (int p = 0; p < fr->P; p++)
    if (coefficients(fr, y, p, A[p], C[p], &c[p]) != 0)
      return mf_error(MF_ERECOVER, "the (v, w) frame of population %s collapsed", fr->model.pop[p].name);
  return MF_OK;
}

mf_status mf_frame2d_rhs(mf_frame2d *fr, const double *y, double *dy)
{
  const int P = fr->P, nv = fr->nv, nw = fr->nw;
  const double *wv = fr->refv->w, *ww = fr->refw->w;
  coeffs2d all[MF_MAX_POPS];
  double check = 0.0;
  mf_status status = all_coefficients(fr, y, all);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++) {
    const coeffs2d c = all[p];
    const double Db = mf_model_diffusion(&fr->model.pop[p]) / (c.bv * c.bv);
    const double *rt = block_of(fr, y, p);
    double *dr = dy + (size_t)p * nv * nw;
    /* v-fluxes, line by line. */
    for (int j = 0; j < nw; j++) {
      const double *r = rt + (size_t)j * nv;
      double *d = dr + (size_t)j * nv;
      weights_v(fr, p, &c, c.aw + c.bw * fr->refw->x[j]);
      for (int i = 0; i < nv - 1; i++) fr->flux[i] = Db / fr->hv[i] * (fr->bm[i] * r[i] - fr->bp[i] * r[i + 1]);
      d[0] = -fr->flux[0] / wv[0];
      for (int i = 1; i < nv - 1; i++) d[i] = -(fr->flux[i] - fr->flux[i - 1]) / wv[i];
      d[nv - 1] = fr->flux[nv - 2] / wv[nv - 1];
    }
    /* w-fluxes, column by column. */
    const int limited = fr->model.pop[p].w.sigma_w == 0.0 && fr->w_transport == MF_W_LIMITED;
    for (int i = 0; i < nv; i++) {
      weights_w(fr, p, &c, c.av + c.bv * fr->refv->x[i]);
      for (int j = 0; j < nw - 1; j++)
        fr->flux[j] = fr->bm[j] * rt[(size_t)j * nv + i] - fr->bp[j] * rt[(size_t)(j + 1) * nv + i];
      if (limited) add_limited_w(fr, rt + i, nv);
      for (int j = 0; j < nw; j++) {
        const double out = j < nw - 1 ? fr->flux[j] : 0.0, in = j > 0 ? fr->flux[j - 1] : 0.0;
        dr[(size_t)j * nv + i] -= (out - in) / ww[j];
      }
    }
    double *frame = dy + (size_t)P * nv * nw;
    frame[p] = c.avdot, frame[P + p] = c.bvdot, frame[2 * P + p] = c.awdot, frame[3 * P + p] = c.bwdot;
    for (size_t k = 0; k < (size_t)nv * nw; k++) check += dr[k];
    check += c.avdot + c.bvdot + c.awdot + c.bwdot;
  }
  if (!isfinite(check)) return mf_error(MF_ERECOVER, "the right-hand side is not finite");
  return MF_OK;
}

void mf_frame2d_marginals(const mf_frame2d *fr, const double *y, int p, mf_grid *grid_v, double *rho_v,
                          mf_grid *grid_w, double *rho_w)
{
  const int nv = fr->nv, nw = fr->nw;
  const double *rt = block_of(fr, y, p), av = fvar(fr, y, 0, p), bv = fvar(fr, y, 1, p);
  const double aw = fvar(fr, y, 2, p), bw = fvar(fr, y, 3, p);
  for (int i = 0; i <= nv; i++) grid_v->faces[i] = av + bv * fr->refv->faces[i];
  for (int j = 0; j <= nw; j++) grid_w->faces[j] = aw + bw * fr->refw->faces[j];
  for (int i = 0; i < nv; i++) {
    grid_v->x[i] = av + bv * fr->refv->x[i], grid_v->w[i] = bv * fr->refv->w[i];
    double s = 0.0;
    for (int j = 0; j < nw; j++) s += fr->refw->w[j] * rt[(size_t)j * nv + i];
    rho_v[i] = s / bv;
  }
  for (int j = 0; j < nw; j++) {
    grid_w->x[j] = aw + bw * fr->refw->x[j], grid_w->w[j] = bw * fr->refw->w[j];
    double s = 0.0;
    for (int i = 0; i < nv; i++) s += fr->refv->w[i] * rt[(size_t)j * nv + i];
    rho_w[j] = s / bw;
  }
}

void mf_frame2d_error_weights(const mf_frame2d *fr, const double *y, double rtol, double atol, double *ewt)
{
  const int P = fr->P;
  const size_t N = (size_t)P * fr->nv * fr->nw;
  for (size_t k = 0; k < N; k++) ewt[k] = 1.0 / (rtol * fabs(y[k]) + atol);
  for (int p = 0; p < P; p++) {
    const double wv = 1.0 / (rtol * fabs(fvar(fr, y, 1, p)) + atol), ww = 1.0 / (rtol * fabs(fvar(fr, y, 3, p)) + atol);
    ewt[N + p] = ewt[N + P + p] = wv;
    ewt[N + 2 * P + p] = ewt[N + 3 * P + p] = ww;
  }
}

mf_status mf_frame2d_prec_setup(mf_frame2d *fr, const double *y, double gamma_bdf)
{
  const int P = fr->P, nv = fr->nv, nw = fr->nw;
  const double *wv = fr->refv->w, *ww = fr->refw->w;
  coeffs2d all[MF_MAX_POPS];
  mf_status status = all_coefficients(fr, y, all);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++) {
    const coeffs2d c = all[p];
    const double Db = mf_model_diffusion(&fr->model.pop[p]) / (c.bv * c.bv);
    double *d = fr->lu_d + (size_t)p * nv * nw, *l = fr->lu_l + (size_t)p * nv * nw, *up = fr->lu_u + (size_t)p * nv * nw;
    /* The w-outflow of each cell, d(-(flux_j - flux_{j-1})/ww_j)/d rt_j = -(cm_j + cp_{j-1}) / ww_j, first into d. */
    for (int i = 0; i < nv; i++) {
      weights_w(fr, p, &c, c.av + c.bv * fr->refv->x[i]);
      for (int j = 0; j < nw; j++)
        d[(size_t)j * nv + i] = ((j < nw - 1 ? fr->bm[j] : 0.0) + (j > 0 ? fr->bp[j - 1] : 0.0)) / ww[j];
    }
    /* Then, per eta-line, I - gamma_bdf T with T the v-stencil plus that diagonal, factored (Thomas). */
    for (int j = 0; j < nw; j++) {
      weights_v(fr, p, &c, c.aw + c.bw * fr->refw->x[j]);
      double *dj = d + (size_t)j * nv, *lj = l + (size_t)j * nv, *uj = up + (size_t)j * nv;
      for (int i = 0; i < nv; i++) {
        const double right = i < nv - 1 ? Db / fr->hv[i] : 0.0, left = i > 0 ? Db / fr->hv[i - 1] : 0.0;
        const double out = (i < nv - 1 ? right * fr->bm[i] : 0.0) + (i > 0 ? left * fr->bp[i - 1] : 0.0);
        const double mdiag = 1.0 + gamma_bdf * (out / wv[i] + dj[i]);
        uj[i] = i < nv - 1 ? -gamma_bdf * right * fr->bp[i] / wv[i] : 0.0;
        if (i == 0) {
          lj[i] = 0.0, dj[i] = mdiag;
        } else {
          lj[i] = -gamma_bdf * left * fr->bm[i - 1] / wv[i] / dj[i - 1];
          dj[i] = mdiag - lj[i] * uj[i - 1];
        }
        if (!(dj[i] > 0.0)) return mf_error(MF_ERECOVER, "zero pivot in the (v, w) preconditioner");
      }
    }
    const double *rt = block_of(fr, y, p);
    double mass = 0.0;
    for (size_t k = 0; k < (size_t)nv * nw; k++) mass += fr->area[k] * fmax(rt[k], 0.0);
    for (size_t k = 0; k < (size_t)nv * nw; k++) fr->shape[(size_t)p * nv * nw + k] = fmax(rt[k], 0.0) / mass;
    const mf_recovery *r = &fr->model.pop[p].w;
    const double Dw = 0.5 * r->sigma_w * r->sigma_w;
    if (fr->box) { /* constant frame variables: their rows of I - gamma_bdf J are the identity's */
      for (int k = 0; k < 4; k++) fr->frame_diag[k * P + p] = 1.0;
      continue;
    }
    fr->frame_diag[p] = fmax(0.5, 1.0 - gamma_bdf * c.kappa_v);
    fr->frame_diag[P + p] = fmax(0.5, 1.0 - gamma_bdf * (c.kappa_v - mf_model_diffusion(&fr->model.pop[p]) / c.var_v));
    fr->frame_diag[2 * P + p] = 1.0 + gamma_bdf * r->epsilon * r->b;
    fr->frame_diag[3 * P + p] = 1.0 + gamma_bdf * (r->epsilon * r->b + Dw / c.var_w);
  }
  return MF_OK;
}

void mf_frame2d_prec_solve(const mf_frame2d *fr, const double *r, double *z)
{
  const int P = fr->P, nv = fr->nv, nw = fr->nw;
  for (int line = 0; line < P * nw; line++) {
    const size_t o = (size_t)line * nv;
    const double *d = fr->lu_d + o, *l = fr->lu_l + o, *up = fr->lu_u + o, *rp = r + o;
    double *zp = z + o;
    zp[0] = rp[0];
    for (int i = 1; i < nv; i++) zp[i] = rp[i] - l[i] * zp[i - 1];
    zp[nv - 1] /= d[nv - 1];
    for (int i = nv - 2; i >= 0; i--) zp[i] = (zp[i] - up[i] * zp[i + 1]) / d[i];
  }
  /* The line solves leave out the w-inflow from the neighbouring lines, so
   * they do not keep a block's mass sum_k area_k z_k equal to that of r.  A
   * rank-one correction along the density at setup (fixed between setups, so
   * the preconditioner stays linear) restores it: J has zero weighted column
   * sums, Newton residuals have zero mass, and then so has every Krylov
   * vector and every Newton correction -- mass is kept to round-off. */
  const size_t block = (size_t)nv * nw;
  for (int p = 0; p < P; p++) {
    const double *rp = r + p * block, *u = fr->shape + p * block;
    double *zp = z + p * block, defect = 0.0;
    for (size_t k = 0; k < block; k++) defect += fr->area[k] * (rp[k] - zp[k]);
    for (size_t k = 0; k < block; k++) zp[k] += defect * u[k];
  }
  const size_t N = (size_t)P * block;
  for (int k = 0; k < 4 * P; k++) z[N + k] = r[N + k] / fr->frame_diag[k];
}
