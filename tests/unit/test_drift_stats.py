"""The drift statistics against scipy and hand-written formulas."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from mlops_magics.core.drift import categorical as cat
from mlops_magics.core.drift import numeric as num
from mlops_magics.core.drift.summary import _sketch
from mlops_magics.core.drift.verdict import benjamini_hochberg


@pytest.mark.parametrize("seed", range(60))
def test_ks_and_wasserstein_match_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 60, size=2)
    if seed % 2:
        u, v = rng.normal(size=n), rng.normal(0.3, size=m)
    else:  # heavy ties within and across samples
        u, v = rng.integers(0, 5, n).astype(float), rng.integers(1, 6, m).astype(float)
    u, v = np.sort(u), np.sort(v)
    d, w = num.ks_statistic_sorted(u, v), num.wasserstein_sorted(u, v)
    ref = stats.ks_2samp(u, v)
    assert d == pytest.approx(ref.statistic, abs=1e-12)
    assert num.ks_pvalue(d, n, m, u, v) == pytest.approx(ref.pvalue, rel=1e-12)
    assert w == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-9, abs=1e-12)


def test_ks_asymptotic_pvalue_matches_scipy_on_large_samples():
    rng = np.random.default_rng(0)
    u, v = np.sort(rng.normal(size=12_000)), np.sort(rng.normal(0.03, size=15_000))
    d = num.ks_statistic_sorted(u, v)
    ref = stats.ks_2samp(u, v)  # auto -> asymptotic above 10,000
    assert d == pytest.approx(ref.statistic, abs=1e-12)
    assert num.ks_pvalue(d, u.size, v.size) == pytest.approx(ref.pvalue, rel=1e-9)


def test_sketch_approximates_the_exact_statistics():
    rng = np.random.default_rng(1)
    u, v = np.sort(rng.normal(size=50_000)), np.sort(rng.normal(0.2, 1.1, size=20_000))
    d, w = num.ks_statistic_sorted(u, v), num.wasserstein_sorted(u, v)
    shuffled = rng.permutation(v)  # the current side is never sorted against a sketch
    ds, ws, _ = num.ks_wasserstein_sketch(_sketch(u), shuffled)
    assert ds == pytest.approx(d, abs=2e-3)
    assert ws == pytest.approx(w, rel=1e-2)
    far = np.concatenate([v, [1e9, -1e9]])  # far outliers: exact tails, no loss of resolution
    _, wf, _ = num.ks_wasserstein_sketch(_sketch(u), rng.permutation(far))
    assert wf == pytest.approx(num.wasserstein_sorted(u, np.sort(far)), rel=1e-2)


def test_wasserstein_of_equal_sizes_is_the_mean_gap():
    rng = np.random.default_rng(2)
    u, v = np.sort(rng.normal(size=500)), np.sort(rng.normal(1, size=500))
    assert num.wasserstein_sorted(u, v) == pytest.approx(stats.wasserstein_distance(u, v))


def test_split_finite_counts_missing_and_infinities():
    x = np.array([3.0, np.nan, np.inf, -np.inf, 1.0, np.nan])
    out, n_nan, n_pos, n_neg = num.split_finite(x)
    assert out.tolist() == [1.0, 3.0] and (n_nan, n_pos, n_neg) == (2, 1, 1)
    assert np.isnan(x[1])  # the input is untouched


def test_chi2_matches_chi2_contingency():
    r, c = np.array([30, 50, 20, 0]), np.array([40, 35, 30, 0])
    stat, p = cat.chi2_homogeneity(r, c)
    ref = stats.chi2_contingency(np.vstack([r, c])[:, :3], correction=False)
    assert stat == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)


def test_chi2_with_two_categories_equals_the_two_proportion_z_test():
    r, c = np.array([60, 40]), np.array([45, 55])
    _, p = cat.chi2_homogeneity(r, c)
    p1, p2 = r[0] / r.sum(), c[0] / c.sum()
    pooled = (r[0] + c[0]) / (r.sum() + c.sum())
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / r.sum() + 1 / c.sum()))
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_chi2_of_a_single_category_is_no_evidence():
    assert cat.chi2_homogeneity(np.array([10]), np.array([20])) == (0.0, 1.0)


def test_jensen_shannon_matches_scipy():
    r, c = np.array([5, 0, 3, 2]), np.array([1, 4, 3, 0])
    expected = distance.jensenshannon(r / r.sum(), c / c.sum())
    assert cat.jensen_shannon(r, c) == pytest.approx(expected)


def test_psi_matches_the_hand_written_formula():
    ref = np.sort(np.arange(1.0, 101.0))  # deciles at 11, 21, ..., 91
    cur = np.sort(np.concatenate([np.full(30, 5.0), np.arange(40.0, 110.0)]))
    edges = num.psi_edges(ref)
    assert edges.tolist() == [11.0, 21.0, 31.0, 41.0, 51.0, 61.0, 71.0, 81.0, 91.0]
    rc, cc = num.bin_counts(ref, edges), num.bin_counts(cur, edges)
    assert rc.tolist() == [11, 10, 10, 10, 10, 10, 10, 10, 10, 9]
    expected = 0.0
    for r_n, c_n in zip(rc, cc):
        rp, cp = max(r_n / 100, 1e-4), max(c_n / 100, 1e-4)
        expected += (cp - rp) * np.log(cp / rp)
    assert num.psi(rc, cc) == pytest.approx(expected)
    assert num.psi(rc, rc) == 0.0


def test_benjamini_hochberg_matches_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001, 0.5])
    adjusted = benjamini_hochberg(p)
    ok = ~np.isnan(p)
    assert np.allclose(adjusted[ok], stats.false_discovery_control(p[ok], method="bh"))
    assert np.isnan(adjusted[4])
