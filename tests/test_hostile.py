#!/usr/bin/env python3
"""test_hostile.py -- hostile input against the program: every key and file
with bad numbers, ranges, NaN and infinities, huge and empty values, unknown
keys and sections, bad overrides, bad grid files, bad output directories and
bad options.  Each case asserts the documented exit code (2 input, 3
numerical, 4 I/O) and the class of its message: the override or file:line
it names, or the key to change.  An input error must not create the output
directory.

Usage: test_hostile.py MFBALANCE [--verbose]"""
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

EXE = os.path.abspath(sys.argv[1])
VERBOSE = "--verbose" in sys.argv
TMP = tempfile.mkdtemp(prefix="mfbalance-hostile.")
# The passive wait policy set here spares each case the start-up again (main.c, passive_openmp).
ENV = dict(os.environ, MFBALANCE_MEMORY="4G", OMP_WAIT_POLICY="passive")

cases = []  # (name, argv, expected exit code, needle in stderr, out dir must not exist)


def case(name, args, code, needle, fresh_out=True):
    out = os.path.join(TMP, "out-%d" % len(cases))
    argv = list(args)
    if fresh_out and argv and argv[0] not in ("config",):
        argv += ["--out", out]
    cases.append((name, argv, code, needle, out if fresh_out and code == 2 else None))


def write(name, text, mode="w"):
    path = os.path.join(TMP, name)
    with open(path, mode) as f:
        f.write(text)
    return path


def override(cmd, arg, code=2, needle=None):
    case("%s %s" % (cmd, arg), [cmd, arg], code, needle if needle is not None else "override '%s'" % arg)


# ---- every numeric key: not a number, NaN, infinities, overflow, empty, two values -----------------
numeric = ["model.gamma", "pop.E.sigma", "pop.I.reversal", "pop.E.fraction", "grid.xmin", "grid.xmax",
           "grid.moving_halfwidth", "time.t_end", "time.output_dt", "time.rtol", "time.atol",
           "sweep.stationary_tol", "sweep.collapse_radius", "sweep.cells_per_sd", "particles.dt", "hj.tau_end",
           "hj.output_dtau", "hj.rtol", "hj.atol"]
bad_numbers = ["abc", "1x", "", "nan", "-inf", "1e999", "--1", "1 2"]
for key in numeric:
    for v in bad_numbers:
        override("run", "%s=%s" % (key, v))
    if key != "model.gamma":
        override("run", "%s=inf" % key)

# ---- ranges ------------------------------------------------------------------------------------------
positive = ["model.gamma", "pop.E.sigma", "grid.moving_halfwidth", "time.t_end", "time.output_dt", "time.atol",
            "sweep.stationary_tol", "sweep.collapse_radius", "particles.dt", "hj.tau_end", "hj.output_dtau",
            "hj.atol"]
for key in positive:
    for v in ["0", "-1", "-1e-300"]:
        override("run", "%s=%s" % (key, v))
for key in ["time.rtol", "hj.rtol"]:
    for v in ["0", "1", "1.5", "-0.1"]:
        override("run", "%s=%s" % (key, v))
for v in ["0", "1.5", "-0.2"]:
    override("run", "pop.E.fraction=%s" % v)
override("run", "pop.E.fraction=0.5", needle="fractions sum to")
override("run", "sweep.cells_per_sd=0.5")
override("run", "grid.moving_halfwidth=41")
override("run", "grid.xmin=5", needle="xmin")

# ---- whole numbers ------------------------------------------------------------------------------------
integers = {"grid.cells": ["4", "7", "-1", "1e8", "100000001"], "grid.moving_cells": ["7", "0", "1e3"],
            "solver.max_steps": ["0", "-5", "1.5"], "particles.n": ["0", "-1", "1.5", "1e6", "2000000000000"],
            "particles.threads": ["-1", "1025", "two"], "compare.replicas": ["0", "10001", "1.0"],
            "particles.seed": ["-1", "1.5", "18446744073709551616", "0x10"]}
for key, values in integers.items():
    for v in values + ["abc", "", "99999999999999999999999"]:
        override("run", "%s=%s" % (key, v))

