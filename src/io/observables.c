/* observables.c -- moments, mode and coupling of the densities, and the CSV
 * files that carry them (observables.h).  Numbers that users analyse are
 * printed with 17 significant digits; density values with 12. */
#include "mfbalance/observables.h"
#include "mfbalance/exactsum.h"
#include "mfbalance/fhn_limit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Vertex of the parabola through (a, fa), (b, fb), (c, fc); b if degenerate. */
static double parabola_vertex(double a, double b, double c, double fa, double fb, double fc)
{
  double num = (b - a) * (b - a) * (fb - fc) - (b - c) * (b - c) * (fb - fa);
  double den = (b - a) * (fb - fc) - (b - c) * (fb - fa);
  if (den == 0.0) return b;
  double v = b - 0.5 * num / den;
  return v >= a && v <= c ? v : b;
}

/* Mode of a density on the grid: the largest cell, refined by a parabola. */
static double density_mode(const mf_grid *grid, const double *r)
{
  const int n = grid->n;
  int imax = 0;
  for (int i = 0; i < n; i++)
    if (r[i] > r[imax]) imax = i;
  if (imax == 0 || imax == n - 1) return grid->x[imax];
  return parabola_vertex(grid->x[imax - 1], grid->x[imax], grid->x[imax + 1], r[imax - 1], r[imax], r[imax + 1]);
}

void mf_observables_density(const mf_grid *grid, const double *r, mf_pop_observables *o)
{
  const int n = grid->n;
  double mass = 0.0, first = 0.0;
  for (int i = 0; i < n; i++) {
    mass += grid->w[i] * r[i];
    first += grid->w[i] * grid->x[i] * r[i];
  }
  double mean = first / mass, second = 0.0;
  /* Central second moment, summed about the mean to avoid cancellation. */
  for (int i = 0; i < n; i++) second += grid->w[i] * (grid->x[i] - mean) * (grid->x[i] - mean) * r[i];
  o->mass = mass;
  o->mean = mean;
  o->sd = sqrt(second / mass);
  o->mode = density_mode(grid, r);
}

void mf_observables_compute(const mf_fv *fv, const double *rho, mf_pop_observables *obs)
{
  const mf_model *model = mf_fv_model(fv);
  const mf_grid *grid = mf_fv_grid(fv);
  double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
  double xbar[MF_MAX_POPS];
  mf_fv_activities(fv, rho, m);
  mf_fv_means(fv, rho, xbar);
  mf_model_coupling(model, m, xbar, A, C);
  for (int p = 0; p < model->P; p++) {
    mf_pop_observables *o = &obs[p];
    mf_observables_density(grid, rho + (size_t)p * grid->n, o);
    o->m = m[p];
    o->A = A[p];
    o->V = A[p] > 0.0 ? C[p] / A[p] : NAN;
  }
}

/* The exact sum over population p's held voltages of (x - c)^power (power 1
 * or 2), as the sum of blocks of MF_PARTICLE_BLOCK neurons summed in
 * order: the same bits for any split of the network into ranks, whose
 * shares start at block boundaries (particles.h). */
static void block_sum(const double *x, long held, double c, int power, mf_exactsum *s)
{
  mf_exactsum_clear(s);
  for (long b = 0; b < held; b += MF_PARTICLE_BLOCK) {
    const long end = b + MF_PARTICLE_BLOCK < held ? b + MF_PARTICLE_BLOCK : held;
    double part = 0.0;
    if (power == 1)
      for (long i = b; i < end; i++) part += x[i] - c;
    else
      for (long i = b; i < end; i++) part += (x[i] - c) * (x[i] - c);
    mf_exactsum_add(s, part);
  }
}

