/* main.c -- the mfbalance program: argument parsing and subcommands.  Every
 * computation is a library call (include/mfbalance); this file only reads
 * the command line, prints messages and chooses the exit code. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/balance.h"
#include "mfbalance/budget.h"
#include "mfbalance/checkpoint.h"
#include "mfbalance/config.h"
#include "mfbalance/distribute.h"
#include "mfbalance/fhn_jobs.h"
#include "mfbalance/interrupt.h"
#include "mfbalance/output.h"
#include "mfbalance/run.h"
#include "mfbalance/status.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: mfbalance COMMAND [CONFIG.ini] [section.key=value ...] [options]\n"
    "\n"
    "commands:\n"
    "  run      solve the mean-field Fokker-Planck equation and write the results\n"
    "  config   print the effective configuration as INI (accepted back by run)\n"
    "  balance  the balance voltages in the box [xmin, xmax]^P and their stability\n"
    "  sweep    run to stationarity for several gamma and fit the gamma -> infinity laws\n"
    "  particles  simulate the network itself (particles.n neurons)\n"
    "  compare  particles against the PDE: mean, s.d. and W1 at the snapshots, W1 against n;\n"
    "           (model.neuron = fhn) means and s.d. of v and w in standard errors\n"
    "  doublelimit  W1 to the balance voltages over a table of (n, gamma)\n"
    "  hj       the Hopf-Cole solver (model.gamma=inf for the Hamilton-Jacobi limit)\n"
    "  flow     the early-behaviour flow dx/dtau = -G(x) from the initial means\n"
    "  limit    (model.neuron = fhn) the gamma -> infinity limit trajectory: slow w at x*, or the FHN ODE\n"
    "  converge errors and observed orders against the cell count and the tolerance\n"
    "  resume DIR  continue the interrupted run, particles, sweep, hj or compare of DIR\n"
    "\n"
    "With no CONFIG.ini the embedded default model is used.  Any key can be\n"
    "overridden, e.g. model.gamma=1000 pop.E.sigma=0.3 grid.cells=4000.\n"
    "\n"
    "options (every command but config):\n"
    "  --out DIR   output directory (default: a new folder under ./out/)\n"
    "  --force     write into DIR even if it holds results, replacing them\n"
    "  --quiet     print nothing on success\n"
    "  --estimate  check the inputs, print the predicted memory and work, and stop (nothing is written)\n"
    "  --gamma G1,G2,...  (sweep, doublelimit) the coupling strengths, same as sweep.gammas\n"
    "  --n N1,N2,...      (compare, doublelimit) the network sizes, same as compare.n\n"
    "  --cells C1,C2,...  (converge) the cell counts of the space study, same as converge.cells\n"
    "  --rtol R1,R2,...   (converge) the tolerances of the time study, same as converge.rtol\n"
    "  --solver fv|hj     (converge) the solver studied, same as converge.solver\n"
    "\n"
    "exit codes: 0 success, 2 invalid input (or a job too large for the machine), 3 numerical failure,\n"
    "  4 I/O error, 5 out of memory, 130/143 stopped by SIGINT/SIGTERM (files hold the rows computed)\n";

typedef struct {
  const char *config;
  const char *out;
  int force, quiet, estimate;
  int noverrides;
  char **overrides;
  char gamma_override[1100]; /* "sweep.gammas=..." from --gamma */
  char n_override[1100];     /* "compare.n=..." from --n */
  char cells_override[1100]; /* "converge.cells=..." from --cells */
  char rtol_override[1100];  /* "converge.rtol=..." from --rtol */
  char solver_override[64];  /* "converge.solver=..." from --solver */
} cli_args;

static int usage_error(const char *fmt, const char *arg)
{
  fputs("mfbalance: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\n(see 'mfbalance --help')\n", stderr);
  return MF_EXIT_INPUT;
}

