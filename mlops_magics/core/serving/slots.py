"""Model slots (primary, canary, shadow) and the per-request choice between primary and canary.

A slot holds the :class:`LoadedModel` answering now. A swap is one reference assignment: a request
reads ``slot.current`` once and is answered entirely by that version, even if a swap happens while it
runs; a request that starts after the assignment gets the new version.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field

from .source import LoadedModel, ModelSource

__all__ = ["PRIMARY", "CANARY", "SHADOW", "ModelSlot", "Router", "canary_point"]

PRIMARY, CANARY, SHADOW = "primary", "canary", "shadow"


@dataclass
class ModelSlot:
    """One role's model, replaced atomically when its alias moves."""

    role: str
    source: ModelSource
    current: LoadedModel | None = None
    swapped_at: float = 0.0
    swaps: int = 0
    load_error: str | None = None  # the last failed load (the old model keeps serving)
    failed_version: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def version(self) -> str | None:
        current = self.current
        return current.version if current is not None else None

    def swap(self, loaded: LoadedModel) -> LoadedModel | None:
        """Make ``loaded`` the answering model; returns the one it replaces."""
        with self._lock:  # serialises writers; readers never take it
            old = self.current
            self.current = loaded
            self.swapped_at = time.time()
            self.swaps += old is not None
            self.load_error = self.failed_version = None
            return old


def canary_point(request_id: str) -> float:
    """A number in [0, 1) fixed by the request id (CRC-32: the same in every worker and every run)."""
    return zlib.crc32(request_id.encode("utf-8", "surrogatepass")) / 4294967296.0


class Router:
    """Which slot answers a request: the canary for ``share`` of the request ids, else the primary."""

    def __init__(self, primary: ModelSlot, canary: ModelSlot | None = None, share: float = 0.0) -> None:
        self.primary = primary
        self.canary = canary
        self.share = share if canary is not None else 0.0

    def pick(self, request_id: str) -> ModelSlot:
        canary = self.canary
        if canary is not None and canary.current is not None and canary_point(request_id) < self.share:
            return canary
        return self.primary
