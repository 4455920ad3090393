/* compare_internal.h -- the state the compare job (compare.c) shares with
 * its FitzHugh-Nagumo half (compare_fhn.c).  Internal: not exported
 * (src/libmfbalance.map).
 *
 * The driver in compare.c is the same for both kinds of neuron: the PDE
 * once, kept at every output time, then the networks of every n and replica
 * dealt to the ranks as units (distribute.h, mf_dist_deal); what a network
 * measures and how rank 0 writes it is the kind's own. */
#ifndef MFBALANCE_COMPARE_INTERNAL_H
#define MFBALANCE_COMPARE_INTERNAL_H

#include "mfbalance/config.h"
#include "mfbalance/frame2d.h"
#include "mfbalance/grid.h"
#include "mfbalance/observables.h"
#include "mfbalance/output.h"
#include "mfbalance/particles.h"
#include "mfbalance/run.h"

#include <stddef.h>
#include <stdio.h>

/* The four quantities of a FitzHugh-Nagumo comparison, in this order. */
#define COMPARE_FHN_QUANTITIES 4

/* From this many networks per n on, a FitzHugh-Nagumo comparison takes its
 * standard errors from their spread, which holds whatever correlates the
 * neurons; with fewer, from the i.i.d. formulas within each network. */
#define COMPARE_FHN_REPLICAS_FOR_SE 10

/* The PDE's density of one population at one time, on its own cells. */
typedef struct {
  mf_grid *grid;
  double *rho;
} compare_density;

/* The largest |network - PDE| / SE of one quantity, and where. */
typedef struct {
  double z;   /* NaN once a standard error was 0 or not finite; -1 before any */
  double t;
  long n;
  int p;
} compare_zmax;

typedef struct {
  const mf_config *cfg;
  const mf_run_opts *opts;
  const mf_grid *grid;
  const double *times;
  int nt;
  int *unit_k, *unit_r;      /* network u is replica unit_r[u] of size compare_n[unit_k[u]] */
  FILE *rows;                /* compare.csv (rank 0) */
  /* One-dimensional neurons (compare.c) */
  const compare_density *pde;          /* nt x P */
  const mf_pop_observables *pde_obs;   /* nt x MF_MAX_POPS */
  double *density, *buf;     /* workspaces: P x cells, the largest n */
  double sum[MF_MAX_POPS], sum2[MF_MAX_POPS], late[MF_MAX_POPS]; /* over the replicas of the current n */
  long nlate[MF_MAX_POPS];
  double *w1_end;            /* per n and population: W1 averaged over the late times and the replicas */
  /* FitzHugh-Nagumo neurons (compare_fhn.c) */
  const mf_moments2d *pde2d; /* nt x P: the PDE's moments */
  double *acc;               /* nt x P x 4 quantities x 4 over the networks of the current n: the first
                                network's value (a shift), the sums of the differences to it and of
                                their squares, the sum of the i.i.d. variances */
  int *reached;              /* nt: how many networks of the current n reached each time */
  FILE *summary;             /* compare_summary.csv (rank 0) */
  compare_zmax zmax[COMPARE_FHN_QUANTITIES];     /* over every n, population and snapshot time */
  compare_zmax zmax_all[COMPARE_FHN_QUANTITIES]; /* over every n, population and output time */
  /* Checkpoints (one-dimensional neurons in one process; docs/checkpoint.md) */
  mf_outfile *rows_file;     /* compare.csv, whose bytes a checkpoint records */
  int first, units;          /* the first network dealt (resuming: the first unfinished), how many in all */
  int checkpoints;           /* 1 when checkpoints are written */
  double last_checkpoint;    /* mf_checkpoint_due's clock */
  mf_status saved;           /* MF_EIO when the checkpoint at an interruption could not be written */
} compare_ctx;

/* R(n_k) = min(compare.replicas, ceil(10^6 / n_k)) networks of each size. */
int compare_replicas(const mf_config *cfg, int k);

/* The options of network u: compare_n[unit_k[u]] neurons, seed particles.seed + unit_r[u]. */
mf_particle_opts compare_network_opts(const compare_ctx *c, int u);

/* FitzHugh-Nagumo (compare_fhn.c). */

/* Bytes of one network's result over nt times and P populations. */
size_t compare_fhn_result_size(int nt, int P);

/* The headers of compare.csv and compare_summary.csv (either may be NULL), and of the log table. */
void compare_fhn_headers(const compare_ctx *c, const char *method, int cells_v, int cells_w);

/* Network u to every comparison time (mf_dist_deal's work). */
mf_status compare_fhn_network(int u, void *result, void *ctx);

/* Rank 0: network u into the sums of its n; after its last replica (or a
 * failure) the rows of that n (mf_dist_deal's emit). */
void compare_fhn_emit(int u, const void *result, mf_status status, void *ctx);

/* The log's closing lines: the largest |difference| / SE per quantity, at
 * the snapshot times and at every output time. */
void compare_fhn_report(const compare_ctx *c);

#endif