void mf_observables_particles(const mf_particles *ps, const mf_grid *grid, mf_pop_observables *obs, double *density)
{
  double m[MF_MAX_POPS], xbar[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS], mean[MF_MAX_POPS];
  mf_exactsum sum[MF_MAX_POPS];
  mf_particles_activities(ps, m);
  mf_particles_means(ps, xbar);
  const mf_model *model = mf_particles_model(ps);
  const int P = model->P;
  mf_model_coupling(model, m, xbar, A, C);
  /* (The sums over ranks cannot fail but through MPI, whose default handler ends the job.) */
  /* Means, then deviations from them: the network's sums (collectives with several ranks). */
  for (int p = 0; p < P; p++) block_sum(mf_particles_voltages(ps, p), mf_particles_held(ps, p), 0.0, 1, &sum[p]);
  mf_particles_sum_exact(ps, sum, P);
  for (int p = 0; p < P; p++) mean[p] = mf_exactsum_value(&sum[p]) / (double)mf_particles_count(ps, p);
  for (int p = 0; p < P; p++) block_sum(mf_particles_voltages(ps, p), mf_particles_held(ps, p), mean[p], 2, &sum[p]);
  mf_particles_sum_exact(ps, sum, P);
  /* Histograms: counts of neurons per cell (and inside the grid, the last P entries), added over the ranks. */
  double inside[MF_MAX_POPS];
  for (int p = 0; p < P; p++) {
    const double *x = mf_particles_voltages(ps, p);
    double *r = density + (size_t)p * grid->n;
    memset(r, 0, (size_t)grid->n * sizeof(double));
    inside[p] = 0.0;
    for (long i = 0; i < mf_particles_held(ps, p); i++) {
      if (x[i] < grid->faces[0] || x[i] > grid->faces[grid->n]) continue;
      r[mf_grid_locate(grid, x[i])] += 1.0;
      inside[p] += 1.0;
    }
  }
  mf_particles_sum_counts(ps, density, (long)P * grid->n);
  mf_particles_sum_counts(ps, inside, P);
  for (int p = 0; p < P; p++) {
    const long count = mf_particles_count(ps, p);
    double *r = density + (size_t)p * grid->n;
    for (int i = 0; i < grid->n; i++) r[i] /= (double)count * grid->w[i];
    mf_pop_observables *o = &obs[p];
    o->mass = inside[p] / (double)count;
    o->mean = mean[p];
    o->sd = sqrt(mf_exactsum_value(&sum[p]) / (double)count);
    o->mode = density_mode(grid, r);
    o->m = m[p];
    o->A = A[p];
    o->V = A[p] > 0.0 ? C[p] / A[p] : NAN;
  }
}

/* CDF of rho at x, with cum[c] the mass left of face c and total the mass. */
static double density_cdf(const mf_grid *grid, const double *rho, const double *cum, double total, double x)
{
  if (x <= grid->faces[0]) return 0.0;
  if (x >= grid->faces[grid->n]) return 1.0;
  int c = mf_grid_locate(grid, x);
  return (cum[c] + rho[c] * (x - grid->faces[c])) / total;
}

/* int_u^v |L(x) - level| dx for L linear with L(u) - level = a, L(v) - level = b. */
static double abs_linear_integral(double a, double b, double width)
{
  if ((a >= 0.0) == (b >= 0.0)) return 0.5 * (fabs(a) + fabs(b)) * width;
  return 0.5 * (a * a + b * b) / (fabs(a) + fabs(b)) * width; /* the sign changes inside */
}

double mf_wasserstein1(const mf_grid *grid, const double *rho, const double *x, long n)
{
  const int N = grid->n;
  double *cum = malloc((size_t)(N + 1) * sizeof *cum);
  if (!cum) return NAN;
  cum[0] = 0.0;
  for (int c = 0; c < N; c++) cum[c + 1] = cum[c] + grid->w[c] * rho[c];
  const double total = cum[N];
  /* Walk the merged breakpoints (faces and samples); between two of them
   * F_n is the constant k/n and F is linear. */
  long k = 0;
  int f = 0;
  double pos = fmin(grid->faces[0], n > 0 ? x[0] : grid->faces[0]);
  double w1 = 0.0;
  while (k < n || f <= N) {
    double next = f <= N ? grid->faces[f] : INFINITY;
    if (k < n && x[k] < next) next = x[k];
    if (next > pos) {
      double level = (double)k / (double)n;
      w1 += abs_linear_integral(density_cdf(grid, rho, cum, total, pos) - level,
                                density_cdf(grid, rho, cum, total, next) - level, next - pos);
      pos = next;
    }
    while (k < n && x[k] <= pos) k++;
    while (f <= N && grid->faces[f] <= pos) f++;
  }
  free(cum);
  return w1;
}

double mf_wasserstein1_dirac(const double *x, long n, double x0)
{
  double s = 0.0;
  for (long i = 0; i < n; i++) s += fabs(x[i] - x0);
  return s / (double)n;
}

