/* particles_fhn.c -- the FitzHugh-Nagumo network (particles_fhn.h,
 * docs/fhn.md "Network"): the step's coefficients from the 2 x 2 (per
 * neuron) and 2P x 2P (population means) exact linear steps of expm.h, the
 * OpenMP loop over blocks of 512 neurons and the block sums reduced in
 * block order, as in particles.c. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/particles_fhn.h"
#include "../io/clock.h"

#include "mfbalance/expm.h"
#include "mfbalance/interrupt.h"
#include "particles_fhn_kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

struct mf_fhn_particles {
  mf_model model;
  mf_particle_opts opts;
  long count[MF_MAX_POPS], offset[MF_MAX_POPS], nblocks[MF_MAX_POPS];
  long total_blocks;
  double *v, *w;             /* all neurons, population after population */
  double *partial;           /* MF_FHN_NSUMS sums per block */
  double m[MF_MAX_POPS];     /* current activities */
  double vbar[MF_MAX_POPS], wbar[MF_MAX_POPS]; /* current means, summed in block order */
  int electrical;            /* 1 if some g_el != 0: the split step */
  mf_expm_workspace *expm;   /* order 4P + 1 (the means' noise) */
  double t;
  long steps;
  double wall;
};

void mf_fhn_particles_free(mf_fhn_particles *ps)
{
  if (!ps) return;
  free(ps->v);
  free(ps->w);
  free(ps->partial);
  mf_expm_workspace_free(ps->expm);
  free(ps);
}

static mf_status not_finite(const mf_fhn_particles *ps, int p)
{
  return mf_error(MF_ENUMERIC, "population %s: the FitzHugh-Nagumo states are no longer finite at t = %.9g (step %ld)",
                  ps->model.pop[p].name, ps->t, ps->steps);
}

static void set_threads(const mf_fhn_particles *ps)
{
#ifdef _OPENMP
  if (ps->opts.threads > 0) omp_set_num_threads(ps->opts.threads);
#else
  (void)ps;
#endif
}

static int block_len(const mf_fhn_particles *ps, int p, long b)
{
  const long first = b * MF_PARTICLE_BLOCK, count = ps->count[p];
  return (int)(count - first < MF_PARTICLE_BLOCK ? count - first : MF_PARTICLE_BLOCK);
}

static void kernel_key(const mf_fhn_particles *ps, mf_fhn_kernel_params *kp, uint32_t step, int p)
{
  kp->key[0] = (uint32_t)ps->opts.seed;
  kp->key[1] = (uint32_t)(ps->opts.seed >> 32);
  kp->step = step;
  kp->pop = (uint32_t)p;
  kp->s = ps->model.pop[p].s;
  kp->k = ps->model.pop[p].k;
  kp->theta = ps->model.pop[p].theta;
}

/* The block sums of population p added in block order into tot. */
static void reduce(const mf_fhn_particles *ps, int p, double tot[MF_FHN_NSUMS])
{
  for (int k = 0; k < MF_FHN_NSUMS; k++) tot[k] = 0.0;
  for (long b = 0; b < ps->nblocks[p]; b++)
    for (int k = 0; k < MF_FHN_NSUMS; k++) tot[k] += ps->partial[MF_FHN_NSUMS * b + k];
}

