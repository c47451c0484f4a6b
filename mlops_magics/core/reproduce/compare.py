"""Params and metrics of the original run and its tracked cells' runs against the reproduction's.

Numbers agree when ``|new - original| <= atol + rtol * |original|`` (``numpy.isclose``'s rule; the
defaults are ``numpy.testing.assert_allclose``'s: rtol 1e-7, atol 0); two NaNs agree. Params that
both read as numbers are compared the same way, other params as text. The tracked cells' runs are
paired in the order they ran, by the hash of the cell's source.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..backend import tags
from .results import Cause, ValueCheck

__all__ = ["BOOKKEEPING", "DEFAULT_ATOL", "DEFAULT_RTOL", "compare_runs", "pair_children"]

DEFAULT_RTOL, DEFAULT_ATOL = 1e-7, 0.0
BOOKKEEPING = frozenset({"cells_executed"})  # counts our setup cell too: not a result of the notebook


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def check(scope: str, kind: str, key: str, original: Any, new: Any, rtol: float, atol: float) -> ValueCheck:
    """One value compared."""
    if original is None or new is None:
        return ValueCheck(scope, kind, key, original, new, ok=False)
    a, b = _number(original), _number(new)
    if a is None or b is None:
        return ValueCheck(scope, kind, key, original, new, ok=str(original) == str(new))
    if math.isnan(a) or math.isnan(b):
        return ValueCheck(scope, kind, key, original, new, ok=math.isnan(a) and math.isnan(b))
    if math.isinf(a) or math.isinf(b):
        return ValueCheck(scope, kind, key, original, new, ok=a == b)
    diff = abs(b - a)
    rel = diff / abs(a) if a != 0 else (0.0 if diff == 0 else None)
    return ValueCheck(scope, kind, key, original, new, diff, rel, diff <= atol + rtol * abs(a))


def _values(scope: str, original: Any, new: Any | None, rtol: float, atol: float) -> list[ValueCheck]:
    out = []
    for kind, attr, skip in (("param", "params", frozenset()), ("metric", "metrics", BOOKKEEPING)):
        before: Mapping[str, Any] = getattr(original.data, attr)
        after: Mapping[str, Any] = getattr(new.data, attr) if new is not None else {}
        for key in sorted((set(before) | set(after)) - skip):
            out.append(check(scope, kind, key, before.get(key), after.get(key), rtol, atol))
    return out


def _scope(run: Any, counts: Mapping[str, int]) -> str:
    count = counts.get(run.info.run_id)
    return f"{f'In[{count}]' if count is not None else 'cell'} {run.info.run_name}"


def pair_children(original: list[Any], new: list[Any]) -> tuple[list[tuple[Any, Any | None]], list[Any]]:
    """Each original cell run with the reproduction's run of the same cell source (in order), and the
    reproduction's runs left over."""
    unused = list(new)
    pairs = []
    for run in original:
        sha1 = run.data.tags.get(tags.CELL_HASH)
        match = next((n for n in unused if sha1 and n.data.tags.get(tags.CELL_HASH) == sha1), None)
        if match is not None:
            unused.remove(match)
        pairs.append((run, match))
    return pairs, unused


def compare_runs(original: Any, new: Any, original_children: list[Any], new_children: list[Any],
                 rtol: float, atol: float, counts: Mapping[str, int]) -> tuple[list[ValueCheck], list[Cause]]:
    """Every value compared, and the cell runs with no counterpart (``counts``: an original cell run's id ->
    its cell's execution count)."""
    checks = _values("notebook", original, new, rtol, atol)
    causes = []
    pairs, extra = pair_children(original_children, new_children)
    for before, after in pairs:
        scope = _scope(before, counts)
        checks += _values(scope, before, after, rtol, atol)
        if after is None:
            count = counts.get(before.info.run_id)
            causes.append(Cause("missing-run", f"the tracked cell {scope} has no run in the reproduction",
                                (count,) if count is not None else ()))
    for run in extra:
        causes.append(Cause("missing-run", f"the reproduction has a tracked cell run the original lacks: "
                            f"{run.info.run_name} ({run.info.run_id})"))
    return checks, causes
