/* budget.c -- the cost of a job, estimated and checked before it starts
 * (budget.h).
 *
 * Memory is counted array by array from the sizes the modules allocate
 * (grid.c 3n, fv.c (5 + 2P) n, the state P n), plus what CVODE holds per
 * unknown, which is its own business: its Nordsieck history (up to 6
 * vectors for BDF of order 5), 7 work vectors, the Newton and linear-solver
 * vectors, the Newton matrix and its saved copy.  That part was measured
 * (peak RSS with /usr/bin/time -v of `run grid.method=fixed` at 2e4, 2e5 and
 * 2e6 cells, default model, woodbury and band): 38.5 doubles per unknown at
 * P = 2 in all, of which 7 are the grid, the operator and the initial
 * state, so 31.5 = 23.5 + 4P are CVODE's and the solver's. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/budget.h"

#include "mfbalance/distribute.h"

#include "mfbalance/balance.h"
#include "mfbalance/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define DOUBLE 8.0

/* ---- memory available ---------------------------------------------------------------- */

/* The value of "Key:   123 kB" in a /proc file, in bytes; -1 if absent. */
static double proc_kb(const char *path, const char *key)
{
  FILE *fp = fopen(path, "r");
  if (!fp) return -1.0;
  char line[256];
  double v = -1.0;
  const size_t len = strlen(key);
  while (fgets(line, sizeof line, fp))
    if (strncmp(line, key, len) == 0 && line[len] == ':') {
      v = 1024.0 * strtod(line + len + 1, NULL);
      break;
    }
  fclose(fp);
  return v;
}

/* One number from a file ("max" or unreadable: -1). */
static double file_number(const char *path)
{
  FILE *fp = fopen(path, "r");
  if (!fp) return -1.0;
  char buf[64] = "";
  char *got = fgets(buf, sizeof buf, fp);
  fclose(fp);
  if (!got) return -1.0;
  char *end;
  double v = strtod(buf, &end);
  return end == buf ? -1.0 : v;
}

/* Room left under the cgroup (v2) memory.max of this process; -1 if none. */
static double cgroup_room(void)
{
  FILE *fp = fopen("/proc/self/cgroup", "r");
  if (!fp) return -1.0;
  char line[768], path[1024];
  double room = -1.0;
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "0::", 3) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    const char *cg = strcmp(line + 3, "/") == 0 ? "" : line + 3;
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", cg);
    const double max = file_number(path);
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", cg);
    const double cur = file_number(path);
    if (max > 0.0) room = max - (cur > 0.0 ? cur : 0.0);
    break;
  }
  fclose(fp);
  return room;
}

/* MFBALANCE_MEMORY: bytes, or with a suffix k, M, G (powers of 1024); -1 if unset or bad. */
static double env_memory(void)
{
  const char *s = getenv("MFBALANCE_MEMORY");
  if (!s || !*s) return -1.0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0.0) || !isfinite(v)) return -1.0;
  switch (*end) {
  case 'k': case 'K': v *= 1024.0, end++; break;
  case 'm': case 'M': v *= 1048576.0, end++; break;
  case 'g': case 'G': v *= 1073741824.0, end++; break;
  default: break;
  }
  return *end ? -1.0 : v;
}

double mf_budget_available(void)
{
  const double env = env_memory();
  if (env >= 0.0) return env;
  double avail = proc_kb("/proc/meminfo", "MemAvailable");
  if (avail < 0.0) avail = INFINITY;
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    /* Address space, not resident memory: what is mapped already does not count again. */
    const double mapped = proc_kb("/proc/self/status", "VmSize");
    avail = fmin(avail, (double)rl.rlim_cur - (mapped > 0.0 ? mapped : 0.0));
  }
  const double cg = cgroup_room();
  if (cg >= 0.0) avail = fmin(avail, cg);
  return fmax(avail, 0.0);
}

/* ---- sizes --------------------------------------------------------------------------- */

