/* test_fv.c -- the finite-volume operator: analytic Jacobian against finite
 * differences, well-balancing against a dense LAPACK solve of the frozen
 * stationary problem, conservation and the M-matrix sign pattern. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/fv.h"
#include "mfbalance/integrator.h"
#include "mfbalance/tlrmatrix.h"

#include <lapacke.h>
#include <stdlib.h>

typedef struct {
  mf_model model;
  mf_grid *grid;
  mf_fv *fv;
} fixture;

static fixture make(int P, double gamma, int n)
{
  fixture f;
  f.model = test_model_nonlinear(P, gamma);
  f.grid = mf_grid_create_uniform(-3.0, 3.0, n);
  f.fv = mf_fv_create(&f.model, f.grid);
  assert_non_null(f.fv);
  return f;
}

static void release(fixture *f)
{
  mf_fv_free(f->fv);
  mf_grid_free(f->grid);
}

/* A smooth positive state that is not stationary. */
static void smooth_state(const fixture *f, double *rho)
{
  mf_fv_initial(f->fv, rho);
  for (int k = 0; k < mf_fv_size(f->fv); k++) rho[k] *= 1.0 + 0.3 * sin(0.7 * k);
}

/* Analytic Jacobian (dense T + U W^T) against central differences of the rhs;
 * with electrical weights g_el_pq = 0.4 + 0.3 (p + q) the rank is 2P. */
static void jacobian_vs_fd(int P, double gamma, int electrical)
{
  fixture f = make(P, gamma, 24);
  if (electrical) {
    for (int p = 0; p < P; p++)
      for (int q = 0; q < P; q++) f.model.pop[p].g_el[q] = 0.4 + 0.3 * (p + q);
    mf_fv_free(f.fv);
    f.fv = mf_fv_create(&f.model, f.grid);
    assert_int_equal(mf_fv_rank(f.fv), 2 * P);
  }
  const int N = mf_fv_size(f.fv), rank = mf_fv_rank(f.fv);
  double *rho = malloc(N * sizeof *rho), *fp = malloc(N * sizeof *fp), *fm = malloc(N * sizeof *fm);
  double *dense = malloc((size_t)N * N * sizeof *dense);
  SUNContext ctx;
  assert_int_equal(mf_sundials_context_create(&ctx), MF_OK);
  SUNMatrix J = mf_tlr_matrix_create(P, f.grid->n, rank, ctx);
  smooth_state(&f, rho);
  assert_int_equal(mf_fv_jacobian(f.fv, rho, 1, mf_tlr_content(J)), MF_OK);
  mf_tlr_to_dense(mf_tlr_content(J), dense);

  double scale = 0.0, worst = 0.0;
  for (int j = 0; j < N; j++) {
    double h = 1e-6 * fmax(1.0, fabs(rho[j])), saved = rho[j];
    rho[j] = saved + h;
    mf_fv_rhs(f.fv, rho, fp);
    rho[j] = saved - h;
    mf_fv_rhs(f.fv, rho, fm);
    rho[j] = saved;
    for (int i = 0; i < N; i++) {
      double fd = (fp[i] - fm[i]) / (2.0 * h);
      scale = fmax(scale, fabs(fd));
      worst = fmax(worst, fabs(fd - dense[i + (size_t)j * N]));
    }
  }
  assert_le(worst / scale, 1e-7, "P = %d, gamma = %g, electrical %d: max |J - J_fd| / max |J_fd|", P, gamma,
            electrical);

  /* The band Jacobian is the same stencil without the rank-P term. */
  mf_tlr *T = mf_tlr_content(J);
  double *d_full = malloc(N * sizeof *d_full);
  for (int i = 0; i < N; i++) d_full[i] = T->d[i];
  assert_int_equal(mf_fv_jacobian(f.fv, rho, 0, T), MF_OK);
  for (int i = 0; i < N; i++) assert_rel(T->d[i], d_full[i], 0.0, "band diagonal %d", i);
  for (int k = 0; k < N * rank; k++) assert_abs(T->U[k], 0.0, 0.0, "band U entry %d", k);

  SUNMatDestroy(J);
  SUNContext_Free(&ctx);
  free(d_full), free(rho), free(fp), free(fm), free(dense);
  release(&f);
}

