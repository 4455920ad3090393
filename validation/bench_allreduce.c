/* bench_allreduce.c -- the cost of the particle step's collective alone:
 * `mpirun -n R build/validation/bench_allreduce [P] [REPEATS]` times
 * MPI_Allreduce (MPI_SUM) of the step's 2P exact accumulators (2P x 70 + 1
 * int64 words, distribute.h) and, for comparison, of 2P plain doubles;
 * rank 0 prints the median and mean over REPEATS (default 20000) after a
 * barrier before each call, so that only the collective is timed. */
#include "mfbalance/exactsum.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void timed(const char *what, int words, MPI_Datatype type, int repeats, int rank, int ranks)
{
  int64_t *buf = calloc((size_t)words, sizeof(int64_t));
  double *t = malloc((size_t)repeats * sizeof *t), mean = 0.0;
  for (int k = 0; k < repeats; k++) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, buf, words, type, MPI_SUM, MPI_COMM_WORLD);
    t[k] = MPI_Wtime() - start;
    mean += t[k] / repeats;
  }
  qsort(t, (size_t)repeats, sizeof *t, compare_doubles);
  if (rank == 0)
    printf("ranks,%d,%s,words,%d,bytes,%d,median_us,%.2f,mean_us,%.2f\n", ranks, what, words, words * 8,
           1e6 * t[repeats / 2], 1e6 * mean);
  free(buf), free(t);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int P = argc > 1 ? atoi(argv[1]) : 2, repeats = argc > 2 ? atoi(argv[2]) : 20000;
  timed("exact_accumulators", 2 * P * MF_EXACTSUM_WORDS + 1, MPI_INT64_T, repeats, rank, ranks);
  timed("plain_doubles", 2 * P, MPI_DOUBLE, repeats, rank, ranks);
  MPI_Finalize();
  return 0;
}
