"""The result of a drift comparison: a per-column table, the verdicts, and what the widget draws.

Statistics are computed once; :meth:`DriftResult.with_threshold` re-evaluates the verdicts at other
thresholds (or with another multiple-testing correction) without touching the data again.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..backend.outcome import publish_outcome
from ..errors import CheckFailed
from .text import drift_text
from .verdict import benjamini_hochberg, column_drift, score_kind, thresholds_for

__all__ = ["DriftDetected", "DriftResult", "apply_verdicts"]

_UNSET: Any = object()


class DriftDetected(CheckFailed):
    """Raised by ``--fail`` / ``raise_if_drift()`` when the dataset verdict is drift."""


def apply_verdicts(table: pd.DataFrame, thresholds: dict[str, float], correction: str | None) -> pd.DataFrame:
    """Add (or refresh) the ``p_value_adj`` (with a correction), ``threshold`` and ``drift`` columns."""
    t = table.drop(columns=[c for c in ("p_value_adj", "threshold", "drift") if c in table.columns])
    p = t["p_value"].to_numpy(dtype=float)
    if correction == "bh":
        adj = benjamini_hochberg(p)
        t.insert(t.columns.get_loc("p_value") + 1, "p_value_adj", adj)
        p = adj
    tests = t["test"].tolist()
    kinds = [score_kind(x) for x in tests]
    t.insert(t.columns.get_loc("psi"), "threshold", [thresholds[k] for k in kinds])
    stat = t["statistic"].to_numpy(dtype=float)
    drift = [column_drift(x, s, q, thresholds) for x, s, q in zip(tests, stat, p)]
    t.insert(t.columns.get_loc("psi"), "drift", drift)
    return t


def metric_key(name: str) -> str:
    """A column name made safe for an MLflow metric key (letters, digits, ``_ - . /`` and spaces; no empty,
    ``.`` or ``..`` part between slashes, which MLflow refuses)."""
    safe = re.sub(r"[^A-Za-z0-9_\-./ ]", "_", name).strip()
    safe = "/".join(part for part in safe.split("/") if part.strip() not in ("", ".", "..")) or "_"
    return safe[:200]


def _jsonable(x: Any) -> Any:
    """``x`` with numpy scalars and arrays as Python values and NaN / infinities as None, all the way down."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


@dataclass
class DriftResult:
    """Drift between a reference and a current frame: ``table`` has one row per compared column."""

    table: pd.DataFrame
    details: dict[str, dict[str, Any]]
    method: str
    thresholds: dict[str, float]
    correction: str | None = None
    drift_share: float = 0.5
    n_ref: int = 0
    n_cur: int = 0
    reference_label: str = "reference"
    current_label: str = "current"
    skipped: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        publish_outcome(self.headline)  # inside a pipeline step: the step's one-line outcome

    # -- verdicts ---------------------------------------------------------------------------------------
    @property
    def n_columns(self) -> int:
        return len(self.table)

    @property
    def drifted_columns(self) -> list[str]:
        return self.table.loc[self.table["drift"], "column"].tolist()

    @property
    def n_drifted(self) -> int:
        return int(self.table["drift"].sum())

    @property
    def share_drifted(self) -> float:
        return self.n_drifted / self.n_columns if self.n_columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        """True when at least ``drift_share`` of the columns drift (Evidently's rule, default one half)."""
        return self.n_columns > 0 and self.share_drifted >= self.drift_share

    def with_threshold(self, threshold: float | None = None, *, p_value: float | None = None,
                       distance: float | None = None, correction: str | None = _UNSET,
                       drift_share: float | None = None) -> "DriftResult":
        """The same statistics judged at other thresholds: ``threshold`` sets both the p-value and the
        distance threshold; ``p_value`` / ``distance`` set one; unset ones keep their current value."""
        from .verdict import check_method

        base = dict(self.thresholds)
        if threshold is not None:
            base = thresholds_for(threshold)
        new = thresholds_for(None, p_value if p_value is not None else base["p_value"],
                             distance if distance is not None else base["distance"])
        corr = self.correction if correction is _UNSET else correction
        check_method("auto", corr)
        share = self.drift_share if drift_share is None else float(drift_share)
        return dataclasses.replace(self, table=apply_verdicts(self.table, new, corr), thresholds=new,
                                   correction=corr, drift_share=share)

    def raise_if_drift(self) -> "DriftResult":
        """Raise :class:`DriftDetected` when the dataset verdict is drift; return self otherwise."""
        if self.dataset_drift:
            cols = ", ".join(self.drifted_columns[:5]) + (", ..." if self.n_drifted > 5 else "")
            raise DriftDetected(f"data drift: {self.n_drifted} of {self.n_columns} columns drifted ({cols}); "
                                f"inspect the report, or raise the threshold if this is expected")
        return self

    # -- export -----------------------------------------------------------------------------------------
    def headline(self) -> str:
        """One line: drifted columns / total and the dataset verdict."""
        verdict = "yes" if self.dataset_drift else "no"
        return (f"Drift in {self.n_drifted} of {self.n_columns} columns ({self.share_drifted:.0%}); "
                f"dataset drift: {verdict} (at >= {self.drift_share:.0%} of columns)")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of everything (NaN and infinities become null)."""
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in self.table.to_dict(orient="records")]
        for r in rows:
            r["column"] = str(r["column"])
        return {
            "dataset_drift": self.dataset_drift, "n_drifted": self.n_drifted, "n_columns": self.n_columns,
            "drift_share": self.drift_share, "method": self.method, "thresholds": self.thresholds,
            "correction": self.correction, "n_ref": self.n_ref, "n_cur": self.n_cur,
            "reference": self.reference_label, "current": self.current_label, "skipped": self.skipped,
            "columns": rows, "details": _jsonable(self.details), "seconds": round(self.seconds, 4),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)

    def metrics(self, prefix: str = "drift") -> dict[str, float]:
        """Flat metrics for a tracking run: per-column statistic / p-value / PSI / effect / drift, and totals."""
        out = {f"{prefix}.dataset_drift": float(self.dataset_drift), f"{prefix}.n_drifted": float(self.n_drifted),
               f"{prefix}.share_drifted": float(self.share_drifted)}
        for r in self.table.to_dict(orient="records"):
            col = metric_key(str(r["column"]))
            for key in ("statistic", "p_value", "psi", "effect_size"):
                value = r.get(key)
                if value is not None and math.isfinite(value):
                    out[f"{prefix}.{col}.{key}"] = float(value)
            out[f"{prefix}.{col}.drift"] = float(bool(r["drift"]))
        return out

    def __repr__(self) -> str:
        return drift_text(self)
