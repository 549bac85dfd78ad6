#!/bin/sh
# Execute a Jupyter notebook (docs/notebooks/*.ipynb) with Debian's nbconvert and python3
# kernel; the executed copy goes to a temporary directory (the committed notebook, with its
# outputs, is not touched). A cell that raises fails the run. Skipped (exit 77) when
# nbconvert or ipykernel is not installed.
# usage: run_notebook.sh NOTEBOOK.ipynb   (the kernel imports the bwflow on PYTHONPATH, else
# the installed one)
set -u
nb=$1
if ! command -v jupyter-nbconvert >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import ipykernel' 2>/dev/null; then
  echo "jupyter-nbconvert or python3-ipykernel not installed (apt-get install jupyter-nbconvert python3-ipykernel): skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The kernel runs in the notebook's directory; the notebook finds the repository from there.
cd "$(dirname "$nb")" || exit 1
PYDEVD_DISABLE_FILE_VALIDATION=1 jupyter-nbconvert --to notebook --execute \
  --ExecutePreprocessor.timeout=600 --output-dir "$tmp" "$(basename "$nb")" >"$tmp/log" 2>&1
status=$?
grep -v 'frozen modules\|debugger miss\|Xfrozen_modules\|Debugging will proceed' "$tmp/log"
exit $status
