"""The one base of results that are a table (runs, models, versions, datasets, alias moves).

A subclass is a dataclass declared with ``repr=False`` whose :meth:`TableResult.table_rows` returns one
dict per row; it gets ``to_pandas()``, ``.df``, ``len()`` and a text ``repr`` (``empty_text`` when there
are no rows). The HTML twin is drawn by :func:`mlops_magics.render.tables.table_html`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TableResult"]


class TableResult:
    """Mixin: rows of dicts -> DataFrame, length and text."""

    empty_text: ClassVar[str] = "nothing to show"
    caption: ClassVar[str | None] = None

    def table_rows(self) -> list[dict[str, Any]]:
        """One dict a row, in display order (default: the ``rows`` field)."""
        return list(getattr(self, "rows"))

    def table_caption(self) -> str | None:
        """A line shown above the table (none by default)."""
        return self.caption

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.table_rows())

    @property
    def df(self) -> pd.DataFrame:
        return self.to_pandas()

    def __len__(self) -> int:
        return len(self.table_rows())

    def __repr__(self) -> str:
        rows = self.table_rows()
        if not rows:
            return self.empty_text
        text = self.to_pandas().to_string(index=False, max_colwidth=50)
        caption = self.table_caption()
        return f"{caption}\n{text}" if caption else text
