/* test_config.c -- configuration: the default, the round trip through
 * mf_config_write, every class of bad input, each with its message naming
 * the file and line (or the override) and MF_EINPUT, read errors (MF_EIO),
 * the limits on files, and docs/configuration.md against the key table. */
#define _POSIX_C_SOURCE 200809L
#include "numtest.h"

#include "mfbalance/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MF_SOURCE_ROOT
#error "MF_SOURCE_ROOT (the source tree, for docs/configuration.md) is set by tests/meson.build"
#endif

static char dir[64];

static const char base_ini[] = "[model]\n"                      /* 1 */
                               "gamma = 50\n"                   /* 2 */
                               "[pop.E]\n"                      /* 3 */
                               "sigma = 0.5\n"                  /* 4 */
                               "f = 0 1 0 -0.3\n"               /* 5 */
                               "reversal = 2\n"                 /* 6 */
                               "sigmoid = 1 4 0\n"              /* 7 */
                               "g = 1 1.5\n"                    /* 8 */
                               "init = gaussian 1 0.5\n"        /* 9 */
                               "[pop.I]\n"                      /* 10 */
                               "sigma = 0.4\n"                  /* 11 */
                               "f = 0 1 0 -0.3\n"               /* 12 */
                               "reversal = -2\n"                /* 13 */
                               "sigmoid = 1 4 0\n"              /* 14 */
                               "g = 1 1.5\n"                    /* 15 */
                               "init = uniform -2 0\n";         /* 16 */

static const char *write_file(const char *name, const char *text)
{
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  return path;
}

/* base_ini with line `line` (1-based) replaced by `repl` (NULL: deleted). */
static const char *variant(int line, const char *repl)
{
  static char text[4096];
  text[0] = '\0';
  const char *s = base_ini;
  for (int k = 1; *s; k++) {
    const char *e = strchr(s, '\n');
    if (k == line) {
      if (repl) strcat(text, repl), strcat(text, "\n");
    } else {
      strncat(text, s, (size_t)(e - s + 1));
    }
    s = e + 1;
  }
  return write_file("case.ini", text);
}

static void expect_status(const char *path, int n, char **ov, mf_status expected, const char *needle)
{
  mf_config cfg;
  mf_status status = mf_config_load(&cfg, path, n, ov);
  if (status != expected || !strstr(mf_errmsg(), needle))
    fail_msg("expected status %d with \"%s\"; got status %d and \"%s\"", expected, needle, status, mf_errmsg());
}

static void expect_error(const char *path, int n, char **ov, const char *needle)
{
  expect_status(path, n, ov, MF_EINPUT, needle);
}

/* Write cfg with mf_config_write, load it back, and compare every byte. */
static void expect_round_trip(const mf_config *a, const char *name)
{
  const char *path = write_file(name, "");
  FILE *fp = fopen(path, "w");
  assert_int_equal(mf_config_write(a, fp), MF_OK);
  fclose(fp);
  mf_config b;
  mf_status status = mf_config_load(&b, path, 0, NULL);
  if (status != MF_OK) fail_msg("%s does not load back: %s", name, mf_errmsg());
  assert_memory_equal(a, &b, sizeof *a);
}

/* The grid of the default with grid.file=path: NULL or a grid. */
static mf_grid *grid_from_file(const char *path)
{
  char ov[256];
  snprintf(ov, sizeof ov, "grid.file=%s", path);
  char *ovs[] = {ov};
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  return mf_config_grid(&cfg);
}

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/mfbalance-test-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd);
}

static void test_default(void **state)
{
  (void)state;
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, NULL, 0, NULL), MF_OK);
  assert_int_equal(cfg.model.P, 2);
  assert_string_equal(cfg.model.pop[0].name, "E");
  assert_string_equal(cfg.model.pop[1].name, "I");
  assert_rel(cfg.model.gamma, 100.0, 0.0, "gamma");
  assert_rel(cfg.model.pop[0].f[3], -1.0 / 3.0, 0.0, "c3");
  assert_rel(cfg.model.pop[1].g[1], 1.5, 0.0, "g_II");
  assert_rel(cfg.model.pop[0].fraction, 0.8, 0.0, "fraction E");
  assert_int_equal(cfg.cells, 2000);
  assert_int_equal(cfg.integ.linsol, MF_LINSOL_WOODBURY);
}

