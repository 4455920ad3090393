/* expm.c -- matrix exponential by scaling and squaring with the [13/13]
 * Pade approximant (Higham 2005), and the exact step of a linear SDE from
 * the exponential of a block matrix (Van Loan 1978) followed by doubling
 * (expm.h; docs/particles.md).  Matrices are column-major and small; the
 * products and the solve are plain loops in a fixed order.
 *
 * The Pade system is solved as LAPACK's dgesv solves it (LU with partial
 * pivoting, Golub & Van Loan, Matrix Computations, 4th ed., Algorithm
 * 3.4.1), but in place here: the pthread build of OpenBLAS wakes its thread
 * pool on dgesv even for 5 x 5 systems, and on a busy 2-core machine its
 * spinning threads (sched_yield) slowed the particle simulator, which calls
 * this every step, by 10 to 80% (docs/particles.md). */
#include "mfbalance/expm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_expm_workspace {
  int nmax;              /* largest order accepted */
  double *B, *B2, *B4, *B6; /* scaled matrix and its even powers, nmax^2 each */
  double *U, *V, *T;     /* odd and even parts of the approximant, a product; nmax^2 each */
  double *D, *X;         /* the block matrix of mf_expm_ou_apply and its exponential; nmax^2 each */
  int *ipiv;             /* row interchanges of the LU factorisation, length nmax */
};

/* Higham (2005), Table 2.3 and eq. (2.3): the coefficients of the [13/13]
 * Pade approximant's numerator and the norm up to which it is accurate to
 * the unit round-off. */
static const double pade13[14] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                                  1187353796428800.0,  129060195264000.0,   10559470521600.0,
                                  670442572800.0,      33522128640.0,       1323241920.0,
                                  40840800.0,          960960.0,            16380.0,
                                  182.0,               1.0};
static const double theta13 = 5.371920351148152;

mf_expm_workspace *mf_expm_workspace_create(int nmax)
{
  if (nmax < 1 || nmax > 4096) {
    mf_error(MF_EINPUT, "expm workspace of order %d: expected 1 to 4096", nmax);
    return NULL;
  }
  mf_expm_workspace *w = calloc(1, sizeof *w);
  if (!w) goto nomem;
  w->nmax = nmax;
  const size_t nn = (size_t)nmax * (size_t)nmax;
  double **mats[] = {&w->B, &w->B2, &w->B4, &w->B6, &w->U, &w->V, &w->T, &w->D, &w->X};
  for (size_t k = 0; k < sizeof mats / sizeof mats[0]; k++)
    if (!(*mats[k] = malloc(nn * sizeof(double)))) goto nomem;
  if (!(w->ipiv = malloc((size_t)nmax * sizeof *w->ipiv))) goto nomem;
  return w;

nomem:
  mf_expm_workspace_free(w);
  mf_error(MF_ENOMEM, "out of memory for an expm workspace of order %d", nmax);
  return NULL;
}

void mf_expm_workspace_free(mf_expm_workspace *w)
{
  if (!w) return;
  free(w->B), free(w->B2), free(w->B4), free(w->B6);
  free(w->U), free(w->V), free(w->T), free(w->D), free(w->X);
  free(w->ipiv);
  free(w);
}

/* Z = X Y (n x n); Z must not alias X or Y. */
static void matmul(int n, const double *X, const double *Y, double *Z)
{
  for (int j = 0; j < n; j++) {
    double *z = Z + (size_t)j * n;
    for (int i = 0; i < n; i++) z[i] = 0.0;
    for (int k = 0; k < n; k++) {
      const double y = Y[k + (size_t)j * n], *x = X + (size_t)k * n;
      for (int i = 0; i < n; i++) z[i] += x[i] * y;
    }
  }
}

/* Z = X Y^T (n x n); Z must not alias X or Y. */
static void matmul_t(int n, const double *X, const double *Y, double *Z)
{
  for (int j = 0; j < n; j++) {
    double *z = Z + (size_t)j * n;
    for (int i = 0; i < n; i++) z[i] = 0.0;
    for (int k = 0; k < n; k++) {
      const double y = Y[j + (size_t)k * n], *x = X + (size_t)k * n;
      for (int i = 0; i < n; i++) z[i] += x[i] * y;
    }
  }
}

/* Solve A X = B for n x n A and n x nrhs B in place (A is overwritten by its
 * LU factors, B by X): Gaussian elimination with partial pivoting, as LAPACK
 * dgesv.  Returns 0, or k + 1 if the pivot of column k is zero (A singular),
 * as dgesv's info. */
