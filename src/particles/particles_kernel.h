/* particles_kernel.h -- the inner loop of the particle step (private to src/). */
#ifndef MFBALANCE_PARTICLES_KERNEL_H
#define MFBALANCE_PARTICLES_KERNEL_H

#include "mfbalance/particles.h" /* MF_PARTICLE_BLOCK */

#include <stdint.h>

typedef struct {
  double e, a, sd;          /* X' = X e + b(X) a + sd Z */
  double f0, f2, f3;        /* b(X) = f0 + f2 X^2 + f3 X^3 (f0 includes gamma C, except in the split step) */
  double f1;                /* linear coefficient left in b (0 for the exponential scheme) */
  double s, k, theta;       /* S of this population */
  uint32_t key[2];          /* Philox key (the seed) */
  uint32_t step, pop;       /* counter words */
} mf_kernel_params;

/* Advance the len <= MF_PARTICLE_BLOCK voltages x of block `block` of a
 * population, and return the sums of S(X') and of X' over them in sums[0],
 * sums[1].  With draw_only, x is overwritten by standard normals instead
 * (used for the initial data). */
void mf_particles_kernel(double *x, int len, uint32_t block, const mf_kernel_params *kp, int draw_only,
                         double sums[2]);

/* Pass 1 of the split step (electrical coupling): the same update
 * X' = X e + b(X) a + sd Z, returning the sums of b(X) (at the old X), of
 * X' and of the normals Z in sums[0..2]; S is not evaluated. */
void mf_particles_kernel_split(double *x, int len, uint32_t block, const mf_kernel_params *kp, double sums[3]);

/* Pass 2 of the split step: X' = X + shift, returning the sums of S(X')
 * (with kp's s, k, theta) and of X' in sums[0], sums[1]. */
void mf_particles_kernel_shift(double *x, int len, double shift, const mf_kernel_params *kp, double sums[2]);

#endif
