"""Real Jupyter kernels: papermill execution, interrupts, a kernel killed mid-run."""

from __future__ import annotations

import os
import signal
import time

import nbformat
import pytest

pytestmark = pytest.mark.kernel


def _notebook(*cells: tuple[str, str, list[str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source, tags in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def test_papermill_notebook_leaves_tracked_runs(mlops_home, mlflow_client, tmp_path):
    import papermill

    nb = _notebook(
        ("code", "%load_ext mlops_magics\n%mlops track --experiment pm --run-name notebook", []),
        ("code", "n_estimators = 10", ["parameters"]),
        ("code", "%%mlops track --run-name train\nmax_depth = 3\nscore = n_estimators * 0.05\n", []),
        ("code", "%mlops log metric final=1.25", []),
        ("code", "%mlops stop", []),
    )
    source = tmp_path / "in.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), parameters={"n_estimators": 40},
                               cwd=str(mlops_home.parent), progress_bar=False, kernel_name="python3")
    experiment = mlflow_client.get_experiment_by_name("pm")
    runs = {r.info.run_name: r for r in mlflow_client.search_runs([experiment.experiment_id])}
    assert runs["notebook"].info.status == "FINISHED"
    assert runs["notebook"].data.metrics["final"] == 1.25
    assert runs["train"].info.status == "FINISHED"
    assert runs["train"].data.params == {"max_depth": "3"}
    assert runs["train"].data.metrics == {"score": 2.0}
    assert runs["train"].data.tags["mlflow.parentRunId"] == runs["notebook"].info.run_id
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    (tracked,) = [c for c in executed.cells if c.source.startswith("%%mlops track")]
    card_html = [o for o in tracked.outputs if "text/html" in o.get("data", {})]
    assert card_html and "mlops-run-card" in card_html[0]["data"]["text/html"]


def test_papermill_failing_tracked_cell_fails_the_notebook(mlops_home, mlflow_client, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = _notebook(
        ("code", "%load_ext mlops_magics", []),
        ("code", "%%mlops track --run-name broken\nrows = 5\nraise RuntimeError('no data')\n", []),
    )
    nbformat.write(nb, tmp_path / "in.ipynb")
    with pytest.raises(PapermillExecutionError, match="no data"):
        papermill.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"),
                                   cwd=str(mlops_home.parent), progress_bar=False, kernel_name="python3")
    (run,) = mlflow_client.search_runs(["0"])
    assert run.info.status == "FAILED"



def _execute(kc, code: str, timeout: float = 60) -> dict:
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    return reply["content"]


def _wait_for_running_run(client, name: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not [r for r in client.search_runs(["0"]) if r.info.run_name == name and r.info.status == "RUNNING"]:
        assert time.time() < deadline, f"no RUNNING run '{name}' after {timeout:g} s"
        time.sleep(0.1)


def test_interrupt_ends_cell_run_killed_and_kernel_survives(kernel, mlflow_client):
    km, kc = kernel
    _execute(kc, "%load_ext mlops_magics")
    msg_id = kc.execute("%%mlops track --run-name long\nimport time\nfor _ in range(600): time.sleep(0.1)\n")
    _wait_for_running_run(mlflow_client, "long")  # the cell is inside its tracked run: interrupt it there
    km.interrupt_kernel()
    deadline = time.time() + 30
    while True:
        msg = kc.get_shell_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id:
            break
        assert time.time() < deadline
    assert msg["content"]["status"] == "error" and msg["content"]["ename"] == "KeyboardInterrupt"
    (run,) = mlflow_client.search_runs(["0"])
    assert run.info.run_name == "long" and run.info.status == "KILLED"
    assert _execute(kc, "x = 1")["status"] == "ok"


def test_killed_kernel_run_is_marked_killed_at_next_start(kernel, mlflow_client):
    km, kc = kernel
    _execute(kc, "%load_ext mlops_magics\n%mlops track --run-name doomed")
    _execute(kc, "a = 1")
    _execute(kc, "b = a + 1")
    (run,) = mlflow_client.search_runs(["0"])
    assert run.info.status == "RUNNING"
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    km.provisioner.process.wait(timeout=10)

    from mlops_magics.core.backend import session
    from mlops_magics.core.tracking import reaper

    session.reset()
    session.ready()  # the next start on this store runs the reaper
    assert reaper.reaped_runs() == [run.info.run_id]
    after = mlflow_client.get_run(run.info.run_id)
    assert after.info.status == "KILLED"
    assert "gone" in after.data.tags["mlops.reaped"]
    code_log = mlflow_client.download_artifacts(run.info.run_id, "code/code_log.jsonl")
    assert "b = a + 1" in open(code_log).read()


def test_shutdown_finishes_notebook_run(kernel, mlflow_client):
    km, kc = kernel
    _execute(kc, "%load_ext mlops_magics\n%mlops track --run-name graceful")
    _execute(kc, "z = 3")
    km.shutdown_kernel(now=False)
    (run,) = mlflow_client.search_runs(["0"])
    assert run.info.status == "FINISHED"
    assert "code" in {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
