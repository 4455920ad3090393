/* particles_kernel.c -- one block of the particle step (particles.h).
 *
 * Compiled with -ffast-math so that glibc's vector math (libmvec) computes
 * log, sin, cos and exp over whole blocks, and cloned for AVX2 and for
 * plain x86-64 (chosen at load time), since this loop bounds the
 * simulator's throughput.  Nothing here tests for NaN: the caller checks
 * the returned sums in ordinary arithmetic.
 *
 * Normals: particles_normals.h.
 */
#include "particles_kernel.h"
#include "particles_normals.h"

/* The B standard normals of block `block` at the counter of kp (stream 0). */
MF_INLINE void block_normals(uint32_t block, const mf_kernel_params *kp, double z[MF_PARTICLE_BLOCK])
{
  mf_block_normals(kp->key, kp->step, kp->pop, block, 0, z);
}

enum { B = MF_PARTICLE_BLOCK };

MF_CLONES
void mf_particles_kernel(double *x, int len, uint32_t block, const mf_kernel_params *kp, int draw_only,
                         double sums[2])
{
  double z[B];
  block_normals(block, kp, z);
  if (draw_only) {
    for (int j = 0; j < len; j++) x[j] = z[j];
    return;
  }
  double sum_s = 0.0, sum_x = 0.0;
  const double e = kp->e, a = kp->a, sd = kp->sd, f0 = kp->f0, f1 = kp->f1, f2 = kp->f2, f3 = kp->f3;
  const double s = kp->s, k = kp->k, theta = kp->theta;
#pragma omp simd reduction(+ : sum_s, sum_x)
  for (int j = 0; j < len; j++) {
    const double xi = x[j];
    const double b = f0 + xi * (f1 + xi * (f2 + xi * f3));
    const double xn = xi * e + b * a + sd * z[j];
    x[j] = xn;
    sum_x += xn;
    sum_s += s / (1.0 + exp(-k * (xn - theta)));
  }
  sums[0] = sum_s;
  sums[1] = sum_x;
}

MF_CLONES
void mf_particles_kernel_split(double *x, int len, uint32_t block, const mf_kernel_params *kp, double sums[3])
{
  double z[B];
  block_normals(block, kp, z);
  double sum_b = 0.0, sum_x = 0.0, sum_z = 0.0;
  const double e = kp->e, a = kp->a, sd = kp->sd, f0 = kp->f0, f1 = kp->f1, f2 = kp->f2, f3 = kp->f3;
#pragma omp simd reduction(+ : sum_b, sum_x, sum_z)
  for (int j = 0; j < len; j++) {
    const double xi = x[j];
    const double b = f0 + xi * (f1 + xi * (f2 + xi * f3));
    const double xn = xi * e + b * a + sd * z[j];
    x[j] = xn;
    sum_b += b;
    sum_x += xn;
    sum_z += z[j];
  }
  sums[0] = sum_b;
  sums[1] = sum_x;
  sums[2] = sum_z;
}

MF_CLONES
void mf_particles_kernel_shift(double *x, int len, double shift, const mf_kernel_params *kp, double sums[2])
{
  double sum_s = 0.0, sum_x = 0.0;
  const double s = kp->s, k = kp->k, theta = kp->theta;
#pragma omp simd reduction(+ : sum_s, sum_x)
  for (int j = 0; j < len; j++) {
    const double xn = x[j] + shift;
    x[j] = xn;
    sum_x += xn;
    sum_s += s / (1.0 + exp(-k * (xn - theta)));
  }
  sums[0] = sum_s;
  sums[1] = sum_x;
}
