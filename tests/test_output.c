/* test_output.c -- the reliability of the jobs' plumbing: output times that
 * cannot overflow, temporary files that are never written through a planted
 * link, stale ones recognised, every failing file reported, the cost
 * estimates and their limits, and the exit codes. */
#define _POSIX_C_SOURCE 200809L
#include "numtest.h"

#include "mfbalance/budget.h"
#include "mfbalance/output.h"
#include "mfbalance/run.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/mfbalance-test-output.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_output_times(void **state)
{
  (void)state;
  double *t = NULL;
  const double snaps[] = {0.05, 0.2};
  assert_int_equal(mf_output_times(1.0, 0.1, snaps, 2, &t), 12); /* 0, 0.05, 0.1, 0.2 (once), ..., 1 */
  assert_true(t[0] == 0.0 && t[11] == 1.0);
  free(t);
  /* The int counter used to overflow here and write past the buffer. */
  assert_int_equal(mf_output_times(1.0, 4.5e-10, NULL, 0, &t), -1);
  assert_null(t);
  assert_int_equal(mf_errcode(), MF_EINPUT);
  /* end / dt = inf: no float-to-integer conversion of it. */
  assert_int_equal(mf_output_times(1e308, 1e-300, NULL, 0, &t), -1);
  assert_int_equal(mf_output_times(1.0, 0.0, NULL, 0, &t), -1);
  assert_int_equal(mf_output_times(1.0, (double)1 / MF_MAX_OUTPUT_TIMES, NULL, 0, &t), MF_MAX_OUTPUT_TIMES + 1);
  free(t);
}

static int count_entries(const char *path)
{
  DIR *d = opendir(path);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  if (d) closedir(d);
  return n;
}

