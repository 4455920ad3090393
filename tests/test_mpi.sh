#!/usr/bin/env bash
# test_mpi.sh MFBALANCE MPIRUN SOURCE_DIR: under `mpirun -n 2` (and 3) the
# particles, sweep, compare (one-dimensional and FitzHugh-Nagumo neurons) and
# doublelimit jobs write the same bytes as one process: every file
# compared with cmp, summary.csv and sweep.csv without the wall-time
# columns (wall_seconds, neuron_steps_per_second), which are each run's own.
set -euo pipefail
exe=$1 mpirun=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The test machine runs as root in CI; Open MPI refuses root without these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { local n=$1; shift; "$mpirun" -n "$n" --oversubscribe "$@"; }

# A CSV file without the named columns.
drop() {
  /usr/bin/python3 - "$@" <<'PY'
import csv, sys
path, names = sys.argv[1], set(sys.argv[2:])
rows = list(csv.reader(open(path)))
keep = [i for i, h in enumerate(rows[0]) if h not in names]
for r in rows:
    print(",".join(r[i] for i in keep))
PY
}

failed=0
same() { # same DIR1 DIR2 FILE...
  local a=$1 b=$2; shift 2
  for f in "$@"; do
    if [ "$f" = summary.csv ] || [ "$f" = sweep.csv ]; then
      if ! cmp -s <(drop "$a/$f" wall_seconds neuron_steps_per_second) <(drop "$b/$f" wall_seconds neuron_steps_per_second); then
        echo "FAIL: $a/$f and $b/$f differ (beyond wall times)"; failed=1
      fi
    elif ! cmp "$a/$f" "$b/$f"; then
      echo "FAIL: $a/$f and $b/$f differ"; failed=1
    fi
  done
  echo "compared $a and $b: $*"
}

particles_files="observables.csv density.csv voltages.csv config.ini summary.csv"
common="particles.dump=true time.t_end=0.3 time.output_dt=0.05 time.snapshots=0.1,0.3 --quiet"

# Chemical coupling (the scalar exponential step), 2 threads serial against 2 ranks of 1 thread;
# 50001 neurons: shares that end inside a block.
"$exe" particles particles.n=50001 particles.threads=2 $common --out "$work/chem1"
mpi 2 "$exe" particles particles.n=50001 particles.threads=1 $common --out "$work/chem2"
mpi 3 "$exe" particles particles.n=50001 particles.threads=1 $common --out "$work/chem3"
for d in chem2 chem3; do sed -i 's/^threads = .*/threads = 2/' "$work/$d/config.ini"; done
for d in chem2 chem3; do drop "$work/$d/summary.csv" threads > "$work/$d/s" && mv "$work/$d/s" "$work/$d/summary.csv"; done
drop "$work/chem1/summary.csv" threads > "$work/chem1/s" && mv "$work/chem1/s" "$work/chem1/summary.csv"
same "$work/chem1" "$work/chem2" $particles_files
same "$work/chem1" "$work/chem3" $particles_files

# Mixed electrical and chemical coupling (the split step: two reductions per step), Euler-Maruyama too.
"$exe" particles "$src/validation/configs/mixed.ini" particles.n=30000 particles.threads=1 $common --out "$work/mixed1"
mpi 2 "$exe" particles "$src/validation/configs/mixed.ini" particles.n=30000 particles.threads=1 $common --out "$work/mixed2"
same "$work/mixed1" "$work/mixed2" $particles_files
"$exe" particles particles.n=20000 particles.scheme=euler particles.threads=1 $common --out "$work/euler1"
mpi 2 "$exe" particles particles.n=20000 particles.scheme=euler particles.threads=1 $common --out "$work/euler2"
same "$work/euler1" "$work/euler2" $particles_files

# More ranks than a population has blocks: I has 400 neurons, one block, so rank 1 holds none of it.
"$exe" particles particles.n=2000 particles.threads=1 $common --out "$work/small1"
mpi 2 "$exe" particles particles.n=2000 particles.threads=1 $common --out "$work/small2"
same "$work/small1" "$work/small2" $particles_files

# The sweep: gammas dealt to the ranks, gathered by rank 0.
"$exe" sweep --gamma 100,300,1000,3000,10000 --quiet --out "$work/sweep1"
mpi 2 "$exe" sweep --gamma 100,300,1000,3000,10000 --quiet --out "$work/sweep2"
same "$work/sweep1" "$work/sweep2" sweep.csv sweep_fit.csv config.ini

# compare (networks of every n and replica) and doublelimit (cells of the (gamma, n) table) dealt to the ranks.
cmp_args="--n 1000,4000 time.t_end=0.3 time.output_dt=0.1 time.snapshots=0.1 compare.replicas=3 --quiet"
"$exe" compare $cmp_args --out "$work/compare1"
mpi 2 "$exe" compare $cmp_args --out "$work/compare2"
same "$work/compare1" "$work/compare2" compare.csv compare_fit.csv summary.csv config.ini
# compare with FitzHugh-Nagumo neurons: the same driver, its own rows and summary.
fhn_args="$src/validation/configs/fhn_linear.ini --n 500,2000 time.t_end=0.3 time.output_dt=0.1 time.snapshots=0.1 compare.replicas=3 particles.dt=0.01 --quiet"
"$exe" compare $fhn_args --out "$work/fhncompare1"
mpi 3 "$exe" compare $fhn_args --out "$work/fhncompare3"
same "$work/fhncompare1" "$work/fhncompare3" compare.csv compare_summary.csv config.ini
dl_args="--n 1000,3000 --gamma 100,1000 time.t_end=0.2 --quiet"
"$exe" doublelimit $dl_args --out "$work/dl1"
mpi 3 "$exe" doublelimit $dl_args --out "$work/dl3"
same "$work/dl1" "$work/dl3" doublelimit.csv config.ini

# Errors: one message (from rank 0), the exit code of one process.
set +e
msg=$(mpi 2 "$exe" sweep --gamma 100,300 --out "$work/sweep2" 2>&1 >/dev/null)
rc=$?
set -e
if [ $rc -ne 2 ] || [ "$(grep -c 'not empty' <<<"$msg")" -ne 1 ]; then
  echo "FAIL: a non-empty directory under mpirun: exit $rc, message:"; echo "$msg"; failed=1
fi
# A job that is not distributed is refused before it writes anything (it would run R times over).
set +e
msg=$(mpi 2 "$exe" run time.t_end=0.1 --out "$work/run2" 2>&1 >/dev/null)
rc=$?
set -e
if [ $rc -ne 2 ] || [ "$(grep -c 'runs in one process' <<<"$msg")" -ne 1 ] || [ -e "$work/run2" ]; then
  echo "FAIL: run under mpirun -n 2: exit $rc, message:"; echo "$msg"; failed=1
fi
# A checkpoint holds a whole job of one process: resume under mpirun is refused before anything is read.
set +e
msg=$(mpi 2 "$exe" resume "$work/compare1" 2>&1 >/dev/null)
rc=$?
set -e
if [ $rc -ne 2 ] || [ "$(grep -c 'runs in one process' <<<"$msg")" -ne 1 ]; then
  echo "FAIL: resume under mpirun -n 2: exit $rc, message:"; echo "$msg"; failed=1
fi
exit $failed
