"""read_csv: a table the program wrote, as a dict of NumPy arrays."""
import csv

import numpy as np


def read_csv(path):
    """{column: array} of a CSV file with a header line: float arrays where every value is a
    number (an empty field is NaN), arrays of str otherwise."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path}: empty file, expected a header line")
    header, data = rows[0], rows[1:]
    table = {}
    for j, name in enumerate(header):
        values = [r[j] if j < len(r) else "" for r in data]
        try:
            table[name] = np.array([float(v) if v != "" else np.nan for v in values], dtype=np.float64)
        except ValueError:
            table[name] = np.array(values, dtype=str)
    return table