static mf_status check_model(const mf_model *model, const mf_particle_opts *opts)
{
  if (model->neuron != MF_NEURON_FHN)
    return mf_error(MF_EINPUT, "mf_fhn_particles_create: the model's neurons are not FitzHugh-Nagumo neurons");
  if (mf_model_check(model) != MF_OK) return mf_errcode();
  if (isinf(model->gamma)) return mf_error(MF_EINPUT, "gamma = inf: not a network");
  if (opts->scheme != MF_PARTICLES_EXPONENTIAL)
    return mf_error(MF_EINPUT, "scheme %s: FitzHugh-Nagumo networks have the exponential scheme only",
                    mf_particle_scheme_name(opts->scheme));
  if (opts->n < model->P || opts->n > (1L << 40))
    return mf_error(MF_EINPUT, "n = %ld neurons: expected %d to 2^40", opts->n, model->P);
  if (!(opts->dt > 0.0 && isfinite(opts->dt)))
    return mf_error(MF_EINPUT, "dt = %g: expected a finite number > 0", opts->dt);
  for (int p = 0; p < model->P; p++) {
    const mf_recovery *r = &model->pop[p].w;
    if (!(r->epsilon > 0.0 && isfinite(r->epsilon) && isfinite(r->a) && isfinite(r->b) && r->sigma_w >= 0.0 &&
          isfinite(r->sigma_w) && isfinite(r->init_mean) && r->init_sd >= 0.0 && isfinite(r->init_sd)))
      return mf_error(MF_EINPUT,
                      "population %s: recovery a = %g, b = %g, epsilon = %g, sigma_w = %g, init %g %g: expected "
                      "finite values, epsilon > 0, sigma_w >= 0, init sd >= 0",
                      model->pop[p].name, r->a, r->b, r->epsilon, r->sigma_w, r->init_mean, r->init_sd);
  }
  return MF_OK;
}

mf_fhn_particles *mf_fhn_particles_create(const mf_model *model, const mf_particle_opts *opts)
{
  if (check_model(model, opts) != MF_OK) return NULL;
  const int P = model->P;
  mf_fhn_particles *ps = calloc(1, sizeof *ps);
  if (!ps) goto nomem;
  ps->model = *model;
  ps->opts = *opts;
  ps->electrical = mf_model_has_electrical(model);
  if (!(ps->expm = mf_expm_workspace_create(4 * P + 1))) goto nomem;
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
  ps->v = malloc((size_t)assigned * sizeof *ps->v);
  ps->w = malloc((size_t)assigned * sizeof *ps->w);
  ps->partial = malloc(MF_FHN_NSUMS * (size_t)ps->total_blocks * sizeof *ps->partial);
  if (!ps->v || !ps->w || !ps->partial) goto nomem;

  /* Initial states from the step-0 normals of both streams (uniform v: Phi(Z), from erfc). */
  set_threads(ps);
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    mf_fhn_kernel_params kp;
    memset(&kp, 0, sizeof kp);
    kernel_key(ps, &kp, 0, p);
    double *v = ps->v + ps->offset[p], *w = ps->w + ps->offset[p];
    const long nb = ps->nblocks[p];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++)
      mf_fhn_kernel_draw(block_len(ps, p, b), (uint32_t)b, &kp, v + b * MF_PARTICLE_BLOCK, w + b * MF_PARTICLE_BLOCK);
    double sum_s = 0.0, sum_v = 0.0, sum_w = 0.0;
    for (long i = 0; i < ps->count[p]; i++) {
      v[i] = pop->init == MF_INIT_GAUSSIAN ? pop->init_a + pop->init_b * v[i]
                                           : pop->init_a + (pop->init_b - pop->init_a) * 0.5 * erfc(-v[i] / sqrt(2.0));
      w[i] = pop->w.init_mean + pop->w.init_sd * w[i];
      sum_s += mf_model_S(pop, v[i]);
      sum_v += v[i];
      sum_w += w[i];
    }
    ps->m[p] = sum_s / (double)ps->count[p];
    ps->vbar[p] = sum_v / (double)ps->count[p];
    ps->wbar[p] = sum_w / (double)ps->count[p];
  }
  return ps;

nomem:
  mf_fhn_particles_free(ps);
  mf_error(MF_ENOMEM, "out of memory for %ld FitzHugh-Nagumo neurons", opts->n);
  return NULL;
}

/* The lower Cholesky factor of the symmetric positive semi-definite n x n
 * Q, in place (column-major).  A pivot that round-off made <= 0 belongs to
 * a direction without noise: its column is set to 0. */
