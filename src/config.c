/* config.c -- reading, overriding, checking and printing the configuration
 * (config.h, docs/configuration.md).
 *
 * libinih parses the text; a line-counting reader gives every key its
 * file:line.  Keys are first collected as text with their origin (embedded
 * default, file, override), later sources replacing earlier ones, and only
 * then converted and checked, so that a file and an override report a bad
 * value the same way and cross-checks (the length of g is P) can still name
 * the line.
 */
#include "mfbalance/config.h"

#include "mfbalance/output.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char default_ini[] =
    "; mfbalance embedded default: an excitatory and an inhibitory population\n"
    "; with FitzHugh-Nagumo voltage dynamics (frozen recovery); balance at x* = -0.4.\n"
    "[model]\n"
    "gamma = 100\n"
    "\n"
    "[pop.E]\n"
    "sigma = 0.5\n"
    "f = 0 1 0 -0.33333333333333331\n"
    "reversal = 2\n"
    "sigmoid = 1 4 0\n"
    "g = 1.0 1.5\n"
    "init = gaussian 1 0.5\n"
    "fraction = 0.8\n"
    "\n"
    "[pop.I]\n"
    "sigma = 0.5\n"
    "f = 0 1 0 -0.33333333333333331\n"
    "reversal = -2\n"
    "sigmoid = 1 4 0\n"
    "g = 1.0 1.5\n"
    "init = gaussian -1 0.5\n"
    "fraction = 0.2\n"
    "\n"
    "[grid]\n"
    "method = moving\n"
    "moving_cells = 200\n"
    "moving_halfwidth = 10\n"
    "xmin = -4\n"
    "xmax = 4\n"
    "cells = 2000\n"
    "\n"
    "[time]\n"
    "t_end = 5\n"
    "output_dt = 0.05\n"
    "snapshots = 0 0.05 0.2 1 5\n"
    "rtol = 1e-6\n"
    "atol = 1e-8\n"
    "\n"
    "[solver]\n"
    "linear = woodbury\n"
    "max_steps = 100000\n"
    "\n"
    "[sweep]\n"
    "gammas = 100 300 1000 3000 10000\n"
    "stationary_tol = 1e-7\n"
    "collapse_radius = 0.05\n"
    "refine = auto\n"
    "cells_per_sd = 25\n"
    "\n"
    "[particles]\n"
    "n = 100000\n"
    "dt = 0.001\n"
    "seed = 1\n"
    "scheme = exponential\n"
    "threads = 0\n"
    "dump = false\n"
    "\n"
    "[compare]\n"
    "n = 1000 10000 100000 1000000\n"
    "replicas = 16\n"
    "\n"
    "[hj]\n"
    "tau_end = 10\n"
    "output_dtau = 0.05\n"
    "snapshots = 0 1 10\n"
    "rtol = 1e-10\n"
    "atol = 1e-12\n";

const char *mf_config_default_ini(void) { return default_ini; }

/* ---- raw entries: text values with their origin ---------------------------------------- */

typedef struct {
  char section[64];
  char key[64];
  char value[256];
  char origin[MF_PATH_LEN + 80]; /* "file:line" or "override '...'" */
} entry;

typedef struct {
  entry *e;
  int n, cap;
} store;

static void store_free(store *s)
{
  free(s->e);
  s->e = NULL;
  s->n = s->cap = 0;
}

static entry *store_find(store *s, const char *section, const char *key)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->e[i].section, section) == 0 && strcmp(s->e[i].key, key) == 0) return &s->e[i];
  return NULL;
}

static int store_has_section(const store *s, const char *section)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->e[i].section, section) == 0) return 1;
  return 0;
}

static int is_pop_section(const char *section) { return strncmp(section, "pop.", 4) == 0; }

static int store_has_pops(const store *s)
{
  for (int i = 0; i < s->n; i++)
    if (is_pop_section(s->e[i].section)) return 1;
  return 0;
}

/* Remove the entries matching section (and key, unless key is NULL), or all
 * population entries when section is "pop.". */
static void store_remove(store *s, const char *section, const char *key)
{
  int k = 0;
  for (int i = 0; i < s->n; i++) {
    const entry *e = &s->e[i];
    int match = strcmp(section, "pop.") == 0 ? is_pop_section(e->section)
                                             : strcmp(e->section, section) == 0 && (!key || strcmp(e->key, key) == 0);
    if (!match) s->e[k++] = *e;
  }
  s->n = k;
}

static mf_status store_put(store *s, const char *section, const char *key, const char *value, const char *origin)
{
  if (strlen(section) >= sizeof s->e[0].section || strlen(key) >= sizeof s->e[0].key ||
      strlen(value) >= sizeof s->e[0].value)
    return mf_error(MF_EINPUT, "%s: [%s] %s: section, key or value too long", origin, section, key);
  entry *e = store_find(s, section, key);
  if (!e) {
    if (s->n == s->cap) {
      int cap = s->cap ? 2 * s->cap : 64;
      entry *grown = realloc(s->e, (size_t)cap * sizeof *grown);
      if (!grown) return mf_error(MF_ENOMEM, "out of memory reading the configuration");
      s->e = grown;
      s->cap = cap;
    }
    e = &s->e[s->n++];
    strcpy(e->section, section);
    strcpy(e->key, key);
  }
  strcpy(e->value, value);
  snprintf(e->origin, sizeof e->origin, "%s", origin);
  return MF_OK;
}

