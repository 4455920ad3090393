/* solver.c -- the mean-field equation on the configured discretisation
 * (solver.h): a moving frame per population (frame.c), one fixed grid
 * (fv.c), or for FitzHugh-Nagumo neurons a moving (v, w) frame per
 * population or the fixed (v, w) box (both frame2d.c), all integrated by integrator.c.  This module only
 * chooses and translates: the numerics live in those four. */
#include "mfbalance/solver.h"

#include "mfbalance/fv.h"
#include "mfbalance/frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_solver {
  mf_model model;
  mf_grid_method method;
  mf_fv *fv;           /* fixed grid, or NULL */
  mf_frame *frame;     /* moving frames, or NULL */
  mf_frame2d *frame2d; /* FitzHugh-Nagumo (v, w) frames or box, or NULL */
  mf_grid *cells_w[MF_MAX_POPS]; /* FHN: each population's current w-cells */
  double *rho_w;       /* FHN: w-marginals, P rows of cells_w */
  const mf_grid *grid; /* fixed: the grid */
  mf_grid *cells[MF_MAX_POPS]; /* moving: each population's current cells */
  double *rho;         /* moving: densities in x, P rows of n */
  double *work;        /* state-sized workspace (the rate) */
  mf_integrator *integ;
  mf_linsol linsol;
  mf_solver_event_fn event_fn;
  void *event_user;
};

mf_discretisation mf_config_discretisation(const mf_config *cfg, const mf_grid *grid)
{
  return (mf_discretisation){.method = cfg->grid_method, .grid = grid, .cells = cfg->moving_cells,
                             .halfwidth = cfg->moving_halfwidth, .cells_v = cfg->cells_v, .cells_w = cfg->cells_w,
                             .w_transport = cfg->w_transport, .box = {cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax}};
}

void mf_solver_free(mf_solver *s)
{
  if (!s) return;
  mf_integrator_free(s->integ);
  mf_fv_free(s->fv);
  mf_frame_free(s->frame);
  mf_frame2d_free(s->frame2d);
  for (int p = 0; p < MF_MAX_POPS; p++) mf_grid_free(s->cells[p]), mf_grid_free(s->cells_w[p]);
  free(s->rho);
  free(s->rho_w);
  free(s->work);
  free(s);
}

static mf_status frame_rhs(void *data, const double *y, double *dy) { return mf_frame_rhs(data, y, dy); }
static mf_status frame_prec_setup(void *data, const double *y, double gamma_bdf)
{
  return mf_frame_prec_setup(data, y, gamma_bdf);
}
static void frame_prec_solve(void *data, const double *r, double *z) { mf_frame_prec_solve(data, r, z); }
static void frame_error_weights(void *data, const double *y, double rtol, double atol, double *ewt)
{
  mf_frame_error_weights(data, y, rtol, atol, ewt);
}

static mf_status frame2d_rhs(void *data, const double *y, double *dy) { return mf_frame2d_rhs(data, y, dy); }
static mf_status frame2d_prec_setup(void *data, const double *y, double gamma_bdf)
{
  return mf_frame2d_prec_setup(data, y, gamma_bdf);
}
static void frame2d_prec_solve(void *data, const double *r, double *z) { mf_frame2d_prec_solve(data, r, z); }
static void frame2d_error_weights(void *data, const double *y, double rtol, double atol, double *ewt)
{
  mf_frame2d_error_weights(data, y, rtol, atol, ewt);
}

/* Refresh the moving cells and densities from the integrator's state. */
static void update_views(mf_solver *s)
{
  if (s->method != MF_GRID_MOVING && !s->frame2d) return;
  const double *y = mf_integrator_state(s->integ);
  if (s->frame2d) {
    const int nv = mf_frame2d_reference_v(s->frame2d)->n, nw = mf_frame2d_reference_w(s->frame2d)->n;
    for (int p = 0; p < s->model.P; p++)
      mf_frame2d_marginals(s->frame2d, y, p, s->cells[p], s->rho + (size_t)p * nv, s->cells_w[p],
                           s->rho_w + (size_t)p * nw);
    return;
  }
  const int n = mf_frame_cells(s->frame);
  for (int p = 0; p < s->model.P; p++) mf_frame_population(s->frame, y, p, s->cells[p], s->rho + (size_t)p * n);
}