static void test_round_trip(void **state)
{
  (void)state;
  char *ov[] = {"model.gamma=1234.5", "pop.I.sigma=0.1234567890123", "solver.linear=band", "grid.cells=77"};
  mf_config a;
  assert_int_equal(mf_config_load(&a, NULL, 4, ov), MF_OK);
  assert_rel(a.model.pop[1].sigma, 0.1234567890123, 0.0, "overridden sigma");
  expect_round_trip(&a, "round.ini");

  /* Every type of key away from its default: the limit gamma, refinement
   * zones, empty and full lists (64 times of 17 digits make a line of about
   * 1500 characters), 64-bit seed, enums and booleans. */
  char snaps[2048] = "time.snapshots=", hj[2048] = "hj.snapshots=";
  for (int k = 0; k < 64; k++) {
    snprintf(snaps + strlen(snaps), sizeof snaps - strlen(snaps), " %.17g", 0.1 * k / 13.0);
    snprintf(hj + strlen(hj), sizeof hj - strlen(hj), "%s%.17g", k ? "," : "", -1.0 / (k + 3.0));
  }
  char *many[] = {"model.gamma=inf", "grid.refine=0 1 0.01 -2 0.5 0.02", "grid.method=moving", snaps, hj,
                  "time.t_end=0.5", "sweep.gammas=7", "sweep.refine=off", "particles.seed=18446744073709551615",
                  "particles.scheme=euler", "particles.dump=true", "particles.n=1099511627776",
                  "compare.n=999999999999", "pop.E.init=uniform -1 3.25", "pop.I.sigmoid=0.5 0 -1e-300"};
  assert_int_equal(mf_config_load(&a, NULL, sizeof many / sizeof many[0], many), MF_OK);
  assert_int_equal(a.nsnapshots, 64);
  assert_int_equal(a.nzones, 2);
  assert_int_equal(a.grid_method, MF_GRID_MOVING);
  expect_round_trip(&a, "round2.ini");
  char *none[] = {"time.snapshots=", "hj.snapshots=", "grid.file=grid.txt"};
  assert_int_equal(mf_config_load(&a, NULL, 3, none), MF_OK);
  assert_int_equal(a.nsnapshots, 0);
  assert_int_equal(a.grid_method, MF_GRID_FIXED); /* implied by the grid file */
  expect_round_trip(&a, "round3.ini");
}

/* The embedded default text is a configuration like any other. */
static void test_default_text(void **state)
{
  (void)state;
  const char *text = mf_config_default_ini();
  assert_non_null(text);
  assert_non_null(strstr(text, "[model]\ngamma = 100\n"));
  assert_non_null(strstr(text, "[pop.E]\n"));
  assert_non_null(strstr(text, "[hj]\ntau_end = 10\n"));
  mf_config a, b;
  assert_int_equal(mf_config_load(&a, NULL, 0, NULL), MF_OK);
  assert_int_equal(mf_config_load(&b, write_file("default.ini", text), 0, NULL), MF_OK);
  assert_memory_equal(&a, &b, sizeof a);
}

