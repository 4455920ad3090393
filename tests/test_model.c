/* test_model.c -- pointwise model functions against their definitions,
 * and the explicit balance voltages of MODEL.md section 3. */
#include "numtest.h"
#include "models.h"

#include "mfbalance/grid.h"
#include "mfbalance/model.h"

static void test_derivatives(void **state)
{
  (void)state;
  mf_model model = test_model_nonlinear(3, 10.0);
  for (int p = 0; p < 3; p++) {
    const mf_population *pop = &model.pop[p];
    for (double x = -3.0; x <= 3.0; x += 0.37) {
      const double h = 1e-5;
      double dF = (mf_model_F(pop, x + h) - mf_model_F(pop, x - h)) / (2 * h);
      assert_rel(dF, mf_model_f(pop, x), 1e-8, "pop %d x = %g: F' = f", p, x);
      double df = (mf_model_f(pop, x + h) - mf_model_f(pop, x - h)) / (2 * h);
      assert_rel(df, mf_model_df(pop, x), 1e-8, "pop %d x = %g: f'", p, x);
      double dS = (mf_model_S(pop, x + h) - mf_model_S(pop, x - h)) / (2 * h);
      assert_abs(dS, mf_model_dS(pop, x), 1e-8, "pop %d x = %g: S'", p, x);
    }
  }
  /* Far from theta the logistic neither overflows nor loses its limits. */
  mf_population pop = test_pop("E", 1.0, 0.0, 2.0, 50.0, 0.0, 0.0, 1.0);
  assert_rel(mf_model_S(&pop, -100.0), 0.0, 0.0, "S(-100)");
  assert_rel(mf_model_S(&pop, 100.0), 2.0, 0.0, "S(100)");
  assert_rel(mf_model_dS(&pop, -100.0), 0.0, 0.0, "S'(-100)");
  pop.k = 0.0;
  assert_rel(mf_model_S(&pop, 3.0), 1.0, 0.0, "constant S = s/2");
}

static void test_explicit_balance(void **state)
{
  (void)state;
  double xs[MF_MAX_POPS];
  /* The embedded default: v = (2, -2), rows (1, 1.5), one sigmoid: x* = -0.4. */
  mf_config cfg = test_config(0, NULL);
  assert_int_equal(mf_model_explicit_balance(&cfg.model, xs), 1);
  assert_rel(xs[0], -0.4, 1e-15, "default x*_E");
  assert_rel(xs[1], -0.4, 1e-15, "default x*_I");

  /* P = 1: clamped at the reversal potential. */
  mf_model one = test_model_nonlinear(1, 10.0);
  assert_int_equal(mf_model_explicit_balance(&one, xs), 1);
  assert_rel(xs[0], 2.0, 0.0, "P = 1");

  /* Distinct rows of g: no explicit formula. */
  mf_model three = test_model_nonlinear(3, 10.0);
  assert_int_equal(mf_model_explicit_balance(&three, xs), 0);

  /* Equal rows with constant but different S: weights g_q s_q / 2. */
  mf_model c = test_model_nonlinear(2, 10.0);
  c.pop[0].k = c.pop[1].k = 0.0;
  c.pop[0].s = 1.0, c.pop[1].s = 3.0;
  for (int p = 0; p < 2; p++) c.pop[p].g[0] = 1.0, c.pop[p].g[1] = 2.0;
  assert_int_equal(mf_model_explicit_balance(&c, xs), 1);
  double expect = (1.0 * 0.5 * 2.0 + 2.0 * 1.5 * -2.0) / (1.0 * 0.5 + 2.0 * 1.5);
  assert_rel(xs[1], expect, 1e-15, "constant S");
  /* ... and the net input vanishes there. */
  double net = 0.0;
  for (int q = 0; q < 2; q++) net += c.pop[0].g[q] * (xs[0] - c.pop[q].reversal) * mf_model_S(&c.pop[q], xs[q]);
  assert_abs(net, 0.0, 1e-15, "net synaptic input at x*");
}

