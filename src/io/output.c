/* output.c -- output directories and write-then-rename files (output.h). */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A temporary file of ours: ".NAME.tmp-XXXXXX" (mkstemp), or ".NAME.tmp" of older versions. */
static int is_temp_name(const char *name)
{
  if (name[0] != '.') return 0;
  const char *t = strstr(name, ".tmp");
  if (!t || t == name) return 0;
  return strcmp(t, ".tmp") == 0 || (strncmp(t, ".tmp-", 5) == 0 && strlen(t + 5) == 6);
}

enum { DIR_EMPTY, DIR_RESULTS, DIR_STALE_ONLY, DIR_UNREADABLE };

/* What dir holds; the first stale temporary file's name into stale. */
static int dir_contents(const char *dir, char *stale, size_t len)
{
  DIR *d = opendir(dir);
  if (!d) return DIR_UNREADABLE;
  struct dirent *e;
  int results = 0, temps = 0;
  errno = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (is_temp_name(e->d_name)) {
      if (!temps++) snprintf(stale, len, "%s", e->d_name);
    } else {
      results = 1;
    }
  }
  const int err = errno;
  closedir(d);
  if (err) return DIR_UNREADABLE;
  return results ? DIR_RESULTS : temps ? DIR_STALE_ONLY : DIR_EMPTY;
}

/* Remove the temporary files an interrupted or crashed run left in dir
 * (regular files and symbolic links only; a link is removed, not followed). */
static mf_status remove_stale(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d) return mf_error(MF_EIO, "%s: cannot read the directory: %s", dir, strerror(errno));
  struct dirent *e;
  mf_status status = MF_OK;
  while ((e = readdir(d))) {
    if (!is_temp_name(e->d_name)) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode)) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT)
      status = mf_error(MF_EIO, "%s/%s: cannot remove a stale temporary file: %s", dir, e->d_name, strerror(errno));
  }
  closedir(d);
  return status;
}

void mf_outfile_remove_stale(const char *dir, const char *name)
{
  char prefix[1100];
  snprintf(prefix, sizeof prefix, ".%s.tmp", name);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !is_temp_name(e->d_name)) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
      unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

static int mkdir_parents(const char *dir)
{
  char path[1024];
  if (!dir[0] || snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
    errno = dir[0] ? ENAMETOOLONG : ENOENT;
    return -1;
  }
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
  if (!dir || !dir[0]) return mf_error(MF_EINPUT, "output directory '': expected a directory name");
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return mf_error(MF_EIO, "%s: exists and is not a directory", dir);
    char stale[256] = "";
    switch (dir_contents(dir, stale, sizeof stale)) {
    case DIR_UNREADABLE:
      return mf_error(MF_EIO, "%s: cannot read the output directory: %s", dir, strerror(errno ? errno : EACCES));
    case DIR_RESULTS:
      if (!force)
        return mf_error(MF_EINPUT, "%s: the output directory is not empty; choose another with --out or pass "
                        "--force to replace its results", dir);
      break;
    case DIR_STALE_ONLY:
      if (!force)
        return mf_error(MF_EINPUT, "%s: holds temporary files of an interrupted or crashed run (%s); pass --force to "
                        "remove them and write here", dir, stale);
      break;
    default: break;
    }
    return force ? remove_stale(dir) : MF_OK;
  }
  if (mkdir_parents(dir) != 0) return mf_error(MF_EIO, "%s: cannot create the directory: %s", dir, strerror(errno));
  return MF_OK;
}

mf_status mf_outfile_open(mf_outfile *f, const char *dir, const char *name)
{
  memset(f, 0, sizeof *f);
  if (snprintf(f->path, sizeof f->path, "%s/%s", dir, name) >= (int)sizeof f->path ||
      snprintf(f->tmp, sizeof f->tmp, "%s/.%s.tmp-XXXXXX", dir, name) >= (int)sizeof f->tmp)
    return mf_error_add(MF_EIO, "%s/%s: path too long", dir, name);
  /* mkstemp: a new name nobody can predict, created with O_CREAT | O_EXCL,
   * so a file or symbolic link planted in advance is never opened. */
  int fd = mkstemp(f->tmp);
  if (fd < 0) {
    const int err = errno;
    f->tmp[0] = '\0';
    return mf_error_add(MF_EIO, "%s: cannot create a temporary file beside it: %s", f->path, strerror(err));
  }
  /* mkstemp makes the file 0600: give it the mode fopen would, 0666 less the umask. */
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0 || !(f->fp = fdopen(fd, "w"))) {
    const int err = errno;
    close(fd);
    remove(f->tmp);
    f->tmp[0] = '\0';
    return mf_error_add(MF_EIO, "%s: cannot open for writing: %s", f->path, strerror(err));
  }
  return MF_OK;
}

