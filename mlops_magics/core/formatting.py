"""Numbers, durations and byte sizes as people read them: one format each, shared by every face.

Byte sizes use decimal units (1 KB = 1000 bytes), like ``ls --si``, DVC and S3 consoles.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["duration_text", "format_value", "human_size"]


def format_value(value: Any, missing: str = "") -> str:
    """A param or metric value for a table or a card: floats to 6 significant digits, ``missing`` for None."""
    if value is None:
        return missing
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)


def duration_text(seconds: float | None) -> str:
    """``850 ms``, ``12.3 s``, ``4.2 min``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def human_size(n: int | None) -> str:
    """``512 B``, ``92.1 KB``, ``1.1 GB`` (decimal units); empty when unknown."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover
