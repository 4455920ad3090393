/* test_balance.c -- balance voltages: explicit cases, roots of a scalar
 * equation found independently by bisection, a double root, no root in the
 * box, substitution residuals for asymmetric models, eigenvalues against a
 * closed form, and two attracting points reached from two initial states. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/balance.h"
#include "mfbalance/fv.h"
#include "mfbalance/integrator.h"
#include "mfbalance/observables.h"

#include <stdlib.h>

static int find(const mf_model *m, double lo, double hi, mf_balance_point *pts)
{
  int n = -1;
  assert_int_equal(mf_balance_find(m, lo, hi, pts, MF_BALANCE_MAX_ROOTS, &n), MF_OK);
  return n;
}

/* Net synaptic input of population p, written out here from the definition. */
static double net_input(const mf_model *m, int p, const double *x)
{
  double s = 0.0;
  for (int q = 0; q < m->P; q++) {
    const mf_population *pq = &m->pop[q];
    double S = pq->k == 0.0 ? 0.5 * pq->s : pq->s / (1.0 + exp(-pq->k * (x[q] - pq->theta)));
    s += m->pop[p].g[q] * (x[p] - pq->reversal) * S + m->pop[p].g_el[q] * (x[p] - x[q]);
  }
  return s;
}

static void test_explicit(void **state)
{
  (void)state;
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  mf_config cfg = test_config(0, NULL);
  assert_int_equal(find(&cfg.model, -4, 4, pts), 1);
  assert_true(pts[0].is_explicit);
  assert_rel(pts[0].x[0], -0.4, 1e-15, "x*_E");
  assert_int_equal(pts[0].stability, MF_BALANCE_ATTRACTING);
  /* Equal rows, one S: the flow Jacobian is -A* I minus a rank-one term that
   * sums to zero, so both eigenvalues are -A* = -2.5 S(-0.4). */
  const double Astar = 2.5 / (1.0 + exp(1.6));
  for (int k = 0; k < 2; k++) assert_rel(pts[0].eig_re[k], -Astar, 1e-7, "eigenvalue %d", k);

  mf_model one = test_model_nonlinear(1, 10.0);
  assert_int_equal(find(&one, -4, 4, pts), 1);
  assert_rel(pts[0].x[0], 2.0, 0.0, "P = 1: x* = v");
  /* The reversal potential outside the box: no balance point. */
  assert_int_equal(find(&one, -4, 1, pts), 0);
}

/* h(v) = (v - 2) S_E(v) + 0.25 (v + 2): roots by bisection on a fine grid. */
static int scalar_roots(const mf_model *m, double *roots)
{
  int n = 0;
  const int K = 80000;
  double x[2], prev = 0.0;
  for (int k = 0; k <= K; k++) {
    double v = -4.0 + 8.0 * k / K;
    x[0] = x[1] = v;
    double h = net_input(m, 0, x);
    if (k > 0 && (h == 0.0 || (h > 0) != (prev > 0))) {
      double a = v - 8.0 / K, b = v;
      for (int it = 0; it < 200; it++) {
        double c = 0.5 * (a + b);
        x[0] = x[1] = a;
        double ha = net_input(m, 0, x);
        x[0] = x[1] = c;
        if ((net_input(m, 0, x) > 0) == (ha > 0)) a = c;
        else b = c;
      }
      roots[n++] = 0.5 * (a + b);
    }
    prev = h;
  }
  return n;
}

