"""HTML of a data diff: the summary lines, then the per-column statistics table."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .style import BOX, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.datastore.diff import DataDiff

__all__ = ["diff_html"]


def diff_html(diff: DataDiff) -> str:
    head = "<br>".join(escape(line.strip()) for line in diff.summary())
    stats = ""
    if diff.stats:
        body = [[escape(str(c)) for c in row] for row in diff.stat_rows()]
        stats = table(("column", "stat", diff.a, diff.b, "drift"), body)
    return f'<div class="mlops-data" style="{BOX}"><p>{head}</p>{stats}</div>'
