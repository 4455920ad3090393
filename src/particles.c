/* particles.c -- the particle simulator of the network (particles.h,
 * docs/particles.md): coefficients of each step, the OpenMP loop over
 * blocks, and activities summed in block order for reproducibility. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/particles.h"

#include "mfbalance/interrupt.h"
#include "particles_kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

struct mf_particles {
  mf_model model;
  mf_particle_opts opts;
  long count[MF_MAX_POPS];   /* neurons of each population */
  long offset[MF_MAX_POPS];  /* where each population starts in x */
  long nblocks[MF_MAX_POPS]; /* blocks of each population */
  long total_blocks;
  double *x;                 /* all voltages, population after population */
  double *partial;           /* per block: sum of S(X), sum of X; 2 x total_blocks */
  double m[MF_MAX_POPS];     /* current activities */
  double t;
  long steps;
  double wall;               /* seconds spent in mf_particles_advance */
};

const char *mf_particle_scheme_name(mf_particle_scheme s)
{
  return s == MF_PARTICLES_EULER ? "euler" : "exponential";
}

int mf_particle_scheme_from_name(const char *name)
{
  if (strcmp(name, "exponential") == 0) return MF_PARTICLES_EXPONENTIAL;
  if (strcmp(name, "euler") == 0) return MF_PARTICLES_EULER;
  return -1;
}

void mf_particles_free(mf_particles *ps)
{
  if (!ps) return;
  free(ps->x);
  free(ps->partial);
  free(ps);
}

/* Run the kernel over every block of every population (in parallel), then
 * reduce the block sums in order.  Returns MF_OK or MF_ENUMERIC. */
static mf_status sweep_blocks(mf_particles *ps, const mf_kernel_params *kp, int draw_only)
{
  const int P = ps->model.P;
#ifdef _OPENMP
  if (ps->opts.threads > 0) omp_set_num_threads(ps->opts.threads);
#endif
  for (int p = 0; p < P; p++) {
    double *x = ps->x + ps->offset[p];
    double *partial = ps->partial;
    const long nb = ps->nblocks[p], count = ps->count[p];
    const mf_kernel_params *kpp = &kp[p];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
      long first = b * MF_PARTICLE_BLOCK;
      int len = (int)(count - first < MF_PARTICLE_BLOCK ? count - first : MF_PARTICLE_BLOCK);
      mf_particles_kernel(x + first, len, (uint32_t)b, kpp, draw_only, partial + 2 * b);
    }
    if (draw_only) continue;
    double sum_s = 0.0, sum_x = 0.0;
    for (long b = 0; b < nb; b++) sum_s += partial[2 * b], sum_x += partial[2 * b + 1];
    if (!isfinite(sum_x) || !isfinite(sum_s))
      return mf_error(MF_ENUMERIC, "population %s: the voltages are no longer finite at t = %.9g (step %ld, "
                      "%s scheme)", ps->model.pop[p].name, ps->t, ps->steps, mf_particle_scheme_name(ps->opts.scheme));
    ps->m[p] = sum_s / (double)count;
  }
  return MF_OK;
}

static void kernel_key(const mf_particles *ps, mf_kernel_params *kp, uint32_t step, int p)
{
  kp->key[0] = (uint32_t)ps->opts.seed;
  kp->key[1] = (uint32_t)(ps->opts.seed >> 32);
  kp->step = step;
  kp->pop = (uint32_t)p;
  kp->s = ps->model.pop[p].s;
  kp->k = ps->model.pop[p].k;
  kp->theta = ps->model.pop[p].theta;
}

