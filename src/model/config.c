/* config.c -- reading, overriding, checking, writing and documenting the
 * configuration (config.h, docs/configuration.md).
 *
 * The keys are the table of config_keys.c; this file knows their types, not
 * their names.  Loading goes in three steps:
 *  1. collect: libinih parses the embedded default (the table's defaults and
 *     the default populations), the CONFIG file and then each override into
 *     a store of text values with their origin ("run.ini:12", "override
 *     '...'"), later sources replacing earlier ones by the layering rules of
 *     store_merge.  The file is read whole first, so that a read error, a NUL
 *     byte or an endless file is reported instead of ending the text;
 *  2. convert: every stored value is converted and range-checked by its
 *     table entry, so that a file and an override report a bad value alike;
 *  3. check: required keys, then the few rules that tie keys together (the
 *     grid, the snapshots, the initial mass in the box, mf_model_check).
 * The store keeps its entries in order of first appearance, with an
 * open-addressing hash index (FNV-1a, linear probing), so that n keys take
 * O(n) time.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "mfbalance/config.h"

#include "config_keys.h"
#include "mfbalance/output.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <threads.h>

#define DEFAULT_NAME "built-in default"

/* Enum keys are stored through an int. */
_Static_assert(sizeof(mf_grid_method) == sizeof(int) && sizeof(mf_linsol) == sizeof(int) &&
                   sizeof(mf_particle_scheme) == sizeof(int) && sizeof(mf_init_kind) == sizeof(int),
               "enum fields are int-sized");

/* ---- a growing text buffer --------------------------------------------------------------- */

typedef struct {
  char *s;
  size_t len, cap;
  int failed; /* an allocation failed: s holds what fitted before */
} strbuf;

static void strbuf_add(strbuf *t, const char *fmt, ...)
{
  if (t->failed) return;
  va_list ap;
  va_start(ap, fmt);
  int need = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (need < 0) {
    t->failed = 1;
    return;
  }
  if (t->len + (size_t)need + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 1024;
    while (t->len + (size_t)need + 1 > cap) cap *= 2;
    char *grown = realloc(t->s, cap);
    if (!grown) {
      t->failed = 1;
      return;
    }
    t->s = grown, t->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  t->len += (size_t)need;
}

/* ---- the table ---------------------------------------------------------------------------- */

static int is_pop_section(const char *section) { return strncmp(section, "pop.", 4) == 0; }

static int is_pop_key(const mf_key *k) { return strcmp(k->section, MF_KEY_POP_SECTION) == 0; }

/* Whether k applies to the neuron (MF_KEY_FHN, MF_KEY_1D). */
static int key_for_neuron(const mf_key *k, mf_neuron neuron)
{
  if (k->flags & MF_KEY_FHN) return neuron == MF_NEURON_FHN;
  if (k->flags & MF_KEY_1D) return neuron == MF_NEURON_1D;
  return 1;
}


/* The entry of key in section ("pop.E" matches the pop keys), or NULL. */
static const mf_key *key_find(const char *section, const char *key)
{
  const char *pattern = is_pop_section(section) ? MF_KEY_POP_SECTION : section;
  for (int i = 0; i < mf_nkeys; i++)
    if (strcmp(mf_keys[i].section, pattern) == 0 && strcmp(mf_keys[i].name, key) == 0) return &mf_keys[i];
  return NULL;
}

/* Print number v shortly: %g without the '+' of a positive exponent. */
static void short_number(char *buf, size_t size, double v)
{
  char tmp[32];
  snprintf(tmp, sizeof tmp, "%g", v);
  char *plus = strstr(tmp, "e+");
  if (plus) memmove(plus + 1, plus + 2, strlen(plus + 2) + 1);
  snprintf(buf, size, "%s", tmp);
}

static int has_range(const mf_key *k) { return !(k->lo == 0.0 && k->hi == 0.0); }

static int in_range(const mf_key *k, double v)
{
  if (!has_range(k)) return 1;
  int lo_ok = (k->flags & MF_KEY_LO_OPEN) ? v > k->lo : v >= k->lo;
  int hi_ok = (k->flags & MF_KEY_HI_OPEN) ? v < k->hi : v <= k->hi;
  return lo_ok && hi_ok;
}

/* The range of k as text: "> 0", ">= 1", "in (0, 1]", "whole numbers from 1 to 1e12". */
static void range_text(const mf_key *k, char *buf, size_t size)
{
  char lo[32], hi[32];
  short_number(lo, sizeof lo, k->lo);
  short_number(hi, sizeof hi, k->hi);
  const int lo_open = (k->flags & MF_KEY_LO_OPEN) != 0, hi_open = (k->flags & MF_KEY_HI_OPEN) != 0;
  if (k->flags & MF_KEY_WHOLE) snprintf(buf, size, "whole numbers from %s to %s", lo, hi);
  else if (!has_range(k)) buf[0] = '\0';
  else if (k->hi == HUGE_VAL) snprintf(buf, size, "%s %s", lo_open ? ">" : ">=", lo);
  else if (k->lo == -HUGE_VAL) snprintf(buf, size, "%s %s", hi_open ? "<" : "<=", hi);
  else snprintf(buf, size, "in %c%s, %s%c", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
}

/* "a, b or c" (conj "or") from a NULL-terminated list. */
static void join_names(char *buf, size_t size, const char *const *names, const char *conj)
{
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; names[i] && len < size; i++) {
    if (i > 0 && names[i + 1]) len += (size_t)snprintf(buf + len, size - len, ", ");
    else if (i > 0) len += (size_t)snprintf(buf + len, size - len, " %s ", conj);
    if (len < size) len += (size_t)snprintf(buf + len, size - len, "%s", names[i]);
  }
}

/* The length rule of a list: its least and most number of values. */
static void list_bounds(const mf_key *k, int P, int *min, int *max)
{
  const int group = k->group > 0 ? k->group : 1;
  *min = (k->min == MF_KEY_LEN_P ? P : k->min) * group;
  *max = (k->max == MF_KEY_LEN_P ? P : k->max) * group;
}

/* What k expects, for messages and the documentation; P < 0 writes "P". */
static void describe(const mf_key *k, int P, char *buf, size_t size)
{
  char range[96];
  range_text(k, range, sizeof range);
  switch (k->type) {
  case MF_KEY_NUMBER:
    snprintf(buf, size, "one number%s%s%s", range[0] ? " " : "", range, (k->flags & MF_KEY_INF) ? ", or inf" : "");
    return;
  case MF_KEY_INT:
  case MF_KEY_LONG: snprintf(buf, size, "a whole number from %ld to %ld", k->ilo, k->ihi); return;
  case MF_KEY_UINT64: snprintf(buf, size, "a whole number from 0 to 2^64 - 1"); return;
  case MF_KEY_ENUM:
  case MF_KEY_BOOL: join_names(buf, size, k->names, "or"); return;
  case MF_KEY_LIST: {
    char count[48];
    if (k->min == MF_KEY_LEN_P && P < 0) snprintf(count, sizeof count, "P");
    else if (k->min == MF_KEY_LEN_P) snprintf(count, sizeof count, "%d", P);
    else if (k->min == k->max) snprintf(count, sizeof count, "%d", k->min);
    else if (k->min == 0) snprintf(count, sizeof count, "at most %d", k->max);
    else snprintf(count, sizeof count, "%d to %d", k->min, k->max);
    snprintf(buf, size, "%s %s%s%s%s", count, k->noun, (k->flags & MF_KEY_WHOLE) ? ", " : range[0] ? " " : "",
             range, (k->flags & MF_KEY_INCREASING) ? ", increasing" : "");
    return;
  }
  case MF_KEY_TUPLE:
  case MF_KEY_PATH: snprintf(buf, size, "%s", k->value ? k->value : "a path"); return;
  }
}

/* ---- raw entries: text values with their origin -------------------------------------------- */

typedef struct {
  char *section, *key, *value, *origin; /* one allocation, starting at section */
} entry;

typedef struct {
  entry *e;  /* in order of first appearance */
  int n, cap;
  int *slot; /* hash index: 1 + the index in e, 0 for an empty slot */
  int nslot; /* a power of two > 2 cap */
} store;

static void store_free(store *s)
{
  for (int i = 0; i < s->n; i++) free(s->e[i].section);
  free(s->e);
  free(s->slot);
  memset(s, 0, sizeof *s);
}

static uint32_t hash_key(const char *section, const char *key)
{
  uint32_t h = 2166136261u;
  for (const unsigned char *c = (const unsigned char *)section; *c; c++) h = (h ^ *c) * 16777619u;
  h = (h ^ 0xffu) * 16777619u; /* a separator: ("ab", "c") and ("a", "bc") hash apart */
  for (const unsigned char *c = (const unsigned char *)key; *c; c++) h = (h ^ *c) * 16777619u;
  return h;
}

/* Index of (section, key) in s, or -1. */
static int store_index(const store *s, const char *section, const char *key)
{
  if (!s->nslot) return -1;
  const uint32_t mask = (uint32_t)s->nslot - 1;
  for (uint32_t h = hash_key(section, key) & mask; s->slot[h]; h = (h + 1) & mask) {
    const entry *e = &s->e[s->slot[h] - 1];
    if (strcmp(e->key, key) == 0 && strcmp(e->section, section) == 0) return s->slot[h] - 1;
  }
  return -1;
}

static const entry *store_find(const store *s, const char *section, const char *key)
{
  int i = store_index(s, section, key);
  return i < 0 ? NULL : &s->e[i];
}

/* Rebuild the hash index for cap entries. */
static mf_status store_reindex(store *s)
{
  int nslot = 64;
  while (nslot <= 2 * s->cap) nslot *= 2;
  int *slot = calloc((size_t)nslot, sizeof *slot);
  if (!slot) return mf_error(MF_ENOMEM, "out of memory reading the configuration");
  free(s->slot);
  s->slot = slot, s->nslot = nslot;
  const uint32_t mask = (uint32_t)nslot - 1;
  for (int i = 0; i < s->n; i++) {
    uint32_t h = hash_key(s->e[i].section, s->e[i].key) & mask;
    while (slot[h]) h = (h + 1) & mask;
    slot[h] = i + 1;
  }
  return MF_OK;
}

static int store_has_section(const store *s, const char *section)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->e[i].section, section) == 0) return 1;
  return 0;
}

