"""Data quality of a batch against a stored reference summary: schema, null rates, ranges, unseen categories.

What Great Expectations and Pandera check on incoming data, from the summary the drift engine already keeps
(no reference rows needed):

* **schema**: reference columns missing from the batch, batch columns the reference never had, and columns
  whose kind changed (numbers arriving as text, text as numbers, ...);
* **nulls**: a column's share of missing values above the reference's by more than ``null_tolerance``
  (default 2 points);
* **range**: the share of a numeric column's values outside the reference's [min, max] above
  ``range_tolerance`` (default 1%: a large fresh sample always has a few values past the extremes),
  infinities counting as outside when the reference had none; datetimes are not range-checked (new data
  is newer);
* **unseen categories**: values of a categorical column the reference never had, in more than
  ``unseen_tolerance`` of the rows (default 0: any). When the reference kept only its most frequent
  categories (a long tail grouped as ``(other)``) unseen values cannot be told apart and are not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import CheckFailed, MlopsUsageError
from ..result_table import TableResult
from . import columns as C
from .result import metric_key
from .summary import CategoricalRef, NumericRef, ReferenceSummary

__all__ = ["QualityFailed", "QualityIssue", "QualityReport", "check_tolerance", "validate"]

CHECKS = ("missing column", "extra column", "retyped", "nulls", "out of range", "unseen categories")
MAX_LISTED = 5


class QualityFailed(CheckFailed):
    """Raised by ``--fail`` / :meth:`QualityReport.raise_if_failed` when the batch has quality issues."""


@dataclass(frozen=True)
class QualityIssue:
    """One failed check on one column."""

    column: str
    check: str  # one of CHECKS
    detail: str

    def __str__(self) -> str:
        return f"{self.column}: {self.check} ({self.detail})"


@dataclass(repr=False)
class QualityReport(TableResult):
    """Every column's checks (``rows``) and the issues found; ``ok`` when there are none."""

    rows: list[dict[str, Any]]
    issues: list[QualityIssue]
    n_rows: int
    reference_label: str = "reference"
    current_label: str = "current"
    tolerances: dict[str, float] = field(default_factory=dict)

    empty_text = "no columns to validate"
    COLUMNS = ("column", "kind", "status", "null_rate", "ref_null_rate", "out_of_range", "range", "unseen", "note")

    def table_rows(self) -> list[dict[str, Any]]:
        return [{k: r.get(k) for k in self.COLUMNS} for r in self.rows]

    @property
    def ok(self) -> bool:
        return not self.issues

    def count(self, check: str) -> int:
        """How many issues of one kind (``"nulls"``, ``"missing column"``, ...)."""
        return sum(1 for i in self.issues if i.check == check)

    def headline(self) -> str:
        if self.ok:
            return f"Data quality: no issues in {len(self.rows)} columns ({self.n_rows:,} rows)"
        cols = len({i.column for i in self.issues})
        kinds = ", ".join(f"{self.count(c)} {c}" for c in CHECKS if self.count(c))
        return (f"Data quality: {_plural(len(self.issues), 'issue')} in {_plural(cols, 'column')} ({kinds}; "
                f"{self.n_rows:,} rows)")

    def table_caption(self) -> str:
        return self.headline()

    def raise_if_failed(self) -> "QualityReport":
        """Raise :class:`QualityFailed` naming the issues; return self when there are none."""
        if self.issues:
            listed = "; ".join(str(i) for i in self.issues[:MAX_LISTED])
            more = f"; ... +{len(self.issues) - MAX_LISTED}" if len(self.issues) > MAX_LISTED else ""
            raise QualityFailed(f"data quality of {self.current_label} against {self.reference_label}: "
                                f"{_plural(len(self.issues), 'issue')}: {listed}{more}; fix the data or relax the "
                                "tolerances")
        return self

    def metrics(self, prefix: str = "quality") -> dict[str, float]:
        """Flat metrics: issue counts, and per column the null rate, out-of-range and unseen shares."""
        out = {f"{prefix}.issues": float(len(self.issues))}
        for check in CHECKS:
            out[f"{prefix}.{check.replace(' ', '_')}"] = float(self.count(check))
        for row in self.rows:
            col = metric_key(str(row["column"]))
            for key in ("null_rate", "out_of_range", "unseen"):
                value = row.get(key)
                if value is not None and math.isfinite(value):
                    out[f"{prefix}.{col}.{key}"] = float(value)
        return out

    def to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {"ok": self.ok, "n_rows": self.n_rows, "reference": self.reference_label,
                "current": self.current_label, "tolerances": self.tolerances,
                "issues": [{"column": i.column, "check": i.check, "detail": i.detail} for i in self.issues],
                "columns": [{k: clean(v) for k, v in r.items()} for r in self.rows]}

    def __repr__(self) -> str:
        lines = [self.headline()]
        lines += [f"  {i}" for i in self.issues]
        return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(x: float) -> str:
    return f"{x:.1%}" if x >= 0.001 or x == 0 else f"{x:.2%}"


