/* config_keys.c -- every configuration key, one table entry each
 * (config_keys.h; the format is docs/configuration.md, generated from this
 * table by docs/configuration_gen.c).
 *
 * A new key is one entry here: config.c parses, range-checks, writes and
 * documents it from the entry, and puts its default into the embedded
 * default configuration.  Sections appear in the order of their first entry,
 * keys in table order; that order is the order of `mfbalance config`, of the
 * default text and of the documentation.
 */
#include "config_keys.h"

#include <limits.h>
#include <math.h>

#define CFG(field) offsetof(mf_config, field)
#define POP(field) offsetof(mf_population, field)

#define POS (MF_KEY_LO_OPEN) /* with .lo = 0, .hi = HUGE_VAL: > 0 */

/* The words of the enum keys are the names of the enum values, in order. */
_Static_assert(MF_GRID_MOVING == 0 && MF_GRID_FIXED == 1, "[grid] method names");
_Static_assert(MF_LINSOL_WOODBURY == 0 && MF_LINSOL_BAND == 1 && MF_LINSOL_DENSE == 2, "[solver] linear names");
_Static_assert(MF_PARTICLES_EXPONENTIAL == 0 && MF_PARTICLES_EULER == 1, "[particles] scheme names");
_Static_assert(MF_INIT_GAUSSIAN == 0 && MF_INIT_UNIFORM == 1, "[pop.NAME] init names");
_Static_assert(MF_NEURON_1D == 0 && MF_NEURON_FHN == 1, "[model] neuron names");
_Static_assert(MF_W_LIMITED == 0 && MF_W_UPWIND == 1, "[grid] w_transport names");
/* refine is read as 3 nzones doubles into zones[]. */
_Static_assert(sizeof(mf_grid_zone) == 3 * sizeof(double), "mf_grid_zone is three doubles");

static const char *check_sigmoid(const double *v, int n, int kind)
{
  (void)n, (void)kind;
  return v[0] >= 0.0 ? NULL : "the amplitude s must be >= 0";
}

static const char *check_init(const double *v, int n, int kind)
{
  if (n != 2 && n != 4) return "expected 2 numbers, or 4 for a FitzHugh-Nagumo neuron (gaussian MV SV MW SW)";
  if (kind == MF_INIT_GAUSSIAN) return v[1] > 0.0 && (n == 2 || v[3] > 0.0) ? NULL : "the sd must be > 0";
  return n == 2 ? (v[0] < v[1] ? NULL : "expected A < B") : "uniform takes 2 numbers 'A B'";
}

static const char *check_zones(const double *v, int n, int kind)
{
  (void)kind;
  for (int z = 0; z + 2 < n; z += 3)
    if (!(v[z + 1] >= 0.0 && v[z + 2] > 0.0)) return "each zone needs half_width >= 0 and cell_size > 0";
  return NULL;
}

const char mf_keys_default_head[] =
    "; mfbalance embedded default: an excitatory and an inhibitory population\n"
    "; with FitzHugh-Nagumo voltage dynamics (frozen recovery); balance at x* = -0.4.\n";

const char mf_keys_default_pops[] =
    "[pop.E]\n"
    "sigma = 0.5\n"
    "f = 0 1 0 -0.33333333333333331\n"
    "reversal = 2\n"
    "sigmoid = 1 4 0\n"
    "g = 1.0 1.5\n"
    "init = gaussian 1 0.5\n"
    "fraction = 0.8\n"
    "\n"
    "[pop.I]\n"
    "sigma = 0.5\n"
    "f = 0 1 0 -0.33333333333333331\n"
    "reversal = -2\n"
    "sigmoid = 1 4 0\n"
    "g = 1.0 1.5\n"
    "init = gaussian -1 0.5\n"
    "fraction = 0.2\n";

