/* fuzz_config.c -- libFuzzer target for the configuration reader: the input
 * is a CONFIG.ini file; when mf_config_load accepts it, mf_config_write must
 * print INI that loads again and prints the same text (a fixed point, as
 * test_cli checks for `mfbalance config`).  Any crash, sanitizer report or
 * broken round trip is a finding. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void put_file(const char *p, const uint8_t *data, size_t size)
{
  FILE *fp = fopen(p, "wb");
  if (!fp) abort();
  if (size && fwrite(data, 1, size, fp) != size) abort();
  if (fclose(fp) != 0) abort();
}

/* mf_config_write into a new string (the caller frees it). */
static char *print(const mf_config *cfg)
{
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) abort();
  if (mf_config_write(cfg, mem) != MF_OK) abort();
  fclose(mem);
  return text;
}

static void remove_file(void) { remove(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!path[0]) {
    /* In memory where there is a tmpfs: ext4 flushes a truncated file on close, which is slow. */
    snprintf(path, sizeof path, "%s/mfbalance-fuzz-config.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
    atexit(remove_file);
  }
  put_file(path, data, size);
  mf_config cfg;
  if (mf_config_load(&cfg, path, 0, NULL) != MF_OK) return 0;
  char *first = print(&cfg);
  put_file(path, (const uint8_t *)first, strlen(first));
  mf_config again;
  if (mf_config_load(&again, path, 0, NULL) != MF_OK) {
    fprintf(stderr, "round trip: the written configuration is refused: %s\n---\n%s---\n", mf_errmsg(), first);
    abort();
  }
  char *second = print(&again);
  if (strcmp(first, second) != 0) {
    fprintf(stderr, "round trip: written, read and written again differs\n--- first\n%s--- second\n%s---\n", first,
            second);
    abort();
  }
  free(first);
  free(second);
  return 0;
}
