"""A drift result as plain text: the headline and the per-column table (terminals, logs, ``text/plain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .result import DriftResult

__all__ = ["drift_text"]


def drift_text(result: DriftResult, max_rows: int = 40) -> str:
    """Plain text: the headline and the table (for terminals, logs and text/plain outputs)."""
    import pandas as pd

    cols = [c for c in ("column", "role", "kind", "test", "statistic", "p_value", "p_value_adj", "psi",
                        "effect_size", "drift", "note") if c in result.table.columns]
    with pd.option_context("display.max_rows", max_rows, "display.width", 160, "display.max_colwidth", 40,
                           "display.float_format", lambda x: f"{x:.4g}"):
        body = result.table[cols].to_string(index=False, max_rows=max_rows)
    lines = [result.headline(), body]
    for k, v in result.skipped.items():
        lines.append(f"{k}: {', '.join(map(str, v[:20]))}{' ...' if len(v) > 20 else ''}")
    return "\n".join(lines)
