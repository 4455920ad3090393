/* compare_fhn.c -- the compare job's FitzHugh-Nagumo half (docs/fhn.md,
 * "Network against the kinetic equation"): the (v, w) network
 * (particles_fhn.h) against the kinetic PDE on moving (v, w) frames
 * (frame2d.h), which compare.c has solved and kept at every output time.
 *
 * Per n, time, population and quantity Q in (vbar, wbar, s.d.(v), s.d.(w)):
 * the PDE's value, the network's (averaged over the R(n) networks, seeds
 * seed, seed + 1, ...), its standard error SE and z = (network - PDE) / SE.
 * SE comes from the spread of the R networks, s/sqrt(R), when R >=
 * COMPARE_FHN_REPLICAS_FOR_SE; otherwise from the i.i.d. formulas within
 * each network, s.d./sqrt(n_p) for a mean and sqrt((m4 - s^4) / (4 s^2 n_p))
 * for an s.d. (the delta method; s/sqrt(2 n_p) for a Gaussian), pooled as
 * sqrt(sum SE_r^2) / R.  The i.i.d. ones hold when the population mean is
 * pinned (chemical coupling: it relaxes at rate gamma A, as each neuron
 * does); the electrical mean's random walk and S3's Jordan block make the
 * means fluctuate more (docs/fhn.md), which only the spread measures. */
#include "compare_internal.h"

#include "mfbalance/interrupt.h"
#include "mfbalance/particles_fhn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const quantity_names[COMPARE_FHN_QUANTITIES] = {"mean_v", "mean_w", "sd_v", "sd_w"};

/* Per time and population: value and i.i.d. standard error of each quantity. */
#define STATS (2 * COMPARE_FHN_QUANTITIES)

size_t compare_fhn_result_size(int nt, int P)
{
  return (1 + STATS * (size_t)nt * (size_t)P) * sizeof(double);
}

static double pde_value(const mf_moments2d *m, int q)
{
  return q == 0 ? m->mean_v : q == 1 ? m->mean_w : q == 2 ? m->sd_v : m->sd_w;
}

/* The i.i.d. standard error of the s.d. s of x (length n, mean m). */
static double sd_error(const double *x, long n, double m, double s)
{
  double m4 = 0.0;
  for (long i = 0; i < n; i++) {
    const double d = (x[i] - m) * (x[i] - m);
    m4 += d * d;
  }
  m4 /= (double)n;
  return s > 0.0 ? sqrt(fmax(m4 - s * s * s * s, 0.0) / (4.0 * s * s * (double)n)) : NAN;
}

void compare_fhn_headers(const compare_ctx *c, const char *method, int cells_v, int cells_w)
{
  if (c->rows) fputs("n,networks,t,population,quantity,pde,network,se,z,se_from,se_replicas,se_iid\n", c->rows);
  if (c->summary) fputs("n,population,quantity,max_abs_z,t,networks,se_from,max_abs_z_all,t_all\n", c->summary);
  FILE *log = c->opts->log;
  if (!log) return;
  fprintf(log, "mfbalance compare: FitzHugh-Nagumo network against the kinetic PDE (%s, %d x %d cells); "
          "z = (network - PDE) / SE\n", method, cells_v, cells_w);
  fprintf(log, "  %9s %4s %6s %-5s %24s %24s %24s %24s\n", "n", "nets", "t", "pop", "mean v: pde, net, z",
          "mean w: pde, net, z", "sd v: pde, net, z", "sd w: pde, net, z");
}

mf_status compare_fhn_network(int u, void *result, void *ctx)
{
  const compare_ctx *c = ctx;
  const mf_config *cfg = c->cfg;
  const int P = cfg->model.P;
  double *res = result;
  res[0] = 0.0;
  const mf_particle_opts po = compare_network_opts(c, u);
  mf_fhn_particles *ps = mf_fhn_particles_create(&cfg->model, &po);
  if (!ps) return mf_errcode();
  mf_status status = MF_OK;
  for (int j = 0; j < c->nt; j++) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("t", mf_fhn_particles_time(ps));
      break;
    }
    if (c->times[j] > 0.0 && (status = mf_fhn_particles_advance(ps, c->times[j])) != MF_OK) break;
    mf_fhn_observables obs[MF_MAX_POPS];
    mf_fhn_particles_observables(ps, obs);
    for (int p = 0; p < P; p++) {
      const long n = mf_fhn_particles_count(ps, p);
      const mf_fhn_observables *o = &obs[p];
      double *out = res + 1 + STATS * ((size_t)j * P + p);
      out[0] = o->mean_v, out[1] = o->sd_v / sqrt((double)n);
      out[2] = o->mean_w, out[3] = o->sd_w / sqrt((double)n);
      out[4] = o->sd_v, out[5] = sd_error(mf_fhn_particles_v(ps, p), n, o->mean_v, o->sd_v);
      out[6] = o->sd_w, out[7] = sd_error(mf_fhn_particles_w(ps, p), n, o->mean_w, o->sd_w);
    }
    res[0] = j + 1;
  }
  mf_fhn_particles_free(ps);
  return status;
}

static void zmax_update(compare_zmax *m, double z, double t, long n, int p)
{
  if (isnan(m->z)) return;
  if (isfinite(z) && fabs(z) <= m->z) return;
  m->z = isfinite(z) ? fabs(z) : NAN, m->t = t, m->n = n, m->p = p;
}

