"""The notebook run's code log: one JSON line per executed cell, spooled locally, uploaded at the end.

Each record: execution count, cell id (when the frontend sends one), a SHA-1 of the source, the
source itself (unless code capture is off), start time, duration, status (ok/error) and the error
type. Records are appended to ``MLOPS_HOME/spool/<run_id>.jsonl`` as cells finish (a line append,
no round trip to the store), so a killed kernel loses nothing: the reaper uploads the spool.
At the end the log is uploaded as ``code/code_log.jsonl`` plus ``code/notebook_code.py``, the
executed cells in execution order, readable as a script.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient

__all__ = ["CellRecord", "CodeLog", "source_hash", "upload_code_log"]


def source_hash(source: str) -> str:
    """SHA-1 of a cell's source (the same algorithm git uses for content, cheap for small text)."""
    return hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class CellRecord:
    execution_count: int | None
    cell_id: str | None
    sha1: str
    started: float
    duration_s: float
    status: str  # ok | error
    error: str | None = None
    source: str | None = None
    child_run_id: str | None = None


class CodeLog:
    """Append-only journal of executed cells for one run."""

    def __init__(self, path: Path, capture_source: bool = True) -> None:
        self.path = path
        self.capture_source = capture_source
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: CellRecord) -> None:
        data = asdict(record)
        if not self.capture_source:
            data.pop("source", None)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(data) + "\n")
        self.count += 1


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a spool file; a torn last line (killed mid-write) is skipped."""
    records = []
    if not path.exists():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def as_script(records: list[dict[str, Any]]) -> str:
    """The executed cells in execution order, as one readable Python file."""
    parts = []
    for r in records:
        header = f"# In[{r.get('execution_count')}] {r.get('status')} {r.get('duration_s', 0):.3f}s sha1={r['sha1'][:10]}"
        if r.get("child_run_id"):
            header += f" run={r['child_run_id']}"
        parts.append(header + "\n" + (r.get("source") or "# (source not captured)") + "\n")
    return "\n".join(parts)


def upload_code_log(client: MlflowClient, run_id: str, spool: Path) -> None:
    """Upload ``code_log.jsonl`` and ``notebook_code.py`` for a run (one artifact call)."""
    records = read_records(spool)
    with tempfile.TemporaryDirectory(prefix="mlops-codelog-") as tmp:
        folder = Path(tmp)
        (folder / "code_log.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
        )
        (folder / "notebook_code.py").write_text(as_script(records), encoding="utf-8")
        client.log_artifacts(run_id, str(folder), artifact_path="code")
