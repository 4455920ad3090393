/* particles.c -- the particle simulator of the network (particles.h,
 * docs/particles.md): coefficients of each step, the OpenMP loop over
 * blocks, and activities and means summed in block order for
 * reproducibility.  With electrical coupling the exponential scheme is the
 * split one: every neuron takes the scalar exponential step without the
 * network's mean forcing, then each population is translated so that its
 * mean is the exact solution of the P-dimensional linear mean equation
 * (expm.h).
 *
 * The network's sums (activities, means) are exact sums of the per-block
 * partial sums (exactsum.h): the same bits for any number of threads and,
 * with mf_particles_create_share, for any number of MPI ranks, each holding
 * a contiguous share of every population's blocks; one collective per
 * reduction adds the ranks' accumulators (distribute.h). */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/particles.h"
#include "../io/clock.h"

#include "mfbalance/distribute.h"
#include "mfbalance/exactsum.h"
#include "mfbalance/expm.h"
#include "mfbalance/interrupt.h"
#include "particles_kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

struct mf_particles {
  mf_model model;
  mf_particle_opts opts;
  long count[MF_MAX_POPS];   /* neurons of each population, in the whole network */
  int rank, ranks;           /* this share of the network: rank of ranks (1 without MPI) */
  long first_block[MF_MAX_POPS]; /* the first block of each population held here */
  long held[MF_MAX_POPS];    /* neurons of each population held here */
  long offset[MF_MAX_POPS];  /* where each population starts in x */
  long nblocks[MF_MAX_POPS]; /* blocks of each population held here */
  long total_blocks;         /* most blocks held of one population */
  double *x;                 /* the voltages held, population after population */
  mf_exactsum sum[3 * MF_MAX_POPS]; /* the network's sums being reduced, population-major */
  int stop;                  /* with several ranks: some rank was interrupted (from the last reduction) */
  double reduce_wall;        /* seconds in the reductions over ranks (waiting for the slowest included) */
  long reductions;           /* how many */
  double *partial;           /* per block: up to 3 sums (S(X), X, ...); 3 x total_blocks */
  double m[MF_MAX_POPS];     /* current activities */
  double xbar[MF_MAX_POPS];  /* current means, summed in block order */
  int electrical;            /* 1 if some g_el != 0 */
  mf_expm_workspace *expm;   /* the mean step (order 2P + 1); electrical exponential scheme only */
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
  mf_expm_workspace_free(ps->expm);
  free(ps);
}

static mf_status not_finite(const mf_particles *ps, int p)
{
  return mf_error(MF_ENUMERIC, "population %s: the voltages are no longer finite at t = %.9g (step %ld, %s scheme)",
                  ps->model.pop[p].name, ps->t, ps->steps, mf_particle_scheme_name(ps->opts.scheme));
}


static void set_threads(const mf_particles *ps)
{
#ifdef _OPENMP
  if (ps->opts.threads > 0) omp_set_num_threads(ps->opts.threads);
#else
  (void)ps;
#endif
}

/* The length of held block b (block first_block + b of the population) of population p. */
static int block_len(const mf_particles *ps, int p, long b)
{
  const long first = (ps->first_block[p] + b) * MF_PARTICLE_BLOCK, count = ps->count[p];
  return (int)(count - first < MF_PARTICLE_BLOCK ? count - first : MF_PARTICLE_BLOCK);
}

/* Population p's nsums block partials (stride 3 in ps->partial) into its
 * accumulators ps->sum[p nsums + j], exactly. */
static void accumulate(mf_particles *ps, int p, int nsums)
{
  mf_exactsum *acc = ps->sum + p * nsums;
  for (int j = 0; j < nsums; j++) mf_exactsum_clear(&acc[j]);
  for (long b = 0; b < ps->nblocks[p]; b++)
    for (int j = 0; j < nsums; j++) mf_exactsum_add(&acc[j], ps->partial[3 * b + j]);
}

/* The network's sums of every population's accumulators (P nsums values into
 * out): with several ranks one collective, which also tells every rank
 * whether one of them was interrupted. */
static mf_status reduce(mf_particles *ps, int nsums, double *out)
{
  const int count = ps->model.P * nsums;
  if (ps->ranks > 1) {
    int stop = mf_interrupted();
    const double start = mf_clock_seconds();
    mf_status status = mf_dist_sum_exact(ps->sum, count, &stop);
    ps->reduce_wall += mf_clock_seconds() - start;
    ps->reductions++;
    if (status != MF_OK) return status;
    ps->stop = stop;
  }
  for (int k = 0; k < count; k++) out[k] = mf_exactsum_value(&ps->sum[k]);
  return MF_OK;
}

