/* distribute.c -- MPI behind distribute.h (Open MPI, MPICH or any MPI-3),
 * with the serial versions when the library is built without it
 * (MFBALANCE_HAVE_MPI unset) or the program was not started by a launcher. */
#define _POSIX_C_SOURCE 200809L
#include "mfbalance/distribute.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One rank: every unit in order, each emitted as soon as it is done. */
static mf_status deal_in_order(int count, size_t size, void *results, mf_status (*work)(int u, void *result, void *ctx),
                               void (*emit)(int u, const void *result, mf_status status, void *ctx), void *ctx, int *kept)
{
  for (int u = 0; u < count; u++) {
    const mf_status status = work(u, (char *)results + (size_t)u * size, ctx);
    if (emit) emit(u, (char *)results + (size_t)u * size, status, ctx);
    if (status != MF_OK) {
      *kept = u;
      return status;
    }
  }
  *kept = count;
  return MF_OK;
}

#ifdef MFBALANCE_HAVE_MPI
#include <mpi.h>

static int started;       /* 1 once mf_dist_init has called MPI_Init_thread */
static int node_size = 1; /* ranks on this machine, counted at the start */

static mf_status check(int rc, const char *what)
{
  if (rc == MPI_SUCCESS) return MF_OK;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  return mf_error(MF_EBUG, "%s: %s", what, text);
}

mf_status mf_dist_init(int *argc, char ***argv)
{
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK")) return MF_OK;
  int provided = 0;
  mf_status status = check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  if (status != MF_OK) return status;
  started = 1;
  if (provided < MPI_THREAD_FUNNELED) return mf_error(MF_EBUG, "MPI offers no MPI_THREAD_FUNNELED");
  MPI_Comm node;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
  }
  return MF_OK;
}

void mf_dist_finalize(void)
{
  if (started) MPI_Finalize();
  started = 0;
}

int mf_dist_available(void) { return 1; }

int mf_dist_node_size(void) { return started ? node_size : 1; }

