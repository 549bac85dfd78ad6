#!/usr/bin/env python3
"""The Wisconsin diagnostic breast-cancer data as a CSV file for bwflow's "glm" shortcut,
with a problem file for Bayesian logistic regression (docs/vi.md, "A real data set").

    /usr/bin/python3 docs/examples/breast_cancer.py [DIR] [--data PATH]

writes DIR/breast_cancer.csv (default DIR: the current folder): a header row naming the 30
features (mean_radius, ..., worst_fractal_dimension) and the response malignant (1 for a
malignant tumour, 0 for a benign one), then one row per patient, 569 rows, the numbers as
in the source; and DIR/breast-cancer.json:

    {"glm": {"family": "logistic", "csv": "breast_cancer.csv", "y": "malignant",
             "prior_var": 1, "intercept": true, "standardize": true}}

The data come with Debian's python3-sklearn (apt-get install python3-sklearn), as
sklearn/datasets/data/breast_cancer.csv in the package's folder, found here without
importing sklearn; --data gives another copy. That file's first line holds counts and class
names, "569,30,malignant,benign", not column names, and its last column is the class, 0 for
malignant and 1 for benign: this script writes the named header bwflow's CSV reader wants
and turns the class into the 0/1 response "malignant".
"""
import argparse
import importlib.util
import json
import os
import sys

QUANTITIES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
              "concave_points", "symmetry", "fractal_dimension"]
# The column order of the source (and of sklearn's feature_names): the means, the standard
# errors, the worst values.
FEATURES = (["mean_" + q for q in QUANTITIES] + [q + "_error" for q in QUANTITIES] +
            ["worst_" + q for q in QUANTITIES])
PROBLEM = {"glm": {"family": "logistic", "csv": "breast_cancer.csv", "y": "malignant", "prior_var": 1,
                   "intercept": True, "standardize": True}}


def source_path(path=None):
    """The source CSV: path, or sklearn's copy (python3-sklearn), found without importing it."""
    if path:
        return path
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = os.path.join(folder, "datasets", "data", "breast_cancer.csv")
        if os.path.isfile(candidate):
            return candidate
    raise SystemExit("breast_cancer.py: the data file comes with scikit-learn: apt-get install "
                     "python3-sklearn (or give its breast_cancer.csv with --data PATH)")


def read(path=None):
    """(rows of 30 feature fields as text, malignant 0/1 per row) from the source file."""
    with open(source_path(path)) as f:
        lines = [l.strip() for l in f if l.strip()]
    head = lines[0].split(",")
    n, p = int(head[0]), int(head[1])
    if p != len(FEATURES) or head[2:4] != ["malignant", "benign"] or len(lines) != n + 1:
        raise SystemExit("breast_cancer.py: %s is not the breast-cancer file (first line %r)" % (path, lines[0]))
    rows, y = [], []
    for k, line in enumerate(lines[1:], 2):
        fields = [x.strip() for x in line.split(",")]
        if len(fields) != p + 1 or fields[-1] not in ("0", "1"):
            raise SystemExit("breast_cancer.py: line %d: %d fields, expected %d ending in the class 0 or 1"
                             % (k, len(fields), p + 1))
        rows.append(fields[:p])
        y.append(1 - int(fields[-1]))    # class 0 is malignant
    return rows, y


def load(path=None):
    """(X as an n x 30 numpy array, y: 1 for malignant, the feature names)."""
    import numpy as np
    rows, y = read(path)
    return np.array(rows, dtype=float), np.array(y, dtype=float), list(FEATURES)


def write(folder, path=None):
    """Write folder/breast_cancer.csv and folder/breast-cancer.json; returns their paths."""
    rows, y = read(path)
    os.makedirs(folder, exist_ok=True)
    csv_path, json_path = os.path.join(folder, "breast_cancer.csv"), os.path.join(folder, "breast-cancer.json")
    with open(csv_path, "w") as f:
        f.write(",".join(FEATURES + ["malignant"]) + "\n")
        for r, yi in zip(rows, y):
            f.write(",".join(r + [str(yi)]) + "\n")
    with open(json_path, "w") as f:
        json.dump(PROBLEM, f, indent=1)
        f.write("\n")
    return csv_path, json_path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?", default=".", help="where to write the two files (default: here)")
    ap.add_argument("--data", help="the source breast_cancer.csv (default: python3-sklearn's)")
    args = ap.parse_args()
    csv_path, json_path = write(args.dir, args.data)
    rows, y = read(args.data)
    print("%s: %d observations, %d features, %d malignant" % (csv_path, len(rows), len(FEATURES), sum(y)))
    print(json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
