#!/usr/bin/python3
"""Heat map of a double-limit table: python3 validation/plot_doublelimit.py DIR

Reads DIR/doublelimit.csv (`mfbalance doublelimit --n ... --gamma ... --out DIR`) and draws
DIR/doublelimit.png with mfbalance.plot.doublelimit (python/mfbalance/plot.py), as
`python3 -m mfbalance.plot DIR` draws it.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from mfbalance import plot  # noqa: E402


def main(folder):
    return plot.doublelimit(folder)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: plot_doublelimit.py DIR")
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
