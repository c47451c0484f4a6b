"""Two ``mlops run`` of one pipeline at once, as two real processes: the second waits for the first,
and the lock file only ever describes what is on disk (a later run never serves a stale output)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from mlops_magics.core.pipeline.inputs import hash_path
from notebook_factory import write_nb

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]

HANG_S = 120  # a wait that should end in seconds; past this the test fails instead of hanging


def _wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _mlops_run(root, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mlops_magics.cli", "run", "p.yaml", "-q", *args], cwd=root,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_second_run_waits_for_the_first(mlops_home):
    root = mlops_home.parent
    write_nb(root / "a.ipynb", None, "open('a.txt', 'w').write('a')")
    # b writes its output at once; in the first run it then holds until the test releases it
    write_nb(root / "b.ipynb", "value = 0\nhold = False",
             "import os, time\nopen('b.txt', 'w').write(str(value))\nopen(f'b.started.{value}', 'w').close()\n"
             f"deadline = time.time() + {HANG_S}\n"
             "while hold and not os.path.exists('release') and time.time() < deadline:\n    time.sleep(0.05)")
    (root / "p.yaml").write_text(textwrap.dedent("""
        name: p
        steps:
          a: {notebook: a.ipynb, outputs: [a.txt]}
          b: {notebook: b.ipynb, inputs: [a.txt], outputs: [b.txt]}
        """))
    first = _mlops_run(root, "-p", "b.value=1", "-p", "b.hold=true")
    try:
        _wait_for(lambda: (root / "b.started.1").exists() or first.poll() is not None, "step b of the first run")
        assert first.poll() is None, first.communicate()
        second = _mlops_run(root, "-p", "b.value=2")
        try:
            waiting = second.stderr.readline()  # its first line: it waits, and says for whom
            assert "another run of this pipeline is in progress" in waiting, waiting
            assert f"pid {first.pid}" in waiting and "waiting for it to finish" in waiting, waiting
            assert not (root / "b.started.2").exists()  # nothing of the second run started
        finally:
            (root / "release").touch()
            out1, err1 = first.communicate(timeout=HANG_S)
            out2, err2 = second.communicate(timeout=HANG_S)
    finally:
        for proc in (first, locals().get("second")):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    assert "b                succeeded" in out2 and "a                cached" in out2, out2

    # the lock file describes what is on disk: the second run's parameters, its output's hash
    lock = yaml.safe_load((root / "p.lock").read_text())
    assert (root / "b.txt").read_text() == "2"
    assert lock["steps"]["b"]["params"] == {"value": 2} and lock["steps"]["b"]["status"] == "succeeded"
    assert lock["steps"]["b"]["outputs"] == {"b.txt": hash_path(root / "b.txt")}

    # so a later run reuses b only for the parameters that made what is there
    again = subprocess.run([sys.executable, "-m", "mlops_magics.cli", "run", "p.yaml", "--dry-run",
                            "-p", "b.value=2"], cwd=root, capture_output=True, text=True)
    assert "b                cached" in again.stdout, again.stdout + again.stderr
    other = subprocess.run([sys.executable, "-m", "mlops_magics.cli", "run", "p.yaml", "--dry-run",
                            "-p", "b.value=1", "-p", "b.hold=true"], cwd=root, capture_output=True, text=True)
    assert "parameters changed: hold, value" in other.stdout, other.stdout + other.stderr
