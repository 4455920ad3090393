"""The package's cffi declarations (python/mfbalance/_cdef.py) against the C headers.

A C file is generated that includes every public header, then repeats each declared
prototype (a prototype that differs from the header's is a compile error: "conflicting
types") and asserts, with _Static_assert, the size of every declared struct, the offset
of each of its fields, every enum value and every #define'd constant as cffi sees them.
"""
import os
import re
import subprocess

import cffi

from mfbalance._cdef import CDEF


def _c_source(ffi, source_root):
    headers = sorted(os.listdir(os.path.join(source_root, "include", "mfbalance")))
    lines = ["#include <stddef.h>", "#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>"]
    lines += [f'#include "mfbalance/{h}"' for h in headers if h.endswith(".h")]
    # Prototypes, verbatim (libc's own are left to its headers).
    text = re.sub(r"/\*.*?\*/", "", CDEF, flags=re.S)
    protos = re.findall(r"^[A-Za-z][^;{}#]*\)\s*;", text, flags=re.M)
    protos = [p for p in protos if not p.startswith("typedef") and "mf_" in p]
    assert len(protos) > 60, protos
    lines += protos
    typedefs, _, _ = ffi.list_types()
    n = 0
    for name in typedefs:
        t = ffi.typeof(name)
        if t.kind == "struct" and t.fields is not None and name.startswith("mf_"):
            lines.append(f'_Static_assert(sizeof({name}) == {ffi.sizeof(name)}, "sizeof({name})");')
            for field, f in t.fields:
                lines.append(f'_Static_assert(offsetof({name}, {field}) == {f.offset}, "{name}.{field}");')
                lines.append(f'_Static_assert(sizeof((({name} *)0)->{field}) == {ffi.sizeof(f.type)}, '
                             f'"sizeof {name}.{field}");')
                n += 1
        elif t.kind == "enum" and name.startswith("mf_"):
            for value, label in t.elements.items():
                lines.append(f'_Static_assert({label} == {value}, "{label}");')
    for label, value in re.findall(r"^#define (MF_\w+) (\d+)", CDEF, flags=re.M):
        lines.append(f'_Static_assert({label} == {value}, "{label}");')
    for label, value in re.findall(r"^\s*(MF_\w+) = (-?\d+)", CDEF, flags=re.M):
        lines.append(f'_Static_assert({label} == {value}, "{label}");')
    assert n > 100, n
    return "\n".join(lines) + "\n"


def test_declarations_match_the_headers(tmp_path, source_root):
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    src = tmp_path / "abi.c"
    src.write_text(_c_source(ffi, source_root))
    p = subprocess.run(["cc", "-std=c11", "-fsyntax-only", "-Werror", "-I", os.path.join(source_root, "include"),
                        str(src)], capture_output=True, text=True)
    assert p.returncode == 0, f"_cdef.py differs from include/mfbalance/:\n{p.stderr}"


def test_every_declared_function_is_exported():
    import mfbalance._lib as L

    ffi, lib = L.load()
    text = re.sub(r"/\*.*?\*/", "", CDEF, flags=re.S)
    names = set(re.findall(r"\b(mf_\w+)\s*\(", text))
    missing = [name for name in sorted(names) if not hasattr(lib, name)]
    assert not missing, missing