static void test_jacobian_p1(void **state) { (void)state; jacobian_vs_fd(1, 10.0, 0); }
static void test_jacobian_p2(void **state) { (void)state; jacobian_vs_fd(2, 30.0, 0); }
static void test_jacobian_p3(void **state) { (void)state; jacobian_vs_fd(3, 100.0, 0); }
static void test_jacobian_electrical_p2(void **state) { (void)state; jacobian_vs_fd(2, 30.0, 1); }
static void test_jacobian_electrical_p3(void **state) { (void)state; jacobian_vs_fd(3, 100.0, 1); }

/* For frozen activities the stationary problem T rho = 0, sum w rho = 1 is
 * solved densely (LAPACK dgesv, one equation replaced by the mass) and
 * compared with the Gibbs density exp(psi/D) evaluated here from the model. */
static void test_well_balanced(void **state)
{
  (void)state;
  for (int P = 1; P <= 3; P++) {
    const double gammas[] = {1.0, 100.0};
    for (int gi = 0; gi < 2; gi++) {
      fixture f = make(P, gammas[gi], 200);
      const int n = f.grid->n;
      double m[MF_MAX_POPS], A[MF_MAX_POPS], C[MF_MAX_POPS];
      for (int q = 0; q < P; q++) m[q] = 0.3 + 0.2 * q;
      mf_model_coupling(&f.model, m, NULL, A, C);
      double *rho = calloc((size_t)P * n, sizeof *rho), *col = calloc((size_t)P * n, sizeof *col);
      double *dense = calloc((size_t)n * n, sizeof *dense), *b = calloc(n, sizeof *b);
      lapack_int *ipiv = calloc(n, sizeof *ipiv);
      double diag_max = 0.0, exponent_max = 0.0; /* largest |T_ii| and |psi/D| seen */
      for (int p = 0; p < P; p++) {
        /* Column j of the frozen operator of population p: apply it to e_j. */
        for (int j = 0; j < n; j++) {
          for (int k = 0; k < P * n; k++) rho[k] = 0.0;
          rho[p * n + j] = 1.0;
          mf_fv_rhs_frozen(f.fv, m, NULL, rho, col);
          for (int i = 0; i < n; i++) dense[i + (size_t)j * n] = col[p * n + i];
        }
        for (int i = 0; i < n; i++) diag_max = fmax(diag_max, fabs(dense[i + (size_t)i * n]));
        for (int j = 0; j < n; j++) dense[0 + (size_t)j * n] = f.grid->w[j];
        for (int i = 0; i < n; i++) b[i] = i == 0 ? 1.0 : 0.0;
        assert_int_equal(LAPACKE_dgesv(LAPACK_COL_MAJOR, n, 1, dense, n, ipiv, b, n), 0);

        const mf_population *pop = &f.model.pop[p];
        const double D = 0.5 * pop->sigma * pop->sigma;
        double top = -INFINITY, mass = 0.0;
        double *gibbs = calloc(n, sizeof *gibbs);
        for (int i = 0; i < n; i++) {
          double x = f.grid->x[i];
          double F = pop->f[0] * x + pop->f[1] * x * x / 2 + pop->f[2] * x * x * x / 3 + pop->f[3] * x * x * x * x / 4;
          double V = C[p] / A[p];
          gibbs[i] = (F - f.model.gamma * A[p] * (x - V) * (x - V) / 2) / D;
          top = fmax(top, gibbs[i]);
          exponent_max = fmax(exponent_max, fabs(gibbs[i]));
        }
        for (int i = 0; i < n; i++) mass += f.grid->w[i] * (gibbs[i] = exp(gibbs[i] - top));
        double peak = 0.0;
        for (int i = 0; i < n; i++) peak = fmax(peak, gibbs[i] / mass);
        for (int i = 0; i < n; i++)
          assert_abs(b[i], gibbs[i] / mass, 1e-10 * peak, "P = %d gamma = %g pop %d cell %d: dense stationary vs Gibbs",
                     P, f.model.gamma, p, i);
        free(gibbs);
      }
      /* The operator's own Gibbs density: zero right-hand side up to the
       * round-off of exp(psi/D), a relative error of about eps |psi/D|. */
      mf_fv_gibbs(f.fv, m, NULL, rho);
      mf_fv_rhs_frozen(f.fv, m, NULL, rho, col);
      double scale = 0.0, worst = 0.0;
      for (int k = 0; k < P * n; k++) scale = fmax(scale, rho[k]), worst = fmax(worst, fabs(col[k]));
      const double roundoff = 64.0 * 2.2e-16 * fmax(1.0, exponent_max);
      assert_le(worst, roundoff * diag_max * scale, "P = %d gamma = %g: |F(gibbs)|", P, f.model.gamma);
      free(rho), free(col), free(dense), free(b), free(ipiv);
      release(&f);
    }
  }
}