/* Parse argv[2..]: options, at most one CONFIG.ini, and the overrides in order. */
static int parse_args(int argc, char **argv, cli_args *args, int allow_run_options)
{
  memset(args, 0, sizeof *args);
  static char *kept[4096];
  args->overrides = kept;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (allow_run_options && strcmp(a, "--out") == 0) {
      if (i + 1 >= argc) return usage_error("%s needs a directory", a);
      args->out = argv[++i];
      if (!args->out[0]) return usage_error("--out '%s': expected a directory name", args->out);
    } else if (allow_run_options && strncmp(a, "--out=", 6) == 0) {
      args->out = a + 6;
      if (!args->out[0]) return usage_error("--out '%s': expected a directory name", args->out);
    } else if (allow_run_options && strcmp(a, "--gamma") == 0) {
      if (i + 1 >= argc) return usage_error("%s needs a list of values", a);
      if (args->noverrides == (int)(sizeof kept / sizeof kept[0])) return usage_error("too many overrides%s", "");
      snprintf(args->gamma_override, sizeof args->gamma_override, "sweep.gammas=%s", argv[++i]);
      kept[args->noverrides++] = args->gamma_override;
    } else if (allow_run_options && strcmp(a, "--n") == 0) {
      if (i + 1 >= argc) return usage_error("%s needs a list of values", a);
      if (args->noverrides == (int)(sizeof kept / sizeof kept[0])) return usage_error("too many overrides%s", "");
      snprintf(args->n_override, sizeof args->n_override, "compare.n=%s", argv[++i]);
      kept[args->noverrides++] = args->n_override;
    } else if (allow_run_options && (strcmp(a, "--cells") == 0 || strcmp(a, "--rtol") == 0)) {
      if (i + 1 >= argc) return usage_error("%s needs a list of values", a);
      if (args->noverrides == (int)(sizeof kept / sizeof kept[0])) return usage_error("too many overrides%s", "");
      char *buf = a[2] == 'c' ? args->cells_override : args->rtol_override;
      snprintf(buf, sizeof args->cells_override, "converge.%s=%s", a + 2, argv[++i]);
      kept[args->noverrides++] = buf;
    } else if (allow_run_options && strcmp(a, "--solver") == 0) {
      if (i + 1 >= argc) return usage_error("%s needs fv or hj", a);
      if (args->noverrides == (int)(sizeof kept / sizeof kept[0])) return usage_error("too many overrides%s", "");
      snprintf(args->solver_override, sizeof args->solver_override, "converge.solver=%.40s", argv[++i]);
      kept[args->noverrides++] = args->solver_override;
    } else if (allow_run_options && strcmp(a, "--force") == 0) {
      args->force = 1;
    } else if (allow_run_options && strcmp(a, "--quiet") == 0) {
      args->quiet = 1;
    } else if (allow_run_options && strcmp(a, "--estimate") == 0) {
      args->estimate = 1;
    } else if (a[0] == '-') {
      return usage_error("unknown option '%s'", a);
    } else if (strchr(a, '=')) {
      if (args->noverrides == (int)(sizeof kept / sizeof kept[0])) return usage_error("too many overrides%s", "");
      kept[args->noverrides++] = argv[i];
    } else if (!args->config) {
      args->config = a;
    } else {
      return usage_error("unexpected argument '%s' (only one CONFIG.ini, and overrides as section.key=value)", a);
    }
  }
  return 0;
}

/* Print the recorded message, one "mfbalance: " line per failure (under
 * mpirun by rank 0 alone: the ranks agree on the failure and its message). */
static int fail(mf_status status)
{
  if (mf_dist_rank() > 0) return mf_exit_code(status);
  const char *msg = mf_errmsg()[0] ? mf_errmsg() : mf_strerror(status);
  for (;;) {
    const char *nl = strchr(msg, '\n');
    fprintf(stderr, "mfbalance: %.*s\n", nl ? (int)(nl - msg) : (int)strlen(msg), msg);
    if (!nl) break;
    msg = nl + 1;
  }
  return mf_exit_code(status);
}