def _compatible(ref_kind: str, numeric_keys: bool, cur: pd.Series) -> tuple[bool, str]:
    """Whether the batch's column still holds what the reference held, and what it holds now."""
    if cur.isna().all():
        return True, "empty"
    kind, mixed = C.base_kind(cur)
    if mixed:
        return False, "mixed types"
    if kind == ref_kind or (numeric_keys and kind == C.NUMERIC):
        return True, kind
    if ref_kind == C.NUMERIC and kind == C.BOOLEAN:
        return True, kind
    if ref_kind == C.BOOLEAN and kind == C.NUMERIC:
        values = pd.unique(cur.dropna())
        return bool(len(values) <= 2 and set(np.asarray(values, dtype=float).tolist()) <= {0.0, 1.0}), kind
    return False, kind


def _ref_bounds(ref: NumericRef | CategoricalRef) -> tuple[float, float] | None:
    if isinstance(ref, NumericRef):
        if ref.n == 0 or ref.kind == C.DATETIME:
            return None
        if ref.values is not None:
            return float(ref.values[0]), float(ref.values[-1])
        return float(ref.sketch.edges[0]), float(ref.sketch.edges[-1])
    keys = [float(k) for k in ref.keys]
    if ref.other or not keys:
        return None  # the tail's values are not known: no reliable extremes
    return min(keys), max(keys)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _range(row: dict[str, Any], name: str, s: pd.Series, ref: Any, kind: str, tol: float,
           issues: list[QualityIssue]) -> None:
    bounds = _ref_bounds(ref)
    if bounds is None:
        return
    lo, hi = bounds
    v = C.numeric_values(s, C.NUMERIC if kind == C.CATEGORICAL else kind)
    present = ~np.isnan(v)
    n = int(np.count_nonzero(present))
    if n == 0:
        return
    ref_inf = isinstance(ref, NumericRef) and (ref.n_posinf + ref.n_neginf) > 0
    with np.errstate(invalid="ignore"):
        outside = (v < lo) | (v > hi)
    if ref_inf:
        outside &= np.isfinite(v)
    n_out = int(np.count_nonzero(outside))
    share = _share(n_out, n)
    row["out_of_range"] = share
    row["range"] = f"[{_fmt(lo)}, {_fmt(hi)}]"
    if n_out and share > tol:
        finite = v[np.isfinite(v)]
        seen = f"; batch min {_fmt(float(finite.min()))}, max {_fmt(float(finite.max()))}" if finite.size else ""
        issues.append(QualityIssue(name, "out of range",
                                   f"{_pct(share)} of values ({n_out:,}) outside [{_fmt(lo)}, {_fmt(hi)}]{seen}"))


