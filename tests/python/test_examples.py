"""The module's library lookup and the example docs/examples/order_figure.py."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "lib", "python")


def run_python(code, env_extra, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_missing_library_is_a_clear_import_error():
    r = run_python("import bwflow", {"BWFLOW_LIBRARY": "/nonexistent/libbwflow.so.0",
                                     "PYTHONPATH": SRC})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "BWFLOW_LIBRARY" in r.stderr


def test_build_tree_copy_finds_the_library_next_to_it():
    lib = os.environ.get("BWFLOW_LIBRARY")
    if not lib:
        pytest.skip("BWFLOW_LIBRARY not set (meson sets it)")
    build_lib = os.path.dirname(os.path.abspath(lib))
    r = run_python("import bwflow; print(bwflow.library_path)",
                   {"PYTHONPATH": os.path.join(build_lib, "python")}, drop=("BWFLOW_LIBRARY",))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(build_lib, "libbwflow.so.0")


def test_order_figure_example(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "order.png"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "examples", "order_figure.py"),
                        "--etas", "0.2,0.1,0.05,0.02", "--out", str(out)],
                       env=dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=SRC),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "slope" in r.stdout and str(out) in r.stdout