static int cmd_config(int argc, char **argv)
{
  cli_args args;
  int rc = parse_args(argc, argv, &args, 0);
  if (rc) return rc;
  mf_config cfg;
  mf_status status = mf_config_load(&cfg, args.config, args.noverrides, args.overrides);
  if (status == MF_OK) status = mf_config_write(&cfg, stdout);
  return status == MF_OK ? 0 : fail(status);
}

/* Arguments and configuration of a command that writes into an output directory. */
static int load_job(int argc, char **argv, cli_args *args, mf_config *cfg, char *fresh, size_t len)
{
  int rc = parse_args(argc, argv, args, 1);
  if (rc) return rc;
  mf_status status = mf_config_load(cfg, args->config, args->noverrides, args->overrides);
  if (status != MF_OK) return fail(status);
  if (!args->out) {
    if ((status = mf_output_dir_fresh(fresh, len)) != MF_OK) return fail(status);
    args->out = fresh;
  }
  return 0;
}

static mf_status run_job(const mf_config *cfg, const mf_run_opts *opts) { return mf_run(cfg, opts, NULL); }

/* The network of either kind of neuron. */
static mf_status particles_job(const mf_config *cfg, const mf_run_opts *opts)
{
  return cfg->model.neuron == MF_NEURON_FHN ? mf_fhn_particles_job(cfg, opts) : mf_particles_job(cfg, opts);
}

/* The gamma sweep: of the kinetic PDE (one-dimensional neurons), of the network (FitzHugh-Nagumo). */
static mf_status sweep_job(const mf_config *cfg, const mf_run_opts *opts)
{
  return cfg->model.neuron == MF_NEURON_FHN ? mf_fhn_sweep_job(cfg, opts) : mf_sweep_job(cfg, opts);
}
/* --estimate: the job's checks and cost (budget.h), printed; nothing is written. */
static int print_estimate(mf_job job, const mf_config *cfg)
{
  mf_budget b;
  mf_status status = mf_budget_check(job, cfg, &b);
  if (status != MF_OK) return fail(status);
  if (mf_dist_rank() > 0) return 0; /* under mpirun: rank 0 prints */
  printf("cells %ld\noutput_rows %.0f\nparticle_steps %.0f\nneuron_steps %.6g\npeak_memory_bytes %.0f\n"
         "available_memory_bytes %.0f\n", b.cells, b.rows, b.steps, b.neuron_steps, b.bytes, b.available);
  return 0;
}


/* A command that is one library job writing into an output directory. */
static int cmd_job(int argc, char **argv, mf_status (*job)(const mf_config *, const mf_run_opts *), mf_job kind)
{
  cli_args args;
  mf_config cfg;
  char fresh[512];
  int rc = load_job(argc, argv, &args, &cfg, fresh, sizeof fresh);
  if (rc) return rc;
  /* A study is estimated as one run of the solver it studies. */
  if (job == mf_converge_job && cfg.converge.solver == MF_CONVERGE_HJ) kind = MF_JOB_HJ;
  /* Only these jobs deal their work to ranks; any other would run R times over into one directory. */
  const int distributed = ((kind == MF_JOB_PARTICLES || kind == MF_JOB_SWEEP || kind == MF_JOB_DOUBLELIMIT) &&
                           cfg.model.neuron == MF_NEURON_1D) || kind == MF_JOB_COMPARE;
  if (mf_dist_size() > 1 && !distributed)
    return fail(mf_error(MF_EINPUT, "`mfbalance %s` runs in one process (this mpirun started %d); under mpirun only "
                         "compare, and particles, sweep and doublelimit of neuron = 1d models, are distributed",
                         argv[1], mf_dist_size()));
  if (args.estimate) return print_estimate(kind, &cfg);
  /* Under mpirun only rank 0 speaks. */
  mf_run_opts opts = {.outdir = args.out, .force = args.force, .log = args.quiet || mf_dist_rank() > 0 ? NULL : stdout};
  mf_status status = job(&cfg, &opts);
  return status == MF_OK ? 0 : fail(status);
}

