"""Which columns of a run table to show, and the table as text that fits a terminal.

A row of :class:`~.results.RunTable` holds everything (``metrics.<name>``, ``params.<name>``, the run's
identity and timing); a table shows the key columns (run name, id, status, start, duration, then the
most useful metrics) or the ones chosen with ``--columns``. "Most useful": the metric it is sorted by,
then plain names before dotted or slashed ones (``accuracy`` before ``drift.age.p_value`` and
``system/cpu``), metrics most runs have before rare ones, our bookkeeping counters last.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Iterable

from ..errors import MlopsUsageError
from ..formatting import duration_text, format_value

__all__ = ["BASE_COLUMNS", "MAX_CELL", "MAX_NAME", "fit", "grouped", "label", "ranked_metrics", "resolve_columns",
           "text_table", "value_text"]

BASE_COLUMNS = ("name", "run_id", "status", "start_time", "duration_s")
LABELS = {"name": "run", "run_id": "id", "start_time": "started", "duration_s": "duration"}
ALIASES = {"run": "name", "id": "run_id", "started": "start_time", "duration": "duration_s", "parent": "parent_id"}
OTHER_COLUMNS = ("experiment", "experiment_id", "kind", "parent_id")
BOOKKEEPING = {"duration_s", "attempts", "cells_executed"}
MAX_CELL = 24
MAX_NAME = 32
MIN_NAME = 10
SEP = "  "


def label(key: str) -> str:
    """The header of column ``key``: ``accuracy`` for ``metrics.accuracy``, ``id`` for ``run_id``."""
    for prefix in ("metrics.", "params."):
        if key.startswith(prefix):
            return key[len(prefix):]
    return LABELS.get(key, key)


def value_text(key: str, value: Any) -> str:
    """A cell as text: short run id, readable duration, floats to 6 significant digits."""
    if key == "run_id" and value:
        return str(value)[:8]
    if key == "duration_s":
        return duration_text(value)
    if key == "start_time" and value:
        return str(value)[:16]  # to the minute
    return format_value(value)


def _bookkeeping(name: str) -> bool:
    return name in BOOKKEEPING or name.startswith("steps_")


def ranked_metrics(rows: list[dict[str, Any]], sort: str | None = None) -> list[str]:
    """Every ``metrics.*`` key of ``rows``, most useful first."""
    sort_key = (sort or "").lstrip("+-")
    coverage: dict[str, int] = {}
    for row in rows:
        for key, value in row.items():
            if key.startswith("metrics.") and value is not None:
                coverage[key] = coverage.get(key, 0) + 1

    def rank(key: str) -> tuple:
        name = key[len("metrics."):]
        depth = name.count(".") + name.count("/")
        return (name != sort_key, _bookkeeping(name), depth, -coverage[key], _natural(name))

    return sorted(coverage, key=rank)


def _natural(text: str) -> list:
    """A sort key putting ``c2`` before ``c10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _keys(rows: list[dict[str, Any]], prefix: str) -> list[str]:
    return sorted({k for r in rows for k in r if k.startswith(prefix)}, key=_natural)


def resolve_columns(rows: list[dict[str, Any]], wanted: Iterable[str]) -> list[str]:
    """``--columns`` words -> row keys (``accuracy``, ``params.depth``, ``drift.*``, ``id``, ``started``).

    A bare name matches a metric and a param of that name; ``*`` and ``?`` match like file names.
    The run name comes first unless it is listed elsewhere. Unknown names raise one line saying what
    there is.
    """
    metrics, params = _keys(rows, "metrics."), _keys(rows, "params.")
    fixed = list(BASE_COLUMNS) + list(OTHER_COLUMNS)
    out: list[str] = []
    for word in (w.strip() for w in wanted):
        if not word:
            continue
        word = ALIASES.get(word, word)
        if word.startswith(("metrics.", "params.")):
            pool = metrics if word.startswith("metrics.") else params
            found = [k for k in pool if fnmatch.fnmatchcase(k, word)]
        else:
            found = [k for k in fixed if fnmatch.fnmatchcase(k, word)]
            found += [k for k in metrics + params if fnmatch.fnmatchcase(label(k), word)]
        if not found and rows:
            raise MlopsUsageError(f"--columns: no column '{word}' in these runs; {_available(rows)}")
        out += [k for k in found if k not in out]
    if "name" not in out:
        out.insert(0, "name")
    return out


def grouped(keys: list[str]) -> list[str]:
    """Column names with each dotted or slashed family folded into a pattern: ``accuracy``, ``drift.*``."""
    out: list[str] = []
    for key in keys:
        name = label(key)
        cut = min((i for i in (name.find("."), name.find("/")) if i > 0), default=-1)
        word = f"{name[:cut + 1]}*" if cut > 0 else name
        if key.startswith("params.") and not word.startswith("params."):
            word = f"params.{word}"
        if word not in out:
            out.append(word)
    return out


def _available(rows: list[dict[str, Any]], most: int = 12) -> str:
    def some(keys: list[str]) -> str:
        names = grouped(keys)
        more = f", ... ({len(names)} in all)" if len(names) > most else ""
        return ", ".join(names[:most]) + more if names else "none"

    return (f"metrics: {some(ranked_metrics(rows))}; params: {some(_keys(rows, 'params.'))}; "
            f"or {', '.join(LABELS.get(k, k) for k in BASE_COLUMNS + OTHER_COLUMNS)}")


def _clip(text: str, most: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= most else text[:most - 1] + "\u2026"


def _cells(rows: list[dict[str, Any]], key: str) -> list[str]:
    """The header and the cells of column ``key``, clipped."""
    most = MAX_NAME if key == "name" else MAX_CELL
    return [_clip(label(key), most)] + [_clip(value_text(key, r.get(key)), most) for r in rows]


def _span(columns: list[list[str]]) -> int:
    return sum(max(len(c) for c in col) for col in columns) + len(SEP) * (len(columns) - 1)


def fit(rows: list[dict[str, Any]], keys: list[str], optional: list[str], width: int) -> list[str]:
    """``keys``, then the first of ``optional`` (in their order) that fit in ``width`` characters."""
    used = _span([_cells(rows, k) for k in keys])
    out = list(keys)
    for key in optional:
        need = max(len(c) for c in _cells(rows, key)) + len(SEP)
        if used + need > width:
            break  # and none after it: the order is the ranking
        out.append(key)
        used += need
    return out


def text_table(rows: list[dict[str, Any]], keys: list[str], width: int | None = None) -> str:
    """Columns ``keys`` as aligned text; run names are shortened when they alone overflow ``width``."""
    columns = [_cells(rows, k) for k in keys]
    used = _span(columns)
    if width is not None and used > width and "name" in keys:  # a narrow terminal: shorter names
        col = columns[keys.index("name")]
        room = max(MIN_NAME, max(len(c) for c in col) - (used - width))
        columns[keys.index("name")] = [_clip(c, room) for c in col]
    widths = [max(len(c) for c in col) for col in columns]
    numeric = [all(_is_number(r.get(k)) for r in rows) for k in keys]
    lines = []
    for i in range(len(rows) + 1):
        parts = [col[i].rjust(w) if num and i else col[i].ljust(w) for col, w, num in zip(columns, widths, numeric)]
        lines.append(SEP.join(parts).rstrip())
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
