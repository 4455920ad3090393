/* converge_internal.h -- helpers shared by the two convergence studies
 * (converge.c: finite volumes; converge_hj.c: Hopf-Cole).  Internal: not
 * exported (src/libmfbalance.map). */
#ifndef MFBALANCE_CONVERGE_INTERNAL_H
#define MFBALANCE_CONVERGE_INTERNAL_H

#include "mfbalance/output.h"
#include "mfbalance/run.h"

#include <stdio.h>

/* Errors below this multiple of the integration tolerance are the time
 * integration's, not the grid's: no order is taken from them. */
#define CONVERGE_NOISE_FACTOR 100.0

/* Richardson extrapolation of v1, v2, v3 on grids refined by ratios r12, r23
 * (cells2/cells1, cells3/cells2): the limit, and the order shown.  Falls
 * back to v3 (order NaN) when the differences do not shrink geometrically. */
double converge_richardson(double v1, double v2, double v3, double r12, double r23, double *order);

/* v (length n, increasing) with `must` inserted, sorted, without repeats,
 * into out (length n + 1); returns the new length. */
int converge_with_int(const long *v, int n, int must, int *out);

/* The same for decreasing tolerances. */
int converge_with_double(const double *v, int n, double must, double *out);

/* The least-squares order of error ~ c cells^-order through the m points
 * (cells x, errors y), with its "space" row of converge_fit.csv written to
 * fits; NaN, and no row, with fewer than two points or no fit. */
double converge_space_order(FILE *fits, const char *quantity, const double *x, const double *y, int m);

/* "  least-squares order: NAME ORDER ..." on out, NaN orders said to be at
 * the tolerance's level; no newline. */
void converge_print_orders(FILE *out, const char *const *names, const double *order, int n);

/* The output directory of a study prepared (config.ini saved) and its
 * converge.csv opened with the header both studies write. */
mf_status converge_open_rows(const mf_config *cfg, const mf_run_opts *opts, mf_outfile *rows);

/* The study of the Hopf-Cole solver (converge_hj.c), called by
 * mf_converge_job when cfg->converge.solver is MF_CONVERGE_HJ. */
mf_status converge_hj_job(const mf_config *cfg, const mf_run_opts *opts);

#endif
