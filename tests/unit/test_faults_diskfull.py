"""A full disk under the tracking store (issue 12, item 9): a real, small tmpfs mounted by the test.

With 0 bytes free, tracking says "no space left on device at PATH" in one line (a StoreError), MLflow's
own logged traceback is not printed, nothing stored before is damaged, and once space is freed the same
store works again.
"""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from mlops_magics import track
from mlops_magics.core.backend import session
from mlops_magics.core.errors import StoreError
from mlops_magics.core.tracking import runs


@pytest.fixture
def small_disk(tmpfs):
    """A 6 MB tmpfs."""
    return tmpfs("6m")


def _fill(folder) -> "os.PathLike":
    """Write a file until not one more byte fits."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 16, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_tracking_on_a_full_disk_is_one_line_and_the_store_survives(small_disk, monkeypatch, capfd):
    project = small_disk / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    monkeypatch.setenv("MLOPS_HOME", str(project / ".mlops"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(project)
    session.reset()
    try:
        with track(run_name="before", params={"lr": 0.1}, capture_env=False) as run:
            run.log_metric("acc", 0.93)
        kept = run.run_id
        open_run = runs.start_run("script", run_name="open while the disk fills")
        filler = _fill(small_disk)
        capfd.readouterr()

        errors: list[StoreError] = []
        open_run.log_metrics({f"m{i}": float(i) for i in range(999)})
        with pytest.raises(StoreError) as info:
            open_run.flush()  # the values stay buffered
        errors.append(info.value)
        try:
            runs.start_run("script", run_name="on a full disk")
        except StoreError as exc:
            errors.append(exc)
        else:  # SQLite may still have a free page for a run row; it is ended below with the others
            pass
        try:
            open_run.end()
        except StoreError as exc:  # the store refused its end too: it is ended once space is back
            errors.append(exc)
        db = str(project / ".mlops" / "mlflow.db")
        for error in errors:
            message = str(error)
            assert message.startswith(f"no space left on device at {db}") and "\n" not in message
        printed = capfd.readouterr()
        assert "Traceback" not in printed.err + printed.out and "sqlalchemy" not in printed.err.lower()
        runs.end_all_runs()  # what is still open ends (the store may refuse: then at the next end)
        assert runs.active_run() is None

        os.unlink(filler)  # space again: the same store works and the earlier run is intact
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
        client = session.client()
        before = client.get_run(kept)
        assert before.info.status == "FINISHED"
        assert before.data.params == {"lr": "0.1"} and before.data.metrics == {"acc": 0.93}
        with track(run_name="after", capture_env=False) as again:
            again.log_metric("acc", 0.95)
        assert client.get_run(again.run_id).data.metrics == {"acc": 0.95}
        statuses = {r.info.run_name: r.info.status for r in client.search_runs(["0"])}
        assert "RUNNING" not in statuses.values(), statuses  # a run whose end was refused ended since
    finally:
        session.reset()