static int store_has_pops(const store *s)
{
  for (int i = 0; i < s->n; i++)
    if (is_pop_section(s->e[i].section)) return 1;
  return 0;
}

/* Remove entry (section, key) if present, or every population entry when
 * key is NULL. */
static mf_status store_remove(store *s, const char *section, const char *key)
{
  if (key && store_index(s, section, key) < 0) return MF_OK;
  int k = 0, removed = 0;
  for (int i = 0; i < s->n; i++) {
    entry *e = &s->e[i];
    int match = key ? strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0 : is_pop_section(e->section);
    if (match) free(e->section), removed = 1;
    else s->e[k++] = *e;
  }
  s->n = k;
  return removed ? store_reindex(s) : MF_OK;
}

static mf_status store_put(store *s, const char *section, const char *key, const char *value, const char *origin)
{
  const size_t ls = strlen(section) + 1, lk = strlen(key) + 1, lv = strlen(value) + 1, lo = strlen(origin) + 1;
  char *block = malloc(ls + lk + lv + lo);
  if (!block) return mf_error(MF_ENOMEM, "out of memory reading the configuration");
  entry fresh = {.section = block, .key = block + ls, .value = block + ls + lk, .origin = block + ls + lk + lv};
  memcpy(fresh.section, section, ls);
  memcpy(fresh.key, key, lk);
  memcpy(fresh.value, value, lv);
  memcpy(fresh.origin, origin, lo);
  int i = store_index(s, section, key);
  if (i >= 0) {
    free(s->e[i].section);
    s->e[i] = fresh;
    return MF_OK;
  }
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 64;
    entry *grown = realloc(s->e, (size_t)cap * sizeof *grown);
    if (!grown) {
      free(block);
      return mf_error(MF_ENOMEM, "out of memory reading the configuration");
    }
    s->e = grown, s->cap = cap;
    mf_status status = store_reindex(s);
    if (status != MF_OK) {
      free(block);
      return status;
    }
  }
  s->e[s->n++] = fresh;
  const uint32_t mask = (uint32_t)s->nslot - 1;
  uint32_t h = hash_key(section, key) & mask;
  while (s->slot[h]) h = (h + 1) & mask;
  s->slot[h] = s->n;
  return MF_OK;
}

