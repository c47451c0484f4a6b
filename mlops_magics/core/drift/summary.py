"""Reference summaries: the reference side of a comparison, storable as JSON and scored against later.

A numeric column keeps its decile edges and counts (for PSI), mean, standard deviation, missing and
infinite counts, and its distribution: the exact distinct values with their counts when there are at most
1,000 of them (then every statistic scored against the summary equals the one computed from the rows),
else a 1,000-bin quantile sketch (KS and Wasserstein then agree with the rows to within one bin's mass).
A categorical column keeps the counts of its ``max_categories`` most frequent values, the tail's total,
which categories are in the tail (a Bloom filter, :mod:`.seen`) and how many of them were seen once, so
values the reference never had count as new, not as part of the tail (see :func:`.score.align_categories`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from ..errors import MlopsUsageError
from . import columns as C
from .seen import SeenKeys
from .numeric import Sketch, bin_counts, mean_std, psi_edges, split_finite

__all__ = [
    "CategoricalRef",
    "NumericRef",
    "ReferenceSummary",
    "build_ref",
    "summarize",
]

EXACT_LIMIT = 1000
SKETCH_BINS = 1000
MAX_CATEGORIES = 100
FORMAT = "mlops_magics.drift.summary/1"


@dataclass
class NumericRef:
    """The reference side of a numeric (or datetime) column."""

    kind: str
    dtype: str
    n_rows: int
    n_missing: int
    n_posinf: int
    n_neginf: int
    mean: float
    std: float
    n_unique: int
    psi_edges: np.ndarray
    psi_counts: np.ndarray
    values: np.ndarray | None = None  # sorted finite values (exact)
    sketch: Sketch | None = None

    @property
    def n(self) -> int:
        """Number of finite values."""
        return self.n_rows - self.n_missing - self.n_posinf - self.n_neginf

    def uniques(self) -> np.ndarray | None:
        return None if self.values is None else np.unique(self.values)

    def quantile(self, t: float) -> float:
        if self.n == 0:
            return math.nan
        if self.values is not None:
            return float(self.values[min(int(t * self.n), self.n - 1)])
        return float(self.sketch.quantile(np.asarray([t]))[0])

    def cdf_counts(self, x: np.ndarray) -> np.ndarray:
        """Number of reference values <= each x."""
        if self.values is not None:
            return np.searchsorted(self.values, x, side="right")
        return np.rint(self.sketch.cdf(x) * self.n).astype(np.int64)

    def scaled(self, scale: float) -> "NumericRef":
        """The same reference in units divided by ``scale`` (a power of two, so exactly)."""
        if scale == 1.0:
            return self
        return dataclasses.replace(
            self, mean=self.mean / scale, std=self.std / scale, psi_edges=self.psi_edges / scale,
            values=None if self.values is None else self.values / scale,
            sketch=None if self.sketch is None else Sketch(self.sketch.edges / scale, self.sketch.cum))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind, "dtype": self.dtype, "n_rows": self.n_rows, "n_missing": self.n_missing,
            "n_posinf": self.n_posinf, "n_neginf": self.n_neginf, "mean": _num(self.mean),
            "std": _num(self.std), "n_unique": self.n_unique, "psi_edges": self.psi_edges.tolist(),
            "psi_counts": self.psi_counts.tolist(),
        }
        if self.values is not None and self.n_unique <= EXACT_LIMIT:
            keys, counts = C.numeric_category_counts(self.values)
            d["values"], d["counts"] = [float(k) for k in keys], counts.tolist()
        else:
            sk = self.sketch or _sketch(self.values)
            d["edges"], d["cum"] = sk.edges.tolist(), sk.cum.tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "NumericRef":
        values = sketch = None
        if "values" in d:
            values = np.repeat(np.asarray(d["values"], dtype=float), np.asarray(d["counts"], dtype=np.int64))
        else:
            sketch = Sketch(np.asarray(d["edges"], dtype=float), np.asarray(d["cum"], dtype=np.int64))
        return cls(
            kind=d["kind"], dtype=d["dtype"], n_rows=d["n_rows"], n_missing=d["n_missing"],
            n_posinf=d["n_posinf"], n_neginf=d["n_neginf"], mean=_unnum(d["mean"]), std=_unnum(d["std"]),
            n_unique=d["n_unique"], psi_edges=np.asarray(d["psi_edges"], dtype=float),
            psi_counts=np.asarray(d["psi_counts"], dtype=np.int64), values=values, sketch=sketch,
        )


@dataclass
class CategoricalRef:
    """The reference side of a categorical (or boolean) column: top categories and the tail's total."""

    kind: str
    dtype: str
    n_rows: int
    n_missing: int
    keys: list
    counts: np.ndarray
    other: int = 0
    n_categories: int = 0
    as_text: bool = False
    numeric_keys: bool = False
    seen: SeenKeys | None = None  # the grouped tail's categories (None: no tail, or an older summary)
    singletons: int = 0  # tail categories seen once: the Good-Turing estimate of the mass never seen

    @property
    def n(self) -> int:
        return self.n_rows - self.n_missing

    def to_dict(self) -> dict[str, Any]:
        d = {
            "kind": self.kind, "dtype": self.dtype, "n_rows": self.n_rows, "n_missing": self.n_missing,
            "keys": list(self.keys), "counts": self.counts.tolist(), "other": self.other,
            "n_categories": self.n_categories, "as_text": self.as_text, "numeric_keys": self.numeric_keys,
        }
        if self.seen is not None:
            d["seen"], d["singletons"] = self.seen.to_dict(), self.singletons
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CategoricalRef":
        return cls(
            kind=d["kind"], dtype=d["dtype"], n_rows=d["n_rows"], n_missing=d["n_missing"], keys=list(d["keys"]),
            counts=np.asarray(d["counts"], dtype=np.int64), other=d["other"], n_categories=d["n_categories"],
            as_text=d["as_text"], numeric_keys=d["numeric_keys"],
            seen=SeenKeys.from_dict(d["seen"]) if d.get("seen") else None, singletons=int(d.get("singletons", 0)),
        )


