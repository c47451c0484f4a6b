"""Score one column: the reference side (rows or summary) against the current rows.

Returns the column's row of the result table (test, statistic, p-value, PSI, effect size, counts, notes)
and the small, fixed-size detail the widget draws (a histogram or category bars of both sides, plus missing
and infinite counts). Nothing here grows with the number of rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import categorical as cat
from . import columns as C
from . import numeric as num
from .seen import SeenKeys
from .summary import CategoricalRef, ColumnRef, NumericRef
from .verdict import FEW_VALUES, resolve_test

__all__ = ["align_categories", "score_column"]

OTHER = "(other)"
NEW = "(new)"  # current values the reference never had (when its tail was grouped, or labels ran out)
DISPLAY_BINS = 30
DISPLAY_CATEGORIES = 20


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _cur_unique(v: np.ndarray) -> int:
    return int(np.count_nonzero(v[1:] != v[:-1]) + 1) if v.size else 0


def _row(name: str, role: str, kind: str, n_ref: int, n_cur: int, miss_ref: int, miss_cur: int) -> dict[str, Any]:
    return {
        "column": name, "role": role, "kind": kind, "test": "", "statistic": math.nan, "p_value": math.nan,
        "psi": math.nan, "effect_size": math.nan, "n_ref": n_ref, "n_cur": n_cur,
        "missing_ref": miss_ref, "missing_cur": miss_cur, "note": "",
    }


def _empty_side(row: dict[str, Any], n_ref: int, n_cur: int) -> bool:
    if n_ref and n_cur:
        return False
    if not n_ref and not n_cur:
        row["test"], row["note"] = "none", "no non-missing values on either side"
    else:
        side = "reference" if not n_ref else "current"
        row["test"], row["note"] = "missing", f"no non-missing values in the {side}"
    return True


def _add_note(row: dict[str, Any], note: str) -> None:
    if note:
        row["note"] = f"{row['note']}; {note}" if row["note"] else note


def _counts_in(v: np.ndarray, edges: np.ndarray, is_sorted: bool) -> np.ndarray:
    """Counts in the bins (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    if is_sorted:
        return num.bin_counts(v, edges)
    cum = [int(np.count_nonzero(v <= e)) for e in edges]  # a few passes beat a binary search per value
    return np.diff(np.concatenate(([0], cum, [v.size]))).astype(np.int64)


def _numeric(name: str, role: str, ref: NumericRef, cur: pd.Series, method: str, bins: int) -> tuple[dict, dict]:
    exact = ref.values is not None  # else a sketch: the current is counted on a grid, never sorted
    v, n_nan, n_pos, n_neg = num.split_finite(C.numeric_values(cur, ref.kind), sort=exact)
    scale = num.scale_for(ref.values if exact else ref.sketch.edges, v, size=ref.n + v.size) if ref.n else 1.0
    if scale != 1.0:  # values near the float limit: computed in exactly scaled units
        ref, v = ref.scaled(scale), v / scale
    row = _row(name, role, ref.kind, ref.n, v.size, ref.n_missing, n_nan)
    if n_pos + n_neg or ref.n_posinf + ref.n_neginf:
        _add_note(row, f"infinite values left out (reference {ref.n_posinf + ref.n_neginf}, current {n_pos + n_neg})")
    grid = None
    if not exact and ref.n and v.size:
        d, w, grid = num.ks_wasserstein_sketch(ref.sketch, v)
    if exact:
        def cur_quantile(t: float) -> float:
            return float(v[min(int(t * v.size), v.size - 1)])
    else:
        def cur_quantile(t: float) -> float:
            return grid.quantile(t) if grid is not None else (float(np.quantile(v, t)) if v.size else math.nan)
    detail = _numeric_detail(ref, v, exact, cur_quantile, n_nan, n_pos + n_neg, bins, grid, scale)
    if _empty_side(row, ref.n, v.size):
        return row, detail
    n_unique: int | None = None
    if exact and ref.n_unique <= FEW_VALUES and _cur_unique(v) <= FEW_VALUES:
        n_unique = int(np.union1d(np.unique(ref.values), np.unique(v)).size)
    test, note = resolve_test(method, True, ref.n, n_unique)
    _add_note(row, note)
    if exact:
        w = num.wasserstein_sorted(ref.values, v)
        d = num.ks_statistic_sorted(ref.values, v) if test == "ks" else math.nan
    norm = max(ref.std, num.STD_FLOOR) if math.isfinite(ref.std) else num.STD_FLOOR
    row["effect_size"] = w / norm
    cur_bins = _counts_in(v, ref.psi_edges, exact)
    row["psi"] = num.psi(ref.psi_counts, cur_bins)
    row["test"] = test
    if test == "ks":
        row["statistic"] = d
        row["p_value"] = num.ks_pvalue(d, ref.n, v.size, ref.values, v)
    elif test == "wasserstein":
        row["statistic"] = row["effect_size"]
    elif test == "psi":
        row["statistic"] = row["psi"]
    else:  # chi2 / jensenshannon on the distinct values (<= 5 of them) or on the reference deciles
        if n_unique is not None:
            rk, rc = C.numeric_category_counts(ref.values)
            ck, cc = C.numeric_category_counts(v)
            _, r, c = align_categories(rk, rc, 0, ck, cc, len(rk) + len(ck))
        else:
            r, c = ref.psi_counts, cur_bins
            _add_note(row, f"{test} on the reference deciles")
        if test == "chi2":
            row["statistic"], row["p_value"] = cat.chi2_homogeneity(r, c)
        else:
            row["statistic"] = cat.jensen_shannon(r, c)
    if ref.n_unique == 1:
        _add_note(row, "constant in the reference")
    return row, detail


def _numeric_detail(ref: NumericRef, v: np.ndarray, is_sorted: bool, cur_quantile: Any, cur_missing: int,
                    cur_inf: int, bins: int, grid: Any = None, scale: float = 1.0) -> dict[str, Any]:
    lows = [x for x in (ref.quantile(0.005), cur_quantile(0.005) if v.size else math.nan) if math.isfinite(x)]
    highs = [x for x in (ref.quantile(0.995), cur_quantile(0.995) if v.size else math.nan) if math.isfinite(x)]
    detail: dict[str, Any] = {
        "type": "hist", "datetime": ref.kind == C.DATETIME, "ref_missing": ref.n_missing, "cur_missing": cur_missing,
        "ref_inf": ref.n_posinf + ref.n_neginf, "cur_inf": cur_inf,
    }
    if not lows:
        detail.update(edges=[], ref=[], cur=[])
        return detail
    lo, hi = min(lows), max(highs)
    if hi <= lo:
        lo, hi, bins = lo - 0.5, hi + 0.5, 1
    edges = np.linspace(lo, hi, bins + 1)
    inner = edges[1:-1]
    ref_counts = np.diff(np.concatenate(([0], ref.cdf_counts(inner), [ref.n]))) if ref.n else np.zeros(bins, int)
    if grid is not None:  # display only: counts read off the fine grid (exact to one of 2**20 cells)
        cur_counts = np.diff(np.concatenate(([0], grid.count_le(inner), [v.size])))
    else:
        cur_counts = _counts_in(v, inner, is_sorted) if v.size else np.zeros(bins, int)
    detail.update(edges=[_sig(x * scale) for x in edges], ref=np.maximum(ref_counts, 0).tolist(),
                  cur=cur_counts.tolist())
    return detail


def align_categories(rk: list, rc: np.ndarray, r_other: int, ck: list, cc: np.ndarray,
                     max_categories: int, seen: SeenKeys | None = None,
                     singletons: int = 0) -> tuple[list, np.ndarray, np.ndarray]:
    """Both sides' counts over one list of categories, with ``(other)`` and ``(new)`` bins.

    ``(other)`` is the reference's grouped tail. A current value outside the kept categories goes there
    when the reference had it (``seen``), else to ``(new)``. The reference side of ``(new)`` is what a
    sample from the same distribution would show as new: by Good and Turing, the share of categories seen
    once (``singletons``), moved there out of the tail. So a high-cardinality column drawn again from the
    same distribution does not drift, and disjoint or mostly-new categories do. Without ``seen`` (a summary
    written before it existed) every unknown value goes to ``(other)``, as it did then. Without a tail, new
    current values are listed by name up to ``max_categories``, the rest in ``(new)``.
    """
    index = {k: i for i, k in enumerate(rk)}
    labels = list(rk)
    r = list(np.asarray(rc).tolist())
    c = [0] * len(rk)
    other_c = new_c = 0
    r_new = min(singletons, r_other) if seen is not None else 0
    order = np.argsort(-np.asarray(cc), kind="stable") if len(ck) else np.empty(0, dtype=np.int64)
    in_tail: dict[int, bool] = {}
    if r_other and seen is not None:
        unknown = [i for i in order if ck[i] not in index]
        in_tail = dict(zip(unknown, seen.contains([ck[i] for i in unknown]).tolist()))
    for i in order:
        k, count = ck[i], int(cc[i])
        j = index.get(k)
        if j is not None:
            c[j] += count
        elif r_other:
            if in_tail.get(i, seen is None):
                other_c += count
            else:
                new_c += count
        elif len(labels) < max_categories:
            index[k] = len(labels)
            labels.append(k)
            r.append(0)
            c.append(count)
        else:
            new_c += count
    if r_other - r_new or other_c:
        labels.append(OTHER)
        r.append(r_other - r_new)
        c.append(other_c)
    if new_c or r_new:
        labels.append(NEW)
        r.append(r_new)
        c.append(new_c)
    return labels, np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64)


