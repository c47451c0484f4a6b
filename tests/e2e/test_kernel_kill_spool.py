"""A real kernel killed with SIGKILL during a burst of logging (issue 17): at the next start the store holds
every value of the cells that had ended and every value the killed cell had handed to the background
writer (in whole hand-overs of 1000), each exactly once; only the rest of the running cell is missing."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

pytestmark = pytest.mark.kernel

EARLIER_VALUES = 2500  # the loss curve of the cell that ended before the kill
BURST_MARK = 5000  # the killed cell has handed this many values over when the test kills the kernel



def _execute(kc, code: str, timeout: float = 60) -> dict:
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    return reply["content"]


def _wait_for(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, f"{what} did not happen within {timeout:g} s"
        time.sleep(0.05)


def _runs_by_name(client) -> dict:
    return {r.info.run_name: r for r in client.search_runs(["0"])}


def test_kill_during_a_burst_loses_only_what_the_running_cell_had_not_handed_over(kernel, mlops_home, mlflow_client,
                                                                                 tmp_path):
    km, kc = kernel
    go, mark = tmp_path / "go", tmp_path / "handed-over"
    _execute(kc, "%load_ext mlops_magics\n%mlops track --run-name notebook --no-env")
    _execute(kc, "%%mlops track --run-name earlier\n"
                 "import mlops_magics\n"
                 "lr = 0.01\n"
                 f"for step in range({EARLIER_VALUES}):\n"
                 "    mlops_magics.active_run().log_metric('loss', 1.0 / (step + 1), step=step)\n")
    kc.execute(
        "%%mlops track --run-name burst\n"
        "import os, time, mlops_magics\n"
        f"while not os.path.exists({str(go)!r}):\n"
        "    time.sleep(0.01)\n"
        "run = mlops_magics.active_run()\n"
        "for step in range(10**8):\n"
        "    run.log_metric('x', float(step), step=step)\n"
        f"    if step == {BURST_MARK}:\n"
        f"        open({str(mark)!r}, 'w').close()\n")
    _wait_for(lambda: "burst" in _runs_by_name(mlflow_client), "the burst cell's run")
    # from here on nothing the kernel hands over can reach the store: it can only be in the spool
    lock = sqlite3.connect(mlops_home / "mlflow.db", isolation_level=None, timeout=60)
    lock.execute("BEGIN IMMEDIATE")
    try:
        go.touch()
        _wait_for(mark.exists, "the burst")
        os.kill(km.provisioner.process.pid, signal.SIGKILL)
        km.provisioner.process.wait(timeout=10)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert not km.is_alive()  # killed in the middle of the burst cell

    from mlops_magics.core.backend import session
    from mlops_magics.core.tracking.spool import pending_ops, spool_folder

    spools = sorted(spool_folder(mlops_home / "spool").glob("*.jsonl"))
    owed = [op for path in spools for op in pending_ops(path)]
    owed_x = sum(1 for op in owed for m in op.get("m", []) if m[0] == "x")
    assert owed_x >= BURST_MARK and owed_x % 1000 == 0  # whole hand-overs, waiting in the spool

    session.reset()
    session.ready()  # the next start on this store: replay the dead kernel's spool, then reap
    assert session.warnings() == []
    assert not any(path.exists() for path in spools)
    found = _runs_by_name(mlflow_client)
    earlier, killed, notebook = found["earlier"], found["burst"], found["notebook"]
    assert earlier.info.status == "FINISHED" and earlier.data.params == {"lr": "0.01"}
    loss = mlflow_client.get_metric_history(earlier.info.run_id, "loss")
    assert sorted(m.step for m in loss) == list(range(EARLIER_VALUES))  # every value, each once
    assert killed.info.status == "KILLED" and notebook.info.status == "KILLED"
    xs = mlflow_client.get_metric_history(killed.info.run_id, "x")
    assert sorted(m.step for m in xs) == list(range(owed_x))  # all it handed over, each once, in order