ColumnRef = Union[NumericRef, CategoricalRef]


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _unnum(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _sketch(sorted_values: np.ndarray, bins: int = SKETCH_BINS) -> Sketch:
    n = sorted_values.size
    idx = np.unique(np.rint(np.linspace(0, n - 1, bins + 1)).astype(np.int64))
    edges = np.unique(sorted_values[idx])
    return Sketch(edges, np.searchsorted(sorted_values, edges, side="right"))


def top_categories(keys: list, counts: np.ndarray, max_categories: int) -> tuple[list, np.ndarray, int, np.ndarray]:
    """The ``max_categories`` most frequent keys (ties by first appearance), the tail's total and the
    positions of the tail's keys."""
    if len(keys) <= max_categories:
        return keys, counts, 0, np.empty(0, dtype=np.int64)
    order = np.argsort(-counts, kind="stable")
    top, tail = order[:max_categories], order[max_categories:]
    return [keys[i] for i in top], counts[top], int(counts[tail].sum()), tail


def build_ref(s: pd.Series, plan: C.ColumnPlan, max_categories: int = MAX_CATEGORIES) -> ColumnRef:
    """The reference side of one column, read according to ``plan`` (exact: keeps the sorted values)."""
    if C.is_numeric_family(plan.kind):
        values, n_nan, n_pos, n_neg = split_finite(C.numeric_values(s, plan.kind))
        n_unique = int(np.count_nonzero(values[1:] != values[:-1]) + 1) if values.size else 0
        edges = psi_edges(values)
        mean, std = mean_std(values)
        return NumericRef(
            kind=plan.kind, dtype=str(s.dtype), n_rows=len(s), n_missing=n_nan, n_posinf=n_pos, n_neginf=n_neg,
            mean=mean, std=std, n_unique=n_unique, psi_edges=edges, psi_counts=bin_counts(values, edges), values=values,
        )
    if plan.numeric_keys:
        values, n_nan, n_pos, n_neg = split_finite(C.numeric_values(s, C.NUMERIC))
        keys, counts = C.numeric_category_counts(values)
        n_missing = n_nan + n_pos + n_neg
    else:
        keys, counts, n_missing = C.category_counts(s, plan.as_text)
    n_categories = len(keys)
    all_keys, all_counts = keys, counts
    keys, counts, other, tail = top_categories(keys, counts, max_categories)
    return CategoricalRef(
        kind=plan.kind, dtype=str(s.dtype), n_rows=len(s), n_missing=n_missing, keys=keys, counts=counts,
        other=other, n_categories=n_categories, as_text=plan.as_text, numeric_keys=plan.numeric_keys,
        seen=SeenKeys.build([all_keys[i] for i in tail]) if tail.size else None,
        singletons=int(np.count_nonzero(all_counts[tail] == 1)),
    )


@dataclass
class ReferenceSummary:
    """Per-column reference summaries: what ``compare`` needs from a reference, without its rows."""

    columns: dict[str, ColumnRef]
    n_rows: int
    source: str = ""
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "n_rows": self.n_rows, "source": self.source, "created": self.created,
            "columns": {name: ref.to_dict() for name, ref in self.columns.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ReferenceSummary":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise MlopsUsageError(f"not a drift reference summary (expected format '{FORMAT}'); create one with summarize()")
        cols: dict[str, ColumnRef] = {}
        for name, c in d["columns"].items():
            is_num = C.is_numeric_family(c["kind"]) and "keys" not in c
            cols[name] = NumericRef.from_dict(c) if is_num else CategoricalRef.from_dict(c)
        return cls(columns=cols, n_rows=d["n_rows"], source=d.get("source", ""), created=d.get("created", ""))

    @classmethod
    def from_json(cls, text: str) -> "ReferenceSummary":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise MlopsUsageError(f"the reference summary is not valid JSON ({exc}); re-create it with summarize()") from None

    def save(self, path: str | Path) -> Path:
        """Write the summary as JSON and return the path."""
        p = Path(path)
        p.write_text(self.to_json(), encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> "ReferenceSummary":
        p = Path(path)
        try:
            found = p.is_file()
        except OSError:  # a name longer than the file system allows
            found = False
        if not found:
            raise MlopsUsageError(f"no reference summary at '{str(p)[:120]}'; check the path")
        return cls.from_json(p.read_text(encoding="utf-8"))

    def __repr__(self) -> str:
        return f"<ReferenceSummary of {len(self.columns)} columns, {self.n_rows} rows{' from ' + self.source if self.source else ''}>"


def summarize(frame: pd.DataFrame, columns: list[str] | None = None, max_categories: int = MAX_CATEGORIES,
              source: str = "") -> ReferenceSummary:
    """Summarise a reference frame once, to store and score later batches against (``compare(summary, cur)``)."""
    from .compare import check_frame, select_columns

    check_frame(frame, "reference")
    by_name = {str(c): c for c in frame.columns}
    names, _ = select_columns(list(by_name), None, columns)
    cols: dict[str, ColumnRef] = {}
    for name in names:
        s = frame[by_name[name]]
        plan = C.plan_column(s, s)
        ref = build_ref(s, plan, max_categories)
        if isinstance(ref, NumericRef) and ref.values is not None and ref.n_unique > EXACT_LIMIT:
            ref.sketch, ref.values = _sketch(ref.values), None
        cols[str(name)] = ref
    return ReferenceSummary(columns=cols, n_rows=len(frame), source=source)
