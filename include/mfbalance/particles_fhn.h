/* particles_fhn.h -- the network of FitzHugh-Nagumo neurons (../shared/FHN.md
 * section 1, docs/fhn.md "Network"): neuron i of population p has (v_i, w_i),
 *
 *     dv_i = [ f_p(v_i) - w_i - gamma (A_p v_i - C_p) ] dt + sigma_p dW_i,
 *     dw_i = eps_p (v_i + a_p - b_p w_i) dt + sigma_w_p dB_i,
 *
 * f_p the population's cubic (mf_population.f), A_p and C_p as in model.h
 * from the activities m_q and the voltage means vbar_q (electrical coupling
 * acts on v only).  Options, thread-count independence and the Philox
 * counters are those of particles.h; each neuron draws two normals per step
 * (two independent Philox streams).
 *
 * Scheme (one step of size h, activities frozen): the linear part of the
 * pair, drift -K (v, w) with K = [[kappa_p, 1], [-eps_p, eps_p b_p]],
 * kappa_p = gamma A_p - c1_p (c1 the linear coefficient of f_p), is
 * integrated exactly with its noise (the 2 x 2 Ornstein-Uhlenbeck step of
 * expm.h), and the rest of f_p, r(v) = c2 v^2 + c3 v^3, is frozen at the
 * step's start: exact in law when c2 = c3 = 0 and S is constant, stable for
 * any gamma A h.  With electrical weights the step is split as in
 * particles.h: the deviations from the population means take the step
 * above without the mean forcing, the 2P means (vbar_p, wbar_p) the exact
 * step of their linear SDE, whose matrix holds -gamma g_el.  Only the
 * exponential scheme exists for these neurons.
 */
#ifndef MFBALANCE_PARTICLES_FHN_H
#define MFBALANCE_PARTICLES_FHN_H

#include "mfbalance/model.h"
#include "mfbalance/particles.h"
#include "mfbalance/status.h"

typedef struct mf_fhn_particles mf_fhn_particles;

/* Per population: the moments of v and w, and the coupling it feels. */
typedef struct {
  double mean_v, sd_v, mean_w, sd_w;
  double m;    /* activity (1/n_p) sum S_p(v_i) */
  double A, V; /* the coupling -gamma A (v - V) (V = C / A; NaN when A = 0) */
} mf_fhn_observables;

/* As mf_particles_create, for model->neuron == MF_NEURON_FHN (v from the
 * population's initial density, w Gaussian from its recovery's init_mean and
 * init_sd).  opts->scheme must be MF_PARTICLES_EXPONENTIAL.  NULL (with a
 * message) on bad input or no memory. */
mf_fhn_particles *mf_fhn_particles_create(const mf_model *model, const mf_particle_opts *opts);

void mf_fhn_particles_free(mf_fhn_particles *ps);

/* Step to tout, as mf_particles_advance (MF_OK, MF_ENUMERIC, MF_EINTR). */
mf_status mf_fhn_particles_advance(mf_fhn_particles *ps, double tout);

double mf_fhn_particles_time(const mf_fhn_particles *ps);
long mf_fhn_particles_steps(const mf_fhn_particles *ps);
double mf_fhn_particles_wall(const mf_fhn_particles *ps);
long mf_fhn_particles_count(const mf_fhn_particles *ps, int p);
const double *mf_fhn_particles_v(const mf_fhn_particles *ps, int p);
const double *mf_fhn_particles_w(const mf_fhn_particles *ps, int p);
const mf_model *mf_fhn_particles_model(const mf_fhn_particles *ps);

/* The current observables of every population (obs has length P): moments
 * summed in a fixed order, the same for any number of threads. */
void mf_fhn_particles_observables(const mf_fhn_particles *ps, mf_fhn_observables *obs);

#endif
