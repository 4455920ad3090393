/* woodbury.h -- a direct SUNLinearSolver for tridiagonal-plus-low-rank systems.
 *
 * Solves M x = b for M = T + U W^T (tlrmatrix.h) by the Sherman-Morrison-
 * Woodbury formula
 *
 *     M^{-1} b = T^{-1} b - Z (I + W^T Z)^{-1} W^T T^{-1} b,   Z = T^{-1} U,
 *
 * with one LAPACK tridiagonal LU per block (dgttrf/dgttrs) and a rank x rank
 * capacitance matrix (dgetrf/dgetrs).  Setup costs O(N rank + N rank^2),
 * a solve O(N rank).  Exact up to round-off, like a dense solve, as long as
 * T and the capacitance matrix are well conditioned (true for the Newton
 * matrices I - gamma J of the mean-field operator: T is an M-matrix).
 *
 * Like SUNDIALS' band solvers, setup factors M's tridiagonal part in place;
 * the matrix must not be used as M again until it is refilled.
 */
#ifndef MFBALANCE_WOODBURY_H
#define MFBALANCE_WOODBURY_H

#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_nvector.h>

/* A solver for matrices of A's shape (made by mf_tlr_matrix_create) and
 * serial vectors y of matching length.  Returns NULL if A is not such a
 * matrix, the lengths differ, or memory runs out.  The type is
 * SUNLINEARSOLVER_DIRECT and the id SUNLINEARSOLVER_CUSTOM.
 *
 * Setup returns SUNLS_SUCCESS, SUNLS_LUFACT_FAIL (> 0, a zero pivot: CVODE
 * retries with a smaller step) or SUNLS_PACKAGE_FAIL_UNREC (< 0, LAPACK
 * rejected an argument). */
SUNLinearSolver mf_woodbury_create(N_Vector y, SUNMatrix A, SUNContext sunctx);

#endif