const mf_key mf_keys[] = {
    /* [model] */
    {.section = "model", .name = "gamma", .type = MF_KEY_NUMBER, .flags = POS | MF_KEY_INF, .def = "100",
     .lo = 0, .hi = 1e12, .at = CFG(model.gamma),
     .doc = "coupling strength γ; `inf` for the limit problem (`hj` only). At most 1e12, where the s.d. σ/√(2γA) of the "
            "default model is 3e-7; CVODE fails near γ = 1e16 (`hj` near γ = 1e10: use `inf`)"},
    {.section = "model", .name = "neuron", .type = MF_KEY_ENUM, .def = "1d",
     .names = (const char *const[]){"1d", "fhn", NULL}, .at = CFG(model.neuron),
     .doc = "`1d`: one voltage per neuron, dx = f(x) dt + coupling; `fhn`: FitzHugh–Nagumo (v, w), "
            "dv = [f(v) − w + coupling] dt + σ dW, dw = ε(v + a − b w) dt + σ_w dB (docs/fhn.md)"},

    /* [pop.NAME]: one section per population, in order */
    {.section = MF_KEY_POP_SECTION, .name = "sigma", .type = MF_KEY_NUMBER, .flags = MF_KEY_REQUIRED | POS,
     .lo = 0, .hi = HUGE_VAL, .at = POP(sigma), .doc = "noise amplitude σ"},
    {.section = MF_KEY_POP_SECTION, .name = "f", .type = MF_KEY_LIST, .flags = MF_KEY_OPTIONAL, .at = POP(f),
     .min = 4, .max = 4, .noun = "coefficients c0 c1 c2 c3",
     .doc_def = "required with `neuron = 1d`; `fhn`: current + v − v³/3",
     .doc = "intrinsic drift f(x) = c0 + c1 x + c2 x² + c3 x³ (`fhn`: the cubic of f(v) − w; c0 is the current)"},
    {.section = MF_KEY_POP_SECTION, .name = "reversal", .type = MF_KEY_NUMBER, .flags = MF_KEY_REQUIRED,
     .at = POP(reversal), .doc = "reversal potential v of the synapses this population sends"},
    {.section = MF_KEY_POP_SECTION, .name = "sigmoid", .type = MF_KEY_TUPLE, .flags = MF_KEY_REQUIRED,
     .nfields = 3, .fields = {POP(s), POP(k), POP(theta)}, .check = check_sigmoid,
     .value = "3 numbers 's k theta', s >= 0", .doc = "activation S(y) = s/(1 + e^{−k(y−θ)}); k = 0: S = s/2"},
    {.section = MF_KEY_POP_SECTION, .name = "g", .type = MF_KEY_LIST, .flags = MF_KEY_REQUIRED, .at = POP(g),
     .min = MF_KEY_LEN_P, .max = MF_KEY_LEN_P, .lo = 0, .hi = HUGE_VAL, .noun = "weights",
     .doc = "row of the weight matrix: the weights g_pq of the inputs from each population q, in order"},
    {.section = MF_KEY_POP_SECTION, .name = "g_el", .type = MF_KEY_LIST, .flags = MF_KEY_OPTIONAL, .at = POP(g_el),
     .min = MF_KEY_LEN_P, .max = MF_KEY_LEN_P, .lo = 0, .hi = HUGE_VAL, .noun = "weights", .doc_def = "all 0",
     .doc = "row of the electrical (gap-junction) weights g^el_pq from each population q, in order: the drift "
            "−γ Σ_q g^el_pq (x − x̄_q) on this population"},
    {.section = MF_KEY_POP_SECTION, .name = "init", .type = MF_KEY_TUPLE, .flags = MF_KEY_REQUIRED,
     .names = (const char *const[]){"gaussian", "uniform", NULL}, .at = POP(init), .check = check_init, .value = "'gaussian MEAN SD' or 'uniform A B'; fhn: 'gaussian MV SV MW SW'",
     .nfields = 4, .nfields_min = 2, .fields = {POP(init_a), POP(init_b), POP(w.init_mean), POP(w.init_sd)},
     .doc = "initial density, normal or uniform on [A, B]; at least 10⁻⁶ of its mass must lie in the box "
            "[xmin, xmax]; `neuron = fhn`: `gaussian MV SV MW SW`, the product of normals in v and w (each with "
            "10⁻⁶ of its mass in [vmin, vmax], [wmin, wmax])"},
    {.section = MF_KEY_POP_SECTION, .name = "fraction", .type = MF_KEY_NUMBER,
     .flags = MF_KEY_OPTIONAL | MF_KEY_LO_OPEN, .lo = 0, .hi = 1, .at = POP(fraction), .doc_def = "1/P each",
     .doc = "share of the neurons (particle simulations); given for all populations or none, summing to 1"},
    {.section = MF_KEY_POP_SECTION, .name = "current", .type = MF_KEY_NUMBER, .flags = MF_KEY_OPTIONAL | MF_KEY_FHN,
     .at = POP(f), .alt = "f", .doc_def = "0",
     .doc = "applied current I: f(v, w) = I + v − v³/3 − w; replaces `f` (whichever is given later wins; "
            "written as `f`)"},
    {.section = MF_KEY_POP_SECTION, .name = "a", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "0.7",
     .at = POP(w.a), .doc = "recovery offset a in dw = ε(v + a − b w) dt"},
    {.section = MF_KEY_POP_SECTION, .name = "b", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN | POS, .def = "0.8",
     .lo = 0, .hi = HUGE_VAL, .at = POP(w.b), .doc = "recovery decay b in dw = ε(v + a − b w) dt"},
    {.section = MF_KEY_POP_SECTION, .name = "epsilon", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN | POS,
     .def = "0.08", .lo = 0, .hi = HUGE_VAL, .at = POP(w.epsilon), .doc = "recovery rate ε"},
    {.section = MF_KEY_POP_SECTION, .name = "sigma_w", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "0",
     .lo = 0, .hi = HUGE_VAL, .at = POP(w.sigma_w),
     .doc = "noise amplitude σ_w on w; 0: pure transport in w (hypoelliptic), fluxes by `grid.w_transport`"},

    /* [grid] */
    {.section = "grid", .name = "method", .type = MF_KEY_ENUM, .def = "moving",
     .names = (const char *const[]){"moving", "fixed", NULL}, .at = CFG(grid_method),
     .doc = "`moving`: one affine frame per population that follows its mean and s.d., `moving_cells` cells over "
            "±`moving_halfwidth` s.d.; `fixed`: the grid given by the keys below (`fhn`: the box [`vmin`, `vmax`] × "
            "[`wmin`, `wmax`] of `cells_v` × `cells_w` uniform cells, docs/fhn.md)"},
    {.section = "grid", .name = "moving_cells", .type = MF_KEY_INT, .flags = MF_KEY_1D, .def = "200", .ilo = MF_GRID_MIN_CELLS,
     .ihi = 100000000L, .at = CFG(moving_cells), .doc = "cells of each population's moving frame"},
    {.section = "grid", .name = "moving_halfwidth", .type = MF_KEY_NUMBER, .flags = POS, .def = "10", .lo = 0,
     .hi = 40, .at = CFG(moving_halfwidth), .doc = "half-width of a moving frame, in s.d. of its population (`fhn`: in s.d. of v and of w)"},
    {.section = "grid", .name = "xmin", .type = MF_KEY_NUMBER, .flags = MF_KEY_1D, .def = "-4", .at = CFG(xmin), .alt = "file",
     .doc = "left wall of the uniform grid (the box is [xmin, xmax] for every method)"},
    {.section = "grid", .name = "xmax", .type = MF_KEY_NUMBER, .flags = MF_KEY_1D, .def = "4", .at = CFG(xmax), .alt = "file",
     .doc = "right wall of the uniform grid, > xmin"},
    {.section = "grid", .name = "cells", .type = MF_KEY_INT, .flags = MF_KEY_1D, .def = "2000", .ilo = MF_GRID_MIN_CELLS,
     .ihi = 100000000L, .at = CFG(cells), .alt = "file", .implies = "method=fixed",
     .doc = "cells of the uniform grid"},
    {.section = "grid", .name = "file", .type = MF_KEY_PATH, .flags = MF_KEY_OPTIONAL | MF_KEY_1D, .at = CFG(grid_file),
     .implies = "method=fixed", .value = "the path of a file of cell faces", .doc_def = "—",
     .doc = "cell faces, one number per line (`#` comments), strictly increasing, lines of at most 4096 "
            "characters; replaces xmin/xmax/cells, whichever is given later wins; relative to the current "
            "directory"},
    {.section = "grid", .name = "refine", .type = MF_KEY_LIST, .flags = MF_KEY_OPTIONAL | MF_KEY_1D, .at = CFG(zones),
     .count = CFG(nzones), .min = 0, .max = MF_GRID_MAX_ZONES, .group = 3, .check = check_zones,
     .implies = "method=fixed", .noun = "triples 'centre half_width cell_size'", .doc_def = "none",
     .doc = "zones of the uniform grid with cells no wider than cell_size, growing by 5% of the distance "
            "outside them, up to (xmax − xmin)/cells"},
    {.section = "grid", .name = "cells_v", .type = MF_KEY_INT, .flags = MF_KEY_FHN, .def = "80",
     .ilo = MF_GRID_MIN_CELLS, .ihi = 100000, .at = CFG(cells_v),
     .doc = "cells in v of each population's moving (v, w) frame (over ±`moving_halfwidth` s.d. of v), or of the "
            "fixed box"},
    {.section = "grid", .name = "cells_w", .type = MF_KEY_INT, .flags = MF_KEY_FHN, .def = "40",
     .ilo = MF_GRID_MIN_CELLS, .ihi = 100000, .at = CFG(cells_w),
     .doc = "cells in w of each population's moving (v, w) frame (over ±`moving_halfwidth` s.d. of w), or of the "
            "fixed box"},
    {.section = "grid", .name = "w_transport", .type = MF_KEY_ENUM, .flags = MF_KEY_FHN, .def = "limited",
     .names = (const char *const[]){"limited", "upwind", NULL}, .at = CFG(w_transport),
     .doc = "w-fluxes of populations with `sigma_w = 0`: `limited`, upwinding of a van Albada-limited linear "
            "reconstruction (second order); `upwind`, first order, whose numerical diffusion widens s.d.(w) "
            "(docs/fhn.md)"},
    {.section = "grid", .name = "vmin", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "-3", .at = CFG(vmin),
     .doc = "the box [vmin, vmax] × [wmin, wmax] of the (v, w) model: it must hold 10⁻⁶ of each initial mass, "
            "`run` warns when the deterministic flow does not leave it invariant and fails when a mean leaves it; "
            "the moving frames are not clipped to it, `method = fixed` puts its cells on it (docs/fhn.md)"},
    {.section = "grid", .name = "vmax", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "3", .at = CFG(vmax),
     .doc = "right wall of the (v, w) box, > vmin"},
    {.section = "grid", .name = "wmin", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "-3", .at = CFG(wmin),
     .doc = "lower wall of the (v, w) box"},
    {.section = "grid", .name = "wmax", .type = MF_KEY_NUMBER, .flags = MF_KEY_FHN, .def = "5", .at = CFG(wmax),
     .doc = "upper wall of the (v, w) box, > wmin"},

    /* [time] */
    {.section = "time", .name = "t_end", .type = MF_KEY_NUMBER, .flags = POS, .def = "5", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(t_end), .doc = "final time"},
    {.section = "time", .name = "output_dt", .type = MF_KEY_NUMBER, .flags = POS, .def = "0.05", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(output_dt), .doc = "spacing of the rows of `observables.csv`"},
    {.section = "time", .name = "snapshots", .type = MF_KEY_LIST, .flags = MF_KEY_INCREASING,
     .def = "0 0.05 0.2 1 5", .lo = 0, .hi = HUGE_VAL, .at = CFG(snapshots), .count = CFG(nsnapshots), .min = 0,
     .max = MF_MAX_SNAPSHOTS, .noun = "snapshot times",
     .doc = "times of the density snapshots, in [0, t_end]; the default's times after a shorter t_end are "
            "dropped"},
    {.section = "time", .name = "rtol", .type = MF_KEY_NUMBER, .flags = MF_KEY_LO_OPEN | MF_KEY_HI_OPEN,
     .def = "1e-6", .lo = 0, .hi = 1, .at = CFG(integ.rtol), .doc = "CVODE relative tolerance"},
    {.section = "time", .name = "atol", .type = MF_KEY_NUMBER, .flags = POS, .def = "1e-8", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(integ.atol), .doc = "CVODE absolute tolerance on the density"},

    /* [solver] */
    {.section = "solver", .name = "linear", .type = MF_KEY_ENUM, .def = "woodbury",
     .names = (const char *const[]){"woodbury", "band", "dense", NULL}, .at = CFG(integ.linsol),
     .doc = "Newton linear solver: `woodbury` (exact, O(N P)), `band` (nonlocal part left out), `dense` "
            "(≤ 6000 unknowns)"},
    {.section = "solver", .name = "max_steps", .type = MF_KEY_LONG, .def = "100000", .ilo = 1, .ihi = LONG_MAX,
     .at = CFG(integ.max_steps), .doc = "most internal steps between two output times"},

    /* [sweep] */
    /* [output] */
    {.section = "output", .name = "format", .type = MF_KEY_ENUM, .def = "csv",
     .names = (const char *const[]){"csv", "hdf5", NULL}, .at = CFG(output_format),
     .doc = "`csv`: observables.csv and density.csv; `hdf5`: one results.h5 with the configuration, the "
            "observables and every snapshot's cells and densities (`run`, `particles`)"},
    {.section = "output", .name = "checkpoint_every", .type = MF_KEY_NUMBER, .def = "600", .lo = 0, .hi = HUGE_VAL,
     .at = CFG(checkpoint_every),
     .doc = "seconds of wall time between checkpoints of `run`, `particles`, `sweep`, `hj` and `compare` (and one at "
            "SIGINT or SIGTERM), for `mfbalance resume DIR`; 0: none, and `run` and `hj` then integrate across "
            "output times without restarting CVODE (docs/checkpoint.md)"},

    /* [converge] */
    {.section = "converge", .name = "cells", .type = MF_KEY_LIST, .def = "",
     .flags = MF_KEY_WHOLE | MF_KEY_INCREASING, .lo = MF_GRID_MIN_CELLS, .hi = 1e8, .at = CFG(converge.cells),
     .count = CFG(converge.ncells), .min = 0, .max = MF_CONVERGE_MAX, .noun = "cell counts",
     .doc = "cell counts of the space study of `mfbalance converge` (`--cells` sets them too); empty: the "
            "configured count times 1/4, 1/2, 1, 2, 4"},
    {.section = "converge", .name = "rtol", .type = MF_KEY_LIST, .def = "", .flags = MF_KEY_LO_OPEN | MF_KEY_HI_OPEN,
     .lo = 0, .hi = 0.1, .at = CFG(converge.rtols), .count = CFG(converge.nrtols), .min = 0,
     .max = MF_CONVERGE_MAX, .noun = "tolerances",
     .doc = "tolerances of the time study of `mfbalance converge` (`--rtol` sets them too); empty: "
            "the configured rtol times 100, 10, 1, 0.1, 0.01 (`--solver hj`: [hj] rtol times 100, 10, 1, 0.1)"},
    {.section = "converge", .name = "solver", .type = MF_KEY_ENUM, .def = "fv",
     .names = (const char *const[]){"fv", "hj", NULL}, .at = CFG(converge.solver),
     .doc = "the solver `mfbalance converge` studies (`--solver` sets it too): `fv`, the finite volumes of `run`; "
            "`hj`, the Hopf–Cole solver of `hj` on the uniform grid `cells`, at the fast times of [hj]"},
    {.section = "sweep", .name = "gammas", .type = MF_KEY_LIST, .def = "100 300 1000 3000 10000",
     .flags = MF_KEY_LO_OPEN, .lo = 0, .hi = 1e12, .at = CFG(sweep.gammas), .count = CFG(sweep.ngammas),
     .min = 1, .max = MF_SWEEP_MAX_GAMMAS, .noun = "coupling strengths",
     .doc = "coupling strengths of `mfbalance sweep` (`--gamma` sets them too)"},
    {.section = "sweep", .name = "stationary_tol", .type = MF_KEY_NUMBER, .flags = POS, .def = "1e-7", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(sweep.stationary_tol), .doc = "stop when ‖∂t ρ‖₁ / γ is below this"},
    {.section = "sweep", .name = "collapse_radius", .type = MF_KEY_NUMBER, .flags = POS, .def = "0.05", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(sweep.collapse_radius),
     .doc = "the collapse time is the first t with \\|mean_p − x*_p\\| below this for all p"},
    {.section = "sweep", .name = "refine", .type = MF_KEY_BOOL, .def = "auto",
     .names = (const char *const[]){"auto", "off", NULL}, .at = CFG(sweep.refine),
     .doc = "`auto`: refine the uniform grid around the attracting balance points"},
    {.section = "sweep", .name = "cells_per_sd", .type = MF_KEY_NUMBER, .def = "25", .lo = 1, .hi = HUGE_VAL,
     .at = CFG(sweep.cells_per_sd), .doc = "cells per predicted s.d. σ/√(2γA*) when refining"},

    /* [particles] */
    {.section = "particles", .name = "n", .type = MF_KEY_LONG, .def = "100000", .ilo = 1, .ihi = 1L << 40,
     .at = CFG(particles.n), .doc = "neurons in all"},
    {.section = "particles", .name = "dt", .type = MF_KEY_NUMBER, .flags = POS, .def = "0.001", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(particles.dt), .doc = "time step"},
    {.section = "particles", .name = "seed", .type = MF_KEY_UINT64, .def = "1", .at = CFG(particles.seed),
     .doc = "Philox key"},
    {.section = "particles", .name = "scheme", .type = MF_KEY_ENUM, .def = "exponential",
     .names = (const char *const[]){"exponential", "euler", NULL}, .at = CFG(particles.scheme),
     .doc = "`exponential` (exact linear part) or `euler` (Euler–Maruyama)"},
    {.section = "particles", .name = "threads", .type = MF_KEY_INT, .def = "0", .ilo = 0, .ihi = 1024,
     .at = CFG(particles.threads), .doc = "OpenMP threads, 0 for the OpenMP default"},
    {.section = "particles", .name = "dump", .type = MF_KEY_BOOL, .def = "false",
     .names = (const char *const[]){"true", "false", NULL}, .at = CFG(particles_dump),
     .doc = "`true`: write `voltages.csv` at t_end"},

    /* [compare] */
    {.section = "compare", .name = "n", .type = MF_KEY_LIST, .flags = MF_KEY_WHOLE,
     .def = "1000 10000 100000 1000000", .lo = 1, .hi = 1e12, .at = CFG(compare_n), .count = CFG(ncompare),
     .min = 1, .max = MF_SWEEP_MAX_GAMMAS, .noun = "network sizes",
     .doc = "network sizes of `compare` and `doublelimit` (`--n` sets them)"},
    {.section = "compare", .name = "replicas", .type = MF_KEY_INT, .def = "16", .ilo = 1, .ihi = 10000,
     .at = CFG(compare_replicas), .doc = "most networks averaged per size in `compare` (⌈10⁶/n⌉ at most)"},

    /* [hj] */
    {.section = "hj", .name = "tau_end", .type = MF_KEY_NUMBER, .flags = POS, .def = "10", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(hj_tau_end), .doc = "final fast time τ = γt of `hj` and `flow`"},
    {.section = "hj", .name = "output_dtau", .type = MF_KEY_NUMBER, .flags = POS, .def = "0.05", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(hj_output_dtau), .doc = "spacing of the rows of `hj.csv` and `flow.csv`"},
    {.section = "hj", .name = "snapshots", .type = MF_KEY_LIST, .def = "0 1 10", .at = CFG(hj_snapshots),
     .count = CFG(hj_nsnapshots), .min = 0, .max = MF_MAX_SNAPSHOTS, .noun = "fast times",
     .doc = "fast times of the snapshots of u"},
    {.section = "hj", .name = "rtol", .type = MF_KEY_NUMBER, .flags = MF_KEY_LO_OPEN | MF_KEY_HI_OPEN,
     .def = "1e-9", .lo = 0, .hi = 1, .at = CFG(hj_rtol),
     .doc = "CVODE relative tolerance of the Hopf–Cole solver"},
    {.section = "hj", .name = "atol", .type = MF_KEY_NUMBER, .flags = POS, .def = "1e-12", .lo = 0,
     .hi = HUGE_VAL, .at = CFG(hj_atol), .doc = "CVODE absolute tolerance of the Hopf–Cole solver"},
};

const int mf_nkeys = (int)(sizeof mf_keys / sizeof mf_keys[0]);
