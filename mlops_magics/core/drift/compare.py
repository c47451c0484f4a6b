"""``compare(reference, current)``: data drift between two frames, or a stored summary and a frame."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..errors import MlopsUsageError
from . import columns as C
from .result import DriftResult, apply_verdicts
from .fastgrid import score_numeric_grid
from .score import DISPLAY_BINS, _add_note, score_column
from .summary import MAX_CATEGORIES, CategoricalRef, ColumnRef, NumericRef, ReferenceSummary, build_ref
from .verdict import check_method, thresholds_for

__all__ = ["check_frame", "compare", "select_columns"]

PARALLEL_CELLS = 20_000_000  # rows x columns (both sides) from which columns are scored in threads
MANY_COLUMNS = 50  # beyond this the per-column histograms get fewer bins (the widget stays < 200 KB)


def _as_frame(obj: Any, side: str) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if not isinstance(obj, pd.DataFrame):
        raise MlopsUsageError(f"the {side} must be a pandas DataFrame, not {type(obj).__name__}")
    return obj


def check_frame(frame: pd.DataFrame, side: str) -> None:
    """One-line errors for frames drift cannot be computed on."""
    if not isinstance(frame, pd.DataFrame):
        raise MlopsUsageError(f"the {side} must be a pandas DataFrame, not {type(frame).__name__}")
    if frame.shape[1] == 0:
        raise MlopsUsageError(f"the {side} frame has no columns; nothing to compare")
    if len(frame) == 0:
        raise MlopsUsageError(f"the {side} frame is empty (0 rows); drift needs at least one row on each side")
    dup = frame.columns[frame.columns.duplicated()]
    if len(dup):
        raise MlopsUsageError(f"the {side} frame has duplicate column names ({', '.join(map(str, dup[:5]))}); rename them")
    as_text = pd.Index([str(c) for c in frame.columns])
    clash = as_text[as_text.duplicated()].unique()
    if len(clash):  # 1 and "1": columns are matched and reported by name, so they would merge into one
        both = [c for c in frame.columns if str(c) == clash[0]]
        raise MlopsUsageError(
            f"the {side} frame has columns whose names read the same as text ({' and '.join(map(repr, both[:2]))}); "
            "rename them apart, e.g. frame.columns = frame.columns.map(str) after making them distinct")


def _split_names(columns: str | Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    names = [str(c) for c in columns if str(c) != ""]
    if not names:
        raise MlopsUsageError("--columns is empty; give column names separated by commas")
    return names


def select_columns(ref_names: list[str], cur_names: list[str] | None, columns: str | Sequence[str] | None,
                   extra: Sequence[str] = ()) -> tuple[list[str], dict[str, list[str]]]:
    """The columns to compare (reference order) and those present on one side only."""
    wanted = _split_names(columns)
    cur_set = set(ref_names if cur_names is None else cur_names)
    ref_set = set(ref_names)
    skipped: dict[str, list[str]] = {}
    if wanted is None:
        names = [c for c in ref_names if c in cur_set]
        only_ref = [c for c in ref_names if c not in cur_set]
        only_cur = [c for c in (cur_names or []) if c not in ref_set]
        if only_ref:
            skipped["only in reference"] = only_ref
        if only_cur:
            skipped["only in current"] = only_cur
    else:
        names = list(dict.fromkeys(wanted))
    for c in extra:
        if c not in names:
            names.append(c)
    for c in names:
        if c not in ref_set and c not in cur_set:
            raise MlopsUsageError(f"column '{c}' is in neither the reference nor the current frame")
        if c not in ref_set:
            raise MlopsUsageError(f"column '{c}' is in the current frame but not in the reference")
        if c not in cur_set:
            raise MlopsUsageError(f"column '{c}' is in the reference but not in the current frame")
    if not names:
        raise MlopsUsageError(
            f"the reference and current frames share no column (reference: {', '.join(ref_names[:5])}; "
            f"current: {', '.join((cur_names or [])[:5])}); rename or pass --columns")
    return names, skipped


def _plan_against_summary(ref: ColumnRef, cur: pd.Series) -> C.ColumnPlan:
    kind, mixed = C.base_kind(cur)
    differ = f"dtypes differ ({ref.dtype} vs {cur.dtype})"
    if isinstance(ref, NumericRef):
        if kind == ref.kind or (kind in (C.NUMERIC, C.BOOLEAN) and ref.kind == C.NUMERIC):
            return C.ColumnPlan(ref.kind)
        if kind == C.CATEGORICAL and not mixed:
            return C.ColumnPlan(ref.kind, note=f"{differ}; compared as {'datetimes' if ref.kind == C.DATETIME else 'numbers'}")
        return C.ColumnPlan(ref.kind, note=f"{differ}; current values that are not {ref.kind} count as missing")
    assert isinstance(ref, CategoricalRef)
    note = "" if kind == ref.kind or (ref.numeric_keys and kind == C.NUMERIC) else differ
    return C.ColumnPlan(ref.kind, as_text=ref.as_text or mixed or bool(note and not ref.numeric_keys),
                        numeric_keys=ref.numeric_keys, note=note)


def compare(
    reference: pd.DataFrame | ReferenceSummary,
    current: pd.DataFrame,
    columns: str | Sequence[str] | None = None,
    target: str | None = None,
    prediction: str | None = None,
    method: str = "auto",
    threshold: float | None = None,
    correction: str | None = None,
    *,
    p_value_threshold: float | None = None,
    distance_threshold: float | None = None,
    drift_share: float = 0.5,
    max_categories: int = MAX_CATEGORIES,
    reference_label: str = "reference",
    current_label: str = "current",
    workers: int | None = None,
) -> DriftResult:
    """Per-column drift between ``reference`` (a frame or a :class:`ReferenceSummary`) and ``current``.

    Either side may also be a CSV/Parquet path or a data version ``NAME@REF``; the reference may be a
    stored summary (a ``.json`` file, or a model version ``NAME@ALIAS`` registered with a reference).

    ``method``: ``auto`` (Evidently's choice per column, see :mod:`.verdict`), or one of ``ks``, ``chi2``,
    ``psi``, ``wasserstein``, ``jensenshannon`` for every column (``ks``/``wasserstein`` fall back to
    ``chi2``/``jensenshannon`` on categorical columns). ``threshold`` sets both the p-value threshold
    (default 0.05) and the distance threshold (default 0.1); ``correction="bh"`` applies Benjamini-Hochberg
    to the p-values. ``target`` / ``prediction`` name columns compared with the role they play. Columns
    present on one side only are left out and listed in ``result.skipped`` unless named in ``columns``.
    ``workers``: threads scoring columns side by side on large inputs (default: one per CPU).
    """
    started = time.perf_counter()
    check_method(method, correction)
    thresholds = thresholds_for(threshold, p_value_threshold, distance_threshold)
    if not 0 < drift_share <= 1:
        raise MlopsUsageError(f"drift_share must be in (0, 1], not {drift_share}")
    if int(max_categories) < 2:
        raise MlopsUsageError(f"max_categories must be at least 2, not {max_categories}")
    if isinstance(reference, (str, Path)) or isinstance(current, (str, Path)):
        from .sources import coerce_source

        reference = coerce_source(reference, "reference") if isinstance(reference, (str, Path)) else reference
        current = coerce_source(current, "current") if isinstance(current, (str, Path)) else current
    current = _as_frame(current, "current")
    check_frame(current, "current")
    summary = reference if isinstance(reference, ReferenceSummary) else None
    if summary is None:
        reference = _as_frame(reference, "reference")
        check_frame(reference, "reference")
        ref_cols = {str(c): c for c in reference.columns}
        n_ref = len(reference)
    else:
        ref_cols = {c: c for c in summary.columns}
        n_ref = summary.n_rows
    cur_cols = {str(c): c for c in current.columns}
    roles = {str(c): r for c, r in ((target, "target"), (prediction, "prediction")) if c is not None}
    names, skipped = select_columns(list(ref_cols), list(cur_cols), columns, list(roles))

    bins = DISPLAY_BINS if len(names) <= MANY_COLUMNS else 10

    def one(name: str) -> tuple[dict, dict]:
        cur_s = current[cur_cols[name]]
        role = roles.get(name, "feature")
        if summary is None:
            ref_s = reference[ref_cols[name]]
            plan = C.plan_column(ref_s, cur_s)
            if C.is_numeric_family(plan.kind):
                fast = score_numeric_grid(name, role, ref_s, cur_s, plan, method, bins)
                if fast is not None:
                    _add_note(fast[0], plan.note)
                    return fast
            ref = build_ref(ref_s, plan, max_categories)
        else:
            ref = summary.columns[name]
            plan = _plan_against_summary(ref, cur_s)
        return score_column(name, role, ref, cur_s, plan, method, max_categories, bins)

    big = (n_ref + len(current)) * len(names) >= PARALLEL_CELLS
    n_workers = max(1, min(int(workers or os.cpu_count() or 1), len(names))) if big else 1
    if n_workers > 1:  # numpy's sorts and searches release the GIL: columns run side by side
        with ThreadPoolExecutor(n_workers, thread_name_prefix="mlops-drift") as pool:
            scored = list(pool.map(one, names))
    else:
        scored = [one(name) for name in names]
    rows = [row for row, _ in scored]
    details = {name: detail for name, (_, detail) in zip(names, scored)}
    table = apply_verdicts(pd.DataFrame(rows), thresholds, correction)
    return DriftResult(
        table=table, details=details, method=method, thresholds=thresholds, correction=correction,
        drift_share=float(drift_share), n_ref=n_ref, n_cur=len(current), reference_label=reference_label,
        current_label=current_label, skipped=skipped, seconds=time.perf_counter() - started,
    )