static void test_file_layering(void **state)
{
  (void)state;
  mf_config cfg;
  /* A file's populations replace the default's; other sections keep defaults. */
  assert_int_equal(mf_config_load(&cfg, write_file("ok.ini", base_ini), 0, NULL), MF_OK);
  assert_rel(cfg.model.gamma, 50.0, 0.0, "gamma from the file");
  assert_int_equal(cfg.cells, 2000);
  assert_rel(cfg.model.pop[0].fraction, 0.5, 0.0, "equal fractions when none given");
  assert_int_equal(cfg.model.pop[1].init, MF_INIT_UNIFORM);
  /* A grid file given in an override replaces the default uniform grid. */
  const char *g = write_file("grid.txt", "# faces\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  char ov[160];
  snprintf(ov, sizeof ov, "grid.file=%s", g);
  char *ovs[] = {ov};
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  mf_grid *grid = mf_config_grid(&cfg);
  assert_non_null(grid);
  assert_int_equal(grid->n, 9);
  mf_grid_free(grid);
}

static void test_bad_files(void **state)
{
  (void)state;
  expect_error(variant(16, "init = uniform -2 0\n[sovler]\nlinear = band"), 0, NULL,
               "case.ini:18: unknown section [sovler]");
  expect_error(variant(4, "sigm = 0.5"), 0, NULL, "case.ini:4: unknown key 'sigm' in [pop.E]");
  expect_error(variant(4, "sigma = 0.5x"), 0, NULL, "case.ini:4: [pop.E] sigma = '0.5x': '0.5x' is not a finite number");
  expect_error(variant(15, "g = 1"), 0, NULL, "case.ini:15: [pop.I] g = '1': 1 value given, expected 2 weights");
  expect_error(variant(15, "g = 1 2 3"), 0, NULL, "case.ini:15: [pop.I] g = '1 2 3': 3 values given, expected 2 weights");
  expect_error(variant(11, "sigma = 0"), 0, NULL, "case.ini:11: [pop.I] sigma = '0': sigma must be > 0");
  expect_error(variant(11, "sigma = -0.2"), 0, NULL, "sigma must be > 0");
  expect_error(variant(8, "g = 1 -1.5"), 0, NULL, "case.ini:8: [pop.E] g = '1 -1.5': weights must be >= 0");
  expect_error(variant(2, "gamma = nan"), 0, NULL, "case.ini:2: [model] gamma = 'nan': 'nan' is not a finite number");
  expect_error(variant(4, "sigma = inf"), 0, NULL, "case.ini:4: [pop.E] sigma = 'inf': 'inf' is not a finite number");
  mf_config inf_cfg;
  assert_int_equal(mf_config_load(&inf_cfg, variant(2, "gamma = inf"), 0, NULL), MF_OK); /* the limit, for hj */
  assert_true(isinf(inf_cfg.model.gamma));
  expect_error(variant(2, "gamma = 1e999"), 0, NULL, "'1e999' is not a finite number");
  expect_error(variant(5, "f = 0 1 0"), 0, NULL, "case.ini:5: [pop.E] f = '0 1 0': 3 values given, expected 4");
  expect_error(variant(9, "init = normal 1 0.5"), 0, NULL, "case.ini:9: [pop.E] init = 'normal 1 0.5'");
  expect_error(variant(16, "init = uniform 1 0"), 0, NULL, "case.ini:16: [pop.I] init = 'uniform 1 0': expected A < B");
  expect_error(variant(6, NULL), 0, NULL, "[pop.E] has no 'reversal' key");
  expect_error(variant(5, "this line is not INI"), 0, NULL, "case.ini:5: expected '[section]', 'key = value'");
  expect_error(variant(7, "sigma = 0.3"), 0, NULL, "case.ini:7: key 'sigma' in [pop.E] given twice (first at ");
  expect_error(variant(1, "gamma = 3\n[model]"), 0, NULL, "case.ini:1: key 'gamma' before any [section]");
  expect_error(variant(3, "[pop.E!]"), 0, NULL, "population name 'E!'");
}

static void test_bad_values_in_sections(void **state)
{
  (void)state;
  char *cells[] = {"grid.cells=7"};
  expect_error(NULL, 1, cells, "override 'grid.cells=7': [grid] cells = '7': expected a whole number from 8");
  char *range[] = {"grid.xmin=1", "grid.xmax=1"};
  expect_error(NULL, 2, range, "expected xmin < xmax");
  char *short_run[] = {"time.t_end=0.5"};
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, NULL, 1, short_run), MF_OK); /* default snapshots after 0.5 dropped */
  assert_int_equal(cfg.nsnapshots, 3);
  char *snap[] = {"time.snapshots=0 1 9"};
  expect_error(NULL, 1, snap, "[time] snapshots: 9 is after t_end = 5");
  char *order[] = {"time.snapshots=0 2 1"};
  expect_error(NULL, 1, order, "strictly increasing");
  char *lin[] = {"solver.linear=lu"};
  expect_error(NULL, 1, lin, "override 'solver.linear=lu': [solver] linear = 'lu': expected woodbury, band or dense");
  char *rtol[] = {"time.rtol=2"};
  expect_error(NULL, 1, rtol, "rtol must be in (0, 1)");
  char *frac[] = {"pop.E.fraction=0.5"};
  expect_error(NULL, 1, frac, "fractions sum to");
}

