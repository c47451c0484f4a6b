"""``reproduce``: notebook runs recorded by real kernels (papermill, a kernel driven cell by cell with cell
ids, as JupyterLab does), re-executed in a fresh kernel, compared; the CLI's exit status in a real process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from mlops_magics.core.reproduce import REPRODUCED_BY, REPRODUCES, VERDICT
from mlops_magics.render.formatters import html as html_of

pytestmark = pytest.mark.kernel


def _papermill(project, name: str, *cells: str) -> None:
    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    source = project / f"{name}.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(project / f"{name}.out.ipynb"), cwd=str(project),
                               progress_bar=False, kernel_name="python3")


def _run(client, name: str):
    (run,) = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])
              if r.info.run_name == name]
    return run


def _cli(project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlops_magics.cli", "reproduce", *args], cwd=project,
                          env=os.environ.copy(), capture_output=True, text=True, timeout=240)


@pytest.fixture
def cell_kernel(kernel):
    """A kernel driven the way JupyterLab drives one: each execute request names its cell (``cellId``)."""
    km, kc = kernel

    def execute(cell_id: str, code: str) -> dict:
        msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                 "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        msg["metadata"]["cellId"] = cell_id
        kc.shell_channel.send(msg)
        while True:
            reply = kc.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return reply["content"]

    yield execute
    kc.stop_channels()
    km.shutdown_kernel(now=False)  # graceful: the kernel ends its notebook run


def _kernels_of(run_id: str) -> list:
    """Live kernel processes attached to ``run_id`` (their environment names it)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("MLOPS_ATTACH_RUN_ID") == run_id:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.mark.parametrize("store", ["embedded", pytest.param("server", marks=pytest.mark.server)], indirect=True)