/* Merge src into dst.  A file's populations replace all earlier ones; a grid
 * file and a uniform grid exclude each other, whichever came later wins; a
 * source that names a fixed grid (file, cells or refine) but no method asks
 * for method = fixed. */
static mf_status store_merge(store *dst, const store *src, int replace_pops)
{
  if (replace_pops && store_has_pops(src)) store_remove(dst, "pop.", NULL);
  if (!store_find((store *)src, "grid", "method")) {
    static const char *const fixed_keys[] = {"file", "cells", "refine"};
    for (int k = 0; k < 3; k++) {
      const entry *e = store_find((store *)src, "grid", fixed_keys[k]);
      if (!e) continue;
      char origin[sizeof e->origin];
      snprintf(origin, sizeof origin, "%.*s (implies method = fixed)", (int)sizeof e->origin - 32, e->origin);
      mf_status status = store_put(dst, "grid", "method", "fixed", origin);
      if (status != MF_OK) return status;
      break;
    }
  }
  if (store_find((store *)src, "grid", "file")) {
    store_remove(dst, "grid", "xmin");
    store_remove(dst, "grid", "xmax");
    store_remove(dst, "grid", "cells");
  } else if (store_find((store *)src, "grid", "xmin") || store_find((store *)src, "grid", "xmax") ||
             store_find((store *)src, "grid", "cells")) {
    store_remove(dst, "grid", "file");
  }
  for (int i = 0; i < src->n; i++) {
    const entry *e = &src->e[i];
    mf_status status = store_put(dst, e->section, e->key, e->value, e->origin);
    if (status != MF_OK) return status;
  }
  return MF_OK;
}

/* ---- INI parsing with line numbers ----------------------------------------------------- */

typedef struct {
  const char *name;   /* file name or "built-in default" */
  FILE *fp;           /* the file, or NULL to read text */
  const char *text;   /* remaining text when fp is NULL */
  int line;           /* number of the line last handed to inih */
  int overlong;       /* line number of a line too long for inih's buffer */
  store *out;
  mf_status status;   /* first error found by the handler */
} ini_source;

static char *line_reader(char *buf, int size, void *stream)
{
  ini_source *src = stream;
  char *got = NULL;
  if (src->fp) {
    got = fgets(buf, size, src->fp);
  } else if (*src->text) {
    int k = 0;
    while (k < size - 1 && src->text[k] && src->text[k] != '\n') k++;
    if (src->text[k] == '\n' && k < size - 1) k++;
    memcpy(buf, src->text, (size_t)k);
    buf[k] = '\0';
    src->text += k;
    got = buf;
  }
  if (!got) return NULL;
  src->line++;
  size_t len = strlen(buf);
  if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !src->overlong) src->overlong = src->line;
  return got;
}

static int collect_key(void *user, const char *section, const char *key, const char *value)
{
  ini_source *src = user;
  if (src->status != MF_OK) return 0;
  char origin[MF_PATH_LEN + 80];
  snprintf(origin, sizeof origin, "%s:%d", src->name, src->line);
  const entry *old = store_find(src->out, section, key);
  if (old) {
    src->status = mf_error(MF_EINPUT, "%s: key '%s' in [%s] given twice (first at %s)", origin, key, section,
                           old->origin);
    return 0;
  }
  if (section[0] == '\0') {
    src->status = mf_error(MF_EINPUT, "%s: key '%s' before any [section]", origin, key);
    return 0;
  }
  src->status = store_put(src->out, section, key, value, origin);
  return src->status == MF_OK;
}

static mf_status parse_ini(ini_source *src)
{
  /* Python-configparser continuation lines would silently glue a mistyped
   * line onto the value above: turn them off.  Stop at the first error so
   * that inih's line number is the handler's. */
  ini_allow_multiline = false;
  ini_stop_on_first_error = true;
  int rc = ini_parse_stream(line_reader, src, collect_key, src);
  if (src->status != MF_OK) return src->status;
  if (src->overlong && (rc == 0 || rc >= src->overlong))
    return mf_error(MF_EINPUT, "%s:%d: line longer than %d characters", src->name, src->overlong,
                    INI_MAX_LINE - 3);
  if (rc > 0)
    return mf_error(MF_EINPUT, "%s:%d: expected '[section]', 'key = value' or a comment", src->name, rc);
  if (rc < 0) return mf_error(MF_ENOMEM, "%s: out of memory while parsing", src->name);
  return MF_OK;
}

/* ---- converting values ----------------------------------------------------------------- */

/* Parse up to max numbers separated by blanks; returns the count, or -1
 * with *bad pointing at the first token that is not a finite number. */
static int parse_numbers(const char *text, double *out, int max, const char **bad)
{
  int n = 0;
  const char *s = text;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    if (!*s) return n;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || errno == ERANGE || (*end && *end != ' ' && *end != '\t' && *end != ',')) {
      *bad = s;
      return -1;
    }
    if (n == max) {
      *bad = s;
      return -2;
    }
    out[n++] = v;
    s = end;
  }
}

