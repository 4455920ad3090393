#!/usr/bin/env python3
"""test_resume.py -- interrupt `run`, `particles`, `sweep`, `hj` and
`compare` with SIGINT mid-way, check what the interrupted job left (exit
130, every file renamed, status interrupted, a checkpoint), resume it with
`mfbalance resume DIR` and compare with the same job run without
interruption: the particle network, `hj` and `compare` bit for bit, the PDE
run to 1e-10 relative (it is in fact bit-identical: CVODE restarts at the
same output times either way), the sweep's rows but for their wall times.
Then the refusals: a checkpoint of another format version, a changed
config.ini, a finished job (exit 2 each); `compare` stopped while it
solves the PDE; `particles` and `hj` resumed
after SIGKILL from their periodic checkpoint; and the jobs that write no
checkpoint (doublelimit, a FitzHugh-Nagumo run): stopped, they leave none
and `resume` refuses their directory.

Usage: test_resume.py MFBALANCE"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="mfbalance-resume.")
failures = []

JOBS = {  # each takes a few seconds on 2 cores: long enough to be stopped mid-way
    "run": (["run", "time.t_end=20", "grid.moving_cells=3000"], ["observables.csv", "density.csv"]),
    "particles": (["particles", "particles.n=200000", "time.t_end=1"], ["observables.csv", "density.csv"]),
    "sweep": (["sweep", "--gamma", "100,200,300,500,1000,2000,3000,5000,10000,20000,30000,100000"],
              ["sweep.csv", "sweep_fit.csv"]),
    # checkpoint_every = 0.25: CVODE restarts every 7.5e6 cells x populations x steps (about 1900 steps here),
    # so that a checkpoint past the start exists mid-way; the reference run restarts at the same points.
    "hj": (["hj", "model.gamma=1e6", "hj.tau_end=50", "output.checkpoint_every=0.25"], ["hj.csv", "u.csv"]),
    "compare": (["compare", "--n", "1000,10000", "compare.replicas=6"], ["compare.csv", "compare_fit.csv"]),
}
# Jobs whose every output file must come back byte for byte (summary.csv included: no wall times in it).
BYTES = {"particles": ["observables.csv", "density.csv"], "hj": ["hj.csv", "u.csv", "summary.csv"],
         "compare": ["compare.csv", "compare_fit.csv", "summary.csv"]}
# The checkpoint's position: past the start, so that the resumed job really skipped work.
POSITION = {"hj": "next_output", "compare": "next_network"}


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
    return cond


def read_rows(path, drop=("wall_seconds", "neuron_steps_per_second")):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop]
    return [[r[i] for i in keep] for r in rows]


def max_rel_diff(a, b):
    """Largest relative difference of the numeric fields of two equal-shaped tables."""
    worst = 0.0
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                if x != y:
                    return float("inf")
                continue
            if fx != fy:
                worst = max(worst, abs(fx - fy) / max(abs(fx), abs(fy)))
    return worst


def interrupted_run(name, args, duration):
    """Start the job, SIGINT it after part of the reference duration; its directory and exit code."""
    for fraction in (0.5, 0.3, 0.15):
        out = os.path.join(TMP, "%s-int-%g" % (name, fraction))
        p = subprocess.Popen([EXE] + args + ["--out", out, "--quiet"], stderr=subprocess.PIPE)
        time.sleep(fraction * duration)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            err = p.communicate()[1].decode()
            return out, p.returncode, err
        p.communicate()
    return None, None, "the job finished before the signal every time"


for name, (args, files) in JOBS.items():
    ref = os.path.join(TMP, name + "-ref")
    start = time.time()
    rc = subprocess.run([EXE] + args + ["--out", ref, "--quiet"]).returncode
    duration = time.time() - start
    if not check(rc == 0, "%s: the uninterrupted job exits 0 (%.1f s)" % (name, duration)):
        continue
    check(not os.path.exists(os.path.join(ref, "checkpoint")), "%s: a finished job leaves no checkpoint" % name)
    out, rc, err = interrupted_run(name, args, duration)
    if not check(out is not None and rc == 130, "%s: SIGINT mid-way exits 130 (%s)" % (name, err.strip())):
        continue
    names = os.listdir(out)
    check(not [f for f in names if ".tmp" in f], "%s: no temporary file left: %s" % (name, names))
    check("checkpoint" in names and "config.ini" in names, "%s: checkpoint and config.ini written" % name)
    check(all(f in names for f in files[:1]), "%s: %s renamed into place" % (name, files[0]))
    if name != "sweep":
        status = [r[-1] for r in read_rows(os.path.join(out, "summary.csv"))[1:]]
        check(set(status) == {"interrupted"}, "%s: summary.csv status interrupted (%s)" % (name, status))
    if name in ("run", "particles"):
        rows = len(read_rows(os.path.join(out, "observables.csv")))
        total = len(read_rows(os.path.join(ref, "observables.csv")))
        check(1 < rows < total, "%s: observables.csv has %d of %d rows: stopped mid-way" % (name, rows, total))
    else:
        rows = len(read_rows(os.path.join(out, files[0])))
        total = len(read_rows(os.path.join(ref, files[0])))
        check(rows < total, "%s: %s has %d of %d rows: stopped mid-way" % (name, files[0], rows, total))
    if name in POSITION and "checkpoint" in names:
        lines = open(os.path.join(out, "checkpoint"), errors="replace").read().split("\n")
        pos = [int(x.split()[2]) for x in lines if x.startswith("long %s " % POSITION[name])]
        check(pos and pos[0] > 1, "%s: the checkpoint resumes at %s %s" % (name, POSITION[name], pos))
    spare = out + "-copy"
    shutil.copytree(out, spare)
    p = subprocess.run([EXE, "resume", out, "--quiet"], stderr=subprocess.PIPE)
    check(p.returncode == 0, "%s: resume exits 0 %s" % (name, p.stderr.decode().strip()))
    check(not os.path.exists(os.path.join(out, "checkpoint")), "%s: resume removes the checkpoint" % name)
    for f in files + (["summary.csv"] if name != "sweep" else []):
        a, b = read_rows(os.path.join(ref, f)), read_rows(os.path.join(out, f))
        if f in BYTES.get(name, []):
            same = open(os.path.join(ref, f), "rb").read() == open(os.path.join(out, f), "rb").read()
            check(same, "%s: %s bit-identical to the uninterrupted run" % (name, f))
        else:
            d = max_rel_diff(a, b) if len(a) == len(b) else float("inf")
            check(d <= 1e-10, "%s: %s: %d rows, max relative difference %.3g to the uninterrupted run (<= 1e-10)"
                  % (name, f, len(b), d))
    # Refusals, on the copy of the interrupted directory.
    ck = os.path.join(spare, "checkpoint")
    text = open(ck, "rb").read()
    open(ck, "wb").write(text.replace(b"mfbalance-checkpoint 1\n", b"mfbalance-checkpoint 2\n", 1))
    p = subprocess.run([EXE, "resume", spare], stderr=subprocess.PIPE)
    check(p.returncode == 2 and b"version 2" in p.stderr, "%s: another format version refused: %s"
          % (name, p.stderr.decode().strip()))
    open(ck, "wb").write(text)
    cfg = os.path.join(spare, "config.ini")
    ini = open(cfg).read()
    open(cfg, "w").write(ini.replace("[model]\ngamma = ", "[model]\ngamma = 1", 1))
    p = subprocess.run([EXE, "resume", spare], stderr=subprocess.PIPE)
    check(p.returncode == 2 and b"another configuration" in p.stderr, "%s: a changed config.ini refused: %s"
          % (name, p.stderr.decode().strip()))
    p = subprocess.run([EXE, "resume", out], stderr=subprocess.PIPE)
    check(p.returncode == 2 and b"no checkpoint" in p.stderr, "%s: a finished job refused: %s"
          % (name, p.stderr.decode().strip()))

# compare stopped while it solves the PDE (10000 moving cells: seconds, before any network): compare.csv holds
# the header, the checkpoint is before network 0, and the resumed job solves the PDE again to the same bytes.
args = ["compare", "--n", "1000", "compare.replicas=2", "grid.moving_cells=10000"]
ref, out = os.path.join(TMP, "compare-pde-ref"), os.path.join(TMP, "compare-pde-int")
subprocess.run([EXE] + args + ["--out", ref, "--quiet"], check=True)
p = subprocess.Popen([EXE] + args + ["--out", out, "--quiet"], stderr=subprocess.PIPE)
while p.poll() is None and not os.path.exists(os.path.join(out, "config.ini")):
    time.sleep(0.01)
p.send_signal(signal.SIGINT)
err = p.communicate()[1].decode()
if check(p.returncode == 130 and "of the PDE" in err, "compare: SIGINT in the PDE exits 130 (%s)" % err.strip()):
    status = [r[-1] for r in read_rows(os.path.join(out, "summary.csv"))[1:]]
    check(set(status) == {"interrupted"}, "compare: stopped in the PDE, summary.csv says interrupted (%s)" % status)
    check(len(read_rows(os.path.join(out, "compare.csv"))) == 1, "compare: stopped in the PDE, compare.csv is its header")
    check("long next_network 0\n" in open(os.path.join(out, "checkpoint"), errors="replace").read(),
          "compare: stopped in the PDE, the checkpoint is before network 0")
    p = subprocess.run([EXE, "resume", out, "--quiet"], stderr=subprocess.PIPE)
    check(p.returncode == 0, "compare: resume after the PDE's interruption exits 0 %s" % p.stderr.decode().strip())
    for f in ("compare.csv", "summary.csv"):
        same = open(os.path.join(ref, f), "rb").read() == open(os.path.join(out, f), "rb").read()
        check(same, "compare: stopped in the PDE and resumed, %s bit-identical to the uninterrupted run" % f)

# Jobs without checkpoints (docs/checkpoint.md): stopped, they flush their rows and leave no checkpoint, and
# `resume` refuses the directory.  doublelimit; a FitzHugh-Nagumo run (fhn.csv and marginals.csv are not in one).
NONE = {
    "doublelimit": ["doublelimit", "--n", "1000,10000,100000", "--gamma", "100,1000"],
    "fhn run": ["run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "validation", "configs",
                                     "fhn_s1.ini"), "grid.cells_v=300", "grid.cells_w=150"],
}
for name, args in NONE.items():
    out = os.path.join(TMP, name.replace(" ", "-") + "-int")
    p = subprocess.Popen([EXE] + args + ["--out", out, "--quiet"], stderr=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    err = p.communicate()[1].decode()
    if not check(p.returncode == 130, "%s: SIGINT exits 130 (%s)" % (name, err.strip())):
        continue
    check(not os.path.exists(os.path.join(out, "checkpoint")), "%s: no checkpoint written" % name)
    p = subprocess.run([EXE, "resume", out], stderr=subprocess.PIPE)
    check(p.returncode == 2 and b"no checkpoint" in p.stderr, "%s: resume refused: %s"
          % (name, p.stderr.decode().strip()))

# A crash (SIGKILL): only the periodic checkpoint and the temporary files remain.  (hj's reference
# already ran with checkpoint_every = 0.25, which places its restart points.)
for name, extra in (("particles", ["output.checkpoint_every=0.2"]), ("hj", [])):
    args = JOBS[name][0] + extra
    ref = os.path.join(TMP, name + "-ref")
    for fraction in (0.6, 0.4, 0.25):
        out = os.path.join(TMP, "%s-kill-%g" % (name, fraction))
        p = subprocess.Popen([EXE] + args + ["--out", out, "--quiet"])
        start = time.time()
        while (time.time() - start < fraction * 20 and p.poll() is None
               and not os.path.exists(os.path.join(out, "checkpoint"))):
            time.sleep(0.05)
        time.sleep(0.5)
        if p.poll() is None:
            p.kill()
            p.wait()
            break
        p.wait()
    if check(os.path.exists(os.path.join(out, "checkpoint")), "%s: SIGKILL leaves a periodic checkpoint" % name):
        # What a kill during the writing of a later checkpoint leaves (it happens at random): resume removes it.
        with open(os.path.join(out, ".checkpoint.tmp-Ab12Cd"), "w") as f:
            f.write("mfbalance-checkpoint 1\njob %s\nconf" % name)
        p = subprocess.run([EXE, "resume", out, "--quiet"], stderr=subprocess.PIPE)
        check(p.returncode == 0, "%s: resume after SIGKILL exits 0 %s" % (name, p.stderr.decode().strip()))
        left = [f for f in os.listdir(out) if ".tmp" in f]
        check(not left, "%s: resume takes over the killed run's temporary files: %s" % (name, left))
        for f in JOBS[name][1]:
            same = open(os.path.join(ref, f), "rb").read() == open(os.path.join(out, f), "rb").read()
            check(same, "%s: after SIGKILL, %s bit-identical to the uninterrupted run" % (name, f))

# The progress line: on a terminal only, and not with --quiet.
import pty  # noqa: E402
import select  # noqa: E402


# A job far longer than the line's 1 s of silence on any machine, stopped once the line has
# shown (or after `seconds`): whether a shorter job prints depends on the machine's speed.
PROGRESS_JOB = ["particles", "particles.n=1000000", "time.t_end=20"]


def stderr_on_terminal(extra, seconds):
    master, slave = pty.openpty()
    p = subprocess.Popen([EXE] + PROGRESS_JOB + ["--out", os.path.join(TMP, "tty-%d" % len(extra))] + extra,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    got, start = b"", time.time()
    while time.time() - start < seconds and b"ETA" not in got and p.poll() is None:
        if select.select([master], [], [], 0.2)[0]:
            try:
                got += os.read(master, 4096)
            except OSError:
                break
    p.kill()
    p.wait()
    os.close(master)
    return got.decode("utf-8", "replace")


line = stderr_on_terminal([], 30.0)
check("particles: t = " in line and "ETA" in line and "neuron-steps/s" in line,
      "progress line on a terminal: %r" % line[-120:])
check(stderr_on_terminal(["--quiet"], 3.0) == "", "no progress line with --quiet")
p = subprocess.Popen([EXE] + PROGRESS_JOB + ["--out", os.path.join(TMP, "notty")], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)
time.sleep(3.0)
p.kill()
check(p.communicate()[1] == b"", "no progress line when stderr is not a terminal")

shutil.rmtree(TMP, ignore_errors=True)
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
