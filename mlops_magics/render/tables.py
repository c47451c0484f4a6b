"""HTML of table results (:class:`~mlops_magics.core.result_table.TableResult`): one row a dict, every cell
escaped, the caption above, the empty text when there are no rows."""

from __future__ import annotations

from html import escape
from typing import Any

from ..core.result_table import TableResult
from .style import BOX, cell, table

__all__ = ["rows_table", "table_html"]


def rows_table(rows: list[dict[str, Any]], caption: str | None = None) -> str:
    """A table whose columns are the union of the rows' keys, in first-seen order."""
    header = list(dict.fromkeys(k for r in rows for k in r))
    return table(header, [[cell(r.get(k), "-") for k in header] for r in rows], caption)


def table_html(result: TableResult) -> str:
    rows = result.table_rows()
    if not rows:
        return f'<div style="{BOX}">{escape(result.empty_text)}</div>'
    return f'<div class="mlops-table" style="{BOX}">{rows_table(rows, result.table_caption())}</div>'