/* Exactly count numbers from e into out, or an error naming e. */
static mf_status get_numbers(const entry *e, double *out, int count, const char *what)
{
  const char *bad = NULL;
  double tmp[MF_MAX_SNAPSHOTS + 1];
  int max = count < MF_MAX_SNAPSHOTS ? count + 1 : MF_MAX_SNAPSHOTS + 1;
  int n = parse_numbers(e->value, tmp, max, &bad);
  if (n == -1) {
    char token[64];
    size_t k = strcspn(bad, " \t,");
    snprintf(token, sizeof token, "%.*s", (int)(k < 60 ? k : 60), bad);
    return mf_error(MF_EINPUT, "%s: [%s] %s = '%s': '%s' is not a finite number; expected %s", e->origin,
                    e->section, e->key, e->value, token, what);
  }
  if (n != count)
    return mf_error(MF_EINPUT, "%s: [%s] %s = '%s': %s%d value%s given, expected %s", e->origin, e->section,
                    e->key, e->value, n < 0 ? "more than " : "", n < 0 ? count : n, n == 1 ? "" : "s", what);
  memcpy(out, tmp, (size_t)count * sizeof(double));
  return MF_OK;
}

static mf_status get_number(const entry *e, double *out, const char *what)
{
  return get_numbers(e, out, 1, what);
}

static mf_status get_long(const entry *e, long lo, long hi, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(e->value, &end, 10);
  if (end == e->value || *end || errno == ERANGE || v < lo || v > hi)
    return mf_error(MF_EINPUT, "%s: [%s] %s = '%s': expected a whole number from %ld to %ld", e->origin,
                    e->section, e->key, e->value, lo, hi);
  *out = v;
  return MF_OK;
}

static mf_status range_error(const entry *e, const char *expected)
{
  return mf_error(MF_EINPUT, "%s: [%s] %s = '%s': %s", e->origin, e->section, e->key, e->value, expected);
}

/* One number > 0 into *out; the message names the key. */
static mf_status get_positive(const entry *e, double *out)
{
  mf_status st = get_number(e, out, "one number > 0");
  if (st != MF_OK) return st;
  if (*out > 0.0) return MF_OK;
  char why[96];
  snprintf(why, sizeof why, "%s must be > 0", e->key);
  return range_error(e, why);
}

/* One number in (0, 1) into *out (relative tolerances). */
static mf_status get_unit_open(const entry *e, double *out)
{
  mf_status st = get_number(e, out, "one number in (0, 1)");
  if (st != MF_OK) return st;
  if (*out > 0.0 && *out < 1.0) return MF_OK;
  char why[96];
  snprintf(why, sizeof why, "%s must be in (0, 1)", e->key);
  return range_error(e, why);
}

/* ---- interpreting the sections ------------------------------------------------------ */

static const char *const pop_keys[] = {"sigma", "f", "reversal", "sigmoid", "g", "init", "fraction"};
enum { POP_NKEYS = sizeof pop_keys / sizeof pop_keys[0] };

static mf_status set_pop_key(mf_config *cfg, mf_population *pop, const entry *e)
{
  const int P = cfg->model.P;
  mf_status st;
  double v[3];
  if (strcmp(e->key, "sigma") == 0) {
    if ((st = get_positive(e, &pop->sigma)) != MF_OK) return st;
  } else if (strcmp(e->key, "f") == 0) {
    return get_numbers(e, pop->f, 4, "4 coefficients c0 c1 c2 c3 of f(x) = c0 + c1 x + c2 x^2 + c3 x^3");
  } else if (strcmp(e->key, "reversal") == 0) {
    return get_number(e, &pop->reversal, "one number (the reversal potential)");
  } else if (strcmp(e->key, "sigmoid") == 0) {
    if ((st = get_numbers(e, v, 3, "3 numbers 's k theta' of S(y) = s / (1 + exp(-k (y - theta)))")) != MF_OK)
      return st;
    if (!(v[0] >= 0.0)) return range_error(e, "the amplitude s must be >= 0");
    pop->s = v[0], pop->k = v[1], pop->theta = v[2];
  } else if (strcmp(e->key, "g") == 0) {
    char what[80];
    snprintf(what, sizeof what, "%d weights >= 0, one per population in order", P);
    if ((st = get_numbers(e, pop->g, P, what)) != MF_OK) return st;
    for (int q = 0; q < P; q++)
      if (!(pop->g[q] >= 0.0)) return range_error(e, "weights must be >= 0");
  } else if (strcmp(e->key, "init") == 0) {
    const char *rest;
    if (strncmp(e->value, "gaussian", 8) == 0 && (e->value[8] == ' ' || e->value[8] == '\t')) {
      pop->init = MF_INIT_GAUSSIAN, rest = e->value + 8;
    } else if (strncmp(e->value, "uniform", 7) == 0 && (e->value[7] == ' ' || e->value[7] == '\t')) {
      pop->init = MF_INIT_UNIFORM, rest = e->value + 7;
    } else {
      return range_error(e, "expected 'gaussian MEAN SD' or 'uniform A B'");
    }
    entry sub = *e;
    snprintf(sub.value, sizeof sub.value, "%s", rest);
    if ((st = get_numbers(&sub, v, 2, "'gaussian MEAN SD' or 'uniform A B'")) != MF_OK) return st;
    pop->init_a = v[0], pop->init_b = v[1];
    if (pop->init == MF_INIT_GAUSSIAN && !(v[1] > 0.0)) return range_error(e, "the sd must be > 0");
    if (pop->init == MF_INIT_UNIFORM && !(v[0] < v[1])) return range_error(e, "expected A < B");
  } else if (strcmp(e->key, "fraction") == 0) {
    if ((st = get_number(e, &pop->fraction, "one number in (0, 1]")) != MF_OK) return st;
    if (!(pop->fraction > 0.0 && pop->fraction <= 1.0)) return range_error(e, "fraction must be in (0, 1]");
  } else {
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [%s]; expected one of sigma, f, reversal, sigmoid, g, "
                    "init, fraction", e->origin, e->key, e->section);
  }
  return MF_OK;
}