static void test_scalar_equation(void **state)
{
  (void)state;
  mf_model m = test_model_bistable(100.0, 0.0);
  double ref[8];
  int nref = scalar_roots(&m, ref);
  assert_int_equal(nref, 3);
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = find(&m, -4, 4, pts);
  assert_int_equal(n, 3);
  int attracting = 0;
  for (int k = 0; k < 3; k++) {
    assert_false(pts[k].is_explicit);
    int match = -1;
    for (int j = 0; j < 3; j++)
      if (fabs(pts[k].x[0] - ref[j]) < 1e-9) match = j;
    if (match < 0) fail_msg("root %.17g not among the bisection roots", pts[k].x[0]);
    assert_rel(pts[k].x[1], pts[k].x[0], 1e-12, "equal rows: x_I = x_E");
    assert_le(pts[k].residual, 1e-12, "residual of root %d", k);
    /* The middle root repels, the outer two attract. */
    int outer = match != 1;
    assert_int_equal(pts[k].stability, outer ? MF_BALANCE_ATTRACTING : MF_BALANCE_REPELLING);
    attracting += outer;
  }
  assert_int_equal(attracting, 2);
}

/* A double root: choose v0, then the inhibitory weight that makes h(v0) = h'(v0) = 0. */
static void test_double_root(void **state)
{
  (void)state;
  mf_model m = test_model_bistable(100.0, 0.0);
  /* h(v) = (v - 2) S(v) + c (v + 2), S logistic (k = 8): c = -(v0 - 2) S(v0) / (v0 + 2)
   * and S(v0) + (v0 - 2) S'(v0) + c = 0 fix v0 by bisection. */
  double a = 0.0, b = 1.0; /* r(0) < 0 < r(1), where S is far from 0 */
  for (int it = 0; it < 200; it++) {
    double v = 0.5 * (a + b), S = mf_model_S(&m.pop[0], v), dS = mf_model_dS(&m.pop[0], v);
    double r = S + (v - 2) * dS - (v - 2) * S / (v + 2);
    double va = a, Sa = mf_model_S(&m.pop[0], va), dSa = mf_model_dS(&m.pop[0], va);
    double ra = Sa + (va - 2) * dSa - (va - 2) * Sa / (va + 2);
    if ((r > 0) == (ra > 0)) a = v;
    else b = v;
  }
  const double v0 = 0.5 * (a + b);
  const double c = -(v0 - 2) * mf_model_S(&m.pop[0], v0) / (v0 + 2);
  m.pop[0].g[1] = m.pop[1].g[1] = c / 0.25; /* S_I = 0.25 */
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = find(&m, -4, 4, pts), hits = 0;
  for (int k = 0; k < n; k++) {
    if (fabs(pts[k].x[0] - v0) > 1e-5) continue;
    hits++;
    assert_le(pts[k].residual, 1e-12, "residual at the double root");
    assert_int_equal(pts[k].stability, MF_BALANCE_MARGINAL);
  }
  print_message("double root at v0 = %.12f (c = %.6f): %d points in all, %d at v0\n", v0, c, n, hits);
  assert_int_equal(hits, 1);
}

/* Asymmetric models: every root satisfies the equations by substitution. */
static void substitution(int P)
{
  mf_model m = test_model_nonlinear(P, 100.0);
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = find(&m, -4, 4, pts);
  assert_true(n >= 1);
  for (int k = 0; k < n; k++) {
    for (int p = 0; p < P; p++)
      assert_abs(net_input(&m, p, pts[k].x), 0.0, 1e-12, "P = %d root %d population %d: net input", P, k, p);
    /* The flow Jacobian against central differences of -G. */
    double J[MF_MAX_POPS * MF_MAX_POPS];
    mf_balance_jacobian(&m, pts[k].x, J);
    for (int r = 0; r < P; r++) {
      double xp[MF_MAX_POPS], xm[MF_MAX_POPS];
      memcpy(xp, pts[k].x, sizeof xp), memcpy(xm, pts[k].x, sizeof xm);
      xp[r] += 1e-6, xm[r] -= 1e-6;
      for (int p = 0; p < P; p++)
        assert_abs(J[p + r * P], -(net_input(&m, p, xp) - net_input(&m, p, xm)) / 2e-6, 1e-8,
                   "P = %d root %d: J[%d][%d]", P, k, p, r);
    }
  }
  print_message("P = %d: %d balance points, first %s at %.9f\n", P, n, mf_balance_stability_name(pts[0].stability),
                pts[0].x[0]);
}

