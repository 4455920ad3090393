/* woodbury.c -- the Sherman-Morrison-Woodbury direct solver for
 * M = T + U W^T (woodbury.h; Golub & Van Loan, Matrix Computations, 4th ed.,
 * section 2.1.4).  The structure follows SUNDIALS' sunlinsol_lapackband.c:
 * the constructor checks the matrix, setup factors, solve back-substitutes,
 * last_flag keeps LAPACK's info.
 */
#include "mfbalance/woodbury.h"

#include "mfbalance/tlrmatrix.h"

#include <lapacke.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  sunindextype N, nblocks, block, rank;
  sunrealtype *du2;     /* second super-diagonal of the tridiagonal LU, length N */
  lapack_int *ipiv;     /* tridiagonal pivots, length N */
  sunrealtype *Z;       /* T^{-1} U, N x rank column-major */
  sunrealtype *cap;     /* LU of I + W^T Z, rank x rank column-major */
  lapack_int *cap_ipiv; /* pivots of cap, length rank */
  sunrealtype *y;       /* workspace, length rank */
  sunindextype last_flag;
} woodbury;

#define WB(S) ((woodbury *)(S)->content)

static SUNLinearSolver_Type wb_gettype(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID wb_getid(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_CUSTOM;
}

static int wb_initialize(SUNLinearSolver S)
{
  WB(S)->last_flag = SUNLS_SUCCESS;
  return SUNLS_SUCCESS;
}

/* Map LAPACK's info: > 0 a zero pivot (recoverable), < 0 a bad argument. */
static int lapack_status(woodbury *wb, lapack_int info)
{
  wb->last_flag = info;
  if (info > 0) return SUNLS_LUFACT_FAIL;
  if (info < 0) return SUNLS_PACKAGE_FAIL_UNREC;
  return SUNLS_SUCCESS;
}

/* Solve T X = B in place for nrhs columns of leading dimension N, block by block. */
static lapack_int tridiagonal_solve(woodbury *wb, const mf_tlr *M, sunrealtype *B, lapack_int nrhs)
{
  const sunindextype n = wb->block;
  for (sunindextype p = 0; p < wb->nblocks; p++) {
    sunindextype o = p * n;
    lapack_int info = LAPACKE_dgttrs(LAPACK_COL_MAJOR, 'N', (lapack_int)n, nrhs, M->dl + o + 1, M->d + o,
                                     M->du + o, wb->du2 + o, wb->ipiv + o, B + o, (lapack_int)wb->N);
    if (info != 0) return info;
  }
  return 0;
}

static int wb_setup(SUNLinearSolver S, SUNMatrix A)
{
  woodbury *wb = WB(S);
  mf_tlr *M = mf_tlr_content(A);
  if (!M || M->N != wb->N || M->rank != wb->rank) return lapack_status(wb, -1);
  const sunindextype n = wb->block, r = wb->rank;

  /* LU of each tridiagonal block; LAPACK's DL starts at row 1 of the block. */
  for (sunindextype p = 0; p < wb->nblocks; p++) {
    sunindextype o = p * n;
    lapack_int info = LAPACKE_dgttrf((lapack_int)n, M->dl + o + 1, M->d + o, M->du + o, wb->du2 + o,
                                     wb->ipiv + o);
    if (info != 0) return lapack_status(wb, info);
  }
  if (r == 0) return lapack_status(wb, 0);

  /* Z = T^{-1} U, then the capacitance matrix I + W^T Z. */
  memcpy(wb->Z, M->U, (size_t)wb->N * (size_t)r * sizeof(sunrealtype));
  lapack_int info = tridiagonal_solve(wb, M, wb->Z, (lapack_int)r);
  if (info != 0) return lapack_status(wb, info);
  for (sunindextype a = 0; a < r; a++) {
    const sunrealtype *w = M->W + a * wb->N;
    for (sunindextype b = 0; b < r; b++) {
      const sunrealtype *z = wb->Z + b * wb->N;
      sunrealtype s = a == b ? 1.0 : 0.0;
      for (sunindextype i = 0; i < wb->N; i++) s += w[i] * z[i];
      wb->cap[a + b * r] = s;
    }
  }
  info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)r, (lapack_int)r, wb->cap, (lapack_int)r, wb->cap_ipiv);
  return lapack_status(wb, info);
}

