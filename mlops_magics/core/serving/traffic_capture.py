"""Production traffic as versioned data: each closed partition becomes a new version of dataset NAME.

Rows are buffered in memory until the partition reaches ``max_rows`` rows or ``max_seconds`` since its
first row; a closed partition is added to the data store through its public API (``datastore.add`` of a
DataFrame: written under a temporary name and renamed, the manifest edited under the dataset's lock).
When the store cannot take it (disk full, a lock held too long), the partition goes to a spool folder
(``MLOPS_HOME/serving/capture/NAME``) as a Parquet file, written under a temporary name and renamed when
complete, and is retried. So:

* a half-written partition is never visible (temporary names, in the data store and in the spool);
* nothing is lost when the store fails, nor when the process dies with partitions spooled: spool files
  of dead processes are added by the next server that captures into NAME (claimed by an atomic rename,
  so two servers never add one twice);
* two processes never collide: partition names carry host, pid and a sequence number, and the data
  store's per-dataset lock serialises version numbers;
* memory stays bounded: beyond ``max_pending`` partitions waiting for the store, rows are dropped and
  counted (``mlops_serving_capture_dropped_rows_total``), the server keeps answering.

(Rows still in the memory buffer are lost only if the process is killed with SIGKILL; SIGTERM and
Ctrl-C close the buffer as a last partition.)
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError

__all__ = ["CaptureWriter", "spool_dir"]

log = logging.getLogger("mlops_magics.serving")

_PART = re.compile(r"^part-(?P<host>.+)-(?P<pid>\d+)-(?P<seq>\d+)\.parquet$")
_CLAIMED = re.compile(r"^claimed-(?P<pid>\d+)-(?P<orig>part-.+\.parquet)$")
RETRY_SECONDS = 5.0


def spool_dir(home: Path, name: str) -> Path:
    """Where closed partitions of dataset ``name`` wait for the data store."""
    return Path(home) / "serving" / "capture" / name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CaptureWriter:
    """Buffers captured rows and stores closed partitions as versions of dataset ``name``."""

    def __init__(self, name: str, home: Path, max_rows: int = 50_000, max_seconds: float = 600.0,
                 metrics: Any = None, max_pending: int = 4) -> None:
        self.name = name
        self.home = Path(home)
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self.max_pending = max_pending
        self.metrics = metrics
        self.spool = spool_dir(self.home, name)
        self.host = re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._buffer: list[Any] = []
        self._rows = 0
        self._first: float | None = None
        self._pending: deque[list[Any]] = deque()
        self._pending_rows = 0
        self._seq = 0
        self._stopping = False
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self.partitions = 0
        self.rows_stored = 0

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> "CaptureWriter":
        self.spool.mkdir(parents=True, exist_ok=True)
        self._recover()
        self._thread = threading.Thread(target=self._loop, name="mlops-capture", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 120.0) -> None:
        """Close the open partition and store everything buffered (SIGTERM / Ctrl-C path)."""
        with self._cond:
            self._close_partition()
            self._stopping = True
            self._retry_at = 0.0
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- request side (observer thread) ------------------------------------------------------------------
    def append(self, frame: Any) -> bool:
        """Buffer captured rows; False (and counted) when the buffer is full or the writer stopped."""
        n = len(frame)
        if n == 0:
            return True
        with self._cond:
            if self._stopping or self._pending_rows + self._rows >= self.max_pending * self.max_rows:
                if self.metrics is not None:
                    self.metrics.capture_dropped.inc(n)
                return False
            while len(frame):  # partitions of exactly max_rows rows (the last one of a flush: fewer)
                if self._first is None:
                    self._first = time.monotonic()
                room = self.max_rows - self._rows
                part, frame = (frame, frame.iloc[:0]) if len(frame) <= room else (frame.iloc[:room], frame.iloc[room:])
                self._buffer.append(part)
                self._rows += len(part)
                if self._rows >= self.max_rows:
                    self._close_partition()
                    self._cond.notify_all()
        return True

    def _close_partition(self) -> None:
        """Move the buffer to the pending queue (caller holds the condition)."""
        if self._buffer:
            self._pending.append(self._buffer)
            self._pending_rows += self._rows
        self._buffer, self._rows, self._first = [], 0, None

    # -- writer thread -----------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not (self._pending or self._stopping or self._aged() or self._retry_due()):
                    self._cond.wait(timeout=self._wait_time())
                if self._aged():
                    self._close_partition()
                parts = list(self._pending)
                stopping = self._stopping
            for part in parts:
                rows = sum(len(f) for f in part)
                self._seq += 1
                label = f"part-{self.host}-{self.pid}-{self._seq:06d}"
                try:
                    df = self._frame(part)
                    if not self._store(df, label):
                        self._write_spool(df, label)  # kept on disk, retried
                except Exception as exc:  # noqa: BLE001 - counted and logged; this partition's rows are lost
                    log.error("capture %s: could not keep a partition of %d rows (%s)", self.name, rows, exc)
                    if self.metrics is not None:
                        self.metrics.capture_errors.inc()
                        self.metrics.capture_dropped.inc(rows)
                with self._cond:
                    self._pending.popleft()
                    self._pending_rows -= rows
            self._ingest_own()
            with self._cond:
                if stopping and not self._pending and not self._buffer:
                    return

    def _aged(self) -> bool:
        return self._first is not None and time.monotonic() - self._first >= self.max_seconds

    def _retry_due(self) -> bool:
        return self._retry_at > 0 and time.monotonic() >= self._retry_at

    def _wait_time(self) -> float:
        waits = [1.0]
        if self._first is not None:
            waits.append(self.max_seconds - (time.monotonic() - self._first))
        if self._retry_at > 0:
            waits.append(self._retry_at - time.monotonic())
        return max(0.01, min(waits))

    @staticmethod
    def _frame(frames: list[Any]) -> Any:
        import pandas as pd

        df = pd.concat(frames, ignore_index=True, copy=False) if len(frames) > 1 else frames[0].reset_index(drop=True)
        df.columns = [str(c) for c in df.columns]
        return df

    def _write_spool(self, df: Any, label: str) -> Path:
        """One Parquet file, visible only once complete (temporary name, then rename)."""
        import pyarrow as pa

        final = self.spool / f"{label}.parquet"
        tmp = self.spool / f".{final.name}.tmp"
        try:
            try:
                df.to_parquet(tmp, index=False)
            except (pa.ArrowException, TypeError, ValueError):  # mixed object columns: keep them as text
                df.astype({c: str for c in df.columns if df[c].dtype == object}).to_parquet(tmp, index=False)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def _ingest_own(self) -> None:
        if self._retry_at > 0 and not self._stopping and time.monotonic() < self._retry_at:
            return
        own = sorted(self.spool.glob(f"claimed-{self.pid}-*.parquet")) + \
            sorted(self.spool.glob(f"part-{self.host}-{self.pid}-*.parquet"))
        for path in own:
            if not self._ingest(path):
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return
        self._retry_at = 0.0

    def _store(self, df: Any, label: str) -> bool:
        """Add one partition as a new version of the dataset; False (logged, counted) when the store refuses."""
        from ..datastore import add

        message = f"captured traffic: {len(df)} rows ({label})"
        try:
            if "_timestamp" in df.columns and len(df):
                message += f", {df['_timestamp'].min():%Y-%m-%d %H:%M:%S} .. {df['_timestamp'].max():%H:%M:%S} UTC"
            if "_model_version" in df.columns and len(df):
                message += ", model " + ", ".join(f"v{v}" for v in sorted(df["_model_version"].astype(str).unique()))
            try:
                add(df, name=self.name, message=message, home=self.home, run=None)
            except MlopsUsageError:  # mixed object columns Parquet refuses: keep them as text
                text = df.astype({c: str for c in df.columns if df[c].dtype == object})
                add(text, name=self.name, message=message, home=self.home, run=None)
        except Exception as exc:  # noqa: BLE001 - kept and retried; the server goes on
            log.error("capture %s: could not store %s (%s); kept for a retry", self.name, label,
                      str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
            if self.metrics is not None:
                self.metrics.capture_errors.inc()
            return False
        self.partitions += 1
        self.rows_stored += len(df)
        if self.metrics is not None:
            self.metrics.capture_partitions.inc()
            self.metrics.capture_rows.inc(len(df))
        return True

    def _ingest(self, path: Path) -> bool:
        """Store one spooled partition; the file goes once stored."""
        import pandas as pd

        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is left for a person to look at
            log.error("capture %s: cannot read %s (%s)", self.name, path.name, exc)
            return False
        label = path.stem.split("-", 2)[-1] if path.name.startswith("claimed-") else path.stem
        if not self._store(df, label):
            return False
        path.unlink(missing_ok=True)
        return True

    def _recover(self) -> None:
        """Store partitions left by dead processes on this host; remove their half-written files."""
        for path in sorted(self.spool.iterdir()):
            name = path.name
            if name.startswith(".") and name.endswith(".tmp"):
                match = _PART.match(name[1:-4])
                if match and match["host"] == self.host and not _alive(int(match["pid"])):
                    path.unlink(missing_ok=True)
                continue
            match = _PART.match(name)
            claimed = _CLAIMED.match(name)
            if match and match["host"] == self.host and int(match["pid"]) != self.pid and not _alive(int(match["pid"])):
                orig = name
            elif claimed and int(claimed["pid"]) != self.pid and not _alive(int(claimed["pid"])):
                orig = claimed["orig"]
            else:
                continue
            mine = self.spool / f"claimed-{self.pid}-{orig}"
            try:
                os.rename(path, mine)  # atomic: of two servers recovering at once, one wins
            except FileNotFoundError:
                continue
            if self._ingest(mine):
                log.info("capture %s: stored %s left by a stopped server", self.name, orig)