static void test_substitution_p2(void **state) { (void)state; substitution(2); }
static void test_substitution_p3(void **state) { (void)state; substitution(3); }
static void test_substitution_p4(void **state)
{
  (void)state;
  mf_model m = test_model_nonlinear(3, 100.0);
  m.P = 4;
  m.pop[3] = m.pop[2];
  snprintf(m.pop[3].name, sizeof m.pop[3].name, "Y");
  m.pop[3].reversal = -1.0;
  for (int p = 0; p < 4; p++) m.pop[p].g[3] = 0.3 + 0.1 * p, m.pop[3].g[p] = 0.5, m.pop[p].fraction = 0.25;
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = find(&m, -4, 4, pts);
  assert_true(n >= 1);
  for (int k = 0; k < n; k++)
    for (int p = 0; p < 4; p++)
      assert_abs(net_input(&m, p, pts[k].x), 0.0, 1e-12, "P = 4 root %d population %d", k, p);
}

/* ../shared/FHN.md section 4, set S4 in one dimension: electrical and chemical
 * coupling together.  The root, its A* and the focus of the early flow as
 * that contract lists them (10 digits), and the substitution residual. */
static void test_mixed_s4(void **state)
{
  (void)state;
  mf_model m = test_model_nonlinear(2, 100.0);
  const double g[2][2] = {{1.0, 1.5}, {2.0, 1.0}}, v[2] = {2.0, -2.0};
  for (int p = 0; p < 2; p++) {
    m.pop[p].reversal = v[p], m.pop[p].s = 1.0, m.pop[p].k = 4.0, m.pop[p].theta = 0.0;
    for (int q = 0; q < 2; q++) m.pop[p].g[q] = g[p][q], m.pop[p].g_el[q] = p == q ? 0.0 : 0.5;
  }
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  const int n = find(&m, -4, 4, pts);
  assert_int_equal(n, 1);
  assert_abs(pts[0].x[0], -0.6652558125, 1e-10, "x*_E");
  assert_abs(pts[0].x[1], -0.4549121543, 1e-10, "x*_I");
  assert_abs(pts[0].A[0], 0.774527, 1e-6, "A*_E");
  assert_abs(pts[0].A[1], 0.770102, 1e-6, "A*_I");
  for (int p = 0; p < 2; p++) assert_abs(net_input(&m, p, pts[0].x), 0.0, 1e-12, "S4 residual, population %d", p);
  assert_int_equal(pts[0].stability, MF_BALANCE_ATTRACTING);
  assert_abs(pts[0].eig_re[0], -0.8178, 1e-4, "real part of the focus");
  assert_abs(fabs(pts[0].eig_im[0]), 0.5493, 1e-4, "imaginary part of the focus");
}

