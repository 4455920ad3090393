/* particles_normals.h -- the standard normals of one block of neurons,
 * shared by the particle kernels (private to src/; included only by files
 * built with the kernels' flags, so that it is compiled for each clone).
 *
 * Box-Muller on pairs of Philox4x32-10 outputs, u in (0, 1) as
 * (k + 1/2) 2^-32; |Z| is then at most sqrt(2 ln 2^33) = 6.8.  The counter
 * is (step, population, block, lane B/4 + g): lane 0 is the stream of the
 * one-dimensional kernels, lane 1 a second, independent stream for neurons
 * that need two normals per step (FitzHugh-Nagumo). */
#ifndef MFBALANCE_PARTICLES_NORMALS_H
#define MFBALANCE_PARTICLES_NORMALS_H

#include "particles_kernel.h"

#include <Random123/philox.h>
#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MF_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MF_CLONES
#endif

/* Inlined into each clone, so that it is compiled for the clone's target. */
#if defined(__GNUC__)
#define MF_INLINE static inline __attribute__((always_inline))
#else
#define MF_INLINE static inline
#endif

/* The MF_PARTICLE_BLOCK standard normals of block `block` of stream `lane`. */
MF_INLINE void mf_block_normals(const uint32_t key[2], uint32_t step, uint32_t pop, uint32_t block, uint32_t lane,
                                double z[MF_PARTICLE_BLOCK])
{
  enum { NB = MF_PARTICLE_BLOCK, NH = MF_PARTICLE_BLOCK / 2 };
  double u[NB], rad[NH], th[NH];
  const philox4x32_key_t k = {{key[0], key[1]}};
  for (int g = 0; g < NB / 4; g++) {
    const philox4x32_ctr_t ctr = {{step, pop, block, lane * (uint32_t)(NB / 4) + (uint32_t)g}};
    const philox4x32_ctr_t r = philox4x32(ctr, k);
    for (int j = 0; j < 4; j++) u[4 * g + j] = ((double)r.v[j] + 0.5) * (1.0 / 4294967296.0);
  }
  /* Separate loops keep sin and cos apart, so that each is vectorised. */
#pragma omp simd
  for (int h = 0; h < NH; h++) {
    rad[h] = sqrt(-2.0 * log(u[h]));
    th[h] = 6.283185307179586 * u[NH + h];
  }
#pragma omp simd
  for (int h = 0; h < NH; h++) z[h] = rad[h] * cos(th[h]);
#pragma omp simd
  for (int h = 0; h < NH; h++) z[NH + h] = rad[h] * sin(th[h]);
}

#endif
