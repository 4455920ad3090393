/* checkpoint.c -- the restart file of an interrupted job (checkpoint.h):
 * a small text format, numbers in C99 hexadecimal so that a state read back
 * is the state written, bit for bit.  No numerics. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/checkpoint.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mf_checkpoint_due(double every, double *last)
{
  if (!(every > 0.0)) return 0;
  const double now = mf_clock_seconds();
  if (*last == 0.0) *last = now;
  if (now - *last < every) return 0;
  *last = now;
  return 1;
}

mf_status mf_checkpoint_begin(mf_checkpoint_writer *w, const char *dir, const char *job, const mf_config *cfg)
{
  memset(w, 0, sizeof *w);
  char *text = mf_config_text(cfg);
  if (!text) return mf_errcode();
  mf_status status = mf_outfile_open(&w->file, dir, MF_CHECKPOINT_NAME);
  if (status == MF_OK)
    fprintf(w->file.fp, "mfbalance-checkpoint %d\njob %s\nconfig %zu\n%s", MF_CHECKPOINT_VERSION, job, strlen(text),
            text);
  free(text);
  return status;
}

void mf_checkpoint_put_long(mf_checkpoint_writer *w, const char *name, long value)
{
  if (w->file.fp) fprintf(w->file.fp, "long %s %ld\n", name, value);
}

void mf_checkpoint_put_doubles(mf_checkpoint_writer *w, const char *name, const double *v, long n)
{
  if (!w->file.fp) return;
  fprintf(w->file.fp, "doubles %s %ld\n", name, n);
  for (long i = 0; i < n; i++) fprintf(w->file.fp, "%a\n", v[i]);
}

mf_status mf_checkpoint_commit(mf_checkpoint_writer *w)
{
  if (w->file.fp) fputs("end\n", w->file.fp);
  return mf_outfile_commit(&w->file);
}

void mf_checkpoint_discard(mf_checkpoint_writer *w) { mf_outfile_discard(&w->file); }

void mf_checkpoint_remove(const char *dir)
{
  char path[1100];
  if (snprintf(path, sizeof path, "%s/%s", dir, MF_CHECKPOINT_NAME) < (int)sizeof path) remove(path);
  /* A checkpoint half-written when an earlier run was killed goes too. */
  mf_outfile_remove_stale(dir, MF_CHECKPOINT_NAME);
}

typedef struct {
  char name[64];
  int is_long;
  long value; /* is_long */
  long n;     /* numbers in data */
  double *data;
} entry;

struct mf_checkpoint {
  char job[32];
  char *config;
  entry *entries;
  int nentries, cap;
};

void mf_checkpoint_free(mf_checkpoint *ck)
{
  if (!ck) return;
  for (int i = 0; i < ck->nentries; i++) free(ck->entries[i].data);
  free(ck->entries);
  free(ck->config);
  free(ck);
}

static entry *add_entry(mf_checkpoint *ck)
{
  if (ck->nentries == ck->cap) {
    int cap = ck->cap ? 2 * ck->cap : 16;
    entry *grown = realloc(ck->entries, (size_t)cap * sizeof *grown);
    if (!grown) return NULL;
    ck->entries = grown, ck->cap = cap;
  }
  entry *e = &ck->entries[ck->nentries++];
  memset(e, 0, sizeof *e);
  return e;
}

/* Longest line of the format: "doubles NAME COUNT" and one %a number. */
#define LINE_MAX_LEN 256