def _categorical(name: str, role: str, ref: CategoricalRef, cur: pd.Series, plan: C.ColumnPlan, method: str,
                 max_categories: int) -> tuple[dict, dict]:
    if ref.numeric_keys:
        v, n_nan, n_pos, n_neg = num.split_finite(C.numeric_values(cur, C.NUMERIC))
        ck, cc = C.numeric_category_counts(v)
        cur_missing = n_nan + n_pos + n_neg
    else:
        ck, cc, cur_missing = C.category_counts(cur, ref.as_text or plan.as_text)
    labels, r, c = align_categories(ref.keys, ref.counts, ref.other, ck, cc, max_categories, ref.seen,
                                    ref.singletons)
    row = _row(name, role, ref.kind, ref.n, int(c.sum()), ref.n_missing, cur_missing)
    detail = _categorical_detail(labels, r, c, ref.n_missing, cur_missing)
    if ref.other:
        _add_note(row, f"{ref.n_categories - len(ref.keys)} rarest categories grouped as {OTHER}")
    if labels and labels[-1] == NEW and c[-1]:
        _add_note(row, f"{int(c[-1]):,} current values in categories the reference never had, counted as {NEW}")
    if _empty_side(row, ref.n, int(c.sum())):
        return row, detail
    test, note = resolve_test(method, False, ref.n, None)
    _add_note(row, note)
    row["test"] = test
    row["effect_size"] = cat.jensen_shannon(r, c)
    row["psi"] = cat.psi(r, c)
    if test == "chi2":
        row["statistic"], row["p_value"] = cat.chi2_homogeneity(*_tail_merged(labels, r, c))
    elif test == "psi":
        row["statistic"] = row["psi"]
    else:
        row["statistic"] = row["effect_size"]
    if ref.n_categories == 1:
        _add_note(row, "constant in the reference")
    return row, detail