static mf_status set_key(mf_config *cfg, const entry *e)
{
  mf_status st;
  long l = 0;
  const char *sec = e->section, *key = e->key;
  if (strcmp(sec, "model") == 0) {
    if (strcmp(key, "gamma") == 0) {
      if (strcmp(e->value, "inf") == 0 || strcmp(e->value, "infinity") == 0) {
        cfg->model.gamma = INFINITY; /* the limit problem, for `mfbalance hj` */
        return MF_OK;
      }
      if ((st = get_number(e, &cfg->model.gamma, "one number > 0, or inf")) != MF_OK) return st;
      return cfg->model.gamma > 0.0 ? MF_OK : range_error(e, "gamma must be > 0");
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [model]; expected gamma", e->origin, key);
  }
  if (strcmp(sec, "grid") == 0) {
    if (strcmp(key, "method") == 0) {
      if (strcmp(e->value, "moving") == 0) cfg->grid_method = MF_GRID_MOVING;
      else if (strcmp(e->value, "fixed") == 0) cfg->grid_method = MF_GRID_FIXED;
      else return range_error(e, "expected moving or fixed");
      return MF_OK;
    }
    if (strcmp(key, "moving_cells") == 0) {
      if ((st = get_long(e, MF_GRID_MIN_CELLS, 100000000L, &l)) != MF_OK) return st;
      cfg->moving_cells = (int)l;
      return MF_OK;
    }
    if (strcmp(key, "moving_halfwidth") == 0) {
      if ((st = get_positive(e, &cfg->moving_halfwidth)) != MF_OK) return st;
      return cfg->moving_halfwidth <= 40.0 ? MF_OK : range_error(e, "expected at most 40 s.d.");
    }
    if (strcmp(key, "xmin") == 0) return get_number(e, &cfg->xmin, "one number");
    if (strcmp(key, "xmax") == 0) return get_number(e, &cfg->xmax, "one number");
    if (strcmp(key, "cells") == 0) {
      if ((st = get_long(e, MF_GRID_MIN_CELLS, 100000000L, &l)) != MF_OK) return st;
      cfg->cells = (int)l;
      return MF_OK;
    }
    if (strcmp(key, "refine") == 0) {
      double v[3 * MF_GRID_MAX_ZONES];
      const char *bad = NULL;
      int n = parse_numbers(e->value, v, 3 * MF_GRID_MAX_ZONES, &bad);
      if (n == -1) return get_numbers(e, v, 0, "triples 'centre half_width cell_size'");
      if (n < 0 || n % 3 != 0)
        return range_error(e, "expected 1 to 8 triples 'centre half_width cell_size' (or nothing)");
      cfg->nzones = n / 3;
      for (int z = 0; z < cfg->nzones; z++) {
        cfg->zones[z] = (mf_grid_zone){.centre = v[3 * z], .halfwidth = v[3 * z + 1], .h = v[3 * z + 2]};
        if (!(v[3 * z + 1] >= 0.0 && v[3 * z + 2] > 0.0))
          return range_error(e, "each zone needs half_width >= 0 and cell_size > 0");
      }
      return MF_OK;
    }
    if (strcmp(key, "file") == 0) {
      if (!e->value[0]) return range_error(e, "expected the path of a file of cell faces");
      snprintf(cfg->grid_file, sizeof cfg->grid_file, "%s", e->value);
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [grid]; expected method, moving_cells, moving_halfwidth, xmin, xmax, cells, refine or file",
                    e->origin, key);
  }
  if (strcmp(sec, "time") == 0) {
    if (strcmp(key, "t_end") == 0) {
      return get_positive(e, &cfg->t_end);
    }
    if (strcmp(key, "output_dt") == 0) {
      return get_positive(e, &cfg->output_dt);
    }
    if (strcmp(key, "rtol") == 0) {
      return get_unit_open(e, &cfg->integ.rtol);
    }
    if (strcmp(key, "atol") == 0) {
      return get_positive(e, &cfg->integ.atol);
    }
    if (strcmp(key, "snapshots") == 0) {
      const char *bad = NULL;
      int n = parse_numbers(e->value, cfg->snapshots, MF_MAX_SNAPSHOTS, &bad);
      if (n == -2) return range_error(e, "too many snapshot times (at most 64)");
      if (n < 0) return get_numbers(e, cfg->snapshots, 0, "snapshot times"); /* reports the bad token */
      cfg->nsnapshots = n;
      for (int k = 0; k < n; k++)
        if (cfg->snapshots[k] < 0.0 || (k > 0 && !(cfg->snapshots[k] > cfg->snapshots[k - 1])))
          return range_error(e, "snapshot times must be >= 0 and strictly increasing");
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [time]; expected t_end, output_dt, snapshots, rtol or atol",
                    e->origin, key);
  }
  if (strcmp(sec, "solver") == 0) {
    if (strcmp(key, "linear") == 0) {
      int k = mf_linsol_from_name(e->value);
      if (k < 0) return range_error(e, "expected woodbury, band or dense");
      cfg->integ.linsol = (mf_linsol)k;
      return MF_OK;
    }
    if (strcmp(key, "max_steps") == 0) {
      if ((st = get_long(e, 1, LONG_MAX, &l)) != MF_OK) return st;
      cfg->integ.max_steps = l;
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [solver]; expected linear or max_steps", e->origin, key);
  }
  if (strcmp(sec, "particles") == 0) {
    mf_particle_opts *po = &cfg->particles;
    if (strcmp(key, "n") == 0) {
      if ((st = get_long(e, 1, 1L << 40, &l)) != MF_OK) return st;
      po->n = l;
      return MF_OK;
    }
    if (strcmp(key, "dt") == 0) {
      return get_positive(e, &po->dt);
    }
    if (strcmp(key, "seed") == 0) {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(e->value, &end, 10);
      if (end == e->value || *end || errno == ERANGE || e->value[0] == '-')
        return range_error(e, "expected a whole number from 0 to 2^64 - 1");
      po->seed = (uint64_t)v;
      return MF_OK;
    }
    if (strcmp(key, "scheme") == 0) {
      int k = mf_particle_scheme_from_name(e->value);
      if (k < 0) return range_error(e, "expected exponential or euler");
      po->scheme = (mf_particle_scheme)k;
      return MF_OK;
    }
    if (strcmp(key, "threads") == 0) {
      if ((st = get_long(e, 0, 1024, &l)) != MF_OK) return st;
      po->threads = (int)l;
      return MF_OK;
    }
    if (strcmp(key, "dump") == 0) {
      if (strcmp(e->value, "true") == 0) cfg->particles_dump = 1;
      else if (strcmp(e->value, "false") == 0) cfg->particles_dump = 0;
      else return range_error(e, "expected true or false");
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [particles]; expected n, dt, seed, scheme, threads or dump",
                    e->origin, key);
  }
  if (strcmp(sec, "hj") == 0) {
    if (strcmp(key, "tau_end") == 0) {
      return get_positive(e, &cfg->hj_tau_end);
    }
    if (strcmp(key, "output_dtau") == 0) {
      return get_positive(e, &cfg->hj_output_dtau);
    }
    if (strcmp(key, "snapshots") == 0) {
      const char *bad = NULL;
      int n = parse_numbers(e->value, cfg->hj_snapshots, MF_MAX_SNAPSHOTS, &bad);
      if (n == -2) return range_error(e, "too many snapshot times (at most 64)");
      if (n < 0) return get_numbers(e, cfg->hj_snapshots, 0, "snapshot times");
      cfg->hj_nsnapshots = n;
      return MF_OK;
    }
    if (strcmp(key, "rtol") == 0) {
      return get_unit_open(e, &cfg->hj_rtol);
    }
    if (strcmp(key, "atol") == 0) {
      return get_positive(e, &cfg->hj_atol);
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [hj]; expected tau_end, output_dtau, snapshots, rtol or atol",
                    e->origin, key);
  }
  if (strcmp(sec, "compare") == 0) {
    if (strcmp(key, "n") == 0) {
      double v[MF_SWEEP_MAX_GAMMAS];
      const char *bad = NULL;
      int n = parse_numbers(e->value, v, MF_SWEEP_MAX_GAMMAS, &bad);
      if (n == -1) return get_numbers(e, v, 0, "network sizes");
      if (n < 1) return range_error(e, "expected 1 to 64 network sizes");
      for (int k = 0; k < n; k++) {
        if (!(v[k] >= 1.0 && v[k] <= 1e12 && v[k] == floor(v[k])))
          return range_error(e, "network sizes must be whole numbers from 1 to 1e12");
        cfg->compare_n[k] = (long)v[k];
      }
      cfg->ncompare = n;
      return MF_OK;
    }
    if (strcmp(key, "replicas") == 0) {
      if ((st = get_long(e, 1, 10000, &l)) != MF_OK) return st;
      cfg->compare_replicas = (int)l;
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [compare]; expected n or replicas", e->origin, key);
  }
  if (strcmp(sec, "sweep") == 0) {
    mf_sweep_opts *sw = &cfg->sweep;
    if (strcmp(key, "gammas") == 0) {
      const char *bad = NULL;
      int n = parse_numbers(e->value, sw->gammas, MF_SWEEP_MAX_GAMMAS, &bad);
      if (n == -1) return get_numbers(e, sw->gammas, 0, "coupling strengths > 0");
      if (n < 1) return range_error(e, "expected 1 to 64 coupling strengths > 0");
      for (int k = 0; k < n; k++)
        if (!(sw->gammas[k] > 0.0)) return range_error(e, "coupling strengths must be > 0");
      sw->ngammas = n;
      return MF_OK;
    }
    if (strcmp(key, "stationary_tol") == 0) {
      return get_positive(e, &sw->stationary_tol);
    }
    if (strcmp(key, "collapse_radius") == 0) {
      return get_positive(e, &sw->collapse_radius);
    }
    if (strcmp(key, "cells_per_sd") == 0) {
      if ((st = get_number(e, &sw->cells_per_sd, "one number >= 1")) != MF_OK) return st;
      return sw->cells_per_sd >= 1.0 ? MF_OK : range_error(e, "cells_per_sd must be >= 1");
    }
    if (strcmp(key, "refine") == 0) {
      if (strcmp(e->value, "auto") == 0) sw->refine = 1;
      else if (strcmp(e->value, "off") == 0) sw->refine = 0;
      else return range_error(e, "expected auto or off");
      return MF_OK;
    }
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [sweep]; expected gammas, stationary_tol, "
                    "collapse_radius, refine or cells_per_sd", e->origin, key);
  }
  if (is_pop_section(sec)) {
    for (int p = 0; p < cfg->model.P; p++)
      if (strcmp(cfg->model.pop[p].name, sec + 4) == 0) return set_pop_key(cfg, &cfg->model.pop[p], e);
  }
  return mf_error(MF_EINPUT, "%s: unknown section [%s]; expected model, pop.NAME, grid, time, solver, sweep, particles, compare or hj", e->origin,
                  sec);
}

/* Name the populations, in the order their sections first appear. */
static mf_status collect_populations(mf_config *cfg, const store *s)
{
  cfg->model.P = 0;
  for (int i = 0; i < s->n; i++) {
    const entry *e = &s->e[i];
    if (!is_pop_section(e->section)) continue;
    const char *name = e->section + 4;
    int known = 0;
    for (int p = 0; p < cfg->model.P; p++) known |= strcmp(cfg->model.pop[p].name, name) == 0;
    if (known) continue;
    size_t len = strlen(name);
    if (len == 0 || len >= MF_NAME_LEN || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                       "0123456789_-") != len)
      return mf_error(MF_EINPUT, "%s: population name '%s': expected 1 to %d letters, digits, '_' or '-'",
                      e->origin, name, MF_NAME_LEN - 1);
    if (cfg->model.P == MF_MAX_POPS)
      return mf_error(MF_EINPUT, "%s: more than %d populations", e->origin, MF_MAX_POPS);
    snprintf(cfg->model.pop[cfg->model.P++].name, MF_NAME_LEN, "%s", name);
  }
  if (cfg->model.P == 0) return mf_error(MF_EINPUT, "no [pop.NAME] section: at least one population is needed");
  return MF_OK;
}

static mf_status check_complete(mf_config *cfg, store *s)
{
  int with_fraction = 0;
  for (int p = 0; p < cfg->model.P; p++) {
    char sec[MF_NAME_LEN + 8];
    snprintf(sec, sizeof sec, "pop.%s", cfg->model.pop[p].name);
    for (int k = 0; k < POP_NKEYS; k++) {
      if (store_find(s, sec, pop_keys[k])) {
        with_fraction += strcmp(pop_keys[k], "fraction") == 0;
        continue;
      }
      if (strcmp(pop_keys[k], "fraction") == 0) continue;
      const entry *first = NULL;
      for (int i = 0; i < s->n && !first; i++)
        if (strcmp(s->e[i].section, sec) == 0) first = &s->e[i];
      return mf_error(MF_EINPUT, "%s: [%s] has no '%s' key (every population needs sigma, f, reversal, sigmoid, "
                      "g and init)", first->origin, sec, pop_keys[k]);
    }
  }
  if (with_fraction == 0) {
    for (int p = 0; p < cfg->model.P; p++) cfg->model.pop[p].fraction = 1.0 / cfg->model.P;
  } else if (with_fraction != cfg->model.P) {
    return mf_error(MF_EINPUT, "'fraction' is given for %d of %d populations: give it for all or none",
                    with_fraction, cfg->model.P);
  }
  static const char *const needed[][2] = {{"model", "gamma"},   {"grid", "method"}, {"grid", "moving_cells"}, {"grid", "moving_halfwidth"}, {"time", "t_end"},           {"time", "output_dt"},
                                          {"time", "rtol"},     {"time", "atol"},            {"solver", "linear"},
                                          {"sweep", "gammas"},  {"sweep", "stationary_tol"}, {"sweep", "collapse_radius"},
                                          {"sweep", "refine"},  {"sweep", "cells_per_sd"},     {"particles", "n"},
                                          {"particles", "dt"},  {"particles", "seed"},         {"particles", "scheme"},
                                          {"particles", "threads"}, {"particles", "dump"},   {"compare", "n"},
                                          {"compare", "replicas"}, {"hj", "tau_end"},       {"hj", "output_dtau"},
                                          {"hj", "rtol"},           {"hj", "atol"}};
  for (size_t k = 0; k < sizeof needed / sizeof needed[0]; k++)
    if (!store_find(s, needed[k][0], needed[k][1]))
      return mf_error(MF_EINPUT, "missing key '%s' in [%s]", needed[k][1], needed[k][0]);
  if (!cfg->grid_file[0]) {
    if (!store_find(s, "grid", "xmin") || !store_find(s, "grid", "xmax") || !store_find(s, "grid", "cells"))
      return mf_error(MF_EINPUT, "[grid] needs either 'file' or all of 'xmin', 'xmax' and 'cells'");
    if (!(cfg->xmin < cfg->xmax))
      return mf_error(MF_EINPUT, "%s: [grid] xmin = %g, xmax = %g: expected xmin < xmax",
                      store_find(s, "grid", "xmax")->origin, cfg->xmin, cfg->xmax);
  }
  if (cfg->nzones > 0 && cfg->grid_file[0])
    return mf_error(MF_EINPUT, "%s: [grid] refine refines the uniform grid xmin/xmax/cells, not a grid file",
                    store_find(s, "grid", "refine")->origin);
  const entry *snap = store_find(s, "time", "snapshots");
  /* The default's snapshot times are not the user's: drop those after a shorter t_end. */
  if (snap && strncmp(snap->origin, "built-in default", 16) == 0)
    while (cfg->nsnapshots > 0 && cfg->snapshots[cfg->nsnapshots - 1] > cfg->t_end) cfg->nsnapshots--;
  for (int k = 0; k < cfg->nsnapshots; k++)
    if (cfg->snapshots[k] > cfg->t_end)
      return mf_error(MF_EINPUT, "%s: [time] snapshots: %g is after t_end = %g", snap->origin, cfg->snapshots[k],
                      cfg->t_end);
  return mf_model_check(&cfg->model);
}

static mf_status apply_override(store *s, const char *arg)
{
  char origin[MF_PATH_LEN + 80];
  snprintf(origin, sizeof origin, "override '%s'", arg);
  const char *eq = strchr(arg, '=');
  if (!eq) return mf_error(MF_EINPUT, "%s: expected section.key=value", origin);
  char lhs[160];
  size_t len = (size_t)(eq - arg);
  if (len >= sizeof lhs) return mf_error(MF_EINPUT, "%s: name too long", origin);
  memcpy(lhs, arg, len);
  lhs[len] = '\0';
  char *dot = strrchr(lhs, '.');
  if (!dot || dot == lhs || !dot[1]) return mf_error(MF_EINPUT, "%s: expected section.key=value", origin);
  *dot = '\0';
  const char *section = lhs, *key = dot + 1;
  if (is_pop_section(section) && !store_has_section(s, section))
    return mf_error(MF_EINPUT, "%s: no population '%s' in the configuration", origin, section + 4);
  const char *value = eq + 1;
  while (*value == ' ') value++;
  store one = {0};
  mf_status status = store_put(&one, section, key, value, origin);
  if (status == MF_OK) status = store_merge(s, &one, 0);
  store_free(&one);
  return status;
}

static mf_status read_source(store *s, ini_source *src, int replace_pops)
{
  store fresh = {0};
  src->out = &fresh;
  src->status = MF_OK;
  mf_status status = parse_ini(src);
  if (status == MF_OK) status = store_merge(s, &fresh, replace_pops);
  store_free(&fresh);
  return status;
}

mf_status mf_config_load(mf_config *cfg, const char *path, int n, char *const *overrides)
{
  memset(cfg, 0, sizeof *cfg);
  store s = {0};
  ini_source def = {.name = "built-in default", .text = default_ini};
  mf_status status = read_source(&s, &def, 1);

  if (status == MF_OK && path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
      status = mf_error(MF_EINPUT, "%s: cannot open the configuration file: %s", path, strerror(errno));
    } else {
      ini_source file = {.name = path, .fp = fp};
      status = read_source(&s, &file, 1);
      fclose(fp);
    }
  }
  for (int k = 0; status == MF_OK && k < n; k++) status = apply_override(&s, overrides[k]);

  if (status == MF_OK) status = collect_populations(cfg, &s);
  for (int i = 0; status == MF_OK && i < s.n; i++) status = set_key(cfg, &s.e[i]);
  if (status == MF_OK) status = check_complete(cfg, &s);
  store_free(&s);
  return status;
}

