"""The background writer: a run's params, metrics, tags, small texts and its end go to the store after the
cell, from one daemon thread per process, so a tracked cell costs next to nothing.

What it guarantees:

- **Order**: operations are stored in the order they were handed over (one thread, first in first out).
  An operation the store fails (full disk, server gone, database locked) is held and retried, and the
  ones behind it go on; MLflow accepts a run's values after its end, and a param cannot change value,
  so a retried operation stores exactly what it would have stored in order.
- **Durability**: each operation is appended to the spool (:mod:`.spool`, a local file, no ``fsync``)
  before it is queued and marked done after it is stored. After a ``kill -9`` of the process the next
  start on the store replays what the spool still owes (:mod:`.replay`, run by the warm-up before dead
  runs are reaped), idempotently: a metric keeps its timestamp, so one stored twice is
  stored once; a run that is no longer RUNNING keeps its status (unless the reaper ended it KILLED while
  its spool waited for a store that did not answer: then the spooled end is the true one).
- **Promptness**: the thread starts on an operation as soon as it is queued, so on an idle machine a
  cell's values are in the store milliseconds after the cell ends. Other processes reading the store
  directly (the JupyterLab panel, ``mlflow ui``) see them then.
- **Drain points**: :func:`drain` waits until everything handed over is stored (or held by a failing
  store). It runs before every read of runs through ``session.client()`` (runs, compare, register, the
  panel's queries, ...), at ``%mlops stop``, ``%unload_ext``, interpreter exit (kernel shutdown) and
  after an interrupted tracked cell. MLflow's own functions called in the same process
  (``mlflow.get_run``) do not wait.
- **Errors are kept**: an entry MLflow refuses is left out and named, the rest of its batch stored
  (:mod:`.batches`); a failing store keeps the operation, in memory and in the spool, and
  :meth:`Writer.wait` (``RunHandle.flush`` and ``end``) raises its one-line error. Each note is
  reported once through :func:`take_reports` (the magics print them after the next cell).
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backend import session, tags
from ..backend.store_errors import store_errors
from ..errors import MlopsError, StoreError, first_line
from .batches import Pending, send
from .spool import Spool, spool_folder

__all__ = ["Write", "Writer", "apply", "close", "drain", "get", "kick", "take_reports", "wait"]

RETRY_FIRST_S, RETRY_MAX_S = 0.2, 30.0
DEFER_S = 0.05  # a deferred hand-over (a cell's end) waits at most this long for :func:`kick`
MAX_QUEUED = 16  # hand-overs waiting (of up to 1000 values each) before a hand-over waits for the writer


@dataclass(eq=False)
class Write:
    """One hand-over: a run's entries, texts and (optionally) its end, stored in that order."""

    seq: int
    run_id: str
    pending: Pending
    texts: dict[str, str] = field(default_factory=dict)
    end: tuple[str, int] | None = None  # (status, end time in ms)
    handle: Any = None  # the RunHandle, told about refused entries (not spooled)
    replay: bool = False  # from a dead process's spool: a terminated run keeps its status
    error: BaseException | None = None  # the store's last failure while held
    done: threading.Event = field(default_factory=threading.Event)
    owner: "Writer | None" = None  # the writer it was handed to

    def record(self, tracking_uri: str) -> dict[str, Any]:
        """The spool line of this operation."""
        p = self.pending
        out: dict[str, Any] = {"op": self.seq, "uri": tracking_uri, "run": self.run_id}
        if p.params:
            out["p"] = {x.key: x.value for x in p.params}
        if p.metrics:
            out["m"] = [[x.key, x.value, x.timestamp, x.step] for x in p.metrics]
        if p.tags:
            out["t"] = {x.key: x.value for x in p.tags}
        if self.texts:
            out["x"] = self.texts
        if self.end is not None:
            out["end"] = list(self.end)
        return out

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Write":
        from mlflow.entities import Metric, Param, RunTag

        pending = Pending([Param(k, v) for k, v in record.get("p", {}).items()],
                          [Metric(k, v, ts, step) for k, v, ts, step in record.get("m", [])],
                          [RunTag(k, v) for k, v in record.get("t", {}).items()])
        end = record.get("end")
        return cls(int(record["op"]), record["run"], pending, dict(record.get("x", {})),
                   (end[0], int(end[1])) if end else None, replay=True)