static int lu_solve(int n, double *A, double *B, int nrhs, int *ipiv)
{
  for (int k = 0; k < n; k++) {
    int piv = k;
    for (int i = k + 1; i < n; i++)
      if (fabs(A[i + (size_t)k * n]) > fabs(A[piv + (size_t)k * n])) piv = i;
    ipiv[k] = piv;
    if (A[piv + (size_t)k * n] == 0.0) return k + 1;
    if (piv != k) {
      for (int j = 0; j < n; j++) {
        const double t = A[k + (size_t)j * n];
        A[k + (size_t)j * n] = A[piv + (size_t)j * n], A[piv + (size_t)j * n] = t;
      }
      for (int j = 0; j < nrhs; j++) {
        const double t = B[k + (size_t)j * n];
        B[k + (size_t)j * n] = B[piv + (size_t)j * n], B[piv + (size_t)j * n] = t;
      }
    }
    const double pivot = A[k + (size_t)k * n];
    for (int i = k + 1; i < n; i++) A[i + (size_t)k * n] /= pivot;
    /* Eliminate below the pivot, column by column (the column-major order). */
    for (int j = k + 1; j < n; j++) {
      const double akj = A[k + (size_t)j * n];
      for (int i = k + 1; i < n; i++) A[i + (size_t)j * n] -= A[i + (size_t)k * n] * akj;
    }
    for (int j = 0; j < nrhs; j++) {
      const double bkj = B[k + (size_t)j * n];
      for (int i = k + 1; i < n; i++) B[i + (size_t)j * n] -= A[i + (size_t)k * n] * bkj;
    }
  }
  /* Back substitution with U. */
  for (int j = 0; j < nrhs; j++) {
    double *b = B + (size_t)j * n;
    for (int k = n - 1; k >= 0; k--) {
      b[k] /= A[k + (size_t)k * n];
      for (int i = 0; i < k; i++) b[i] -= A[i + (size_t)k * n] * b[k];
    }
  }
  return 0;
}

static double norm1(int n, const double *A)
{
  double norm = 0.0;
  for (int j = 0; j < n; j++) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += fabs(A[i + (size_t)j * n]);
    norm = fmax(norm, s);
  }
  return norm;
}

static int all_finite(size_t len, const double *a)
{
  for (size_t k = 0; k < len; k++)
    if (!isfinite(a[k])) return 0;
  return 1;
}

/* The smallest s >= 0 with x / 2^s <= bound (x finite, >= 0). */
static int halvings(double x, double bound)
{
  int s = 0;
  if (x > bound) s = (int)ceil(log2(x / bound));
  while (ldexp(x, -s) > bound) s++;
  return s;
}

mf_status mf_expm_apply(mf_expm_workspace *w, int n, const double *A, double *E)
{
  if (n < 1 || n > w->nmax) return mf_error(MF_EINPUT, "expm of order %d: expected 1 to %d", n, w->nmax);
  const size_t nn = (size_t)n * (size_t)n;
  if (!all_finite(nn, A)) return mf_error(MF_EINPUT, "expm of a %d x %d matrix with a non-finite entry", n, n);
  const int s = halvings(norm1(n, A), theta13);
  const double *b = pade13;
  double *B = w->B, *B2 = w->B2, *B4 = w->B4, *B6 = w->B6, *U = w->U, *V = w->V, *T = w->T;
  for (size_t k = 0; k < nn; k++) B[k] = ldexp(A[k], -s);
  matmul(n, B, B, B2);
  matmul(n, B2, B2, B4);
  matmul(n, B4, B2, B6);
  /* U = B [B6 (b13 B6 + b11 B4 + b9 B2) + b7 B6 + b5 B4 + b3 B2 + b1 I],
   * V =    B6 (b12 B6 + b10 B4 + b8 B2) + b6 B6 + b4 B4 + b2 B2 + b0 I   (Higham's eq. (2.3)). */
  for (size_t k = 0; k < nn; k++) T[k] = b[13] * B6[k] + b[11] * B4[k] + b[9] * B2[k];
  matmul(n, B6, T, V);
  for (size_t k = 0; k < nn; k++) V[k] += b[7] * B6[k] + b[5] * B4[k] + b[3] * B2[k];
  for (int i = 0; i < n; i++) V[i + (size_t)i * n] += b[1];
  matmul(n, B, V, U);
  for (size_t k = 0; k < nn; k++) T[k] = b[12] * B6[k] + b[10] * B4[k] + b[8] * B2[k];
  matmul(n, B6, T, V);
  for (size_t k = 0; k < nn; k++) V[k] += b[6] * B6[k] + b[4] * B4[k] + b[2] * B2[k];
  for (int i = 0; i < n; i++) V[i + (size_t)i * n] += b[0];
  /* r(B) = (V - U)^-1 (V + U): the system matrix in B2, the right-hand sides (then the solution) in T. */
  for (size_t k = 0; k < nn; k++) B2[k] = V[k] - U[k], T[k] = V[k] + U[k];
  const int info = lu_solve(n, B2, T, n, w->ipiv);
  if (info > 0)
    return mf_error(MF_ERECOVER, "expm: the Pade denominator of a %d x %d matrix is singular (zero pivot %d)", n, n,
                    info);
  /* Square s times, alternating between T and B4 so that no product aliases its factors. */
  double *cur = T, *next = B4;
  for (int k = 0; k < s; k++) {
    matmul(n, cur, cur, next);
    double *swap = cur;
    cur = next, next = swap;
  }
  memcpy(E, cur, nn * sizeof *E);
  return MF_OK;
}

