/* checkpoint.h -- the restart file of an interrupted job (docs/checkpoint.md).
 *
 * A job (run, particles, sweep, hj, compare) writes DIR/checkpoint every
 * output.checkpoint_every seconds of wall time and when it stops at a signal;
 * `mfbalance resume DIR` reads it and the job continues as if it had never
 * stopped.  The file is text, written under a temporary name and renamed:
 *
 *   mfbalance-checkpoint 1            format version
 *   job NAME                          run, particles, sweep, hj or compare
 *   config BYTES                      the effective configuration (mf_config_text),
 *   <BYTES bytes of INI text>         exactly as config.ini holds it
 *   long NAME VALUE                   integers (output index, step number, ...)
 *   doubles NAME COUNT                then COUNT lines, one number each in C99
 *   <%a per line>                     hexadecimal notation: read back bit for bit
 *   end
 *
 * A file of another version, of another job, or whose configuration is not
 * the one in DIR/config.ini is refused (MF_EINPUT) with a message saying which.
 */
#ifndef MFBALANCE_CHECKPOINT_H
#define MFBALANCE_CHECKPOINT_H

#include "mfbalance/config.h"
#include "mfbalance/output.h"
#include "mfbalance/status.h"

#define MF_CHECKPOINT_VERSION 1
#define MF_CHECKPOINT_NAME "checkpoint"

/* A checkpoint being written: an mf_outfile to DIR/checkpoint. */
typedef struct {
  mf_outfile file;
} mf_checkpoint_writer;

/* Start DIR/checkpoint for job (a name as in `mfbalance JOB`) of cfg.
 * MF_OK, MF_EIO or MF_ENOMEM, with a message. */
mf_status mf_checkpoint_begin(mf_checkpoint_writer *w, const char *dir, const char *job, const mf_config *cfg);

/* One integer, or n numbers (exact, as %a), under name (no spaces). */
void mf_checkpoint_put_long(mf_checkpoint_writer *w, const char *name, long value);
void mf_checkpoint_put_doubles(mf_checkpoint_writer *w, const char *name, const double *v, long n);

/* Finish and rename into place (MF_OK or MF_EIO); or drop the temporary file. */
mf_status mf_checkpoint_commit(mf_checkpoint_writer *w);
void mf_checkpoint_discard(mf_checkpoint_writer *w);

/* 1 when a periodic checkpoint is due: every seconds of wall time have
 * passed since *last (0 on the first call: the clock starts), which is then
 * reset; always 0 for every <= 0. */
int mf_checkpoint_due(double every, double *last);

/* Remove DIR/checkpoint and the temporary checkpoints of a killed run (a
 * job that finished or failed leaves none). */
void mf_checkpoint_remove(const char *dir);

/* A checkpoint read back. */
typedef struct mf_checkpoint mf_checkpoint;

/* Read DIR/checkpoint.  MF_EINPUT when it is missing, malformed or of
 * another format version; MF_EIO when it cannot be read; MF_ENOMEM. */
mf_checkpoint *mf_checkpoint_read(const char *dir);
void mf_checkpoint_free(mf_checkpoint *ck);

/* The job named in it, and its configuration text (NUL-terminated). */
const char *mf_checkpoint_job(const mf_checkpoint *ck);
const char *mf_checkpoint_config(const mf_checkpoint *ck);

/* MF_OK if the checkpoint was written for cfg (the same configuration text),
 * else MF_EINPUT with a message naming dir. */
mf_status mf_checkpoint_check(const mf_checkpoint *ck, const char *dir, const mf_config *cfg);

/* The integer name into *value; n numbers name into v (exactly n stored).
 * MF_EINPUT with a message when absent or of another length. */
mf_status mf_checkpoint_get_long(const mf_checkpoint *ck, const char *name, long *value);
mf_status mf_checkpoint_get_doubles(const mf_checkpoint *ck, const char *name, double *v, long n);

/* How many numbers name holds (-1 when absent). */
long mf_checkpoint_count(const mf_checkpoint *ck, const char *name);

#endif