/* Electrical coupling alone: no isolated points, and the Laplacian's rates. */
static void test_consensus(void **state)
{
  (void)state;
  mf_model m = test_model_nonlinear(3, 100.0);
  const double gel[3][3] = {{0, 1, 0}, {1, 0, 2}, {0, 2, 0}};
  for (int p = 0; p < 3; p++)
    for (int q = 0; q < 3; q++) m.pop[p].g[q] = 0.0, m.pop[p].g_el[q] = gel[p][q];
  assert_true(mf_balance_is_consensus(&m));
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  assert_int_equal(find(&m, -4, 4, pts), 0);
  double re[3], im[3];
  assert_int_equal(mf_balance_consensus_rates(&m, re, im), MF_OK);
  /* L = [[1,-1,0],[-1,3,-2],[0,-2,2]]: eigenvalues 0 and 3 -+ sqrt(3). */
  double sorted[3] = {re[0], re[1], re[2]};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (sorted[j] > sorted[i]) { double t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t; }
  assert_abs(sorted[0], 0.0, 1e-12, "zero rate along the line");
  assert_abs(sorted[1], -(3.0 - sqrt(3.0)), 1e-12, "slow normal rate");
  assert_abs(sorted[2], -(3.0 + sqrt(3.0)), 1e-12, "fast normal rate");
  for (int i = 0; i < 3; i++) assert_abs(im[i], 0.0, 1e-12, "symmetric L: real eigenvalues");

  /* The point the flow reaches: symmetric L, pi = (1, 1, 1): the plain average. */
  const double x[3] = {0.5, -1.2, 2.0};
  double c[3];
  assert_int_equal(mf_balance_consensus_point(&m, x, c), MF_OK);
  for (int p = 0; p < 3; p++) assert_rel(c[p], (0.5 - 1.2 + 2.0) / 3.0, 1e-13, "symmetric: the average, pop %d", p);
  /* g_el = [[0, 1, 0], [4, 0, 0], [0, 0, 0]]: L = [[1, -1, 0], [-4, 4, 0], [0, 0, 0]], pi = (4, 1) on {0, 1};
   * population 2 is not coupled and stays where it is. */
  const double asym[3][3] = {{0, 1, 0}, {4, 0, 0}, {0, 0, 0}};
  for (int p = 0; p < 3; p++)
    for (int q = 0; q < 3; q++) m.pop[p].g_el[q] = asym[p][q];
  assert_int_equal(mf_balance_consensus_point(&m, x, c), MF_OK);
  assert_rel(c[0], (4.0 * 0.5 - 1.2) / 5.0, 1e-13, "asymmetric: pi-weighted");
  assert_rel(c[1], (4.0 * 0.5 - 1.2) / 5.0, 1e-13, "asymmetric: pi-weighted, second");
  assert_rel(c[2], 2.0, 1e-13, "an uncoupled population stays");
  /* With a chemical weight there is no consensus line. */
  m.pop[0].g[0] = 1.0;
  assert_int_equal(mf_balance_consensus_point(&m, x, c), MF_EINPUT);
}

/* Two attracting balance points, each reached by the mean-field solver from its own side. */
static void test_two_attractors(void **state)
{
  (void)state;
  const double starts[2] = {1.6, -2.6};
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  mf_model m0 = test_model_bistable(100.0, 0.0);
  int n = find(&m0, -4, 4, pts);
  int reached[2] = {-1, -1};
  for (int s = 0; s < 2; s++) {
    mf_model m = test_model_bistable(100.0, starts[s]);
    mf_grid *grid = mf_grid_create_uniform(-4, 4, 800);
    const mf_integrator_opts opts = {.rtol = 1e-6, .atol = 1e-9, .linsol = MF_LINSOL_WOODBURY, .max_steps = 100000};
    const double t_end[] = {2.0};
    double *rho = test_integrate(&m, grid, &opts, t_end, 1, NULL, NULL, NULL);
    mf_fv *fv = mf_fv_create(&m, grid);
    mf_pop_observables obs[2];
    mf_observables_compute(fv, rho, obs);
    double means[2] = {obs[0].mean, obs[1].mean};
    reached[s] = mf_balance_nearest(pts, n, 2, means);
    print_message("start %.1f: means %.6f %.6f, nearest balance point %.6f\n", starts[s], means[0], means[1],
                  pts[reached[s]].x[0]);
    assert_int_equal(pts[reached[s]].stability, MF_BALANCE_ATTRACTING);
    for (int p = 0; p < 2; p++)
      assert_abs(means[p], pts[reached[s]].x[p], 0.05, "start %.1f population %d: mean near x*", starts[s], p);
    mf_fv_free(fv);
    mf_grid_free(grid);
    free(rho);
  }
  assert_int_not_equal(reached[0], reached[1]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_explicit),        cmocka_unit_test(test_scalar_equation),
      cmocka_unit_test(test_double_root),     cmocka_unit_test(test_substitution_p2),
      cmocka_unit_test(test_substitution_p3), cmocka_unit_test(test_substitution_p4),
      cmocka_unit_test(test_two_attractors),  cmocka_unit_test(test_mixed_s4),
      cmocka_unit_test(test_consensus),
  };
  return cmocka_run_group_tests_name("balance", tests, NULL, NULL);
}
