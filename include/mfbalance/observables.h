/* observables.h -- what is measured on a density, and how it is written.
 *
 * Per population: mass, mean, standard deviation and mode of rho_p (cell
 * quadrature, the mode refined inside its cell by the parabola through three
 * neighbouring cells), the activity m_p and the coupling A_p, V_p it feels.
 * The CSV writers take an open stream; files are made by output.h.
 */
#ifndef MFBALANCE_OBSERVABLES_H
#define MFBALANCE_OBSERVABLES_H

#include "mfbalance/balance.h"
#include "mfbalance/frame2d.h"
#include "mfbalance/fv.h"
#include "mfbalance/integrator.h"
#include "mfbalance/particles.h"
#include "mfbalance/sweep.h"

#include <stdio.h>

typedef struct {
  double mass; /* sum_i w_i rho_i */
  double mean; /* sum_i w_i x_i rho_i / mass */
  double sd;   /* standard deviation about the mean */
  double mode; /* location of the maximum, sub-cell accurate */
  double m;    /* activity m_p = sum_i w_i S_p(x_i) rho_i */
  double A;    /* stiffness A_p = sum_q g_pq m_q */
  double V;    /* target voltage V_p = C_p / A_p (NaN when A_p = 0) */
} mf_pop_observables;

/* Mass, mean, sd and mode of one density rho on grid (cell averages) into
 * o; m, A and V are left alone. */
void mf_observables_density(const mf_grid *grid, const double *rho, mf_pop_observables *o);

/* The observables of every population of rho (length P*n) into obs (length P). */
void mf_observables_compute(const mf_fv *fv, const double *rho, mf_pop_observables *obs);

/* The observables of a particle state, in the same terms: mean and sd from
 * the samples (exact sums of the sums over blocks of 512, exactsum.h), m from the samples, A and V from m and the sample
 * means (which C_p needs with electrical coupling), mass = share of the samples
 * inside the grid, mode from the histogram on the grid (refined by the same
 * parabola).  density (length P * grid->n) receives the normalised
 * histograms, count / (n_p w_i).  With a network shared by several ranks
 * (particles.h) a collective: the sums and histograms are the network's,
 * the same bits as with one rank. */
void mf_observables_particles(const mf_particles *ps, const mf_grid *grid, mf_pop_observables *obs, double *density);

/* The 1-Wasserstein distance int |F_n - F| dx between the empirical measure
 * of the n sorted samples x and the density rho on grid (cell averages,
 * normalised here by their mass; its CDF F is piecewise linear in each
 * cell).  Exact for these two measures: the integrand is integrated in
 * closed form between consecutive samples and faces.  O((n + cells) log cells). */
double mf_wasserstein1(const mf_grid *grid, const double *rho, const double *x, long n);

/* The 1-Wasserstein distance between the empirical measure of x and the
 * Dirac mass at x0: the mean of |x_i - x0|. */
double mf_wasserstein1_dirac(const double *x, long n, double x0);

/* particles summary.csv: one row per population. */
void mf_particles_summary_write(FILE *out, const mf_model *model, const mf_particles *ps,
                                const mf_pop_observables *obs, const double *xstar, const char *scheme, double dt,
                                unsigned long long seed, int threads, double wall, const char *status);

/* observables.csv: the header `t,mass_E,mean_E,...` and one row per time. */
void mf_observables_write_header(FILE *out, const mf_model *model);
void mf_observables_write_row(FILE *out, double t, const mf_model *model, const mf_pop_observables *obs);

/* density.csv in long format: header `t,population,x,width,rho`, then the
 * rows of one snapshot (cell centre, cell width, density). */
void mf_density_write_header(FILE *out);
void mf_density_write_population(FILE *out, double t, const char *name, const mf_grid *grid, const double *rho);
void mf_density_write(FILE *out, double t, const mf_fv *fv, const double *rho);
void mf_density_write_grid(FILE *out, double t, const mf_model *model, const mf_grid *grid, const double *rho);

/* FitzHugh-Nagumo runs.  fhn.csv: header `t,population,mass,mean_v,sd_v,
 * mean_w,sd_w,cov_vw,m,A,V`, one row per population and time (mom: the
 * moments in (v, w), obs: m, A, V). */
void mf_fhn_write_header(FILE *out);
void mf_fhn_write_row(FILE *out, double t, const char *name, const mf_moments2d *mom, const mf_pop_observables *obs);
/* marginals.csv in long format: header `t,population,variable,x,width,rho`,
 * then one marginal (variable "v" or "w") on its cells. */
void mf_marginals_write_header(FILE *out);
void mf_marginals_write(FILE *out, double t, const char *name, const char *variable, const mf_grid *grid,
                        const double *rho);
/* density2d.csv: header `t,population,v,w,width_v,width_w,rho`, then
 * rho (length gv->n gw->n, v fastest) on the cells gv x gw. */
void mf_density2d_write_header(FILE *out);
void mf_density2d_write(FILE *out, double t, const char *name, const mf_grid *gv, const mf_grid *gw,
                        const double *rho);

/* What summary.csv says about a run besides its observables. */
typedef struct {
  const char *discretisation; /* "moving" or "fixed" */
  const char *linsol;         /* the linear solver's name */
  double frame_outside;       /* moving: most mass held beyond the walls (0 for fixed) */
  double frame_edge;          /* moving: largest density at a frame edge / maximum (0 for fixed) */
  const char *status;         /* "ok" or "failed" */
} mf_summary_info;

/* summary.csv: one row per population with the final observables, the
 * balance voltage xstar (length P; NULL leaves the column empty), the
 * solver statistics and info. */
void mf_summary_write(FILE *out, const mf_model *model, const mf_pop_observables *obs, const double *xstar,
                      const mf_integrator_stats *stats, const mf_summary_info *info);

/* balance.csv: one row per balance point: index, stability, method,
 * residual, x_P..., A_P..., the eigenvalues eig_re_k, eig_im_k and, for
 * FitzHugh-Nagumo models, w_P... = (x*_P + a_P) / b_P. */
void mf_balance_write(FILE *out, const mf_model *model, const mf_balance_point *points, int count);

/* sweep.csv: header, and the rows of one gamma (one per population). */
void mf_sweep_write_header(FILE *out);
void mf_sweep_write_row(FILE *out, const mf_model *model, const mf_sweep_row *row);

/* sweep_fit.csv: header `quantity,population,slope,constant,points`, then one fit per row. */
void mf_fit_write_header(FILE *out);
void mf_fit_write_row(FILE *out, const char *quantity, const char *population, const mf_power_fit *fit);

#endif