mf_particles *mf_particles_create(const mf_model *model, const mf_particle_opts *opts)
{
  if (mf_model_check(model) != MF_OK) return NULL;
  if (isinf(model->gamma)) {
    mf_error(MF_EINPUT, "gamma = inf: the limit problem is solved by `mfbalance hj` only");
    return NULL;
  }
  const int P = model->P;
  if (opts->n < P || opts->n > (1L << 40)) {
    mf_error(MF_EINPUT, "n = %ld neurons: expected %d to 2^40", opts->n, P);
    return NULL;
  }
  if (!(opts->dt > 0.0 && isfinite(opts->dt))) {
    mf_error(MF_EINPUT, "dt = %g: expected a finite number > 0", opts->dt);
    return NULL;
  }
  mf_particles *ps = calloc(1, sizeof *ps);
  if (!ps) goto nomem;
  ps->model = *model;
  ps->opts = *opts;
  long assigned = 0;
  for (int p = 0; p < P; p++) {
    long c = p < P - 1 ? lround(model->pop[p].fraction * (double)opts->n) : opts->n - assigned;
    if (c < 1) c = 1;
    ps->count[p] = c;
    ps->offset[p] = assigned;
    ps->nblocks[p] = (c + MF_PARTICLE_BLOCK - 1) / MF_PARTICLE_BLOCK;
    ps->total_blocks = ps->total_blocks > ps->nblocks[p] ? ps->total_blocks : ps->nblocks[p];
    assigned += c;
  }
  ps->x = malloc((size_t)assigned * sizeof *ps->x);
  ps->partial = malloc(2 * (size_t)ps->total_blocks * sizeof *ps->partial);
  if (!ps->x || !ps->partial) goto nomem;

  /* Initial voltages from the step-0 normals (uniform data: Phi(Z), from erfc). */
  mf_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  for (int p = 0; p < P; p++) kernel_key(ps, &kp[p], 0, p);
  sweep_blocks(ps, kp, 1);
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    double *x = ps->x + ps->offset[p], sum_s = 0.0;
    for (long i = 0; i < ps->count[p]; i++) {
      x[i] = pop->init == MF_INIT_GAUSSIAN ? pop->init_a + pop->init_b * x[i]
                                           : pop->init_a + (pop->init_b - pop->init_a) * 0.5 * erfc(-x[i] / sqrt(2.0));
      sum_s += mf_model_S(pop, x[i]);
    }
    ps->m[p] = sum_s / (double)ps->count[p];
  }
  return ps;

nomem:
  mf_particles_free(ps);
  mf_error(MF_ENOMEM, "out of memory for %ld neurons", opts->n);
  return NULL;
}

/* One step of size h. */
static mf_status step(mf_particles *ps, double h)
{
  const mf_model *model = &ps->model;
  const double gamma = model->gamma;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(model, ps->m, A, C);
  mf_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  ps->steps++;
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    mf_kernel_params *k = &kp[p];
    kernel_key(ps, k, (uint32_t)ps->steps, p);
    k->f0 = pop->f[0] + gamma * C[p];
    k->f2 = pop->f[2];
    k->f3 = pop->f[3];
    if (ps->opts.scheme == MF_PARTICLES_EULER) {
      k->f1 = 0.0;
      k->e = 1.0 + (pop->f[1] - gamma * A[p]) * h;
      k->a = h;
      k->sd = pop->sigma * sqrt(h);
    } else {
      /* kappa h -> 0: (1 - e)/kappa -> h and (1 - e^2)/(2 kappa) -> h; expm1 keeps both accurate. */
      const double kappa = gamma * A[p] - pop->f[1], kh = kappa * h;
      k->f1 = 0.0;
      k->e = exp(-kh);
      k->a = kh != 0.0 ? -expm1(-kh) / kappa : h;
      k->sd = pop->sigma * sqrt(kh != 0.0 ? -expm1(-2.0 * kh) / (2.0 * kappa) : h);
    }
  }
  ps->t += h; /* the state about to be computed, as named in a failure */
  return sweep_blocks(ps, kp, 0);
}

static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

mf_status mf_particles_advance(mf_particles *ps, double tout)
{
  const double eps = 1e-12 * fmax(1.0, fabs(tout)), start = now_seconds();
  mf_status status = MF_OK;
  while (status == MF_OK && ps->t < tout - eps) {
    /* A large network takes a while between output times: stop at a step (interrupt.h). */
    if (mf_interrupted()) {
      status = mf_interrupt_status("t", ps->t);
      break;
    }
    double h = fmin(ps->opts.dt, tout - ps->t);
    /* A last step shorter than 1e-9 dt would only add round-off: stretch the one before. */
    if (tout - ps->t - h < 1e-9 * ps->opts.dt) h = tout - ps->t;
    status = step(ps, h);
  }
  ps->wall += now_seconds() - start;
  return status;
}

double mf_particles_wall(const mf_particles *ps) { return ps->wall; }

double mf_particles_time(const mf_particles *ps) { return ps->t; }
const mf_model *mf_particles_model(const mf_particles *ps) { return &ps->model; }
long mf_particles_steps(const mf_particles *ps) { return ps->steps; }
long mf_particles_count(const mf_particles *ps, int p) { return ps->count[p]; }
const double *mf_particles_voltages(const mf_particles *ps, int p) { return ps->x + ps->offset[p]; }

void mf_particles_activities(const mf_particles *ps, double *m)
{
  memcpy(m, ps->m, (size_t)ps->model.P * sizeof(double));
}