# ---- lists ---------------------------------------------------------------------------------------------
lists = {"pop.E.f": ["0 1 0", "0 1 0 -0.3 1", "0 1 nan 0", "a b c d", ""],
         "pop.E.sigmoid": ["1 4", "-1 4 0", "1 inf 0", "1 4 0 0", ""],
         "pop.E.g": ["1", "1 2 3", "-1 1", "1 nan", ""],
         "pop.E.init": ["gaussian 1", "gaussian 1 0", "gaussian 1 -1", "uniform 1 0", "uniform 0 nan",
                        "normal 0 1", "gaussian", "", "gaussian 1 0.5 2"],
         "time.snapshots": ["1 0.5", "-1", "0 0 1", "0 nan", "x", "0 6"],
         "hj.snapshots": ["0 x", "nan"],
         "sweep.gammas": ["", "0", "-3", "100 nan", "100,x", " ".join(["10"] * 65)],
         "compare.n": ["", "0", "100 0.5", "1e13", "-5", "x"],
         "grid.refine": ["0 1", "0 -1 0.1", "0 1 0", "0 1 -0.1", "a b c", " ".join(["0 1 0.1"] * 9)]}
for key, values in lists.items():
    for v in values:
        override("run" if key not in ("sweep.gammas",) else "sweep", "%s=%s" % (key, v))

# ---- words ---------------------------------------------------------------------------------------------
words = {"grid.method": ["", "Fixed", "mov", "fixed moving"], "solver.linear": ["", "lu", "Band"],
         "particles.scheme": ["", "rk4", "Euler"], "particles.dump": ["", "yes", "1"],
         "sweep.refine": ["", "on", "auto off"]}
for key, values in words.items():
    for v in values:
        override("run", "%s=%s" % (key, v))

# ---- unknown keys and sections, bad overrides ----------------------------------------------------------
for arg in ["model.gama=1", "grid.cell=100", "time.tend=1", "solver.x=1", "sweep.y=1", "particles.z=1",
            "compare.w=1", "hj.v=1", "nosuch.key=1", "pop.E.sigm=1", "pop.E.sigma.x=1", "Model.gamma=1"]:
    override("run", arg)
override("run", "pop.Z.sigma=1", needle="no population 'Z'")
for arg in ["=1", ".gamma=1", "model.=1", "gamma=1", "." + "x" * 200 + "=1"]:
    override("run", arg)
override("run", "model.gamma=" + "1" * 300, needle="override")

# ---- configuration files -------------------------------------------------------------------------------
base = ("[model]\ngamma = 50\n[pop.E]\nsigma = 0.5\nf = 0 1 0 -0.3\nreversal = 2\nsigmoid = 1 4 0\ng = 1 1.5\n"
        "init = gaussian 1 0.5\n[pop.I]\nsigma = 0.4\nf = 0 1 0 -0.3\nreversal = -2\nsigmoid = 1 4 0\ng = 1 1.5\n"
        "init = uniform -2 0\n")


def variant(k, line, repl):
    lines = base.split("\n")
    lines[line - 1] = repl
    return write("v%d.ini" % k, "\n".join(lines))


file_cases = [(2, "gamma = -1"), (2, "gamma = x"), (2, "gama = 1"), (4, "sigma = 0"), (4, "sigma nan"),
              (5, "f = 0 1"), (6, "reversal = inf"), (7, "sigmoid = 1 2"), (8, "g = 1"), (9, "init = gaussian 1 -1"),
              (10, "[pop.I"), (10, "[pop.I J]"), (11, "sigma = 0.4 0.5"), (12, "f ="), (13, "reversal"),
              (14, "= 1"), (15, "g = 1 1 1"), (16, "init = uniform 0 -1"), (3, "[pop.E!]"), (1, "[nosuch]"),
              (2, "sigma = 0.5")]
for k, (line, repl) in enumerate(file_cases):
    path = variant(k, line, repl)
    case("file line %d: %s" % (line, repl), ["run", path], 2, "%s:" % path)
