/* tlrmatrix.h -- a tridiagonal-plus-low-rank matrix, and its SUNMatrix wrapper.
 *
 *     M = T + U W^T,   T block-diagonal with nblocks tridiagonal blocks,
 *
 * of dimension N = nblocks * block, with U and W of size N x rank.  This is
 * the shape of the Jacobian of the mean-field operator: one tridiagonal block
 * per population (the finite-volume stencil for frozen activities) plus a
 * rank-P correction from the nonlocal activities m_q.
 *
 * The SUNMatrix (id SUNMATRIX_CUSTOM) implements the operations CVODE's
 * linear-solver interface uses: clone, destroy, zero, copy, scaleaddi and
 * matvec.  ScaleAddI(c, M) scales T and U by c and adds 1 to T's diagonal,
 * which is exactly c M + I because W is left alone.
 */
#ifndef MFBALANCE_TLRMATRIX_H
#define MFBALANCE_TLRMATRIX_H

#include <sundials/sundials_matrix.h>

typedef struct {
  sunindextype nblocks; /* number of tridiagonal blocks (populations) */
  sunindextype block;   /* size of each block (cells) */
  sunindextype rank;    /* number of columns of U and W */
  sunindextype N;       /* dimension, nblocks * block */
  sunrealtype *dl;      /* sub-diagonal: dl[i] = T[i][i-1], 0 at block starts; length N */
  sunrealtype *d;       /* diagonal: d[i] = T[i][i]; length N */
  sunrealtype *du;      /* super-diagonal: du[i] = T[i][i+1], 0 at block ends; length N */
  sunrealtype *U;       /* N x rank, column-major (leading dimension N) */
  sunrealtype *W;       /* N x rank, column-major (leading dimension N) */
} mf_tlr;

/* A zeroed tridiagonal-plus-low-rank SUNMatrix; NULL if memory runs out or
 * a size is < 1 (rank may be 0). */
SUNMatrix mf_tlr_matrix_create(sunindextype nblocks, sunindextype block, sunindextype rank,
                               SUNContext sunctx);

/* The content of a matrix made by mf_tlr_matrix_create (NULL for any other). */
mf_tlr *mf_tlr_content(SUNMatrix A);

/* y = M x for arrays of length N. */
void mf_tlr_apply(const mf_tlr *M, const sunrealtype *x, sunrealtype *y);

/* The dense column-major N x N form of M into dense (length N*N), for tests
 * and the dense solver. */
void mf_tlr_to_dense(const mf_tlr *M, sunrealtype *dense);

#endif
