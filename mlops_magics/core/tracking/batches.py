"""Sending a run's buffered params, metrics and tags with ``log_batch``, without losing the good ones.

MLflow takes at most 1000 metrics, 100 params and 100 tags a call, and refuses a whole call when one entry
is invalid. Entries are checked when they are logged (:mod:`mlops_magics.core.names`), so a refusal here is
rare (a param the run already has with another value, a rule of a newer server); when it happens the call
is split in halves until the refused entries are alone: they are left out and named, every other entry is
stored. A failure of the store itself (unreachable, disk full) stops the sending: what was not sent stays in
:class:`Pending` for the caller to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..backend.store_errors import store_errors
from ..errors import first_line

__all__ = ["MAX_METRICS", "MAX_PARAMS", "MAX_TAGS", "Pending", "send"]

MAX_METRICS, MAX_PARAMS, MAX_TAGS = 1000, 100, 100


@dataclass
class Pending:
    """Entries waiting to be sent (MLflow ``Param``, ``Metric`` and ``RunTag`` objects)."""

    params: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    tags: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.params) + len(self.metrics) + len(self.tags)

    def head(self) -> "Pending":
        """The first call's worth of entries."""
        return Pending(self.params[:MAX_PARAMS], self.metrics[:MAX_METRICS], self.tags[:MAX_TAGS])

    def halves(self) -> tuple["Pending", "Pending"]:
        items = [("params", x) for x in self.params] + [("metrics", x) for x in self.metrics] + \
                [("tags", x) for x in self.tags]
        parts = (Pending(), Pending())
        for i, (kind, item) in enumerate(items):
            getattr(parts[0 if i < len(items) // 2 else 1], kind).append(item)
        return parts

    def remove(self, done: "Pending") -> None:
        """Forget entries that were sent (or left out), by identity."""
        for kind in ("params", "metrics", "tags"):
            gone = {id(x) for x in getattr(done, kind)}
            setattr(self, kind, [x for x in getattr(self, kind) if id(x) not in gone])

    def describe(self) -> str:
        """The only entry, as 'metric NAME' (for a message)."""
        for kind, items in (("param", self.params), ("metric", self.metrics), ("tag", self.tags)):
            if items:
                return f"{kind} {items[0].key}"
        return "nothing"


def _refused(exc: Exception) -> bool:
    """MLflow refused an entry (as opposed to the store failing)."""
    return getattr(exc, "error_code", None) == "INVALID_PARAMETER_VALUE"


def _without_stored_params(client: Any, run_id: str, chunk: Pending, warnings: list[str]) -> tuple[Pending, list]:
    """The chunk without params the run already has (autolog may have logged them first), and those of
    them stored with another value (refused: MLflow keeps a param's first value)."""
    existing = client.get_run(run_id).data.params
    kept, conflicting = [], []
    for p in chunk.params:
        if p.key not in existing:
            kept.append(p)
        elif existing[p.key] != p.value:
            conflicting.append(p)
            warnings.append(f"param {p.key}={p.value} not logged: the run already has {p.key}={existing[p.key]}")
    return Pending(kept, chunk.metrics, chunk.tags), conflicting


def _send_chunk(client: Any, run_id: str, chunk: Pending, pending: Pending, left_out: Pending,
                warnings: list[str], first: bool = True) -> None:
    try:
        with store_errors():
            client.log_batch(run_id, metrics=chunk.metrics, params=chunk.params, tags=chunk.tags)
    except Exception as exc:
        if not _refused(exc):
            raise
        if first and chunk.params:
            fewer, conflicting = _without_stored_params(client, run_id, chunk, warnings)
            kept = {id(p) for p in fewer.params}
            pending.remove(Pending([p for p in chunk.params if id(p) not in kept]))  # stored, or refused
            left_out.params += conflicting
            if len(fewer) < len(chunk):
                if fewer:
                    _send_chunk(client, run_id, fewer, pending, left_out, warnings, first=False)
                return
        if len(chunk) == 1:
            warnings.append(f"{chunk.describe()} not logged: {first_line(exc)}")
            left_out.params += chunk.params
            left_out.metrics += chunk.metrics
            left_out.tags += chunk.tags
            pending.remove(chunk)
            return
        for half in chunk.halves():
            if half:
                _send_chunk(client, run_id, half, pending, left_out, warnings, first=False)
        return
    pending.remove(chunk)


def send(client: Any, run_id: str, pending: Pending, warnings: list[str]) -> Pending:
    """Send everything in ``pending`` (emptied as it goes); return the entries MLflow refused.

    A store failure raises (a full disk as one-line :class:`~mlops_magics.core.errors.StoreError`) with
    the unsent entries still in ``pending``.
    """
    left_out = Pending()
    while pending:
        _send_chunk(client, run_id, pending.head(), pending, left_out, warnings)
    return left_out