/* m and xbar from the reduced sums of S(X) and X (stride 2). */
static mf_status set_activities(mf_particles *ps, const double *sums)
{
  for (int p = 0; p < ps->model.P; p++) {
    if (!isfinite(sums[2 * p]) || !isfinite(sums[2 * p + 1])) return not_finite(ps, p);
    ps->m[p] = sums[2 * p] / (double)ps->count[p];
    ps->xbar[p] = sums[2 * p + 1] / (double)ps->count[p];
  }
  return MF_OK;
}

/* Run the kernel over every held block of every population (in parallel),
 * then reduce the block sums into m and xbar.  Returns MF_OK or
 * MF_ENUMERIC. */
static mf_status sweep_blocks(mf_particles *ps, const mf_kernel_params *kp, int draw_only)
{
  const int P = ps->model.P;
  set_threads(ps);
  for (int p = 0; p < P; p++) {
    double *x = ps->x + ps->offset[p];
    double *partial = ps->partial;
    const long nb = ps->nblocks[p], first = ps->first_block[p];
    const mf_kernel_params *kpp = &kp[p];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++)
      mf_particles_kernel(x + b * MF_PARTICLE_BLOCK, block_len(ps, p, b), (uint32_t)(first + b), kpp, draw_only,
                          partial + 3 * b);
    if (!draw_only) accumulate(ps, p, 2);
  }
  if (draw_only) return MF_OK;
  double sums[2 * MF_MAX_POPS];
  mf_status status = reduce(ps, 2, sums);
  return status != MF_OK ? status : set_activities(ps, sums);
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
  return mf_particles_create_share(model, opts, 0, 1);
}

mf_particles *mf_particles_create_share(const mf_model *model, const mf_particle_opts *opts, int rank, int ranks)
{
  if (ranks < 1 || rank < 0 || rank >= ranks || (ranks > 1 && ranks != mf_dist_size())) {
    mf_error(MF_EINPUT, "share %d of %d ranks: expected 0 <= rank < ranks, and ranks = 1 or the %d MPI ranks running",
             rank, ranks, mf_dist_size());
    return NULL;
  }
  if (mf_model_check(model) != MF_OK) return NULL;
  if (model->neuron == MF_NEURON_FHN) { /* two variables per neuron: particles_fhn.h */
    mf_error(MF_EINPUT, "FitzHugh-Nagumo neurons: the network is mf_fhn_particles_create's (particles_fhn.h)");
    return NULL;
  }
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
  ps->rank = rank;
  ps->ranks = ranks;
  ps->electrical = mf_model_has_electrical(model);
  if (ps->electrical && opts->scheme == MF_PARTICLES_EXPONENTIAL && !(ps->expm = mf_expm_workspace_create(2 * P + 1)))
    goto nomem;
  long assigned = 0, held = 0;
  for (int p = 0; p < P; p++) {
    long c = p < P - 1 ? lround(model->pop[p].fraction * (double)opts->n) : opts->n - assigned;
    if (c < 1) c = 1;
    ps->count[p] = c;
    /* This rank's contiguous share of the population's blocks: [nb rank / ranks, nb (rank + 1) / ranks). */
    const long nb = (c + MF_PARTICLE_BLOCK - 1) / MF_PARTICLE_BLOCK;
    const long first = nb * rank / ranks, last = nb * (rank + 1) / ranks;
    ps->first_block[p] = first;
    ps->nblocks[p] = last - first;
    ps->held[p] = (last * MF_PARTICLE_BLOCK < c ? last * MF_PARTICLE_BLOCK : c) - first * MF_PARTICLE_BLOCK;
    ps->offset[p] = held;
    ps->total_blocks = ps->total_blocks > ps->nblocks[p] ? ps->total_blocks : ps->nblocks[p];
    assigned += c;
    held += ps->held[p];
  }
  ps->x = malloc((size_t)(held > 0 ? held : 1) * sizeof *ps->x);
  ps->partial = malloc(3 * (size_t)(ps->total_blocks > 0 ? ps->total_blocks : 1) * sizeof *ps->partial);
  /* Every rank goes on to the collectives below, or none does. */
  if (ranks > 1 && mf_dist_agree(ps->x && ps->partial ? MF_OK : mf_error(MF_ENOMEM, "rank %d: out of memory for "
                                                                  "%ld of %ld neurons", rank, held, opts->n)) != MF_OK) {
    mf_particles_free(ps);
    return NULL;
  }
  if (!ps->x || !ps->partial) goto nomem;

  /* Initial voltages from the step-0 normals (uniform data: Phi(Z), from erfc). */
  mf_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  for (int p = 0; p < P; p++) kernel_key(ps, &kp[p], 0, p);
  sweep_blocks(ps, kp, 1);
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    for (long b = 0; b < ps->nblocks[p]; b++) {
      double *x = ps->x + ps->offset[p] + b * MF_PARTICLE_BLOCK, sum_s = 0.0, sum_x = 0.0;
      for (int i = 0; i < block_len(ps, p, b); i++) {
        x[i] = pop->init == MF_INIT_GAUSSIAN ? pop->init_a + pop->init_b * x[i]
                                             : pop->init_a + (pop->init_b - pop->init_a) * 0.5 * erfc(-x[i] / sqrt(2.0));
        sum_s += mf_model_S(pop, x[i]);
        sum_x += x[i];
      }
      ps->partial[3 * b] = sum_s, ps->partial[3 * b + 1] = sum_x;
    }
    accumulate(ps, p, 2);
  }
  double sums[2 * MF_MAX_POPS];
  if (reduce(ps, 2, sums) != MF_OK || set_activities(ps, sums) != MF_OK) {
    mf_particles_free(ps);
    return NULL;
  }
  return ps;

