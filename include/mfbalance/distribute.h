/* distribute.h -- the ranks of a run over several processes (MPI; docs/scaling.md).
 *
 * `mpirun -n R mfbalance particles ...` runs R copies of the program: each
 * holds a contiguous share of every population's blocks of neurons
 * (particles.h, mf_particles_create_share) and the network's sums are
 * exact sums (exactsum.h) added over the ranks, so the results are the same
 * bits for any R.  `sweep`, `compare` and `doublelimit` deal their
 * independent runs to the ranks; rank 0 writes every file.
 *
 * Built without MPI (meson -Dmpi=disabled, or no MPI found), or started
 * without a launcher (mpirun, srun), there is one rank and every function
 * here is a serial no-op, so the program and the library behave exactly as
 * before.  Only the calling thread uses MPI (MPI_THREAD_FUNNELED): the
 * OpenMP threads never call into it.
 *
 * The collectives below must be called by every rank, in the same order.
 * They return MF_OK, or MF_EBUG with a message when MPI reports an error
 * (MPI's default handler aborts the job before that, normally).
 */
#ifndef MFBALANCE_DISTRIBUTE_H
#define MFBALANCE_DISTRIBUTE_H

#include "mfbalance/exactsum.h"
#include "mfbalance/status.h"

#include <stddef.h>

/* Starts MPI when the program was started by an MPI launcher (Open MPI's
 * OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK or PMI's PMI_RANK is set) and the
 * library was built with MPI; otherwise does nothing (one rank).  Call once,
 * from main, before anything else here. */
mf_status mf_dist_init(int *argc, char ***argv);

/* Ends MPI if mf_dist_init started it. */
void mf_dist_finalize(void);

/* 1 when the library was built with MPI, else 0. */
int mf_dist_available(void);

/* This process's rank in [0, size) and the number of ranks (0 and 1 when MPI is not running). */
int mf_dist_rank(void);
int mf_dist_size(void);

/* How many of the ranks run on this machine (its shared-memory node), this one included: 1 without MPI. */
int mf_dist_node_size(void);

/* s[k] (k < count) becomes the sum of every rank's s[k] (each first carried,
 * mf_exactsum_normalize), identical on all ranks; *any (if not NULL)
 * becomes 1 on every rank when it was nonzero on some rank.  One
 * MPI_Allreduce of count * MF_EXACTSUM_WORDS + 1 integers. */
mf_status mf_dist_sum_exact(mf_exactsum *s, int count, int *any);

/* v[k] (k < count) becomes the sum over the ranks of v[k].  Exact, hence
 * the same for any number of ranks, only when every partial sum is an
 * integer below 2^53 (counts: histograms of neurons). */
mf_status mf_dist_sum_counts(double *v, long count);

/* 1 on every rank if flag is nonzero on some rank (an interruption seen by
 * one rank stops them all at the same point). */
int mf_dist_any(int flag);

/* The status of the lowest rank that failed (MF_OK if none), on every rank,
 * with that rank's message recorded on all (so that rank 0 prints it). */
mf_status mf_dist_agree(mf_status status);

/* Rank `from`'s status, with its message, on every rank. */
mf_status mf_dist_share(int from, mf_status status);

/* Rank 0's status, with its message, on every rank (after work that only rank 0 does: files). */
mf_status mf_dist_from_root(mf_status status);

/* Point to point between rank `from` and rank 0: on rank `from` sends the
 * len bytes of buf, on rank 0 receives them into buf (other ranks: no-op).
 * Large messages are sent in pieces. */
mf_status mf_dist_to_root(void *buf, size_t len, int from);

/* Independent units of work dealt to the ranks: unit u (0 <= u < count)
 * runs on rank u mod R as work(u, results + u size, ctx), returning its
 * status; after a failed unit a rank runs no more.  Rank 0 then receives
 * every unit's result and calls emit(u, result, status, ctx) for the units
 * in order up to and including the first that failed (emit may be NULL).
 * With one rank each unit is emitted as soon as it is done, so output
 * streams as before.  Returns, on every rank, the status of the first
 * failed unit in unit order (with its message; MF_OK if none), and in
 * *kept how many units precede it (count if none failed). */
mf_status mf_dist_deal(int count, size_t size, void *results, mf_status (*work)(int u, void *result, void *ctx),
                       void (*emit)(int u, const void *result, mf_status status, void *ctx), void *ctx, int *kept);

#endif
