/* main.c -- the mfbalance program: argument parsing and subcommands.  Every
 * computation is a library call (include/mfbalance); this file only reads
 * the command line, prints messages and chooses the exit code. */
#include "mfbalance/config.h"
#include "mfbalance/output.h"
#include "mfbalance/run.h"
#include "mfbalance/status.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: mfbalance COMMAND [CONFIG.ini] [section.key=value ...] [options]\n"
    "\n"
    "commands:\n"
    "  run      solve the mean-field Fokker-Planck equation and write the results\n"
    "  config   print the effective configuration as INI (accepted back by run)\n"
    "\n"
    "With no CONFIG.ini the embedded default model is used.  Any key can be\n"
    "overridden, e.g. model.gamma=1000 pop.E.sigma=0.3 grid.cells=4000.\n"
    "\n"
    "options (run):\n"
    "  --out DIR   output directory (default: a new folder under ./out/)\n"
    "  --force     write into DIR even if it holds results, replacing them\n"
    "  --quiet     print nothing on success\n"
    "\n"
    "exit codes: 0 success, 2 invalid input, 3 numerical failure, 4 I/O error\n";

typedef struct {
  const char *config;
  const char *out;
  int force, quiet;
  int noverrides;
  char **overrides;
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
    } else if (allow_run_options && strncmp(a, "--out=", 6) == 0) {
      args->out = a + 6;
    } else if (allow_run_options && strcmp(a, "--force") == 0) {
      args->force = 1;
    } else if (allow_run_options && strcmp(a, "--quiet") == 0) {
      args->quiet = 1;
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

static int fail(mf_status status)
{
  fprintf(stderr, "mfbalance: %s\n", mf_errmsg()[0] ? mf_errmsg() : mf_strerror(status));
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

static int cmd_run(int argc, char **argv)
{
  cli_args args;
  int rc = parse_args(argc, argv, &args, 1);
  if (rc) return rc;
  mf_config cfg;
  mf_status status = mf_config_load(&cfg, args.config, args.noverrides, args.overrides);
  if (status != MF_OK) return fail(status);
  char fresh[512];
  if (!args.out) {
    if ((status = mf_output_dir_fresh(fresh, sizeof fresh)) != MF_OK) return fail(status);
    args.out = fresh;
  }
  mf_run_opts opts = {.outdir = args.out, .force = args.force, .log = args.quiet ? NULL : stdout};
  status = mf_run(&cfg, &opts, NULL);
  return status == MF_OK ? 0 : fail(status);
}

int main(int argc, char **argv)
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
  if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  if (strcmp(cmd, "config") == 0) return cmd_config(argc, argv);
  return usage_error("unknown command '%s'", cmd);
}
