"""Large numeric columns without sorting: both samples counted on one fine uniform grid.

For a reference over 1,000 values the auto test is the normed Wasserstein distance, which needs the two
CDFs, not the sorted rows. Counting both samples on a uniform grid of about one cell per two to four values (one
``bincount`` each, no sort) gives both CDFs at every cell boundary, and from them the Wasserstein distance
(midpoint rule: error below one cell width), the reference deciles for PSI (to within one cell), the
display histograms and quantiles. When the grid is too coarse for the data (a cell holding over 1% of a
sample: heavy outliers or discrete values) or a test needs the exact rows (KS, chi-square on few values),
:func:`score_numeric_grid` returns None and the exact, sort-based path runs instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import columns as C
from . import numeric as num
from .verdict import resolve_test

__all__ = ["GRID_MIN_VALUES", "score_numeric_grid"]

GRID_MIN_VALUES = 50_000  # reference + current values from which the grid path is tried
MAX_CELLS = 1 << 20
MAX_CELL_SHARE = 0.01


def _counts(x: np.ndarray, lo: float, inv_step: float, cells: int) -> np.ndarray:
    return np.bincount(np.clip((x - lo) * inv_step, 0, cells - 1).astype(np.int64), minlength=cells)


def score_numeric_grid(name: str, role: str, ref_s: pd.Series, cur_s: pd.Series, plan: C.ColumnPlan,
                       method: str, bins: int) -> tuple[dict, dict] | None:
    """The row and display detail of a large numeric column, or None to use the exact path."""
    from .score import _add_note, _row, _sig

    xr, r_nan, r_pos, r_neg = num.split_finite(C.numeric_values(ref_s, plan.kind), sort=False)
    xc, c_nan, c_pos, c_neg = num.split_finite(C.numeric_values(cur_s, plan.kind), sort=False)
    n, m = xr.size, xc.size
    if n <= 1000 or m == 0 or n + m < GRID_MIN_VALUES:
        return None
    test, note = resolve_test(method, True, n, None)
    if test not in ("wasserstein", "psi"):
        return None
    scale = num.scale_for(xr, xc)
    if scale != 1.0:  # values near the float limit: computed in exactly scaled units
        xr, xc = xr / scale, xc / scale
    lo, hi = float(min(xr.min(), xc.min())), float(max(xr.max(), xc.max()))
    if not hi > lo:
        return None
    cells = int(min(MAX_CELLS, max(4096, 1 << int((n + m) // 4).bit_length())))
    step = (hi - lo) / cells
    cr, cc = _counts(xr, lo, 1.0 / step, cells), _counts(xc, lo, 1.0 / step, cells)
    if cr.max() > max(50, MAX_CELL_SHARE * n) or cc.max() > max(50, MAX_CELL_SHARE * m):
        return None  # too coarse here (outliers or discrete values): the exact path is right
    cum_r, cum_c = np.cumsum(cr), np.cumsum(cc)  # values below the right boundary of each cell
    gap = np.abs(cum_r / n - cum_c / m)
    w = float((gap.sum() - gap[-1] / 2) * step)
    std = num.mean_std(xr)[1]
    effect = w / max(std, num.STD_FLOOR)

    def cell_of(q: float, cum: np.ndarray, size: int) -> int:
        return int(np.searchsorted(cum, q * size, side="left"))

    ks = np.unique([cell_of(q, cum_r, n) for q in np.arange(1, 10) / 10])
    ks = ks[ks < cells - 1]
    ref_bins = np.diff(np.concatenate(([0], cum_r[ks], [n])))
    cur_bins = np.diff(np.concatenate(([0], cum_c[ks], [m])))
    psi = num.psi(ref_bins, cur_bins)

    row = _row(name, role, plan.kind, n, m, r_nan, c_nan)
    row.update(test=test, effect_size=effect, psi=psi, statistic=effect if test == "wasserstein" else psi)
    _add_note(row, note)
    if r_pos + r_neg or c_pos + c_neg:
        _add_note(row, f"infinite values left out (reference {r_pos + r_neg}, current {c_pos + c_neg})")

    def edge(k: int) -> float:
        return lo + step * (k + 1)

    d_lo = min(edge(cell_of(0.005, cum_r, n)), edge(cell_of(0.005, cum_c, m)))
    d_hi = max(edge(cell_of(0.995, cum_r, n)), edge(cell_of(0.995, cum_c, m)))
    if not d_hi > d_lo:
        d_lo, d_hi, bins = d_lo - 0.5, d_hi + 0.5, 1
    edges = np.linspace(d_lo, d_hi, bins + 1)
    k = np.clip(np.floor((edges[1:-1] - lo) / step).astype(np.int64) - 1, -1, cells - 1)

    def hist(cum: np.ndarray, size: int) -> list[int]:
        le = np.where(k < 0, 0, cum[np.maximum(k, 0)])
        return np.diff(np.concatenate(([0], le, [size]))).tolist()

    detail: dict[str, Any] = {
        "type": "hist", "datetime": plan.kind == C.DATETIME, "ref_missing": r_nan, "cur_missing": c_nan,
        "ref_inf": r_pos + r_neg, "cur_inf": c_pos + c_neg, "edges": [_sig(x * scale) for x in edges],
        "ref": hist(cum_r, n), "cur": hist(cum_c, m),
    }
    if not math.isfinite(effect):
        return None
    return row, detail
