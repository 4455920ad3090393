/* particles.h -- the network itself: n stochastic neurons (MODEL.md section 1,
 * ../shared/FHN.md section 1 in one dimension, docs/particles.md).
 *
 *     dX^i = [ f_p(X^i) - gamma (A_p X^i - C_p) ] dt + sigma_p dW^i,
 *     A_p = G_p + sum_q g_pq m_q,  C_p = sum_q g_el_pq xbar_q + sum_q g_pq v_q m_q,
 *     m_q = (1/n_q) sum_{j in q} S_q(X^j),  xbar_q = (1/n_q) sum_{j in q} X^j,  G_p = sum_q g_el_pq,
 *
 * (chemical weights g, electrical weights g_el) with the P activities and P
 * means recomputed every step, so a step costs O(n).
 *
 * Schemes (one step of size h, the activities frozen over the step):
 *   MF_PARTICLES_EXPONENTIAL  the linear part -kappa X, kappa = gamma A_p - c1
 *       (c1 the linear coefficient of f_p), is integrated exactly, the rest
 *       b(X) = f_p(X) - c1 X + gamma C_p is frozen at the step's start:
 *           X' = X e + b(X) (1 - e)/kappa + sigma sqrt((1 - e^2)/(2 kappa)) Z,  e = exp(-kappa h).
 *       Stable for any gamma A h; exact in law for linear f and constant S;
 *       weak order 1 otherwise (an exponential Euler scheme).
 *       With electrical coupling, C_p depends on the means, and freezing
 *       them would pin each population's mean when gamma G h >> 1; the
 *       scheme is then split: the deviations from the population means take
 *       the step above (rate kappa, the mean forcing removed), the means the
 *       exact step of their P-dimensional linear SDE (matrix exponential of
 *       -K h, K = diag(kappa) - gamma g_el, with the phi_1 forcing and the
 *       exact noise of the means).  Still stable for any gamma A h and exact
 *       in law for linear f and constant S.  Without g_el it is the scalar
 *       scheme above (the same law; that path is used then).
 *   MF_PARTICLES_EULER  Euler-Maruyama, X' = X + (f(X) - gamma (A X - C)) h + sigma sqrt(h) Z:
 *       unstable once (gamma A - c1) h > 2.
 *
 * Random numbers: Philox4x32-10 (Salmon et al., SC'11; Random123) keyed by
 * the seed, with the counter (step, population, block of 512 neurons); the
 * normals of a block come from Box-Muller.  A neuron's noise depends only on
 * (seed, population, index, step), and the activities and means are exact
 * sums of the blocks' partial sums (exactsum.h), so results are
 * bit-identical for any number of threads, and for any number of MPI ranks
 * sharing the network (mf_particles_create_share, distribute.h).
 */
#ifndef MFBALANCE_PARTICLES_H
#define MFBALANCE_PARTICLES_H

#include "mfbalance/exactsum.h"
#include "mfbalance/model.h"
#include "mfbalance/status.h"

#include <stdint.h>

typedef enum { MF_PARTICLES_EXPONENTIAL, MF_PARTICLES_EULER } mf_particle_scheme;

typedef struct {
  long n;                    /* neurons in all, >= P */
  double dt;                 /* time step, > 0 */
  uint64_t seed;             /* Philox key */
  mf_particle_scheme scheme; /* time-stepping scheme */
  int threads;               /* OpenMP threads, 0 for the OpenMP default */
} mf_particle_opts;

typedef struct mf_particles mf_particles;

/* Neurons per block: one Philox counter range and one partial sum.  The
 * networks' sums are sums of block sums in a fixed order, which is what
 * makes them the same for any number of threads and ranks. */
#define MF_PARTICLE_BLOCK 512

/* n neurons split over the populations by their fractions (round to
 * nearest, the last population takes the remainder; each gets at least 1),
 * drawn from the initial densities with the step-0 random numbers.  The
 * model is copied.  NULL (with a message) on bad options or no memory. */
