"""The package as a user imports it (from the build tree here; installed copies are tested by
.ci/run) and the example docs/examples/order_figure.py."""
import os
import subprocess
import sys

import pytest

import bwflow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "lib", "python")
BUILT = os.path.dirname(os.path.dirname(os.path.abspath(bwflow.__file__)))


def run_python(code, env_extra, cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=cwd)


def test_the_source_tree_alone_is_a_clear_import_error(tmp_path):
    # lib/python holds the Python modules only: the compiled layer is built or installed.
    r = run_python("import bwflow", {"PYTHONPATH": SRC}, cwd=str(tmp_path))
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "bwflow._core" in r.stderr and "pip install" in r.stderr


def test_build_tree_package_imports_from_anywhere(tmp_path):
    r = run_python("import bwflow, sys; print(bwflow.__file__); print(bwflow.__version__)",
                   {"PYTHONPATH": BUILT, "LD_LIBRARY_PATH": ""}, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    path, version = r.stdout.split()
    assert path == os.path.join(BUILT, "bwflow", "__init__.py")
    assert version == bwflow.version() and version.count(".") == 2


def test_typed_package():
    # PEP 561: the marker ships with the modules; every public name has a docstring that
    # says what it does (not a pointer to a private function) and functions are annotated.
    import inspect
    assert os.path.isfile(os.path.join(os.path.dirname(bwflow.__file__), "py.typed"))
    for name in bwflow.__all__:
        obj = getattr(bwflow, name)
        if name.startswith("__") or isinstance(obj, (str, dict, tuple)):
            continue
        doc = inspect.getdoc(obj)
        assert doc and len(doc) > 30 and "_order" not in doc, name
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            assert sig.return_annotation is not inspect.Signature.empty, name
        if inspect.isclass(obj):
            for mname, member in vars(obj).items():
                if not mname.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                    assert inspect.getdoc(member), "%s.%s" % (name, mname)


def test_order_figure_example(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "order.png"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "examples", "order_figure.py"),
                        "--etas", "0.2,0.1,0.05,0.02", "--out", str(out)],
                       env=dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=BUILT),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "slope" in r.stdout and str(out) in r.stdout
