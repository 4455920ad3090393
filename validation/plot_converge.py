#!/usr/bin/python3
"""Plot a convergence study: python3 validation/plot_converge.py DIR  (writes DIR/converge.png).

Reads DIR/converge.csv (from `mfbalance converge --out DIR`); the figure is drawn by
mfbalance.plot.converge (python/mfbalance/plot.py), as `python3 -m mfbalance.plot DIR` draws it.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from mfbalance import plot  # noqa: E402


def main(folder):
    return plot.converge(folder)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: plot_converge.py DIR")
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
