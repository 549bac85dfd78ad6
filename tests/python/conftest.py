"""pytest set-up for the Python binding's tests: import lib/python/bwflow.py from this source
tree (not an installed copy). meson runs them with BWFLOW_LIBRARY set to the built library
and BWFLOW_EXE to the built command-line tool."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lib", "python"))