static void test_model_check(void **state)
{
  (void)state;
  mf_model m = test_model_nonlinear(2, 10.0);
  assert_int_equal(mf_model_check(&m), MF_OK);
  m.pop[1].sigma = -0.2;
  assert_int_equal(mf_model_check(&m), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "sigma = -0.2: must be > 0"));
  m = test_model_nonlinear(2, 10.0);
  m.pop[0].g[1] = -1.0;
  assert_int_equal(mf_model_check(&m), MF_EINPUT);
  m = test_model_nonlinear(2, 10.0);
  m.pop[0].fraction = 0.9;
  assert_int_equal(mf_model_check(&m), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "fractions sum"));
}

/* Initial mass in a box: the normal probabilities P(|X| < 1) and the tail
 * Q(10) = P(X > 10) = 7.6198530241605260e-24 (both sides, to full relative
 * precision, where erf differences give 0), and uniform overlaps. */
static void test_initial_mass(void **state)
{
  (void)state;
  mf_population pop = test_pop("E", 0.5, 0.0, 1.0, 0.0, 0.0, 2.0, 1.0);
  assert_rel(mf_model_initial_mass(&pop, 1.0, 3.0), 0.68268949213708590, 1e-15, "P(|X - 2| < 1)");
  assert_rel(mf_model_initial_mass(&pop, 12.0, INFINITY), 7.6198530241605260e-24, 1e-13, "right tail Q(10)");
  assert_rel(mf_model_initial_mass(&pop, -INFINITY, -8.0), 7.6198530241605260e-24, 1e-13, "left tail Q(10)");
  assert_rel(mf_model_initial_mass(&pop, -INFINITY, INFINITY), 1.0, 1e-15, "total mass");
  pop.init = MF_INIT_UNIFORM, pop.init_a = -1.0, pop.init_b = 3.0;
  assert_rel(mf_model_initial_mass(&pop, 0.0, 10.0), 0.75, 1e-15, "uniform overlap");
  assert_rel(mf_model_initial_mass(&pop, 3.0, 10.0), 0.0, 0.0, "uniform outside");
}

static void test_error_message(void **state)
{
  (void)state;
  /* A message built from the previous one (sweep.c: "gamma = %g: %s", mf_errmsg()). */
  mf_error(MF_ERECOVER, "the frame of population %s collapsed", "E");
  assert_int_equal(mf_error(MF_ENUMERIC, "gamma = %g: %s", 100.0, mf_errmsg()), MF_ENUMERIC);
  assert_string_equal(mf_errmsg(), "gamma = 100: the frame of population E collapsed");
  mf_error_add(MF_EIO, "cannot write %s", "a.csv");
  assert_string_equal(mf_errmsg(), "gamma = 100: the frame of population E collapsed\ncannot write a.csv");
}

static void test_grid(void **state)
{
  (void)state;
  mf_grid *g = mf_grid_create_uniform(-4.0, 4.0, 2000);
  assert_non_null(g);
  assert_rel(g->faces[0], -4.0, 0.0, "first face");
  assert_rel(g->faces[2000], 4.0, 0.0, "last face");
  double total = 0.0;
  for (int i = 0; i < g->n; i++) total += g->w[i];
  assert_rel(total, 8.0, 1e-14, "sum of widths");
  assert_int_equal(mf_grid_locate(g, -4.0), 0);
  assert_int_equal(mf_grid_locate(g, 0.0021), 1000);
  assert_int_equal(mf_grid_locate(g, 9.0), 1999);
  mf_grid_free(g);
  assert_null(mf_grid_create_uniform(1.0, 1.0, 100));
  assert_null(mf_grid_create_uniform(0.0, 1.0, 7));
  double faces[10] = {0, 1, 2, 3, 4, 5, 5, 6, 7, 8};
  assert_null(mf_grid_create_faces(faces, 9));
  assert_non_null(strstr(mf_errmsg(), "face 6"));
  mf_grid_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_derivatives),
      cmocka_unit_test(test_explicit_balance),
      cmocka_unit_test(test_model_check),
      cmocka_unit_test(test_initial_mass),
      cmocka_unit_test(test_error_message),
      cmocka_unit_test(test_grid),
  };
  return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
