/* fhn_jobs.c -- the FitzHugh-Nagumo jobs (fhn_jobs.h): the network and the
 * limit trajectory, written as CSV.  No numerics of their own. */
#include "mfbalance/fhn_jobs.h"

#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
#include "mfbalance/particles_fhn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static mf_status require_fhn(const mf_config *cfg)
{
  if (cfg->model.neuron != MF_NEURON_FHN)
    return mf_error(MF_EINPUT, "this job is for FitzHugh-Nagumo models (model.neuron = fhn)");
  return MF_OK;
}

mf_status mf_fhn_limit_start(const mf_config *cfg, mf_fhn_limit *lim)
{
  const mf_model *model = &cfg->model;
  const int P = model->P;
  double v0[MF_MAX_POPS], w0[MF_MAX_POPS], sd;
  for (int p = 0; p < P; p++) {
    mf_model_initial_moments(&model->pop[p], &v0[p], &sd);
    w0[p] = model->pop[p].w.init_mean;
  }
  if (mf_balance_is_consensus(model)) return mf_fhn_limit_init(lim, model, NULL, v0, w0);
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = 0;
  mf_status status = mf_balance_find(model, cfg->vmin, cfg->vmax, pts, MF_BALANCE_MAX_ROOTS, &n);
  if (status != MF_OK) return status;
  const int k = mf_balance_nearest(pts, n, P, v0);
  if (k < 0 || pts[k].stability != MF_BALANCE_ATTRACTING)
    return mf_error(MF_ENUMERIC, "no attracting balance point in [%g, %g]^%d: no limit trajectory", cfg->vmin,
                    cfg->vmax, P);
  return mf_fhn_limit_init(lim, model, pts[k].x, v0, w0);
}

static void limit_header(FILE *f, const mf_model *model)
{
  fputs("t", f);
  for (int p = 0; p < model->P; p++) {
    const char *nm = model->pop[p].name;
    fprintf(f, ",v_%s,w_%s,delta_%s,vpred_%s,sdv_%s", nm, nm, nm, nm, nm);
  }
  fputc('\n', f);
}

static void limit_row(FILE *f, const mf_model *model, const mf_fhn_limit *lim)
{
  fprintf(f, "%.17g", lim->t);
  for (int p = 0; p < model->P; p++) {
    const double vpred = lim->kind == MF_FHN_LIMIT_BALANCE ? lim->v[p] + lim->delta[p] / model->gamma : lim->v[p];
    fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g", lim->v[p], lim->w[p], lim->delta[p], vpred, lim->sd_v[p]);
  }
  fputc('\n', f);
}

mf_status mf_fhn_limit_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  mf_outfile rows = {0};
  double *times = NULL;
  mf_fhn_limit lim;
  mf_status status;
  if ((status = require_fhn(cfg)) != MF_OK) return status;
  if ((status = mf_fhn_limit_start(cfg, &lim)) != MF_OK) return status;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  const int nt = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  if (nt < 0) return mf_errcode();
  if ((status = mf_config_save(cfg, opts->outdir)) != MF_OK) goto done;
  if ((status = mf_outfile_open(&rows, opts->outdir, "limit.csv")) != MF_OK) goto done;
  limit_header(rows.fp, model);
  for (int k = 0; k < nt && status == MF_OK; k++) {
    status = mf_fhn_limit_advance(&lim, model, times[k]);
    if (status == MF_OK && mf_interrupted()) status = mf_interrupt_status("t", times[k]);
    limit_row(rows.fp, model, &lim);
  }
  {
    mf_status io = mf_outfile_commit(&rows);
    if (status == MF_OK) status = io;
  }
  if (opts->log) {
    fprintf(opts->log, "mfbalance limit: %s limit of the FitzHugh-Nagumo network, t = %g\n",
            lim.kind == MF_FHN_LIMIT_BALANCE ? "balance (slow w at x*)" : "synchronous (FitzHugh-Nagumo ODE)", lim.t);
    for (int p = 0; p < model->P; p++)
      fprintf(opts->log, "  %-8s v %.10f  w %.10f\n", model->pop[p].name, lim.v[p], lim.w[p]);
    fprintf(opts->log, "  results in %s/limit.csv\n", opts->outdir);
  }
done:
  mf_outfile_discard(&rows);
  free(times);
  return status;
}