nomem:
  mf_particles_free(ps);
  mf_error(MF_ENOMEM, "out of memory for %ld neurons", opts->n);
  return NULL;
}

/* The coefficients of the exponential scheme for rate kappa over h:
 * e = exp(-kappa h), a = (1 - e)/kappa, sd = sigma sqrt((1 - e^2)/(2 kappa)).
 * kappa h -> 0: a -> h and (1 - e^2)/(2 kappa) -> h; expm1 keeps both accurate. */
static void exponential_coefficients(double kappa, double sigma, double h, mf_kernel_params *k)
{
  const double kh = kappa * h;
  k->e = exp(-kh);
  k->a = kh != 0.0 ? -expm1(-kh) / kappa : h;
  k->sd = sigma * sqrt(kh != 0.0 ? -expm1(-2.0 * kh) / (2.0 * kappa) : h);
}

/* The Cholesky factor L (L L^T = Q) of the n x n symmetric positive definite
 * Q, in place in its lower triangle (the upper one is left alone).  In plain
 * loops for the small n here, like the rest of the step's P x P algebra
 * (expm.c).  Returns 1, or 0 if Q is not positive definite. */
static int cholesky_lower(int n, double *Q)
{
  for (int j = 0; j < n; j++) {
    double d = Q[j + j * n];
    for (int k = 0; k < j; k++) d -= Q[j + k * n] * Q[j + k * n];
    if (!(d > 0.0)) return 0;
    const double ljj = sqrt(d);
    Q[j + j * n] = ljj;
    for (int i = j + 1; i < n; i++) {
      double v = Q[i + j * n];
      for (int k = 0; k < j; k++) v -= Q[i + k * n] * Q[j + k * n];
      Q[i + j * n] = v / ljj;
    }
  }
  return 1;
}

/* One step of size h of the split scheme (electrical coupling, exponential
 * scheme).  With the activities frozen, the means M_p and the deviations
 * y_i = X_i - M_p of the particle system obey exactly
 *
 *     dM = (b - K M) dt + dWbar,   K = diag(gamma A_p - c1_p) - gamma g_el,
 *         b_p = <r_p> + gamma sum_q g_pq v_q m_q,   Cov(dWbar_p) = sigma_p^2 / n_p dt,
 *     dy_i = (r_p(X_i) - <r_p> - kappa_p y_i) dt + sigma_p (dW_i - dWbar_p),   kappa_p = gamma A_p - c1_p,
 *
 * (r_p = f_p - c1_p x, <r_p> its population mean, dWbar_p the mean of the
 * population's dW_i, independent of the dW_i - dWbar_p).  Pass 1 gives every
 * neuron the scalar exponential step without the mean forcing (X e + r(X) a +
 * sd Z): up to a common translation of each population this is the exact
 * deviation step with <r_p> frozen.  The sums of pass 1 give <r_p>, the
 * translation's reference and zeta_p = sum Z / sqrt(n_p), a standard normal
 * independent of the deviations.  The means then take the exact step of
 * their linear SDE (mf_expm_ou_apply) with the noise L zeta, L L^T = Q, and
 * pass 2 translates each population onto its new mean and evaluates S.
 * Without electrical weights this is the scalar scheme again (E = diag(e),
 * L = diag(sd / sqrt(n_p))), and the noise of the means is the sum of the
 * neurons' own: along the consensus direction it is kept, not damped. */