/* The rows of size n_k over the networks that reached each time. */
static void write_rows(compare_ctx *c, int k)
{
  const mf_config *cfg = c->cfg;
  const mf_model *model = &cfg->model;
  const int P = model->P;
  const long n = cfg->compare_n[k];
  FILE *log = c->opts->log;
  /* The largest |z| of this n: at the snapshots (and t_end), and at every output time. */
  compare_zmax here[MF_MAX_POPS][COMPARE_FHN_QUANTITIES], all[MF_MAX_POPS][COMPARE_FHN_QUANTITIES];
  int here_nets[MF_MAX_POPS][COMPARE_FHN_QUANTITIES] = {{0}};
  for (int p = 0; p < P; p++)
    for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++)
      here[p][q] = all[p][q] = (compare_zmax){.z = -1.0, .t = NAN};
  for (int j = 0; j < c->nt; j++) {
    const int R = c->reached[j];
    if (R < 1) break;
    const double t = c->times[j];
    const int snapshot = mf_is_snapshot(cfg->snapshots, cfg->nsnapshots, t, cfg->t_end) || j == c->nt - 1;
    const int from_replicas = R >= COMPARE_FHN_REPLICAS_FOR_SE;
    for (int p = 0; p < P; p++) {
      const mf_moments2d *m = &c->pde2d[(size_t)j * P + p];
      double pde[COMPARE_FHN_QUANTITIES], net[COMPARE_FHN_QUANTITIES], z[COMPARE_FHN_QUANTITIES];
      for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++) {
        const double *a = c->acc + 4 * (((size_t)j * P + p) * COMPARE_FHN_QUANTITIES + q);
        const double mean_d = a[1] / R;
        const double se_rep = R > 1 ? sqrt(fmax(a[2] - R * mean_d * mean_d, 0.0) / (R - 1) / R) : NAN;
        const double se_iid = sqrt(a[3]) / R, se = from_replicas ? se_rep : se_iid;
        pde[q] = pde_value(m, q), net[q] = a[0] + mean_d, z[q] = (net[q] - pde[q]) / se;
        fprintf(c->rows, "%ld,%d,%.17g,%s,%s,%.17g,%.17g,%.17g,%.17g,%s,%.17g,%.17g\n", n, R, t, model->pop[p].name,
                quantity_names[q], pde[q], net[q], se, z[q], from_replicas ? "replicas" : "iid", se_rep, se_iid);
        zmax_update(&all[p][q], z[q], t, n, p);
        zmax_update(&c->zmax_all[q], z[q], t, n, p);
        if (!snapshot) continue;
        zmax_update(&here[p][q], z[q], t, n, p);
        if (here[p][q].t == t) here_nets[p][q] = R;
        zmax_update(&c->zmax[q], z[q], t, n, p);
      }
      if (log && snapshot)
        fprintf(log, "  %9ld %4d %6.4g %-5s %9.6f %9.6f %+5.2f %9.6f %9.6f %+5.2f %9.6f %9.6f %+5.2f %9.6f %9.6f %+5.2f\n",
                n, R, t, model->pop[p].name, pde[0], net[0], z[0], pde[1], net[1], z[1], pde[2], net[2], z[2], pde[3],
                net[3], z[3]);
    }
  }
  fflush(c->rows);
  for (int p = 0; p < P; p++)
    for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++) {
      const compare_zmax *h = &here[p][q];
      if (h->z == -1.0) continue;
      fprintf(c->summary, "%ld,%s,%s,%.17g,%.17g,%d,%s,%.17g,%.17g\n", n, model->pop[p].name, quantity_names[q],
              h->z, h->t, here_nets[p][q], here_nets[p][q] >= COMPARE_FHN_REPLICAS_FOR_SE ? "replicas" : "iid",
              all[p][q].z, all[p][q].t);
    }
  fflush(c->summary);
}

void compare_fhn_emit(int u, const void *result, mf_status status, void *ctx)
{
  compare_ctx *c = ctx;
  const mf_config *cfg = c->cfg;
  const int P = cfg->model.P, k = c->unit_k[u], r = c->unit_r[u], nt = c->nt;
  const double *res = result;
  const size_t per_time = (size_t)P * COMPARE_FHN_QUANTITIES * 4;
  if (r == 0) {
    memset(c->acc, 0, (size_t)nt * per_time * sizeof *c->acc);
    memset(c->reached, 0, (size_t)nt * sizeof *c->reached);
  }
  for (int j = 0; j < (int)res[0]; j++) {
    c->reached[j]++;
    for (int p = 0; p < P; p++)
      for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++) {
        const double *o = res + 1 + STATS * ((size_t)j * P + p) + 2 * q;
        double *a = c->acc + (size_t)j * per_time + 4 * ((size_t)p * COMPARE_FHN_QUANTITIES + q);
        /* Differences to the first network's value keep the sum of squares free of cancellation. */
        if (r == 0) a[0] = o[0];
        const double d = o[0] - a[0];
        a[1] += d, a[2] += d * d, a[3] += o[1] * o[1];
      }
  }
  if (status == MF_OK && r != compare_replicas(cfg, k) - 1) return;
  write_rows(c, k);
}

static void report_line(FILE *log, const compare_ctx *c, const compare_zmax *zmax, const char *where)
{
  fprintf(log, "  largest |network - PDE| / SE %s:", where);
  for (int q = 0; q < COMPARE_FHN_QUANTITIES; q++) {
    const compare_zmax *m = &zmax[q];
    if (m->z == -1.0) continue;
    fprintf(log, "%s %s %.2f (n = %ld, t = %g, %s)", q == 0 ? "" : ";", quantity_names[q], m->z, m->n, m->t,
            c->cfg->model.pop[m->p].name);
  }
  fputc('\n', log);
}

void compare_fhn_report(const compare_ctx *c)
{
  FILE *log = c->opts->log;
  if (!log) return;
  report_line(log, c, c->zmax, "at the snapshot times");
  report_line(log, c, c->zmax_all, "at every output time");
}
