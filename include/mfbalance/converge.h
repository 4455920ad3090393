/* converge.h -- the convergence study of a configuration: `mfbalance converge`
 * (docs/convergence.md).
 *
 * Space: the configured model and discretisation on a sequence of cell
 * counts (moving: cells per frame; fixed: uniform cells on the box), each
 * integrated with a tolerance far below its space error.  At every snapshot
 * time the density (L1 and L-infinity of cell masses, W1), the mean, s.d.
 * and activity m of each population are compared with a reference:
 *   - the exact Gaussian solution when the model is linear (every S
 *     constant and every f affine, MODEL.md section 5);
 *   - otherwise, for the scalars, Richardson extrapolation from the three
 *     finest grids (with the order they show), and for the density the
 *     next finer grid (the difference of successive grids shrinks at the
 *     scheme's order; the finest grid has no entry).
 * Observed orders between successive grids and a least-squares order over
 * all of them are reported.
 *
 * Time: the configured grid with each rtol of a list (atol = rtol / 100),
 * against the same grid at a tolerance 100 times below the smallest: the
 * time error alone.  With the space error of the configured grid this says
 * which dominates at the configured settings.
 *
 * Each run also records the largest cell Peclet number |delta| its fluxes
 * met (integrator stats), with the regime it implies.
 *
 * With solver = MF_CONVERGE_HJ the same study is made of the Hopf-Cole
 * solver (hj.h) on the uniform grid xmin/xmax/cells, on the fast time tau
 * of [hj] (snapshots, tolerances): errors of the argmax of u and of u
 * itself, against the exact quadratic u for the linear model at gamma =
 * inf, otherwise against Richardson extrapolation from the three finest
 * grids (docs/convergence.md).
 */
#ifndef MFBALANCE_CONVERGE_H
#define MFBALANCE_CONVERGE_H

#include "mfbalance/model.h"

#define MF_CONVERGE_MAX 16 /* most grids or tolerances in one study */

/* The solver a study measures. */
typedef enum {
  MF_CONVERGE_FV, /* the finite-volume solver of `run` */
  MF_CONVERGE_HJ  /* the Hopf-Cole solver of `hj` (converge_hj.c) */
} mf_converge_solver;

/* [converge] of the configuration (`--cells` and `--rtol` set them too). */
typedef struct {
  int ncells;                   /* 0: the configured cell count times 1/4, 1/2, 1, 2, 4; the
                                   configured count, and one grid finer, are always added */
  long cells[MF_CONVERGE_MAX];  /* increasing */
  int nrtols;                   /* 0: the configured rtol times 100, 10, 1, 0.1, 0.01 */
  double rtols[MF_CONVERGE_MAX]; /* decreasing */
  mf_converge_solver solver;    /* `--solver`: which solver is studied */
} mf_converge_opts;

/* 1 if the model is the linear case of MODEL.md section 5 (exact reference). */
int mf_converge_model_is_linear(const mf_model *model);

#endif
