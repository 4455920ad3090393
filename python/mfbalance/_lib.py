"""Loading libmfbalance (cffi, ABI mode) and turning its status codes into exceptions.

The shared library is looked up, in order, at
  1. the path in the environment variable MFBALANCE_LIB;
  2. the path meson wrote into _libpath.py: the build tree's library for the copy of the
     package in BUILD/python/, the installed library for the installed package;
  3. the dynamic loader's search path, as libmfbalance.so.0.
It is loaded on first use, so that mfbalance.plot and mfbalance.read_csv work without
cffi or the library.

Thread safety: the C library keeps its error message in thread-local storage and its
solvers in the objects they return, so runs may go on in several threads at once (cffi
releases the GIL during each call).  libinih's parser options are process-wide globals
that mf_config_load sets before every parse: configuration loading is serialised by
CONFIG_LOCK.
"""
import os
import threading

from ._cdef import CDEF
from .errors import raise_status

CONFIG_LOCK = threading.Lock()

_load_lock = threading.Lock()
_ffi = None
_lib = None
_path = None


def _candidates():
    env = os.environ.get("MFBALANCE_LIB")
    if env:
        return [env]
    found = []
    try:
        from ._libpath import LIBRARY  # written by meson
    except ImportError:
        LIBRARY = None
    if LIBRARY and os.path.exists(LIBRARY):
        found.append(LIBRARY)
    found.append("libmfbalance.so.0")
    return found


def load():
    """(ffi, lib) of libmfbalance, loaded on the first call."""
    global _ffi, _lib, _path
    if _lib is not None:
        return _ffi, _lib
    with _load_lock:
        if _lib is None:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(CDEF)
            errors = []
            for path in _candidates():
                try:
                    lib = ffi.dlopen(path)
                except OSError as e:
                    errors.append(f"{path}: {e}")
                    continue
                _ffi, _path = ffi, path
                _lib = lib
                break
            else:
                raise ImportError("libmfbalance not found (set MFBALANCE_LIB to its path): " + "; ".join(errors))
    return _ffi, _lib


def library_path():
    """The path (or name) the library was loaded from."""
    load()
    return _path


def check(status):
    """Raise the exception of a non-zero status with the library's message (this thread's)."""
    if status != 0:
        ffi, lib = load()
        raise_status(status, ffi.string(lib.mf_errmsg()).decode(), lib.mf_exit_code(status),
                     ffi.string(lib.mf_strerror(status)).decode())


def check_ptr(ptr):
    """Raise the recorded error when a constructor returned NULL."""
    ffi, lib = load()
    if ptr == ffi.NULL:
        status = lib.mf_errcode()
        check(status if status != 0 else lib.MF_EBUG)
    return ptr
