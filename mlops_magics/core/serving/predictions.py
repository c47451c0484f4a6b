"""What a model returned, as columns: for metrics (classes or values), shadow agreement and capture.

A pyfunc model returns a numpy array, a pandas Series or DataFrame, or a list; a 1-D result is one
column ``_prediction``, a 2-D one is ``_prediction_0 ...`` (or ``_prediction_<column>``). Anything else
(dicts of tensors, text generations) is not tabular: it is answered normally but not captured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend.traffic import PREDICTION

__all__ = ["PREDICTION", "agreement", "as_columns", "first_column", "kind_of", "to_frame"]


def as_columns(raw: Any, rows: int) -> dict[str, np.ndarray] | None:
    """``{column: values}`` with ``rows`` values each, or None when the output is not one row per input row."""
    import pandas as pd

    if isinstance(raw, pd.DataFrame):
        cols = {f"{PREDICTION}_{c}": raw[c].to_numpy() for c in raw.columns}
        if len(raw.columns) == 1:
            cols = {PREDICTION: raw.iloc[:, 0].to_numpy()}
    elif isinstance(raw, pd.Series):
        cols = {PREDICTION: raw.to_numpy()}
    else:
        try:
            arr = np.asarray(raw)
        except Exception:  # noqa: BLE001 - ragged or exotic outputs are simply not tabular
            return None
        if arr.dtype == object and arr.ndim == 1 and len(arr) and isinstance(arr[0], (dict, list)):
            return None
        if arr.ndim == 1:
            cols = {PREDICTION: arr}
        elif arr.ndim == 2:
            cols = {f"{PREDICTION}_{i}": arr[:, i] for i in range(arr.shape[1])}
            if arr.shape[1] == 1:
                cols = {PREDICTION: arr[:, 0]}
        else:
            return None
    if any(len(v) != rows for v in cols.values()):
        return None
    return cols


def first_column(cols: dict[str, np.ndarray] | None) -> np.ndarray | None:
    """The column metrics and agreement look at (the only one, or the first)."""
    if not cols:
        return None
    return next(iter(cols.values()))


def kind_of(values: np.ndarray | None) -> str | None:
    """``class`` (integers, booleans, strings: counted by class), ``value`` (floats: a histogram), or None."""
    if values is None or values.size == 0:
        return None
    kind = values.dtype.kind
    if kind in "biuUS":
        return "class"
    if kind == "f":
        return "value"
    if kind == "O":
        first = values[0]
        if isinstance(first, (str, bool, int, np.integer, np.bool_)):
            return "class"
        if isinstance(first, (float, np.floating)):
            return "value"
    return None


def agreement(a: np.ndarray, b: np.ndarray) -> int:
    """Rows where two models predicted the same (equal classes; floats within 1e-6 relative)."""
    if a.shape != b.shape:
        return 0
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return int(np.isclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True).sum())
    try:
        return int((a == b).sum())
    except (TypeError, ValueError):
        return int(sum(x == y for x, y in zip(a.tolist(), b.tolist())))


def to_frame(data: Any) -> Any:
    """The request's rows as a DataFrame (what MLflow parsed), or None when they are not tabular."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, np.ndarray) and data.ndim in (1, 2) and data.dtype != object:
        return pd.DataFrame(data if data.ndim == 2 else data.reshape(-1, 1))
    if isinstance(data, dict) and data and all(isinstance(v, (list, np.ndarray)) for v in data.values()):
        try:
            return pd.DataFrame({k: np.asarray(v) for k, v in data.items()})
        except ValueError:
            return None
    return None