static mf_status step_split(mf_particles *ps, double h)
{
  const mf_model *model = &ps->model;
  const int P = model->P;
  const double gamma = model->gamma, zero[MF_MAX_POPS] = {0};
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  mf_model_coupling(model, ps->m, zero, A, C); /* C: the chemical part only */
  mf_kernel_params kp[MF_MAX_POPS];
  memset(kp, 0, sizeof kp);
  double K[MF_MAX_POPS * MF_MAX_POPS], Sigma[MF_MAX_POPS * MF_MAX_POPS] = {0};
  ps->steps++;
  for (int p = 0; p < P; p++) {
    const mf_population *pop = &model->pop[p];
    mf_kernel_params *k = &kp[p];
    kernel_key(ps, k, (uint32_t)ps->steps, p);
    k->f0 = pop->f[0];
    k->f1 = 0.0;
    k->f2 = pop->f[2];
    k->f3 = pop->f[3];
    const double kappa = gamma * A[p] - pop->f[1];
    exponential_coefficients(kappa, pop->sigma, h, k);
    for (int q = 0; q < P; q++) K[p + q * P] = (p == q ? kappa : 0.0) - gamma * pop->g_el[q];
    Sigma[p + p * P] = pop->sigma * pop->sigma / (double)ps->count[p];
  }
  ps->t += h; /* the state about to be computed, as named in a failure */
  set_threads(ps);

  /* Pass 1, and the network's sums of r(X), of X' and of Z. */
  double bvec[MF_MAX_POPS], ybar[MF_MAX_POPS], zeta[MF_MAX_POPS], sums[3 * MF_MAX_POPS];
  for (int p = 0; p < P; p++) {
    double *x = ps->x + ps->offset[p], *partial = ps->partial;
    const long nb = ps->nblocks[p], first = ps->first_block[p];
    const mf_kernel_params *kpp = &kp[p];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++)
      mf_particles_kernel_split(x + b * MF_PARTICLE_BLOCK, block_len(ps, p, b), (uint32_t)(first + b), kpp,
                                partial + 3 * b);
    accumulate(ps, p, 3);
  }
  mf_status status = reduce(ps, 3, sums);
  if (status != MF_OK) return status;
  for (int p = 0; p < P; p++) {
    const double sum_r = sums[3 * p], sum_y = sums[3 * p + 1], sum_z = sums[3 * p + 2];
    if (!isfinite(sum_r) || !isfinite(sum_y)) return not_finite(ps, p);
    const double n = (double)ps->count[p];
    bvec[p] = sum_r / n + gamma * C[p];
    ybar[p] = sum_y / n;
    zeta[p] = sum_z / sqrt(n);
  }

  /* The means: M' = E M + phi + L zeta. */
  double E[MF_MAX_POPS * MF_MAX_POPS], phi[MF_MAX_POPS], Q[MF_MAX_POPS * MF_MAX_POPS], shift[MF_MAX_POPS];
  status = mf_expm_ou_apply(ps->expm, P, K, bvec, Sigma, h, E, phi, Q);
  if (status != MF_OK) return status;
  if (!cholesky_lower(P, Q))
    return mf_error(MF_ENUMERIC, "the covariance of the population means is not positive definite at t = %.9g",
                    ps->t);
  for (int p = 0; p < P; p++) {
    double mean = phi[p];
    for (int q = 0; q < P; q++) mean += E[p + q * P] * ps->xbar[q];
    for (int q = 0; q <= p; q++) mean += Q[p + q * P] * zeta[q];
    shift[p] = mean - ybar[p];
  }

  /* Pass 2: translate, then the activities and means. */
  for (int p = 0; p < P; p++) {
    double *x = ps->x + ps->offset[p], *partial = ps->partial;
    const long nb = ps->nblocks[p];
    const mf_kernel_params *kpp = &kp[p];
    const double sh = shift[p];
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++)
      mf_particles_kernel_shift(x + b * MF_PARTICLE_BLOCK, block_len(ps, p, b), sh, kpp, partial + 3 * b);
    accumulate(ps, p, 2);
  }
  if ((status = reduce(ps, 2, sums)) != MF_OK) return status;
  return set_activities(ps, sums);
}

