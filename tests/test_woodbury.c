/* test_woodbury.c -- the Sherman-Morrison-Woodbury solver, tested as
 * SUNDIALS tests its own (examples/sunlinsol/test_sunlinsol.c): a random
 * matrix, a known x, b = M x, solve, compare; against a dense LAPACK solve
 * of the same matrix, and against SUNDIALS' band solver when U = 0. */
#include "numtest.h"

#include "mfbalance/integrator.h"
#include "mfbalance/tlrmatrix.h"
#include "mfbalance/woodbury.h"

#include <lapacke.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunmatrix/sunmatrix_band.h>
#include <sunmatrix/sunmatrix_dense.h>

/* Deterministic uniform numbers in [-1, 1). */
static double uniform(unsigned *seed)
{
  *seed = *seed * 1103515245u + 12345u;
  return ((*seed >> 8) & 0xffffff) / 8388608.0 - 1.0;
}

/* A random Newton-like matrix: I - c (T + U W^T) with T diagonally dominant. */
static void fill_random(mf_tlr *M, unsigned seed, int with_lowrank)
{
  for (sunindextype i = 0; i < M->N; i++) {
    int first = i % M->block == 0, last = i % M->block == M->block - 1;
    M->dl[i] = first ? 0.0 : 0.5 + 0.5 * uniform(&seed);
    M->du[i] = last ? 0.0 : 0.5 + 0.5 * uniform(&seed);
    M->d[i] = -(M->dl[i] + M->du[i]) - 0.1 * (1.0 + uniform(&seed));
  }
  for (sunindextype k = 0; k < M->N * M->rank; k++) {
    M->U[k] = with_lowrank ? uniform(&seed) : 0.0;
    M->W[k] = with_lowrank ? 0.1 * uniform(&seed) : 0.0;
  }
}

static void solve_and_compare(int P, int n)
{
  SUNContext ctx;
  assert_int_equal(mf_sundials_context_create(&ctx), MF_OK);
  const sunindextype N = (sunindextype)P * n;
  SUNMatrix A = mf_tlr_matrix_create(P, n, P, ctx);
  N_Vector x = N_VNew_Serial(N, ctx), b = N_VNew_Serial(N, ctx), xs = N_VNew_Serial(N, ctx);
  SUNLinearSolver LS = mf_woodbury_create(x, A, ctx);
  assert_non_null(LS);
  mf_tlr *M = mf_tlr_content(A);
  fill_random(M, 12345u + (unsigned)P, 1);
  SUNMatScaleAddI(-0.3, A); /* I - 0.3 (T + U W^T), as CVODE builds it */

  unsigned seed = 777u;
  double *xd = N_VGetArrayPointer(x), *dense = malloc((size_t)N * N * sizeof *dense);
  for (sunindextype i = 0; i < N; i++) xd[i] = 1.0 + uniform(&seed);
  mf_tlr_apply(M, xd, N_VGetArrayPointer(b));
  mf_tlr_to_dense(M, dense);

  /* Reference: LAPACK dgesv on the dense form. */
  double *ref = malloc(N * sizeof *ref);
  lapack_int *ipiv = malloc(N * sizeof *ipiv);
  for (sunindextype i = 0; i < N; i++) ref[i] = N_VGetArrayPointer(b)[i];
  assert_int_equal(LAPACKE_dgesv(LAPACK_COL_MAJOR, N, 1, dense, N, ipiv, ref, N), 0);

  assert_int_equal(SUNLinSolInitialize(LS), SUNLS_SUCCESS);
  assert_int_equal(SUNLinSolSetup(LS, A), SUNLS_SUCCESS);
  assert_int_equal(SUNLinSolSolve(LS, A, xs, b, 0.0), SUNLS_SUCCESS);
  for (sunindextype i = 0; i < N; i++) {
    assert_rel(N_VGetArrayPointer(xs)[i], xd[i], 1e-12, "P = %d: x[%ld] against the known solution", P, (long)i);
    assert_rel(N_VGetArrayPointer(xs)[i], ref[i], 1e-12, "P = %d: x[%ld] against LAPACK dgesv", P, (long)i);
  }
  assert_int_equal(SUNLinSolGetType(LS), SUNLINEARSOLVER_DIRECT);
  SUNLinSolFree(LS);
  SUNMatDestroy(A);
  N_VDestroy(x), N_VDestroy(b), N_VDestroy(xs);
  free(dense), free(ref), free(ipiv);
  SUNContext_Free(&ctx);
}

static void test_p1(void **state) { (void)state; solve_and_compare(1, 50); }
static void test_p2(void **state) { (void)state; solve_and_compare(2, 50); }
static void test_p3(void **state) { (void)state; solve_and_compare(3, 40); }
static void test_p4_large(void **state) { (void)state; solve_and_compare(4, 300); }

