/* series.h -- the time series a job writes: rows of observables and density
 * snapshots, as CSV files or as one HDF5 file.
 *
 *   csv   observables.csv (t, then per population mass, mean, sd, mode, m,
 *         A, V) and density.csv (t, population, x, width, rho);
 *   hdf5  results.h5: the root attributes `config` (the effective INI text)
 *         and `format` ("mfbalance-results 1"); the dataset /observables/t
 *         and per population /observables/NAME/{mass, mean, sd, mode, m, A,
 *         V} (one value per row); per snapshot k a group /snapshots/k with
 *         the attribute t and per population /snapshots/k/NAME/{x, width,
 *         rho} (the cells at that time: they move with the frames); for
 *         FitzHugh-Nagumo runs also {w, width_w, rho_w} (the w-cells and
 *         the w-marginal) and rho2d, the (v, w) density, cells_w x cells_v.
 *
 * Either way the files appear whole or not at all: they are written under a
 * temporary name and renamed by mf_series_commit.
 */
#ifndef MFBALANCE_SERIES_H
#define MFBALANCE_SERIES_H

#include "mfbalance/grid.h"
#include "mfbalance/model.h"
#include "mfbalance/observables.h"
#include "mfbalance/output.h"
#include "mfbalance/status.h"

typedef struct mf_series mf_series;

/* 1 if this build can write HDF5. */
int mf_series_have_hdf5(void);

/* A series of model's populations into dir.  config_text (the effective
 * configuration as INI) is kept as an attribute in HDF5.  NULL (with a
 * message: MF_EIO, or MF_EINPUT for HDF5 in a build without it) on failure. */
mf_series *mf_series_open(const char *dir, const mf_model *model, mf_output_format format, const char *config_text);

/* One row of observables (length P) at t. */
mf_status mf_series_row(mf_series *s, double t, const mf_pop_observables *obs);

/* Population p's density rho on grid at t (call once per population of a snapshot). */
mf_status mf_series_snapshot(mf_series *s, double t, int p, const mf_grid *grid, const double *rho);

/* FitzHugh-Nagumo, HDF5 only (nothing for CSV): population p's w-cells,
 * w-marginal rho_w and (v, w) density rho2d (grid_w->n rows of the v-cells,
 * v fastest), called after the mf_series_snapshot calls of time t, once
 * per population (MF_EBUG otherwise). */
mf_status mf_series_snapshot2d(mf_series *s, double t, int p, const mf_grid *grid_w, const double *rho_w,
                               const double *rho2d);

/* Flush and count the bytes of observables.csv and density.csv so far
 * into bytes[2], for a checkpoint.  MF_EINPUT for HDF5, which is written
 * whole at the end and cannot be continued; MF_EIO, without a message, when
 * a write failed (mf_series_commit names the file). */
mf_status mf_series_mark(mf_series *s, long bytes[2]);

/* Continue the series of an interrupted run in the same directory: the
 * first bytes[2] bytes of its files (mf_outfile_restore). */
mf_status mf_series_restore(mf_series *s, const long bytes[2]);

/* Write everything and rename it into place; the series is freed.
 * MF_EIO (naming the file) if a write failed. */
mf_status mf_series_commit(mf_series *s);

/* Drop the temporary files and free; mf_series_discard(NULL) does nothing. */
void mf_series_discard(mf_series *s);

#endif
