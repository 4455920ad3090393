#!/usr/bin/python3
"""Throughput of the particle simulator (particle issue).

    python3 validation/bench_particles.py [path/to/mfbalance]

The default model at n = 10^6 for 1000 steps (t_end = 1, dt = 1e-3), with 1 and 2
threads and both schemes: neuron-steps per second from summary.csv (time spent
stepping, observables excluded) and the peak resident memory of the process, against
the 8 MB that 10^6 voltages take.  Writes validation/results/bench_particles.md.
"""
import csv
import os
import platform
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(exe, threads, scheme):
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run([exe, "particles", "particles.n=1000000", f"particles.threads={threads}",
                        f"particles.scheme={scheme}", "time.t_end=1", "time.output_dt=1", "time.snapshots=1",
                        "--out", out, "--force", "--quiet"], check=True)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        row = next(csv.DictReader(open(os.path.join(out, "summary.csv"))))
    return float(row["neuron_steps_per_second"]), float(row["wall_seconds"]), max(rss, before) / 1024.0


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "mfbalance")
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}.", "",
             "| scheme | threads | neuron-steps/s | stepping time (s) | peak RSS (MiB) |", "|---|---|---|---|---|"]
    for scheme in ("exponential", "euler"):
        for threads in (1, 2):
            rate, wall, rss = run(exe, threads, scheme)
            lines.append(f"| {scheme} | {threads} | {rate:.3g} | {wall:.2f} | {rss:.1f} |")
            print(lines[-1], flush=True)
    os.makedirs(os.path.join(ROOT, "validation", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "validation", "results", "bench_particles.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