int mf_dist_rank(void)
{
  int rank = 0;
  if (started) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int mf_dist_size(void)
{
  int size = 1;
  if (started) MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

mf_status mf_dist_sum_exact(mf_exactsum *s, int count, int *any)
{
  if (!started) return MF_OK;
  /* Carried accumulators add digit by digit without overflow (exactsum.h): one integer Allreduce. */
  enum { W = MF_EXACTSUM_WORDS };
  int64_t stack[8 * W + 1], *buf = stack;
  const size_t len = (size_t)count * W + 1;
  if (len > sizeof stack / sizeof stack[0] && !(buf = malloc(len * sizeof *buf)))
    return mf_error(MF_ENOMEM, "out of memory");
  for (int k = 0; k < count; k++) {
    mf_exactsum_normalize(&s[k]);
    memcpy(buf + (size_t)k * W, s[k].word, sizeof s[k].word);
  }
  buf[len - 1] = any && *any ? 1 : 0;
  mf_status status = check(MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
                           "MPI_Allreduce of the network's sums");
  for (int k = 0; k < count && status == MF_OK; k++) {
    memcpy(s[k].word, buf + (size_t)k * W, sizeof s[k].word);
    s[k].pending = 0;
  }
  if (any) *any = buf[len - 1] != 0;
  if (buf != stack) free(buf);
  return status;
}

mf_status mf_dist_sum_counts(double *v, long count)
{
  if (!started) return MF_OK;
  const long piece = 1L << 26;
  for (long k = 0; k < count; k += piece) {
    const int len = (int)(count - k < piece ? count - k : piece);
    mf_status status = check(MPI_Allreduce(MPI_IN_PLACE, v + k, len, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
                             "MPI_Allreduce of counts");
    if (status != MF_OK) return status;
  }
  return MF_OK;
}

int mf_dist_any(int flag)
{
  if (!started) return flag != 0;
  int v = flag != 0;
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return v;
}

enum { MESSAGE = 2048 };

/* Every rank takes `root`'s status and message. */
static mf_status share_from(int root, mf_status status)
{
  char msg[MESSAGE];
  int code = status;
  if (mf_dist_rank() == root) snprintf(msg, sizeof msg, "%s", mf_errmsg());
  MPI_Bcast(&code, 1, MPI_INT, root, MPI_COMM_WORLD);
  MPI_Bcast(msg, MESSAGE, MPI_CHAR, root, MPI_COMM_WORLD);
  if (code != MF_OK && mf_dist_rank() != root) {
    msg[MESSAGE - 1] = '\0';
    mf_error(code, "%s", msg);
  }
  return code;
}

mf_status mf_dist_agree(mf_status status)
{
  if (!started) return status;
  /* The lowest failing rank: the minimum over ranks of (failed ? rank : size). */
  const int size = mf_dist_size();
  int first = status != MF_OK ? mf_dist_rank() : size;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return first == size ? MF_OK : share_from(first, status);
}

mf_status mf_dist_share(int from, mf_status status)
{
  if (!started) return status;
  return share_from(from, status);
}

mf_status mf_dist_from_root(mf_status status) { return mf_dist_share(0, status); }

mf_status mf_dist_to_root(void *buf, size_t len, int from)
{
  if (!started || from == 0) return MF_OK;
  const int rank = mf_dist_rank();
  if (rank != 0 && rank != from) return MF_OK;
  const size_t piece = (size_t)1 << 30;
  for (size_t k = 0; k < len; k += piece) {
    const int n = (int)(len - k < piece ? len - k : piece);
    const int rc = rank == 0 ? MPI_Recv((char *)buf + k, n, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE)
                             : MPI_Send((char *)buf + k, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    mf_status status = check(rc, "sending results to rank 0");
    if (status != MF_OK) return status;
  }
  return MF_OK;
}

mf_status mf_dist_deal(int count, size_t size, void *results, mf_status (*work)(int u, void *result, void *ctx),
                       void (*emit)(int u, const void *result, mf_status status, void *ctx), void *ctx, int *kept)
{
  if (!started) return deal_in_order(count, size, results, work, emit, ctx, kept);
  const int rank = mf_dist_rank(), ranks = mf_dist_size();
  mf_status *status = calloc((size_t)(count > 0 ? count : 1), sizeof *status);
  mf_status rc = mf_dist_agree(status ? MF_OK : mf_error(MF_ENOMEM, "out of memory"));
  if (rc != MF_OK) {
    free(status);
    return rc;
  }
  mf_status mine = MF_OK;
  for (int u = rank; u < count; u += ranks) {
    if (mine == MF_OK) mine = work(u, (char *)results + (size_t)u * size, ctx);
    else mine = MF_EINTR; /* not run: after this rank's failure */
    status[u] = mine;
  }
  for (int u = 0; u < count; u++) {
    mf_dist_to_root(&status[u], sizeof status[u], u % ranks);
    mf_dist_to_root((char *)results + (size_t)u * size, size, u % ranks);
  }
  /* The first failure in unit order, and its message from the rank that ran it. */
  *kept = count;
  for (int u = 0; u < count && rc == MF_OK; u++) {
    const int owner = u % ranks;
    if (mf_dist_any(rank == owner && status[u] != MF_OK)) {
      rc = mf_dist_share(owner, status[u]);
      *kept = u;
    }
  }
  if (rank == 0 && emit)
    for (int u = 0; u <= *kept && u < count; u++) emit(u, (char *)results + (size_t)u * size, status[u], ctx);
  free(status);
  return rc;
}

#else /* one process */

mf_status mf_dist_init(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  return MF_OK;
}
void mf_dist_finalize(void) {}
int mf_dist_available(void) { return 0; }
int mf_dist_node_size(void) { return 1; }
int mf_dist_rank(void) { return 0; }
int mf_dist_size(void) { return 1; }

mf_status mf_dist_sum_exact(mf_exactsum *s, int count, int *any)
{
  (void)s, (void)count;
  if (any) *any = *any != 0;
  return MF_OK;
}

mf_status mf_dist_sum_counts(double *v, long count)
{
  (void)v, (void)count;
  return MF_OK;
}

int mf_dist_any(int flag) { return flag != 0; }
mf_status mf_dist_agree(mf_status status) { return status; }
mf_status mf_dist_from_root(mf_status status) { return status; }

mf_status mf_dist_share(int from, mf_status status)
{
  (void)from;
  return status;
}

mf_status mf_dist_to_root(void *buf, size_t len, int from)
{
  (void)buf, (void)len, (void)from;
  return MF_OK;
}

mf_status mf_dist_deal(int count, size_t size, void *results, mf_status (*work)(int u, void *result, void *ctx),
                       void (*emit)(int u, const void *result, mf_status status, void *ctx), void *ctx, int *kept)
{
  return deal_in_order(count, size, results, work, emit, ctx, kept);
}

#endif
