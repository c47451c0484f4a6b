"""The served-process registry: one small JSON file per running server under ``MLOPS_HOME/serving/servers``.

A server writes its entry once its port is bound and removes it when it stops; an entry whose process
is gone (killed, machine rebooted) is pruned by whoever lists them. Files are written atomically, one per
process, so concurrent servers never need a lock.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..backend.processes import pid_alive

__all__ = ["ServedEntry", "entries_dir", "list_entries", "record", "remove"]


@dataclass
class ServedEntry:
    """One running server: where it listens and what it serves."""

    pid: int
    url: str
    host: str
    port: int
    source: str
    model: str
    alias: str = ""
    workers: int = 1
    started: float = field(default_factory=time.time)
    owner_pid: int | None = None
    log: str | None = None
    capture: str | None = None
    shadow: str | None = None
    canary: str | None = None
    hostname: str = field(default_factory=socket.gethostname)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ServedEntry":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def entries_dir(home: Path) -> Path:
    return Path(home) / "serving" / "servers"


def record(home: Path, entry: ServedEntry) -> Path:
    """Write (or replace) the entry of ``entry.pid``."""
    folder = entries_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{entry.hostname}-{entry.pid}.json"
    fd, tmp = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(entry), fh, indent=1)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove(home: Path, pid: int, hostname: str | None = None) -> None:
    (entries_dir(home) / f"{hostname or socket.gethostname()}-{pid}.json").unlink(missing_ok=True)


def list_entries(home: Path, prune: bool = True) -> list[ServedEntry]:
    """Entries of live servers, oldest first; entries of dead processes on this machine are removed."""
    folder = entries_dir(home)
    if not folder.is_dir():
        return []
    here = socket.gethostname()
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            entry = ServedEntry.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if entry.hostname == here and not pid_alive(entry.pid):
            if prune:
                path.unlink(missing_ok=True)
            continue
        out.append(entry)
    return sorted(out, key=lambda e: e.started)