/* resume DIR [--quiet]: the job of DIR/checkpoint, with DIR/config.ini. */
static int cmd_resume(int argc, char **argv)
{
  const char *dir = NULL;
  int quiet = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--quiet") == 0) quiet = 1;
    else if (argv[i][0] == '-') return usage_error("unknown option '%s'", argv[i]);
    else if (!dir) dir = argv[i];
    else return usage_error("unexpected argument '%s' (resume takes one DIR)", argv[i]);
  }
  if (!dir) return usage_error("resume needs the output directory of an interrupted job%s", "");
  /* A checkpoint holds a whole job of one process. */
  if (mf_dist_size() > 1)
    return fail(mf_error(MF_EINPUT, "`mfbalance resume` runs in one process (this mpirun started %d)", mf_dist_size()));
  mf_checkpoint *ck = mf_checkpoint_read(dir);
  if (!ck) return fail(mf_errcode());
  static const struct {
    const char *name;
    mf_status (*job)(const mf_config *, const mf_run_opts *);
  } jobs[] = {{"run", run_job},     {"particles", mf_particles_job}, {"sweep", mf_sweep_job},
              {"hj", mf_hj_job},      {"compare", mf_compare_job}};
  mf_status (*job)(const mf_config *, const mf_run_opts *) = NULL;
  for (size_t j = 0; j < sizeof jobs / sizeof jobs[0]; j++)
    if (strcmp(mf_checkpoint_job(ck), jobs[j].name) == 0) job = jobs[j].job;
  char path[1100];
  mf_config cfg;
  mf_status status = MF_OK;
  if (!job) status = mf_error(MF_EINPUT, "%s/checkpoint: job '%s' cannot be resumed", dir, mf_checkpoint_job(ck));
  else if (snprintf(path, sizeof path, "%s/config.ini", dir) >= (int)sizeof path)
    status = mf_error(MF_EINPUT, "%s: path too long", dir);
  if (status == MF_OK) status = mf_config_load(&cfg, path, 0, NULL);
  if (status == MF_OK) status = mf_checkpoint_check(ck, dir, &cfg);
  if (status == MF_OK) {
    const mf_run_opts opts = {.outdir = dir, .log = quiet ? NULL : stdout, .resume = ck};
    status = job(&cfg, &opts);
  }
  mf_checkpoint_free(ck);
  return status == MF_OK ? 0 : fail(status);
}

static void print_balance(const mf_model *model, double lo, double hi, const mf_balance_point *pts, int n)
{
  printf("mfbalance balance: %d population%s, box [%g, %g]^%d: %d balance point%s\n", model->P,
         model->P == 1 ? "" : "s", lo, hi, model->P, n, n == 1 ? "" : "s");
  if (n == 0) return;
  printf("  %-3s %-11s %-9s %-9s", "#", "stability", "method", "residual");
  for (int p = 0; p < model->P; p++) printf(" %12s", model->pop[p].name);
  printf("  eigenvalues of the early-behaviour flow\n");
  for (int k = 0; k < n; k++) {
    const mf_balance_point *pt = &pts[k];
    printf("  %-3d %-11s %-9s %-9.1e", k + 1, mf_balance_stability_name(pt->stability),
           pt->is_explicit ? "explicit" : "newton", pt->residual);
    for (int p = 0; p < model->P; p++) printf(" %12.8f", pt->x[p]);
    printf(" ");
    for (int p = 0; p < model->P; p++) {
      if (pt->eig_im[p] == 0.0) printf(" %.6g", pt->eig_re[p]);
      else printf(" %.6g%+.6gi", pt->eig_re[p], pt->eig_im[p]);
    }
    printf("\n");
  }
}