mf_checkpoint *mf_checkpoint_read(const char *dir)
{
  char path[1100], line[LINE_MAX_LEN];
  if (snprintf(path, sizeof path, "%s/%s", dir, MF_CHECKPOINT_NAME) >= (int)sizeof path) {
    mf_error(MF_EINPUT, "%s: path too long", dir);
    return NULL;
  }
  FILE *fp = fopen(path, "r");
  if (!fp) {
    mf_error(errno == ENOENT ? MF_EINPUT : MF_EIO, "%s: no checkpoint to resume from: %s", path, strerror(errno));
    return NULL;
  }
  mf_checkpoint *ck = calloc(1, sizeof *ck);
  int version = 0, lineno = 3;
  size_t bytes = 0;
  if (!ck) goto nomem;
  if (!fgets(line, sizeof line, fp) || sscanf(line, "mfbalance-checkpoint %d", &version) != 1) goto malformed;
  if (version != MF_CHECKPOINT_VERSION) {
    mf_error(MF_EINPUT, "%s: checkpoint format version %d, this program reads version %d only: rerun the job",
             path, version, MF_CHECKPOINT_VERSION);
    goto fail;
  }
  if (!fgets(line, sizeof line, fp) || sscanf(line, "job %31s", ck->job) != 1) goto malformed;
  if (!fgets(line, sizeof line, fp) || sscanf(line, "config %zu", &bytes) != 1 || bytes > (1u << 24)) goto malformed;
  if (!(ck->config = malloc(bytes + 1))) goto nomem;
  if (fread(ck->config, 1, bytes, fp) != bytes) goto malformed;
  ck->config[bytes] = '\0';
  for (const char *c = ck->config; *c; c++) lineno += *c == '\n';
  int ended = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    char name[64];
    long v;
    if (strcmp(line, "end\n") == 0) {
      ended = 1;
      break;
    }
    entry *e = add_entry(ck);
    if (!e) goto nomem;
    if (sscanf(line, "long %63s %ld", name, &v) == 2) {
      e->is_long = 1, e->value = v;
    } else if (sscanf(line, "doubles %63s %ld", name, &v) == 2 && v >= 0 && v <= (1L << 40)) {
      e->n = v;
      if (v > 0 && !(e->data = malloc((size_t)v * sizeof *e->data))) goto nomem;
      for (long i = 0; i < v; i++) {
        char *end;
        lineno++;
        if (!fgets(line, sizeof line, fp)) goto malformed;
        e->data[i] = strtod(line, &end);
        if (end == line || *end != '\n') goto malformed;
      }
    } else {
      goto malformed;
    }
    memcpy(e->name, name, sizeof e->name);
  }
  if (ferror(fp)) {
    mf_error(MF_EIO, "%s: cannot read the checkpoint: %s", path, strerror(errno ? errno : EIO));
    goto fail;
  }
  if (!ended) goto malformed;
  fclose(fp);
  return ck;

malformed:
  mf_error(MF_EINPUT, "%s:%d: not a complete checkpoint of format version %d", path, lineno, MF_CHECKPOINT_VERSION);
  goto fail;
nomem:
  mf_error(MF_ENOMEM, "%s: out of memory reading the checkpoint", path);
fail:
  fclose(fp);
  mf_checkpoint_free(ck);
  return NULL;
}

const char *mf_checkpoint_job(const mf_checkpoint *ck) { return ck->job; }
const char *mf_checkpoint_config(const mf_checkpoint *ck) { return ck->config; }

mf_status mf_checkpoint_check(const mf_checkpoint *ck, const char *dir, const mf_config *cfg)
{
  char *text = mf_config_text(cfg);
  if (!text) return mf_errcode();
  const int same = strcmp(text, ck->config) == 0;
  free(text);
  return same ? MF_OK
              : mf_error(MF_EINPUT, "%s/%s was written for another configuration than %s/config.ini: the "
                                    "configuration may not change between a job and its resumption",
                         dir, MF_CHECKPOINT_NAME, dir);
}

static const entry *find(const mf_checkpoint *ck, const char *name)
{
  for (int i = 0; i < ck->nentries; i++)
    if (strcmp(ck->entries[i].name, name) == 0) return &ck->entries[i];
  return NULL;
}

mf_status mf_checkpoint_get_long(const mf_checkpoint *ck, const char *name, long *value)
{
  const entry *e = find(ck, name);
  if (!e || !e->is_long) return mf_error(MF_EINPUT, "checkpoint: no integer '%s'", name);
  *value = e->value;
  return MF_OK;
}

mf_status mf_checkpoint_get_doubles(const mf_checkpoint *ck, const char *name, double *v, long n)
{
  const entry *e = find(ck, name);
  if (!e || e->is_long || e->n != n)
    return mf_error(MF_EINPUT, "checkpoint: '%s' holds %ld numbers, expected %ld", name, e && !e->is_long ? e->n : 0L,
                    n);
  if (n > 0) memcpy(v, e->data, (size_t)n * sizeof *v);
  return MF_OK;
}

long mf_checkpoint_count(const mf_checkpoint *ck, const char *name)
{
  const entry *e = find(ck, name);
  return e && !e->is_long ? e->n : -1;
}