mf_status mf_outfile_commit(mf_outfile *f)
{
  if (!f->fp) return MF_OK;
  /* Flush first: a stream that failed earlier usually fails again here, with the reason in errno. */
  int err = fflush(f->fp) != 0 ? errno : 0;
  if (ferror(f->fp) && !err) err = EIO;
  if (fsync(fileno(f->fp)) != 0 && errno != EINVAL && !err) err = errno;
  if (fclose(f->fp) != 0 && !err) err = errno;
  f->fp = NULL;
  if (err) {
    remove(f->tmp);
    return mf_error_add(MF_EIO, "%s: write failed: %s", f->path, strerror(err));
  }
  if (rename(f->tmp, f->path) != 0) {
    err = errno;
    remove(f->tmp);
    return mf_error_add(MF_EIO, "%s: cannot rename into place: %s", f->path, strerror(err));
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

long mf_outfile_mark(mf_outfile *f)
{
  if (!f->fp || fflush(f->fp) != 0) return -1;
  return ftell(f->fp);
}

/* The file of an earlier run holding at least bytes bytes of NAME: DIR/NAME
 * after an interruption, or else a stale DIR/.NAME.tmp-XXXXXX after a crash. */
static int open_earlier(const mf_outfile *f, long bytes, char *stale, size_t len)
{
  stale[0] = '\0';
  int fd = open(f->path, O_RDONLY | O_NOFOLLOW);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= bytes) return fd;
  if (fd >= 0) close(fd);
  char dir[1100];
  snprintf(dir, sizeof dir, "%s", f->path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : dir;
  char prefix[1200];
  snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
  if (slash) *slash = '\0';
  DIR *d = opendir(slash ? dir : ".");
  if (!d) return -1;
  struct dirent *e;
  fd = -1;
  const char *mine = strrchr(f->tmp, '/');
  while (fd < 0 && (e = readdir(d))) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !is_temp_name(e->d_name)) continue;
    if (mine && strcmp(e->d_name, mine + 1) == 0) continue;
    fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW);
    if (fd >= 0 && !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= bytes)) close(fd), fd = -1;
    if (fd >= 0) snprintf(stale, len, "%s/%s", slash ? dir : ".", e->d_name);
  }
  closedir(d);
  return fd;
}

mf_status mf_outfile_restore(mf_outfile *f, long bytes)
{
  char stale[2400];
  const int fd = open_earlier(f, bytes, stale, sizeof stale);
  if (fd < 0)
    return mf_error(MF_EINPUT, "%s: missing or shorter than the %ld bytes the checkpoint counts: cannot resume", f->path,
                    bytes);
  mf_status status = MF_OK;
  if (fseek(f->fp, 0, SEEK_SET) != 0) status = mf_error(MF_EIO, "%s: %s", f->tmp, strerror(errno));
  char buf[1 << 16];
  for (long left = bytes; status == MF_OK && left > 0;) {
    const ssize_t got = read(fd, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
    if (got <= 0) status = mf_error(MF_EIO, "%s: cannot read: %s", f->path, got < 0 ? strerror(errno) : "too short");
    else if (fwrite(buf, 1, (size_t)got, f->fp) != (size_t)got)
      status = mf_error(MF_EIO, "%s: cannot write: %s", f->tmp, strerror(errno));
    else left -= got;
  }
  close(fd);
  /* Drop whatever was written past the copied prefix (the header). */
  if (status == MF_OK && (fflush(f->fp) != 0 || ftruncate(fileno(f->fp), bytes) != 0))
    status = mf_error(MF_EIO, "%s: %s", f->tmp, strerror(errno));
  /* The crashed run's temporary file is taken over: it goes. */
  if (status == MF_OK && stale[0]) remove(stale);
  return status;
}
