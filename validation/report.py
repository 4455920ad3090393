#!/usr/bin/python3
"""The validation report: every study of validation/, run and written up.

    python3 validation/report.py [build/mfbalance] [--size full|tiny] [--out DIR] [--strict]

Runs each study script with MFBALANCE_REPORT set (validation/checks.py:
every check is recorded with its measured and expected value) and writes
DIR/README.md (default DIR: validation/report/): a summary table, then per
study its checks, measured beside expected with pass or fail, its notes and
its figures (copied into DIR).  `full` is the size the committed report is
made at (10.4 minutes of CPU time, so within 15 minutes on 2 idle cores; 52 minutes of wall time
at load 16 to 19 on the 2 shared cores); `tiny` only shows that every study
still runs (the test suite uses it).  Exit 0 when the report was written
(with --strict: and every check passed), 1 otherwise.  The report is
generated, never edited by hand.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable


def studies(exe, work, size):
    """(title, command) per study, at the given size."""
    tiny = size == "tiny"
    cfg = os.path.join(HERE, "configs")
    sweep = lambda model: [PY, os.path.join(HERE, "check_sweep.py"), exe, model, os.path.join(work, "sweep-" +
                           os.path.basename(model).split(".")[0])] + (["--gamma", "100,1000"] if tiny else [])
    return [
        ("Convergence orders (`mfbalance converge`)",
         [PY, os.path.join(HERE, "check_converge.py"), exe, os.path.join(work, "converge"), "--size", size]),
        ("Balance: the gamma sweep, default model", sweep("default")),
        ("Balance: the gamma sweep, asymmetric model", sweep(os.path.join(cfg, "asymmetric.ini"))),
        ("Balance: the gamma sweep, three populations", sweep(os.path.join(cfg, "three.ini"))),
        ("Balance: the gamma sweep, mixed electrical and chemical coupling", sweep(os.path.join(cfg, "mixed.ini"))),
        ("Balance: the gamma sweep, electrical coupling alone (the consensus line)",
         sweep(os.path.join(cfg, "electrical.ini"))),
        ("Electrical coupling: the common value against its ODE",
         [PY, os.path.join(HERE, "check_electrical.py"), exe, os.path.join(work, "electrical")] +
         (["--gamma", "100,1000"] if tiny else [])),
        ("Particles against the PDE (`mfbalance compare`)",
         [PY, os.path.join(HERE, "check_compare.py"), exe, os.path.join(work, "compare")] +
         (["--n", "1000,10000"] if tiny else [])),
        ("Hopf-Cole solver and the Hamilton-Jacobi limit (`mfbalance hj`)",
         [PY, os.path.join(HERE, "check_hj.py"), exe, os.path.join(work, "hj"), "--size", size]),
        ("FitzHugh-Nagumo: the kinetic equation in (v, w) on S1 and S2 (`mfbalance run`, neuron = fhn)",
         [PY, os.path.join(HERE, "check_fhn_pde.py"), exe, os.path.join(work, "fhn-pde")] +
         (["--quick"] if tiny else [])),
        ("Accuracy per second: the work-precision study",
         [PY, os.path.join(HERE, "work_precision.py"), exe, "--out", os.path.join(work, "work-precision")] +
         (["--quick"] if tiny else [])),
    ]


def main():
    args = sys.argv[1:]
    exe = os.path.abspath(args[0]) if args and not args[0].startswith("--") else os.path.join(ROOT, "build", "mfbalance")
    size = args[args.index("--size") + 1] if "--size" in args else "full"
    out = os.path.abspath(args[args.index("--out") + 1]) if "--out" in args else os.path.join(HERE, "report")
    if size not in ("full", "tiny"):
        sys.exit("report.py: --size is full or tiny")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):  # the figures of an earlier report: this one copies its own
        if name.endswith(".png"):
            os.remove(os.path.join(out, name))
    results = []
    with tempfile.TemporaryDirectory() as work:
        for title, cmd in studies(exe, work, size):
            log = os.path.join(work, "records.jsonl")
            if os.path.exists(log):
                os.remove(log)
            env = dict(os.environ, MFBALANCE_REPORT=log)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            records = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
            for r in records:  # figures are copied next to the report
                if r["kind"] == "figure" and os.path.exists(r["path"]):
                    name = f"{len(results) + 1:02d}-{os.path.basename(os.path.dirname(r['path']))}-" \
                           f"{os.path.basename(r['path'])}"
                    shutil.copy(r["path"], os.path.join(out, name))
                    r["file"] = name
            results.append({"title": title, "cmd": cmd, "wall": wall, "records": records, "rc": proc.returncode,
                            "stderr": proc.stderr[-2000:]})
            checks = [r for r in records if r["kind"] == "check"]
            print(f"{title}: {sum(r['ok'] for r in checks)}/{len(checks)} checks passed, {wall:.0f} s"
                  + ("" if proc.returncode in (0, 1) else f" (the study failed to run: exit {proc.returncode})"),
                  flush=True)
    write(out, results, size, exe)
    failed = sum(not r["ok"] for res in results for r in res["records"] if r["kind"] == "check")
    broken = sum(res["rc"] not in (0, 1) for res in results)
    print(f"report written to {out}/README.md: {failed} check(s) failed, {broken} stud(y/ies) did not run")
    sys.exit(1 if broken or ("--strict" in args and failed) else 0)


def rel(cmd):
    return " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else
                    ("python3" if c == PY else ("DIR" if c.startswith(tempfile.gettempdir()) else c)) for c in cmd)


def write(out, results, size, exe):
    git = lambda *a: subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    # Uncommitted changes outside the report itself make the commit an incomplete description.
    dirty = [l for l in git("status", "--porcelain", "--untracked-files=no").splitlines()
             if not l[3:].startswith(os.path.relpath(out, ROOT) + "/")] if commit != "unknown" else []
    total = sum(res["wall"] for res in results)
    try:
        load = " (load average %.1f, %.1f, %.1f at the end)" % os.getloadavg()
    except OSError:
        load = ""
    checks = [r for res in results for r in res["records"] if r["kind"] == "check"]
    lines = ["# Validation report", "",
             f"Generated by `python3 validation/report.py --size {size}` (never edited by hand) on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {commit}"
             f"{' with uncommitted changes' if dirty else ''}, on {platform.machine()} with {os.cpu_count()} cores "
             f"({platform.platform()}){load}, in {total / 60:.1f} minutes. "
             "Each check states the measured value beside the expected one; "
             f"{sum(r['ok'] for r in checks)} of {len(checks)} checks passed.", "",
             "| study | checks passed | wall time (s) |", "|---|---|---|"]
    for res in results:
        checks = [r for r in res["records"] if r["kind"] == "check"]
        status = f"{sum(r['ok'] for r in checks)} / {len(checks)}" if res["rc"] in (0, 1) else \
            f"did not run (exit {res['rc']})"
        lines.append(f"| {res['title']} | {status} | {res['wall']:.0f} |")
    for res in results:
        lines += ["", f"## {res['title']}", "", f"`{rel(res['cmd'])}`", ""]
        checks = [r for r in res["records"] if r["kind"] == "check"]
        if checks:
            lines += ["| check | measured | expected | |", "|---|---|---|---|"]
            lines += [f"| {r['name']} | {r['measured']} | {r['expected']} | {'pass' if r['ok'] else '**FAIL**'} |"
                      for r in checks]
        lines += [f"- {r['text']}" for r in res["records"] if r["kind"] == "note"]
        if res["rc"] not in (0, 1):
            lines += ["", "The study did not run to its end:", "", "```", res["stderr"].strip(), "```"]
        lines += [f"\n![{r['caption']}]({r['file']})" for r in res["records"] if r["kind"] == "figure" and "file" in r]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
