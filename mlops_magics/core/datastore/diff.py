"""``diff``: what changed between two versions (schema, rows, per-column statistics, drift, files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .manifest import Version
from ..formatting import format_value, human_size

__all__ = ["DataDiff", "diff_frames", "diff_trees"]


@dataclass
class DataDiff:
    """The difference between version ``a`` and version ``b`` (b is the newer side, by convention)."""

    a: str  # "name@vN"
    b: str
    version_a: Version
    version_b: Version
    same_content: bool = False
    added: dict[str, str] = field(default_factory=dict)  # column -> dtype
    removed: dict[str, str] = field(default_factory=dict)
    retyped: dict[str, tuple[str, str]] = field(default_factory=dict)
    rows: tuple[int | None, int | None] = (None, None)
    stats: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (column, stat, a, b)
    drift: dict[str, str] = field(default_factory=dict)  # column -> "statistic (verdict)"
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        va, vb = self.version_a, self.version_b
        lines = [f"{self.a} ({va.short}) -> {self.b} ({vb.short})"]
        if self.same_content:
            return lines + ["  same content"]
        lines.append(f"  size: {human_size(va.size)} -> {human_size(vb.size)}")
        if self.rows != (None, None):
            ra, rb = self.rows
            delta = f" ({rb - ra:+,})" if ra is not None and rb is not None else ""
            lines.append(f"  rows: {ra if ra is None else f'{ra:,}'} -> {rb if rb is None else f'{rb:,}'}{delta}")
        for label, cols in (("added columns", self.added), ("removed columns", self.removed)):
            if cols:
                lines.append(f"  {label}: " + ", ".join(f"{c} ({t})" for c, t in cols.items()))
        if self.retyped:
            lines.append("  retyped: " + ", ".join(f"{c} {a} -> {b}" for c, (a, b) in self.retyped.items()))
        for label, files in (("files added", self.files_added), ("files removed", self.files_removed),
                             ("files changed", self.files_changed)):
            if files:
                lines.append(f"  {label}: " + ", ".join(files[:10]) + (" ..." if len(files) > 10 else ""))
        return lines

    def stat_rows(self) -> list[tuple]:
        return [(c, s, _number(x), _number(y), self.drift.get(c, "") if s == _first_stat(self.stats, c) else "")
                for c, s, x, y in self.stats]

    def __repr__(self) -> str:
        lines = self.summary()
        for c, s, x, y, d in self.stat_rows():
            lines.append(f"    {c:<16} {s:<7} {x:>14} {y:>14}  {d}")
        return "\n".join(lines)


def _number(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else format_value(x)


def _first_stat(stats: list[tuple], column: str) -> str:
    return next(s for c, s, _, _ in stats if c == column)


def _column_stats(series: Any) -> dict[str, Any]:
    import pandas as pd

    out: dict[str, Any] = {"nulls": f"{series.isna().mean():.1%}" if len(series) else None}
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        s = series.dropna()
        out.update(mean=float(s.mean()) if len(s) else None, std=float(s.std()) if len(s) > 1 else None,
                   min=float(s.min()) if len(s) else None, max=float(s.max()) if len(s) else None)
    else:
        counts = series.dropna().astype(str).value_counts()
        out.update(unique=int(len(counts)), top=str(counts.index[0])[:30] if len(counts) else None)
    return out


def _drift_scores(a: Any, b: Any) -> dict[str, str]:
    """Per-column drift of ``b`` against ``a`` from the drift engine (``core.drift.compare``), if present."""
    try:
        from ..drift import compare
    except ImportError:
        return {}
    from ..errors import MlopsError

    try:
        table = compare(a, b).table
    except MlopsError:  # e.g. too few rows to test: the diff is still useful without drift
        return {}
    scores: dict[str, str] = {}
    for row in table.to_dict("records"):
        p_value = row.get("p_value")
        p_text = f" p={p_value:.2g}" if isinstance(p_value, float) and p_value == p_value else ""
        verdict = "drift" if row.get("drift") else "ok"
        scores[str(row["column"])] = f"{row.get('test', '')} {row['statistic']:.3g}{p_text} ({verdict})".strip()
    return scores


def diff_frames(result: DataDiff, a: Any, b: Any) -> DataDiff:
    """Fill schema, row and statistics differences of two DataFrames into ``result``."""
    ta = {str(c): str(t) for c, t in a.dtypes.items()}
    tb = {str(c): str(t) for c, t in b.dtypes.items()}
    result.added = {c: t for c, t in tb.items() if c not in ta}
    result.removed = {c: t for c, t in ta.items() if c not in tb}
    result.retyped = {c: (ta[c], tb[c]) for c in ta if c in tb and ta[c] != tb[c]}
    result.rows = (len(a), len(b))
    for col in [c for c in a.columns if str(c) in tb]:
        sa, sb = _column_stats(a[col]), _column_stats(b[col])
        for stat in dict.fromkeys([*sa, *sb]):
            result.stats.append((str(col), stat, sa.get(stat), sb.get(stat)))
    common = [c for c in a.columns if c in b.columns and str(c) not in result.retyped]
    if common:
        result.drift = _drift_scores(a[common], b[common])
    return result


def diff_trees(result: DataDiff, a: list[tuple[str, str, int]], b: list[tuple[str, str, int]]) -> DataDiff:
    """Fill added / removed / changed files of two folder versions into ``result``."""
    ha, hb = {p: h for p, h, _ in a}, {p: h for p, h, _ in b}
    result.files_added = sorted(p for p in hb if p not in ha)
    result.files_removed = sorted(p for p in ha if p not in hb)
    result.files_changed = sorted(p for p in ha if p in hb and ha[p] != hb[p])
    return result
