#!/usr/bin/python3
"""Scaling of the particle simulator over MPI ranks (issue 13, docs/scaling.md).

    python3 validation/bench_mpi.py [path/to/mfbalance] [--steps N] [--repeats K] [--big]

The default model (chemical coupling, exponential scheme, dt = 1e-3) for N steps
(default 100), at n = 10^7 and 2 10^7, with threads x ranks = 2 and 1: (1 thread,
1 rank), (2 threads, 1 rank), (1 thread, 2 ranks under mpirun).  Per run: the time
per step on rank 0 (stepping only, from summary.csv), the time rank 0 spent in the
step's MPI_Allreduce (from the log; it includes waiting for the other rank) and the
peak resident memory of the largest process.  The median of K repeats (default 3).
With --big, also n = 10^8 (20 steps) on 1 rank x 2 threads and 2 ranks x 1 thread.
Writes validation/results/bench_mpi.md.
"""
import csv
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def peak_rss_mib(cmd):
    """Run cmd; the largest peak RSS of a waited-for descendant (a rank), in MiB."""
    pid = os.fork()
    if pid == 0:
        os.execvpe(cmd[0], cmd, ENV)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return usage.ru_maxrss / 1024.0


def run(exe, n, threads, ranks, steps):
    t_end = f"{steps * 1e-3:g}"
    with tempfile.TemporaryDirectory() as out:
        args = [exe, "particles", f"particles.n={n}", f"particles.threads={threads}", f"time.t_end={t_end}",
                f"time.output_dt={t_end}", f"time.snapshots={t_end}", "--out", out, "--force"]
        if ranks > 1:
            args = ["mpirun", "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + args
        log = out + ".log"
        rss = peak_rss_mib(["/bin/sh", "-c", " ".join(f"'{a}'" for a in args) + f" > {log}"])
        row = next(csv.DictReader(open(os.path.join(out, "summary.csv"))))
        text = open(log).read()
        os.remove(log)
        m = re.search(r"spent ([0-9.]+) s in ([0-9]+) reductions", text)
        reduce_s = float(m.group(1)) if m else 0.0
        nsteps = int(row["steps"])
    return float(row["wall_seconds"]) / nsteps, reduce_s / nsteps, rss


def main():
    args = sys.argv[1:]
    steps, repeats, big = 100, 3, "--big" in args
    args = [a for a in args if a != "--big"]
    for flag in ("--steps", "--repeats"):
        if flag in args:
            k = args.index(flag)
            if flag == "--steps":
                steps = int(args[k + 1])
            else:
                repeats = int(args[k + 1])
            del args[k:k + 2]
    exe = os.path.abspath(args[0] if args else os.path.join(ROOT, "build", "mfbalance"))
    load = os.getloadavg()
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, shared with other "
             f"work: load average {load[0]:.1f} at the start; default model, dt = 1e-3; median of {repeats} runs "
             f"(n = 10^8: one run).", "",
             "| n | threads | ranks | steps | time per step (ms) | of which Allreduce (ms) | neuron-steps/s | peak RSS per process (MiB) |",
             "|---|---|---|---|---|---|---|---|"]
    cases = [(n, t, r) for n in (10**7, 2 * 10**7) for (t, r) in ((1, 1), (2, 1), (1, 2))]
    if big:
        cases += [(10**8, 2, 1, 20), (10**8, 1, 2, 20)]
    for case in cases:
        n, threads, ranks = case[:3]
        nsteps = case[3] if len(case) > 3 else steps
        results = [run(exe, n, threads, ranks, nsteps) for _ in range(repeats if len(case) == 3 else 1)]
        step = statistics.median(r[0] for r in results)
        red = statistics.median(r[1] for r in results)
        rss = max(r[2] for r in results)
        lines.append(f"| {n:.0e} | {threads} | {ranks} | {nsteps} | {1e3 * step:.2f} | {1e3 * red:.3f} | {n / step:.3g} | {rss:.0f} |")
        print(lines[-1], f"(all: {[round(1e3 * r[0], 2) for r in results]} ms)", flush=True)
    load = os.getloadavg()
    lines += ["", f"Load average at the end: {load[0]:.1f}."]
    os.makedirs(os.path.join(ROOT, "validation", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "validation", "results", "bench_mpi.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