/* Merge src into dst.  A file's populations replace all earlier ones
 * (replace_pops); a key and its table alternative exclude each other (a grid
 * file and xmin/xmax/cells), whichever came later wins; a key that implies
 * another ("cells" implies "method=fixed") sets it unless src names it. */
static mf_status store_merge(store *dst, const store *src, int replace_pops)
{
  mf_status status = MF_OK;
  if (replace_pops && store_has_pops(src)) status = store_remove(dst, "pop.", NULL);
  for (int i = 0; status == MF_OK && i < src->n; i++) {
    const entry *e = &src->e[i];
    const mf_key *k = key_find(e->section, e->key);
    if (!k) continue; /* reported when converting */
    if (k->alt) status = store_remove(dst, e->section, k->alt);
    for (int j = 0; status == MF_OK && j < mf_nkeys; j++)
      if (mf_keys[j].alt && strcmp(mf_keys[j].section, k->section) == 0 && strcmp(mf_keys[j].alt, k->name) == 0)
        status = store_remove(dst, e->section, mf_keys[j].name);
    if (status == MF_OK && k->implies) {
      char name[64], origin[MF_PATH_LEN + 160];
      const char *eq = strchr(k->implies, '=');
      snprintf(name, sizeof name, "%.*s", (int)(eq - k->implies), k->implies);
      if (store_find(src, e->section, name)) continue;
      snprintf(origin, sizeof origin, "%.*s (implies %s = %s)", MF_PATH_LEN + 80, e->origin, name, eq + 1);
      status = store_put(dst, e->section, name, eq + 1, origin);
    }
  }
  for (int i = 0; status == MF_OK && i < src->n; i++) {
    const entry *e = &src->e[i];
    status = store_put(dst, e->section, e->key, e->value, e->origin);
  }
  return status;
}

/* ---- INI parsing with line numbers --------------------------------------------------------- */

typedef struct {
  const char *name; /* file name or DEFAULT_NAME */
  const char *text; /* the text not yet handed to inih */
  int line;         /* number of the line last handed to inih */
  int overlong;     /* number of a line longer than inih's buffer, 0 if none */
  int max_line;     /* that buffer's length, in characters */
  store *out;
  mf_status status; /* first error found by the handler */
} ini_source;

/* fgets for inih over the text.  A line that does not fit ends the text, so
 * that inih never sees half a line. */
static char *line_reader(char *buf, int size, void *stream)
{
  ini_source *src = stream;
  const char *t = src->text;
  if (!*t || src->overlong) return NULL;
  int k = 0;
  while (k < size - 1 && t[k] && t[k] != '\n') k++;
  src->line++;
  if (t[k] && t[k] != '\n') {
    src->overlong = src->line, src->max_line = size - 1;
    return NULL;
  }
  /* The newline is left out: inih strips it anyway, and so a line of
   * exactly size - 1 characters fits. */
  memcpy(buf, t, (size_t)k);
  buf[k] = '\0';
  src->text = t + k + (t[k] == '\n');
  return buf;
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
   * that inih's line number is the handler's.  A heap line buffer of
   * MF_CONFIG_MAX_LINE characters holds the longest line mf_config_write
   * prints (64 numbers of 17 digits). */
  ini_allow_multiline = false;
  ini_stop_on_first_error = true;
  ini_use_stack = false;
  ini_allow_realloc = false;
  ini_max_line = ini_initial_alloc = MF_CONFIG_MAX_LINE + 1;
  int rc = ini_parse_stream(line_reader, src, collect_key, src);
  if (src->status != MF_OK) return src->status;
  if (rc > 0)
    return mf_error(MF_EINPUT, "%s:%d: expected '[section]', 'key = value' or a comment", src->name, rc);
  if (rc < 0) return mf_error(MF_ENOMEM, "%s: out of memory while parsing", src->name);
  if (src->overlong)
    return mf_error(MF_EINPUT, "%s:%d: line longer than %d characters", src->name, src->overlong, src->max_line);
  return MF_OK;
}

/* Parse text into a fresh store and merge it into s. */
static mf_status read_source(store *s, const char *name, const char *text, int replace_pops)
{
  store fresh = {0};
  ini_source src = {.name = name, .text = text, .out = &fresh};
  mf_status status = parse_ini(&src);
  if (status == MF_OK) status = store_merge(s, &fresh, replace_pops);
  store_free(&fresh);
  return status;
}

/* fopen(path, "r") for an input file named by the user; a directory is
 * invalid input (MF_EINPUT), not a read error: fopen succeeds on it and only
 * the first read fails with EISDIR.  what names the file in messages.  NULL
 * on failure, reported. */