def _upload_texts(client: Any, run_id: str, texts: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-artifacts-") as tmp:
        for name, text in texts.items():
            target = Path(tmp, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", errors="surrogatepass")
        client.log_artifacts(run_id, tmp)


def apply(client: Any, write: Write, notes: list[str]) -> None:
    """Store ``write``: its entries, its texts, its end, each part forgotten once stored (a retry goes on
    where it failed), a failing part not stopping the next ones (a text the store cannot take does not keep
    the run RUNNING). Entries MLflow refuses are left out and named in ``notes``. The first store failure
    is raised at the end (one line when we can name it)."""
    failure: BaseException | None = None
    may_end, reaped = not write.replay, False
    if write.replay:  # a dead process's write: the run may have been deleted or ended meanwhile
        with store_errors():
            run = client.get_run(write.run_id)
        if run.info.lifecycle_stage == "deleted":
            raise StoreError(f"run {write.run_id} is deleted: its values cannot be stored")
        reaped = tags.REAPED in run.data.tags  # KILLED by the reaper, a guess: the spooled end knows better
        may_end = run.info.status == "RUNNING" or reaped
    if write.pending:
        try:
            with store_errors():
                left_out = send(client, write.run_id, write.pending, notes)
            if write.handle is not None and (left_out.params or left_out.metrics):
                write.handle._forget(left_out)
        except Exception as exc:  # noqa: BLE001 - the unsent entries stay in write.pending
            failure = exc
    if write.texts:
        try:
            with store_errors():
                _upload_texts(client, write.run_id, write.texts)
            write.texts = {}
        except Exception as exc:  # noqa: BLE001 - kept in write.texts
            failure = failure or exc
    if write.end is not None and not write.pending:  # never ended before its entries are in
        status, end_ms = write.end
        try:
            with store_errors():
                if may_end:
                    client.set_terminated(write.run_id, status=status, end_time=end_ms)
                    if reaped:
                        client.delete_tag(write.run_id, tags.REAPED)
            write.end = None
        except Exception as exc:  # noqa: BLE001 - kept in write.end
            failure = failure or exc
    if failure is not None:
        raise failure


class Writer:
    """The writer of one store (tracking URI) in this process: a queue, a thread, a spool."""

    def __init__(self, tracking_uri: str, registry_uri: str, spool_dir: Path) -> None:
        self.tracking_uri = tracking_uri
        self.registry_uri = registry_uri
        self.spool = Spool(spool_folder(spool_dir))
        self._cond = threading.Condition()
        self._queue: deque[Write] = deque()
        self._held: list[Write] = []
        self._busy = False
        self._retry_now = False
        self._hold_until = 0.0  # deferred hand-overs wait until then, or a kick
        self._closed = False
        self._seq = 0
        self._reports: list[str] = []
        self._reported: set[tuple[int, str]] = set()
        self._client: Any = None
        self._thread = threading.Thread(target=self._loop, name="mlops-writer", daemon=True)
        self._thread.start()

    # -- the caller's side ------------------------------------------------------------------
    def submit(self, run_id: str, pending: Pending, texts: dict[str, str] | None = None,
               end: tuple[str, int] | None = None, handle: Any = None, defer: bool = False) -> Write:
        """Spool and queue one operation; returns at once unless :data:`MAX_QUEUED` are already waiting (a
        burst of logging faster than the store then goes at the store's pace: memory stays bounded). A
        ``defer``-red one (a tracked cell's end) is stored after :meth:`kick` (the end of the cell: the
        writer's thread does not compete with the rest of the cell for the interpreter) or :data:`DEFER_S`
        seconds, whichever comes first."""
        with self._cond:
            while (len(self._queue) >= MAX_QUEUED and not self._closed and self._thread.is_alive()
                   and threading.current_thread() is not self._thread):  # a burst faster than the store
                self._hold_until = 0.0
                self._cond.notify_all()
                self._cond.wait()
            if self._closed:
                raise StoreError("the background writer is closed (the session was reset); start a new run")
            self._seq += 1
            write = Write(self._seq, run_id, pending, dict(texts or {}), end, handle, owner=self)
            self.spool.append(write.seq, write.record(self.tracking_uri))
            self._queue.append(write)
            self._retry_now = self._retry_now or bool(self._held)
            self._hold_until = time.monotonic() + DEFER_S if defer else 0.0
            self._cond.notify_all()
        return write

    def kick(self) -> None:
        """Start on deferred hand-overs now."""
        with self._cond:
            if self._hold_until:
                self._hold_until = 0.0
                self._cond.notify_all()

    def wait(self, write: Write, timeout: float | None = None) -> None:
        """Until ``write`` is stored; raise its one-line error when the store failed it (it is kept and
        retried: with the next hand-over, the next drain, and every few seconds)."""
        if threading.current_thread() is self._thread:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        self.kick()
        with self._cond:
            while not write.done.is_set() and not (write in self._held and not self._retry_now):
                if not self._cond.wait(_left(deadline)) and deadline is not None and time.monotonic() >= deadline:
                    break
            error = None if write.done.is_set() else write.error
        if error is not None:
            raise error if isinstance(error, MlopsError) else StoreError(first_line(error))

    def drain(self, timeout: float | None = None) -> bool:
        """Until nothing handed over is waiting (held operations are retried once first); False when
        ``timeout`` ran out or some operations are still held by a failing store."""
        if threading.current_thread() is self._thread:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._hold_until = 0.0
            if self._held:
                self._retry_now = True
            self._cond.notify_all()
            while self._queue or self._busy or self._retry_now:
                if not self._thread.is_alive():
                    return False
                if not self._cond.wait(_left(deadline)) and deadline is not None and time.monotonic() >= deadline:
                    return False
            return not self._held

    def pending(self) -> int:
        """Operations handed over and not stored yet (held ones included)."""
        with self._cond:
            return len(self._queue) + len(self._held) + (1 if self._busy else 0)

    def take_reports(self) -> list[str]:
        with self._cond:
            out, self._reports = self._reports, []
        return out

    def close(self, timeout: float | None = 60) -> None:
        """Drain (up to ``timeout`` s), stop the thread, release the spool (left for the next start to
        replay when something is still pending)."""
        self.drain(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.spool.close()

    # -- the thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        backoff = RETRY_FIRST_S
        while True:
            with self._cond:
                batch = self._next(backoff)
                if batch is None:
                    return  # closed: what is left stays in the spool, the next start replays it
                self._busy = True
            failed = False
            for write in batch:
                failed = not self._store(write) or failed
            backoff = min(backoff * 2, RETRY_MAX_S) if failed else RETRY_FIRST_S
            with self._cond:
                self._busy = False
                if not self._queue and not self._held:
                    self.spool.clear()
                self._cond.notify_all()

    def _next(self, backoff: float) -> list[Write] | None:
        """(Holding the lock) wait for the next writes to store: held ones to retry, else the queue's
        head once its deferral is over; None when the writer is closed."""
        while True:
            if self._closed:
                return None
            if self._retry_now:
                batch, self._held = self._held, []
                self._retry_now = False
                return batch
            if self._queue:
                left = self._hold_until - time.monotonic()
                if self._hold_until and left > 0:
                    self._cond.wait(left)
                    continue
                return [self._queue.popleft()]
            if self._held:
                if not self._cond.wait(backoff):
                    self._retry_now = True
                continue
            self._cond.wait()

    def _store(self, write: Write) -> bool:
        notes: list[str] = []
        try:
            if self._client is None:
                from mlflow import MlflowClient

                self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri)
            apply(self._client, write, notes)
        except BaseException as exc:  # noqa: BLE001 - kept and retried; said once, in one line
            write.error = exc
            with self._cond:
                self._held.append(write)
            self._report(write, f"{_run_name(write)}: {first_line(exc)} (kept, retried with the next write)")
            return False
        finally:
            for note in notes:
                self._report(write, f"{_run_name(write)}: {note}")
                if write.handle is not None:
                    write.handle._note(note)
        write.error = None
        write.done.set()
        self.spool.done(write.seq)
        return True

    def _report(self, write: Write, text: str) -> None:
        with self._cond:
            if (write.seq, text) not in self._reported:
                self._reported.add((write.seq, text))
                self._reports.append(text)


def _run_name(write: Write) -> str:
    name = getattr(write.handle, "name", None)
    return f"run {name} ({write.run_id[:8]})" if name else f"run {write.run_id[:8]}"


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


# -- the process's writer ---------------------------------------------------------------------
_writer: Writer | None = None
_lock = threading.Lock()


def get() -> Writer:
    """The writer of the current store (started on first use)."""
    global _writer
    conf = session.settings()
    with _lock:
        if _writer is None or _writer.tracking_uri != conf.tracking_uri:
            old, _writer = _writer, Writer(conf.tracking_uri, conf.registry_uri, conf.spool_dir)
        else:
            return _writer
    if old is not None:
        old.close()
    return _writer


def wait(write: Write, timeout: float | None = None) -> None:
    """Wait until ``write`` is stored (see :meth:`Writer.wait`)."""
    if write.owner is not None:
        write.owner.wait(write, timeout)


def kick() -> None:
    """The cell is over: store what it handed over now (see :meth:`Writer.submit`)."""
    writer = _writer
    if writer is not None:
        writer.kick()


def drain(timeout: float | None = None) -> bool:
    """Wait until everything this process handed over is stored (no writer yet: at once)."""
    writer = _writer
    return True if writer is None else writer.drain(timeout)


def take_reports() -> list[str]:
    """Notes of the writer not reported yet (refused entries, failing store), one line each."""
    writer = _writer
    return [] if writer is None else writer.take_reports()


def close(timeout: float | None = 60) -> None:
    """Drain and stop the writer (session reset, interpreter exit); a new one starts on the next write."""
    global _writer
    with _lock:
        writer, _writer = _writer, None
    if writer is not None:
        writer.close(timeout)


def _forget_after_fork() -> None:
    global _writer, _lock
    old, _writer, _lock = _writer, None, threading.Lock()  # the child has no writer thread: it starts its own
    if old is not None:
        old.spool.forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(close, 5.0)  # registered before runs' end_all_runs (which drains): runs after it
