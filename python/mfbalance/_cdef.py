"""The part of the C API (include/mfbalance/) the package calls, as cffi declarations.

Every type and prototype here is copied from the headers; tests/python/test_abi.py
compiles them against the headers (prototypes redeclared, sizes, offsets, enum values
and constants asserted), so a header that changes without this file fails the tests.
"""

CDEF = r"""
typedef struct _IO_FILE FILE;
FILE *open_memstream(char **ptr, size_t *sizeloc);
int fclose(FILE *stream);
void free(void *ptr);

/* status.h */
typedef int mf_status;
enum {
  MF_OK = 0,
  MF_ERECOVER = 1,
  MF_ENOMEM = -1,
  MF_EINPUT = -2,
  MF_ENUMERIC = -3,
  MF_EIO = -4,
  MF_EBUG = -5,
  MF_EINTR = -6
};
enum {
  MF_EXIT_OK = 0,
  MF_EXIT_INPUT = 2,
  MF_EXIT_NUMERIC = 3,
  MF_EXIT_IO = 4,
  MF_EXIT_NOMEM = 5,
  MF_EXIT_INTERNAL = 6,
  MF_EXIT_SIGNAL = 128
};
const char *mf_strerror(mf_status status);
const char *mf_errmsg(void);
mf_status mf_errcode(void);
void mf_error_clear(void);
int mf_exit_code(mf_status status);

/* model.h */
#define MF_MAX_POPS 16
#define MF_NAME_LEN 32
typedef enum { MF_INIT_GAUSSIAN, MF_INIT_UNIFORM } mf_init_kind;
typedef enum { MF_NEURON_1D, MF_NEURON_FHN } mf_neuron;
typedef struct {
  double a, b, epsilon;
  double sigma_w;
  double init_mean, init_sd;
} mf_recovery;
typedef struct {
  char name[32];
  double sigma;
  double f[4];
  double reversal;
  double s, k, theta;
  double g[16];
  double g_el[16];
  mf_init_kind init;
  double init_a, init_b;
  double fraction;
  mf_recovery w;
} mf_population;
typedef struct {
  int P;
  double gamma;
  mf_neuron neuron;
  mf_population pop[16];
} mf_model;
void mf_model_coupling(const mf_model *model, const double *m, const double *xbar, double *A, double *C);

/* grid.h */
typedef struct {
  int n;
  double *faces;
  double *x;
  double *w;
} mf_grid;
#define MF_GRID_MAX_ZONES 8
typedef struct {
  double centre, halfwidth, h;
} mf_grid_zone;
mf_grid *mf_grid_create_faces(const double *faces, int n);
void mf_grid_free(mf_grid *grid);

/* integrator.h */
typedef enum { MF_LINSOL_WOODBURY, MF_LINSOL_BAND, MF_LINSOL_DENSE, MF_LINSOL_GMRES } mf_linsol;
typedef struct {
  double rtol;
  double atol;
  mf_linsol linsol;
  long max_steps;
} mf_integrator_opts;
typedef struct {
  double t;
  long steps;
  long rhs_evals;
  long jac_evals;
  long newton_iters;
  long lin_iters;
  long newton_fails;
  long lin_setups;
  long err_fails;
  double last_step;
  int last_order;
  double wall_seconds;
} mf_integrator_stats;
const char *mf_linsol_name(mf_linsol linsol);

/* sweep.h */
#define MF_SWEEP_MAX_GAMMAS 64
typedef struct {
  int ngammas;
  double gammas[64];
  double stationary_tol;
  double collapse_radius;
  int refine;
  double cells_per_sd;
} mf_sweep_opts;
typedef struct {
  double gamma;
  int ncells;
  double xstar[16];
  double Astar[16];
  double mean[16], mode[16], sd[16];
  double width_ratio[16];
  double cells_per_sd[16];
  double collapse_time;
  double t_final;
  int stationary;
  int consensus;
  long steps;
  double wall_seconds;
} mf_sweep_row;
typedef struct {
  double slope;
  double constant;
  int n;
} mf_power_fit;

/* particles.h */
typedef enum { MF_PARTICLES_EXPONENTIAL, MF_PARTICLES_EULER } mf_particle_scheme;
typedef struct {
  long n;
  double dt;
  uint64_t seed;
  mf_particle_scheme scheme;
  int threads;
} mf_particle_opts;
typedef struct mf_particles mf_particles;
mf_particles *mf_particles_create(const mf_model *model, const mf_particle_opts *opts);
void mf_particles_free(mf_particles *ps);
mf_status mf_particles_advance(mf_particles *ps, double tout);
double mf_particles_time(const mf_particles *ps);
long mf_particles_steps(const mf_particles *ps);
double mf_particles_wall(const mf_particles *ps);
long mf_particles_count(const mf_particles *ps, int p);
const double *mf_particles_voltages(const mf_particles *ps, int p);
void mf_particles_activities(const mf_particles *ps, double *m);
const char *mf_particle_scheme_name(mf_particle_scheme s);

/* output.h */
typedef enum { MF_FORMAT_CSV, MF_FORMAT_HDF5 } mf_output_format;

/* converge.h */
#define MF_CONVERGE_MAX 16
typedef enum { MF_CONVERGE_FV, MF_CONVERGE_HJ } mf_converge_solver;
typedef struct {
  int ncells;
  long cells[16];
  int nrtols;
  double rtols[16];
  mf_converge_solver solver;
} mf_converge_opts;

/* config.h */
typedef enum { MF_GRID_MOVING, MF_GRID_FIXED } mf_grid_method;
typedef enum { MF_W_LIMITED, MF_W_UPWIND } mf_w_transport;
#define MF_MAX_SNAPSHOTS 64
#define MF_PATH_LEN 1024
typedef struct mf_config {
  mf_model model;
  mf_grid_method grid_method;
  int moving_cells;
  double moving_halfwidth;
  double xmin, xmax;
  int cells;
  char grid_file[1024];
  int nzones;
  mf_grid_zone zones[8];
  int cells_v, cells_w;
  mf_w_transport w_transport;
  double vmin, vmax, wmin, wmax;
  double t_end;
  double output_dt;
  int nsnapshots;
  double snapshots[64];
  mf_integrator_opts integ;
  mf_sweep_opts sweep;
  mf_particle_opts particles;
  int particles_dump;
  mf_output_format output_format;
  double checkpoint_every;
  mf_converge_opts converge;
  int ncompare;
  long compare_n[64];
  int compare_replicas;
  double hj_tau_end;
  double hj_output_dtau;
  double hj_rtol, hj_atol;
  int hj_nsnapshots;
  double hj_snapshots[64];
} mf_config;
const char *mf_config_default_ini(void);
mf_status mf_config_load(mf_config *cfg, const char *path, int n, char *const *overrides);
mf_status mf_config_write(const mf_config *cfg, FILE *out);
mf_grid *mf_config_grid(const mf_config *cfg);

/* sweep.h, with the configuration */
mf_status mf_sweep_one(const struct mf_config *cfg, double gamma, mf_sweep_row *row);
mf_status mf_power_fit_compute(const double *x, const double *y, int n, mf_power_fit *fit);

/* observables.h */
typedef struct {
  double mass;
  double mean;
  double sd;
  double mode;
  double m;
  double A;
  double V;
} mf_pop_observables;
void mf_observables_particles(const mf_particles *ps, const mf_grid *grid, mf_pop_observables *obs, double *density);
double mf_wasserstein1(const mf_grid *grid, const double *rho, const double *x, long n);

/* solver.h */
typedef struct {
  mf_grid_method method;
  const mf_grid *grid;
  int cells;
  double halfwidth;
  int cells_v, cells_w;
  mf_w_transport w_transport;
  double box[4];
} mf_discretisation;
typedef struct mf_solver mf_solver;
mf_discretisation mf_config_discretisation(const mf_config *cfg, const mf_grid *grid);
mf_solver *mf_solver_create(const mf_model *model, const mf_discretisation *disc, const mf_integrator_opts *opts);
void mf_solver_free(mf_solver *s);
mf_status mf_solver_advance(mf_solver *s, double tout);
double mf_solver_time(const mf_solver *s);
const mf_grid *mf_solver_grid(const mf_solver *s, int p);
const double *mf_solver_density(const mf_solver *s, int p);
void mf_solver_observables(const mf_solver *s, mf_pop_observables *obs);
void mf_solver_frame_check(const mf_solver *s, double xmin, double xmax, double *mass_out, double *edge);
void mf_solver_get_stats(const mf_solver *s, mf_integrator_stats *stats);
double mf_solver_peclet(const mf_solver *s);
const char *mf_solver_method_name(const mf_solver *s);
mf_linsol mf_solver_linsol(const mf_solver *s);
const double *mf_solver_state(const mf_solver *s, long *n);
mf_status mf_solver_restart(mf_solver *s, double t, const double *y);

/* balance.h */
typedef enum { MF_BALANCE_ATTRACTING, MF_BALANCE_REPELLING, MF_BALANCE_MARGINAL } mf_balance_stability;
typedef struct {
  double x[16];
  double A[16];
  double residual;
  double eig_re[16];
  double eig_im[16];
  mf_balance_stability stability;
  int is_explicit;
} mf_balance_point;
#define MF_BALANCE_MAX_ROOTS 64
int mf_balance_is_consensus(const mf_model *model);
void mf_balance_consensus_weights(const mf_model *model, double *pi);
mf_status mf_balance_consensus_rates(const mf_model *model, double *eig_re, double *eig_im);
mf_status mf_balance_consensus_point(const mf_model *model, const double *x, double *c);
mf_status mf_balance_find(const mf_model *model, double lo, double hi, mf_balance_point *points, int max,
                          int *count);
int mf_balance_nearest(const mf_balance_point *points, int count, int P, const double *x);
const char *mf_balance_stability_name(mf_balance_stability s);
typedef struct mf_flow mf_flow;
mf_flow *mf_flow_create(const mf_model *model, const double *x0, double rtol, double atol);
mf_status mf_flow_advance(mf_flow *flow, double tau, double *x);
void mf_flow_free(mf_flow *flow);

/* hj.h */
typedef struct mf_hj mf_hj;
mf_hj *mf_hj_create(const mf_model *model, const mf_grid *grid);
void mf_hj_free(mf_hj *hj);
int mf_hj_size(const mf_hj *hj);
void mf_hj_initial(const mf_hj *hj, double *u);
void mf_hj_activities(const mf_hj *hj, const double *u, double *m);
void mf_hj_means(const mf_hj *hj, const double *u, double *xbar);
double mf_hj_argmax(const mf_grid *grid, const double *u, double *umax);
void mf_hj_density(const mf_hj *hj, const double *u, int p, double *rho);
typedef struct mf_hj_solver mf_hj_solver;
mf_hj_solver *mf_hj_solver_create(mf_hj *hj, const double *u0, double rtol, double atol, long max_steps);
mf_status mf_hj_solver_advance(mf_hj_solver *s, double tau);
const double *mf_hj_solver_state(const mf_hj_solver *s);
double mf_hj_solver_tau(const mf_hj_solver *s);
long mf_hj_solver_steps(const mf_hj_solver *s);
void mf_hj_solver_free(mf_hj_solver *s);

/* run.h */
typedef struct {
  const char *outdir;
  int force;
  FILE *log;
  const struct mf_checkpoint *resume;
} mf_run_opts;
int mf_output_times(double end, double dt, const double *snapshots, int nsnapshots, double **times);
int mf_is_snapshot(const double *snapshots, int n, double t, double end);
typedef struct {
  mf_pop_observables obs[16];
  int has_balance;
  double xstar[16];
  mf_integrator_stats stats;
  double frame_outside;
  double frame_edge;
} mf_run_result;
int mf_run_restarts_after(const mf_config *cfg, int k, int ntimes);
mf_status mf_run(const mf_config *cfg, const mf_run_opts *opts, mf_run_result *result);
mf_status mf_sweep_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_particles_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_compare_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_doublelimit_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_hj_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_flow_job(const mf_config *cfg, const mf_run_opts *opts);
mf_status mf_converge_job(const mf_config *cfg, const mf_run_opts *opts);
"""
