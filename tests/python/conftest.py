"""Shared fixtures of the Python tests (run by meson: tests/python/meson.build).

The environment names the program (MFBALANCE_EXE) and the source tree
(MFBALANCE_SOURCE_ROOT); PYTHONPATH points at BUILD/python, the package copy that
uses the library just built.
"""
import os
import subprocess

import pytest

SOURCE_ROOT = os.environ.get("MFBALANCE_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def pytest_sessionfinish(session, exitstatus):
    # A file that collects no test is a broken test, not a pass or a skip.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def exe():
    path = os.environ.get("MFBALANCE_EXE")
    if not path:
        pytest.fail("MFBALANCE_EXE is not set (run the tests with `meson test`)")
    return path


@pytest.fixture(scope="session")
def source_root():
    return SOURCE_ROOT


@pytest.fixture
def cli(exe, tmp_path):
    """cli(*args) runs the program in tmp_path: (exit code, stdout, stderr)."""
    def run(*args):
        p = subprocess.run([exe, *args], cwd=tmp_path, capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr
    return run
