#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SEEDS WORKDIR SECONDS -- run a libFuzzer target for a
# bounded time on a copy of its seed corpus (new inputs go to WORKDIR, the
# sources stay untouched), print its statistics, and fail on any finding
# (the crashing input is kept in WORKDIR).
set -u
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
cd "$work" || exit 1
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  corpus "$seeds" 2>fuzz.log
rc=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' fuzz.log
grep -E 'ERROR|SUMMARY|round trip|Test unit written' fuzz.log | head -20
exit $rc