void mf_particles_summary_write(FILE *out, const mf_model *model, const mf_particles *ps,
                                const mf_pop_observables *obs, const double *xstar, const char *scheme, double dt,
                                unsigned long long seed, int threads, double wall, const char *status)
{
  long n = 0;
  for (int p = 0; p < model->P; p++) n += mf_particles_count(ps, p);
  const double rate = wall > 0.0 ? (double)n * (double)mf_particles_steps(ps) / wall : 0.0;
  fputs("population,t_final,neurons,mass,mean,sd,mode,balance_voltage,scheme,dt,steps,seed,threads,wall_seconds,"
        "neuron_steps_per_second,status\n",
        out);
  for (int p = 0; p < model->P; p++) {
    const mf_pop_observables *o = &obs[p];
    fprintf(out, "%s,%.17g,%ld,%.17g,%.17g,%.17g,%.17g,", model->pop[p].name, mf_particles_time(ps),
            mf_particles_count(ps, p), o->mass, o->mean, o->sd, o->mode);
    if (xstar) fprintf(out, "%.17g", xstar[p]);
    fprintf(out, ",%s,%.17g,%ld,%llu,%d,%.6f,%.4g,%s\n", scheme, dt, mf_particles_steps(ps), seed, threads, wall,
            rate, status);
  }
}

void mf_observables_write_header(FILE *out, const mf_model *model)
{
  static const char *const cols[] = {"mass", "mean", "sd", "mode", "m", "A", "V"};
  fputs("t", out);
  for (int p = 0; p < model->P; p++)
    for (int k = 0; k < 7; k++) fprintf(out, ",%s_%s", cols[k], model->pop[p].name);
  fputc('\n', out);
}