/* FitzHugh-Nagumo models: the balance lines v = x*_p in the (v, w) plane and the slow dynamics on them. */
static void print_fhn_balance(const mf_model *model, const mf_balance_point *pts, int n)
{
  if (mf_balance_is_consensus(model)) {
    printf("  FitzHugh-Nagumo neurons: w is free on the line; the synchronous state follows the FitzHugh-Nagumo ODE "
           "(mfbalance limit)\n");
    return;
  }
  printf("  FitzHugh-Nagumo neurons: balance lines v = x*_p, slow fixed points w*_p = (x*_p + a_p) / b_p\n");
  for (int k = 0; k < n; k++) {
    double w[MF_MAX_POPS];
    mf_fhn_wstar(model, pts[k].x, w);
    printf("  %-3d w*:", k + 1);
    for (int p = 0; p < model->P; p++) printf(" %.10f", w[p]);
    printf("\n");
  }
}

static int cmd_balance(int argc, char **argv)
{
  cli_args args;
  mf_config cfg;
  char fresh[512];
  int rc = load_job(argc, argv, &args, &cfg, fresh, sizeof fresh);
  if (rc) return rc;
  if (args.estimate) return print_estimate(MF_JOB_BALANCE, &cfg);
  double lo = cfg.vmin, hi = cfg.vmax; /* FitzHugh-Nagumo: the v-side of the (v, w) box */
  if (cfg.model.neuron != MF_NEURON_FHN) {
    mf_grid *grid = mf_config_grid(&cfg);
    if (!grid) return fail(MF_EINPUT);
    lo = grid->faces[0], hi = grid->faces[grid->n];
    mf_grid_free(grid);
  }
  mf_balance_point pts[MF_BALANCE_MAX_ROOTS];
  int n = 0;
  mf_status status = mf_balance_find(&cfg.model, lo, hi, pts, MF_BALANCE_MAX_ROOTS, &n);
  if (status != MF_OK) return fail(status);
  if (mf_balance_is_consensus(&cfg.model)) {
    /* The balance set is the line itself: report it as one entry with the Laplacian's rates. */
    mf_balance_point *line = &pts[0];
    memset(line, 0, sizeof *line);
    for (int p = 0; p < cfg.model.P; p++) {
      line->x[p] = NAN;
      for (int q = 0; q < cfg.model.P; q++) line->A[p] += cfg.model.pop[p].g_el[q];
    }
    if ((status = mf_balance_consensus_rates(&cfg.model, line->eig_re, line->eig_im)) != MF_OK) return fail(status);
    int zeros = 0;
    for (int p = 0; p < cfg.model.P; p++) zeros += fabs(line->eig_re[p]) <= 1e-12 * (1.0 + line->A[p]);
    line->stability = MF_BALANCE_ATTRACTING;
    n = 1;
    if (!args.quiet) {
      printf("mfbalance balance: %d populations, electrical coupling only: the balance set is the consensus line "
             "x_1 = ... = x_%d%s\n  rates of the early-behaviour flow (eigenvalues of -(diag G - g_el)):", cfg.model.P,
             cfg.model.P, zeros > 1 ? " on each of the connected parts of the electrical graph" : "");
      for (int p = 0; p < cfg.model.P; p++) printf(" %.6g", line->eig_re[p]);
      printf("\n  (the %d zero%s along the line, the others towards it)\n", zeros, zeros == 1 ? "" : "s");
    }
  } else if (!args.quiet) {
    print_balance(&cfg.model, lo, hi, pts, n);
  }
  if (cfg.model.neuron == MF_NEURON_FHN && !args.quiet) print_fhn_balance(&cfg.model, pts, n);
  mf_outfile f;
  if ((status = mf_output_dir_prepare(args.out, args.force)) != MF_OK) return fail(status);
  if ((status = mf_outfile_open(&f, args.out, "balance.csv")) != MF_OK) return fail(status);
  mf_balance_write(f.fp, &cfg.model, pts, n);
  if ((status = mf_outfile_commit(&f)) != MF_OK) return fail(status);
  if (!args.quiet) printf("  results in %s/balance.csv\n", args.out);
  return 0;
}

