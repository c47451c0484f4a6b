"""Replaying the writer spools of processes that died: what they handed over and never stored goes to the
store at the next start (the warm-up, before dead runs are reaped), once. See :mod:`.writer` for the
guarantees and :mod:`.spool` for the files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..backend import session
from ..errors import first_line
from .spool import dead_spools, pending_ops
from .writer import Write, apply

__all__ = ["replay_dead_spools"]

def replay_dead_spools(spool_dir: Path) -> tuple[int, list[str]]:
    """Store what the spools of dead processes still owe, then remove them. Returns (operations
    replayed, one-line problems). When the store fails for now (full disk, locked, unreachable) the rest
    of that spool stays for the next start; operations it refuses for good (a deleted run) are moved to
    ``failed-*.jsonl`` beside it (kept, not replayed again) and named."""
    from mlflow import MlflowClient

    replayed, problems = 0, []
    clients: dict[str, Any] = {}
    for path, fd in dead_spools(spool_dir):
        try:
            failed: list[dict[str, Any]] = []
            errors: list[str] = []
            stopped = False
            for record in pending_ops(path):
                uri = record.get("uri") or session.settings().tracking_uri
                client = clients.setdefault(uri, MlflowClient(tracking_uri=uri))
                notes: list[str] = []
                try:
                    apply(client, Write.from_record(record), notes)
                    replayed += 1
                except Exception as exc:  # noqa: BLE001 - kept: retried at the next start, or in a failed-* file
                    if _for_now(exc):
                        problems.append(f"writes of a killed process wait in spool/writer/{path.name} of the store "
                                        f"folder, retried at the next start: {first_line(exc)}")
                        stopped = True
                        break
                    failed.append(record)
                    errors.append(first_line(exc))
                problems += [f"run {str(record.get('run', '?'))[:8]} (replayed): {n}" for n in notes]
            if stopped:
                continue  # the file stays as it is (what was stored meanwhile is stored once more, harmlessly)
            if failed:
                keep = path.with_name(f"failed-{path.name}")
                keep.write_text("".join(_json_line(r) for r in failed), encoding="utf-8", errors="surrogatepass")
                problems.append(f"{len(failed)} writes of a killed process kept in spool/writer/{keep.name} of "
                                f"the store folder: {errors[0]}")
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return replayed, problems


def _for_now(exc: BaseException) -> bool:
    """A failure of the store that may pass (full disk, locked database, server not answering)."""
    from ..backend.store_errors import is_disk_full

    if is_disk_full(exc) or isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    text = str(exc).lower()
    return any(t in text for t in ("database is locked", "connection refused", "max retries exceeded",
                                   "temporarily unavailable", "timed out"))


def _json_line(record: dict[str, Any]) -> str:
    import json

    return json.dumps(record, separators=(",", ":")) + "\n"
