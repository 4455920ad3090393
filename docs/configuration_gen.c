/* configuration_gen.c -- writes the table of keys in docs/configuration.md
 * from the key table of src/model/config_keys.c (mf_config_doc).
 *
 *     configuration_gen docs/configuration.md
 *
 * (`meson compile -C build configuration-md` runs it.)  The lines between
 * MF_CONFIG_DOC_BEGIN and MF_CONFIG_DOC_END are replaced; the prose around
 * them is kept.  tests/test_config.c checks that the committed file is what
 * this program writes.
 */
#include "mfbalance/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole of path, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
  FILE *fp = fopen(path, "r");
  if (!fp) return NULL;
  size_t len = 0, cap = 1 << 16;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len - 1, fp);
    if (len < cap - 1) break;
    char *grown = realloc(buf, 2 * cap);
    if (!grown) free(buf);
    buf = grown, cap *= 2;
  }
  if (buf && ferror(fp)) free(buf), buf = NULL;
  fclose(fp);
  if (buf) buf[len] = '\0';
  return buf;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: configuration_gen docs/configuration.md\n");
    return 2;
  }
  const char *path = argv[1];
  char *doc = slurp(path);
  if (!doc) {
    fprintf(stderr, "configuration_gen: %s: cannot read\n", path);
    return 4;
  }
  char *begin = strstr(doc, MF_CONFIG_DOC_BEGIN "\n"), *end = strstr(doc, MF_CONFIG_DOC_END "\n");
  if (!begin || !end || end < begin) {
    fprintf(stderr, "configuration_gen: %s: no lines '%s' and '%s'\n", path, MF_CONFIG_DOC_BEGIN, MF_CONFIG_DOC_END);
    free(doc);
    return 2;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fprintf(stderr, "configuration_gen: %s: cannot write\n", tmp);
    free(doc);
    return 4;
  }
  fwrite(doc, 1, (size_t)(begin - doc) + strlen(MF_CONFIG_DOC_BEGIN "\n"), out);
  mf_status status = mf_config_doc(out);
  fputs(end, out);
  free(doc);
  if (fclose(out) != 0 || status != MF_OK || rename(tmp, path) != 0) {
    fprintf(stderr, "configuration_gen: %s\n", status != MF_OK ? mf_errmsg() : "writing failed");
    remove(tmp);
    return status != MF_OK ? 5 : 4;
  }
  return 0;
}
