"""The way every validation script states a result: one line per check,
measured value beside the expected one, ok or FAIL.

    from checks import check, finish
    check("sweep default: slope of |mean - x*|, E", f"{s:+.4f}", "in [-1.2, -0.8]", -1.2 <= s <= -0.8)
    finish()   # prints the count and exits 1 on a failure

When the environment names a file in MFBALANCE_REPORT, each check is also
appended to it as one JSON line (study, name, measured, expected, ok), which
is how validation/report.py collects them.  Figures a script wants in the
report are announced with figure(path, caption).
"""
import json
import os
import sys

_failed = 0
_study = os.path.splitext(os.path.basename(sys.argv[0]))[0]


def _record(entry):
    path = os.environ.get("MFBALANCE_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(entry) + "\n")


def check(name, measured, expected, ok):
    global _failed
    _failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {measured} ({expected})", flush=True)
    _record({"kind": "check", "study": _study, "name": name, "measured": measured, "expected": expected,
             "ok": bool(ok)})


def note(text):
    print(f"     {text}", flush=True)
    _record({"kind": "note", "study": _study, "text": text})


def figure(path, caption):
    _record({"kind": "figure", "study": _study, "path": os.path.abspath(path), "caption": caption})


def finish():
    print(f"{'FAILED' if _failed else 'passed'}: {_failed} check(s) failed", flush=True)
    sys.exit(1 if _failed else 0)
