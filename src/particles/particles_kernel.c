/* particles_kernel.c -- one block of the particle step (particles.h).
 *
 * Compiled with -ffast-math so that glibc's vector math (libmvec) computes
 * log, sin, cos and exp over whole blocks, and cloned for AVX2 and for
 * plain x86-64 (chosen at load time), since this loop bounds the
 * simulator's throughput.  Nothing here tests for NaN: the caller checks
 * the returned sums in ordinary arithmetic.
 *
 * Normals: Box-Muller on pairs of Philox4x32-10 outputs, u in (0, 1) as
 * (k + 1/2) 2^-32; |Z| is then at most sqrt(2 ln 2^33) = 6.8.
 */
#include "particles_kernel.h"

#include <Random123/philox.h>
#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MF_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MF_CLONES
#endif

/* block_normals is inlined into each clone, so that it is compiled for the clone's target. */
#if defined(__GNUC__)
#define MF_INLINE static inline __attribute__((always_inline))
#else
#define MF_INLINE static inline
#endif

enum { B = MF_PARTICLE_BLOCK, HALF = MF_PARTICLE_BLOCK / 2 };

/* The B standard normals of block `block` at the counter of kp. */
MF_INLINE void block_normals(uint32_t block, const mf_kernel_params *kp, double z[B])
{
  double u[B], rad[HALF], th[HALF];
  const philox4x32_key_t key = {{kp->key[0], kp->key[1]}};
  for (int g = 0; g < B / 4; g++) {
    const philox4x32_ctr_t ctr = {{kp->step, kp->pop, block, (uint32_t)g}};
    const philox4x32_ctr_t r = philox4x32(ctr, key);
    for (int j = 0; j < 4; j++) u[4 * g + j] = ((double)r.v[j] + 0.5) * (1.0 / 4294967296.0);
  }
  /* Separate loops keep sin and cos apart, so that each is vectorised. */
#pragma omp simd
  for (int h = 0; h < HALF; h++) {
    rad[h] = sqrt(-2.0 * log(u[h]));
    th[h] = 6.283185307179586 * u[HALF + h];
  }
#pragma omp simd
  for (int h = 0; h < HALF; h++) z[h] = rad[h] * cos(th[h]);
#pragma omp simd
  for (int h = 0; h < HALF; h++) z[HALF + h] = rad[h] * sin(th[h]);
}

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