static void cholesky_semidefinite(int n, double *Q)
{
  for (int j = 0; j < n; j++) {
    double d = Q[j + j * n];
    for (int k = 0; k < j; k++) d -= Q[j + k * n] * Q[j + k * n];
    const double ljj = d > 0.0 ? sqrt(d) : 0.0;
    Q[j + j * n] = ljj;
    for (int i = j + 1; i < n; i++) {
      double v = Q[i + j * n];
      for (int k = 0; k < j; k++) v -= Q[i + k * n] * Q[j + k * n];
      Q[i + j * n] = ljj > 0.0 ? v / ljj : 0.0;
    }
  }
}

/* The per-neuron coefficients of population p for rate kappa over h, with
 * the constant v-forcing c0 (the cubic's constant, plus gamma C in the
 * one-pass step). */
static mf_status neuron_coefficients(mf_fhn_particles *ps, int p, double kappa, double c0, double h,
                                     mf_fhn_kernel_params *k)
{
  const mf_population *pop = &ps->model.pop[p];
  const mf_recovery *r = &pop->w;
  const double K[4] = {kappa, -r->epsilon, 1.0, r->epsilon * r->b};
  const double Sigma[4] = {pop->sigma * pop->sigma, 0.0, 0.0, r->sigma_w * r->sigma_w};
  const double ev[2] = {1.0, 0.0}, ew[2] = {0.0, 1.0};
  double E[4], phi_v[2], phi_w[2], Q[4];
  mf_status status = mf_expm_ou_apply(ps->expm, 2, K, ev, Sigma, h, E, phi_v, Q);
  if (status == MF_OK) status = mf_expm_ou_apply(ps->expm, 2, K, ew, NULL, h, E, phi_w, NULL);
  if (status != MF_OK) return status;
  cholesky_semidefinite(2, Q);
  k->evv = E[0], k->ewv = E[1], k->evw = E[2], k->eww = E[3];
  k->pv = phi_v[0], k->pw = phi_v[1];
  const double fw = r->epsilon * r->a; /* the w-forcing eps a */
  k->cv = phi_v[0] * c0 + phi_w[0] * fw;
  k->cw = phi_v[1] * c0 + phi_w[1] * fw;
  k->lvv = Q[0], k->lwv = Q[1], k->lww = Q[3];
  k->f2 = pop->f[2], k->f3 = pop->f[3];
  return MF_OK;
}

/* Run kernel `pass` (0: one-pass step, 1: split pass 1, 2: shift) over every
 * block of population p in parallel and reduce its sums into tot. */
static void sweep_population(mf_fhn_particles *ps, int p, int pass, const mf_fhn_kernel_params *kp, double sv,
                             double sw, double tot[MF_FHN_NSUMS])
{
  double *v = ps->v + ps->offset[p], *w = ps->w + ps->offset[p], *partial = ps->partial;
  const long nb = ps->nblocks[p];
#pragma omp parallel for schedule(static)
  for (long b = 0; b < nb; b++) {
    const long o = b * MF_PARTICLE_BLOCK;
    const int len = block_len(ps, p, b);
    double *sums = partial + MF_FHN_NSUMS * b;
    if (pass == 0) mf_fhn_kernel(v + o, w + o, len, (uint32_t)b, kp, sums);
    else if (pass == 1) mf_fhn_kernel_split(v + o, w + o, len, (uint32_t)b, kp, sums);
    else mf_fhn_kernel_shift(v + o, w + o, len, sv, sw, kp, sums);
  }
  reduce(ps, p, tot);
}

static mf_status store_sums(mf_fhn_particles *ps, int p, const double tot[MF_FHN_NSUMS])
{
  if (!isfinite(tot[MF_FHN_SUM_S]) || !isfinite(tot[MF_FHN_SUM_V]) || !isfinite(tot[MF_FHN_SUM_W]))
    return not_finite(ps, p);
  const double n = (double)ps->count[p];
  ps->m[p] = tot[MF_FHN_SUM_S] / n;
  ps->vbar[p] = tot[MF_FHN_SUM_V] / n;
  ps->wbar[p] = tot[MF_FHN_SUM_W] / n;
  return MF_OK;
}

/* Chemical coupling only: every neuron takes the exact 2 x 2 step with the
 * frozen network forcing gamma C_p in its constant. */
