"""The lock file beside the pipeline (``churn.yaml`` -> ``churn.lock``), like ``dvc.lock``.

It records, per step, the key and what it was made of, the output hashes, the run that produced
them and where the executed notebook is, so a teammate can see what produced what. Written
atomically after every finished step, so an interrupted pipeline keeps what it completed. It only
ever describes what is on disk: a step's entry is marked ``running`` before its kernel starts
rewriting the outputs, and replaced, with the outputs hashed as written, when it ends. Only the
execution holding the pipeline's run lock (:mod:`.runlock`) writes it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from ..errors import MlopsUsageError

__all__ = ["LOCK_FORMAT", "LockFile", "utc_now"]

LOCK_FORMAT = "mlops-pipeline-lock/1"


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class LockFile:
    """Read once, update per step, saved atomically after each update."""

    def __init__(self, path: Path, pipeline: str) -> None:
        self.path = path
        self.doc: dict[str, Any] = {"format": LOCK_FORMAT, "pipeline": pipeline, "steps": {}}
        self._lock = threading.Lock()
        if path.is_file():
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise MlopsUsageError(f"lock file {path} is not valid YAML ({exc}); delete it to start afresh") from None
            if isinstance(loaded, dict) and isinstance(loaded.get("steps"), dict):
                self.doc.update(loaded)

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def entry(self, step: str) -> dict[str, Any] | None:
        value = self.doc["steps"].get(step)
        return value if isinstance(value, dict) else None

    @property
    def last_run(self) -> dict[str, Any]:
        return self.doc.get("last_run") or {}

    def set_step(self, step: str, entry: dict[str, Any], order: list[str] | None = None) -> None:
        with self._lock:
            steps = dict(self.doc["steps"])
            steps[step] = entry
            if order:
                steps = {n: steps[n] for n in order if n in steps} | {n: v for n, v in steps.items() if n not in order}
            self.doc["steps"] = steps
            self._save()

    def set_status(self, step: str, status: str) -> None:
        """Mark the step's entry (``running``: its outputs are being rewritten; ``cancelled``); a step
        with no entry has nothing on record to mark."""
        with self._lock:
            entry = self.entry(step)
            if entry is None or entry.get("status") == status:
                return
            self.doc["steps"] = {**self.doc["steps"], step: {**entry, "status": status}}
            self._save()

    def set_run(self, info: dict[str, Any]) -> None:
        with self._lock:
            self.doc["last_run"] = info
            self._save()

    def _save(self) -> None:
        text = "# written by mlops run: what produced what (keep it under version control)\n"
        text += yaml.safe_dump(self.doc, sort_keys=False, allow_unicode=True, default_flow_style=False)
        fd, tmp = tempfile.mkstemp(prefix=".lock-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
