"""The background writer (issue 17): a tracked cell's values reach the store after the cell, through a
durable spool, and are seen by every read of ours; what a dead process's spool still owes is stored at
the next start, idempotently. Real embedded store, real processes (one killed with SIGKILL)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from mlops_magics.core.backend import session
from mlops_magics.core.errors import StoreError
from mlops_magics.core.tracking import runs, writer
from mlops_magics.core.tracking.cell_runs import CellOptions, run_tracked_cell
from mlops_magics.core.tracking.spool import Spool, pending_ops, spool_folder


def _spools(home) -> list:
    folder = spool_folder(home / "spool")
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def _cell(source: str, name: str, ns: dict | None = None):
    ns = {} if ns is None else ns

    def execute():
        exec(source, ns)

    return run_tracked_cell(source, execute, ns, CellOptions(run_name=name))


def test_a_cells_values_and_end_are_seen_by_every_read_of_ours(mlops_home, mlflow_client):
    outcome = _cell("lr = 0.1\nacc = 0.5 + 0.25\n", "quick")
    assert outcome.card.status == "FINISHED" and outcome.card.metrics == {"acc": 0.75}  # from memory
    run = session.client().get_run(outcome.card.run_id)  # a read of ours: waits for the writer
    assert run.info.status == "FINISHED" and run.info.end_time is not None
    assert run.data.params == {"lr": "0.1"} and run.data.metrics == {"acc": 0.75}
    names = {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
    assert {"cell.py", "environment"} <= names
    assert writer.get().pending() == 0
    (spool,) = _spools(mlops_home)
    assert spool.stat().st_size == 0  # emptied once everything handed over is stored
    writer.close()
    assert _spools(mlops_home) == []  # removed when the writer closes with nothing pending


def test_the_cells_run_is_mlflows_active_run_while_it_runs_and_not_after(mlops_home, mlflow_client):
    import mlflow

    ns: dict = {}
    outcome = _cell("import mlflow\nseen = mlflow.active_run().info.run_id\nmlflow.log_metric('own', 2.0)\n",
                    "fluent", ns)
    assert ns["seen"] == outcome.card.run_id
    assert mlflow.active_run() is None and mlflow.last_active_run().info.run_id == outcome.card.run_id
    run = mlflow_client.get_run(outcome.card.run_id)
    assert run.data.metrics == {"own": 2.0}
    assert run.data.tags["mlflow.source.type"] and run.data.tags["mlflow.user"]  # MLflow's context tags


def test_hand_overs_wait_in_the_spool_in_order_until_stored(mlops_home, mlflow_client, monkeypatch):
    """While another process holds the store's write lock, what a run hands over waits in the spool, in
    order, unmarked; once the lock is gone a drain stores all of it and only one empty file is left."""
    monkeypatch.setattr(Spool, "SEGMENT_OPS", 2)  # a file per two hand-overs
    handle = runs.start_run("script", run_name="ordered")
    lock = sqlite3.connect(mlops_home / "mlflow.db", isolation_level=None, timeout=30)
    lock.execute("BEGIN IMMEDIATE")
    try:
        for step in range(3):
            handle.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
            runs.hand_over_buffered()  # what the end of each cell does
        files = _spools(mlops_home)
        assert len(files) == 2
        owed = [op for path in files for op in pending_ops(path)]
        assert [[m[3] for m in op["m"]] for op in owed] == [[0], [1], [2]]
        assert [op["op"] for op in owed] == sorted(op["op"] for op in owed)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    handle.end()
    assert writer.drain() is True
    assert [m.step for m in mlflow_client.get_metric_history(handle.run_id, "loss")] == [0, 1, 2]
    assert mlflow_client.get_run(handle.run_id).info.status == "FINISHED"
    (left,) = _spools(mlops_home)
    assert left.stat().st_size == 0
    writer.take_reports()  # the locked store was reported ("kept, retried"); not what this test checks


def test_a_value_mlflow_refuses_after_the_cell_is_reported_and_the_rest_stored(mlops_home, mlflow_client, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRUNCATE_LONG_VALUES", "false")
    handle = runs.start_run("cell", run_name="refused", fluent=True)
    mlflow_client.log_param(handle.run_id, "seed", "1")  # as autolog would, behind our back
    handle.log_params({"seed": 2, "lr": 0.1})
    handle.log_metric("acc", 0.9)
    card = handle.end(wait=False)  # a tracked cell does not wait
    writer.drain()
    run = mlflow_client.get_run(handle.run_id)
    assert run.data.params == {"seed": "1", "lr": "0.1"} and run.data.metrics == {"acc": 0.9}
    assert run.info.status == "FINISHED"
    reports = writer.take_reports()
    assert any("seed=2 not logged: the run already has seed=1" in r for r in reports), reports
    assert all("\n" not in r for r in reports)
    assert any("seed=2" in w for w in card.warnings) and "seed" not in card.params  # the card follows
    assert writer.take_reports() == []  # said once


def test_a_failing_store_keeps_the_writes_and_says_so_in_one_line(mlops_home, mlflow_client):
    """A file where the run's artifact folder must go: the texts cannot be stored; the values are, the
    error is raised by the waiting end, the texts are kept and stored once the folder can be made."""
    handle = runs.start_run("script", run_name="blocked")
    artifacts = session.settings().artifact_root / "0" / handle.run_id
    artifacts.parent.mkdir(parents=True, exist_ok=True)
    artifacts.write_text("a file in the way")
    handle.log_metric("acc", 0.5)
    handle.log_text("hello", "notes.txt")
    with pytest.raises(StoreError) as info:
        handle.end()
    assert "\n" not in str(info.value) and "cannot write" in str(info.value)
    run = mlflow_client.get_run(handle.run_id)
    assert run.data.metrics == {"acc": 0.5}  # stored before the texts failed
    assert writer.get().pending() == 1
    assert any("kept, retried" in r for r in writer.take_reports())
    artifacts.unlink()
    assert writer.drain() is True  # a drain retries what is held
    assert {a.path for a in mlflow_client.list_artifacts(handle.run_id)} == {"notes.txt"}
    assert mlflow_client.get_run(handle.run_id).info.status == "FINISHED"


_DOOMED = textwrap.dedent("""
    import sys, time
    from mlops_magics.core.backend import session
    from mlops_magics.core.tracking import runs
    session.ready()
    handle = runs.start_run("script", run_name="doomed")
    print("started", handle.run_id, flush=True)
    sys.stdin.readline()  # the test holds the store's write lock now: nothing below can be stored
    handle.log_params({"lr": 0.1, "depth": 3})
    for step in range(2500):
        handle.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
    handle.log_text("spooled text", "notes.txt")
    handle.end("FINISHED", wait=False)
    print("handed", flush=True)
    time.sleep(120)
