"""The registry's own errors: each a one-line message that says what to do.

``GateFailed`` and ``PromotionRefused`` are :class:`CheckFailed`: the cell fails with an error output
that names them and carries the message (so papermill and the pipeline runner report why). The CLI
exits 1 on them (2 on bad input). ``NotAModel`` is a usage error.
"""

from __future__ import annotations

from typing import Any

from ..backend.outcome import publish_outcome
from ..errors import CheckFailed, MlopsUsageError

__all__ = ["GateFailed", "NotAModel", "PromotionRefused"]


class GateFailed(CheckFailed):
    """A quality gate did not hold: nothing was logged or registered."""

    def __init__(self, message: str, checks: list[Any] | None = None) -> None:
        super().__init__(message)
        self.checks = checks or []
        publish_outcome(message)  # inside a pipeline step: the step's one-line outcome


class PromotionRefused(CheckFailed):
    """``--if-better`` found the candidate no better than the current holder: the alias did not move."""

    def __init__(self, message: str, comparison: Any = None) -> None:
        super().__init__(message)
        self.comparison = comparison
        publish_outcome(message)  # inside a pipeline step: the step's one-line outcome (often caught)


class NotAModel(MlopsUsageError):
    """The object cannot be registered (no ``predict``, not fitted)."""
