"""Late labels: ground truth that arrives after the prediction, joined to the traffic by request id.

A labels dataset has one row per labelled request: the request id and the label (one more column, or the
one ``--target`` names). Its versions are batches of labels as they arrive; a check reads the batches
closed after the window's first request (a label cannot predate its request) and keeps the newest label of
each request. The served model's metric on the labelled part of the window follows the model's task:
accuracy and F1 for a classifier, MAE and MAPE for a regressor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import MlopsUsageError
from ..backend.traffic import LABEL_KEY, MODEL_VERSION, PREDICTION, REQUEST_ID, is_capture_column

__all__ = ["LabelMetrics", "TASKS", "infer_task", "join_labels", "label_column", "label_metrics", "labelled_traffic",
           "read_labels", "score_labels"]

TASKS = ("classification", "regression")
CLASSIFICATION_HINTS = ("accuracy", "f1", "roc_auc", "precision", "recall", "log_loss")
REGRESSION_HINTS = ("rmse", "mae", "mse", "r2", "mape", "mean_absolute", "mean_squared")
FEW_CLASSES = 20  # integer labels with at most this many values are classes
CLOCK_MARGIN_S = 3600


@dataclass
class LabelMetrics:
    """The served model's metric on the labelled rows of one window."""

    labels: str  # the labels dataset
    label: str  # its label column
    task: str
    n_labelled: int
    n_window: int
    metrics: dict[str, float] = field(default_factory=dict)
    served_by: dict[str, int] = field(default_factory=dict)  # model version -> labelled rows
    note: str = ""

    @property
    def share(self) -> float:
        return self.n_labelled / self.n_window if self.n_window else 0.0

    def to_metrics(self, prefix: str = "labels") -> dict[str, float]:
        out = {f"{prefix}.rows": float(self.n_labelled), f"{prefix}.share": float(self.share)}
        out.update({f"{prefix}.{k}": float(v) for k, v in self.metrics.items() if math.isfinite(v)})
        return out

    def line(self) -> str:
        if not self.n_labelled:
            return f"labels ({self.labels}): none of the {self.n_window:,} rows labelled yet"
        values = ", ".join(f"{k} {v:.4g}" for k, v in self.metrics.items())
        served = ""
        if self.served_by:
            served = "; predictions of " + ", ".join(f"v{k} ({n:,})" for k, n in self.served_by.items())
        return (f"labels ({self.labels}): {values} on {self.n_labelled:,} labelled rows "
                f"({self.share:.0%} of the window){served}")


def label_column(frame: Any, target: str | None, labels: str) -> str:
    """The label column of a labels table: ``target``, or its one column besides the special ones."""
    if LABEL_KEY not in frame.columns:
        raise MlopsUsageError(f"the labels dataset '{labels}' has no '{LABEL_KEY}' column (the X-Request-Id the "
                              f"server returned) to join on; "
                              f"its columns: {', '.join(map(str, frame.columns[:10]))}")
    if target is not None:
        if target not in frame.columns:
            raise MlopsUsageError(f"the labels dataset '{labels}' has no column '{target}' (--target); "
                                  f"its columns: {', '.join(map(str, frame.columns[:10]))}")
        return target
    others = [str(c) for c in frame.columns if c != LABEL_KEY and not is_capture_column(c)]
    if len(others) != 1:
        raise MlopsUsageError(f"the labels dataset '{labels}' has {len(others)} label candidates "
                              f"({', '.join(others[:5]) or 'none'}); name the label with --target COLUMN")
    return others[0]


def read_labels(labels: str, since: float | None = None) -> Any:
    """The labels closed at or after ``since`` (epoch seconds; None: all), newest label per request."""
    import pandas as pd

    from ..datastore import api
    from .window import load_version, version_time

    versions = list(api.log(labels).versions)
    if since is not None:  # a margin for clocks that disagree between the server and the labeller
        versions = [v for v in versions if version_time(v) >= math.floor(since) - CLOCK_MARGIN_S]
    if not versions:
        return pd.DataFrame({LABEL_KEY: []})
    parts = [load_version(f"{labels}@v{v.version}") for v in versions]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if LABEL_KEY in frame.columns:
        frame = frame.drop_duplicates(LABEL_KEY, keep="last")
    return frame