static void test_bad_overrides(void **state)
{
  (void)state;
  char *nopop[] = {"pop.X.sigma=1"};
  expect_error(NULL, 1, nopop, "override 'pop.X.sigma=1': no population 'X'");
  char *typo[] = {"model.gama=3"};
  expect_error(NULL, 1, typo, "override 'model.gama=3': unknown key 'gama' in [model]");
  char *nodot[] = {"gamma=3"};
  expect_error(NULL, 1, nodot, "override 'gamma=3': expected section.key=value");
  char *nan[] = {"pop.E.sigma=nan"};
  expect_error(NULL, 1, nan, "override 'pop.E.sigma=nan': [pop.E] sigma = 'nan'");
}

static void test_bad_grid_files(void **state)
{
  (void)state;
  mf_config cfg;
  char ov[160];
  char *ovs[] = {ov};
  const char *g = write_file("unsorted.txt", "0\n1\n3\n2\n4\n5\n6\n7\n8\n9\n");
  snprintf(ov, sizeof ov, "grid.file=%s", g);
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  assert_null(mf_config_grid(&cfg));
  assert_non_null(strstr(mf_errmsg(), "unsorted.txt:4: face 2 is not greater than the face before it (3, line 3)"));
  g = write_file("repeated.txt", "0\n1\n2\n2\n4\n5\n6\n7\n8\n9\n");
  snprintf(ov, sizeof ov, "grid.file=%s", g);
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  assert_null(mf_config_grid(&cfg));
  assert_non_null(strstr(mf_errmsg(), "repeated.txt:4: face 2 is not greater"));
  g = write_file("words.txt", "0\n1\nfoo\n");
  snprintf(ov, sizeof ov, "grid.file=%s", g);
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  assert_null(mf_config_grid(&cfg));
  assert_non_null(strstr(mf_errmsg(), "words.txt:3: 'foo': expected one finite number"));
  g = write_file("short.txt", "0\n1\n2\n");
  snprintf(ov, sizeof ov, "grid.file=%s", g);
  assert_int_equal(mf_config_load(&cfg, NULL, 1, ovs), MF_OK);
  assert_null(mf_config_grid(&cfg));
  assert_non_null(strstr(mf_errmsg(), "3 faces make 2 cells: expected at least 8"));
}

static void test_missing_file(void **state)
{
  (void)state;
  expect_error("/nonexistent/run.ini", 0, NULL, "/nonexistent/run.ini: cannot open the configuration file");
}

/* 60 000 distinct keys are stored in linear time (they took minutes with a
 * linear search per key) and reported as unknown. */
static void test_many_keys(void **state)
{
  (void)state;
  const char *path = write_file("many.ini", "");
  FILE *fp = fopen(path, "w");
  fputs("[model]\n", fp);
  for (int k = 0; k < 60000; k++) fprintf(fp, "key%d = %d\n", k, k);
  fclose(fp);
  clock_t start = clock();
  expect_error(path, 0, NULL, "many.ini:2: unknown key 'key0' in [model]; expected gamma");
  assert_le((double)(clock() - start) / CLOCKS_PER_SEC, 2.0, "CPU seconds to read 60000 keys");
}

/* The region of docs/configuration.md between the markers, or NULL. */
static char *committed_doc(void)
{
  FILE *fp = fopen(MF_SOURCE_ROOT "/docs/configuration.md", "r");
  assert_non_null(fp);
  static char doc[1 << 17];
  size_t len = fread(doc, 1, sizeof doc - 1, fp);
  fclose(fp);
  doc[len] = '\0';
  char *begin = strstr(doc, MF_CONFIG_DOC_BEGIN "\n"), *end = strstr(doc, MF_CONFIG_DOC_END "\n");
  if (!begin || !end || end < begin) return NULL;
  *end = '\0';
  return begin + strlen(MF_CONFIG_DOC_BEGIN "\n");
}

/* Every key docs/configuration.md documents is one the parser knows, and
 * the file's table is the key table's (so no key is parsed but
 * undocumented: mf_config_doc refuses a key without documentation). */
