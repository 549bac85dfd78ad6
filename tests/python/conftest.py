"""pytest set-up for the Python binding's tests: they import the package bwflow built in
BUILD/lib/python (meson runs them with PYTHONPATH set to it and BWFLOW_EXE to the built
command-line tool); run by hand, they use the source tree's build/."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if not any(os.path.isfile(os.path.join(p, "bwflow", "__init__.py")) for p in sys.path if p):
    sys.path.insert(0, os.path.join(ROOT, "build", "lib", "python"))
