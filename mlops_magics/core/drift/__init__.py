"""The drift engine: per-column statistics, verdicts and reference summaries (numpy/scipy/pandas only).

``compare(reference, current)`` returns a :class:`DriftResult`; ``summarize(reference)`` returns a
:class:`ReferenceSummary` that can be stored as JSON and later passed to ``compare`` in place of the rows.
"""

from __future__ import annotations

from .compare import compare
from .result import DriftDetected, DriftResult
from .summary import ReferenceSummary, summarize

__all__ = ["DriftDetected", "DriftResult", "ReferenceSummary", "compare", "summarize"]
