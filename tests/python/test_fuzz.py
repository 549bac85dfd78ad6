"""The binding fed random argument types and values (fuzz_binding.py) in a subprocess, so that
a crash of the interpreter (a signal) fails the test instead of the test run; deterministic
seeds, a few seconds."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_input_crashes_the_interpreter(tmp_path, seed):
    log = tmp_path / "calls.log"
    r = subprocess.run([sys.executable, "-W", "ignore", os.path.join(HERE, "fuzz_binding.py"), str(seed),
                        "10000", str(log)], capture_output=True, text=True, timeout=600)
    last = log.read_text().splitlines()[-1:] if log.exists() else []
    assert r.returncode >= 0, "signal %d during %s\n%s" % (-r.returncode, last, r.stderr[-2000:])
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    print(r.stdout)
    assert "calls in" in r.stdout
