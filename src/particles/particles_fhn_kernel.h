/* particles_fhn_kernel.h -- the inner loops of the FitzHugh-Nagumo particle
 * step (particles_fhn.c; private to src/). */
#ifndef MFBALANCE_PARTICLES_FHN_KERNEL_H
#define MFBALANCE_PARTICLES_FHN_KERNEL_H

#include "particles_kernel.h"

#include <stdint.h>

/* One population's step, with r(v) = f2 v^2 + f3 v^3 frozen over it:
 *     v' = evv v + evw w + pv r(v) + cv + lvv Z1
 *     w' = ewv v + eww w + pw r(v) + cw + lwv Z1 + lww Z2
 * (E = exp(-K h), (pv, pw) its phi column for the v-forcing, (cv, cw) the
 * constant forcing, L the Cholesky factor of the step's noise covariance). */
typedef struct {
  double evv, evw, ewv, eww;
  double pv, pw, cv, cw;
  double lvv, lwv, lww;
  double f2, f3;
  double s, k, theta;  /* S of this population */
  uint32_t key[2];     /* Philox key (the seed) */
  uint32_t step, pop;  /* counter words */
} mf_fhn_kernel_params;

/* Sums per block, in this order. */
enum { MF_FHN_SUM_S, MF_FHN_SUM_V, MF_FHN_SUM_W, MF_FHN_SUM_R, MF_FHN_SUM_Z1, MF_FHN_SUM_Z2, MF_FHN_NSUMS };

/* Advance the len <= MF_PARTICLE_BLOCK neurons (v, w) of block `block`;
 * sums gets S(v'), v', w' (and 0 for the rest). */
void mf_fhn_kernel(double *v, double *w, int len, uint32_t block, const mf_fhn_kernel_params *kp,
                   double sums[MF_FHN_NSUMS]);

/* Pass 1 of the split step (electrical coupling): the same update; sums
 * gets v', w', r(v) at the old v and the two normals' sums (S: 0). */
void mf_fhn_kernel_split(double *v, double *w, int len, uint32_t block, const mf_fhn_kernel_params *kp,
                         double sums[MF_FHN_NSUMS]);

/* Pass 2 of the split step: v += sv, w += sw; sums gets S(v'), v', w'. */
void mf_fhn_kernel_shift(double *v, double *w, int len, double sv, double sw, const mf_fhn_kernel_params *kp,
                         double sums[MF_FHN_NSUMS]);

/* The two standard normal streams of block `block` at step kp->step into
 * z1, z2 (the initial data). */
void mf_fhn_kernel_draw(int len, uint32_t block, const mf_fhn_kernel_params *kp, double *z1, double *z2);

#endif
