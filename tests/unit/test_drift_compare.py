"""compare(): method selection, verdicts, thresholds and every edge case of the issue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlops_magics.core.errors import MlopsError, MlopsUsageError
from mlops_magics.drift import DriftDetected, compare


def _row(result, column):
    return result.table.set_index("column").loc[column]


@pytest.fixture
def frames():
    rng = np.random.default_rng(0)
    n = 500
    ref = pd.DataFrame({
        "x": rng.normal(size=n), "y": rng.normal(size=n), "cat": rng.choice(list("abc"), n),
        "flag": rng.random(n) < 0.5, "small_int": rng.integers(0, 4, n),
    })
    cur = ref.copy()
    cur["x"] = rng.normal(1.0, size=n)
    return ref, cur


def test_small_reference_uses_ks_and_chi2(frames):
    ref, cur = frames
    r = compare(ref, cur)
    tests = dict(zip(r.table["column"], r.table["test"]))
    assert tests == {"x": "ks", "y": "ks", "cat": "chi2", "flag": "chi2", "small_int": "chi2"}
    x = _row(r, "x")
    assert x["drift"] and x["p_value"] == pytest.approx(stats.ks_2samp(ref["x"], cur["x"]).pvalue)
    assert _row(r, "small_int")["kind"] == "categorical"  # <= 10 distinct integers, as in Evidently
    assert r.n_drifted == 1 and not r.dataset_drift
    assert list(r.table.columns[:6]) == ["column", "role", "kind", "test", "statistic", "p_value"]


def test_large_reference_uses_distances():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("abcd"), 3000)})
    cur = pd.DataFrame({"x": rng.normal(0.05, size=3000), "c": rng.choice(list("abcd"), 3000, p=[.7, .1, .1, .1])})
    r = compare(ref, cur)
    x, c = _row(r, "x"), _row(r, "c")
    assert (x["test"], c["test"]) == ("wasserstein", "jensenshannon")
    assert not x["drift"] and c["drift"]  # a 0.05 sd shift is not drift at 0.1; the reweighting is
    assert np.isnan(x["p_value"]) and x["statistic"] == x["effect_size"]
    assert r.dataset_drift  # 1 of 2 columns: at least half


def test_numeric_with_few_values_is_tested_as_categories():
    ref = pd.DataFrame({"v": np.tile([0.5, 1.5, 2.5], 100)})
    cur = pd.DataFrame({"v": np.tile([0.5, 1.5, 1.5], 100)})
    assert _row(compare(ref, cur), "v")["test"] == "chi2"
    big_ref = pd.DataFrame({"v": np.tile([0.5, 1.5, 2.5], 500)})
    assert _row(compare(big_ref, cur), "v")["test"] == "jensenshannon"


def test_threshold_reevaluation_without_recomputing(frames):
    ref, cur = frames
    r = compare(ref, cur)
    strict = r.with_threshold(1e-300)
    assert strict.n_drifted == 0 and (strict.table["statistic"].equals(r.table["statistic"]))
    loose = r.with_threshold(p_value=0.99)
    assert loose.thresholds == {"p_value": 0.99, "distance": 0.1}
    assert loose.n_drifted >= r.n_drifted
    assert r.with_threshold(0.05).table["drift"].tolist() == r.table["drift"].tolist()
    with pytest.raises(MlopsUsageError):
        r.with_threshold(-1)


def test_benjamini_hochberg_correction_is_applied_before_the_threshold(frames):
    ref, cur = frames
    r = compare(ref, cur, correction="bh")
    assert "p_value_adj" in r.table.columns
    p = r.table["p_value"].to_numpy()
    assert np.allclose(r.table["p_value_adj"], stats.false_discovery_control(p, method="bh"))
    assert r.with_threshold(correction=None).table.columns.tolist() == compare(ref, cur).table.columns.tolist()


def test_forced_methods_and_categorical_analogues(frames):
    ref, cur = frames
    r = compare(ref, cur, method="wasserstein")
    assert _row(r, "x")["test"] == "wasserstein" and _row(r, "cat")["test"] == "jensenshannon"
    assert "jensenshannon used" in _row(r, "cat")["note"]
    psi = compare(ref, cur, method="psi")
    assert set(psi.table["test"]) == {"psi"}
    assert (psi.table["statistic"] == psi.table["psi"]).all()
    assert _row(compare(ref, cur, method="chi2"), "x")["test"] == "chi2"
    with pytest.raises(MlopsUsageError, match="unknown drift method"):
        compare(ref, cur, method="magic")


def test_nan_and_infinities_are_left_out_and_counted():
    ref = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0, np.inf, 5.0, 6.0, 7.0]})
    cur = pd.DataFrame({"x": [1.0, np.nan, np.nan, -np.inf, 2.0, 3.0, 4.0, 5.0]})
    row = _row(compare(ref, cur), "x")
    assert (row["missing_ref"], row["missing_cur"], row["n_ref"], row["n_cur"]) == (1, 2, 6, 5)
    assert "infinite" in row["note"]
    assert row["p_value"] == pytest.approx(stats.ks_2samp([1, 2, 4, 5, 6, 7], [1, 2, 3, 4, 5]).pvalue)


def test_empty_frames_and_missing_columns_are_one_line_errors(frames):
    ref, cur = frames
    with pytest.raises(MlopsUsageError, match="current frame is empty"):
        compare(ref, cur.iloc[:0])
    with pytest.raises(MlopsUsageError, match="no columns"):
        compare(pd.DataFrame(index=range(3)), cur)
    with pytest.raises(MlopsUsageError, match="'nope' is in neither"):
        compare(ref, cur, columns="x,nope")
    with pytest.raises(MlopsUsageError, match="'x' is in the reference but not in the current"):
        compare(ref, cur.drop(columns="x"), columns=["x"])
    with pytest.raises(MlopsUsageError, match="share no column"):
        compare(ref[["x"]], cur[["y"]].rename(columns={"y": "z"}))
    with pytest.raises(MlopsUsageError, match="DataFrame"):
        compare([1, 2], cur)


def test_columns_on_one_side_only_are_listed(frames):
    ref, cur = frames
    r = compare(ref.assign(old=1.0), cur.assign(new="n"))
    assert r.skipped == {"only in reference": ["old"], "only in current": ["new"]}
    assert "only in reference: old" in repr(r)


def test_constant_columns():
    ref = pd.DataFrame({"k": np.zeros(50), "s": ["a"] * 50})
    same = compare(ref, ref.copy())
    assert not same.table["drift"].any()
    assert all("constant" in n for n in same.table["note"])
    moved = compare(ref, pd.DataFrame({"k": np.ones(50), "s": ["b"] * 50}))
    assert moved.table["drift"].all()


def test_all_missing_on_one_side_is_drift():
    ref = pd.DataFrame({"x": np.arange(20.0)})
    cur = pd.DataFrame({"x": [np.nan] * 20})
    row = _row(compare(ref, cur), "x")
    assert row["test"] == "missing" and row["drift"] and "current" in row["note"]


def test_mixed_object_columns_booleans_and_datetimes():
    ref = pd.DataFrame({
        "mixed": [1, "a", 2.5, None, "a", 1] * 20,
        "b": [True, False, True, None, True, False] * 20,
        "t": pd.date_range("2024-01-01", periods=120, freq="h", tz="Europe/Paris"),
    })
    cur = ref.copy()
    cur["t"] = cur["t"] + pd.Timedelta(days=30)
    r = compare(ref, cur)
    assert _row(r, "mixed")["note"] == "mixed types; compared as text" and not _row(r, "mixed")["drift"]
    assert _row(r, "b")["kind"] == "boolean" and _row(r, "b")["missing_ref"] == 20
    assert _row(r, "t")["kind"] == "datetime" and _row(r, "t")["drift"]
    assert r.details["t"]["datetime"]


def test_differing_dtypes_between_frames():
    ref = pd.DataFrame({"n": np.arange(100), "s": np.arange(100.0), "d": pd.date_range("2024", periods=100)})
    cur = pd.DataFrame({"n": np.arange(100.0), "s": [str(i) for i in range(100)],
                        "d": [str(x.date()) for x in pd.date_range("2024", periods=100)]})
    r = compare(ref, cur)
    assert _row(r, "n")["kind"] == "numeric" and not _row(r, "n")["drift"]
    assert "compared as numbers" in _row(r, "s")["note"] and not _row(r, "s")["drift"]
    assert "compared as datetimes" in _row(r, "d")["note"] and not _row(r, "d")["drift"]
    text = compare(pd.DataFrame({"v": [1.5, 2.5] * 10}), pd.DataFrame({"v": ["x", "y"] * 10}))
    assert "compared as text" in _row(text, "v")["note"] and _row(text, "v")["drift"]


def test_high_cardinality_tail_is_grouped():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"id": [f"u{i}" for i in rng.integers(0, 5000, 4000)]})
    cur = pd.DataFrame({"id": [f"u{i}" for i in rng.integers(0, 5000, 4000)]})
    r = compare(ref, cur, max_categories=50)
    row = _row(r, "id")
    assert "grouped as (other)" in row["note"]
    assert len(r.details["id"]["labels"]) <= 21 and r.details["id"]["labels"][-1] == "(other)"


def test_new_categories_in_current_are_named():
    ref = pd.DataFrame({"c": ["a", "b"] * 30})
    cur = pd.DataFrame({"c": ["a", "b", "zzz"] * 20})
    r = compare(ref, cur)
    assert "zzz" in r.details["c"]["labels"] and _row(r, "c")["drift"]


def test_target_and_prediction_roles(frames):
    ref, cur = frames
    r = compare(ref, cur, columns="x", target="cat", prediction="flag")
    assert dict(zip(r.table["column"], r.table["role"])) == {"x": "feature", "cat": "target", "flag": "prediction"}
    with pytest.raises(MlopsUsageError, match="'label'"):
        compare(ref, cur, target="label")


def test_raise_if_drift_and_json(frames):
    ref, cur = frames
    r = compare(ref[["x"]], cur[["x"]])
    with pytest.raises(DriftDetected, match="1 of 1 columns drifted \\(x\\)") as info:
        r.raise_if_drift()
    assert isinstance(info.value, MlopsError)
    (line,) = info.value._render_traceback_()
    assert "DriftDetected" in line and line.endswith(f": {info.value}")
    data = r.to_dict()
    assert data["dataset_drift"] and data["columns"][0]["column"] == "x"
    import json

    json.loads(r.to_json())  # strict JSON: no NaN
    metrics = r.metrics()
    assert metrics["drift.dataset_drift"] == 1.0 and "drift.x.p_value" in metrics


def test_series_and_non_string_column_names():
    r = compare(pd.DataFrame({0: np.arange(10.0)}), pd.DataFrame({0: np.arange(10.0)}))
    assert r.table["column"].tolist() == ["0"]


def test_large_numeric_columns_use_the_grid_and_agree_with_the_exact_path(monkeypatch):
    from mlops_magics.core.drift import fastgrid

    rng = np.random.default_rng(5)
    n = 40_000
    ref = pd.DataFrame({"a": rng.normal(size=n), "b": rng.exponential(size=n), "t": rng.normal(size=n)})
    cur = pd.DataFrame({"a": rng.normal(0.2, size=n), "b": rng.exponential(1.05, size=n), "t": rng.normal(size=n)})
    ref.loc[:5, "t"], cur.loc[:5, "t"] = 1e12, -1e12  # far outliers: the grid is too coarse, exact path
    ref.loc[10:20, "a"] = np.nan
    grid = compare(ref, cur).table.set_index("column")
    monkeypatch.setattr(fastgrid, "GRID_MIN_VALUES", 10**12)
    exact = compare(ref, cur).table.set_index("column")
    assert (grid["test"] == "wasserstein").all() and (grid["drift"] == exact["drift"]).all()
    assert np.allclose(grid["effect_size"], exact["effect_size"], rtol=1e-3)
    assert np.allclose(grid["psi"], exact["psi"], atol=1e-3)
    assert grid.loc["t", "effect_size"] == exact.loc["t", "effect_size"]  # fell back to the exact path
    assert grid.loc["a", "missing_ref"] == 11
