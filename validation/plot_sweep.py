#!/usr/bin/python3
"""Plot a gamma sweep: python3 validation/plot_sweep.py DIR  (writes DIR/sweep.png).

Reads DIR/sweep.csv, DIR/sweep_fit.csv and DIR/config.ini (from `mfbalance sweep --out DIR`);
the figure is drawn by mfbalance.plot.sweep (python/mfbalance/plot.py), as
`python3 -m mfbalance.plot DIR` draws it.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from mfbalance import plot  # noqa: E402


def main(folder):
    return plot.sweep(folder)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: plot_sweep.py DIR")
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
