"""Which test a column gets, and whether its result counts as drift.

``method="auto"`` follows Evidently's DataDriftPreset so verdicts are comparable:

* reference of at most 1,000 non-missing values: KS for numeric columns, chi-square for categorical ones
  (and for numeric columns with at most 5 distinct values), drift when the p-value is below 0.05;
* larger references: normed Wasserstein for numeric columns, Jensen-Shannon distance for categorical ones
  (and numeric ones with at most 5 distinct values), drift when the distance is at least 0.1 — on large
  samples a p-value flags differences far too small to matter, a distance does not grow with the sample;
* the dataset drifts when at least half of the compared columns (``drift_share``) drift.

Where Evidently stops, we add: every column also reports PSI (reference deciles) and an effect size (the
normed Wasserstein distance for numbers, the Jensen-Shannon distance for categories) beside any p-value, and
``correction="bh"`` adjusts the p-values of the compared columns for multiple testing (Benjamini-Hochberg)
before they are held against the threshold.
"""

from __future__ import annotations

import numpy as np

from ..errors import MlopsUsageError

__all__ = [
    "DEFAULT_THRESHOLDS",
    "METHODS",
    "P_VALUE_TESTS",
    "auto_test",
    "benjamini_hochberg",
    "check_method",
    "column_drift",
    "resolve_test",
    "score_kind",
    "thresholds_for",
]

METHODS = ("auto", "ks", "chi2", "psi", "wasserstein", "jensenshannon")
P_VALUE_TESTS = ("ks", "chi2")
DEFAULT_THRESHOLDS = {"p_value": 0.05, "distance": 0.1}
SMALL_REFERENCE = 1000  # Evidently: <= 1000 reference rows -> p-value tests
FEW_VALUES = 5  # Evidently: numeric columns with <= 5 distinct values are tested as categories
CORRECTIONS = (None, "bh")

# The analogue of a numeric-only test for a categorical column.
_CATEGORICAL_ANALOGUE = {"ks": "chi2", "wasserstein": "jensenshannon"}


def auto_test(numeric: bool, n_ref: int, n_unique: int | None) -> str:
    """Evidently's default test for a column (see the module docstring)."""
    small = n_ref <= SMALL_REFERENCE
    if numeric and (n_unique is None or n_unique > FEW_VALUES):
        return "ks" if small else "wasserstein"
    return "chi2" if small else "jensenshannon"


def resolve_test(method: str, numeric: bool, n_ref: int, n_unique: int | None) -> tuple[str, str]:
    """The test a column gets under ``method``, with a note when it differs from what was asked."""
    if method == "auto":
        return auto_test(numeric, n_ref, n_unique), ""
    if not numeric and method in _CATEGORICAL_ANALOGUE:
        test = _CATEGORICAL_ANALOGUE[method]
        return test, f"{method} needs numbers; {test} used for this categorical column"
    return method, ""


def score_kind(test: str) -> str:
    """'p_value' for tests judged on their p-value, 'distance' for the others."""
    return "p_value" if test in P_VALUE_TESTS else "distance"


def thresholds_for(threshold: float | None = None, p_value: float | None = None,
                   distance: float | None = None) -> dict[str, float]:
    """Thresholds per kind of score: ``threshold`` sets both (as Evidently's single threshold does)."""
    out = dict(DEFAULT_THRESHOLDS)
    if threshold is not None:
        out = {"p_value": float(threshold), "distance": float(threshold)}
    if p_value is not None:
        out["p_value"] = float(p_value)
    if distance is not None:
        out["distance"] = float(distance)
    for key, value in out.items():
        if not (np.isfinite(value) and value > 0):
            raise MlopsUsageError(f"the {key.replace('_', '-')} threshold must be a positive number, not {value}")
    if out["p_value"] >= 1:
        raise MlopsUsageError(f"a p-value threshold must be below 1, not {out['p_value']}; try 0.05")
    return out


def check_method(method: str, correction: str | None) -> None:
    if method not in METHODS:
        raise MlopsUsageError(f"unknown drift method '{method}'; use one of {', '.join(METHODS)}")
    if correction not in CORRECTIONS:
        raise MlopsUsageError(f"unknown correction '{correction}'; use 'bh' (Benjamini-Hochberg) or none")


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN entries are left out and stay NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return out
    ps = p[ok]
    order = np.argsort(ps)
    ranked = ps[order] * ok.size / np.arange(1, ok.size + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty_like(ps)
    res[order] = np.minimum(adjusted, 1.0)
    out[ok] = res
    return out


def column_drift(test: str, statistic: float, p_value: float, thresholds: dict[str, float]) -> bool:
    """One column's verdict: p below the p-value threshold, or a distance at or above its threshold."""
    if test == "missing":  # one side has no values at all while the other has some
        return True
    if score_kind(test) == "p_value":
        return bool(np.isfinite(p_value) and p_value < thresholds["p_value"])
    return bool(not np.isnan(statistic) and statistic >= thresholds["distance"])  # an infinite distance drifts