static mf_solver *create_moving(mf_solver *s, const mf_discretisation *disc, const mf_integrator_opts *opts)
{
  if (!(s->frame = mf_frame_create(&s->model, disc->cells, disc->halfwidth))) return NULL;
  const int P = s->model.P, n = disc->cells, N = mf_frame_size(s->frame);
  s->rho = malloc((size_t)P * (size_t)n * sizeof *s->rho);
  s->work = malloc((size_t)2 * (size_t)N * sizeof *s->work);
  for (int p = 0; p < P; p++) s->cells[p] = mf_grid_create_uniform(-1.0, 1.0, n);
  for (int p = 0; p < P; p++)
    if (!s->cells[p]) goto nomem;
  if (!s->rho || !s->work) goto nomem;
  mf_frame_initial(s->frame, s->work);
  mf_integrator_opts o = *opts;
  o.linsol = MF_LINSOL_GMRES;
  s->linsol = MF_LINSOL_GMRES;
  const mf_system sys = {.data = s->frame, .size = N, .P = P, .n = n, .weights = mf_frame_reference(s->frame)->w,
                         .rhs = frame_rhs,
                         .prec_setup = frame_prec_setup, .prec_solve = frame_prec_solve,
                         .error_weights = frame_error_weights};
  if (!(s->integ = mf_integrator_create_system(&sys, s->work, 0.0, &o))) return NULL;
  update_views(s);
  return s;

nomem:
  mf_error(MF_ENOMEM, "out of memory for the moving frames");
  return NULL;
}

/* The fixed (v, w) box of uniform cells (frame2d.h). */
static mf_frame2d *create_box(const mf_model *model, const mf_discretisation *disc)
{
  mf_grid *gv = mf_grid_create_uniform(disc->box[0], disc->box[1], disc->cells_v);
  mf_grid *gw = mf_grid_create_uniform(disc->box[2], disc->box[3], disc->cells_w);
  mf_frame2d *fr = gv && gw ? mf_frame2d_create_box(model, gv, gw) : NULL;
  mf_grid_free(gv), mf_grid_free(gw);
  return fr;
}

/* FitzHugh-Nagumo: the (v, w) frames or the fixed box, GMRES preconditioned
 * by v-line Thomas solves (frame2d.h).  The frames carry the populations'
 * means, so the O(gamma) nonlocal part of the Jacobian mostly moves the
 * frame variables, which the preconditioner treats by their diagonal; on the
 * box that part falls on the densities and is left to GMRES. */
static mf_solver *create_fhn(mf_solver *s, const mf_discretisation *disc, const mf_integrator_opts *opts)
{
  s->frame2d = disc->method == MF_GRID_MOVING
                   ? mf_frame2d_create(&s->model, disc->cells_v, disc->cells_w, disc->halfwidth, disc->halfwidth)
                   : create_box(&s->model, disc);
  if (!s->frame2d) return NULL;
  mf_frame2d_set_w_transport(s->frame2d, disc->w_transport);
  const int P = s->model.P, nv = disc->cells_v, nw = disc->cells_w, N = mf_frame2d_size(s->frame2d);
  s->rho = malloc((size_t)P * (size_t)nv * sizeof *s->rho);
  s->rho_w = malloc((size_t)P * (size_t)nw * sizeof *s->rho_w);
  s->work = malloc((size_t)N * sizeof *s->work);
  for (int p = 0; p < P; p++) {
    s->cells[p] = mf_grid_create_uniform(-1.0, 1.0, nv);
    s->cells_w[p] = mf_grid_create_uniform(-1.0, 1.0, nw);
    if (!s->cells[p] || !s->cells_w[p]) goto nomem;
  }
  if (!s->rho || !s->rho_w || !s->work) goto nomem;
  mf_frame2d_initial(s->frame2d, s->work);
  mf_integrator_opts o = *opts;
  o.linsol = MF_LINSOL_GMRES;
  s->linsol = MF_LINSOL_GMRES;
  const mf_system sys = {.data = s->frame2d, .size = N, .P = P, .n = nv * nw, .weights = mf_frame2d_weights(s->frame2d),
                         .rhs = frame2d_rhs, .prec_setup = frame2d_prec_setup, .prec_solve = frame2d_prec_solve,
                         .error_weights = frame2d_error_weights};
  if (!(s->integ = mf_integrator_create_system(&sys, s->work, 0.0, &o))) return NULL;
  update_views(s);
  return s;

nomem:
  mf_error(MF_ENOMEM, "out of memory for the (v, w) frames");
  return NULL;
}

mf_solver *mf_solver_create(const mf_model *model, const mf_discretisation *disc, const mf_integrator_opts *opts)
{
  mf_solver *s = calloc(1, sizeof *s);
  if (!s) {
    mf_error(MF_ENOMEM, "out of memory for the solver");
    return NULL;
  }
  s->model = *model;
  s->method = disc->method;
  if (model->neuron == MF_NEURON_FHN) {
    if (!create_fhn(s, disc, opts)) goto fail;
    return s;
  }
  if (disc->method == MF_GRID_MOVING) {
    if (!create_moving(s, disc, opts)) goto fail;
    return s;
  }
  s->grid = disc->grid;
  s->linsol = opts->linsol;
  if (!(s->fv = mf_fv_create(model, disc->grid))) goto fail;
  double *rho0 = malloc((size_t)mf_fv_size(s->fv) * sizeof *rho0);
  if (!rho0) {
    mf_error(MF_ENOMEM, "out of memory for the initial data");
    goto fail;
  }
  mf_fv_initial(s->fv, rho0);
  s->integ = mf_integrator_create(s->fv, rho0, 0.0, opts);
  free(rho0);
  if (!s->integ) goto fail;
  return s;

fail:
  mf_solver_free(s);
  return NULL;
}