dup = write("dup.ini", base + "[model]\ngamma = 3\n")
case("file: duplicate key", ["run", dup], 2, "dup.ini:18")
before = write("before.ini", "gamma = 1\n" + base)
case("file: key before section", ["run", before], 2, "before.ini:1")
longline = write("long.ini", "[model]\ngamma = " + "1" * 5000 + "\n")
case("file: long line", ["run", longline], 2, "long.ini:2")
missing = write("missing.ini", base.replace("reversal = -2\n", ""))
case("file: missing key", ["run", missing], 2, "no 'reversal' key")
binary = write("binary.ini", b"\x00\xff\xfe[model]\n\x00gamma=\x01\n", "wb")
case("file: binary", ["run", binary], 2, "binary.ini")
case("file: does not exist", ["run", os.path.join(TMP, "nope.ini")], 2, "nope.ini: cannot open")
case("file: a directory", ["run", TMP], 2, TMP)
empty_pops = write("nopop.ini", "[model]\ngamma = 1\n[pop.]\nsigma = 1\n")
case("file: empty population name", ["run", empty_pops], 2, "nopop.ini:")
many = write("many.ini", "".join("[pop.P%d]\nsigma = 1\n" % k for k in range(17)))
case("file: 17 populations", ["run", many], 2, "more than 16 populations")
frac = write("frac.ini", base.replace("init = gaussian 1 0.5\n", "init = gaussian 1 0.5\nfraction = 0.5\n"))
case("file: fraction for one population", ["run", frac], 2, "'fraction' is given for 1 of 2")

# ---- grid files ----------------------------------------------------------------------------------------
grids = {"g-text.txt": ("0\n1\nx\n", "g-text.txt:3"), "g-down.txt": ("0\n1\n0.5\n", "g-down.txt:3"),
         "g-equal.txt": ("0\n1\n1\n", "g-equal.txt:3"), "g-few.txt": ("0\n1\n2\n", "expected at least 8 cells"),
         "g-empty.txt": ("", "0 faces"), "g-nan.txt": ("0\nnan\n", "g-nan.txt:2"),
         "g-inf.txt": ("0\ninf\n", "g-inf.txt:2"), "g-two.txt": ("0 1\n", "g-two.txt:1"),
         "g-huge.txt": ("0\n1e999\n", "g-huge.txt:2"), "g-comment.txt": ("# only a comment\n", "0 faces"),
         "g-binary.txt": ("\x01\x02\n", "g-binary.txt:1")}
for name, (text, needle) in grids.items():
    path = write(name, text)
    case("grid file %s" % name, ["run", "grid.file=" + path], 2, needle)
case("grid file missing", ["run", "grid.file=" + os.path.join(TMP, "nogrid.txt")], 2, "nogrid.txt")
case("grid file is a directory", ["run", "grid.file=" + TMP], 2, TMP)
case("grid file empty name", ["run", "grid.file="], 2, "override 'grid.file='")
case("grid file and refine", ["run", "grid.file=" + write("g-ok.txt", "\n".join(str(k) for k in range(10))),
                              "grid.refine=0 1 0.1"], 2, "refine")
case("grid file for hj", ["hj", "grid.file=" + os.path.join(TMP, "g-text.txt")], 2, "g-text.txt:3")
case("grid file for particles", ["particles", "grid.file=" + os.path.join(TMP, "g-down.txt")], 2, "g-down.txt:3")
case("grid file for balance", ["balance", "grid.file=" + os.path.join(TMP, "g-few.txt")], 2, "at least 8 cells")

# ---- output directories -----------------------------------------------------------------------------
afile = write("afile", "x\n")
small = ["grid.cells=200", "time.t_end=0.5"]
case("--out a file", ["run"] + small + ["--out", afile], 4, "is not a directory", fresh_out=False)
case("--out below a file", ["run"] + small + ["--out", afile + "/sub"], 4, "cannot create", fresh_out=False)
case("--out empty", ["run", "--out", ""], 2, "expected a directory name", fresh_out=False)
case("--out= empty", ["run", "--out="], 2, "expected a directory name", fresh_out=False)
case("--out missing", ["run", "--out"], 2, "needs a directory", fresh_out=False)
full = os.path.join(TMP, "full")
os.makedirs(full)
write("full/result.csv", "x\n")
case("--out not empty", ["run"] + small + ["--out", full], 2, "not empty", fresh_out=False)
stale = os.path.join(TMP, "stale")
os.makedirs(stale)
write("stale/.density.csv.tmp-a1B2c3", "x\n")
case("--out stale temporary file", ["run"] + small + ["--out", stale], 2, "interrupted or crashed", fresh_out=False)
case("--out too long", ["run"] + small + ["--out", os.path.join(TMP, "d" * 1100)], 4, "", fresh_out=False)