def join_labels(traffic: Any, labels: Any, label: str) -> Any:
    """The traffic rows that have a label, with the label as column ``label`` (inner join on request id)."""
    if REQUEST_ID not in traffic.columns:
        raise MlopsUsageError(f"the traffic has no '{REQUEST_ID}' column: late labels cannot be joined to it")
    right = labels[[LABEL_KEY, label]].dropna(subset=[label]).rename(columns={LABEL_KEY: REQUEST_ID})
    left = traffic.drop(columns=[label]) if label in traffic.columns else traffic
    return left.merge(right, on=REQUEST_ID, how="inner")


def infer_task(label: Any, metric_names: Iterable[str] = ()) -> str:
    """``classification`` or ``regression``: from the model's training metrics, else from the labels."""
    import pandas as pd

    names = [n.lower() for n in metric_names]
    is_cls = any(h in n for n in names for h in CLASSIFICATION_HINTS)
    is_reg = any(h in n for n in names for h in REGRESSION_HINTS)
    if is_cls != is_reg:
        return "classification" if is_cls else "regression"
    dtype = label.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return "classification"
    values = label.dropna()
    if pd.api.types.is_integer_dtype(dtype) or bool((values == values.round()).all()):
        return "classification" if values.nunique() <= FEW_CLASSES else "regression"
    return "regression"


def _common(y: Any, p: Any) -> tuple[Any, Any]:
    """Labels and predictions in one comparable type (numbers when both are numbers, else text)."""
    import pandas as pd

    numeric = all(pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype) for s in (y, p))
    if numeric:
        return y.astype(float).to_numpy(), p.astype(float).to_numpy()
    return y.astype(str).to_numpy(), p.astype(str).to_numpy()


def score_labels(joined: Any, label: str, task: str) -> dict[str, float]:
    """accuracy and F1 (classification) or MAE and MAPE (regression) of ``prediction`` against ``label``."""
    import numpy as np

    rows = joined[[PREDICTION, label]].dropna()
    if rows.empty:
        return {}
    y, p = _common(rows[label], rows[PREDICTION])
    if task == "classification":
        from sklearn.metrics import f1_score

        classes = set(np.unique(y).tolist()) | set(np.unique(p).tolist())
        binary = classes <= {0.0, 1.0}
        how = {"average": "binary", "pos_label": 1.0} if binary else {"average": "macro"}
        f1 = f1_score(y, p, zero_division=0, **how)
        return {"accuracy": float(np.mean(y == p)), "f1": float(f1)}
    if y.dtype.kind not in "fiub":
        raise MlopsUsageError(f"the labels in '{label}' are not numbers: a regression needs numeric labels "
                              "(or pass --task classification)")
    err = np.abs(p - y)
    nonzero = y != 0
    mape = float(np.mean(err[nonzero] / np.abs(y[nonzero]))) if nonzero.any() else math.nan
    return {"mae": float(err.mean()), "mape": mape}


def label_metrics(window: Any, labels: str, target: str | None, task: str | None,
                  metric_hints: Iterable[str] = ()) -> LabelMetrics:
    """Join ``labels`` to the window's rows and score the predictions on the labelled part."""
    from .window import timestamps

    frame = window.frame
    if PREDICTION not in frame.columns and len(frame):
        raise MlopsUsageError(f"the traffic has no '{PREDICTION}' column: there is nothing to score the labels "
                              "against")
    stamps = timestamps(frame)
    since = stamps.min().timestamp() if stamps is not None and len(frame) and stamps.notna().any() else None
    table = read_labels(labels, since)
    if len(table) == 0 or len(frame) == 0:
        return LabelMetrics(labels, target or "", task or "", 0, len(frame), note="no labels for this window yet")
    label = label_column(table, target, labels)
    if task is not None and task not in TASKS:
        raise MlopsUsageError(f"--task {task}: use classification or regression")
    joined = join_labels(frame, table, label)
    task = task or infer_task(table[label], metric_hints)
    result = LabelMetrics(labels, label, task, len(joined), len(frame), score_labels(joined, label, task))
    if MODEL_VERSION in joined.columns and len(joined):
        counts = joined[MODEL_VERSION].astype(str).value_counts().sort_index()
        result.served_by = {str(k): int(v) for k, v in counts.items()}
    return result


def labelled_traffic(traffic: str, labels: str, target: str | None = None) -> Any:
    """Every captured row that has its label by now (the newest labelled data, for a retraining step)."""
    import pandas as pd

    from ..datastore import api
    from .window import load_version

    versions = list(api.log(traffic).versions)
    parts = [load_version(f"{traffic}@v{v.version}") for v in versions]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    table = read_labels(labels)
    if len(table) == 0:
        return frame.iloc[0:0]
    return join_labels(frame, table, label_column(table, target, labels))