static void test_doc(void **state)
{
  (void)state;
  char *committed = committed_doc();
  if (!committed) fail_msg("docs/configuration.md: no generated table between its markers");
  char *rows = strdup(committed);
  assert_non_null(rows);

  /* Row by row: an override of the key may fail, but not as unknown. */
  char section[64] = "";
  int nrows = 0;
  for (char *line = strtok(rows, "\n"); line; line = strtok(NULL, "\n")) {
    char cell[64], key[64];
    if (strncmp(line, "|---", 4) == 0 || strncmp(line, "| section", 9) == 0) continue;
    if (sscanf(line, "| `[%63[^]]]`", cell) == 1) snprintf(section, sizeof section, "%s", cell);
    const char *tick = strstr(line + 1, "| `");
    if (!tick || sscanf(tick, "| `%63[^`]`", key) != 1) fail_msg("docs/configuration.md: row '%s'", line);
    char ov[192];
    snprintf(ov, sizeof ov, "%s.%s=?", strcmp(section, "pop.NAME") == 0 ? "pop.E" : section, key);
    char *ovs[] = {ov};
    mf_config cfg;
    if (mf_config_load(&cfg, NULL, 1, ovs) != MF_OK && strstr(mf_errmsg(), "unknown"))
      fail_msg("docs/configuration.md documents [%s] %s, which the parser does not know: %s", section, key,
               mf_errmsg());
    nrows++;
  }
  free(rows);
  assert_true(nrows > 40);

  char *generated = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&generated, &len);
  assert_non_null(fp);
  mf_status status = mf_config_doc(fp);
  fclose(fp);
  if (status != MF_OK) fail_msg("the key table: %s", mf_errmsg());
  if (strcmp(committed, generated) != 0)
    fail_msg("docs/configuration.md is not the key table's: run `meson compile -C build configuration-md`");
  free(generated);
}

/* Read errors are not the end of the file; a directory, content that is not
 * text, or without end, is refused as input with the file named. */
static void test_read_errors(void **state)
{
  (void)state;
  expect_status(dir, 0, NULL, MF_EINPUT, "is a directory, expected a configuration file");
  if (access("/proc/self/mem", R_OK) == 0)
    expect_status("/proc/self/mem", 0, NULL, MF_EIO, "/proc/self/mem: cannot read the configuration file");
  const char *path = write_file("nul.ini", "");
  FILE *fp = fopen(path, "w");
  fputs("[model]\ngamma = 3", fp);
  fputc('\0', fp);
  fputs("\n", fp);
  fclose(fp);
  expect_error(path, 0, NULL, "nul.ini:2: NUL byte: not a text file");
  expect_error("/dev/zero", 0, NULL, "/dev/zero:1: NUL byte");

  /* Longer than MF_CONFIG_MAX_BYTES: comment lines only. */
  path = write_file("big.ini", "");
  fp = fopen(path, "w");
  for (long k = 0; k <= MF_CONFIG_MAX_BYTES / 16; k++) fputs("; 13 characters\n", fp);
  fclose(fp);
  expect_error(path, 0, NULL, "big.ini: more than 4194304 bytes");

  /* A line of MF_CONFIG_MAX_LINE characters is read, one more is refused. */
  static char text[2 * MF_CONFIG_MAX_LINE];
  snprintf(text, sizeof text, "[model]\n;%0*d\ngamma = 3\n", MF_CONFIG_MAX_LINE - 1, 0);
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, write_file("line.ini", text), 0, NULL), MF_OK);
  assert_rel(cfg.model.gamma, 3.0, 0.0, "gamma after the longest line");
  snprintf(text, sizeof text, "[model]\n;%0*d\ngamma = 3\n", MF_CONFIG_MAX_LINE, 0);
  expect_error(write_file("line.ini", text), 0, NULL, "line.ini:2: line longer than 4096 characters");
}

/* Grid file lines: no limit short of MF_CONFIG_MAX_LINE, and no end of
 * file at a NUL byte or a read error. */
static void test_grid_file_lines(void **state)
{
  (void)state;
  /* A 265-character line is one face, not two. */
  static char text[3 * MF_CONFIG_MAX_LINE];
  snprintf(text, sizeof text, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9.%0263d\n", 0);
  mf_grid *grid = grid_from_file(write_file("wide.txt", text));
  assert_non_null(grid);
  assert_int_equal(grid->n, 9);
  mf_grid_free(grid);
  snprintf(text, sizeof text, "0\n1\n2.%0*d\n3\n", MF_CONFIG_MAX_LINE, 0);
  assert_null(grid_from_file(write_file("long.txt", text)));
  assert_non_null(strstr(mf_errmsg(), "long.txt:3: line longer than 4096 characters"));
  const char *path = write_file("nul.txt", "");
  FILE *fp = fopen(path, "w");
  fputs("0\n1\n", fp);
  for (int k = 0; k < 1000; k++) fputc('\0', fp);
  fclose(fp);
  assert_null(grid_from_file(path));
  assert_non_null(strstr(mf_errmsg(), "nul.txt:3: NUL byte"));
  assert_null(grid_from_file("/dev/zero"));
  assert_non_null(strstr(mf_errmsg(), "/dev/zero:1: NUL byte"));
  assert_null(grid_from_file(dir));
  assert_int_equal(mf_errcode(), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "is a directory, expected a grid file"));
}

