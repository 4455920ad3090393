/* output.c -- output directories and write-then-rename files (output.h). */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/output.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int dir_is_empty(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d) return 1;
  struct dirent *e;
  int empty = 1;
  while (empty && (e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
  closedir(d);
  return empty;
}

static int mkdir_parents(const char *dir)
{
  char path[1024];
  if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return -1;
  for (char *s = path + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

mf_status mf_output_dir_fresh(char *buf, size_t len)
{
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  struct stat st;
  for (int k = 1; k < 1000; k++) {
    if (k == 1) snprintf(buf, len, "out/run-%s", stamp);
    else snprintf(buf, len, "out/run-%s-%d", stamp, k);
    if (stat(buf, &st) != 0) return MF_OK;
  }
  return mf_error(MF_EIO, "out/run-%s: no free directory name", stamp);
}

mf_status mf_output_dir_prepare(const char *dir, int force)
{
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return mf_error(MF_EIO, "%s: exists and is not a directory", dir);
    if (!force && !dir_is_empty(dir))
      return mf_error(MF_EINPUT, "%s: the output directory is not empty; choose another with --out or pass --force "
                      "to replace its results", dir);
    return MF_OK;
  }
  if (mkdir_parents(dir) != 0) return mf_error(MF_EIO, "%s: cannot create the directory: %s", dir, strerror(errno));
  return MF_OK;
}

mf_status mf_outfile_open(mf_outfile *f, const char *dir, const char *name)
{
  memset(f, 0, sizeof *f);
  if (snprintf(f->path, sizeof f->path, "%s/%s", dir, name) >= (int)sizeof f->path ||
      snprintf(f->tmp, sizeof f->tmp, "%s/.%s.tmp", dir, name) >= (int)sizeof f->tmp)
    return mf_error(MF_EIO, "%s/%s: path too long", dir, name);
  f->fp = fopen(f->tmp, "w");
  if (!f->fp) return mf_error(MF_EIO, "%s: cannot open for writing: %s", f->tmp, strerror(errno));
  return MF_OK;
}

mf_status mf_outfile_commit(mf_outfile *f)
{
  if (!f->fp) return MF_OK;
  int bad = ferror(f->fp);
  bad |= fflush(f->fp) != 0;
  bad |= fsync(fileno(f->fp)) != 0 && errno != EINVAL;
  bad |= fclose(f->fp) != 0;
  f->fp = NULL;
  if (bad) {
    int err = errno;
    remove(f->tmp);
    return mf_error(MF_EIO, "%s: write failed: %s", f->path, strerror(err));
  }
  if (rename(f->tmp, f->path) != 0) {
    int err = errno;
    remove(f->tmp);
    return mf_error(MF_EIO, "%s: cannot rename into place: %s", f->path, strerror(err));
  }
  return MF_OK;
}

void mf_outfile_discard(mf_outfile *f)
{
  if (!f->fp) return;
  fclose(f->fp);
  f->fp = NULL;
  remove(f->tmp);
}
