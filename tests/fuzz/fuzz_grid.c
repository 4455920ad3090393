/* fuzz_grid.c -- libFuzzer target for grid files: the input is the file of
 * cell faces named by grid.file (grid.method = fixed); mf_config_grid must
 * either refuse it with a message or return a grid of at least 8 cells with
 * finite, strictly increasing faces, centres inside their cells and
 * positive widths. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64], override[96];

static void remove_file(void) { remove(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static mf_config cfg;
  if (!path[0]) {
    /* In memory where there is a tmpfs: ext4 flushes a truncated file on close, which is slow. */
    snprintf(path, sizeof path, "%s/mfbalance-fuzz-grid.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
    atexit(remove_file);
    snprintf(override, sizeof override, "grid.file=%s", path);
    char *overrides[] = {"grid.method=fixed", override};
    if (mf_config_load(&cfg, NULL, 2, overrides) != MF_OK) abort();
  }
  FILE *fp = fopen(path, "wb");
  if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) abort();
  mf_grid *grid = mf_config_grid(&cfg);
  if (!grid) {
    if (!mf_errmsg()[0]) abort(); /* a refusal always says why */
    return 0;
  }
  if (grid->n < MF_GRID_MIN_CELLS) abort();
  for (int i = 0; i < grid->n; i++)
    if (!(isfinite(grid->faces[i + 1]) && grid->faces[i + 1] > grid->faces[i] && grid->w[i] > 0.0 &&
          grid->x[i] >= grid->faces[i] && grid->x[i] <= grid->faces[i + 1]))
      abort();
  mf_grid_free(grid);
  return 0;
}