mf_particles *mf_particles_create(const mf_model *model, const mf_particle_opts *opts);

/* The share of rank `rank` of `ranks` of the same network: of every
 * population's blocks of MF_PARTICLE_BLOCK = 512 neurons, the contiguous
 * run [nb rank / ranks, nb (rank + 1) / ranks) (nb the population's
 * blocks).  With ranks > 1, ranks must be mf_dist_size() (distribute.h)
 * and every rank calls this, mf_particles_advance and the sums below
 * together (they are collectives); the activities, means, time and status
 * are then the same on every rank, and the voltages held are bit for bit
 * those of the same neurons in mf_particles_create's network.
 * mf_particles_create is the share 0 of 1.  NULL (with a message, on
 * every rank) on bad options or no memory on some rank. */
mf_particles *mf_particles_create_share(const mf_model *model, const mf_particle_opts *opts, int rank, int ranks);

/* Frees the simulation; mf_particles_free(NULL) does nothing. */
void mf_particles_free(mf_particles *ps);

/* Step to time tout (steps of dt, the last one shortened to land on tout).
 * Returns MF_OK, or MF_ENUMERIC when a voltage stops being finite (the
 * message gives the time); the state is then the first non-finite one
 * (with the split scheme, possibly only partly advanced); or MF_EINTR when
 * mf_interrupted() (interrupt.h) is set before a step: the state is then
 * the last step's, short of tout. */
mf_status mf_particles_advance(mf_particles *ps, double tout);

double mf_particles_time(const mf_particles *ps);
long mf_particles_steps(const mf_particles *ps);
double mf_particles_wall(const mf_particles *ps); /* seconds spent stepping */
/* Seconds spent in the reductions over ranks (the MPI_Allreduce of the
 * step's sums, waiting for the slowest rank included), and in *count (if
 * not NULL) how many; 0 with one rank. */
double mf_particles_reduce_wall(const mf_particles *ps, long *count);
long mf_particles_count(const mf_particles *ps, int p);       /* neurons of population p in the network */
long mf_particles_held(const mf_particles *ps, int p);        /* of them, held by this share */
long mf_particles_first(const mf_particles *ps, int p);       /* index in the population of the first held */
int mf_particles_ranks(const mf_particles *ps);               /* ranks sharing the network (1: all here) */
/* The mf_particles_held(ps, p) voltages of population p held here (all of them with one rank). */
const double *mf_particles_voltages(const mf_particles *ps, int p);
const mf_model *mf_particles_model(const mf_particles *ps);

/* Sums over the network's ranks (collectives when ranks > 1, else
 * nothing to do): s[k] (k < count) becomes the exact sum of every rank's
 * s[k]; v[k] (k < count) the sum of every rank's v[k], exact for integer
 * counts below 2^53.  MF_OK or a failure of MPI. */
mf_status mf_particles_sum_exact(const mf_particles *ps, mf_exactsum *s, int count);
mf_status mf_particles_sum_counts(const mf_particles *ps, double *v, long count);

/* Neurons in all; the voltages of every population, in order, start at
 * mf_particles_voltages(ps, 0). */
long mf_particles_total(const mf_particles *ps);

/* Put the network back in a state it had (a checkpoint): time t after steps
 * steps (the step number is the random-number counter, so the steps that
 * follow draw what they would have), wall seconds so far, all voltages x
 * (mf_particles_total), activities m and means xbar (length P, as
 * mf_particles_activities and mf_particles_means gave them). */
void mf_particles_restore(mf_particles *ps, double t, long steps, double wall, const double *x, const double *m,
                          const double *xbar);

/* The activities m_q of the current state (length P). */
void mf_particles_activities(const mf_particles *ps, double *m);

/* The means xbar_q of the current state (length P), as the simulator uses
 * them (summed in a fixed order: the same for any number of threads). */
void mf_particles_means(const mf_particles *ps, double *xbar);

const char *mf_particle_scheme_name(mf_particle_scheme s);
int mf_particle_scheme_from_name(const char *name);

#endif