static int wb_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, sunrealtype tol)
{
  (void)tol;
  woodbury *wb = WB(S);
  mf_tlr *M = mf_tlr_content(A);
  if (!M) return lapack_status(wb, -1);
  const sunindextype r = wb->rank;
  sunrealtype *xd = N_VGetArrayPointer(x);
  N_VScale(1.0, b, x);

  lapack_int info = tridiagonal_solve(wb, M, xd, 1);
  if (info != 0) return lapack_status(wb, info);
  if (r == 0) return lapack_status(wb, 0);

  /* y = (I + W^T Z)^{-1} W^T T^{-1} b, then x = T^{-1} b - Z y. */
  for (sunindextype a = 0; a < r; a++) {
    const sunrealtype *w = M->W + a * wb->N;
    sunrealtype s = 0.0;
    for (sunindextype i = 0; i < wb->N; i++) s += w[i] * xd[i];
    wb->y[a] = s;
  }
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)r, 1, wb->cap, (lapack_int)r, wb->cap_ipiv, wb->y,
                        (lapack_int)r);
  if (info != 0) return lapack_status(wb, info);
  for (sunindextype a = 0; a < r; a++) {
    const sunrealtype *z = wb->Z + a * wb->N;
    for (sunindextype i = 0; i < wb->N; i++) xd[i] -= z[i] * wb->y[a];
  }
  return lapack_status(wb, 0);
}

static sunindextype wb_lastflag(SUNLinearSolver S) { return WB(S)->last_flag; }

static int wb_space(SUNLinearSolver S, long *lenrw, long *leniw)
{
  woodbury *wb = WB(S);
  *lenrw = (long)(wb->N * (1 + wb->rank) + wb->rank * (wb->rank + 1));
  *leniw = (long)(wb->N + wb->rank + 5);
  return SUNLS_SUCCESS;
}

static int wb_free(SUNLinearSolver S)
{
  if (!S) return SUNLS_SUCCESS;
  woodbury *wb = WB(S);
  if (wb) {
    free(wb->du2);
    free(wb->ipiv);
    free(wb->Z);
    free(wb->cap);
    free(wb->cap_ipiv);
    free(wb->y);
    free(wb);
    S->content = NULL;
  }
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

SUNLinearSolver mf_woodbury_create(N_Vector y, SUNMatrix A, SUNContext sunctx)
{
  mf_tlr *M = mf_tlr_content(A);
  if (!M) return NULL;
  if (N_VGetVectorID(y) != SUNDIALS_NVEC_SERIAL || N_VGetLength(y) != M->N) return NULL;

  SUNLinearSolver S = SUNLinSolNewEmpty(sunctx);
  if (!S) return NULL;
  S->ops->gettype = wb_gettype;
  S->ops->getid = wb_getid;
  S->ops->initialize = wb_initialize;
  S->ops->setup = wb_setup;
  S->ops->solve = wb_solve;
  S->ops->lastflag = wb_lastflag;
  S->ops->space = wb_space;
  S->ops->free = wb_free;

  woodbury *wb = calloc(1, sizeof *wb);
  S->content = wb;
  if (!wb) goto fail;
  wb->N = M->N;
  wb->nblocks = M->nblocks;
  wb->block = M->block;
  wb->rank = M->rank;
  size_t r = (size_t)M->rank;
  wb->du2 = calloc((size_t)M->N, sizeof(sunrealtype));
  wb->ipiv = calloc((size_t)M->N, sizeof(lapack_int));
  wb->Z = calloc((size_t)M->N * r + 1, sizeof(sunrealtype));
  wb->cap = calloc(r * r + 1, sizeof(sunrealtype));
  wb->cap_ipiv = calloc(r + 1, sizeof(lapack_int));
  wb->y = calloc(r + 1, sizeof(sunrealtype));
  if (!wb->du2 || !wb->ipiv || !wb->Z || !wb->cap || !wb->cap_ipiv || !wb->y) goto fail;
  return S;

fail:
  wb_free(S);
  return NULL;
}
