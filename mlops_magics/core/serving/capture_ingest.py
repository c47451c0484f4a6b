"""Production traffic as versioned data, the store side: spooled partitions become dataset versions.

An :class:`Ingester` takes each complete ``part-*.pkl`` file of a spool folder (see
:mod:`.traffic_capture`), claims it by renaming it to ``claimed-PID-...`` (atomic: of two ingesters,
one wins), assembles its rows into one DataFrame and adds it to the data store through its public API
(``datastore.add``): a new version per partition. The file is deleted once stored; a partition the store
refuses stays on disk and is retried. Files claimed by an ingester that died are taken back; half-written
files (``.part-...tmp``) of dead writers are removed, never stored.

The model server runs one ingester process next to its workers (``python -m
mlops_magics.modelserver.capture_ingest``), so this work never competes with requests for the GIL.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from ..backend.processes import pid_alive
from ..backend.traffic import MODEL_VERSION, TIMESTAMP
from ..errors import MlopsUsageError
from .chunks import assemble
from .traffic_capture import SPOOL_SUFFIX, host_tag, spool_dir

__all__ = ["Ingester"]

log = logging.getLogger("mlops_magics.serving")

_PART = re.compile(rf"^part-(?P<host>.+)-(?P<pid>\d+)-(?P<seq>\d+){re.escape(SPOOL_SUFFIX)}$")
_CLAIMED = re.compile(rf"^claimed-(?P<pid>\d+)-(?P<orig>part-.+{re.escape(SPOOL_SUFFIX)})$")
_TMP = re.compile(rf"^\.part-(?P<host>.+)-(?P<pid>\d+)-\d+{re.escape(SPOOL_SUFFIX)}\.tmp$")
RETRY_SECONDS = 5.0


class Ingester:
    """Stores the spooled partitions of dataset ``name`` as its versions."""

    def __init__(self, name: str, home: Path) -> None:
        self.name = name
        self.home = Path(home)
        self.spool = spool_dir(self.home, name)
        self.pid = os.getpid()
        self.host = host_tag()
        self.partitions = 0
        self.rows = 0
        self._retry_at: dict[str, float] = {}

    def ready(self) -> list[Path]:
        """Complete partitions nobody works on: unclaimed ones, ours, and those of dead ingesters; in order."""
        if not self.spool.is_dir():
            return []
        out = []
        for path in self.spool.iterdir():
            name = path.name
            if _PART.match(name):
                out.append(path)
            elif (m := _CLAIMED.match(name)) and (int(m["pid"]) == self.pid or not pid_alive(int(m["pid"]))):
                out.append(path)
            elif (m := _TMP.match(name)) and m["host"] == self.host and not pid_alive(int(m["pid"])):
                path.unlink(missing_ok=True)  # half-written by a writer that died: never stored
        return sorted(out, key=lambda p: _PART.match(self._original(p.name)).group("seq", "pid", "host"))

    @staticmethod
    def _original(name: str) -> str:
        m = _CLAIMED.match(name)
        return m["orig"] if m else name

    def ingest_ready(self) -> int:
        """Store every ready partition (retrying refused ones after a pause); returns how many were stored."""
        stored = 0
        now = time.monotonic()
        for path in self.ready():
            original = self._original(path.name)
            if self._retry_at.get(original, 0) > now:
                continue
            mine = self.spool / f"claimed-{self.pid}-{original}"
            if path != mine:
                try:
                    os.rename(path, mine)
                except FileNotFoundError:  # another ingester claimed it first
                    continue
            if self.store_file(mine, original):
                stored += 1
                self._retry_at.pop(original, None)
            else:
                self._retry_at[original] = now + RETRY_SECONDS
        return stored

    def store_file(self, path: Path, label: str) -> bool:
        """Add one claimed partition as a new version; the file goes once stored."""
        import pickle

        try:
            chunks = []
            with open(path, "rb") as fh:
                while True:  # the writer appends one pickled chunk at a time
                    try:
                        chunks.append(pickle.load(fh))
                    except EOFError:
                        break
            df = assemble(chunks)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is left for a person to look at
            log.error("capture %s: cannot read %s (%s); left in %s", self.name, label, exc, self.spool)
            return False
        if not self.store_frame(df, label.removesuffix(SPOOL_SUFFIX)):
            return False
        path.unlink(missing_ok=True)
        return True

    def store_frame(self, df: Any, label: str) -> bool:
        """Add rows as a new version of the dataset; False (logged) when the store refuses."""
        from ..datastore import add

        message = f"captured traffic: {len(df)} rows ({label})"
        try:
            if TIMESTAMP in df.columns and len(df):
                message += f", {df[TIMESTAMP].min():%Y-%m-%d %H:%M:%S} .. {df[TIMESTAMP].max():%H:%M:%S} UTC"
            if MODEL_VERSION in df.columns and len(df):
                message += ", model " + ", ".join(f"v{v}" for v in sorted(df[MODEL_VERSION].astype(str).unique()))
            try:
                add(df, name=self.name, message=message, home=self.home, run=None)
            except MlopsUsageError:  # mixed-type text columns Parquet refuses: keep them as text
                text = df.astype({c: str for c in df.columns if df[c].dtype in (object, "category")})
                add(text, name=self.name, message=message, home=self.home, run=None)
        except Exception as exc:  # noqa: BLE001 - kept on disk and retried; the server goes on
            log.error("capture %s: could not store %s (%s); kept for a retry", self.name, label,
                      str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
            return False
        self.partitions += 1
        self.rows += len(df)
        return True

    def run(self, stop: threading.Event, poll: float = 0.2) -> None:
        """Store partitions as they appear until ``stop`` is set, then everything left."""
        while not stop.wait(poll):
            self.ingest_ready()
        while self.ingest_ready():
            pass
