#!/usr/bin/python3
"""The validation report still runs: validation/report.py --size tiny into a
temporary directory, then its README.md is read back.

    python3 validation/test_report.py MFBALANCE

Requires: exit 0 (every study ran to its end; failed checks are allowed at
this size), a header naming the command, date and commit, the summary table
with one row per study and no "did not run", a check table (measured,
expected, pass or FAIL) under every study, and every figure it links present.
Exit 1 otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402


def main():
    exe = os.path.abspath(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), exe, "--size", "tiny", "--out", out],
                              capture_output=True, text=True)
        print(proc.stdout, proc.stderr, sep="")
        if proc.returncode != 0:
            problems.append(f"report.py exited {proc.returncode}")
        path = os.path.join(out, "README.md")
        text = open(path).read() if os.path.exists(path) else ""
        if not text:
            problems.append("no README.md written")
        header = text.split("\n\n")[1] if text.count("\n\n") else ""
        if not re.search(r"report\.py --size tiny.*\d{4}-\d\d-\d\d \d\d:\d\d UTC at commit \w+", header):
            problems.append(f"header without command, date and commit: {header!r}")
        titles = [title for title, _ in report.studies(exe, out, "tiny")]
        rows = re.findall(r"^\| (.+?) \| (.+?) \| \d+ \|$", text, re.M)
        summary = {title: status for title, status in rows}
        for title in titles:
            status = summary.get(title)
            if status is None or not re.fullmatch(r"\d+ / \d+", status) or status.endswith(" 0"):
                problems.append(f"summary row of {title!r}: {status!r}")
        sections = text.split("\n## ")[1:]
        if len(sections) != len(titles):
            problems.append(f"{len(sections)} study sections for {len(titles)} studies")
        for sec in sections:
            if "| check | measured | expected | |" not in sec or not re.search(r"\| (pass|\*\*FAIL\*\*) \|$", sec, re.M):
                problems.append(f"section {sec.splitlines()[0]!r} has no pass/fail table")
        for link in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
            if not os.path.exists(os.path.join(out, link)):
                problems.append(f"figure {link} linked but not written")
    for p in problems:
        print("FAIL " + p)
    print("passed" if not problems else f"FAILED: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
