/* series.c -- a job's time series as CSV files or one HDF5 file (series.h).
 * The HDF5 form keeps the rows and snapshots in memory and writes the file
 * at commit, under a temporary name first. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/series.h"

#include "mfbalance/output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef MFBALANCE_HAVE_HDF5
#include <hdf5.h>
#endif

typedef struct {
  double t;
  int p, n;
  double *xwr; /* x, width and rho, n each */
  int nw;      /* FitzHugh-Nagumo: cells in w, 0 for none */
  double *wwr; /* FitzHugh-Nagumo: w, width_w and the w-marginal (nw each), then rho(v, w) (n nw, v fastest) */
} snapshot;

struct mf_series {
  mf_output_format format;
  mf_model model;
  char dir[1024];
  /* csv */
  mf_outfile obs, dens;
  /* hdf5 */
  char *config;
  double *rows; /* per row: t, then 7 values per population */
  size_t nrows, cap_rows;
  snapshot *snaps;
  size_t nsnaps, cap_snaps;
};

enum { VALUES = 7 }; /* mass, mean, sd, mode, m, A, V */
static const char *const value_name[VALUES] = {"mass", "mean", "sd", "mode", "m", "A", "V"};

int mf_series_have_hdf5(void)
{
#ifdef MFBALANCE_HAVE_HDF5
  return 1;
#else
  return 0;
#endif
}

void mf_series_discard(mf_series *s)
{
  if (!s) return;
  mf_outfile_discard(&s->obs);
  mf_outfile_discard(&s->dens);
  for (size_t k = 0; k < s->nsnaps; k++) free(s->snaps[k].xwr), free(s->snaps[k].wwr);
  free(s->snaps);
  free(s->rows);
  free(s->config);
  free(s);
}

mf_series *mf_series_open(const char *dir, const mf_model *model, mf_output_format format, const char *config_text)
{
  if (format == MF_FORMAT_HDF5 && !mf_series_have_hdf5()) {
    mf_error(MF_EINPUT, "output.format = hdf5: this build has no HDF5 (Debian: libhdf5-dev, then rebuild)");
    return NULL;
  }
  mf_series *s = calloc(1, sizeof *s);
  if (!s) {
    mf_error(MF_ENOMEM, "out of memory");
    return NULL;
  }
  s->format = format;
  s->model = *model;
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  if (format == MF_FORMAT_HDF5) {
    if (!(s->config = strdup(config_text ? config_text : ""))) {
      mf_error(MF_ENOMEM, "out of memory");
      mf_series_discard(s);
      return NULL;
    }
    return s;
  }
  if (mf_outfile_open(&s->obs, dir, "observables.csv") != MF_OK || mf_outfile_open(&s->dens, dir, "density.csv") != MF_OK) {
    mf_series_discard(s);
    return NULL;
  }
  mf_observables_write_header(s->obs.fp, model);
  mf_density_write_header(s->dens.fp);
  return s;
}

/* Grow *buf (of *cap elements of size sz) to hold need. */
static int reserve(void **buf, size_t *cap, size_t need, size_t sz)
{
  if (need <= *cap) return 0;
  size_t c = *cap ? 2 * *cap : 64;
  while (c < need) c *= 2;
  void *b = realloc(*buf, c * sz);
  if (!b) return -1;
  *buf = b, *cap = c;
  return 0;
}

mf_status mf_series_row(mf_series *s, double t, const mf_pop_observables *obs)
{
  if (s->format == MF_FORMAT_CSV) {
    mf_observables_write_row(s->obs.fp, t, &s->model, obs);
    return MF_OK;
  }
  const size_t width = 1 + (size_t)VALUES * s->model.P;
  if (reserve((void **)&s->rows, &s->cap_rows, (s->nrows + 1) * width, sizeof(double)))
    return mf_error(MF_ENOMEM, "out of memory for the observables");
  double *r = s->rows + s->nrows * width;
  r[0] = t;
  for (int p = 0; p < s->model.P; p++) {
    const mf_pop_observables *o = &obs[p];
    const double v[VALUES] = {o->mass, o->mean, o->sd, o->mode, o->m, o->A, o->V};
    memcpy(r + 1 + (size_t)VALUES * p, v, sizeof v);
  }
  s->nrows++;
  return MF_OK;
}

