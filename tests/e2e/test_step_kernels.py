"""One step in a real kernel through ``execute_step``: progress from nbclient's cell hook, the step's
environment and working directory, a kernel that dies while starting (retried), a missing kernel (not)."""

from __future__ import annotations

import json
import sys

import pytest

from mlops_magics.core.pipeline.execute import StepTask, execute_step
from kernel_procs import step_kernels
from notebook_factory import write_nb

pytestmark = pytest.mark.kernel

# Dies at its first launch (as a kernel does when another one took its port), starts ipykernel after.
FLAKY_START = """
import os, sys
marker = sys.argv[1]
if not os.path.exists(marker):
    open(marker, "w").close()
    sys.exit(1)
from ipykernel import kernelapp
kernelapp.launch_new_instance(argv=sys.argv[2:])
"""


def _task(tmp_path, notebook, **kw) -> StepTask:
    defaults = dict(step="s", notebook=str(notebook), output=str(tmp_path / "out" / "s.ipynb"), parameters={},
                    cwd=str(tmp_path), env={"MLOPS_PIPELINE_STEP": "s", "STEP_VALUE": "42"}, kernel="python3",
                    token="test-exec/s")
    return StepTask(**{**defaults, **kw})


def test_cells_are_reported_and_the_kernel_has_the_step_env_and_cwd(tmp_path, mlops_home):
    write_nb(tmp_path / "nb.ipynb", "x = 1", "import os\nopen('seen.txt', 'w').write(os.environ['STEP_VALUE'])",
             "", "y = x + 1")
    events = []
    outcome = execute_step(_task(tmp_path, tmp_path / "nb.ipynb", parameters={"x": 5}), events.append)
    assert (outcome.status, outcome.error, outcome.attempts) == ("succeeded", None, 1)
    assert (tmp_path / "seen.txt").read_text() == "42"
    # parameters, injected parameters, two non-empty code cells: nbclient skips the empty one
    assert [(e.cell, e.cells) for e in events if e.kind == "cell"] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert (tmp_path / "out" / "s.kernel.log").exists()
    assert step_kernels(mlops_home) == []


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, mlops_home, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "flaky-start"
    spec.mkdir(parents=True)
    (tmp_path / "flaky_start.py").write_text(FLAKY_START)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(tmp_path / "flaky_start.py"), str(tmp_path / "launched-once"),
                 "-f", "{connection_file}"],
        "display_name": "flaky start", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    write_nb(tmp_path / "nb.ipynb", None, "open('ran.txt', 'w').write('ok')")
    events = []
    outcome = execute_step(_task(tmp_path, tmp_path / "nb.ipynb", kernel="flaky-start"), events.append)
    assert outcome.status == "succeeded", outcome.error
    assert (tmp_path / "ran.txt").read_text() == "ok"
    (retry,) = [e for e in events if e.kind == "kernel-retry"]
    assert retry.message.startswith("the kernel did not start: RuntimeError: Kernel died before replying")
    assert step_kernels(mlops_home) == []


def test_a_missing_kernel_fails_at_once_with_its_name(tmp_path, mlops_home):
    write_nb(tmp_path / "nb.ipynb", None, "x = 1")
    events = []
    outcome = execute_step(_task(tmp_path, tmp_path / "nb.ipynb", kernel="no-such-kernel"), events.append)
    assert outcome.status == "failed"
    assert outcome.error == "the kernel did not start: NoSuchKernel: No such kernel named no-such-kernel"
    assert events == []  # not retried