""")


@pytest.fixture
def doomed_spool(mlops_home):
    """A process that handed a run's values and its end to its writer while the store was locked, then
    was killed (SIGKILL): its spool owes everything."""
    session.ready()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-c", _DOOMED], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=mlops_home.parent)
    try:
        first = proc.stdout.readline().split()
        assert first[:1] == ["started"], proc.stderr.read()
        run_id = first[1]
        lock = sqlite3.connect(mlops_home / "mlflow.db", isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        try:
            proc.stdin.write("go\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == "handed", proc.stderr.read()
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    (spool,) = _spools(mlops_home)
    return run_id, spool


def _recover() -> list[str]:
    """The next start on the store: its warm-up replays dead spools, then reaps dead runs."""
    session.reset()
    session.ready()
    return session.warnings()


def test_a_killed_processs_spool_is_stored_at_the_next_start(doomed_spool, mlops_home, mlflow_client):
    run_id, spool = doomed_spool
    owed = pending_ops(spool)
    assert sum(len(op.get("m", [])) for op in owed) == 2500 and owed[-1]["end"][0] == "FINISHED"
    assert mlflow_client.get_run(run_id).info.status == "RUNNING"  # nothing reached the store
    assert _recover() == []
    run = mlflow_client.get_run(run_id)
    assert run.info.status == "FINISHED"  # its own end, replayed (not KILLED by the reaper)
    assert run.data.params == {"lr": "0.1", "depth": "3"}
    history = mlflow_client.get_metric_history(run_id, "loss")
    assert sorted(m.step for m in history) == list(range(2500))
    assert {a.path for a in mlflow_client.list_artifacts(run_id)} == {"notes.txt"}
    assert not spool.exists()


def test_replaying_a_spool_again_changes_nothing(doomed_spool, mlops_home, mlflow_client, tmp_path):
    run_id, spool = doomed_spool
    copy = tmp_path / "spool-copy.jsonl"
    shutil.copyfile(spool, copy)
    _recover()
    mlflow_client.set_terminated(run_id, status="FAILED")  # ended otherwise since: it stays so
    shutil.copyfile(copy, spool)  # as if a start died half way through the replay
    assert _recover() == []
    run = mlflow_client.get_run(run_id)
    assert run.info.status == "FAILED"
    history = mlflow_client.get_metric_history(run_id, "loss")
    assert len(history) == 2500  # a metric logged twice is there once
    assert not spool.exists()


def test_what_the_store_refuses_at_replay_is_kept_and_named(doomed_spool, mlops_home, mlflow_client):
    run_id, spool = doomed_spool
    mlflow_client.delete_run(run_id)  # a deleted run takes no values
    problems = _recover()
    assert len(problems) == 1 and "\n" not in problems[0]
    assert "writes of a killed process kept in spool/writer/failed-" in problems[0] and "deleted" in problems[0]
    (kept,) = spool_folder(mlops_home / "spool").glob("failed-*.jsonl")
    assert sum(len(op.get("m", [])) for op in pending_ops(kept)) == 2500  # every value kept, readable
    assert not spool.exists()
    assert _recover() == []  # not replayed again at every start


def test_the_embedded_store_uses_wal_and_normal_sync_on_its_own_connections_only(mlops_home, tmp_path):
    from sqlalchemy import create_engine, text

    session.ready()
    db = mlops_home / "mlflow.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    from mlflow.tracking._tracking_service.utils import _get_store  # MLflow's own engine on our store

    with _get_store(session.settings().tracking_uri).engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with other.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: not ours, left alone
    other.dispose()


def test_an_older_store_is_switched_to_wal_when_opened(mlops_home):
    from mlflow.tracking._tracking_service.utils import _get_store

    session.ready()
    db = mlops_home / "mlflow.db"
    session.reset()
    _get_store(session.settings().tracking_uri).engine.dispose()  # no connection of ours left open
    with sqlite3.connect(db, isolation_level=None) as conn:
        assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    conn.close()
    session.ready()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_a_burst_faster_than_the_store_waits_for_it_and_loses_nothing(mlops_home, mlflow_client):
    handle = runs.start_run("script", run_name="burst")
    most = 0
    for step in range(40_000):
        handle.log_metrics({"x": float(step)}, step=step)
        if step % 1000 == 999:
            most = max(most, writer.get().pending())
    assert most <= writer.MAX_QUEUED + 1  # queued + the one being stored: memory stays bounded
    handle.end()
    history = mlflow_client.get_metric_history(handle.run_id, "x")
    assert sorted(m.step for m in history) == list(range(40_000))


def test_a_store_that_does_not_answer_at_replay_leaves_the_spool_for_the_next_start(doomed_spool, mlops_home,
                                                                                   mlflow_client, monkeypatch):
    from jupyter_proc import free_port

    run_id, spool = doomed_spool
    original = spool.read_text()
    port = free_port()  # nothing listens there
    spool.write_text(original.replace(json.dumps(session.settings().tracking_uri)[1:-1],
                                      f"http://127.0.0.1:{port}"))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    problems = _recover()
    assert len(problems) == 1 and "retried at the next start" in problems[0] and spool.name in problems[0]
    assert spool.exists() and not list(spool_folder(mlops_home / "spool").glob("failed-*"))
    spool.write_text(original)  # the store answers again (here: the records name the embedded store)
    assert _recover() == []
    assert not spool.exists()
    run = mlflow_client.get_run(run_id)  # the reaper's KILLED (a guess) gave way to the spooled end
    assert run.info.status == "FINISHED" and "mlops.reaped" not in run.data.tags
    assert len(mlflow_client.get_metric_history(run_id, "loss")) == 2500