mf_status mf_series_snapshot(mf_series *s, double t, int p, const mf_grid *grid, const double *rho)
{
  if (s->format == MF_FORMAT_CSV) {
    mf_density_write_population(s->dens.fp, t, s->model.pop[p].name, grid, rho);
    return MF_OK;
  }
  if (reserve((void **)&s->snaps, &s->cap_snaps, s->nsnaps + 1, sizeof *s->snaps))
    return mf_error(MF_ENOMEM, "out of memory for the snapshots");
  snapshot *sn = &s->snaps[s->nsnaps];
  const int n = grid->n;
  if (!(sn->xwr = malloc(3 * (size_t)n * sizeof(double)))) return mf_error(MF_ENOMEM, "out of memory for a snapshot");
  sn->t = t, sn->p = p, sn->n = n, sn->nw = 0, sn->wwr = NULL;
  memcpy(sn->xwr, grid->x, (size_t)n * sizeof(double));
  memcpy(sn->xwr + n, grid->w, (size_t)n * sizeof(double));
  memcpy(sn->xwr + 2 * (size_t)n, rho, (size_t)n * sizeof(double));
  s->nsnaps++;
  return MF_OK;
}

mf_status mf_series_snapshot2d(mf_series *s, double t, int p, const mf_grid *grid_w, const double *rho_w,
                               const double *rho2d)
{
  if (s->format == MF_FORMAT_CSV) return MF_OK;
  snapshot *sn = NULL; /* p's among the snapshots of time t, the last ones */
  for (size_t k = s->nsnaps; k-- > 0 && s->snaps[k].t == t && !sn;)
    if (s->snaps[k].p == p) sn = &s->snaps[k];
  if (!sn || sn->nw > 0)
    return mf_error(MF_EBUG, "mf_series_snapshot2d: no one-dimensional snapshot of population %d at t = %g", p, t);
  const size_t nw = (size_t)grid_w->n, n = (size_t)sn->n;
  if (!(sn->wwr = malloc((3 * nw + n * nw) * sizeof(double)))) return mf_error(MF_ENOMEM, "out of memory for a snapshot");
  sn->nw = grid_w->n;
  memcpy(sn->wwr, grid_w->x, nw * sizeof(double));
  memcpy(sn->wwr + nw, grid_w->w, nw * sizeof(double));
  memcpy(sn->wwr + 2 * nw, rho_w, nw * sizeof(double));
  memcpy(sn->wwr + 3 * nw, rho2d, n * nw * sizeof(double));
  return MF_OK;
}

#ifdef MFBALANCE_HAVE_HDF5
/* A one-dimensional double dataset name (n values) in loc; 0 or -1. */
static int write_vector(hid_t loc, const char *name, const double *v, hsize_t n)
{
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t set = space < 0 ? -1 : H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = set < 0 ? -1 : H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  if (set >= 0) H5Dclose(set);
  if (space >= 0) H5Sclose(space);
  return st < 0 ? -1 : 0;
}

/* A variable-length UTF-8 string attribute (h5py reads it as str). */
static int write_string_attr(hid_t loc, const char *name, const char *text)
{
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = attr < 0 ? -1 : H5Awrite(attr, type, &text);
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  return st < 0 ? -1 : 0;
}

static int write_double_attr(hid_t loc, const char *name, double v)
{
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = attr < 0 ? -1 : H5Awrite(attr, H5T_NATIVE_DOUBLE, &v);
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  return st < 0 ? -1 : 0;
}

/* A rows x cols dataset (row-major) of v; 0 or -1. */
static int write_matrix(hid_t loc, const char *name, const double *v, hsize_t rows, hsize_t cols)
{
  const hsize_t dims[2] = {rows, cols};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t set = space < 0 ? -1 : H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = set < 0 ? -1 : H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  if (set >= 0) H5Dclose(set);
  if (space >= 0) H5Sclose(space);
  return st < 0 ? -1 : 0;
}