static void write_numbers(FILE *out, const char *key, const double *v, int n)
{
  fprintf(out, "%s =", key);
  for (int k = 0; k < n; k++) fprintf(out, " %.17g", v[k]);
  fputc('\n', out);
}

mf_status mf_config_write(const mf_config *cfg, FILE *out)
{
  const mf_model *m = &cfg->model;
  if (isinf(m->gamma)) fprintf(out, "[model]\ngamma = inf\n");
  else fprintf(out, "[model]\ngamma = %.17g\n", m->gamma);
  for (int p = 0; p < m->P; p++) {
    const mf_population *pop = &m->pop[p];
    fprintf(out, "\n[pop.%s]\nsigma = %.17g\n", pop->name, pop->sigma);
    write_numbers(out, "f", pop->f, 4);
    fprintf(out, "reversal = %.17g\n", pop->reversal);
    fprintf(out, "sigmoid = %.17g %.17g %.17g\n", pop->s, pop->k, pop->theta);
    write_numbers(out, "g", pop->g, m->P);
    fprintf(out, "init = %s %.17g %.17g\n", pop->init == MF_INIT_GAUSSIAN ? "gaussian" : "uniform", pop->init_a,
            pop->init_b);
    fprintf(out, "fraction = %.17g\n", pop->fraction);
  }
  fprintf(out, "\n[grid]\nmethod = %s\nmoving_cells = %d\nmoving_halfwidth = %.17g\n",
          cfg->grid_method == MF_GRID_MOVING ? "moving" : "fixed", cfg->moving_cells, cfg->moving_halfwidth);
  if (cfg->grid_file[0])
    fprintf(out, "file = %s\n", cfg->grid_file);
  else
    fprintf(out, "xmin = %.17g\nxmax = %.17g\ncells = %d\n", cfg->xmin, cfg->xmax, cfg->cells);
  if (cfg->nzones > 0) {
    fputs("refine =", out);
    for (int z = 0; z < cfg->nzones; z++)
      fprintf(out, " %.17g %.17g %.17g", cfg->zones[z].centre, cfg->zones[z].halfwidth, cfg->zones[z].h);
    fputc('\n', out);
  }
  fprintf(out, "\n[time]\nt_end = %.17g\noutput_dt = %.17g\n", cfg->t_end, cfg->output_dt);
  write_numbers(out, "snapshots", cfg->snapshots, cfg->nsnapshots);
  fprintf(out, "rtol = %.17g\natol = %.17g\n", cfg->integ.rtol, cfg->integ.atol);
  fprintf(out, "\n[solver]\nlinear = %s\nmax_steps = %ld\n", mf_linsol_name(cfg->integ.linsol),
          cfg->integ.max_steps);
  fprintf(out, "\n[sweep]\n");
  write_numbers(out, "gammas", cfg->sweep.gammas, cfg->sweep.ngammas);
  fprintf(out, "stationary_tol = %.17g\ncollapse_radius = %.17g\nrefine = %s\ncells_per_sd = %.17g\n",
          cfg->sweep.stationary_tol, cfg->sweep.collapse_radius, cfg->sweep.refine ? "auto" : "off",
          cfg->sweep.cells_per_sd);
  fprintf(out, "\n[particles]\nn = %ld\ndt = %.17g\nseed = %llu\nscheme = %s\nthreads = %d\ndump = %s\n",
          cfg->particles.n, cfg->particles.dt, (unsigned long long)cfg->particles.seed,
          mf_particle_scheme_name(cfg->particles.scheme), cfg->particles.threads, cfg->particles_dump ? "true" : "false");
  fprintf(out, "\n[compare]\nn =");
  for (int k = 0; k < cfg->ncompare; k++) fprintf(out, " %ld", cfg->compare_n[k]);
  fprintf(out, "\nreplicas = %d\n", cfg->compare_replicas);
  fprintf(out, "\n[hj]\ntau_end = %.17g\noutput_dtau = %.17g\n", cfg->hj_tau_end, cfg->hj_output_dtau);
  write_numbers(out, "snapshots", cfg->hj_snapshots, cfg->hj_nsnapshots);
  fprintf(out, "rtol = %.17g\natol = %.17g\n", cfg->hj_rtol, cfg->hj_atol);
  return ferror(out) ? mf_error(MF_EIO, "writing the configuration failed") : MF_OK;
}

