"""Production traffic as versioned data, the serving side: buffer captured rows, spool closed partitions.

Captured rows are appended, as they come, to the open partition: a file ``.part-HOST-PID-SEQ.pkl.tmp``
in the spool folder ``MLOPS_HOME/serving/capture/NAME`` (the request frames and added columns as they
are, pickled: tens of microseconds per request, spread over the traffic). When it holds ``max_rows``
rows, or ``max_seconds`` after it was opened, it is renamed ``part-HOST-PID-SEQ.pkl``: complete. The
:mod:`~mlops_magics.core.serving.capture_ingest` process turns each file into a new version of dataset NAME: the
Parquet encoding and hashing of every row happen there, on another core, not in the process that
answers requests (where they would hold the GIL the requests need). So:

* a half-written partition is never visible (temporary names, in the spool and in the data store);
* nothing is lost when a process dies: a spooled partition waits on disk until an ingester stores it;
  SIGTERM and Ctrl-C complete the open partition (SIGKILL loses it: its temporary file is removed);
* two processes never collide: file names carry host, pid and a sequence number, an ingester claims a
  file by an atomic rename, and the data store's per-dataset lock serialises version numbers;
* memory stays bounded: rows go to disk as they come; beyond ``max_pending`` partitions' worth of rows
  waiting for the writer thread, rows are dropped and counted
  (``mlops_serving_capture_dropped_rows_total``), the server keeps answering.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import socket
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from .chunks import CaptureChunk

__all__ = ["CaptureWriter", "SPOOL_SUFFIX", "host_tag", "spool_dir"]

log = logging.getLogger("mlops_magics.serving")

SPOOL_SUFFIX = ".pkl"


def spool_dir(home: Path, name: str) -> Path:
    """Where closed partitions of dataset ``name`` wait for the data store."""
    return Path(home) / "serving" / "capture" / name


def host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"


class CaptureWriter:
    """Spools captured rows, partition by partition, for the ingester."""

    def __init__(self, name: str, home: Path, max_rows: int = 50_000, max_seconds: float = 600.0,
                 metrics: Any = None, max_pending: int = 4) -> None:
        self.name = name
        self.home = Path(home)
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self.max_queued = max_pending * max_rows  # rows waiting for the writer thread, at most
        self.metrics = metrics
        self.spool = spool_dir(self.home, name)
        self.host = host_tag()
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._queue: deque[CaptureChunk] = deque()
        self._queued = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._file: Any = None  # the open partition: a temporary file, renamed when complete
        self._path: Path | None = None
        self._rows = 0  # rows in the open partition
        self._opened = 0.0
        self._seq = 0
        self.partitions = 0
        self.rows_spooled = 0

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> "CaptureWriter":
        self.spool.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="mlops-capture", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 120.0) -> None:
        """Spool everything queued and complete the open partition (SIGTERM / Ctrl-C path)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- request side (observer thread) ------------------------------------------------------------------
    def append(self, rows: Any) -> bool:
        """Queue captured rows (a :class:`CaptureChunk` or a DataFrame); False (and counted) when too many
        rows wait already or the writer stopped."""
        chunk = CaptureChunk.of(rows)
        if chunk.rows == 0:
            return True
        with self._cond:
            if self._stopping or self._queued >= self.max_queued:
                if self.metrics is not None:
                    self.metrics.capture_dropped.inc(chunk.rows)
                return False
            self._queue.append(chunk)
            self._queued += chunk.rows
            self._cond.notify_all()
        return True

    # -- writer thread -----------------------------------------------------------------------------------
    def _loop(self) -> None:
        """Write each queued chunk into the open partition as it comes (a pickle each: the cost is spread
        over the traffic, never one long pause), complete partitions on the row or time budget."""
        while True:
            with self._cond:
                while not (self._queue or self._stopping or self._aged()):
                    self._cond.wait(timeout=self._wait_time())
                chunks = list(self._queue)
                self._queue.clear()
                stopping = self._stopping
            for chunk in chunks:
                try:
                    self._write(chunk)
                except Exception as exc:  # noqa: BLE001 - counted and logged; these rows are lost
                    log.error("capture %s: could not spool %d rows (%s)", self.name, chunk.rows, exc)
                    self._abandon()
                    if self.metrics is not None:
                        self.metrics.capture_errors.inc()
                        self.metrics.capture_dropped.inc(chunk.rows)
                with self._cond:
                    self._queued -= chunk.rows
            if self._aged() or (stopping and self._file is not None):
                self._complete()
            if stopping:
                with self._cond:
                    if not self._queue:
                        return

    def _aged(self) -> bool:
        return self._file is not None and time.monotonic() - self._opened >= self.max_seconds

    def _wait_time(self) -> float:
        if self._file is None:
            return 1.0
        return max(0.01, min(1.0, self.max_seconds - (time.monotonic() - self._opened)))

    def _write(self, chunk: CaptureChunk) -> None:
        while chunk.rows:  # partitions of exactly max_rows rows (the last one of a flush: fewer)
            if self._file is None:
                self._open()
            room = self.max_rows - self._rows
            part, chunk = (chunk, CaptureChunk([], {}, 0)) if chunk.rows <= room else chunk.split(room)
            pickle.dump(part, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._rows += part.rows
            if self._rows >= self.max_rows:
                self._complete()

    def _open(self) -> None:
        self._seq += 1
        self._path = self.spool / f"part-{self.host}-{self.pid}-{self._seq:06d}{SPOOL_SUFFIX}"
        self._file = open(self.spool / f".{self._path.name}.tmp", "wb")  # noqa: SIM115 - kept open across calls
        self._rows, self._opened = 0, time.monotonic()

    def _complete(self) -> None:
        """Close the open partition and make it visible to the ingester (rename)."""
        if self._file is None or self._path is None:
            return
        self._file.close()
        os.replace(self._file.name, self._path)
        self.partitions += 1
        self.rows_spooled += self._rows
        if self.metrics is not None:
            self.metrics.capture_partitions.inc()
            self.metrics.capture_rows.inc(self._rows)
        self._file, self._path, self._rows = None, None, 0

    def _abandon(self) -> None:
        if self._file is not None:
            self._file.close()
            Path(self._file.name).unlink(missing_ok=True)
        self._file, self._path, self._rows = None, None, 0

    def write(self, chunks: list[CaptureChunk]) -> Path:
        """Spool ``chunks`` as one complete partition now (tests, recovery tools)."""
        self._open()
        path = self._path
        for chunk in chunks:
            pickle.dump(chunk, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._rows += chunk.rows
        self._complete()
        assert path is not None
        return path