static void observables_header(FILE *f, const mf_model *model)
{
  fputs("t", f);
  for (int p = 0; p < model->P; p++) {
    const char *nm = model->pop[p].name;
    fprintf(f, ",mean_v_%s,sd_v_%s,mean_w_%s,sd_w_%s,m_%s,A_%s,V_%s", nm, nm, nm, nm, nm, nm, nm);
  }
  fputc('\n', f);
}

static void observables_row(FILE *f, const mf_model *model, double t, const mf_fhn_observables *obs)
{
  fprintf(f, "%.17g", t);
  for (int p = 0; p < model->P; p++) {
    const mf_fhn_observables *o = &obs[p];
    fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", o->mean_v, o->sd_v, o->mean_w, o->sd_w, o->m, o->A, o->V);
  }
  fputc('\n', f);
}

mf_status mf_fhn_particles_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  mf_fhn_particles *ps = NULL;
  double *times = NULL;
  mf_outfile obs_file = {0}, lim_file = {0}, sum_file = {0};
  mf_fhn_observables obs[MF_MAX_POPS];
  mf_fhn_limit lim;
  mf_status status, io;
  if ((status = require_fhn(cfg)) != MF_OK) return status;
  if ((status = mf_budget_check(MF_JOB_PARTICLES, cfg, NULL)) != MF_OK) return status;
  const int has_limit = mf_fhn_limit_start(cfg, &lim) == MF_OK;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  const int nt = mf_output_times(cfg->t_end, cfg->output_dt, cfg->snapshots, cfg->nsnapshots, &times);
  if (nt < 0) return mf_errcode();
  if (!(ps = mf_fhn_particles_create(model, &cfg->particles))) {
    status = mf_errcode();
    goto done;
  }
  if ((status = mf_config_save(cfg, opts->outdir)) != MF_OK) goto done;
  if ((status = mf_outfile_open(&obs_file, opts->outdir, "observables.csv")) != MF_OK) goto done;
  if (has_limit && (status = mf_outfile_open(&lim_file, opts->outdir, "limit.csv")) != MF_OK) goto done;
  observables_header(obs_file.fp, model);
  if (has_limit) limit_header(lim_file.fp, model);
  for (int k = 0; k < nt; k++) {
    if (times[k] > 0.0) status = mf_fhn_particles_advance(ps, times[k]);
    const double t = mf_fhn_particles_time(ps);
    if (status == MF_OK && mf_interrupted()) status = mf_interrupt_status("t", t);
    mf_fhn_particles_observables(ps, obs);
    observables_row(obs_file.fp, model, t, obs);
    if (has_limit && mf_fhn_limit_advance(&lim, model, t) == MF_OK) limit_row(lim_file.fp, model, &lim);
    if (status != MF_OK) break;
  }
  if ((io = mf_outfile_commit(&obs_file)) != MF_OK && status == MF_OK) status = io;
  if (has_limit && (io = mf_outfile_commit(&lim_file)) != MF_OK && status == MF_OK) status = io;

  long n = 0;
  for (int p = 0; p < model->P; p++) n += mf_fhn_particles_count(ps, p);
  const double wall = mf_fhn_particles_wall(ps), rate = wall > 0 ? (double)n * mf_fhn_particles_steps(ps) / wall : 0.0;
  double wstar[MF_MAX_POPS];
  const int balance = has_limit && lim.kind == MF_FHN_LIMIT_BALANCE;
  if (balance) mf_fhn_wstar(model, lim.v, wstar);
  if ((io = mf_outfile_open(&sum_file, opts->outdir, "summary.csv")) == MF_OK) {
    fputs("population,neurons,t,mean_v,sd_v,mean_w,sd_w,m,A,V,x_star,w_star,scheme,dt,seed,threads,steps,"
          "wall_seconds,neuron_steps_per_second,status\n",
          sum_file.fp);
    for (int p = 0; p < model->P; p++) {
      const mf_fhn_observables *o = &obs[p];
      fprintf(sum_file.fp, "%s,%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", model->pop[p].name,
              mf_fhn_particles_count(ps, p), mf_fhn_particles_time(ps), o->mean_v, o->sd_v, o->mean_w, o->sd_w, o->m,
              o->A, o->V);
      if (balance) fprintf(sum_file.fp, "%.17g,%.17g", lim.v[p], wstar[p]);
      else fputc(',', sum_file.fp);
      fprintf(sum_file.fp, ",exponential,%.17g,%llu,%d,%ld,%.6f,%.6g,%s\n", cfg->particles.dt,
              (unsigned long long)cfg->particles.seed, cfg->particles.threads, mf_fhn_particles_steps(ps), wall, rate,
              mf_outcome_name(status));
    }
    io = mf_outfile_commit(&sum_file);
  }
  if (io != MF_OK && status == MF_OK) status = io;
  if (opts->log) {
    fprintf(opts->log,
            "mfbalance particles: %ld FitzHugh-Nagumo neurons, %d populations, gamma = %g, dt = %g, t = %g%s\n", n,
            model->P, model->gamma, cfg->particles.dt, mf_fhn_particles_time(ps),
            status == MF_OK ? "" : status == MF_EINTR ? " (INTERRUPTED)" : " (FAILED)");
    fprintf(opts->log, "  %-8s %10s %12s %12s %12s %12s %12s %12s\n", "pop", "neurons", "mean v", "sd v", "mean w",
            "sd w", "limit v", "limit w");
    for (int p = 0; p < model->P; p++)
      fprintf(opts->log, "  %-8s %10ld %12.6f %12.6f %12.6f %12.6f %12.6f %12.6f\n", model->pop[p].name,
              mf_fhn_particles_count(ps, p), obs[p].mean_v, obs[p].sd_v, obs[p].mean_w, obs[p].sd_w,
              has_limit ? lim.v[p] : NAN, has_limit ? lim.w[p] : NAN);
    fprintf(opts->log, "  %ld steps, %.3f s, %.3g neuron-steps/s\n  results in %s/\n", mf_fhn_particles_steps(ps), wall,
            rate, opts->outdir);
  }
