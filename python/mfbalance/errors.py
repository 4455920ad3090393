"""Exceptions: one class per exit class of the program (README, status.h).

    InputError      exit 2  invalid configuration, override or argument (also a ValueError)
    NumericalError  exit 3  integration failed, no balance point, ...
    FileError       exit 4  a file could not be read or written (also an OSError)
    OutOfMemory     exit 5  out of memory (also a MemoryError)
    InternalError   exit 6  a broken internal contract
    Interrupted     exit 128 + signal: stopped by SIGINT or SIGTERM

Each carries the library's message (mf_errmsg, the text `mfbalance` prints after
"mfbalance: ") as str(e) and e.message, the status code (e.status) and the exit code of
the program (e.exit_code).  A NumericalError from a run also carries e.result: what was
computed up to the failure.
"""


class Error(Exception):
    """A failure reported by libmfbalance."""

    exit_code = 1

    def __init__(self, message, status=None, result=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.result = result

    def __str__(self):
        return self.message


class InputError(Error, ValueError):
    """Invalid input: configuration, override or argument (exit code 2)."""

    exit_code = 2


class NumericalError(Error, ArithmeticError):
    """Numerical failure (exit code 3)."""

    exit_code = 3


class FileError(Error, OSError):
    """A file could not be read or written (exit code 4)."""

    exit_code = 4


class OutOfMemory(Error, MemoryError):
    """An allocation failed (exit code 5)."""

    exit_code = 5


class InternalError(Error):
    """A broken internal contract (exit code 6)."""

    exit_code = 6


class Interrupted(Error, KeyboardInterrupt):
    """Stopped by SIGINT or SIGTERM at an output boundary (exit code 128 + the signal)."""

    exit_code = 130


_BY_EXIT = {2: InputError, 3: NumericalError, 4: FileError, 5: OutOfMemory, 130: Interrupted, 143: Interrupted}


def raise_status(status, message, exit_code, name):
    """Raise the class of exit_code with message (the status's name when there is none)."""
    cls = _BY_EXIT.get(exit_code, InternalError)
    raise cls(message or name, status=status)