def _unseen(row: dict[str, Any], name: str, s: pd.Series, ref: CategoricalRef, tol: float,
            issues: list[QualityIssue]) -> None:
    if ref.other:
        row["note"] = f"reference kept its {len(ref.keys)} most frequent categories: unseen values not judged"
        return
    keys, counts, _ = C.category_counts(s, ref.as_text)
    known = set(ref.keys)
    new = [(k, int(c)) for k, c in zip(keys, counts.tolist()) if k not in known]
    n = int(counts.sum())
    n_new = sum(c for _, c in new)
    share = _share(n_new, n)
    row["unseen"] = share
    if n_new and share > tol:
        new.sort(key=lambda kc: -kc[1])
        names = ", ".join(repr(k) for k, _ in new[:MAX_LISTED]) + (", ..." if len(new) > MAX_LISTED else "")
        issues.append(QualityIssue(name, "unseen categories",
                                   f"{len(new)} value{'s' if len(new) > 1 else ''} the reference never had, in "
                                   f"{_pct(share)} of rows: {names}"))


def check_tolerance(name: str, value: float) -> float:
    """A tolerance as a share in [0, 1), or a one-line error naming it."""
    value = float(value)
    if not (math.isfinite(value) and 0 <= value < 1):
        raise MlopsUsageError(f"{name} must be a share from 0 to below 1 (e.g. 0.02), not {value}")
    return value


def validate(reference: ReferenceSummary, current: pd.DataFrame, *, ignore: Iterable[str] = (),
             null_tolerance: float = 0.02, range_tolerance: float = 0.01, unseen_tolerance: float = 0.0,
             reference_label: str = "reference", current_label: str = "current") -> QualityReport:
    """Check ``current`` against the reference summary; a :class:`QualityReport` (never raises on issues).

    ``ignore``: columns left out on both sides: a reference column the batch need not have (the target of a
    model, absent from its inputs), a batch column the reference need not have (a request id).
    """
    if not isinstance(reference, ReferenceSummary):
        raise MlopsUsageError(f"validate needs a reference summary, not {type(reference).__name__}")
    if not isinstance(current, pd.DataFrame):
        raise MlopsUsageError(f"the data to validate must be a pandas DataFrame, not {type(current).__name__}")
    tolerances = {"nulls": check_tolerance("the null tolerance", null_tolerance),
                  "range": check_tolerance("the range tolerance", range_tolerance),
                  "unseen": check_tolerance("the unseen tolerance", unseen_tolerance)}
    skip = {str(c) for c in ignore}
    by_name = {str(c): c for c in current.columns}
    n_rows = len(current)
    rows: list[dict[str, Any]] = []
    issues: list[QualityIssue] = []
    for name, ref in reference.columns.items():
        row: dict[str, Any] = {"column": name, "kind": ref.kind, "ref_null_rate": _share(ref.n_missing, ref.n_rows)}
        if name not in by_name:
            if name in skip:
                continue
            row["status"] = "missing"
            rows.append(row)
            issues.append(QualityIssue(name, "missing column", f"the reference has it ({ref.dtype})"))
            continue
        before = len(issues)
        s = current[by_name[name]]
        numeric_keys = isinstance(ref, CategoricalRef) and ref.numeric_keys
        fits, now = _compatible(ref.kind, numeric_keys, s)
        n_null = int(s.isna().sum())
        row["null_rate"] = rate = _share(n_null, n_rows)
        if rate > row["ref_null_rate"] + tolerances["nulls"]:
            issues.append(QualityIssue(name, "nulls", f"{_pct(rate)} missing, reference {_pct(row['ref_null_rate'])}"))
        if not fits:
            issues.append(QualityIssue(name, "retyped", f"was {ref.kind} ({ref.dtype}), now {now} ({s.dtype})"))
        elif now != "empty":
            if isinstance(ref, NumericRef) or numeric_keys:
                _range(row, name, s, ref, ref.kind, tolerances["range"], issues)
            else:
                _unseen(row, name, s, ref, tolerances["unseen"], issues)
        row["status"] = "ok" if len(issues) == before else "issue"
        rows.append(row)
    for name in by_name:
        if name not in reference.columns and name not in skip:
            rows.append({"column": name, "kind": "", "status": "extra"})
            issues.append(QualityIssue(name, "extra column", f"not in the reference ({current[by_name[name]].dtype})"))
    return QualityReport(rows=rows, issues=issues, n_rows=n_rows, reference_label=reference_label,
                         current_label=current_label, tolerances=tolerances)