done:
  mf_outfile_discard(&obs_file);
  mf_outfile_discard(&lim_file);
  mf_outfile_discard(&sum_file);
  mf_fhn_particles_free(ps);
  free(times);
  return status;
}

/* One gamma of the fhn sweep: the network to t_end with dt <= 0.25 / (gamma max A). */
static mf_status sweep_one(const mf_config *cfg, double gamma, FILE *rows, double *err_v, double *sd_v, double *err_w,
                           double *sd_w, const mf_run_opts *opts)
{
  mf_config c = *cfg;
  c.model.gamma = gamma;
  const mf_model *model = &c.model;
  mf_fhn_limit lim;
  mf_status status = mf_fhn_limit_start(&c, &lim);
  if (status != MF_OK) return status;
  double amax = 0.0;
  for (int p = 0; p < model->P; p++) amax = fmax(amax, lim.A[p]);
  if (amax > 0.0) c.particles.dt = fmin(c.particles.dt, 0.25 / (gamma * amax));
  mf_fhn_particles *ps = mf_fhn_particles_create(model, &c.particles);
  if (!ps) return mf_errcode();
  status = mf_fhn_particles_advance(ps, c.t_end);
  mf_fhn_observables obs[MF_MAX_POPS];
  mf_fhn_particles_observables(ps, obs);
  if (status == MF_OK) status = mf_fhn_limit_advance(&lim, model, mf_fhn_particles_time(ps));
  for (int p = 0; p < model->P && status == MF_OK; p++) {
    const mf_fhn_observables *o = &obs[p];
    const double vpred = lim.kind == MF_FHN_LIMIT_BALANCE ? lim.v[p] + lim.delta[p] / gamma : lim.v[p];
    const double k = gamma * o->A - mf_model_df(&model->pop[p], o->mean_v);
    const double sd_pred = k > 0.0 ? model->pop[p].sigma / sqrt(2.0 * k) : NAN;
    err_v[p] = fabs(o->mean_v - lim.v[p]), sd_v[p] = o->sd_v, err_w[p] = fabs(o->mean_w - lim.w[p]), sd_w[p] = o->sd_w;
    fprintf(rows, "%.17g,%s,%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%ld,%.6f\n",
            gamma, model->pop[p].name, mf_fhn_particles_count(ps, p), c.particles.dt, mf_fhn_particles_time(ps),
            lim.v[p], vpred, o->mean_v, err_v[p], fabs(o->mean_v - vpred), o->sd_v, sd_pred, o->sd_v / sd_pred,
            lim.w[p], o->mean_w, err_w[p], o->sd_w, mf_fhn_particles_steps(ps), mf_fhn_particles_wall(ps));
    if (opts->log)
      fprintf(opts->log, "  gamma %-8g %-5s mean v %.6f (limit %.6f, +delta/gamma %.6f)  sd v %.6f (pred %.6f)  "
              "mean w %.5f (limit %.5f)  sd w %.3g\n", gamma, model->pop[p].name, o->mean_v, lim.v[p], vpred, o->sd_v,
              sd_pred, o->mean_w, lim.w[p], o->sd_w);
  }
  mf_fhn_particles_free(ps);
  return status;
}

