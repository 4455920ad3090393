#!/usr/bin/python3
"""Throughput of the particle simulator (particle issue).

    python3 validation/bench_particles.py [path/to/mfbalance] [--steps N]

The default model at n = 10^6 for N steps (default 1000; dt = 1e-3), with 1 and 2
threads and both schemes, as it is (chemical coupling only) and with the electrical
weights g_el = [[0, 0.5], [0.5, 0]] added (mixed coupling: the split scheme, two
passes over the voltages per step): neuron-steps per second from summary.csv (time
spent stepping, observables excluded) and the peak resident memory of the process,
against the 8 MB that 10^6 voltages take.  Writes validation/results/bench_particles.md.
"""
import csv
import os
import platform
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


MODELS = {"chemical": [], "mixed": ["pop.E.g_el=0 0.5", "pop.I.g_el=0.5 0"]}


def run(exe, threads, scheme, model, steps):
    t_end = f"{steps * 1e-3:g}"
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run([exe, "particles", "particles.n=1000000", f"particles.threads={threads}",
                        f"particles.scheme={scheme}", f"time.t_end={t_end}", f"time.output_dt={t_end}",
                        f"time.snapshots={t_end}"] + MODELS[model] + ["--out", out, "--force", "--quiet"],
                       check=True)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        row = next(csv.DictReader(open(os.path.join(out, "summary.csv"))))
    return float(row["neuron_steps_per_second"]), float(row["wall_seconds"]), max(rss, before) / 1024.0


def main():
    args = sys.argv[1:]
    steps = 1000
    if "--steps" in args:
        k = args.index("--steps")
        steps = int(args[k + 1])
        del args[k:k + 2]
    exe = args[0] if args else os.path.join(ROOT, "build", "mfbalance")
    load = os.getloadavg()[0]
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
             f"load average {load:.1f} at the start; n = 10^6, {steps} steps.", "",
             "| coupling | scheme | threads | neuron-steps/s | stepping time (s) | peak RSS (MiB) |",
             "|---|---|---|---|---|---|"]
    for model in MODELS:
        for scheme in ("exponential", "euler"):
            for threads in (1, 2):
                rate, wall, rss = run(exe, threads, scheme, model, steps)
                lines.append(f"| {model} | {scheme} | {threads} | {rate:.3g} | {wall:.2f} | {rss:.1f} |")
                print(lines[-1], flush=True)
    os.makedirs(os.path.join(ROOT, "validation", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "validation", "results", "bench_particles.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