/* Initial data must have mass in the box: none gave NaN densities. */
static void test_initial_mass(void **state)
{
  (void)state;
  char *far[] = {"pop.E.init=gaussian 1e6 0.1"};
  expect_error(NULL, 1, far, "override 'pop.E.init=gaussian 1e6 0.1': [pop.E] init = 'gaussian 1e6 0.1': mass 0 "
                             "inside the box [xmin, xmax] = [-4, 4]: expected at least 1e-06");
  char *outside[] = {"pop.I.init=uniform 4 5"};
  expect_error(NULL, 1, outside, "[pop.I] init = 'uniform 4 5': mass 0 inside the box");
  /* The tail beyond x = 4 of N(4 + 4.5 sd, sd) holds 3.4e-6, of N(4 + 5 sd, sd) 2.9e-7. */
  char *tail_ok[] = {"pop.E.init=gaussian 4.45 0.1"}, *tail_bad[] = {"pop.E.init=gaussian 4.5 0.1"};
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, NULL, 1, tail_ok), MF_OK);
  expect_error(NULL, 1, tail_bad, "mass 2.87e-07 inside the box");
  char *moved[] = {"pop.E.init=gaussian 100 0.1", "grid.xmax=101"};
  assert_int_equal(mf_config_load(&cfg, NULL, 2, moved), MF_OK);
  /* With a grid file the box is known when the grid is read. */
  char file[256];
  snprintf(file, sizeof file, "grid.file=%s", write_file("faces.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n"));
  char *file_far[] = {"pop.E.init=gaussian 100 0.1", file};
  assert_int_equal(mf_config_load(&cfg, NULL, 2, file_far), MF_OK);
  assert_null(mf_config_grid(&cfg));
  assert_int_equal(mf_errcode(), MF_EINPUT);
  assert_non_null(strstr(mf_errmsg(), "[pop.E] init = 'gaussian 100 0.1': mass 0 inside the box [0, 9] of the grid"));
}

/* neuron = fhn (../shared/FHN.md): the recovery keys, the cubic from the
 * current, init with four numbers, the (v, w) grid keys; keys of the other
 * neuron refused; the round trip. */
static const char fhn_ini[] = "[model]\nneuron = fhn\n"
                              "[pop.E]\nsigma = 0.5\ncurrent = 0.4\nreversal = 1\nsigmoid = 1 0.2 2\ng = 1\n"
                              "init = gaussian 0 0.4 0.5 0.3\n"
                              "[grid]\ncells_v = 60\ncells_w = 30\n";