void mf_observables_write_row(FILE *out, double t, const mf_model *model, const mf_pop_observables *obs)
{
  fprintf(out, "%.17g", t);
  for (int p = 0; p < model->P; p++) {
    const mf_pop_observables *o = &obs[p];
    fprintf(out, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", o->mass, o->mean, o->sd, o->mode, o->m, o->A, o->V);
  }
  fputc('\n', out);
}

void mf_density_write_header(FILE *out) { fputs("t,population,x,width,rho\n", out); }

void mf_density_write_population(FILE *out, double t, const char *name, const mf_grid *grid, const double *rho)
{
  for (int i = 0; i < grid->n; i++)
    fprintf(out, "%.12g,%s,%.15g,%.12g,%.12g\n", t, name, grid->x[i], grid->w[i], rho[i]);
}

void mf_density_write(FILE *out, double t, const mf_fv *fv, const double *rho)
{
  mf_density_write_grid(out, t, mf_fv_model(fv), mf_fv_grid(fv), rho);
}

void mf_density_write_grid(FILE *out, double t, const mf_model *model, const mf_grid *grid, const double *rho)
{
  for (int p = 0; p < model->P; p++) mf_density_write_population(out, t, model->pop[p].name, grid, rho + (size_t)p * grid->n);
}

void mf_summary_write(FILE *out, const mf_model *model, const mf_pop_observables *obs, const double *xstar,
                      const mf_integrator_stats *stats, const mf_summary_info *info)
{
  fputs("population,t_final,mass,mean,sd,mode,balance_voltage,discretisation,linear_solver,steps,rhs_evals,"
        "newton_iters,linear_setups,linear_solves,krylov_iters,jac_evals,err_test_fails,frame_outside_mass,"
        "frame_edge_density,wall_seconds,status\n",
        out);
  for (int p = 0; p < model->P; p++) {
    const mf_pop_observables *o = &obs[p];
    fprintf(out, "%s,%.17g,%.17g,%.17g,%.17g,%.17g,", model->pop[p].name, stats->t, o->mass, o->mean, o->sd,
            o->mode);
    if (xstar) fprintf(out, "%.17g", xstar[p]);
    fprintf(out, ",%s,%s,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%.3g,%.3g,%.6f,%s\n", info->discretisation, info->linsol,
            stats->steps, stats->rhs_evals, stats->newton_iters, stats->lin_setups, stats->newton_iters,
            stats->lin_iters, stats->jac_evals, stats->err_fails, info->frame_outside, info->frame_edge,
            stats->wall_seconds, info->status);
  }
}

void mf_balance_write(FILE *out, const mf_model *model, const mf_balance_point *points, int count)
{
  const int P = model->P, fhn = model->neuron == MF_NEURON_FHN;
  fputs("root,stability,method,residual", out);
  for (int p = 0; p < P; p++) fprintf(out, ",x_%s", model->pop[p].name);
  for (int p = 0; p < P; p++) fprintf(out, ",A_%s", model->pop[p].name);
  for (int k = 0; k < P; k++) fprintf(out, ",eig_re_%d,eig_im_%d", k + 1, k + 1);
  if (fhn) /* the slow fixed points on the balance lines */
    for (int p = 0; p < P; p++) fprintf(out, ",w_%s", model->pop[p].name);
  fputc('\n', out);
  for (int i = 0; i < count; i++) {
    const mf_balance_point *pt = &points[i];
    fprintf(out, "%d,%s,%s,%.3e", i + 1, mf_balance_stability_name(pt->stability),
            pt->is_explicit ? "explicit" : "newton", pt->residual);
    for (int p = 0; p < P; p++) fprintf(out, ",%.17g", pt->x[p]);
    for (int p = 0; p < P; p++) fprintf(out, ",%.17g", pt->A[p]);
    for (int k = 0; k < P; k++) fprintf(out, ",%.17g,%.17g", pt->eig_re[k], pt->eig_im[k]);
    if (fhn) {
      double w[MF_MAX_POPS];
      mf_fhn_wstar(model, pt->x, w);
      for (int p = 0; p < P; p++) fprintf(out, ",%.17g", w[p]);
    }
    fputc('\n', out);
  }
}

void mf_sweep_write_header(FILE *out)
{
  fputs("gamma,population,cells,x_star,A_star,mean,mode,sd,err_mean,err_mode,width_ratio,cells_per_sd,"
        "collapse_time,t_final,stationary,steps,wall_seconds\n",
        out);
}

void mf_sweep_write_row(FILE *out, const mf_model *model, const mf_sweep_row *r)
{
  for (int p = 0; p < model->P; p++)
    fprintf(out, "%.17g,%s,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.6g,%.17g,%.17g,%d,%ld,%.6f\n",
            r->gamma, model->pop[p].name, r->ncells, r->xstar[p], r->Astar[p], r->mean[p], r->mode[p], r->sd[p],
            fabs(r->mean[p] - r->xstar[p]), fabs(r->mode[p] - r->xstar[p]), r->width_ratio[p],
            r->cells_per_sd[p], r->collapse_time, r->t_final, r->stationary, r->steps, r->wall_seconds);
}

void mf_fit_write_header(FILE *out) { fputs("quantity,population,slope,constant,points\n", out); }

void mf_fit_write_row(FILE *out, const char *quantity, const char *population, const mf_power_fit *fit)
{
  fprintf(out, "%s,%s,%.17g,%.17g,%d\n", quantity, population, fit->slope, fit->constant, fit->n);
}

void mf_fhn_write_header(FILE *out) { fputs("t,population,mass,mean_v,sd_v,mean_w,sd_w,cov_vw,m,A,V\n", out); }

void mf_fhn_write_row(FILE *out, double t, const char *name, const mf_moments2d *mom, const mf_pop_observables *obs)
{
  fprintf(out, "%.12g,%s,%.15g,%.15g,%.15g,%.15g,%.15g,%.15g,%.15g,%.15g,%.15g\n", t, name, mom->mass, mom->mean_v,
          mom->sd_v, mom->mean_w, mom->sd_w, mom->cov_vw, obs->m, obs->A, obs->V);
}

void mf_marginals_write_header(FILE *out) { fputs("t,population,variable,x,width,rho\n", out); }

void mf_marginals_write(FILE *out, double t, const char *name, const char *variable, const mf_grid *grid,
                        const double *rho)
{
  for (int i = 0; i < grid->n; i++)
    fprintf(out, "%.12g,%s,%s,%.15g,%.12g,%.12g\n", t, name, variable, grid->x[i], grid->w[i], rho[i]);
}

void mf_density2d_write_header(FILE *out) { fputs("t,population,v,w,width_v,width_w,rho\n", out); }

void mf_density2d_write(FILE *out, double t, const char *name, const mf_grid *gv, const mf_grid *gw,
                        const double *rho)
{
  for (int j = 0; j < gw->n; j++)
    for (int i = 0; i < gv->n; i++)
      fprintf(out, "%.12g,%s,%.15g,%.15g,%.12g,%.12g,%.12g\n", t, name, gv->x[i], gw->x[j], gv->w[i], gw->w[j],
              rho[(size_t)j * gv->n + i]);
}