mf_status mf_fhn_sweep_job(const mf_config *cfg, const mf_run_opts *opts)
{
  const mf_model *model = &cfg->model;
  const int P = model->P, G = cfg->sweep.ngammas;
  mf_outfile rows = {0}, fits = {0};
  mf_status status;
  static double err_v[MF_SWEEP_MAX_GAMMAS][MF_MAX_POPS], sd_v[MF_SWEEP_MAX_GAMMAS][MF_MAX_POPS],
      err_w[MF_SWEEP_MAX_GAMMAS][MF_MAX_POPS], sd_w[MF_SWEEP_MAX_GAMMAS][MF_MAX_POPS];
  if ((status = require_fhn(cfg)) != MF_OK) return status;
  if ((status = mf_budget_check(MF_JOB_PARTICLES, cfg, NULL)) != MF_OK) return status;
  if ((status = mf_output_dir_prepare(opts->outdir, opts->force)) != MF_OK) return status;
  if ((status = mf_config_save(cfg, opts->outdir)) != MF_OK) return status;
  if ((status = mf_outfile_open(&rows, opts->outdir, "fhn_sweep.csv")) != MF_OK) return status;
  fputs("gamma,population,neurons,dt,t,v_limit,v_pred,mean_v,err_v,err_v_pred,sd_v,sd_v_pred,sd_ratio,w_limit,"
        "mean_w,err_w,sd_w,steps,wall_seconds\n",
        rows.fp);
  if (opts->log)
    fprintf(opts->log, "mfbalance sweep: FitzHugh-Nagumo network, n = %ld, t = %g, %d values of gamma\n",
            cfg->particles.n, cfg->t_end, G);
  int done = 0;
  for (int g = 0; g < G && status == MF_OK; g++) {
    status = sweep_one(cfg, cfg->sweep.gammas[g], rows.fp, err_v[g], sd_v[g], err_w[g], sd_w[g], opts);
    if (status == MF_OK) done++;
  }
  mf_status io = mf_outfile_commit(&rows);
  if (status == MF_OK) status = io;
  if (done >= 2 && (io = mf_outfile_open(&fits, opts->outdir, "fhn_sweep_fit.csv")) == MF_OK) {
    mf_fit_write_header(fits.fp);
    static const char *names[4] = {"err_v", "sd_v", "err_w", "sd_w"};
    for (int what = 0; what < 4; what++)
      for (int p = 0; p < P; p++) {
        double x[MF_SWEEP_MAX_GAMMAS], y[MF_SWEEP_MAX_GAMMAS];
        for (int g = 0; g < done; g++) {
          x[g] = cfg->sweep.gammas[g];
          y[g] = what == 0 ? err_v[g][p] : what == 1 ? sd_v[g][p] : what == 2 ? err_w[g][p] : sd_w[g][p];
        }
        mf_power_fit fit;
        if (mf_power_fit_compute(x, y, done, &fit) != MF_OK) continue;
        mf_fit_write_row(fits.fp, names[what], model->pop[p].name, &fit);
        if (opts->log)
          fprintf(opts->log, "    %-6s %-5s slope %8.4f  (%d points)\n", names[what], model->pop[p].name, fit.slope, fit.n);
      }
    io = mf_outfile_commit(&fits);
  }
  if (io != MF_OK && status == MF_OK) status = io;
  if (opts->log) fprintf(opts->log, "  results in %s/\n", opts->outdir);
  mf_outfile_discard(&rows);
  mf_outfile_discard(&fits);
  return status;
}