/* One step of size h. */
static mf_status step(mf_particles *ps, double h)
{
  if (ps->electrical && ps->opts.scheme == MF_PARTICLES_EXPONENTIAL) return step_split(ps, h);
  const mf_model *model = &ps->model;
  const double gamma = model->gamma;
  double A[MF_MAX_POPS], C[MF_MAX_POPS];
  /* Chemical only: xbar is not needed (and left out, so that C is what it always was). */
  mf_model_coupling(model, ps->m, ps->electrical ? ps->xbar : NULL, A, C);
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
      k->f1 = 0.0;
      exponential_coefficients(gamma * A[p] - pop->f[1], pop->sigma, h, k);
    }
  }
  ps->t += h; /* the state about to be computed, as named in a failure */
  return sweep_blocks(ps, kp, 0);
}

mf_status mf_particles_advance(mf_particles *ps, double tout)
{
  const double eps = 1e-12 * fmax(1.0, fabs(tout)), start = mf_clock_seconds();
  mf_status status = MF_OK;
  while (status == MF_OK && ps->t < tout - eps) {
    /* A large network takes a while between output times: stop at a step (interrupt.h); with
     * several ranks at the step after one of them saw the signal, all at the same step. */
    if (ps->ranks > 1 ? ps->stop : mf_interrupted()) {
      status = mf_interrupt_status("t", ps->t);
      break;
    }
    double h = fmin(ps->opts.dt, tout - ps->t);
    /* A last step shorter than 1e-9 dt would only add round-off: stretch the one before. */
    if (tout - ps->t - h < 1e-9 * ps->opts.dt) h = tout - ps->t;
    status = step(ps, h);
  }
  ps->wall += mf_clock_seconds() - start;
  return status;
}

double mf_particles_wall(const mf_particles *ps) { return ps->wall; }

double mf_particles_reduce_wall(const mf_particles *ps, long *count)
{
  if (count) *count = ps->reductions;
  return ps->reduce_wall;
}

double mf_particles_time(const mf_particles *ps) { return ps->t; }
const mf_model *mf_particles_model(const mf_particles *ps) { return &ps->model; }
long mf_particles_steps(const mf_particles *ps) { return ps->steps; }
long mf_particles_count(const mf_particles *ps, int p) { return ps->count[p]; }
long mf_particles_held(const mf_particles *ps, int p) { return ps->held[p]; }
long mf_particles_first(const mf_particles *ps, int p) { return ps->first_block[p] * MF_PARTICLE_BLOCK; }
int mf_particles_ranks(const mf_particles *ps) { return ps->ranks; }

mf_status mf_particles_sum_exact(const mf_particles *ps, mf_exactsum *s, int count)
{
  return ps->ranks > 1 ? mf_dist_sum_exact(s, count, NULL) : MF_OK;
}

mf_status mf_particles_sum_counts(const mf_particles *ps, double *v, long count)
{
  return ps->ranks > 1 ? mf_dist_sum_counts(v, count) : MF_OK;
}
const double *mf_particles_voltages(const mf_particles *ps, int p) { return ps->x + ps->offset[p]; }

long mf_particles_total(const mf_particles *ps)
{
  long n = 0;
  for (int p = 0; p < ps->model.P; p++) n += ps->count[p];
  return n;
}

void mf_particles_restore(mf_particles *ps, double t, long steps, double wall, const double *x, const double *m,
                          const double *xbar)
{
  const int P = ps->model.P;
  memcpy(ps->x, x, (size_t)mf_particles_total(ps) * sizeof *ps->x);
  memcpy(ps->m, m, (size_t)P * sizeof *m);
  memcpy(ps->xbar, xbar, (size_t)P * sizeof *xbar);
  ps->t = t, ps->steps = steps, ps->wall = wall;
}

void mf_particles_activities(const mf_particles *ps, double *m)
{
  memcpy(m, ps->m, (size_t)ps->model.P * sizeof(double));
}

void mf_particles_means(const mf_particles *ps, double *xbar)
{
  memcpy(xbar, ps->xbar, (size_t)ps->model.P * sizeof(double));
}
