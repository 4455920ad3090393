/* solver.h -- the mean-field equation, discretised and integrated: what the
 * jobs (run, sweep, compare) use, whatever the discretisation.
 *
 *   MF_GRID_MOVING  one affine frame per population that follows its mean
 *                   and s.d. (frame.h), preconditioned GMRES;
 *   MF_GRID_FIXED   one fixed grid for every population (fv.h), with the
 *                   configured direct linear solver.
 *
 * A FitzHugh-Nagumo model (neuron = MF_NEURON_FHN) is solved in (v, w) on
 * moving frames, or with MF_GRID_FIXED on the fixed box (both frame2d.h),
 * with preconditioned GMRES; the cells and
 * densities shown are then the v-marginals, and the w-marginals, moments in
 * (v, w) and the full density have their own accessors below.
 *
 * Either way the solver shows, after every advance, each population's
 * current cells (an mf_grid: faces, centres, widths in x) and the densities
 * on them, and measures the same observables.
 */
#ifndef MFBALANCE_SOLVER_H
#define MFBALANCE_SOLVER_H

#include "mfbalance/config.h"
#include "mfbalance/frame2d.h"
#include "mfbalance/grid.h"
#include "mfbalance/integrator.h"
#include "mfbalance/model.h"
#include "mfbalance/observables.h"
#include "mfbalance/status.h"

typedef struct {
  mf_grid_method method;
  const mf_grid *grid; /* fixed: the grid (referenced, must outlive the solver) */
  int cells;           /* moving: cells per population */
  double halfwidth;    /* moving: half-width of each frame, in s.d. (FHN: of v and of w) */
  int cells_v, cells_w; /* FHN: cells of each (v, w) frame in v and in w */
  mf_w_transport w_transport; /* FHN: w-fluxes of populations with sigma_w = 0 */
  double box[4];        /* FHN, fixed: vmin, vmax, wmin, wmax of the box of cells_v x cells_w uniform cells */
} mf_discretisation;

typedef struct mf_solver mf_solver;

/* The discretisation a configuration asks for; for a fixed one, grid is
 * the configuration's grid (mf_config_grid), owned by the caller. */
mf_discretisation mf_config_discretisation(const mf_config *cfg, const mf_grid *grid);

/* A solver of model from its initial data at t = 0.  The model is copied.
 * With a moving frame the linear solver is always GMRES (opts->linsol is
 * ignored).  NULL (with a message) on invalid input or out of memory. */
mf_solver *mf_solver_create(const mf_model *model, const mf_discretisation *disc, const mf_integrator_opts *opts);

/* Frees the solver; mf_solver_free(NULL) does nothing. */
void mf_solver_free(mf_solver *s);

/* Integrate to tout.  MF_OK, or MF_ENUMERIC with a message (the state is
 * then the last one accepted, and the solver must not be advanced again). */
mf_status mf_solver_advance(mf_solver *s, double tout);

/* Event functions of the means of the populations (length P). */
typedef int (*mf_solver_event_fn)(double t, const double *means, double *g, void *user);

/* Watch nevents event functions (mf_integrator_set_events). */
mf_status mf_solver_set_events(mf_solver *s, int nevents, mf_solver_event_fn fn, void *user);

/* Integrate to tout or to the first event (mf_integrator_advance_until). */
mf_status mf_solver_advance_until(mf_solver *s, double tout, int *fired, int *which);

double mf_solver_time(const mf_solver *s);
const mf_model *mf_solver_model(const mf_solver *s);

/* Population p's cells and densities at the current time (valid until the
 * next advance). */
const mf_grid *mf_solver_grid(const mf_solver *s, int p);
const double *mf_solver_density(const mf_solver *s, int p);

/* The observables of every population at the current time (length P). */
void mf_solver_observables(const mf_solver *s, mf_pop_observables *obs);

/* ||d rho/dt||_1 summed over the populations at the current time (the
 * sweep's stationarity test).  MF_OK, or the right-hand side's error. */
mf_status mf_solver_rate(mf_solver *s, double *rate);

/* The largest, over the populations, mass a moving frame holds outside the
 * walls [xmin, xmax] and density at its edges relative to its maximum;
 * both 0 for a fixed grid. */
void mf_solver_frame_check(const mf_solver *s, double xmin, double xmax, double *mass_out, double *edge);

void mf_solver_get_stats(const mf_solver *s, mf_integrator_stats *stats);

/* FitzHugh-Nagumo models only (the functions return NULL, or MF_EINPUT, for
 * a one-dimensional one).  Population p's w-cells and w-marginal density
 * (valid until the next advance); its moments in (v, w); its full density
 * rho(v_i, w_j) on the cells mf_solver_grid x mf_solver_grid_w, into rho
 * (length cells_v cells_w, v fastest); and the least density value of any
 * population (the positivity check). */
const mf_grid *mf_solver_grid_w(const mf_solver *s, int p);
const double *mf_solver_density_w(const mf_solver *s, int p);
mf_status mf_solver_moments2d(const mf_solver *s, int p, mf_moments2d *mom);
mf_status mf_solver_density2d(const mf_solver *s, int p, double *rho);
double mf_solver_min_density(const mf_solver *s);

/* The largest cell Peclet number the fluxes have met (mf_fv_peclet). */
double mf_solver_peclet(const mf_solver *s);

/* "moving" or "fixed", and the linear solver in use. */
const char *mf_solver_method_name(const mf_solver *s);
mf_linsol mf_solver_linsol(const mf_solver *s);

/* The whole state vector (n numbers: the densities, and on moving frames
 * the frames' a and b too; frame.h, fv.h), valid until the next advance. */
const double *mf_solver_state(const mf_solver *s, long *n);

/* Restart the time integration at t from a state of mf_solver_state's
 * layout (mf_integrator_restart).  MF_OK or MF_EBUG. */
mf_status mf_solver_restart(mf_solver *s, double t, const double *y);

/* The solver statistics a resumed run starts from (mf_integrator_set_counts). */
void mf_solver_set_counts(mf_solver *s, const mf_integrator_stats *counts);

#endif
