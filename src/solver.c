/* solver.c -- the mean-field equation on the configured discretisation
 * (solver.h): a moving frame per population (frame.c) or one fixed grid
 * (fv.c), both integrated by integrator.c.  This module only chooses and
 * translates: the numerics live in those three. */
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
                             .halfwidth = cfg->moving_halfwidth};
}

void mf_solver_free(mf_solver *s)
{
  if (!s) return;
  mf_integrator_free(s->integ);
  mf_fv_free(s->fv);
  mf_frame_free(s->frame);
  for (int p = 0; p < MF_MAX_POPS; p++) mf_grid_free(s->cells[p]);
  free(s->rho);
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

/* Refresh the moving cells and densities from the integrator's state. */
static void update_views(mf_solver *s)
{
  if (s->method != MF_GRID_MOVING) return;
  const double *y = mf_integrator_state(s->integ);
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

mf_solver *mf_solver_create(const mf_model *model, const mf_discretisation *disc, const mf_integrator_opts *opts)
{
  mf_solver *s = calloc(1, sizeof *s);
  if (!s) {
    mf_error(MF_ENOMEM, "out of memory for the solver");
    return NULL;
  }
  s->model = *model;
  s->method = disc->method;
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
  if (s->method == MF_GRID_MOVING) {
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
  return s->method == MF_GRID_MOVING ? s->cells[p] : s->grid;
}

const double *mf_solver_density(const mf_solver *s, int p)
{
  if (s->method == MF_GRID_MOVING) return s->rho + (size_t)p * mf_frame_cells(s->frame);
  return mf_integrator_state(s->integ) + (size_t)p * s->grid->n;
}

void mf_solver_observables(const mf_solver *s, mf_pop_observables *obs)
{
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  const double *y = mf_integrator_state(s->integ);
  if (s->method == MF_GRID_MOVING) {
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
  *n = s->method == MF_GRID_MOVING ? mf_frame_size(s->frame) : mf_fv_size(s->fv);
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
  return s->method == MF_GRID_MOVING ? mf_frame_peclet(s->frame) : mf_fv_peclet(s->fv);
}

const char *mf_solver_method_name(const mf_solver *s) { return s->method == MF_GRID_MOVING ? "moving" : "fixed"; }
mf_linsol mf_solver_linsol(const mf_solver *s) { return s->linsol; }
