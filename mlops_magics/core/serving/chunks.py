"""Captured rows on their way to the store, kept as the request frames plus numpy columns.

Building a DataFrame per request (or per observer batch) would copy every row two or three times before
the partition is written; a chunk keeps the frames MLflow parsed as they are and the added columns
(predictions, version, alias, request id, timestamp) as numpy arrays, and a partition is assembled once:
one concat of the frames, one concatenation per added column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backend.traffic import TIMESTAMP  # Unix seconds in a chunk; a UTC datetime column in the partition

__all__ = ["CaptureChunk", "assemble"]


@dataclass
class CaptureChunk:
    """``rows`` captured rows: input ``frames`` (in order) and added ``columns`` of ``rows`` values each."""

    frames: list[Any]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    rows: int = -1

    def __post_init__(self) -> None:
        if self.rows < 0:
            self.rows = sum(len(f) for f in self.frames)

    @classmethod
    def of(cls, value: Any) -> "CaptureChunk":
        """A chunk as is, or a DataFrame whose columns are all input columns."""
        return value if isinstance(value, CaptureChunk) else cls([value])

    def split(self, k: int) -> tuple["CaptureChunk", "CaptureChunk"]:
        """The first ``k`` rows and the rest."""
        head: list[Any] = []
        tail: list[Any] = []
        seen = 0
        for frame in self.frames:
            n = len(frame)
            if seen + n <= k:
                head.append(frame)
            elif seen >= k:
                tail.append(frame)
            else:
                head.append(frame.iloc[:k - seen])
                tail.append(frame.iloc[k - seen:])
            seen += n
        return (CaptureChunk(head, {c: v[:k] for c, v in self.columns.items()}, k),
                CaptureChunk(tail, {c: v[k:] for c, v in self.columns.items()}, self.rows - k))


def assemble(chunks: list[CaptureChunk]) -> Any:
    """One DataFrame of every chunk's rows: the input columns, then the added ones (missing: null)."""
    import pandas as pd

    frames = [f for c in chunks for f in c.frames]
    df = pd.concat(frames, ignore_index=True, copy=False) if len(frames) > 1 else frames[0].reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    names = list(dict.fromkeys(name for c in chunks for name in c.columns))
    for name in names:
        parts = [c.columns[name] if name in c.columns else np.full(c.rows, None, dtype=object) for c in chunks]
        values = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if name == TIMESTAMP:
            values = pd.to_datetime(values.astype(float), unit="s", utc=True)
        df[name] = values
    return _repetitive_text_as_categories(df)


def _repetitive_text_as_categories(df: Any) -> Any:
    """Text columns whose values repeat (plan, region, model version, request id at batch 100) become
    pandas categoricals: the data store then hashes and writes codes, not one Python string per row
    (several times faster, and less time holding the GIL the server's requests need)."""
    import pandas as pd

    for name in df.columns:
        col = df[name]
        if col.dtype != object or len(col) < 2:
            continue
        try:
            cat = pd.Categorical(col)
        except TypeError:  # unhashable values (lists, dicts): leave them as they are
            continue
        if len(cat.categories) <= len(col) // 2:
            df[name] = cat
    return df
