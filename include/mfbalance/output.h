/* output.h -- output directories and files that appear whole or not at all.
 *
 * A file is written under a temporary name in its directory and renamed to
 * its final name by mf_outfile_commit, so a crash or a failed run never
 * leaves a half-written file under a final name.  The temporary name is
 * DIR/.NAME.tmp-XXXXXX, made by mkstemp: unpredictable and created
 * exclusively, so a planted file or symbolic link is never written
 * through.  A directory that already holds files is used only with force;
 * then only the files written are replaced, and temporary files left by a
 * run that was killed are removed.
 */
#ifndef MFBALANCE_OUTPUT_H
#define MFBALANCE_OUTPUT_H

#include "mfbalance/status.h"

#include <stddef.h>
#include <stdio.h>

/* How a job writes its time series (series.h): CSV files, or one HDF5 file. */
typedef enum { MF_FORMAT_CSV, MF_FORMAT_HDF5 } mf_output_format;

typedef struct {
  FILE *fp;        /* write here; NULL when closed */
  char tmp[1100];  /* temporary path, DIR/.NAME.tmp-XXXXXX */
  char path[1100]; /* final path, DIR/NAME */
} mf_outfile;

/* A fresh directory name under ./out/ (out/run-YYYYmmdd-HHMMSS, with a
 * suffix -2, -3, ... if taken) into buf. */
mf_status mf_output_dir_fresh(char *buf, size_t len);

/* Create dir (and its parents).  Refuses, with MF_EINPUT, an empty name and
 * a directory that is not empty (or holds only stale temporary files)
 * unless force; with force, removes the stale temporary files.  MF_EIO if
 * it cannot be created or read. */
mf_status mf_output_dir_prepare(const char *dir, int force);

/* Create DIR/.NAME.tmp-XXXXXX for writing.  MF_EIO (with the path) if it
 * cannot be; the message is added to an earlier I/O failure's (status.h,
 * mf_error_add). */
mf_status mf_outfile_open(mf_outfile *f, const char *dir, const char *name);

/* Flush, close and rename to the final name.  MF_EIO (with the path) if any
 * write failed; the temporary file is then removed and the message added to
 * an earlier failure's, so that every file that failed is reported. */
mf_status mf_outfile_commit(mf_outfile *f);

/* Flush f and return the bytes written so far (for a checkpoint), or -1. */
long mf_outfile_mark(mf_outfile *f);

/* Resuming (checkpoint.h): make f hold the first bytes bytes of the same
 * file of the interrupted run, DIR/NAME, or after a crash a stale
 * DIR/.NAME.tmp-XXXXXX at least that long.  MF_EINPUT when there is none,
 * MF_EIO when a read or write fails. */
mf_status mf_outfile_restore(mf_outfile *f, long bytes);

/* Close and remove the temporary file (no-op if not open). */
void mf_outfile_discard(mf_outfile *f);

/* Remove every DIR/.NAME.tmp-XXXXXX (regular files and links): what a
 * process killed while writing NAME left behind. */
void mf_outfile_remove_stale(const char *dir, const char *name);

#endif