def _tail_merged(labels: list, r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The counts with ``(new)`` folded into ``(other)``, for chi-square.

    Chi-square is used on small references (at most 1,000 rows), where a grouped tail is sparse and the
    Good-Turing share in ``(new)`` too rough an expectation for a p-value; the categories kept by name
    carry the test there (disjoint data empties them). Distances (Jensen-Shannon, PSI) keep ``(new)``.
    """
    if len(labels) >= 2 and labels[-1] == NEW and labels[-2] == OTHER:
        r = np.append(r[:-2], r[-2] + r[-1])
        c = np.append(c[:-2], c[-2] + c[-1])
    return r, c


def _categorical_detail(labels: list, r: np.ndarray, c: np.ndarray, ref_missing: int, cur_missing: int) -> dict:
    rs = r / max(r.sum(), 1)
    cs = c / max(c.sum(), 1)
    order = np.argsort(-np.maximum(rs, cs), kind="stable")
    keep = [i for i in order if labels[i] != OTHER][:DISPLAY_CATEGORIES]
    rest = [i for i in range(len(labels)) if i not in set(keep)]
    out_labels = [str(labels[i]) for i in keep]
    ref_out, cur_out = [int(r[i]) for i in keep], [int(c[i]) for i in keep]
    if rest:
        out_labels.append(OTHER)
        ref_out.append(int(r[rest].sum()))
        cur_out.append(int(c[rest].sum()))
    return {"type": "bars", "labels": out_labels, "ref": ref_out, "cur": cur_out,
            "ref_missing": ref_missing, "cur_missing": cur_missing}


def score_column(name: str, role: str, ref: ColumnRef, cur: pd.Series, plan: C.ColumnPlan, method: str,
                 max_categories: int, bins: int = DISPLAY_BINS) -> tuple[dict[str, Any], dict[str, Any]]:
    """The table row and the display detail of one column."""
    if isinstance(ref, NumericRef):
        row, detail = _numeric(name, role, ref, cur, method, bins)
    else:
        row, detail = _categorical(name, role, ref, cur, plan, method, max_categories)
    _add_note(row, plan.note)
    return row, detail
