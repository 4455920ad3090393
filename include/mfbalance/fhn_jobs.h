/* fhn_jobs.h -- the jobs of FitzHugh-Nagumo models (docs/fhn.md), for
 * cfg->model.neuron == MF_NEURON_FHN.
 *
 * limit.csv (both jobs): t, then per population P
 *     v_P, w_P        the limit trajectory (fhn_limit.h): x*_p and the slow wbar_p,
 *                     or the synchronous FitzHugh-Nagumo state (c, wbar_p);
 *     delta_P         the offset coefficient, vbar = x* + delta / gamma (NaN: synchronous);
 *     vpred_P         x*_p + delta_p / gamma at the model's gamma (c: synchronous);
 *     sdv_P           sigma_p / sqrt(2 (gamma A_p - f_p'(v_P))) at the limit's A_p.
 * The limit is the balance one about the attracting balance point nearest
 * the initial voltage means (in [vmin, vmax]^P), or the synchronous one
 * when the coupling is electrical alone. */
#ifndef MFBALANCE_FHN_JOBS_H
#define MFBALANCE_FHN_JOBS_H

#include "mfbalance/config.h"
#include "mfbalance/fhn_limit.h"
#include "mfbalance/run.h"

/* The network (particles_fhn.h) from 0 to t_end: observables.csv (t, per
 * population mean_v_P, sd_v_P, mean_w_P, sd_w_P, m_P, A_P, V_P every
 * output_dt and at the snapshots), limit.csv at the same times,
 * summary.csv (final observables, x*, w*, scheme, steps, wall time,
 * neuron-steps per second, status) and config.ini.  On a failure what was
 * computed is written. */
mf_status mf_fhn_particles_job(const mf_config *cfg, const mf_run_opts *opts);

/* The gamma sweep of the network: for every gamma of cfg->sweep, the network
 * (cfg->particles, dt lowered to 0.25 / (gamma max_p A_p) when larger) to
 * t_end against the limit there; fhn_sweep.csv (gamma, population,
 * neurons, dt, t, v_limit, v_pred = x* + delta/gamma, mean_v, err_v =
 * |mean_v - v_limit|, err_v_pred, sd_v, sd_v_pred = sigma / sqrt(2 (gamma A
 * - f'(mean_v))) with the network's A, their ratio, w_limit, mean_w, err_w,
 * sd_w, steps, wall_seconds), fhn_sweep_fit.csv (power laws in gamma of
 * err_v, sd_v, err_w, sd_w per population) and config.ini. */
mf_status mf_fhn_sweep_job(const mf_config *cfg, const mf_run_opts *opts);

/* limit.csv every output_dt to t_end, and config.ini. */
mf_status mf_fhn_limit_job(const mf_config *cfg, const mf_run_opts *opts);

/* The limit of cfg's model from its initial means (see above). */
mf_status mf_fhn_limit_start(const mf_config *cfg, mf_fhn_limit *lim);

#endif