/* The whole file; 0 or -1. */
static int write_h5(const mf_series *s, const char *path)
{
  hid_t file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) return -1;
  int bad = write_string_attr(file, "config", s->config) | write_string_attr(file, "format", "mfbalance-results 1");
  const size_t width = 1 + (size_t)VALUES * s->model.P;
  double *col = malloc((s->nrows ? s->nrows : 1) * sizeof *col);
  hid_t obs = H5Gcreate2(file, "observables", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bad |= !col || obs < 0;
  if (!bad) {
    for (size_t r = 0; r < s->nrows; r++) col[r] = s->rows[r * width];
    bad |= write_vector(obs, "t", col, s->nrows);
    for (int p = 0; p < s->model.P && !bad; p++) {
      hid_t g = H5Gcreate2(obs, s->model.pop[p].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      bad |= g < 0;
      for (int v = 0; v < VALUES && !bad; v++) {
        for (size_t r = 0; r < s->nrows; r++) col[r] = s->rows[r * width + 1 + (size_t)VALUES * p + v];
        bad |= write_vector(g, value_name[v], col, s->nrows);
      }
      if (g >= 0) H5Gclose(g);
    }
  }
  if (obs >= 0) H5Gclose(obs);
  free(col);
  hid_t snaps = H5Gcreate2(file, "snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bad |= snaps < 0;
  hid_t group = -1;
  int k = -1;
  for (size_t i = 0; i < s->nsnaps && !bad; i++) {
    const snapshot *sn = &s->snaps[i];
    if (i == 0 || sn->t != s->snaps[i - 1].t) { /* a new snapshot time */
      if (group >= 0) H5Gclose(group);
      char name[32];
      snprintf(name, sizeof name, "%d", ++k);
      group = H5Gcreate2(snaps, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      bad |= group < 0 || write_double_attr(group, "t", sn->t);
      if (bad) break;
    }
    hid_t g = H5Gcreate2(group, s->model.pop[sn->p].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= g < 0;
    if (!bad) {
      bad |= write_vector(g, "x", sn->xwr, (hsize_t)sn->n);
      bad |= write_vector(g, "width", sn->xwr + sn->n, (hsize_t)sn->n);
      bad |= write_vector(g, "rho", sn->xwr + 2 * (size_t)sn->n, (hsize_t)sn->n);
    }
    if (!bad && sn->nw > 0) {
      const size_t nw = (size_t)sn->nw;
      bad |= write_vector(g, "w", sn->wwr, nw);
      bad |= write_vector(g, "width_w", sn->wwr + nw, nw);
      bad |= write_vector(g, "rho_w", sn->wwr + 2 * nw, nw);
      bad |= write_matrix(g, "rho2d", sn->wwr + 3 * nw, nw, (hsize_t)sn->n);
    }
    if (g >= 0) H5Gclose(g);
  }
  if (group >= 0) H5Gclose(group);
  if (snaps >= 0) H5Gclose(snaps);
  bad |= H5Fclose(file) < 0;
  return bad ? -1 : 0;
}
#endif

mf_status mf_series_mark(mf_series *s, long bytes[2])
{
  if (s->format != MF_FORMAT_CSV) return mf_error(MF_EINPUT, "output.format = hdf5 cannot be checkpointed");
  bytes[0] = mf_outfile_mark(&s->obs);
  bytes[1] = mf_outfile_mark(&s->dens);
  /* No message: the failed stream keeps its error, and mf_series_commit reports it by file. */
  return bytes[0] < 0 || bytes[1] < 0 ? MF_EIO : MF_OK;
}

mf_status mf_series_restore(mf_series *s, const long bytes[2])
{
  if (s->format != MF_FORMAT_CSV) return mf_error(MF_EINPUT, "output.format = hdf5 cannot be resumed");
  mf_status status = mf_outfile_restore(&s->obs, bytes[0]);
  return status == MF_OK ? mf_outfile_restore(&s->dens, bytes[1]) : status;
}

mf_status mf_series_commit(mf_series *s)
{
  mf_status status = MF_OK;
  if (s->format == MF_FORMAT_CSV) {
    status = mf_outfile_commit(&s->obs);
    mf_status st = mf_outfile_commit(&s->dens);
    if (status == MF_OK) status = st;
  } else {
#ifdef MFBALANCE_HAVE_HDF5
    char tmp[1100], path[1100];
    snprintf(tmp, sizeof tmp, "%s/.results.h5.tmp", s->dir);
    snprintf(path, sizeof path, "%s/results.h5", s->dir);
    remove(tmp); /* a stale one from an interrupted run */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are reported here, once */
    if (write_h5(s, tmp) != 0) {
      remove(tmp);
      status = mf_error(MF_EIO, "%s: cannot write the HDF5 file", path);
    } else if (rename(tmp, path) != 0) {
      status = mf_error(MF_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
      remove(tmp);
    }
#endif
  }
  mf_series_discard(s);
  return status;
}