def test_a_papermill_notebook_run_reproduces_from_the_cli(store, mlops_home, store_client):
    mlflow_client = store_client
    project = mlops_home.parent
    _papermill(project, "quick",
               "%load_ext mlops_magics\n%mlops track --experiment repro --run-name quick",
               "n = 10\nimport math",
               "%%mlops track --run-name train\nalpha = 0.5\nscore = n * alpha + math.sqrt(4)\n",
               "%mlops log metric final=1.25",
               "%mlops stop")
    original = _run(mlflow_client, "quick")

    done = _cli(project, original.info.run_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("reproduced: the same 3 value(s) in a fresh kernel (rtol 1e-07, atol 0)")

    (new,) = mlflow_client.search_runs([original.info.experiment_id],
                                       filter_string=f"tags.`{REPRODUCES}` = '{original.info.run_id}'")
    assert new.info.status == "FINISHED" and new.data.tags[VERDICT] == "reproduced"
    assert new.data.metrics["final"] == 1.25
    assert mlflow_client.get_run(original.info.run_id).data.tags[REPRODUCED_BY] == new.info.run_id
    (child,) = mlflow_client.search_runs([original.info.experiment_id],
                                         filter_string=f"tags.`mlflow.parentRunId` = '{new.info.run_id}'")
    assert child.info.run_name == "train" and child.data.metrics == {"score": 7.0}
    assert {a.path for a in mlflow_client.list_artifacts(new.info.run_id, "notebook")} == \
        {f"notebook/{new.info.run_id}.ipynb"}


def test_a_variable_from_before_the_run_is_the_likely_cause_and_the_cli_fails(mlops_home, mlflow_client):
    project = mlops_home.parent
    _papermill(project, "outside",
               "x = 5",
               "%load_ext mlops_magics\n%mlops track --experiment repro --run-name outside",
               "%%mlops track --run-name use\nfactor = 2\ny = x * factor\n",
               "%mlops stop")

    done = _cli(project, "outside")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith("not reproduced: 1 of 2 value(s) differ (rtol 1e-07, atol 0); the re-execution failed")
    assert re.search(r"\n  In\[3\] use +metric y +10 +\(missing\) +- +-\n", out)
    causes = out.split("likely causes:\n")[1]
    assert causes.startswith("  - In[3] failed in the reproduction: NameError: name 'x' is not defined\n"
                             "  - variables defined before %mlops track (no earlier recorded cell sets them): x (read by "
                             "In[3])\n")
    original = _run(mlflow_client, "outside")
    (new,) = [r for r in mlflow_client.search_runs([original.info.experiment_id])
              if r.data.tags.get(REPRODUCES) == original.info.run_id]
    assert new.info.status == "FAILED" and new.data.tags[VERDICT] == "not reproduced"


def test_a_cell_edited_after_it_ran_does_not_reproduce_and_is_pointed_at(cell_kernel, ip, mlflow_client):
    """In[2] x = 1, In[3] y = x * 2, In[4] the first cell edited to x = 5, In[5] z = x + y: z was 7. The
    notebook's code as it stands (each cell once, its last version) gives 15; the exact replay, 7."""
    assert cell_kernel("setup", "%load_ext mlops_magics\n%mlops track --experiment edits --run-name edited")["status"] == "ok"
    cell_kernel("first", "x = 1")
    cell_kernel("second", "y = x * 2")
    cell_kernel("first", "x = 5")
    cell_kernel("third", "%%mlops track --run-name sum\nz = x + y")
    cell_kernel("stop", "%mlops stop")
    original = _run(mlflow_client, "edited")
    assert _run(mlflow_client, "sum").data.tags["mlops.stale_inputs"] == "y"  # the kernel saw it too

    result = ip.run_line_magic("mlops", f"reproduce {original.info.run_id}")
    assert not result.reproduced
    assert [(c.scope, c.key, c.original, c.new) for c in result.differing] == [("In[5] sum", "z", 7.0, 15.0)]
    assert [c.kind for c in result.causes] == ["edited", "stale-input"]
    assert result.causes[0].text == "cell first was edited after it ran: In[2] ran version 1; In[4] ran version 2"
    assert result.causes[1].text.startswith("In[5] read 'y' (computed from 'x', which was reassigned afterwards)")
    card = html_of(result)
    assert "not reproduced" in card and "likely causes" in card and "cell first was edited" in card

    exact = ip.run_line_magic("mlops", f"reproduce {original.info.run_id} --exact")
    assert exact.reproduced and exact.causes == []
    assert "cell first was edited after it ran" in "\n".join(c.text for c in exact.notes)
    assert "reproduced" in html_of(exact) and "notes" in html_of(exact)


def test_a_cell_edited_before_tracking_leaves_a_stale_value_behind(cell_kernel, ip, mlflow_client):
    """``scale`` came from a version of a cell edited since (and run before %mlops track): the kernel flagged
    the read as stale; the reproduction fails on it and says so."""
    cell_kernel("load", "%load_ext mlops_magics")  # from here on the kernel keeps the stale-state record
    cell_kernel("prep", "scale = 2\nbias = 1")
    cell_kernel("setup", "%mlops track --experiment edits --run-name stale")
    cell_kernel("prep", "bias = 1")
    cell_kernel("train", "%%mlops track --run-name train\nscore = scale * 10 + bias")
    cell_kernel("stop", "%mlops stop")

    from mlops_magics.core.reproduce import NotReproduced

    with pytest.raises(NotReproduced, match="not reproduced: 1 of 1 value") as failed:
        ip.run_line_magic("mlops", "reproduce stale --fail")
    texts = [c.text for c in failed.value.result.causes]
    assert texts[0] == "In[5] failed in the reproduction: NameError: name 'scale' is not defined"
    assert "variables defined before %mlops track (no earlier recorded cell sets them): scale (read by In[5])" in texts
    assert any(t.startswith("In[5] read 'scale' (flagged stale when the cell ran: set by a cell edited since")
               for t in texts)


def test_data_is_pinned_to_the_version_the_original_used(mlops_home, mlflow_client, ip):
    import pandas as pd

    from mlops_magics import data

    project = mlops_home.parent
    data.add(pd.DataFrame({"v": [1.0, 2.0, 3.0]}), name="train", run=None)
    _papermill(project, "uses_data",
               "%load_ext mlops_magics\n%mlops track --experiment repro --run-name uses-data",
               "%%mlops track --run-name fit\nfrom mlops_magics import data\ndf = data.load('train')\n"
               "rows = len(df)\ntotal = float(df['v'].sum())\n",
               "%mlops stop")
    data.add(pd.DataFrame({"v": [10.0, 20.0, 30.0, 40.0]}), name="train", run=None)
    assert len(data.load("train", run=None)) == 4  # 'train' is v2 now

    result = ip.run_line_magic("mlops", "reproduce uses-data")
    assert result.reproduced, repr(result)
    assert result.pinned == {"train": "v1"}
    (fit,) = mlflow_client.search_runs([result.experiment_id],
                                       filter_string=f"tags.`mlflow.parentRunId` = '{result.new_run_id}'")
    assert fit.data.metrics == {"rows": 3.0, "total": 6.0}
    assert data.lineage(fit.info.run_id).used == ["train@v1"]
    assert "train@v1" in html_of(result)


def test_ctrl_c_ends_the_reproduction_killed_and_leaves_no_kernel(mlops_home, mlflow_client):
    project = mlops_home.parent
    _papermill(project, "slow",
               "%load_ext mlops_magics\n%mlops track --experiment repro --run-name slow",
               "import os, time\ntime.sleep(float(os.environ.get('SLEEP_S', '0')))\nwaited = 1.0",
               "%mlops stop")
    original = _run(mlflow_client, "slow")
    proc = subprocess.Popen([sys.executable, "-m", "mlops_magics.cli", "reproduce", "slow"], cwd=project,
                            env={**os.environ, "SLEEP_S": "600", "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    new_id = None
    while new_id is None or not _kernels_of(new_id):  # the reproduction's kernel is up
        assert time.monotonic() < deadline and proc.poll() is None, "the reproduction never started its kernel"
        found = [r for r in mlflow_client.search_runs([original.info.experiment_id])
                 if r.data.tags.get(REPRODUCES) == original.info.run_id]
        new_id = found[0].info.run_id if found else None
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"mlops reproduce did not exit after Ctrl-C:\n{err[-3000:]}") from None
    assert proc.returncode == 130, err
    assert err.strip().endswith("mlops reproduce: interrupted")
    assert mlflow_client.get_run(new_id).info.status == "KILLED"
    assert _kernels_of(new_id) == []


def test_a_timeout_stops_the_reproduction_and_says_so(mlops_home, mlflow_client, ip, monkeypatch):
    project = mlops_home.parent
    _papermill(project, "sleepy",
               "%load_ext mlops_magics\n%mlops track --experiment repro --run-name sleepy",
               "import os, time\ntime.sleep(float(os.environ.get('SLEEP_S', '0')))\nwaited = 1.0",
               "%mlops stop")
    monkeypatch.setenv("SLEEP_S", "600")  # the reproduction's kernel inherits it
    result = ip.run_line_magic("mlops", "reproduce sleepy --timeout 20")
    assert not result.reproduced and result.status == "FAILED"
    assert result.causes[0].text == "the reproduction failed: timed out after 20 s; the kernel was killed"
    assert _kernels_of(result.new_run_id) == []
    assert mlflow_client.get_run(result.new_run_id).info.status == "FAILED"
