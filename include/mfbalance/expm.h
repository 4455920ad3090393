/* expm.h -- the matrix exponential of small dense matrices, and the exact
 * step of a linear stochastic differential equation built on it
 * (docs/particles.md, "Electrical coupling: means and deviations").
 *
 * Matrices are column-major, element (i, j) of an n x n matrix at
 * [i + j n], as in LAPACK.  The orders meant here are small (the number of
 * populations, or twice that plus one): everything is O(n^3) per call, in
 * plain loops, so results do not depend on a BLAS's threading and no BLAS
 * thread pool is woken.
 */
#ifndef MFBALANCE_EXPM_H
#define MFBALANCE_EXPM_H

#include "mfbalance/status.h"

typedef struct mf_expm_workspace mf_expm_workspace;

/* Workspace for matrices of order up to nmax >= 1 (about 9 nmax^2
 * doubles).  NULL (with a message) on a bad nmax or out of memory. */
mf_expm_workspace *mf_expm_workspace_create(int nmax);

/* Frees the workspace; mf_expm_workspace_free(NULL) does nothing. */
void mf_expm_workspace_free(mf_expm_workspace *w);

/* E = exp(A) for the n x n matrix A, 1 <= n <= nmax; A and E may be the
 * same array.  Scaling and squaring with the [13/13] Pade approximant
 * (Higham, SIAM J. Matrix Anal. Appl. 26 (2005) 1179, Algorithm 2.3 with
 * m = 13): A is scaled by 2^-s so that its 1-norm is at most
 * theta_13 = 5.37, the approximant r(B) = (V - U)^-1 (V + U) is formed
 * by LU with partial pivoting (the algorithm of LAPACK dgesv), and squared
 * s times.  Backward error about the unit round-off for any norm.
 * Returns MF_OK; MF_EINPUT for n out of range or a non-finite entry;
 * MF_ERECOVER if V - U is singular (a zero pivot).  E is undefined after a
 * failure. */
mf_status mf_expm_apply(mf_expm_workspace *w, int n, const double *A, double *E);

/* The exact step of length h >= 0 of the linear SDE
 *
 *     dM = (b - K M) dt + dW,   Cov(dW) = Sigma dt,
 *
 * with K (n x n), b (length n) and Sigma (n x n, symmetric positive
 * semi-definite) constant over the step:
 *
 *     M(h) = E M(0) + phi + eta,   E = exp(-K h),   phi = int_0^h exp(-K s) ds b,
 *     eta ~ N(0, Q),   Q = int_0^h exp(-K s) Sigma exp(-K^T s) ds.
 *
 * phi = h phi_1(-K h) b is defined for singular K (a zero eigenvalue of K
 * contributes b h along its eigenvector).  Method: the three are read off
 * the exponential of the (2n+1) x (2n+1) block matrix
 * [[-K, b, Sigma], [0, 0, 0], [0, 0, K^T]] tau (Van Loan, IEEE Trans.
 * Automat. Control 23 (1978) 395) at tau = h/2^s, small enough that
 * ||K|| tau <= 1/2, and then doubled s times:
 *
 *     E(2 tau) = E(tau)^2,  phi(2 tau) = phi(tau) + E(tau) phi(tau),
 *     Q(2 tau) = Q(tau) + E(tau) Q(tau) E(tau)^T,
 *
 * so that no growing exponential exp(K h) is ever formed and any ||K|| h
 * is safe.  As with any squaring, round-off in E(tau) is raised to the power
 * 2^s: along a mode that is not damped (a zero eigenvalue of K) the relative
 * error is about ||K||_1 h times the unit round-off (3e-12 at ||K|| h = 3e4).
 * Sigma may be NULL (and then Q too): only E and phi, from the
 * (n+1) x (n+1) augmented matrix [[-K, b], [0, 0]].  The workspace must
 * have nmax >= 2n+1 (n+1 without Sigma).  Q is returned symmetric.
 * Returns as mf_expm_apply (MF_EINPUT also for h < 0 or non-finite b,
 * Sigma, h). */
mf_status mf_expm_ou_apply(mf_expm_workspace *w, int n, const double *K, const double *b, const double *Sigma,
                           double h, double *E, double *phi, double *Q);

#endif