double mf_budget_pde_bytes(int P, long n, mf_linsol linsol)
{
  const double N = (double)P * (double)n;
  /* grid (3n), operator ((5 + 2P) n), initial state (P n) */
  double bytes = DOUBLE * (3.0 + 5.0 + 2.0 * P + P) * (double)n;
  /* CVODE, the Newton vectors and the matrix: measured, see the top of this file. */
  bytes += DOUBLE * (23.5 + 4.0 * P) * N;
  /* The dense Newton matrix and CVODE's saved copy. */
  if (linsol == MF_LINSOL_DENSE) bytes += 2.0 * DOUBLE * N * N;
  return bytes;
}

/* Cells a refinement zone adds at most: its inside at size h, and the
 * cells growing by MF_GRID_GROWTH per unit distance on either side. */
static double zone_cells(double halfwidth, double h, double h_coarse)
{
  if (!(h < h_coarse)) return 0.0;
  return 2.0 * halfwidth / h + 2.0 + 2.0 * (log(h_coarse / h) / log(MF_GRID_GROWTH) + 1.0);
}

/* Cells of the configured grid (a bound when it is refined), or -1 with a
 * message when the grid file is bad. */
static double config_cells(const mf_config *cfg)
{
  if (cfg->model.neuron == MF_NEURON_FHN) return (double)cfg->cells_v * cfg->cells_w;
  if (cfg->grid_file[0]) {
    mf_grid *grid = mf_config_grid(cfg);
    if (!grid) return -1.0;
    const double n = grid->n;
    mf_grid_free(grid);
    return n;
  }
  const double hc = (cfg->xmax - cfg->xmin) / cfg->cells;
  double n = cfg->cells;
  for (int z = 0; z < cfg->nzones; z++) n += zone_cells(cfg->zones[z].halfwidth, cfg->zones[z].h, hc);
  return n;
}

/* The most cells of a sweep's refined grid at coupling gamma (sweep.c,
 * sweep_grid): zones of 12 predicted s.d. each side at cells_per_sd cells
 * per s.d., the s.d. at least sigma_min / sqrt(2 gamma A_max). */
static double sweep_cells(const mf_config *cfg, double base, double gamma)
{
  if (!cfg->sweep.refine || cfg->grid_file[0]) return base;
  const mf_model *m = &cfg->model;
  double smin = INFINITY, amax = 0.0;
  for (int p = 0; p < m->P; p++) {
    double a = 0.0;
    for (int q = 0; q < m->P; q++) a += m->pop[p].g[q] * m->pop[q].s;
    amax = fmax(amax, a);
    smin = fmin(smin, m->pop[p].sigma);
  }
  if (!(amax > 0.0)) return base;
  const double w = smin / sqrt(2.0 * gamma * amax), hc = (cfg->xmax - cfg->xmin) / cfg->cells;
  return base + (MF_GRID_MAX_ZONES - cfg->nzones) * zone_cells(12.0 * w, w / cfg->sweep.cells_per_sd, hc);
}

static double output_rows(double end, double dt, int nsnapshots) { return floor(end / dt + 1e-9) + 2.0 + nsnapshots; }

/* "12.3 GiB" */
static const char *human(double bytes, char *buf, size_t len)
{
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 6) bytes /= 1024.0, u++;
  if (!isfinite(bytes)) snprintf(buf, len, "an unbounded amount");
  else snprintf(buf, len, "%.3g %s", bytes, unit[u]);
  return buf;
}

/* ---- the check ----------------------------------------------------------------------- */

static mf_status check_rows(double rows, const char *end_key, double end, const char *dt_key, double dt)
{
  if (rows <= (double)MF_MAX_OUTPUT_TIMES) return MF_OK;
  return mf_error(MF_EINPUT, "%s = %g, %s = %g: %.3g output times, more than %d; raise %s", end_key, end, dt_key,
                  dt, rows, MF_MAX_OUTPUT_TIMES, dt_key);
}