mf_status mf_solver_advance(mf_solver *s, double tout)
{
  mf_status status = mf_integrator_advance(s->integ, tout);
  update_views(s);
  return status;
}

static int event_means(double t, const double *y, double *g, void *user)
{
  mf_solver *s = user;
  double mean[MF_MAX_POPS];
  if (s->frame2d) {
    double m[MF_MAX_POPS];
    mf_frame2d_activities(s->frame2d, y, m, mean);
  } else if (s->method == MF_GRID_MOVING) {
    mf_frame_means(s->frame, y, mean);
  } else {
    const mf_grid *grid = s->grid;
    for (int p = 0; p < s->model.P; p++) {
      mf_pop_observables o;
      mf_observables_density(grid, y + (size_t)p * grid->n, &o);
      mean[p] = o.mean;
    }
  }
  return s->event_fn(t, mean, g, s->event_user);
}

mf_status mf_solver_set_events(mf_solver *s, int nevents, mf_solver_event_fn fn, void *user)
{
  s->event_fn = fn;
  s->event_user = user;
  return mf_integrator_set_events(s->integ, nevents, nevents > 0 ? event_means : NULL, s);
}

mf_status mf_solver_advance_until(mf_solver *s, double tout, int *fired, int *which)
{
  mf_status status = mf_integrator_advance_until(s->integ, tout, fired, which);
  update_views(s);
  return status;
}

double mf_solver_time(const mf_solver *s) { return mf_integrator_time(s->integ); }
const mf_model *mf_solver_model(const mf_solver *s) { return &s->model; }

const mf_grid *mf_solver_grid(const mf_solver *s, int p)
{
  return s->method == MF_GRID_MOVING || s->frame2d ? s->cells[p] : s->grid;
}

const double *mf_solver_density(const mf_solver *s, int p)
{
  if (s->frame2d) return s->rho + (size_t)p * s->cells[0]->n;
  if (s->method == MF_GRID_MOVING) return s->rho + (size_t)p * mf_frame_cells(s->frame);
  return mf_integrator_state(s->integ) + (size_t)p * s->grid->n;
}

void mf_solver_observables(const mf_solver *s, mf_pop_observables *obs)
{
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  const double *y = mf_integrator_state(s->integ);
  if (s->frame2d) {
    mf_frame2d_activities(s->frame2d, y, m, xbar);
  } else if (s->method == MF_GRID_MOVING) {
    mf_frame_activities(s->frame, y, m);
    mf_frame_means(s->frame, y, xbar);
  } else {
    mf_fv_activities(s->fv, y, m);
    mf_fv_means(s->fv, y, xbar);
  }
  mf_model_coupling(&s->model, m, xbar, A, C);
  for (int p = 0; p < s->model.P; p++) {
    mf_observables_density(mf_solver_grid(s, p), mf_solver_density(s, p), &obs[p]);
    obs[p].m = m[p];
    obs[p].A = A[p];
    obs[p].V = A[p] > 0.0 ? C[p] / A[p] : NAN;
  }
}

mf_status mf_solver_rate(mf_solver *s, double *rate)
{
  const double *y = mf_integrator_state(s->integ);
  mf_status status;
  if (s->frame2d) return mf_error(MF_EINPUT, "the stationarity rate is not available for FitzHugh-Nagumo models");
  if (s->method == MF_GRID_MOVING) {
    double *dy = s->work;
    if ((status = mf_frame_rhs(s->frame, y, dy)) != MF_OK) return status;
    *rate = mf_frame_rate(s->frame, y, dy);
    return MF_OK;
  }
  const int N = mf_fv_size(s->fv);
  double *dy = s->work;
  if (!dy && !(dy = s->work = malloc((size_t)N * sizeof *dy))) return mf_error(MF_ENOMEM, "out of memory");
  if ((status = mf_fv_rhs(s->fv, y, dy)) != MF_OK) return status;
  double total = 0.0;
  for (int k = 0; k < N; k++) total += s->grid->w[k % s->grid->n] * fabs(dy[k]);
  *rate = total;
  return MF_OK;
}

