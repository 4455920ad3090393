/* config_keys.h -- the table of configuration keys (internal to config.c and
 * config_keys.c).
 *
 * One mf_key per key of the INI format: its section (or the per-population
 * pattern "pop.NAME"), name, type, range, default, one line of documentation
 * and where its value lives in mf_config.  config.c parses, converts, checks,
 * writes and documents every key from this table alone, so that a new key is
 * one entry in config_keys.c.  Rules that tie several keys together (the
 * length of g is P, fractions sum to 1, snapshots <= t_end) stay as code in
 * config.c.
 */
#ifndef MFBALANCE_CONFIG_KEYS_H
#define MFBALANCE_CONFIG_KEYS_H

#include "mfbalance/config.h"

#include <stddef.h>

/* The section name of the per-population keys: [pop.E], [pop.I], ... */
#define MF_KEY_POP_SECTION "pop.NAME"

typedef enum {
  MF_KEY_NUMBER, /* one finite double in [lo, hi] (MF_KEY_INF: or "inf") */
  MF_KEY_INT,    /* an int, whole number in [ilo, ihi] */
  MF_KEY_LONG,   /* a long, whole number in [ilo, ihi] */
  MF_KEY_UINT64, /* a uint64_t, 0 .. 2^64 - 1 */
  MF_KEY_ENUM,   /* an enum field (int-sized): the index of the value in names */
  MF_KEY_BOOL,   /* an int: 1 for names[0], 0 for names[1] */
  MF_KEY_LIST,   /* numbers in [lo, hi] into an array of doubles (of longs with MF_KEY_WHOLE) */
  MF_KEY_TUPLE,  /* nfields numbers into separate double fields, after a keyword from names if any */
  MF_KEY_PATH    /* a non-empty path into a char[MF_PATH_LEN] */
} mf_key_type;

enum {
  MF_KEY_REQUIRED = 1 << 0,   /* no default: must be given (by every population, for pop keys) */
  MF_KEY_OPTIONAL = 1 << 1,   /* no default: absent leaves the field zero/empty, and is not written */
  MF_KEY_LO_OPEN = 1 << 2,    /* lo is excluded from the range */
  MF_KEY_HI_OPEN = 1 << 3,    /* hi is excluded from the range */
  MF_KEY_INF = 1 << 4,        /* MF_KEY_NUMBER: "inf" and "infinity" give +infinity */
  MF_KEY_WHOLE = 1 << 5,      /* MF_KEY_LIST: whole numbers, stored as long */
  MF_KEY_INCREASING = 1 << 6  /* MF_KEY_LIST: strictly increasing */
};

#define MF_KEY_LEN_P (-1) /* list length: the number of populations P */

/* Range checks the table cannot state: NULL when v (n numbers; kind: the
 * keyword's index for a tuple, else 0) is acceptable, else what is wrong
 * ("the sd must be > 0"). */
typedef const char *(*mf_key_check)(const double *v, int n, int kind);

typedef struct {
  const char *section; /* "model", "grid", ..., or MF_KEY_POP_SECTION */
  const char *name;    /* the key */
  mf_key_type type;
  unsigned flags;      /* MF_KEY_* */
  const char *def;     /* default value as INI text; NULL with MF_KEY_REQUIRED or MF_KEY_OPTIONAL */

  /* Range of numbers and list elements; lo = hi = 0 means any finite number. */
  double lo, hi;
  long ilo, ihi;            /* range of MF_KEY_INT and MF_KEY_LONG */
  const char *const *names; /* ENUM, BOOL, TUPLE keyword: the accepted words, NULL-terminated */

  /* Where the value lives: byte offsets in mf_config, or in mf_population
   * for pop keys. */
  size_t at;               /* the field; for a list its first element; for a tuple with names the keyword's enum */
  size_t count;            /* LIST of variable length: the int holding the count; 0 for none */
  int min, max;            /* LIST: least and most numbers (in groups), or MF_KEY_LEN_P */
  int group;               /* LIST: numbers come in groups of this many (0: 1) */
  int nfields;             /* TUPLE: how many numbers */
  size_t fields[4];        /* TUPLE: their fields */
  mf_key_check check;      /* extra range check, or NULL */

  /* Texts for messages and docs/configuration.md. */
  const char *noun;        /* LIST: what the numbers (or groups) are, plural ("weights") */
  const char *value;       /* the expected value, when the type cannot say it (TUPLE, PATH) */
  const char *doc;         /* one line of Markdown: what the key means */
  const char *doc_def;     /* the default column when def cannot say it ("1/P each") */
  const char *alt;         /* a key of the same section this one excludes ("file" for xmin): the
                              later source wins, and this key is not written when alt is set */
  const char *implies;     /* "key=value" in the same section, set when a source names this key
                              but not that one */
} mf_key;

extern const mf_key mf_keys[];
extern const int mf_nkeys;

/* The default model's populations, as INI text (replaced as a whole by a
 * file with populations), with the comment that opens the default. */
extern const char mf_keys_default_head[];
extern const char mf_keys_default_pops[];

#endif
