"""Statistics for categorical columns, computed from two aligned count vectors.

Both vectors index the same categories (the union of the two sides, with a grouped tail when there are
more than ``max_categories``); missing values are not a category (they are reported apart).

* **Chi-square**: the test of homogeneity of the 2 x k contingency table, i.e.
  ``scipy.stats.chi2_contingency(table, correction=False)``. Evidently's ``chisquare`` instead runs a
  goodness-of-fit test of the current counts against the reference proportions taken as exact (it ignores
  the reference's own sampling noise, so it is more eager to flag, and it is infinite when a category is new
  in the current data). For two categories ours equals Evidently's two-proportion Z-test (z**2 = chi2), the
  test Evidently picks there.
* **Jensen-Shannon distance**: ``scipy.spatial.distance.jensenshannon(p, q)`` (natural logarithm, so it
  lies in [0, sqrt(ln 2)] ~ [0, 0.83]), Evidently's choice for references over 1,000 rows, threshold 0.1.
* **PSI**: over the same categories, proportions floored at 1e-4.
"""

from __future__ import annotations

import numpy as np

from .numeric import psi

__all__ = ["chi2_homogeneity", "jensen_shannon", "psi"]


def chi2_homogeneity(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """Chi-square statistic and p-value of the 2 x k table (categories empty on both sides dropped)."""
    from scipy import stats

    r = np.asarray(ref_counts, dtype=float)
    c = np.asarray(cur_counts, dtype=float)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    k = r.size
    nr, nc = r.sum(), c.sum()
    if k < 2 or nr == 0 or nc == 0:
        return 0.0, 1.0
    total = r + c
    n = nr + nc
    er = total * (nr / n)
    ec = total * (nc / n)
    stat = float(np.sum((r - er) ** 2 / er) + np.sum((c - ec) ** 2 / ec))
    return stat, float(stats.chi2.sf(stat, k - 1))


def jensen_shannon(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) between the two normalised count vectors."""
    p = np.asarray(ref_counts, dtype=float)
    q = np.asarray(cur_counts, dtype=float)
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float(np.sqrt(max((kl_p + kl_q) / 2.0, 0.0)))