void mf_solver_frame_check(const mf_solver *s, double xmin, double xmax, double *mass_out, double *edge)
{
  *mass_out = *edge = 0.0;
  if (s->method != MF_GRID_MOVING) return;
  if (s->frame2d) {
    /* The v-marginal's mass beyond [xmin, xmax] and its density at the frame's two ends. */
    for (int p = 0; p < s->model.P; p++) {
      const mf_grid *g = s->cells[p];
      const double *rho = mf_solver_density(s, p);
      double out = 0.0, top = 0.0;
      for (int i = 0; i < g->n; i++) {
        top = fmax(top, rho[i]);
        if (g->faces[i + 1] <= xmin || g->faces[i] >= xmax) out += g->w[i] * rho[i];
        else if (g->faces[i] < xmin) out += (xmin - g->faces[i]) * rho[i];
        else if (g->faces[i + 1] > xmax) out += (g->faces[i + 1] - xmax) * rho[i];
      }
      *mass_out = fmax(*mass_out, out);
      if (top > 0.0) *edge = fmax(*edge, fmax(rho[0], rho[g->n - 1]) / top);
    }
    return;
  }
  for (int p = 0; p < s->model.P; p++) {
    double out, e;
    mf_frame_outside(s->frame, mf_integrator_state(s->integ), p, xmin, xmax, &out, &e);
    *mass_out = fmax(*mass_out, out);
    *edge = fmax(*edge, e);
  }
}

void mf_solver_get_stats(const mf_solver *s, mf_integrator_stats *stats) { mf_integrator_get_stats(s->integ, stats); }

const double *mf_solver_state(const mf_solver *s, long *n)
{
  *n = s->frame2d ? mf_frame2d_size(s->frame2d)
                  : s->method == MF_GRID_MOVING ? mf_frame_size(s->frame) : mf_fv_size(s->fv);
  return mf_integrator_state(s->integ);
}

mf_status mf_solver_restart(mf_solver *s, double t, const double *y)
{
  mf_status status = mf_integrator_restart(s->integ, t, y);
  update_views(s);
  return status;
}

void mf_solver_set_counts(mf_solver *s, const mf_integrator_stats *counts) { mf_integrator_set_counts(s->integ, counts); }

double mf_solver_peclet(const mf_solver *s)
{
  if (s->frame2d) return 0.0; /* frame2d does not record its Peclet numbers */
  return s->method == MF_GRID_MOVING ? mf_frame_peclet(s->frame) : mf_fv_peclet(s->fv);
}

const mf_grid *mf_solver_grid_w(const mf_solver *s, int p) { return s->frame2d ? s->cells_w[p] : NULL; }

const double *mf_solver_density_w(const mf_solver *s, int p)
{
  return s->frame2d ? s->rho_w + (size_t)p * s->cells_w[0]->n : NULL;
}

mf_status mf_solver_moments2d(const mf_solver *s, int p, mf_moments2d *mom)
{
  if (!s->frame2d) return mf_error(MF_EINPUT, "moments in (v, w) are for FitzHugh-Nagumo models");
  mf_frame2d_moments(s->frame2d, mf_integrator_state(s->integ), p, mom);
  return MF_OK;
}

mf_status mf_solver_density2d(const mf_solver *s, int p, double *rho)
{
  if (!s->frame2d) return mf_error(MF_EINPUT, "the (v, w) density is for FitzHugh-Nagumo models");
  /* The state holds rho bv bw on the reference cells; the physical cell widths are bv wv_i, bw ww_j. */
  const int nv = s->cells[p]->n, nw = s->cells_w[p]->n;
  const double *rt = mf_integrator_state(s->integ) + (size_t)p * nv * nw;
  const double *wv = mf_frame2d_reference_v(s->frame2d)->w, *ww = mf_frame2d_reference_w(s->frame2d)->w;
  const double bv = s->cells[p]->w[0] / wv[0], bw = s->cells_w[p]->w[0] / ww[0];
  for (size_t k = 0; k < (size_t)nv * nw; k++) rho[k] = rt[k] / (bv * bw);
  return MF_OK;
}

double mf_solver_min_density(const mf_solver *s)
{
  const double *y = mf_integrator_state(s->integ);
  size_t n = 0;
  if (s->frame2d) n = (size_t)s->model.P * s->cells[0]->n * s->cells_w[0]->n;
  else if (s->method == MF_GRID_MOVING) n = (size_t)s->model.P * mf_frame_cells(s->frame);
  else n = (size_t)s->model.P * s->grid->n;
  double least = INFINITY;
  for (size_t k = 0; k < n; k++) least = fmin(least, y[k]);
  return least;
}

const char *mf_solver_method_name(const mf_solver *s) { return s->method == MF_GRID_MOVING ? "moving" : "fixed"; }
mf_linsol mf_solver_linsol(const mf_solver *s) { return s->linsol; }