/* max |a_k| over len entries, and its binary exponent: a = 2^e a_hat with |a_hat| < 1. */
static int binary_scale(size_t len, const double *a)
{
  double big = 0.0;
  for (size_t k = 0; k < len; k++) big = fmax(big, fabs(a[k]));
  int e = 0;
  if (big > 0.0) frexp(big, &e);
  return e;
}

mf_status mf_expm_ou_apply(mf_expm_workspace *w, int n, const double *K, const double *b, const double *Sigma,
                           double h, double *E, double *phi, double *Q)
{
  const int m = Sigma ? 2 * n + 1 : n + 1;
  if (n < 1 || m > w->nmax)
    return mf_error(MF_EINPUT, "linear SDE step of order %d: the workspace takes orders up to %d, %s", n, w->nmax,
                    Sigma ? "this needs 2n+1" : "this needs n+1");
  const size_t nn = (size_t)n * (size_t)n;
  if (!(h >= 0.0 && isfinite(h))) return mf_error(MF_EINPUT, "linear SDE step h = %g: expected a finite h >= 0", h);
  if (!all_finite(nn, K) || !all_finite((size_t)n, b) || (Sigma && !all_finite(nn, Sigma)))
    return mf_error(MF_EINPUT, "linear SDE step: a non-finite entry in K, b or Sigma");

  /* tau = h / 2^s with ||K tau||_1 <= 1/2: exp(K^T tau), the growing block, stays below e^(1/2).
   * b and Sigma enter linearly: scaled by powers of 2 to at most 1 in size, exactly undone at the end. */
  const int s = halvings(norm1(n, K) * h, 0.5);
  const double tau = ldexp(h, -s);
  const int eb = binary_scale((size_t)n, b), es = Sigma ? binary_scale(nn, Sigma) : 0;
  double *D = w->D;
  memset(D, 0, (size_t)m * (size_t)m * sizeof *D);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) D[i + (size_t)j * m] = -K[i + (size_t)j * n] * tau;
  for (int i = 0; i < n; i++) D[i + (size_t)n * m] = ldexp(b[i], -eb) * tau;
  if (Sigma)
    for (int j = 0; j < n; j++)
      for (int i = 0; i < n; i++) {
        D[i + (size_t)(n + 1 + j) * m] = ldexp(Sigma[i + (size_t)j * n], -es) * tau;
        D[n + 1 + i + (size_t)(n + 1 + j) * m] = K[j + (size_t)i * n] * tau;
      }
  mf_status status = mf_expm_apply(w, m, D, w->X);
  if (status != MF_OK) return status;

  /* Blocks of X = exp(D): E(tau) top left, phi(tau) in column n, and the Van Loan block
   * X13 = int_0^tau exp(-K (tau - r)) Sigma exp(K^T r) dr, so that Q(tau) = X13 E(tau)^T.
   * mf_expm_apply is done with its workspace: its matrices serve as n x n scratch here. */
  const double *X = w->X;
  double *Ek = w->B, *Qk = w->B2, *T1 = w->U, *T2 = w->V;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) Ek[i + (size_t)j * n] = X[i + (size_t)j * m];
  for (int i = 0; i < n; i++) phi[i] = X[i + (size_t)n * m];
  if (Sigma) {
    for (int j = 0; j < n; j++)
      for (int i = 0; i < n; i++) T1[i + (size_t)j * n] = X[i + (size_t)(n + 1 + j) * m];
    matmul_t(n, T1, Ek, Qk);
  }
  /* Doubling: phi(2t) = phi(t) + E(t) phi(t), Q(2t) = Q(t) + E(t) Q(t) E(t)^T, E(2t) = E(t)^2. */
  double *ephi = w->B4;
  for (int k = 0; k < s; k++) {
    for (int i = 0; i < n; i++) {
      double acc = 0.0;
      for (int j = 0; j < n; j++) acc += Ek[i + (size_t)j * n] * phi[j];
      ephi[i] = acc;
    }
    for (int i = 0; i < n; i++) phi[i] += ephi[i];
    if (Sigma) {
      matmul(n, Ek, Qk, T1);
      matmul_t(n, T1, Ek, T2);
      for (int j = 0; j < n; j++)
        for (int i = 0; i <= j; i++) {
          /* Symmetrised as it is accumulated: Q is symmetric, E Q E^T only up to round-off. */
          const double q = Qk[i + (size_t)j * n] + 0.5 * (T2[i + (size_t)j * n] + T2[j + (size_t)i * n]);
          Qk[i + (size_t)j * n] = Qk[j + (size_t)i * n] = q;
        }
    }
    matmul(n, Ek, Ek, T1);
    memcpy(Ek, T1, nn * sizeof *Ek);
  }
  memcpy(E, Ek, nn * sizeof *E);
  for (int i = 0; i < n; i++) phi[i] = ldexp(phi[i], eb);
  if (Sigma)
    for (int j = 0; j < n; j++)
      for (int i = 0; i <= j; i++) {
        const double q = ldexp(0.5 * (Qk[i + (size_t)j * n] + Qk[j + (size_t)i * n]), es);
        Q[i + (size_t)j * n] = Q[j + (size_t)i * n] = q;
      }
  return MF_OK;
}
