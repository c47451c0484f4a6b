"""What kind of data a column holds, and its values in the form the statistics need.

Kinds follow Evidently's inference so verdicts stay comparable: floats are numeric; integers are numeric
unless the reference has at most 10 distinct values (then categorical); booleans and pandas categoricals
are categorical; strings are categorical; datetimes are compared as numbers (seconds since the epoch),
where Evidently skips them. An object column is looked at as a whole (``pandas.api.types.infer_dtype``):
numbers stored as objects are numeric, dates are datetimes, anything mixed is compared as text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

__all__ = [
    "BOOLEAN",
    "CATEGORICAL",
    "DATETIME",
    "NUMERIC",
    "ColumnPlan",
    "base_kind",
    "category_counts",
    "is_numeric_family",
    "numeric_category_counts",
    "numeric_values",
    "plan_column",
]

NUMERIC, DATETIME, CATEGORICAL, BOOLEAN = "numeric", "datetime", "categorical", "boolean"
INT_CATEGORICAL_LIMIT = 10  # Evidently: integer columns with <= 10 distinct values are categorical


@dataclass(frozen=True)
class ColumnPlan:
    """How both sides of one column are read: the kind, whether categories are compared as text."""

    kind: str
    as_text: bool = False
    numeric_keys: bool = False  # categories are numbers (a low-cardinality integer column)
    note: str = ""


def is_numeric_family(kind: str) -> bool:
    return kind in (NUMERIC, DATETIME)


def base_kind(s: pd.Series) -> tuple[str, bool]:
    """The kind of one side on its own, and whether its object values are of mixed types."""
    dt = s.dtype
    if ptypes.is_bool_dtype(dt):
        return BOOLEAN, False
    if isinstance(dt, pd.CategoricalDtype):
        return CATEGORICAL, False
    if ptypes.is_datetime64_any_dtype(dt):
        return DATETIME, False
    if ptypes.is_timedelta64_dtype(dt) or (ptypes.is_numeric_dtype(dt) and not ptypes.is_complex_dtype(dt)):
        return NUMERIC, False
    inferred = ptypes.infer_dtype(s, skipna=True)
    if inferred in ("string", "empty"):
        return CATEGORICAL, False
    if inferred == "boolean":
        return BOOLEAN, False
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return NUMERIC, False
    if inferred in ("datetime", "datetime64", "date"):
        return DATETIME, False
    return CATEGORICAL, True


def _is_int_like(s: pd.Series) -> bool:
    return ptypes.is_integer_dtype(s.dtype) and not ptypes.is_bool_dtype(s.dtype)


def _few_ints(s: pd.Series) -> bool:
    return _is_int_like(s) and s.nunique(dropna=True) <= INT_CATEGORICAL_LIMIT


def plan_column(ref: pd.Series, cur: pd.Series) -> ColumnPlan:
    """Reconcile the two sides' kinds (dtypes may differ) into one way of comparing them."""
    (kr, mixed_r), (kc, mixed_c) = base_kind(ref), base_kind(cur)
    mixed = mixed_r or mixed_c
    if kr == kc:
        if kr == NUMERIC and _few_ints(ref):
            return ColumnPlan(CATEGORICAL, numeric_keys=True)
        note = "mixed types; compared as text" if mixed else ""
        return ColumnPlan(kr, as_text=mixed, note=note)
    differ = f"dtypes differ ({ref.dtype} vs {cur.dtype})"
    kinds = {kr, kc}
    if kinds == {NUMERIC, BOOLEAN}:
        return ColumnPlan(BOOLEAN, note=differ)
    if kinds == {NUMERIC, CATEGORICAL} and not mixed:
        text_side = ref if kr == CATEGORICAL else cur
        converted = pd.to_numeric(text_side, errors="coerce")
        if int(converted.isna().sum()) == int(text_side.isna().sum()):
            return ColumnPlan(NUMERIC, note=f"{differ}; compared as numbers")
    if kinds == {DATETIME, CATEGORICAL} and not mixed:
        text_side = ref if kr == CATEGORICAL else cur
        converted = pd.to_datetime(text_side, errors="coerce", utc=True, format="mixed")
        if int(converted.isna().sum()) == int(text_side.isna().sum()):
            return ColumnPlan(DATETIME, note=f"{differ}; compared as datetimes")
    return ColumnPlan(CATEGORICAL, as_text=True, note=f"{differ}; compared as text")


def numeric_values(s: pd.Series, kind: str) -> np.ndarray:
    """float64 values with NaN for missing; datetimes as epoch seconds, timedeltas as seconds.

    A float64 column is returned as a view (no copy).
    """
    dt = s.dtype
    if kind == DATETIME:
        if not ptypes.is_datetime64_any_dtype(dt):
            s = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        raw = s.to_numpy(dtype="datetime64[ns]")
        out = raw.view("i8").astype(np.float64) / 1e9
        out[np.isnat(raw)] = np.nan
        return out
    if ptypes.is_timedelta64_dtype(dt):
        raw = s.to_numpy(dtype="timedelta64[ns]")
        out = raw.view("i8").astype(np.float64) / 1e9
        out[np.isnat(raw)] = np.nan
        return out
    if dt == np.float64 and isinstance(s.array, pd.arrays.NumpyExtensionArray):
        return s.to_numpy(copy=False)
    if ptypes.is_bool_dtype(dt) or ptypes.is_numeric_dtype(dt):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _norm_key(key: object, as_text: bool) -> object:
    if isinstance(key, np.generic):
        key = key.item()
    if as_text:
        return str(key)
    if isinstance(key, (bool, int, str)):
        return key
    if isinstance(key, float):
        return int(key) if key.is_integer() else key
    return str(key)


def category_counts(s: pd.Series, as_text: bool = False) -> tuple[list, np.ndarray, int]:
    """Distinct non-missing values (JSON-friendly keys), their counts, and the number of missing values."""
    try:
        vc = s.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable values (lists, dicts): compare their text
        vc = s.where(s.isna(), s.astype(str)).value_counts(dropna=True, sort=False)
        as_text = True
    vc = vc[vc.to_numpy() > 0]
    n_missing = int(len(s) - vc.sum())
    merged: dict[object, int] = {}
    for key, count in zip(vc.index.tolist(), vc.to_numpy().tolist()):
        k = _norm_key(key, as_text)
        merged[k] = merged.get(k, 0) + int(count)
    return list(merged), np.fromiter(merged.values(), dtype=np.int64, count=len(merged)), n_missing


def numeric_category_counts(sorted_finite: np.ndarray) -> tuple[list, np.ndarray]:
    """Distinct values and counts of a sorted numeric sample (keys as int when integral)."""
    if sorted_finite.size == 0:
        return [], np.empty(0, dtype=np.int64)
    ends = np.append(np.flatnonzero(sorted_finite[1:] != sorted_finite[:-1]), sorted_finite.size - 1)
    counts = np.diff(np.concatenate(([-1], ends)))
    keys = [_norm_key(float(x), False) for x in sorted_finite[ends]]
    return keys, counts.astype(np.int64)
