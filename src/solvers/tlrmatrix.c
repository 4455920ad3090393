/* tlrmatrix.c -- the tridiagonal-plus-low-rank matrix M = T + U W^T as a
 * SUNMatrix (tlrmatrix.h).  Only the operations CVODE's linear-solver
 * interface calls are provided (SUNDIALS user guide, "The SUNMatrix API").
 */
#include "mfbalance/tlrmatrix.h"

#include <stdlib.h>
#include <string.h>

mf_tlr *mf_tlr_content(SUNMatrix A)
{
  if (!A || !A->ops || SUNMatGetID(A) != SUNMATRIX_CUSTOM || !A->content) return NULL;
  return (mf_tlr *)A->content;
}

static void tlr_destroy(SUNMatrix A)
{
  if (!A) return;
  mf_tlr *M = (mf_tlr *)A->content;
  if (M) {
    free(M->dl);
    free(M->d);
    free(M->du);
    free(M->U);
    free(M->W);
    free(M);
    A->content = NULL;
  }
  SUNMatFreeEmpty(A);
}

static SUNMatrix_ID tlr_getid(SUNMatrix A)
{
  (void)A;
  return SUNMATRIX_CUSTOM;
}

static SUNMatrix tlr_clone(SUNMatrix A)
{
  mf_tlr *M = (mf_tlr *)A->content;
  return mf_tlr_matrix_create(M->nblocks, M->block, M->rank, A->sunctx);
}

static size_t lowrank_len(const mf_tlr *M) { return (size_t)M->N * (size_t)M->rank; }

static int tlr_zero(SUNMatrix A)
{
  mf_tlr *M = (mf_tlr *)A->content;
  size_t n = (size_t)M->N * sizeof(sunrealtype);
  memset(M->dl, 0, n);
  memset(M->d, 0, n);
  memset(M->du, 0, n);
  memset(M->U, 0, lowrank_len(M) * sizeof(sunrealtype));
  memset(M->W, 0, lowrank_len(M) * sizeof(sunrealtype));
  return 0;
}

/* B <- A */
static int tlr_copy(SUNMatrix A, SUNMatrix B)
{
  mf_tlr *a = mf_tlr_content(A), *b = mf_tlr_content(B);
  if (!a || !b || a->N != b->N || a->block != b->block || a->rank != b->rank) return SUNMAT_ILL_INPUT;
  size_t n = (size_t)a->N * sizeof(sunrealtype);
  memcpy(b->dl, a->dl, n);
  memcpy(b->d, a->d, n);
  memcpy(b->du, a->du, n);
  memcpy(b->U, a->U, lowrank_len(a) * sizeof(sunrealtype));
  memcpy(b->W, a->W, lowrank_len(a) * sizeof(sunrealtype));
  return 0;
}

/* A <- c A + I: scale T and U (not W, or the product would be scaled twice). */
static int tlr_scaleaddi(sunrealtype c, SUNMatrix A)
{
  mf_tlr *M = (mf_tlr *)A->content;
  for (sunindextype i = 0; i < M->N; i++) {
    M->dl[i] *= c;
    M->d[i] = c * M->d[i] + 1.0;
    M->du[i] *= c;
  }
  for (size_t k = 0; k < lowrank_len(M); k++) M->U[k] *= c;
  return 0;
}

void mf_tlr_apply(const mf_tlr *M, const sunrealtype *x, sunrealtype *y)
{
  /* dl is zero at block starts and du at block ends, so one sweep serves all blocks. */
  for (sunindextype i = 0; i < M->N; i++) {
    sunrealtype s = M->d[i] * x[i];
    if (i > 0) s += M->dl[i] * x[i - 1];
    if (i < M->N - 1) s += M->du[i] * x[i + 1];
    y[i] = s;
  }
  for (sunindextype q = 0; q < M->rank; q++) {
    const sunrealtype *u = M->U + (size_t)q * M->N, *w = M->W + (size_t)q * M->N;
    sunrealtype wx = 0.0;
    for (sunindextype i = 0; i < M->N; i++) wx += w[i] * x[i];
    if (wx != 0.0)
      for (sunindextype i = 0; i < M->N; i++) y[i] += u[i] * wx;
  }
}

static int tlr_matvec(SUNMatrix A, N_Vector x, N_Vector y)
{
  mf_tlr_apply((mf_tlr *)A->content, N_VGetArrayPointer(x), N_VGetArrayPointer(y));
  return 0;
}

static int tlr_space(SUNMatrix A, long *lenrw, long *leniw)
{
  mf_tlr *M = (mf_tlr *)A->content;
  *lenrw = (long)(3 * (size_t)M->N + 2 * lowrank_len(M));
  *leniw = 4;
  return 0;
}

void mf_tlr_to_dense(const mf_tlr *M, sunrealtype *dense)
{
  const size_t N = (size_t)M->N;
  memset(dense, 0, N * N * sizeof(sunrealtype));
  for (size_t i = 0; i < N; i++) {
    dense[i + i * N] = M->d[i];
    if (i > 0) dense[i + (i - 1) * N] = M->dl[i];
    if (i < N - 1) dense[i + (i + 1) * N] = M->du[i];
  }
  for (sunindextype q = 0; q < M->rank; q++)
    for (size_t j = 0; j < N; j++) {
      sunrealtype wj = M->W[q * N + j];
      if (wj == 0.0) continue;
      for (size_t i = 0; i < N; i++) dense[i + j * N] += M->U[q * N + i] * wj;
    }
}

SUNMatrix mf_tlr_matrix_create(sunindextype nblocks, sunindextype block, sunindextype rank,
                               SUNContext sunctx)
{
  if (nblocks < 1 || block < 1 || rank < 0) return NULL;
  SUNMatrix A = SUNMatNewEmpty(sunctx);
  if (!A) return NULL;
  A->ops->getid = tlr_getid;
  A->ops->clone = tlr_clone;
  A->ops->destroy = tlr_destroy;
  A->ops->zero = tlr_zero;
  A->ops->copy = tlr_copy;
  A->ops->scaleaddi = tlr_scaleaddi;
  A->ops->matvec = tlr_matvec;
  A->ops->space = tlr_space;

  mf_tlr *M = calloc(1, sizeof *M);
  A->content = M;
  if (!M) goto fail;
  M->nblocks = nblocks;
  M->block = block;
  M->rank = rank;
  M->N = nblocks * block;
  size_t nlr = (size_t)M->N * (size_t)rank;
  M->dl = calloc((size_t)M->N, sizeof(sunrealtype));
  M->d = calloc((size_t)M->N, sizeof(sunrealtype));
  M->du = calloc((size_t)M->N, sizeof(sunrealtype));
  M->U = calloc(nlr > 0 ? nlr : 1, sizeof(sunrealtype));
  M->W = calloc(nlr > 0 ? nlr : 1, sizeof(sunrealtype));
  if (!M->dl || !M->d || !M->du || !M->U || !M->W) goto fail;
  return A;

fail:
  tlr_destroy(A);
  return NULL;
}