mf_status mf_config_save(const mf_config *cfg, const char *dir)
{
  mf_outfile f;
  mf_status status = mf_outfile_open(&f, dir, "config.ini");
  if (status != MF_OK) return status;
  if ((status = mf_config_write(cfg, f.fp)) != MF_OK) {
    mf_outfile_discard(&f);
    return status;
  }
  return mf_outfile_commit(&f);
}

/* Read cell faces, one number per line ('#' starts a comment). */
static mf_grid *read_grid_file(const char *path)
{
  FILE *fp = fopen(path, "r");
  if (!fp) {
    mf_error(MF_EINPUT, "%s: cannot open the grid file: %s", path, strerror(errno));
    return NULL;
  }
  double *faces = NULL;
  int *lines = NULL, n = 0, cap = 0, lineno = 0, ok = 1;
  char buf[256];
  while (ok && fgets(buf, sizeof buf, fp)) {
    lineno++;
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '\n' || *s == '\r' || *s == '\0') continue;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    if (end == s || *end || !isfinite(v)) {
      s[strcspn(s, "\r\n")] = '\0';
      mf_error(MF_EINPUT, "%s:%d: '%s': expected one finite number (a cell face) per line", path, lineno, s);
      ok = 0;
      break;
    }
    if (n > 0 && !(v > faces[n - 1])) {
      mf_error(MF_EINPUT, "%s:%d: face %.17g is not greater than the face before it (%.17g, line %d): faces "
               "must be strictly increasing", path, lineno, v, faces[n - 1], lines[n - 1]);
      ok = 0;
      break;
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      double *f2 = realloc(faces, (size_t)cap * sizeof *f2);
      int *l2 = f2 ? realloc(lines, (size_t)cap * sizeof *l2) : NULL;
      if (f2) faces = f2;
      if (l2) lines = l2;
      if (!f2 || !l2) {
        mf_error(MF_ENOMEM, "%s: out of memory", path);
        ok = 0;
        break;
      }
    }
    faces[n] = v;
    lines[n++] = lineno;
  }
  if (ok && ferror(fp)) {
    mf_error(MF_EIO, "%s: read error", path);
    ok = 0;
  }
  fclose(fp);
  mf_grid *grid = NULL;
  if (ok && n - 1 < MF_GRID_MIN_CELLS)
    mf_error(MF_EINPUT, "%s: %d faces make %d cells: expected at least %d cells", path, n, n > 0 ? n - 1 : 0,
             MF_GRID_MIN_CELLS);
  else if (ok)
    grid = mf_grid_create_faces(faces, n - 1);
  free(faces);
  free(lines);
  return grid;
}

mf_grid *mf_config_grid(const mf_config *cfg)
{
  if (cfg->grid_file[0]) return read_grid_file(cfg->grid_file);
  if (cfg->nzones > 0)
    return mf_grid_create_refined(cfg->xmin, cfg->xmax, (cfg->xmax - cfg->xmin) / cfg->cells, cfg->zones,
                                  cfg->nzones);
  return mf_grid_create_uniform(cfg->xmin, cfg->xmax, cfg->cells);
}
