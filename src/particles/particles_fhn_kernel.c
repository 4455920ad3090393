/* particles_fhn_kernel.c -- one block of the FitzHugh-Nagumo particle step
 * (particles_fhn_kernel.h).  Built like particles_kernel.c (-ffast-math,
 * vector math, AVX2 and plain x86-64 clones), with two normal streams per
 * neuron (particles_normals.h, lanes 0 and 1).  No NaN tests here: the
 * caller checks the sums. */
#include "particles_fhn_kernel.h"
#include "particles_normals.h"

enum { B = MF_PARTICLE_BLOCK };

static void zero_sums(double sums[MF_FHN_NSUMS])
{
  for (int k = 0; k < MF_FHN_NSUMS; k++) sums[k] = 0.0;
}

MF_CLONES
void mf_fhn_kernel(double *v, double *w, int len, uint32_t block, const mf_fhn_kernel_params *kp,
                   double sums[MF_FHN_NSUMS])
{
  double z1[B], z2[B];
  mf_block_normals(kp->key, kp->step, kp->pop, block, 0, z1);
  mf_block_normals(kp->key, kp->step, kp->pop, block, 1, z2);
  const double evv = kp->evv, evw = kp->evw, ewv = kp->ewv, eww = kp->eww, pv = kp->pv, pw = kp->pw;
  const double cv = kp->cv, cw = kp->cw, lvv = kp->lvv, lwv = kp->lwv, lww = kp->lww, f2 = kp->f2, f3 = kp->f3;
  const double s = kp->s, k = kp->k, theta = kp->theta;
  double sum_s = 0.0, sum_v = 0.0, sum_w = 0.0;
#pragma omp simd reduction(+ : sum_s, sum_v, sum_w)
  for (int j = 0; j < len; j++) {
    const double vi = v[j], wi = w[j];
    const double r = vi * vi * (f2 + f3 * vi);
    const double vn = evv * vi + evw * wi + pv * r + cv + lvv * z1[j];
    const double wn = ewv * vi + eww * wi + pw * r + cw + lwv * z1[j] + lww * z2[j];
    v[j] = vn;
    w[j] = wn;
    sum_v += vn;
    sum_w += wn;
    sum_s += s / (1.0 + exp(-k * (vn - theta)));
  }
  zero_sums(sums);
  sums[MF_FHN_SUM_S] = sum_s;
  sums[MF_FHN_SUM_V] = sum_v;
  sums[MF_FHN_SUM_W] = sum_w;
}

MF_CLONES
void mf_fhn_kernel_split(double *v, double *w, int len, uint32_t block, const mf_fhn_kernel_params *kp,
                         double sums[MF_FHN_NSUMS])
{
  double z1[B], z2[B];
  mf_block_normals(kp->key, kp->step, kp->pop, block, 0, z1);
  mf_block_normals(kp->key, kp->step, kp->pop, block, 1, z2);
  const double evv = kp->evv, evw = kp->evw, ewv = kp->ewv, eww = kp->eww, pv = kp->pv, pw = kp->pw;
  const double cv = kp->cv, cw = kp->cw, lvv = kp->lvv, lwv = kp->lwv, lww = kp->lww, f2 = kp->f2, f3 = kp->f3;
  double sum_v = 0.0, sum_w = 0.0, sum_r = 0.0, sum_z1 = 0.0, sum_z2 = 0.0;
#pragma omp simd reduction(+ : sum_v, sum_w, sum_r, sum_z1, sum_z2)
  for (int j = 0; j < len; j++) {
    const double vi = v[j], wi = w[j];
    const double r = vi * vi * (f2 + f3 * vi);
    const double vn = evv * vi + evw * wi + pv * r + cv + lvv * z1[j];
    const double wn = ewv * vi + eww * wi + pw * r + cw + lwv * z1[j] + lww * z2[j];
    v[j] = vn;
    w[j] = wn;
    sum_v += vn;
    sum_w += wn;
    sum_r += r;
    sum_z1 += z1[j];
    sum_z2 += z2[j];
  }
  zero_sums(sums);
  sums[MF_FHN_SUM_V] = sum_v;
  sums[MF_FHN_SUM_W] = sum_w;
  sums[MF_FHN_SUM_R] = sum_r;
  sums[MF_FHN_SUM_Z1] = sum_z1;
  sums[MF_FHN_SUM_Z2] = sum_z2;
}

MF_CLONES
void mf_fhn_kernel_shift(double *v, double *w, int len, double sv, double sw, const mf_fhn_kernel_params *kp,
                         double sums[MF_FHN_NSUMS])
{
  const double s = kp->s, k = kp->k, theta = kp->theta;
  double sum_s = 0.0, sum_v = 0.0, sum_w = 0.0;
#pragma omp simd reduction(+ : sum_s, sum_v, sum_w)
  for (int j = 0; j < len; j++) {
    const double vn = v[j] + sv, wn = w[j] + sw;
    v[j] = vn;
    w[j] = wn;
    sum_v += vn;
    sum_w += wn;
    sum_s += s / (1.0 + exp(-k * (vn - theta)));
  }
  zero_sums(sums);
  sums[MF_FHN_SUM_S] = sum_s;
  sums[MF_FHN_SUM_V] = sum_v;
  sums[MF_FHN_SUM_W] = sum_w;
}

MF_CLONES
void mf_fhn_kernel_draw(int len, uint32_t block, const mf_fhn_kernel_params *kp, double *z1, double *z2)
{
  double a[B], b[B];
  mf_block_normals(kp->key, kp->step, kp->pop, block, 0, a);
  mf_block_normals(kp->key, kp->step, kp->pop, block, 1, b);
  for (int j = 0; j < len; j++) z1[j] = a[j], z2[j] = b[j];
}