/* With U = 0 the solver must agree with SUNDIALS' band solver on T. */
static void test_against_band(void **state)
{
  (void)state;
  SUNContext ctx;
  mf_sundials_context_create(&ctx);
  const int P = 2, n = 100;
  const sunindextype N = P * n;
  SUNMatrix A = mf_tlr_matrix_create(P, n, P, ctx), B = SUNBandMatrix(N, 1, 1, ctx);
  N_Vector b = N_VNew_Serial(N, ctx), x1 = N_VNew_Serial(N, ctx), x2 = N_VNew_Serial(N, ctx);
  mf_tlr *M = mf_tlr_content(A);
  fill_random(M, 99u, 0);
  for (sunindextype i = 0; i < N; i++) {
    SM_ELEMENT_B(B, i, i) = M->d[i];
    if (i > 0) SM_ELEMENT_B(B, i, i - 1) = M->dl[i];
    if (i < N - 1) SM_ELEMENT_B(B, i, i + 1) = M->du[i];
    N_VGetArrayPointer(b)[i] = sin(0.1 * i);
  }
  SUNLinearSolver wb = mf_woodbury_create(b, A, ctx), band = SUNLinSol_Band(b, B, ctx);
  assert_int_equal(SUNLinSolSetup(wb, A), 0);
  assert_int_equal(SUNLinSolSetup(band, B), 0);
  assert_int_equal(SUNLinSolSolve(wb, A, x1, b, 0.0), 0);
  assert_int_equal(SUNLinSolSolve(band, B, x2, b, 0.0), 0);
  for (sunindextype i = 0; i < N; i++)
    assert_rel(N_VGetArrayPointer(x1)[i], N_VGetArrayPointer(x2)[i], 1e-13, "x[%ld] woodbury vs band", (long)i);
  SUNLinSolFree(wb), SUNLinSolFree(band);
  SUNMatDestroy(A), SUNMatDestroy(B);
  N_VDestroy(b), N_VDestroy(x1), N_VDestroy(x2);
  SUNContext_Free(&ctx);
}

/* A zero pivot is recoverable (> 0, CVODE retries); a wrong matrix is refused. */
static void test_failures(void **state)
{
  (void)state;
  SUNContext ctx;
  mf_sundials_context_create(&ctx);
  SUNMatrix A = mf_tlr_matrix_create(1, 10, 1, ctx), D = SUNDenseMatrix(10, 10, ctx);
  N_Vector y = N_VNew_Serial(10, ctx), y9 = N_VNew_Serial(9, ctx);
  assert_null(mf_woodbury_create(y, D, ctx));
  assert_null(mf_woodbury_create(y9, A, ctx));
  SUNLinearSolver LS = mf_woodbury_create(y, A, ctx);
  SUNMatZero(A); /* singular */
  int flag = SUNLinSolSetup(LS, A);
  assert_int_equal(flag, SUNLS_LUFACT_FAIL);
  assert_true(flag > 0);
  assert_true(SUNLinSolLastFlag(LS) > 0);
  SUNLinSolFree(LS);
  SUNMatDestroy(A), SUNMatDestroy(D);
  N_VDestroy(y), N_VDestroy(y9);
  SUNContext_Free(&ctx);
}

/* Clone, copy and scaleaddi behave as CVODE expects: ScaleAddI(c, J) = c J + I. */
static void test_matrix_ops(void **state)
{
  (void)state;
  SUNContext ctx;
  mf_sundials_context_create(&ctx);
  const int P = 2, n = 12, N = P * n;
  SUNMatrix A = mf_tlr_matrix_create(P, n, P, ctx);
  fill_random(mf_tlr_content(A), 5u, 1);
  SUNMatrix B = SUNMatClone(A);
  assert_int_equal(SUNMatCopy(A, B), 0);
  assert_int_equal(SUNMatScaleAddI(-0.25, B), 0);
  double *da = malloc((size_t)N * N * sizeof *da), *db = malloc((size_t)N * N * sizeof *db);
  mf_tlr_to_dense(mf_tlr_content(A), da);
  mf_tlr_to_dense(mf_tlr_content(B), db);
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++)
      assert_abs(db[i + j * N], -0.25 * da[i + j * N] + (i == j), 1e-15, "entry (%d, %d)", i, j);
  SUNMatDestroy(A), SUNMatDestroy(B);
  free(da), free(db);
  SUNContext_Free(&ctx);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_p1),           cmocka_unit_test(test_p2),       cmocka_unit_test(test_p3),
      cmocka_unit_test(test_p4_large),     cmocka_unit_test(test_against_band), cmocka_unit_test(test_failures),
      cmocka_unit_test(test_matrix_ops),
  };
  return cmocka_run_group_tests_name("woodbury", tests, NULL, NULL);
}
