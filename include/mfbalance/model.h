/* model.h -- the network model of docs/model.md (MODEL.md sections 1-2).
 *
 * P populations of one-dimensional neurons.  Population p has intrinsic
 * dynamics f_p (a cubic), noise sigma_p, the reversal potential v_p of the
 * synapses it sends, the presynaptic activation S_p (a logistic, constant
 * when k = 0), row p of the chemical weights g and row p of the electrical
 * (gap-junction) weights g_el.  Both couplings are separable: population p
 * feels the network only through the activities m_q = E[S_q(X_q)] and the
 * means xbar_q = E[X_q], as a linear force -gamma A_p (x - V_p) with
 *
 *     A_p = G_p + sum_q g_pq m_q,           G_p = sum_q g_el_pq,
 *     C_p = A_p V_p = sum_q g_el_pq xbar_q + sum_q g_pq v_q m_q
 *
 * (../shared/FHN.md section 1, one-variable form).
 * C_p is used instead of V_p because both A and C are linear in m (and V is
 * undefined when A = 0).  Everything here is plain data and pure functions.
 */
#ifndef MFBALANCE_MODEL_H
#define MFBALANCE_MODEL_H

#include "mfbalance/status.h"

#define MF_MAX_POPS 16  /* most populations a model may have */
#define MF_NAME_LEN 32  /* longest population name, with its terminator */

typedef enum { MF_INIT_GAUSSIAN, MF_INIT_UNIFORM } mf_init_kind;

/* The neuron: one voltage, or FitzHugh-Nagumo's voltage and recovery (v, w). */
typedef enum { MF_NEURON_1D, MF_NEURON_FHN } mf_neuron;

/* The recovery variable of a FitzHugh-Nagumo neuron (../shared/FHN.md section 1):
 *     dv = [ f(v) - w + coupling ] dt + sigma dW,   dw = epsilon (v + a - b w) dt + sigma_w dB,
 * f the population's cubic (FitzHugh-Nagumo: I + v - v^3/3). */
typedef struct {
  double a, b, epsilon;       /* recovery dynamics, epsilon > 0 */
  double sigma_w;             /* noise on w, >= 0 (0: pure transport in w) */
  double init_mean, init_sd;  /* Gaussian initial w */
} mf_recovery;

typedef struct {
  char name[MF_NAME_LEN]; /* label used in outputs ("E", "I", ...) */
  double sigma;           /* noise amplitude, > 0; diffusion D = sigma^2/2 */
  double f[4];            /* f(x) = f[0] + f[1] x + f[2] x^2 + f[3] x^3 */
  double reversal;        /* v_p: reversal potential of the synapses from p */
  double s, k, theta;     /* S(y) = s / (1 + exp(-k (y - theta))); k = 0: S = s/2 */
  double g[MF_MAX_POPS];  /* row p of the chemical weights, length P, >= 0 */
  double g_el[MF_MAX_POPS]; /* row p of the electrical weights, length P, >= 0 (all 0: none) */
  mf_init_kind init;      /* shape of the initial density */
  double init_a, init_b;  /* gaussian: mean, sd; uniform: left, right end */
  double fraction;        /* share of the n neurons (particle simulations) */
  mf_recovery w;          /* the recovery variable, for MF_NEURON_FHN */
} mf_population;

typedef struct {
  int P;                            /* number of populations, 1..MF_MAX_POPS */
  double gamma;                     /* global coupling strength, > 0 */
  mf_neuron neuron;                 /* one-dimensional (the default) or FitzHugh-Nagumo */
  mf_population pop[MF_MAX_POPS];   /* populations 0..P-1 */
} mf_model;

/* Intrinsic drift f_p(x), its derivative, and the antiderivative F_p with F_p(0) = 0. */
double mf_model_f(const mf_population *pop, double x);
double mf_model_df(const mf_population *pop, double x);
double mf_model_F(const mf_population *pop, double x);

/* The mean of f_p over [mid - half, mid + half], exactly (f is a cubic):
 * (F(mid + half) - F(mid - half)) / (2 half) without the cancellation. */
double mf_model_f_mean(const mf_population *pop, double mid, double half);

/* Presynaptic activation S_p(y) and its derivative. */
double mf_model_S(const mf_population *pop, double y);
double mf_model_dS(const mf_population *pop, double y);

/* The mean and standard deviation of the initial density of pop on the whole line. */
void mf_model_initial_moments(const mf_population *pop, double *mean, double *sd);

/* Diffusion coefficient D_p = sigma_p^2 / 2. */
double mf_model_diffusion(const mf_population *pop);

/* The coupling seen by every population for activities m and means xbar
 * (length P each; xbar may be NULL when the model has no electrical
 * coupling): A[p] = G_p + sum_q g_pq m_q, C[p] = sum_q g_el_pq xbar_q +
 * sum_q g_pq v_q m_q (both length P). */
void mf_model_coupling(const mf_model *model, const double *m, const double *xbar, double *A, double *C);

/* 1 if some electrical weight is non-zero. */
int mf_model_has_electrical(const mf_model *model);

/* The balance voltages where MODEL.md section 3 gives them explicitly:
 * P = 1 (x* = v_1), or all rows of g equal and every S the same function
 * (or every S constant): x*_p = sum_q g_q v_q S_q / sum_q g_q S_q for all p;
 * never with electrical coupling.  Writes xstar[0..P-1] and returns 1 when
 * explicit, 0 otherwise. */
int mf_model_explicit_balance(const mf_model *model, double *xstar);

/* The mass of population pop's initial density inside [a, b], a <= b, in
 * [0, 1]; the Gaussian tail is summed with erfc, so that a small mass far in
 * a tail keeps its relative accuracy. */
double mf_model_initial_mass(const mf_population *pop, double a, double b);

/* Check every parameter (sigma > 0, g >= 0, finite values, fractions summing
 * to 1, ...).  Returns MF_OK or MF_EINPUT with a message naming the
 * population and the parameter. */
mf_status mf_model_check(const mf_model *model);

#endif