static void test_outfile_link(void **state)
{
  (void)state;
  char sub[128], victim[128], link[160];
  snprintf(sub, sizeof sub, "%s/links", dir);
  snprintf(victim, sizeof victim, "%s/victim", dir);
  FILE *fp = fopen(victim, "w");
  fputs("secret\n", fp);
  fclose(fp);
  assert_int_equal(mf_output_dir_prepare(sub, 0), MF_OK);
  /* A link planted at the old, predictable temporary name and at the final name. */
  snprintf(link, sizeof link, "%s/.a.csv.tmp", sub);
  assert_int_equal(symlink(victim, link), 0);
  assert_int_equal(mf_output_dir_prepare(sub, 0), MF_EINPUT); /* stale temporary file */
  assert_non_null(strstr(mf_errmsg(), "interrupted or crashed"));
  assert_int_equal(mf_output_dir_prepare(sub, 1), MF_OK);   /* removed with force */
  assert_int_equal(count_entries(sub), 0);
  snprintf(link, sizeof link, "%s/a.csv", sub);
  assert_int_equal(symlink(victim, link), 0);
  mf_outfile f;
  assert_int_equal(mf_outfile_open(&f, sub, "a.csv"), MF_OK);
  assert_non_null(strstr(f.tmp, "/.a.csv.tmp-"));
  fputs("x\n", f.fp);
  assert_int_equal(mf_outfile_commit(&f), MF_OK);
  /* The link was replaced, not written through. */
  struct stat st;
  assert_int_equal(lstat(link, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  const mode_t mask = umask(0);
  umask(mask);
  assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
  char buf[16] = "";
  fp = fopen(victim, "r");
  assert_non_null(fgets(buf, sizeof buf, fp));
  fclose(fp);
  assert_string_equal(buf, "secret\n");
  assert_int_equal(mf_output_dir_prepare(sub, 0), MF_EINPUT); /* holds results now */
}

static void test_dir_names(void **state)
{
  (void)state;
  assert_int_equal(mf_output_dir_prepare("", 0), MF_EINPUT);
  char file[128];
  snprintf(file, sizeof file, "%s/plain", dir);
  fclose(fopen(file, "w"));
  assert_int_equal(mf_output_dir_prepare(file, 0), MF_EIO);
}

static void test_every_failure_reported(void **state)
{
  (void)state;
  mf_outfile a, b;
  char sub[128];
  snprintf(sub, sizeof sub, "%s/full", dir);
  assert_int_equal(mf_output_dir_prepare(sub, 0), MF_OK);
  assert_int_equal(mf_outfile_open(&a, sub, "a.csv"), MF_OK);
  assert_int_equal(mf_outfile_open(&b, sub, "b.csv"), MF_OK);
  /* A failed write, as on a full disk. */
  fclose(a.fp), fclose(b.fp);
  a.fp = fopen("/dev/full", "w"), b.fp = fopen("/dev/full", "w");
  fputs("row\n", a.fp), fputs("row\n", b.fp);
  mf_error_clear();
  assert_int_equal(mf_outfile_commit(&a), MF_EIO);
  assert_int_equal(mf_outfile_commit(&b), MF_EIO);
  assert_non_null(strstr(mf_errmsg(), "a.csv: write failed"));
  assert_non_null(strstr(mf_errmsg(), "b.csv: write failed"));
  /* After a numerical failure its message is kept too. */
  mf_error(MF_ENUMERIC, "time integration failed");
  mf_error_add(MF_EIO, "c.csv: write failed");
  assert_int_equal(mf_errcode(), MF_ENUMERIC);
  assert_string_equal(mf_errmsg(), "time integration failed\nc.csv: write failed");
}

static void test_exit_codes(void **state)
{
  (void)state;
  assert_int_equal(mf_exit_code(MF_OK), 0);
  assert_int_equal(mf_exit_code(MF_EINPUT), 2);
  assert_int_equal(mf_exit_code(MF_ENUMERIC), 3);
  assert_int_equal(mf_exit_code(MF_EIO), 4);
  assert_int_equal(mf_exit_code(MF_ENOMEM), 5);
  assert_string_equal(mf_outcome_name(MF_EINTR), "interrupted");
  assert_string_equal(mf_outcome_name(MF_ENUMERIC), "failed");
}

static void test_budget_limits(void **state)
{
  (void)state;
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, NULL, 0, NULL), MF_OK);
  setenv("MFBALANCE_MEMORY", "4G", 1);
  mf_budget b;
  assert_int_equal(mf_budget_check(MF_JOB_RUN, &cfg, &b), MF_OK);
  assert_int_equal(b.cells, 2000);
  assert_rel(b.available, 4.0 * 1073741824.0, 0.0, "MFBALANCE_MEMORY");
  mf_config c = cfg;
  c.output_dt = 1e-300;
  assert_int_equal(mf_budget_check(MF_JOB_RUN, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "raise time.output_dt"));
  c = cfg;
  c.hj_output_dtau = 4.5e-10;
  assert_int_equal(mf_budget_check(MF_JOB_FLOW, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "hj.output_dtau"));
  c = cfg;
  c.particles.dt = 1e-20;
  assert_int_equal(mf_budget_check(MF_JOB_PARTICLES, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "particles.dt"));
  c = cfg;
  c.particles.n = 2000000000L;
  assert_int_equal(mf_budget_check(MF_JOB_PARTICLES, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "neuron-steps"));
  c = cfg;
  c.sweep.gammas[0] = 1e300;
  c.sweep.ngammas = 1;
  assert_int_equal(mf_budget_check(MF_JOB_DOUBLELIMIT, &c, &b), MF_EINPUT);
  c = cfg;
  c.grid_method = MF_GRID_FIXED;
  c.cells = 100000000;
  assert_int_equal(mf_budget_check(MF_JOB_RUN, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "lower grid.cells"));
  c = cfg;
  c.sweep.cells_per_sd = 1e12;
  assert_int_equal(mf_budget_check(MF_JOB_SWEEP, &c, &b), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "sweep.cells_per_sd"));
  c = cfg;
  c.model.gamma = INFINITY;
  assert_int_equal(mf_budget_check(MF_JOB_RUN, &c, &b), MF_EINPUT);
  assert_int_equal(mf_budget_check(MF_JOB_HJ, &c, &b), MF_OK);
  unsetenv("MFBALANCE_MEMORY");
  assert_true(mf_budget_available() > 0.0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_output_times),     cmocka_unit_test(test_outfile_link),
      cmocka_unit_test(test_dir_names),        cmocka_unit_test(test_every_failure_reported),
      cmocka_unit_test(test_exit_codes),       cmocka_unit_test(test_budget_limits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