static mf_status step_chemical(mf_fhn_particles *ps, double h)
{
  const mf_model *model = &ps->model;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(model, ps->m, NULL, A, C);
  mf_fhn_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  ps->steps++;
  for (int p = 0; p < model->P; p++) {
    const mf_population *pop = &model->pop[p];
    kernel_key(ps, &kp[p], (uint32_t)ps->steps, p);
    mf_status status =
        neuron_coefficients(ps, p, model->gamma * A[p] - pop->f[1], pop->f[0] + model->gamma * C[p], h, &kp[p]);
    if (status != MF_OK) return status;
  }
  ps->t += h; /* the state about to be computed, as named in a failure */
  set_threads(ps);
  for (int p = 0; p < model->P; p++) {
    double tot[MF_FHN_NSUMS];
    sweep_population(ps, p, 0, &kp[p], 0.0, 0.0, tot);
    mf_status status = store_sums(ps, p, tot);
    if (status != MF_OK) return status;
  }
  return MF_OK;
}

/* Electrical coupling: the split step (particles.c's step_split in two
 * variables).  With the activities frozen, the 2P means M = (vbar, wbar)
 * obey exactly
 *     dM = (b - K M) dt + dWbar,
 *     K = [[diag(kappa) - gamma g_el, I], [-diag(eps), diag(eps b)]],
 *     b = (<r_p> + c0_p + gamma C_p, eps_p a_p),  Cov(dWbar) = diag(sigma^2/n_p, sigma_w^2/n_p) dt,
 * and the deviations the per-neuron 2 x 2 linear step without the mean
 * forcing (<r_p> frozen).  Pass 1 takes the per-neuron step; its sums give
 * <r_p>, the translation's reference and the normals' means, zeta =
 * sum Z / sqrt(n_p), standard normals independent of the deviations; the
 * means take their exact step with noise L zeta (L L^T = Q); pass 2
 * translates each population onto its new means. */
static mf_status step_split(mf_fhn_particles *ps, double h)
{
  const mf_model *model = &ps->model;
  const int P = model->P, N = 2 * P;
  const double gamma = model->gamma, zero[MF_MAX_POPS] = {0};
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(model, ps->m, zero, A, C); /* C: the chemical part only */
  mf_fhn_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  double K[4 * MF_MAX_POPS * MF_MAX_POPS] = {0}, Sigma[4 * MF_MAX_POPS * MF_MAX_POPS] = {0};
  double bvec[2 * MF_MAX_POPS], M[2 * MF_MAX_POPS], yref[2 * MF_MAX_POPS], zeta[2 * MF_MAX_POPS];
  ps->steps++;
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    const mf_recovery *r = &pop->w;
    const double kappa = gamma * A[p] - pop->f[1];
    kernel_key(ps, &kp[p], (uint32_t)ps->steps, p);
    mf_status status = neuron_coefficients(ps, p, kappa, 0.0, h, &kp[p]);
    if (status != MF_OK) return status;
    for (int q = 0; q < P; q++) K[p + q * N] = (p == q ? kappa : 0.0) - gamma * pop->g_el[q];
    K[p + (P + p) * N] = 1.0;
    K[P + p + p * N] = -r->epsilon;
    K[P + p + (P + p) * N] = r->epsilon * r->b;
    Sigma[p + p * N] = pop->sigma * pop->sigma / (double)ps->count[p];
    Sigma[P + p + (P + p) * N] = r->sigma_w * r->sigma_w / (double)ps->count[p];
    M[p] = ps->vbar[p];
    M[P + p] = ps->wbar[p];
  }
  ps->t += h; /* the state about to be computed, as named in a failure */
  set_threads(ps);

  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    double tot[MF_FHN_NSUMS];
    sweep_population(ps, p, 1, &kp[p], 0.0, 0.0, tot);
    if (!isfinite(tot[MF_FHN_SUM_R]) || !isfinite(tot[MF_FHN_SUM_V]) || !isfinite(tot[MF_FHN_SUM_W]))
      return not_finite(ps, p);
    const double n = (double)ps->count[p];
    bvec[p] = tot[MF_FHN_SUM_R] / n + pop->f[0] + gamma * C[p];
    bvec[P + p] = pop->w.epsilon * pop->w.a;
    yref[p] = tot[MF_FHN_SUM_V] / n;
    yref[P + p] = tot[MF_FHN_SUM_W] / n;
    zeta[p] = tot[MF_FHN_SUM_Z1] / sqrt(n);
    zeta[P + p] = tot[MF_FHN_SUM_Z2] / sqrt(n);
  }

  double E[4 * MF_MAX_POPS * MF_MAX_POPS], phi[2 * MF_MAX_POPS], Q[4 * MF_MAX_POPS * MF_MAX_POPS];
  mf_status status = mf_expm_ou_apply(ps->expm, N, K, bvec, Sigma, h, E, phi, Q);
  if (status != MF_OK) return status;
  cholesky_semidefinite(N, Q);
  double shift[2 * MF_MAX_POPS];
  for (int i = 0; i < N; i++) {
    double mean = phi[i];
    for (int j = 0; j < N; j++) mean += E[i + j * N] * M[j];
    for (int j = 0; j <= i; j++) mean += Q[i + j * N] * zeta[j];
    shift[i] = mean - yref[i];
  }
  for (int p = 0; p < P; p++) {
    double tot[MF_FHN_NSUMS];
    sweep_population(ps, p, 2, &kp[p], shift[p], shift[P + p], tot);
    if ((status = store_sums(ps, p, tot)) != MF_OK) return status;
  }
  return MF_OK;
}