static mf_status check_steps(double steps, double t_end, double dt, const char *keys)
{
  if (steps <= MF_BUDGET_MAX_STEPS) return MF_OK;
  return mf_error(MF_EINPUT, "time.t_end = %g with a particle step of %g: %.3g steps, more than 2^32 - 1 (the step "
                  "is a word of the random-number counter); raise %s", t_end, dt, steps, keys);
}

static mf_status check_work(double work, const char *keys)
{
  if (work <= MF_BUDGET_MAX_NEURON_STEPS) return MF_OK;
  return mf_error(MF_EINPUT, "%.3g neuron-steps, more than %.0e (about %.3g hours at 3e8 neuron-steps/s); lower %s",
                  work, MF_BUDGET_MAX_NEURON_STEPS, work / 3e8 / 3600.0, keys);
}

static mf_status check_network_size(const mf_config *cfg, long n, const char *key)
{
  if (n >= cfg->model.P) return MF_OK;
  return mf_error(MF_EINPUT, "%s = %ld: expected at least %d neurons, one per population", key, n, cfg->model.P);
}

mf_status mf_budget_check(mf_job job, const mf_config *cfg, mf_budget *out)
{
  mf_budget local, *b = out ? out : &local;
  memset(b, 0, sizeof *b);
  const mf_model *model = &cfg->model;
  const int P = model->P;
  mf_status st;

  /* The model, with the coupling the job will use. */
  mf_model check = *model;
  if (job == MF_JOB_SWEEP || job == MF_JOB_DOUBLELIMIT) check.gamma = cfg->sweep.ngammas > 0 ? cfg->sweep.gammas[0] : 1.0;
  if ((job == MF_JOB_HJ || job == MF_JOB_FLOW || job == MF_JOB_BALANCE) && isinf(check.gamma)) check.gamma = 1.0;
  if (isinf(check.gamma))
    return mf_error(MF_EINPUT, "gamma = inf: the limit problem is solved by `mfbalance hj` only");
  if ((st = mf_model_check(&check)) != MF_OK) return st;
  if (job == MF_JOB_HJ)
    for (int p = 0; p < P; p++)
      if (model->pop[p].init != MF_INIT_GAUSSIAN)
        return mf_error(MF_EINPUT, "population %s: the Hopf-Cole solver needs Gaussian initial data (log rho_0 "
                        "must be finite everywhere)", model->pop[p].name);

  /* The grid: its file read and checked here, before anything is written. */
  const double cells = job == MF_JOB_FLOW ? 0.0 : config_cells(cfg);
  if (cells < 0.0) return mf_errcode();
  const char *grid_key = cfg->grid_file[0] ? "the cells of grid.file" : "grid.cells";
  b->cells = (long)fmin(cells, 1e18);

  char need[32], have[32];
  b->available = mf_budget_available();
  const double N = (double)P * cells;
  switch (job) {
  case MF_JOB_RUN:
  case MF_JOB_SWEEP:
  case MF_JOB_COMPARE: {
    double n = cells;
    if (job == MF_JOB_SWEEP)
      for (int k = 0; k < cfg->sweep.ngammas; k++) n = fmax(n, sweep_cells(cfg, cells, cfg->sweep.gammas[k]));
    b->cells = (long)fmin(n, 1e18);
    if (cfg->integ.linsol == MF_LINSOL_DENSE && P * n > MF_DENSE_MAX)
      return mf_error(MF_EINPUT, "solver.linear = dense with %.0f unknowns: the dense solver takes at most %d "
                      "(use woodbury or band)", P * n, MF_DENSE_MAX);
    if (job == MF_JOB_SWEEP && n > 1e8)
      return mf_error(MF_EINPUT, "sweep.cells_per_sd = %g: the refined grid at gamma = %g would have up to %.3g "
                      "cells, more than 1e8; lower sweep.cells_per_sd", cfg->sweep.cells_per_sd,
                      cfg->sweep.gammas[cfg->sweep.ngammas - 1], n);
    b->bytes = MF_BUDGET_BASE_BYTES + mf_budget_pde_bytes(P, (long)n, cfg->integ.linsol);
    if (job != MF_JOB_SWEEP) {
      b->rows = output_rows(cfg->t_end, cfg->output_dt, cfg->nsnapshots);
      if ((st = check_rows(b->rows, "time.t_end", cfg->t_end, "time.output_dt", cfg->output_dt)) != MF_OK) return st;
      b->bytes += DOUBLE * b->rows;
    } else {
      b->bytes += DOUBLE * P * n; /* the time derivative of the stationarity test */
    }
    if (job == MF_JOB_COMPARE) {
      /* The PDE's densities and observables at every output time, then one network at a time. */
      double nmax = 0.0;
      b->steps = ceil(cfg->t_end / cfg->particles.dt - 1e-9);
      for (int k = 0; k < cfg->ncompare; k++) {
        if ((st = check_network_size(cfg, cfg->compare_n[k], "compare.n")) != MF_OK) return st;
        const double n_k = (double)cfg->compare_n[k];
        nmax = fmax(nmax, n_k);
        b->neuron_steps += fmin(cfg->compare_replicas, ceil(1e6 / n_k)) * n_k * b->steps;
      }
      if (cfg->model.neuron == MF_NEURON_FHN) {
        /* The PDE's six moments per population at every output time, the network's v and w, and
         * every network's value and i.i.d. error of four quantities per time (compare_fhn.c). */
        double units = 0.0;
        for (int k = 0; k < cfg->ncompare; k++) units += fmin(cfg->compare_replicas, ceil(1e6 / (double)cfg->compare_n[k]));
        b->bytes += DOUBLE * (6.0 * P * b->rows + 2.0 * nmax + units * (1.0 + 8.0 * P * b->rows));
      } else {
        b->bytes += DOUBLE * b->rows * N + b->rows * MF_MAX_POPS * (double)sizeof(mf_pop_observables) +
                    2.0 * DOUBLE * nmax + DOUBLE * N;
      }
      if ((st = check_steps(b->steps, cfg->t_end, cfg->particles.dt, "particles.dt")) != MF_OK) return st;
      if ((st = check_work(b->neuron_steps, "compare.n or compare.replicas, or raise particles.dt")) != MF_OK) return st;
    }
    if (b->bytes > b->available) {
      const char *key = job == MF_JOB_SWEEP ? "grid.cells or sweep.cells_per_sd"
                        : job == MF_JOB_COMPARE && DOUBLE * b->rows * N > 0.5 * b->bytes ? "time.output_dt (the PDE is kept at every output time) or grid.cells"
                                                                                          : grid_key;
      return mf_error(MF_EINPUT, "%s needs about %s of memory (%.3g cells x %d populations), more than the %s "
                      "available; lower %s", job == MF_JOB_RUN ? "run" : job == MF_JOB_SWEEP ? "sweep" : "compare",
                      human(b->bytes, need, sizeof need), n, P, human(b->available, have, sizeof have), key);
    }
    return MF_OK;
  }
  case MF_JOB_PARTICLES: {
    if ((st = check_network_size(cfg, cfg->particles.n, "particles.n")) != MF_OK) return st;
    b->rows = output_rows(cfg->t_end, cfg->output_dt, cfg->nsnapshots);
    if ((st = check_rows(b->rows, "time.t_end", cfg->t_end, "time.output_dt", cfg->output_dt)) != MF_OK) return st;
    /* Under mpirun each rank holds and steps its share (distribute.h); the ranks on this
     * machine share its memory. */
    const double ranks = mf_dist_size(), here = mf_dist_node_size(), n = ceil((double)cfg->particles.n / ranks);
    b->steps = ceil(cfg->t_end / cfg->particles.dt - 1e-9);
    b->neuron_steps = n * b->steps;
    if ((st = check_steps(b->steps, cfg->t_end, cfg->particles.dt, "particles.dt")) != MF_OK) return st;
    if ((st = check_work(b->neuron_steps, "particles.n or raise particles.dt")) != MF_OK) return st;
    /* voltages, block sums, histograms and grid, output times; FitzHugh-Nagumo
     * networks hold (v, w) and the six block sums of particles_fhn_kernel.h,
     * and no histograms */
    const int fhn = cfg->model.neuron == MF_NEURON_FHN;
    b->bytes = here * (MF_BUDGET_BASE_BYTES + DOUBLE * ((fhn ? 2.0 : 1.0) * n + (fhn ? 6.0 : 2.0) * ceil(n / 512.0)) +
                       (fhn ? 0.0 : DOUBLE * (P + 3.0) * cells) + DOUBLE * b->rows);
    if (b->bytes > b->available)
      return mf_error(MF_EINPUT, "particles needs about %s of memory (%.3g neurons), more than the %s available; "
                      "lower particles.n", human(b->bytes, need, sizeof need), n, human(b->available, have, sizeof have));
    return MF_OK;
  }
  case MF_JOB_DOUBLELIMIT: {
    double nmax = 0.0;
    for (int k = 0; k < cfg->ncompare; k++) {
      if ((st = check_network_size(cfg, cfg->compare_n[k], "compare.n")) != MF_OK) return st;
      nmax = fmax(nmax, (double)cfg->compare_n[k]);
    }
    for (int g = 0; g < cfg->sweep.ngammas; g++) {
      const double dt = fmin(cfg->particles.dt, 0.5 / cfg->sweep.gammas[g]);
      const double steps = ceil(cfg->t_end / dt - 1e-9);
      if (steps > MF_BUDGET_MAX_STEPS)
        return mf_error(MF_EINPUT, "gamma = %g: the step min(particles.dt, 0.5 / gamma) = %g makes %.3g steps to "
                        "time.t_end = %g, more than 2^32 - 1; lower the largest of sweep.gammas (--gamma) or "
                        "time.t_end", cfg->sweep.gammas[g], dt, steps, cfg->t_end);
      b->steps = fmax(b->steps, steps);
      for (int k = 0; k < cfg->ncompare; k++) b->neuron_steps += (double)cfg->compare_n[k] * steps;
    }
    if ((st = check_work(b->neuron_steps, "compare.n (--n) or sweep.gammas (--gamma)")) != MF_OK) return st;
    b->bytes = MF_BUDGET_BASE_BYTES + DOUBLE * (nmax + 2.0 * ceil(nmax / 512.0)) + DOUBLE * 3.0 * cells;
    if (b->bytes > b->available)
      return mf_error(MF_EINPUT, "doublelimit needs about %s of memory (%.3g neurons), more than the %s available; "
                      "lower compare.n (--n)", human(b->bytes, need, sizeof need), nmax,
                      human(b->available, have, sizeof have));
    return MF_OK;
  }
  case MF_JOB_HJ:
  case MF_JOB_FLOW: {
    b->rows = output_rows(cfg->hj_tau_end, cfg->hj_output_dtau, cfg->hj_nsnapshots);
    if ((st = check_rows(b->rows, "hj.tau_end", cfg->hj_tau_end, "hj.output_dtau", cfg->hj_output_dtau)) != MF_OK)
      return st;
    b->bytes = MF_BUDGET_BASE_BYTES + DOUBLE * b->rows;
    if (job == MF_JOB_HJ) {
      /* grid and operator (5n), initial u and one density (P n + n), CVODE's
       * Adams history (13 vectors at order 12) and work vectors, fixed point */
      b->bytes += DOUBLE * (6.0 * cells + 24.0 * N);
      if (b->bytes > b->available)
        return mf_error(MF_EINPUT, "hj needs about %s of memory (%.3g cells x %d populations), more than the %s "
                        "available; lower %s", human(b->bytes, need, sizeof need), cells, P,
                        human(b->available, have, sizeof have), grid_key);
    }
    return MF_OK;
  }
  case MF_JOB_BALANCE:
    b->bytes = MF_BUDGET_BASE_BYTES + DOUBLE * 3.0 * cells;
    return MF_OK;
  }
  return mf_error(MF_EBUG, "mf_budget_check: unknown job %d", (int)job);
}