static void test_fhn(void **state)
{
  (void)state;
  char path[128]; /* write_file's buffer is reused */
  snprintf(path, sizeof path, "%s", write_file("fhn.ini", fhn_ini));
  mf_config cfg;
  assert_int_equal(mf_config_load(&cfg, path, 0, NULL), MF_OK);
  const mf_population *E = &cfg.model.pop[0];
  assert_int_equal(cfg.model.neuron, MF_NEURON_FHN);
  const double cubic[4] = {0.4, 1.0, 0.0, -1.0 / 3.0};
  for (int i = 0; i < 4; i++) assert_rel(E->f[i], cubic[i], 0.0, "f[%d] from current = 0.4", i);
  assert_rel(E->w.a, 0.7, 0.0, "a default"), assert_rel(E->w.b, 0.8, 0.0, "b default");
  assert_rel(E->w.epsilon, 0.08, 0.0, "epsilon default"), assert_rel(E->w.sigma_w, 0.0, 0.0, "sigma_w default");
  assert_rel(E->init_a, 0.0, 0.0, "MV"), assert_rel(E->init_b, 0.4, 0.0, "SV");
  assert_rel(E->w.init_mean, 0.5, 0.0, "MW"), assert_rel(E->w.init_sd, 0.3, 0.0, "SW");
  assert_int_equal(cfg.cells_v, 60), assert_int_equal(cfg.cells_w, 30);
  assert_rel(cfg.vmin, -3.0, 0.0, "vmin"), assert_rel(cfg.wmax, 5.0, 0.0, "wmax");
  expect_round_trip(&cfg, "fhn_round.ini");
  char *given[] = {"pop.E.f=0.1 1 0 -0.5", "pop.E.sigma_w=0.2", "pop.E.epsilon=0.5", "grid.wmax=6"};
  assert_int_equal(mf_config_load(&cfg, path, 4, given), MF_OK);
  assert_rel(cfg.model.pop[0].f[3], -0.5, 0.0, "f given replaces current");
  expect_round_trip(&cfg, "fhn_round2.ini");

  /* The 1d default refuses FitzHugh-Nagumo keys, and fhn the one-dimensional grid keys. */
  char *a1d[] = {"pop.E.a=1"}, *v1d[] = {"grid.cells_v=50"}, *init1d[] = {"pop.E.init=gaussian 0 1 0 1"};
  expect_error(NULL, 1, a1d, "override 'pop.E.a=1': [pop.E] a: only with [model] neuron = fhn, not with neuron = 1d");
  expect_error(NULL, 1, v1d, "[grid] cells_v: only with [model] neuron = fhn");
  expect_error(NULL, 1, init1d, "4 numbers are for neuron = fhn");
  char *cells[] = {"grid.cells=100"}, *fixed[] = {"grid.method=fixed"}, *two[] = {"pop.E.init=gaussian 0 1"};
  expect_error(path, 1, cells, "[grid] cells: only with [model] neuron = 1d, not with neuron = fhn");
  /* The fixed (v, w) box is accepted and round-trips. */
  assert_int_equal(mf_config_load(&cfg, path, 1, fixed), MF_OK);
  assert_int_equal(cfg.grid_method, MF_GRID_FIXED);
  expect_round_trip(&cfg, "fhn_fixed.ini");
  expect_error(path, 1, two, "neuron = fhn: expected 'gaussian MV SV MW SW'");
  char *uni[] = {"pop.E.init=uniform 0 1 2 3"}, *sw[] = {"pop.E.init=gaussian 0 1 0 0"};
  expect_error(path, 1, uni, "uniform takes 2 numbers");
  expect_error(path, 1, sw, "the sd must be > 0");
  char *box[] = {"grid.wmin=5"}, *far[] = {"pop.E.init=gaussian 0 0.4 9 0.1"}, *eps[] = {"pop.E.epsilon=0"};
  expect_error(path, 1, box, "expected vmin < vmax and wmin < wmax");
  expect_error(path, 1, far, "mass 1 in [vmin, vmax] = [-3, 3] and 0 in [wmin, wmax] = [-3, 5]");
  expect_error(path, 1, eps, "epsilon must be > 0");
  /* f and current in one section: one is the other's c0. */
  const char *both = write_file("both.ini", "[model]\nneuron = fhn\n[pop.E]\nsigma = 0.5\ncurrent = 0.4\n"
                                           "f = 0 1 0 -0.3\nreversal = 1\nsigmoid = 1 0.2 2\ng = 1\n"
                                           "init = gaussian 0 0.4 0.5 0.3\n");
  expect_error(both, 0, NULL, "gives both 'f' and 'current'");
  const char *nof = write_file("nof.ini", "[pop.E]\nsigma = 0.5\nreversal = 1\nsigmoid = 1 0.2 2\ng = 1\n"
                                          "init = gaussian 0 0.4\n");
  expect_error(nof, 0, NULL, "[pop.E] has no 'f' key");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default),          cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_default_text),     cmocka_unit_test(test_file_layering),
      cmocka_unit_test(test_bad_files),        cmocka_unit_test(test_bad_values_in_sections),
      cmocka_unit_test(test_bad_overrides),    cmocka_unit_test(test_bad_grid_files),
      cmocka_unit_test(test_missing_file),     cmocka_unit_test(test_many_keys),
      cmocka_unit_test(test_doc),              cmocka_unit_test(test_read_errors),
      cmocka_unit_test(test_grid_file_lines),  cmocka_unit_test(test_initial_mass),
      cmocka_unit_test(test_fhn),
  };
  return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