mf_status mf_fhn_particles_advance(mf_fhn_particles *ps, double tout)
{
  const double eps = 1e-12 * fmax(1.0, fabs(tout)), start = mf_clock_seconds();
  mf_status status = MF_OK;
  while (status == MF_OK && ps->t < tout - eps) {
    if (mf_interrupted()) {
      status = mf_interrupt_status("t", ps->t);
      break;
    }
    double h = fmin(ps->opts.dt, tout - ps->t);
    if (tout - ps->t - h < 1e-9 * ps->opts.dt) h = tout - ps->t;
    status = ps->electrical ? step_split(ps, h) : step_chemical(ps, h);
  }
  ps->wall += mf_clock_seconds() - start;
  return status;
}

double mf_fhn_particles_time(const mf_fhn_particles *ps) { return ps->t; }
long mf_fhn_particles_steps(const mf_fhn_particles *ps) { return ps->steps; }
double mf_fhn_particles_wall(const mf_fhn_particles *ps) { return ps->wall; }
long mf_fhn_particles_count(const mf_fhn_particles *ps, int p) { return ps->count[p]; }
const double *mf_fhn_particles_v(const mf_fhn_particles *ps, int p) { return ps->v + ps->offset[p]; }
const double *mf_fhn_particles_w(const mf_fhn_particles *ps, int p) { return ps->w + ps->offset[p]; }
const mf_model *mf_fhn_particles_model(const mf_fhn_particles *ps) { return &ps->model; }

/* The standard deviation of x[0..n-1] about its mean, summed in index order. */
static double deviation(const double *x, long n, double mean)
{
  double d = 0.0;
  for (long i = 0; i < n; i++) d += (x[i] - mean) * (x[i] - mean);
  return n > 1 ? sqrt(d / (double)(n - 1)) : 0.0;
}

void mf_fhn_particles_observables(const mf_fhn_particles *ps, mf_fhn_observables *obs)
{
  const mf_model *model = &ps->model;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(model, ps->m, ps->vbar, A, C);
  for (int p = 0; p < model->P; p++) {
    const long n = ps->count[p];
    mf_fhn_observables *o = &obs[p];
    o->mean_v = ps->vbar[p];
    o->mean_w = ps->wbar[p];
    o->sd_v = deviation(ps->v + ps->offset[p], n, o->mean_v);
    o->sd_w = deviation(ps->w + ps->offset[p], n, o->mean_w);
    o->m = ps->m[p];
    o->A = A[p];
    o->V = A[p] != 0.0 ? C[p] / A[p] : NAN;
  }
}