/* Conservation (sum_i w_i F_i = 0) and the M-matrix signs of the stencil. */
static void test_conservation_and_signs(void **state)
{
  (void)state;
  fixture f = make(3, 1000.0, 64);
  const int N = mf_fv_size(f.fv), n = f.grid->n;
  double *rho = malloc(N * sizeof *rho), *drho = malloc(N * sizeof *drho);
  smooth_state(&f, rho);
  assert_int_equal(mf_fv_rhs(f.fv, rho, drho), MF_OK);
  for (int p = 0; p < 3; p++) {
    double s = 0.0, scale = 0.0;
    for (int i = 0; i < n; i++) s += f.grid->w[i] * drho[p * n + i], scale += f.grid->w[i] * fabs(drho[p * n + i]);
    assert_le(fabs(s), 1e-14 * scale, "pop %d: |sum w F| against sum w |F|", p);
  }
  SUNContext ctx;
  mf_sundials_context_create(&ctx);
  SUNMatrix J = mf_tlr_matrix_create(3, n, 3, ctx);
  mf_tlr *T = mf_tlr_content(J);
  mf_fv_jacobian(f.fv, rho, 1, T);
  for (int i = 0; i < N; i++) {
    assert_true(T->dl[i] >= 0.0 && T->du[i] >= 0.0 && T->d[i] <= 0.0);
    /* Columns of the stencil sum to zero with weights w: mass is conserved. */
  }
  for (int p = 0; p < 3; p++)
    for (int j = 0; j < n; j++) {
      int k = p * n + j;
      double s = f.grid->w[j] * T->d[k];
      if (j > 0) s += f.grid->w[j - 1] * T->du[k - 1];
      if (j < n - 1) s += f.grid->w[j + 1] * T->dl[k + 1];
      assert_le(fabs(s), 1e-12 * fabs(f.grid->w[j] * T->d[k]), "column %d of the stencil: weighted sum", k);
    }
  SUNMatDestroy(J);
  SUNContext_Free(&ctx);
  free(rho), free(drho);
  release(&f);
}

/* Broken input to the rhs: a NaN density is reported as recoverable. */
static void test_rhs_nan(void **state)
{
  (void)state;
  fixture f = make(2, 10.0, 16);
  double rho[32], drho[32];
  mf_fv_initial(f.fv, rho);
  rho[5] = NAN;
  assert_int_equal(mf_fv_rhs(f.fv, rho, drho), MF_ERECOVER);
  assert_non_null(strstr(mf_errmsg(), "not finite"));
  release(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jacobian_p1),         cmocka_unit_test(test_jacobian_p2),
      cmocka_unit_test(test_jacobian_p3),         cmocka_unit_test(test_jacobian_electrical_p2),
      cmocka_unit_test(test_jacobian_electrical_p3), cmocka_unit_test(test_well_balanced),
      cmocka_unit_test(test_conservation_and_signs), cmocka_unit_test(test_rhs_nan),
  };
  return cmocka_run_group_tests_name("fv", tests, NULL, NULL);
}
