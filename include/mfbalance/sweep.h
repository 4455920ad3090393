/* sweep.h -- the gamma sweep: numerical verification of the balance theorem
 * (MODEL.md section 3, docs/balance.md).
 *
 * For each gamma the mean-field equation is integrated from the configured
 * initial data until it is stationary, ||d rho/dt||_1 / gamma below a
 * tolerance (per unit of the fast time tau = gamma t), or until t_end.
 * Measured per population: mean, mode, s.d., their distance to the balance
 * voltage x* (the attracting balance point nearest the final means), the
 * width ratio sd sqrt(2 gamma A*) / sigma (1 if the Gaussian width law
 * holds), and the collapse time, the first t with |mean_p - x*_p| < radius
 * for every p (located by CVODE's root finding).  With electrical coupling
 * alone (the consensus line) x* is the common value c = sum_p pi_p mean_p
 * reached (pi the Laplacian's left null vector), A* = G_p, and the collapse
 * time is the first t with every two means closer than the radius: the
 * laws are then |mean_p - c| ~ 1/gamma and sd ~ gamma^-1/2.  Power laws
 * y = c gamma^s are then fitted by linear least squares on log-log axes
 * (LAPACK dgels).
 */
#ifndef MFBALANCE_SWEEP_H
#define MFBALANCE_SWEEP_H

#include "mfbalance/model.h"
#include "mfbalance/status.h"

#define MF_SWEEP_MAX_GAMMAS 64

typedef struct {
  int ngammas;                       /* number of coupling strengths */
  double gammas[MF_SWEEP_MAX_GAMMAS];/* coupling strengths, > 0 */
  double stationary_tol;             /* stop when ||d rho/dt||_1 / gamma < this */
  double collapse_radius;            /* the collapse time's distance to x* */
  int refine;                        /* 1: refine the grid around the attracting balance points */
  double cells_per_sd;               /* fine cells per predicted s.d. when refining */
} mf_sweep_opts;

typedef struct {
  double gamma;
  int ncells;                   /* cells of the grid used */
  double xstar[MF_MAX_POPS];    /* balance voltage reached */
  double Astar[MF_MAX_POPS];    /* A*_p = sum_q g_pq S_q(x*_q) */
  double mean[MF_MAX_POPS], mode[MF_MAX_POPS], sd[MF_MAX_POPS];
  double width_ratio[MF_MAX_POPS];   /* sd sqrt(2 gamma A*) / sigma */
  double cells_per_sd[MF_MAX_POPS];  /* measured sd / width of the cell holding the mode */
  double collapse_time;         /* NAN if never within the radius */
  double t_final;               /* time at which the run stopped */
  int stationary;               /* 1 if the stationarity test was met before t_end */
  int consensus;                /* 1: electrical coupling alone, xstar is the consensus value */
  long steps;                   /* CVODE steps */
  double wall_seconds;          /* time inside CVODE */
} mf_sweep_row;

typedef struct {
  double slope;    /* s in y = c gamma^s */
  double constant; /* c */
  int n;           /* points used (non-positive or non-finite y are left out) */
} mf_power_fit;

struct mf_config;

/* One gamma of the sweep of cfg (cfg->model.gamma is replaced by gamma).
 * Returns MF_OK, MF_ENUMERIC with a message when the integration fails or
 * no balance point is found, or another error. */
mf_status mf_sweep_one(const struct mf_config *cfg, double gamma, mf_sweep_row *row);

/* Least-squares fit of log y = log c + s log x over the n pairs with y > 0
 * (LAPACK dgels).  MF_EINPUT if fewer than 2 pairs remain or their x are all
 * equal. */
mf_status mf_power_fit_compute(const double *x, const double *y, int n, mf_power_fit *fit);

#endif