# ---- options and commands ---------------------------------------------------------------------------
for args, needle in [(["run", "--fast"], "unknown option '--fast'"), (["walk"], "unknown command 'walk'"),
                     ([], ""), (["run", "a.ini", "b.ini"], "unexpected argument 'b.ini'"),
                     (["sweep", "--gamma"], "--gamma needs a list"), (["compare", "--n"], "--n needs a list"),
                     (["sweep", "--gamma", "1,x"], "override 'sweep.gammas=1,x'"),
                     (["compare", "--n", "0"], "override 'compare.n=0'"),
                     (["doublelimit", "--n", "1e20"], "override 'compare.n=1e20'"),
                     (["config", "--out", "x"], "unknown option '--out'"), (["config", "--force"], "unknown option"),
                     (["run", "-"], "unknown option '-'"), (["run", "--"], "unknown option '--'"),
                     (["balance", "--gamma"], "--gamma needs a list")]:
    case("argv %s" % " ".join(args), args, 2, needle, fresh_out=False)
case("too many overrides", ["config"] + ["model.gamma=1"] * 5000, 2, "too many overrides", fresh_out=False)

# ---- huge values: refused before any work, naming the key --------------------------------------------
for args, needle in [(["run", "grid.cells=100000000"], "lower grid.cells"),
                     (["run", "time.t_end=1e300"], "raise time.output_dt"),
                     (["run", "time.t_end=1e308", "time.output_dt=1e-300"], "raise time.output_dt"),
                     (["run", "solver.linear=dense", "grid.cells=4000"], "solver.linear = dense"),
                     (["particles", "particles.dt=1e-20"], "raise particles.dt"),
                     (["particles", "particles.n=2000000000"], "neuron-steps"),
                     (["particles", "particles.n=1000000000000"], "neuron-steps"),
                     (["particles", "particles.n=600000000", "time.t_end=0.001"], "lower particles.n"),
                     (["particles", "particles.n=1"], "particles.n = 1"),
                     (["compare", "time.output_dt=1e-7"], "raise time.output_dt"),
                     (["compare", "--n", "1000000000000"], "neuron-steps"),
                     (["doublelimit", "--gamma", "1e12"], "sweep.gammas (--gamma)"),
                     (["doublelimit", "--n", "1", "--gamma", "10"], "compare.n = 1"),
                     (["sweep", "sweep.cells_per_sd=1e12"], "sweep.cells_per_sd"),
                     (["hj", "hj.tau_end=1", "hj.output_dtau=4.5e-10"], "raise hj.output_dtau"),
                     (["flow", "hj.tau_end=1e300"], "raise hj.output_dtau"),
                     (["hj", "grid.cells=100000000"], "lower grid.cells"),
                     (["run", "model.gamma=inf"], "gamma = inf"),
                     (["particles", "model.gamma=inf"], "gamma = inf"),
                     (["hj", "pop.E.init=uniform 0 1"], "Gaussian")]:
    case("huge %s" % " ".join(args), args, 2, needle)

# ---- numerical failure and success still distinguished -------------------------------------------------
case("max_steps=1", ["run", "solver.max_steps=1"] + small, 3, "time integration failed")
case("euler diverges", ["particles", "particles.scheme=euler", "particles.dt=0.1", "particles.n=1000"], 3,
     "no longer finite")

cases = [c for c in cases if c is not None]


def run(c):
    name, argv, code, needle, out = c
    start = time.time()
    try:
        p = subprocess.run([EXE] + argv, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        return name, "timed out"
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != code:
        return name, "exit %d, expected %d: %s" % (p.returncode, code, err.strip()[:300])
    if needle and needle not in err:
        return name, "message does not name %r: %s" % (needle, err.strip()[:300])
    if code != 0 and not err.startswith("mfbalance: ") and argv:
        return name, "message does not start with 'mfbalance: ': %s" % err.strip()[:200]
    if out and os.path.exists(out):
        return name, "an input error created the output directory"
    if VERBOSE and time.time() - start > 1.0:
        print("slow: %s: %.1f s" % (name, time.time() - start))
    return name, None


with ThreadPoolExecutor(max_workers=4) as pool:
    results = list(pool.map(run, cases))

failed = 0
classes = {}
for (name, argv, code, needle, out), (_, problem) in zip(cases, results):
    classes[code] = classes.get(code, 0) + 1
    if problem:
        failed += 1
        print("FAIL: %s: %s" % (name, problem))
print("cases per expected exit code: %s" % ", ".join("%d: %d" % kv for kv in sorted(classes.items())))
print("%d passed, %d failed" % (len(cases) - failed, failed))
subprocess.run(["rm", "-rf", TMP])
sys.exit(1 if failed else 0)