/* Results and logs on stdout count only once they are written: a full disk
 * or a closed file must not pass for success (exit 4 then). */
static int finish_stdout(int rc)
{
  int bad = fflush(stdout) != 0, err = errno;
  if (!bad && ferror(stdout)) bad = 1, err = EIO;
  if (fclose(stdout) != 0 && !bad) bad = 1, err = errno;
  if (!bad) return rc;
  fprintf(stderr, "mfbalance: standard output: write failed: %s\n", strerror(err));
  return rc == 0 ? MF_EXIT_IO : rc;
}

/* libgomp reads its wait policy when it is loaded, before main, and by
 * default its threads spin at every barrier: on a machine where another
 * process holds a core the spinning thread and the one it waits for share
 * that core, and a small `compare` took 90 s instead of 0.4 s.  Unless the
 * user chose a policy, ask for the passive one and start again.  Only the
 * commands that may run the network (src/particles/, the one user of
 * OpenMP threads) pay for the second start-up, about 30 ms of loading the
 * shared libraries, which would be a third of a default `run`. */
static void passive_openmp(int argc, char **argv)
{
  static const char *const threaded[] = {"particles", "compare", "doublelimit", "sweep", "resume"};
  int uses_threads = 0;
  for (size_t k = 0; argc > 1 && k < sizeof threaded / sizeof threaded[0]; k++)
    uses_threads |= strcmp(argv[1], threaded[k]) == 0;
  if (!uses_threads || getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv); /* returns only on failure: then go on as we are */
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
  passive_openmp(argc, argv);
  /* Past a file-size limit writes fail with EFBIG and are reported, instead of killing the process. */
  signal(SIGXFSZ, SIG_IGN);
  if (mf_interrupt_install() != MF_OK) return fail(MF_EBUG);
  /* Under mpirun or srun: one of R ranks (distribute.h). */
  if (mf_dist_init(&argc, &argv) != MF_OK) return fail(MF_EBUG);
  const int rc = finish_stdout(dispatch(argc, argv));
  mf_dist_finalize();
  return rc;
}

static int dispatch(int argc, char **argv)
{
  if (argc < 2) {
    fputs(usage, stderr);
    return MF_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "run") == 0) return cmd_job(argc, argv, run_job, MF_JOB_RUN);
  if (strcmp(cmd, "config") == 0) return cmd_config(argc, argv);
  if (strcmp(cmd, "resume") == 0) return cmd_resume(argc, argv);
  if (strcmp(cmd, "balance") == 0) return cmd_balance(argc, argv);
  if (strcmp(cmd, "sweep") == 0) return cmd_job(argc, argv, sweep_job, MF_JOB_SWEEP);
  if (strcmp(cmd, "particles") == 0) return cmd_job(argc, argv, particles_job, MF_JOB_PARTICLES);
  if (strcmp(cmd, "compare") == 0) return cmd_job(argc, argv, mf_compare_job, MF_JOB_COMPARE);
  if (strcmp(cmd, "doublelimit") == 0) return cmd_job(argc, argv, mf_doublelimit_job, MF_JOB_DOUBLELIMIT);
  if (strcmp(cmd, "hj") == 0) return cmd_job(argc, argv, mf_hj_job, MF_JOB_HJ);
  if (strcmp(cmd, "flow") == 0) return cmd_job(argc, argv, mf_flow_job, MF_JOB_FLOW);
  if (strcmp(cmd, "limit") == 0) return cmd_job(argc, argv, mf_fhn_limit_job, MF_JOB_FLOW);
  /* (Its cost is estimated as one run of the configured model; the finer grids cost more.) */
  if (strcmp(cmd, "converge") == 0) return cmd_job(argc, argv, mf_converge_job, MF_JOB_RUN);
  return usage_error("unknown command '%s'", cmd);
}