static FILE *open_input(const char *path, const char *what)
{
  FILE *fp = fopen(path, "r");
  if (!fp) {
    mf_error(MF_EINPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(fp);
    mf_error(MF_EINPUT, "%s: is a directory, expected a %s", path, what);
    return NULL;
  }
  return fp;
}

/* The whole of path as a NUL-terminated text (the caller frees *out).  A
 * read error is MF_EIO; a NUL byte or more than MF_CONFIG_MAX_BYTES bytes
 * (/dev/zero, a binary file) is MF_EINPUT. */
static mf_status read_file(const char *path, char **out)
{
  *out = NULL;
  FILE *fp = open_input(path, "configuration file");
  if (!fp) return mf_errcode();
  mf_status status = MF_OK;
  size_t len = 0, cap = 1 << 16;
  char *buf = malloc(cap);
  if (!buf) status = mf_error(MF_ENOMEM, "%s: out of memory", path);
  while (status == MF_OK) {
    if (cap - len < 2 && len <= MF_CONFIG_MAX_BYTES) {
      char *grown = realloc(buf, 2 * cap);
      if (!grown) {
        status = mf_error(MF_ENOMEM, "%s: out of memory", path);
        break;
      }
      buf = grown, cap *= 2;
    }
    errno = 0;
    size_t got = fread(buf + len, 1, cap - len - 1, fp);
    const char *nul = memchr(buf + len, '\0', got);
    len += got;
    if (nul) {
      int line = 1;
      for (const char *c = buf; c < nul; c++) line += *c == '\n';
      status = mf_error(MF_EINPUT, "%s:%d: NUL byte: not a text file", path, line);
    } else if (len > MF_CONFIG_MAX_BYTES) {
      status = mf_error(MF_EINPUT, "%s: more than %d bytes: not a configuration file", path, MF_CONFIG_MAX_BYTES);
    } else if (ferror(fp)) {
      status = mf_error(MF_EIO, "%s: cannot read the configuration file: %s", path,
                        strerror(errno ? errno : EIO));
    } else if (feof(fp)) {
      break;
    }
  }
  fclose(fp);
  if (status != MF_OK) {
    free(buf);
    return status;
  }
  buf[len] = '\0';
  *out = buf;
  return MF_OK;
}

/* ---- converting values ------------------------------------------------------------------- */

/* Parse up to max numbers separated by blanks or commas; returns the count,
 * -1 with *bad at the first token that is not a finite number, or -2 with
 * *bad at the first number beyond max. */
static int parse_numbers(const char *s, double *out, int max, const char **bad)
{
  int n = 0;
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

static mf_status range_error(const entry *e, const char *fmt, ...)
{
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return mf_error(MF_EINPUT, "%s: [%s] %s = '%s': %s", e->origin, e->section, e->key, e->value, why);
}

#define MAX_NUMBERS 256 /* most numbers of one value */

/* Exactly min to max numbers (max <= MAX_NUMBERS) of text, e's value or
 * its end, into v; *n their count. */
static mf_status get_numbers(const entry *e, const char *text, double *v, int min, int max, int *n,
                             const char *what)
{
  double tmp[MAX_NUMBERS];
  const char *bad = NULL;
  *n = parse_numbers(text, tmp, MAX_NUMBERS, &bad);
  if (*n == -1) {
    size_t k = strcspn(bad, " \t,");
    return range_error(e, "'%.*s' is not a finite number; expected %s", (int)(k < 60 ? k : 60), bad, what);
  }
  if (*n < min || *n > max || *n == -2)
    return range_error(e, "%s%d value%s given, expected %s", *n < 0 ? "more than " : "",
                       *n < 0 ? MAX_NUMBERS : *n, *n == 1 ? "" : "s", what);
  memcpy(v, tmp, (size_t)*n * sizeof *v);
  return MF_OK;
}

/* A whole number in [lo, hi] (strtol, base 10). */
static mf_status get_long(const entry *e, long lo, long hi, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(e->value, &end, 10);
  if (end == e->value || *end || errno == ERANGE || v < lo || v > hi)
    return range_error(e, "expected a whole number from %ld to %ld", lo, hi);
  *out = v;
  return MF_OK;
}

/* Index of word in names, or -1. */
static int name_index(const char *const *names, const char *word, size_t len)
{
  for (int i = 0; names[i]; i++)
    if (strlen(names[i]) == len && strncmp(names[i], word, len) == 0) return i;
  return -1;
}

/* Convert e by its entry k into base (the mf_config, or the mf_population of
 * a pop key); P is the number of populations. */
static mf_status convert(const mf_key *k, const entry *e, int P, char *base)
{
  char *at = base + k->at, what[256];
  describe(k, P, what, sizeof what);
  mf_status status;
  switch (k->type) {
  case MF_KEY_NUMBER: {
    double v;
    int n;
    if ((k->flags & MF_KEY_INF) && (strcmp(e->value, "inf") == 0 || strcmp(e->value, "infinity") == 0)) {
      v = INFINITY;
    } else {
      if ((status = get_numbers(e, e->value, &v, 1, 1, &n, what)) != MF_OK) return status;
      char range[96];
      range_text(k, range, sizeof range);
      if (!in_range(k, v)) return range_error(e, "%s must be %s", k->name, range);
    }
    memcpy(at, &v, sizeof v);
    return MF_OK;
  }
  case MF_KEY_INT:
  case MF_KEY_LONG: {
    long v = 0;
    if ((status = get_long(e, k->ilo, k->ihi, &v)) != MF_OK) return status;
    if (k->type == MF_KEY_INT) {
      int iv = (int)v;
      memcpy(at, &iv, sizeof iv);
    } else {
      memcpy(at, &v, sizeof v);
    }
    return MF_OK;
  }
  case MF_KEY_UINT64: {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(e->value, &end, 10);
    if (end == e->value || *end || errno == ERANGE || e->value[0] == '-')
      return range_error(e, "expected %s", what);
    uint64_t u = (uint64_t)v;
    memcpy(at, &u, sizeof u);
    return MF_OK;
  }
  case MF_KEY_ENUM:
  case MF_KEY_BOOL: {
    int i = name_index(k->names, e->value, strlen(e->value));
    if (i < 0) return range_error(e, "expected %s", what);
    int v = k->type == MF_KEY_BOOL ? i == 0 : i;
    memcpy(at, &v, sizeof v);
    return MF_OK;
  }
  case MF_KEY_LIST: {
    double v[MAX_NUMBERS];
    int min, max, n;
    list_bounds(k, P, &min, &max);
    if ((status = get_numbers(e, e->value, v, min, max, &n, what)) != MF_OK) return status;
    const int group = k->group > 0 ? k->group : 1;
    if (n % group) return range_error(e, "%d values given, expected %s", n, what);
    char range[96];
    range_text(k, range, sizeof range);
    const char *incr = (k->flags & MF_KEY_INCREASING) ? " and strictly increasing" : "";
    for (int i = 0; i < n; i++)
      if (!in_range(k, v[i]) || ((k->flags & MF_KEY_WHOLE) && v[i] != floor(v[i])) ||
          ((k->flags & MF_KEY_INCREASING) && i > 0 && !(v[i] > v[i - 1])))
        return range_error(e, "%s must be %s%s", k->noun, range, incr);
    const char *why = k->check ? k->check(v, n, 0) : NULL;
    if (why) return range_error(e, "%s", why);
    for (int i = 0; i < n; i++) {
      if (k->flags & MF_KEY_WHOLE) {
        long l = (long)v[i];
        memcpy(at + (size_t)i * sizeof l, &l, sizeof l);
      } else {
        memcpy(at + (size_t)i * sizeof v[i], &v[i], sizeof v[i]);
      }
    }
    if (k->count) {
      int count = n / group;
      memcpy(base + k->count, &count, sizeof count);
    }
    return MF_OK;
  }
  case MF_KEY_TUPLE: {
    const char *rest = e->value;
    int kind = 0, n;
    if (k->names) {
      size_t len = strcspn(rest, " \t");
      if ((kind = name_index(k->names, rest, len)) < 0) return range_error(e, "expected %s", what);
      rest += len;
      memcpy(at, &kind, sizeof kind);
    }
    double v[4];
    const int least = k->nfields_min > 0 ? k->nfields_min : k->nfields;
    if ((status = get_numbers(e, rest, v, least, k->nfields, &n, what)) != MF_OK) return status;
    const char *why = k->check ? k->check(v, n, kind) : NULL;
    if (why) return range_error(e, "%s", why);
    for (int i = 0; i < n; i++) memcpy(base + k->fields[i], &v[i], sizeof v[i]);
    return MF_OK;
  }
  case MF_KEY_PATH:
    if (!e->value[0]) return range_error(e, "expected %s", what);
    if (strlen(e->value) >= MF_PATH_LEN)
      return range_error(e, "expected a path of at most %d characters", MF_PATH_LEN - 1);
    memcpy(at, e->value, strlen(e->value) + 1);
    return MF_OK;
  }
  return mf_error(MF_EBUG, "[%s] %s: unknown key type %d", k->section, k->name, (int)k->type);
}

/* ---- interpreting the sections ----------------------------------------------------------- */

/* "unknown key 'x' in [s]; expected ..." or "unknown section [s]; expected ...". */
static mf_status unknown_key(const entry *e)
{
  const char *pattern = is_pop_section(e->section) ? MF_KEY_POP_SECTION : e->section;
  const char *names[128];
  int n = 0;
  for (int i = 0; i < mf_nkeys && n < 127; i++)
    if (strcmp(mf_keys[i].section, pattern) == 0) names[n++] = mf_keys[i].name;
  char list[1024];
  if (n > 0) {
    names[n] = NULL;
    join_names(list, sizeof list, names, "or");
    return mf_error(MF_EINPUT, "%s: unknown key '%s' in [%s]; expected %s", e->origin, e->key, e->section, list);
  }
  for (int i = 0; i < mf_nkeys && n < 127; i++)
    if (i == 0 || strcmp(mf_keys[i].section, mf_keys[i - 1].section) != 0) names[n++] = mf_keys[i].section;
  names[n] = NULL;
  join_names(list, sizeof list, names, "or");
  return mf_error(MF_EINPUT, "%s: unknown section [%s]; expected %s", e->origin, e->section, list);
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

/* Convert every entry of s, in order. */
static mf_status convert_all(mf_config *cfg, const store *s)
{
  for (int i = 0; i < s->n; i++) {
    const entry *e = &s->e[i];
    const mf_key *k = key_find(e->section, e->key);
    if (!k) return unknown_key(e);
    char *base = (char *)cfg;
    for (int p = 0; is_pop_key(k) && p < cfg->model.P; p++)
      if (strcmp(cfg->model.pop[p].name, e->section + 4) == 0) base = (char *)&cfg->model.pop[p];
    mf_status status = convert(k, e, cfg->model.P, base);
    if (status != MF_OK) return status;
  }
  return MF_OK;
}

/* Required keys, and the defaults of pop keys a population leaves out. */
static mf_status check_required(mf_config *cfg, const store *s)
{
  for (int i = 0; i < mf_nkeys; i++) {
    const mf_key *k = &mf_keys[i];
    if (!is_pop_key(k)) {
      if ((k->flags & MF_KEY_REQUIRED) && !store_find(s, k->section, k->name))
        return mf_error(MF_EINPUT, "missing key '%s' in [%s]", k->name, k->section);
      /* The FitzHugh-Nagumo keys are left out of the default text (a 1d file refuses them). */
      if ((k->flags & MF_KEY_FHN) && k->def && !store_find(s, k->section, k->name)) {
        char origin[] = DEFAULT_NAME;
        entry e = {.section = (char *)k->section, .key = (char *)k->name, .value = (char *)k->def, .origin = origin};
        mf_status status = convert(k, &e, cfg->model.P, (char *)cfg);
        if (status != MF_OK) return status;
      }
      continue;
    }
    for (int p = 0; p < cfg->model.P; p++) {
      char sec[MF_NAME_LEN + 8];
      snprintf(sec, sizeof sec, "pop.%s", cfg->model.pop[p].name);
      if (store_find(s, sec, k->name)) continue;
      if (k->def) {
        char origin[] = DEFAULT_NAME;
        entry e = {.section = sec, .key = (char *)k->name, .value = (char *)k->def, .origin = origin};
        mf_status status = convert(k, &e, cfg->model.P, (char *)&cfg->model.pop[p]);
        if (status != MF_OK) return status;
        continue;
      }
      if (!(k->flags & MF_KEY_REQUIRED)) continue;
      const entry *first = NULL;
      for (int j = 0; j < s->n && !first; j++)
        if (strcmp(s->e[j].section, sec) == 0) first = &s->e[j];
      const char *names[64];
      int n = 0;
      for (int j = 0; j < mf_nkeys && n < 63; j++)
        if (is_pop_key(&mf_keys[j]) && (mf_keys[j].flags & MF_KEY_REQUIRED)) names[n++] = mf_keys[j].name;
      names[n] = NULL;
      char list[512];
      join_names(list, sizeof list, names, "and");
      return mf_error(MF_EINPUT, "%s: [%s] has no '%s' key (every population needs %s)", first->origin, sec,
                      k->name, list);
    }
  }
  return MF_OK;
}

static int from_default(const entry *e) { return strncmp(e->origin, DEFAULT_NAME, strlen(DEFAULT_NAME)) == 0; }

/* The rules of the neuron: keys of the other neuron refused, f of 1d
 * neurons required, an FHN neuron's cubic from its current, Gaussian
 * initial data in v and w, moving frames, and the (v, w) box. */
static mf_status check_neuron(mf_config *cfg, const store *s)
{
  const mf_neuron neuron = cfg->model.neuron;
  const char *name = neuron == MF_NEURON_FHN ? "fhn" : "1d";
  for (int i = 0; i < s->n; i++) {
    const entry *e = &s->e[i];
    const mf_key *k = key_find(e->section, e->key);
    if (from_default(e) || key_for_neuron(k, neuron)) continue;
    return mf_error(MF_EINPUT, "%s: [%s] %s: only with [model] neuron = %s, not with neuron = %s", e->origin,
                    e->section, e->key, (k->flags & MF_KEY_FHN) ? "fhn" : "1d", name);
  }
  for (int p = 0; p < cfg->model.P; p++) {
    mf_population *pop = &cfg->model.pop[p];
    char sec[MF_NAME_LEN + 8];
    snprintf(sec, sizeof sec, "pop.%s", pop->name);
    const entry *f = store_find(s, sec, "f"), *current = store_find(s, sec, "current"),
                *init = store_find(s, sec, "init");
    if (neuron == MF_NEURON_1D) {
      if (!f) return mf_error(MF_EINPUT, "[%s] has no 'f' key (every population of neuron = 1d needs one)", sec);
      if (pop->w.init_sd != 0.0)
        return range_error(init, "4 numbers are for neuron = fhn; expected 'gaussian MEAN SD' or 'uniform A B'");
      continue;
    }
    if (f && current)
      return mf_error(MF_EINPUT, "%s: [%s] gives both 'f' and 'current' (f's c0 is the current): give one",
                      current->origin, sec);
    /* FitzHugh-Nagumo's cubic I + v - v^3/3; current (or 0) is already in f[0]. */
    if (!f) pop->f[1] = 1.0, pop->f[2] = 0.0, pop->f[3] = -1.0 / 3.0;
    if (pop->init != MF_INIT_GAUSSIAN || pop->w.init_sd == 0.0)
      return range_error(init, "neuron = fhn: expected 'gaussian MV SV MW SW' (normals in v and in w)");
  }
  if (neuron == MF_NEURON_1D) return MF_OK;
  if (!(cfg->vmin < cfg->vmax) || !(cfg->wmin < cfg->wmax))
    return mf_error(MF_EINPUT, "[grid] box [vmin, vmax] x [wmin, wmax] = [%g, %g] x [%g, %g]: expected vmin < vmax "
                    "and wmin < wmax", cfg->vmin, cfg->vmax, cfg->wmin, cfg->wmax);
  return MF_OK;
}

/* The rules that tie keys together. */
static mf_status check_complete(mf_config *cfg, const store *s)
{
  mf_status status = check_neuron(cfg, s);
  if (status != MF_OK) return status;
  int with_fraction = 0;
  for (int p = 0; p < cfg->model.P; p++) {
    char sec[MF_NAME_LEN + 8];
    snprintf(sec, sizeof sec, "pop.%s", cfg->model.pop[p].name);
    with_fraction += store_find(s, sec, "fraction") != NULL;
  }
  if (with_fraction == 0) {
    for (int p = 0; p < cfg->model.P; p++) cfg->model.pop[p].fraction = 1.0 / cfg->model.P;
  } else if (with_fraction != cfg->model.P) {
    return mf_error(MF_EINPUT, "'fraction' is given for %d of %d populations: give it for all or none",
                    with_fraction, cfg->model.P);
  }
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
  if (snap && strncmp(snap->origin, DEFAULT_NAME, strlen(DEFAULT_NAME)) == 0)
    while (cfg->nsnapshots > 0 && cfg->snapshots[cfg->nsnapshots - 1] > cfg->t_end) cfg->nsnapshots--;
  for (int k = 0; k < cfg->nsnapshots; k++)
    if (cfg->snapshots[k] > cfg->t_end)
      return mf_error(MF_EINPUT, "%s: [time] snapshots: %g is after t_end = %g", snap->origin, cfg->snapshots[k],
                      cfg->t_end);
  status = mf_model_check(&cfg->model);
  if (status != MF_OK || cfg->grid_file[0]) return status; /* a grid file's box is checked by mf_config_grid */
  if (cfg->model.neuron == MF_NEURON_FHN) {
    for (int p = 0; p < cfg->model.P; p++) {
      const mf_population *pop = &cfg->model.pop[p];
      mf_population w = *pop;
      w.init_a = pop->w.init_mean, w.init_b = pop->w.init_sd;
      const double mv = mf_model_initial_mass(pop, cfg->vmin, cfg->vmax), mw = mf_model_initial_mass(&w, cfg->wmin,
                                                                                                     cfg->wmax);
      if (mv >= MF_CONFIG_MIN_MASS && mw >= MF_CONFIG_MIN_MASS) continue;
      char sec[MF_NAME_LEN + 8];
      snprintf(sec, sizeof sec, "pop.%s", pop->name);
      return range_error(store_find(s, sec, "init"), "mass %.3g in [vmin, vmax] = [%g, %g] and %.3g in [wmin, wmax] "
                         "= [%g, %g]: expected at least %g each", mv, cfg->vmin, cfg->vmax, mw, cfg->wmin, cfg->wmax,
                         MF_CONFIG_MIN_MASS);
    }
    return MF_OK;
  }
  for (int p = 0; p < cfg->model.P; p++) {
    const double mass = mf_model_initial_mass(&cfg->model.pop[p], cfg->xmin, cfg->xmax);
    if (mass >= MF_CONFIG_MIN_MASS) continue;
    char sec[MF_NAME_LEN + 8];
    snprintf(sec, sizeof sec, "pop.%s", cfg->model.pop[p].name);
    return range_error(store_find(s, sec, "init"), "mass %.3g inside the box [xmin, xmax] = [%g, %g]: expected at "
                       "least %g", mass, cfg->xmin, cfg->xmax, MF_CONFIG_MIN_MASS);
  }
  return MF_OK;
}

static mf_status apply_override(store *s, const char *arg)
{
  char origin[MF_PATH_LEN + 80];
  snprintf(origin, sizeof origin, "override '%.*s'", MF_PATH_LEN + 60, arg);
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

/* The embedded default as text: the head comment, then each section of the
 * table with its keys' defaults, the default populations in place of
 * [pop.NAME].  NULL when out of memory. */
static char *default_text(void)
{
  strbuf t = {0};
  strbuf_add(&t, "%s", mf_keys_default_head);
  for (int i = 0; i < mf_nkeys; i++) {
    const mf_key *k = &mf_keys[i];
    const int first = i == 0 || strcmp(k->section, mf_keys[i - 1].section) != 0;
    if (first && is_pop_key(k)) strbuf_add(&t, "\n%s", mf_keys_default_pops);
    else if (first) strbuf_add(&t, "%s[%s]\n", i == 0 ? "" : "\n", k->section);
    if (!is_pop_key(k) && k->def && !(k->flags & MF_KEY_FHN)) strbuf_add(&t, "%s = %s\n", k->name, k->def);
  }
  if (t.failed) {
    free(t.s);
    return NULL;
  }
  return t.s;
}

static char *default_ini;
static once_flag default_once = ONCE_FLAG_INIT;

static void make_default_ini(void) { default_ini = default_text(); }

const char *mf_config_default_ini(void)
{
  call_once(&default_once, make_default_ini);
  return default_ini;
}

mf_status mf_config_load(mf_config *cfg, const char *path, int n, char *const *overrides)
{
  memset(cfg, 0, sizeof *cfg);
  store s = {0};
  const char *def = mf_config_default_ini();
  mf_status status = def ? read_source(&s, DEFAULT_NAME, def, 1) : mf_error(MF_ENOMEM, "out of memory");
  if (status == MF_OK && path) {
    char *file = NULL;
    status = read_file(path, &file);
    if (status == MF_OK) status = read_source(&s, path, file, 1);
    free(file);
  }
  for (int k = 0; status == MF_OK && k < n; k++) status = apply_override(&s, overrides[k]);

  if (status == MF_OK) status = collect_populations(cfg, &s);
  if (status == MF_OK) status = convert_all(cfg, &s);
  if (status == MF_OK) status = check_required(cfg, &s);
  if (status == MF_OK) status = check_complete(cfg, &s);
  store_free(&s);
  return status;
}

/* ---- writing and documenting ------------------------------------------------------------- */

/* Whether k holds a value in base: an optional path or list may be empty. */
static int key_is_set(const mf_key *k, const char *base)
{
  if (k->type == MF_KEY_PATH) return base[k->at] != '\0';
  if (k->type == MF_KEY_LIST && k->count) {
    int count;
    memcpy(&count, base + k->count, sizeof count);
    return count > 0;
  }
  return 1;
}

static void write_key(FILE *out, const mf_key *k, const char *base, int P)
{
  const char *at = base + k->at;
  int iv;
  long lv;
  double dv;
  uint64_t uv;
  fprintf(out, "%s =", k->name);
  switch (k->type) {
  case MF_KEY_NUMBER:
    memcpy(&dv, at, sizeof dv);
    if (isinf(dv)) fprintf(out, " %s", dv > 0 ? "inf" : "-inf");
    else fprintf(out, " %.17g", dv);
    break;
  case MF_KEY_INT: memcpy(&iv, at, sizeof iv), fprintf(out, " %d", iv); break;
  case MF_KEY_LONG: memcpy(&lv, at, sizeof lv), fprintf(out, " %ld", lv); break;
  case MF_KEY_UINT64: memcpy(&uv, at, sizeof uv), fprintf(out, " %llu", (unsigned long long)uv); break;
  case MF_KEY_ENUM: memcpy(&iv, at, sizeof iv), fprintf(out, " %s", k->names[iv]); break;
  case MF_KEY_BOOL: memcpy(&iv, at, sizeof iv), fprintf(out, " %s", k->names[iv ? 0 : 1]); break;
  case MF_KEY_LIST: {
    int n, max;
    list_bounds(k, P, &n, &max);
    if (k->count) memcpy(&n, base + k->count, sizeof n), n *= k->group > 0 ? k->group : 1;
    for (int i = 0; i < n; i++) {
      if (k->flags & MF_KEY_WHOLE) memcpy(&lv, at + (size_t)i * sizeof lv, sizeof lv), fprintf(out, " %ld", lv);
      else memcpy(&dv, at + (size_t)i * sizeof dv, sizeof dv), fprintf(out, " %.17g", dv);
    }
    break;
  }
  case MF_KEY_TUPLE: {
    if (k->names) memcpy(&iv, at, sizeof iv), fprintf(out, " %s", k->names[iv]);
    /* Optional trailing numbers (an FHN neuron's initial w) only when one is set. */
    int n = k->nfields_min > 0 ? k->nfields_min : k->nfields;
    for (int i = n; i < k->nfields; i++)
      if (memcpy(&dv, base + k->fields[i], sizeof dv), dv != 0.0) n = k->nfields;
    for (int i = 0; i < n; i++) memcpy(&dv, base + k->fields[i], sizeof dv), fprintf(out, " %.17g", dv);
    break;
  }
  case MF_KEY_PATH: fprintf(out, " %s", at); break;
  }
  fputc('\n', out);
}

/* Write the keys of one section instance (base: cfg or a population) that apply to the neuron. */
static void write_section(FILE *out, int first_key, const char *title, const char *base, int P, int first,
                          mf_neuron neuron)
{
  fprintf(out, "%s[%s]\n", first ? "" : "\n", title);
  for (int i = first_key; i < mf_nkeys && strcmp(mf_keys[i].section, mf_keys[first_key].section) == 0; i++) {
    const mf_key *k = &mf_keys[i];
    if (!key_for_neuron(k, neuron)) continue;
    if ((k->flags & MF_KEY_OPTIONAL) && !key_is_set(k, base)) continue;
    const mf_key *alt = k->alt ? key_find(k->section, k->alt) : NULL;
    if (alt && key_is_set(alt, base)) continue;
    write_key(out, k, base, P);
  }
}

mf_status mf_config_write(const mf_config *cfg, FILE *out)
{
  const mf_model *m = &cfg->model;
  for (int i = 0; i < mf_nkeys; i++) {
    if (i > 0 && strcmp(mf_keys[i].section, mf_keys[i - 1].section) == 0) continue;
    if (!is_pop_key(&mf_keys[i])) {
      write_section(out, i, mf_keys[i].section, (const char *)cfg, m->P, i == 0, m->neuron);
      continue;
    }
    for (int p = 0; p < m->P; p++) {
      char title[MF_NAME_LEN + 8];
      snprintf(title, sizeof title, "pop.%s", m->pop[p].name);
      write_section(out, i, title, (const char *)&m->pop[p], m->P, i == 0 && p == 0, m->neuron);
    }
  }
  return ferror(out) ? mf_error(MF_EIO, "writing the configuration failed") : MF_OK;
}

char *mf_config_text(const mf_config *cfg)
{
  char *text = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&text, &len);
  if (!fp) {
    mf_error(MF_ENOMEM, "out of memory for the configuration text");
    return NULL;
  }
  const mf_status status = mf_config_write(cfg, fp);
  if (fclose(fp) != 0 || status != MF_OK) {
    free(text);
    mf_error(MF_ENOMEM, "out of memory for the configuration text");
    return NULL;
  }
  return text;
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

/* The table's own consistency: every key documented and unique, the keys
 * of a section together, exactly one of a default, REQUIRED or OPTIONAL,
 * the texts its type needs, and alt and implies naming keys of its section. */
static mf_status check_table(void)
{
  for (int i = 0; i < mf_nkeys; i++) {
    const mf_key *k = &mf_keys[i];
    const char *sec = k->section, *name = k->name;
    if (!k->doc || !k->doc[0]) return mf_error(MF_EBUG, "key table: [%s] %s: no documentation", sec, name);
    if (key_find(is_pop_key(k) ? "pop.E" : sec, name) != k)
      return mf_error(MF_EBUG, "key table: [%s] %s: given twice", sec, name);
    const int new_section = i > 0 && strcmp(mf_keys[i - 1].section, sec) != 0;
    for (int j = 0; new_section && j < i; j++)
      if (strcmp(mf_keys[j].section, sec) == 0)
        return mf_error(MF_EBUG, "key table: the keys of [%s] are not together", sec);
    const int defaults = (k->def != NULL) + ((k->flags & MF_KEY_REQUIRED) != 0) + ((k->flags & MF_KEY_OPTIONAL) != 0);
    if (defaults != 1)
      return mf_error(MF_EBUG, "key table: [%s] %s: needs one of a default, REQUIRED or OPTIONAL", sec, name);
    if ((k->type == MF_KEY_LIST && !k->noun) || ((k->type == MF_KEY_TUPLE || k->type == MF_KEY_PATH) && !k->value) ||
        ((k->type == MF_KEY_ENUM || k->type == MF_KEY_BOOL) && !k->names))
      return mf_error(MF_EBUG, "key table: [%s] %s: no text for what it expects", sec, name);
    char implied[64] = "";
    if (k->implies) snprintf(implied, sizeof implied, "%.*s", (int)strcspn(k->implies, "="), k->implies);
    if ((k->alt && !key_find(sec, k->alt)) || (k->implies && (!strchr(k->implies, '=') || !key_find(sec, implied))))
      return mf_error(MF_EBUG, "key table: [%s] %s: alt or implies names no key of its section", sec, name);
  }
  return MF_OK;
}

mf_status mf_config_doc(FILE *out)
{
  mf_status status = check_table();
  if (status != MF_OK) return status;
  fputs("| section | key | value | meaning | default |\n|---|---|---|---|---|\n", out);
  for (int i = 0; i < mf_nkeys; i++) {
    const mf_key *k = &mf_keys[i];
    char section[64] = "", value[256];
    if (i == 0 || strcmp(k->section, mf_keys[i - 1].section) != 0)
      snprintf(section, sizeof section, "`[%s]`%s", k->section,
               is_pop_key(k) ? " (one per population, in order)" : "");
    describe(k, -1, value, sizeof value);
    const char *def = k->def ? k->def : (k->flags & MF_KEY_REQUIRED) ? "required" : k->doc_def ? k->doc_def : "none";
    const char *only = (k->flags & MF_KEY_FHN) ? "`neuron = fhn` only: " : (k->flags & MF_KEY_1D) ? "`neuron = 1d` only: " : "";
    fprintf(out, "|%s%s%s| `%s` | %s | %s%s | %s |\n", section[0] ? " " : "", section, " ", k->name, value, only,
            k->doc, def);
  }
  return ferror(out) ? mf_error(MF_EIO, "writing the documentation failed") : MF_OK;
}

/* ---- grid files --------------------------------------------------------------------------- */

/* Read one line of fp into buf (size bytes) without its newline.  Returns
 * its length, -1 at the end of the file, -2 for a line longer than
 * size - 1 characters, -3 for a NUL byte, -4 for a read error. */
static int read_line(FILE *fp, char *buf, int size)
{
  int n = 0, c;
  while ((c = getc(fp)) != EOF && c != '\n') {
    if (c == '\0') return -3;
    if (n == size - 1) return -2;
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  if (c == EOF && ferror(fp)) return -4;
  return c == EOF && n == 0 ? -1 : n;
}

/* Read cell faces, one number per line ('#' starts a comment). */
static mf_grid *read_grid_file(const char *path)
{
  FILE *fp = open_input(path, "grid file");
  if (!fp) return NULL;
  double *faces = NULL;
  int *lines = NULL, n = 0, cap = 0, lineno = 0, ok = 1;
  static _Thread_local char buf[MF_CONFIG_MAX_LINE + 1]; /* per thread: grids may be read by several at once */
  for (;;) {
    errno = 0;
    int len = read_line(fp, buf, sizeof buf);
    if (len == -1) break;
    lineno++;
    if (len < -1) {
      if (len == -2) mf_error(MF_EINPUT, "%s:%d: line longer than %d characters", path, lineno, MF_CONFIG_MAX_LINE);
      else if (len == -3) mf_error(MF_EINPUT, "%s:%d: NUL byte: not a text file", path, lineno);
      else mf_error(MF_EIO, "%s: cannot read the grid file: %s", path, strerror(errno ? errno : EIO));
      ok = 0;
      break;
    }
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '\r' || *s == '\0') continue;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r') end++;
    if (end == s || *end || !isfinite(v)) {
      s[strcspn(s, "\r")] = '\0';
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
    if (n > MF_GRID_MAX_FILE_CELLS) {
      mf_error(MF_EINPUT, "%s:%d: more than %d cells", path, lineno, MF_GRID_MAX_FILE_CELLS);
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
  if (!cfg->grid_file[0]) {
    if (cfg->nzones > 0)
      return mf_grid_create_refined(cfg->xmin, cfg->xmax, (cfg->xmax - cfg->xmin) / cfg->cells, cfg->zones,
                                    cfg->nzones);
    return mf_grid_create_uniform(cfg->xmin, cfg->xmax, cfg->cells);
  }
  mf_grid *grid = read_grid_file(cfg->grid_file);
  if (!grid) return NULL;
  const double a = grid->faces[0], b = grid->faces[grid->n];
  for (int p = 0; p < cfg->model.P; p++) {
    const mf_population *pop = &cfg->model.pop[p];
    const double mass = mf_model_initial_mass(pop, a, b);
    if (mass >= MF_CONFIG_MIN_MASS) continue;
    mf_error(MF_EINPUT, "[pop.%s] init = '%s %g %g': mass %.3g inside the box [%g, %g] of the grid file %s: "
             "expected at least %g", pop->name, pop->init == MF_INIT_GAUSSIAN ? "gaussian" : "uniform",
             pop->init_a, pop->init_b, mass, a, b, cfg->grid_file, MF_CONFIG_MIN_MASS);
    mf_grid_free(grid);
    return NULL;
  }
  return grid;
}
