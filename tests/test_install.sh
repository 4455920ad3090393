#!/bin/sh
# meson install into a temporary directory, then: the pkg-config file, the headers,
# the static and shared libraries (the shared one exporting the mf_* API only),
# docs/example.c built against the installed library with pkg-config and run, and
# the installed Python package importing the installed library.
#   test_install.sh BUILDDIR SOURCEDIR PREFIX LIBDIR INCLUDEDIR PYTHON PYTHONDIR
set -eu
build=$1 src=$2 prefix=$3 libdir=$4 includedir=$5 python=$6 pydir=$7
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$tmp/root" --quiet >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "meson install failed"; }
root=$tmp/root
lib=$root$libdir
for f in "$lib/libmfbalance.a" "$lib/libmfbalance.so.0" "$lib/pkgconfig/mfbalance.pc" "$root$prefix/bin/mfbalance" \
         "$root$includedir/mfbalance/solver.h" ${pydir:+"$root$pydir/mfbalance/__init__.py" "$root$pydir/mfbalance/_libpath.py"}; do
  [ -e "$f" ] || fail "not installed: ${f#$root}"
done

# Only the API: every dynamic symbol is mf_*, and the internal tables are not among them.
others=$(nm -D --defined-only "$lib/libmfbalance.so.0" | awk '{print $3}' | grep -v '^mf_' || true)
[ -z "$others" ] || fail "exported beyond mf_*: $others"
nm -D --defined-only "$lib/libmfbalance.so.0" | grep -q ' mf_solver_create$' || fail "mf_solver_create not exported"
if nm -D --defined-only "$lib/libmfbalance.so.0" | grep -Eq ' (mf_keys|mf_nkeys|mf_particles_kernel)'; then
  fail "internal symbols exported"
fi

# The example, compiled as a user would, with the .pc file of the staged prefix.
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs mfbalance) || fail "pkg-config --cflags --libs mfbalance failed"
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/example" "$src/docs/example.c" $flags ||
  fail "docs/example.c does not build with: $flags"
LD_LIBRARY_PATH="$lib" "$tmp/example" model.gamma=300 >"$tmp/out.txt" || fail "example failed"
cat "$tmp/out.txt"
LD_LIBRARY_PATH="$lib" ldd "$tmp/example" | grep -q "$lib/libmfbalance.so.0" || fail "example is not linked to the installed library"
grep -q '^E: balance voltage x\* = -0.400000 (attracting)' "$tmp/out.txt" || fail "example: wrong balance voltage"
# The static library, with pkg-config --static for its dependencies (without the
# sysroot, which would also prefix the system libraries' own -L paths, HDF5's).
static_libs=$(PKG_CONFIG_SYSROOT_DIR= pkg-config --static --libs mfbalance | sed 's/-L[^ ]*local[^ ]*//; s/-lmfbalance\b//') ||
  fail "pkg-config --static failed"
cc -std=c11 -o "$tmp/example_static" "$src/docs/example.c" $(pkg-config --cflags mfbalance) "$lib/libmfbalance.a" \
  $static_libs || fail "docs/example.c does not link statically with: $lib/libmfbalance.a $static_libs"
if ldd "$tmp/example_static" | grep -q libmfbalance; then fail "example_static needs libmfbalance.so"; fi
"$tmp/example_static" model.gamma=300 | cmp -s - "$tmp/out.txt" || fail "the static and shared examples differ"
LD_LIBRARY_PATH="$lib" "$tmp/example" pop.E.sigma=-1 2>"$tmp/err.txt" && fail "example accepted sigma = -1"
grep -q "sigma must be > 0" "$tmp/err.txt" || fail "example: no message for sigma = -1"

# The installed package (its _libpath.py names PREFIX/LIBDIR: point it at the staged copy).
if [ -z "$python" ]; then
  echo "test_install: ok (no Python package: Python 3 with cffi and NumPy not found)"
  exit 0
fi
cd "$tmp"
PYTHONPATH="$root$pydir" MFBALANCE_LIB="$lib/libmfbalance.so.0" "$python" -c '
import os, mfbalance
assert mfbalance.__file__.startswith(os.environ["PYTHONPATH"]), mfbalance.__file__
r = mfbalance.run(**{"model.gamma": 300})
assert abs(r.mean[-1, 0] - r.xstar[0]) < 0.01, r.mean[-1]
print("installed package:", mfbalance.library_path(), "mean_E(t_end) =", r.mean[-1, 0])
' || fail "the installed Python package does not work"
grep -q "$libdir/libmfbalance.so.0" "$root$pydir/mfbalance/_libpath.py" || fail "_libpath.py does not name PREFIX/LIBDIR"
echo "test_install: ok"
