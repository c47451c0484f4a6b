"""End runs left RUNNING by a process that died (a killed kernel), and keep live runs' heartbeats.

Every run we start carries the host, the pid and a heartbeat tag that a daemon thread refreshes
(every ``MLOPS_HEARTBEAT_SECONDS``, default 15). A RUNNING run of ours is dead when it was started
on this host by a pid that no longer exists, or when its heartbeat is older than
``MLOPS_HEARTBEAT_TIMEOUT`` seconds (default 120): a run still alive on another machine keeps
refreshing its heartbeat and is left alone.

Before reaping, the spools dead processes left behind are replayed: the code logs of their notebook runs
and what their background writers still owed (:func:`.replay.replay_dead_spools`: values, texts, the
ends of runs that had ended), so a run ended before its process was killed keeps its own status.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..backend import tags
from ..backend.processes import pid_alive
from ..backend.settings import Settings
from ..errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient

__all__ = ["Heartbeat", "heartbeat_seconds", "is_dead", "reap_at_start", "reap_dead_runs", "reaped_runs",
           "replay_at_start"]

_reaped: list[str] = []  # what the last warm-up ended (shown by `mlops status`)


def heartbeat_seconds() -> float:
    return float(os.environ.get("MLOPS_HEARTBEAT_SECONDS", "15"))


def heartbeat_timeout() -> float:
    return float(os.environ.get("MLOPS_HEARTBEAT_TIMEOUT", "120"))


def is_dead(run_tags: dict[str, str], now: float | None = None) -> str | None:
    """Why a RUNNING run of ours is dead, or None when it may still be alive."""
    now = time.time() if now is None else now
    pid = run_tags.get(tags.PID, "")
    if run_tags.get(tags.HOST) == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return None
        if not pid_alive(int(pid)):
            return f"process {pid} on this host is gone"
    try:
        beat = float(run_tags.get(tags.HEARTBEAT, "nan"))
    except ValueError:
        beat = float("nan")
    if beat == beat and now - beat > heartbeat_timeout():
        return f"no heartbeat for {int(now - beat)} s"
    return None


def replay_at_start(client: MlflowClient, settings: Settings) -> None:
    """The warm-up task run before :func:`reap_at_start`: store what dead processes' writer spools still
    owe. What the store refuses again is kept in a file and raised in one line (a warm-up warning)."""
    from .replay import replay_dead_spools

    _, problems = replay_dead_spools(settings.spool_dir)
    if problems:
        raise StoreError("; ".join(problems))


def reap_at_start(client: MlflowClient, settings: Settings) -> None:
    """The warm-up task: reap, and remember what was reaped for :func:`reaped_runs`."""
    global _reaped
    _reaped = []
    _reaped = reap_dead_runs(client, settings)


def reaped_runs() -> list[str]:
    """Ids of runs this session's warm-up marked KILLED because their process had died."""
    return list(_reaped)


def reap_dead_runs(client: MlflowClient, settings: Settings) -> list[str]:
    """Mark our dead RUNNING runs KILLED (uploading their spooled code log); return their ids."""
    from mlflow.entities import ViewType

    experiments = client.search_experiments(view_type=ViewType.ACTIVE_ONLY, max_results=1000)
    ids = [e.experiment_id for e in experiments]
    if not ids:
        return []
    filter_string = f"attributes.status = 'RUNNING' and tags.`{tags.CLIENT}` = '{tags.CLIENT_NAME}'"
    reaped: list[str] = []
    for run in client.search_runs(ids, filter_string=filter_string, max_results=1000):
        why = is_dead(run.data.tags)
        if why is None:
            continue
        spool = settings.spool_dir / f"{run.info.run_id}.jsonl"
        if spool.exists():
            from .codelog import upload_code_log

            upload_code_log(client, run.info.run_id, spool)
        beat = run.data.tags.get(tags.HEARTBEAT)
        end_ms = int(float(beat) * 1000) if beat else None
        client.set_tag(run.info.run_id, tags.REAPED, why)
        client.set_terminated(run.info.run_id, status="KILLED", end_time=end_ms)
        if spool.exists():
            spool.unlink()
        reaped.append(run.info.run_id)
    return reaped


class Heartbeat:
    """A daemon thread refreshing the heartbeat tag of the runs ``runs()`` returns."""

    def __init__(self, client_factory: Callable[[], MlflowClient], runs: Callable[[], Iterable[str]]):
        self._client_factory = client_factory
        self._runs = runs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mlops-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(heartbeat_seconds()):
            run_ids = list(self._runs())
            if not run_ids:
                continue  # idle: the thread stays for the next run (a thread start per run costs ms)
            try:
                client = self._client_factory()  # the current store's (the session may have switched)
            except Exception:  # noqa: BLE001 - no store right now: the next beat retries
                continue
            for run_id in run_ids:
                try:
                    client.set_tag(run_id, tags.HEARTBEAT, f"{time.time():.0f}")
                except Exception:  # a missed beat is harmless; the next one retries
                    pass


def spool_path(settings: Settings, run_id: str) -> Path:
    return settings.spool_dir / f"{run_id}.jsonl"
