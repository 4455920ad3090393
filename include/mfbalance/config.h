/* config.h -- the run configuration: model, grid, time stepping and solver.
 *
 * Read from an INI file (or the embedded default) and `section.key=value`
 * overrides; every value is checked before any work is done, and a bad one
 * is reported with its origin ("run.ini:12", "override 'pop.E.sigma=-1'")
 * and what was expected.  The format is documented in docs/configuration.md;
 * mf_config_write prints a configuration that mf_config_load reads back to
 * the same values.
 */
#ifndef MFBALANCE_CONFIG_H
#define MFBALANCE_CONFIG_H

#include "mfbalance/converge.h"
#include "mfbalance/frame2d.h"
#include "mfbalance/grid.h"
#include "mfbalance/integrator.h"
#include "mfbalance/model.h"
#include "mfbalance/output.h"
#include "mfbalance/particles.h"
#include "mfbalance/status.h"
#include "mfbalance/sweep.h"

#include <stdio.h>

typedef enum { MF_GRID_MOVING, MF_GRID_FIXED } mf_grid_method;

#define MF_MAX_SNAPSHOTS 64 /* most density snapshot times */
#define MF_PATH_LEN 1024    /* longest file path kept */

#define MF_CONFIG_MAX_LINE 4096           /* longest line of a configuration or grid file, in characters */
#define MF_CONFIG_MAX_BYTES (4 << 20)     /* largest configuration file, in bytes */
#define MF_GRID_MAX_FILE_CELLS 100000000  /* most cells of a grid file */
#define MF_CONFIG_MIN_MASS 1e-6           /* least mass of an initial density inside the box */

typedef struct mf_config {
  mf_model model;

  /* [grid]: the discretisation.  moving: one affine frame per population
   * (frame.h), moving_cells cells over +-moving_halfwidth s.d.; fixed: the
   * uniform xmin..xmax with `cells` cells (optionally refined), or the faces
   * in grid_file.  xmin, xmax (or the file's ends) are the walls either way. */
  mf_grid_method grid_method;
  int moving_cells;        /* cells of each population's frame, >= 8 */
  double moving_halfwidth; /* half-width of a frame, in s.d. of its population, > 0 */
  double xmin, xmax;
  int cells;
  char grid_file[MF_PATH_LEN]; /* "" for a uniform grid */
  int nzones;                  /* refinement zones of the uniform grid, 0: none */
  mf_grid_zone zones[MF_GRID_MAX_ZONES];
  /* [grid] for neuron = fhn: (v, w) moving frames of cells_v x cells_w cells
   * (frame2d.h), their w-transport when sigma_w = 0, and the box of the
   * model (docs/fhn.md). */
  int cells_v, cells_w;
  mf_w_transport w_transport;
  double vmin, vmax, wmin, wmax;

  /* [time] */
  double t_end;      /* final time, > 0 */
  double output_dt;  /* spacing of the rows of observables.csv, > 0 */
  int nsnapshots;    /* number of density snapshot times */
  double snapshots[MF_MAX_SNAPSHOTS]; /* increasing, in [0, t_end] */

  /* [time] tolerances and [solver] */
  mf_integrator_opts integ;

  /* [sweep] */
  mf_sweep_opts sweep;

  /* [particles] */
  mf_particle_opts particles;
  int particles_dump; /* write the voltages at t_end (voltages.csv) */

  /* [output] */
  mf_output_format output_format; /* observables and densities as CSV files or one HDF5 file */
  double checkpoint_every;        /* seconds of wall time between checkpoints (checkpoint.h); 0: none */

  /* [converge]: the grids and tolerances of `mfbalance converge` */
  mf_converge_opts converge;

  /* [compare]: network sizes of `compare` and `doublelimit` */
  int ncompare;
  long compare_n[MF_SWEEP_MAX_GAMMAS];
  int compare_replicas; /* most independent runs averaged per n (seeds seed, seed+1, ...) */

  /* [hj]: the Hopf-Cole solver and the early-behaviour flow, on tau = gamma t */
  double hj_tau_end;     /* final fast time */
  double hj_output_dtau; /* spacing of the rows of hj.csv and flow.csv */
  double hj_rtol, hj_atol; /* CVODE tolerances of the Hopf-Cole solver (u is O(1)) */
  int hj_nsnapshots;
  double hj_snapshots[MF_MAX_SNAPSHOTS]; /* fast times of the u snapshots */
} mf_config;

/* The embedded default configuration, as INI text: the defaults of the key
 * table and the default populations.  Built on the first call; NULL only
 * if that runs out of memory. */
const char *mf_config_default_ini(void);

/* Load path (NULL: the embedded default), then apply the n overrides
 * `section.key=value` in order, and check everything.  A file replaces the
 * default's populations when it has any [pop.*] section; its other keys
 * replace the default's one by one.  Returns MF_OK; MF_EINPUT with a message
 * naming the file and line or the override (also when path cannot be
 * opened, holds a NUL byte, a line longer than MF_CONFIG_MAX_LINE
 * characters or more than MF_CONFIG_MAX_BYTES bytes, or when an initial
 * density has less than MF_CONFIG_MIN_MASS inside [xmin, xmax]); MF_EIO when
 * reading path fails (a directory, an I/O error); MF_ENOMEM. */
mf_status mf_config_load(mf_config *cfg, const char *path, int n, char *const *overrides);

/* Print cfg as INI that mf_config_load accepts back (every number with 17
 * significant digits).  Returns MF_OK or MF_EIO. */
mf_status mf_config_write(const mf_config *cfg, FILE *out);

/* cfg as the INI text mf_config_write prints, in a new string (the caller
 * frees it); NULL (with a message) if memory runs out. */
char *mf_config_text(const mf_config *cfg);

/* Write cfg as DIR/config.ini (written under a temporary name, then renamed). */
mf_status mf_config_save(const mf_config *cfg, const char *dir);

/* The grid of cfg: uniform, or the faces read from cfg->grid_file (errors
 * name the file and line; lines of at most MF_CONFIG_MAX_LINE characters,
 * at most MF_GRID_MAX_FILE_CELLS cells).  With a grid file, an initial
 * density with less than MF_CONFIG_MIN_MASS inside the file's box is
 * refused here, since only now is the box known.  NULL with a message
 * (MF_EINPUT, MF_EIO or MF_ENOMEM in mf_errcode()) on failure. */
mf_grid *mf_config_grid(const mf_config *cfg);

/* The table of docs/configuration.md, one row per key (Markdown): section,
 * key, the value expected, its meaning and its default.  It is the part of
 * that file between the lines MF_CONFIG_DOC_BEGIN and MF_CONFIG_DOC_END,
 * written by docs/configuration_gen.c.  Returns MF_OK, MF_EBUG when the key
 * table is inconsistent (a key without documentation, twice, ...), or
 * MF_EIO. */
mf_status mf_config_doc(FILE *out);

#define MF_CONFIG_DOC_BEGIN "<!-- keys: generated by docs/configuration_gen.c from src/model/config_keys.c -->"
#define MF_CONFIG_DOC_END "<!-- end of the generated keys -->"

#endif
