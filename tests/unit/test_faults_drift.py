"""Drift verdicts that were wrong without a warning (issue 12, item 5), from frames and from stored
reference summaries (JSON round trip): disjoint and mostly-new categories, column names 1 and "1",
values at the float limit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_magics.core.drift.compare import compare
from mlops_magics.core.drift.score import NEW
from mlops_magics.core.drift.summary import ReferenceSummary, summarize
from mlops_magics.core.errors import MlopsUsageError


def _both(reference: pd.DataFrame, current: pd.DataFrame, **kwargs):
    """The result from the frames and from the reference's stored summary (written and read as JSON)."""
    stored = ReferenceSummary.from_json(summarize(reference).to_json())
    return compare(reference, current, **kwargs), compare(stored, current, **kwargs)


def _labels(rng, prefix: str, distinct: int, n: int) -> pd.DataFrame:
    return pd.DataFrame({"city": np.char.add(prefix, rng.integers(0, distinct, n).astype(str))})


def test_disjoint_categories_with_many_values_drift():
    rng = np.random.default_rng(0)
    reference, current = _labels(rng, "a", 12_000, 30_000), _labels(rng, "b", 12_000, 30_000)
    for result in _both(reference, current):
        (row,) = result.table.to_dict(orient="records")
        assert row["test"] == "jensenshannon" and row["drift"] and row["statistic"] > 0.5
        assert "counted as (new)" in row["note"]
        assert NEW in result.details["city"]["labels"]
        json.loads(result.to_json())


def test_disjoint_categories_drift_on_a_small_reference_too():
    rng = np.random.default_rng(3)
    reference, current = _labels(rng, "a", 5_000, 800), _labels(rng, "b", 5_000, 800)
    for result in _both(reference, current):
        assert result.table["test"][0] == "chi2" and bool(result.table["drift"][0])


def test_mostly_new_categories_drift_and_the_same_distribution_does_not():
    rng = np.random.default_rng(1)
    reference = _labels(rng, "a", 12_000, 30_000)
    mostly_new = pd.concat([reference.iloc[:12_000], _labels(rng, "b", 12_000, 18_000)], ignore_index=True)
    same = _labels(rng, "a", 12_000, 30_000)  # 8% of its values are new to the reference by chance alone
    for drifted, steady in zip(_both(reference, mostly_new), _both(reference, same)):
        assert bool(drifted.table["drift"][0]) and drifted.table["statistic"][0] > 0.3
        assert not bool(steady.table["drift"][0]) and steady.table["statistic"][0] < 0.1


def test_an_id_like_column_does_not_drift_against_itself():
    """Every value distinct on both sides: all new, as expected (Good-Turing share of singletons)."""
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"id": [f"r{i}" for i in range(20_000)], "x": rng.normal(size=20_000)})
    current = pd.DataFrame({"id": [f"c{i}" for i in range(20_000)], "x": rng.normal(size=20_000)})
    for result in _both(reference, current):
        assert not bool(result.table.set_index("column").loc["id", "drift"])


def test_a_summary_written_before_it_knew_its_tail_still_scores():
    rng = np.random.default_rng(4)
    reference, current = _labels(rng, "a", 3_000, 20_000), _labels(rng, "a", 3_000, 20_000)
    old = summarize(reference).to_dict()
    for column in old["columns"].values():
        column.pop("seen", None)
        column.pop("singletons", None)
    result = compare(ReferenceSummary.from_dict(old), current)
    assert not bool(result.table["drift"][0]) and NEW not in result.details["city"]["labels"]


@pytest.mark.parametrize("side", ["reference", "current"])
def test_column_names_that_read_the_same_are_refused(side):
    rng = np.random.default_rng(5)
    x = rng.normal(size=2_000)
    clash = pd.DataFrame({1: x, "1": x})
    fine = pd.DataFrame({"1": x})
    frames = (clash, fine) if side == "reference" else (fine, clash)
    with pytest.raises(MlopsUsageError, match=r"read the same as text \(1 and '1'\)") as info:
        compare(*frames)
    assert "\n" not in str(info.value)
    if side == "reference":
        with pytest.raises(MlopsUsageError, match="read the same as text"):
            summarize(clash)


def test_int_and_str_names_kept_apart_when_renamed_show_the_shift():
    rng = np.random.default_rng(6)
    x = rng.normal(size=2_000)
    reference = pd.DataFrame({"1 (int)": x, "1": x})
    current = pd.DataFrame({"1 (int)": x, "1": x + 5})
    drifted = compare(reference, current).drifted_columns
    assert drifted == ["1"]


@pytest.mark.parametrize("n", [1_000, 60_000])  # the exact (sorted) path and the grid path
def test_values_at_the_float_limit_give_right_verdicts_and_serialise(n):
    rng = np.random.default_rng(7)
    base = rng.normal(size=n) * 1e307
    extremes = np.array([1e308, -1e308, 1.7e308, -1.7e308])
    reference = pd.DataFrame({"v": np.r_[base, extremes]})
    steady = pd.DataFrame({"v": np.r_[rng.normal(size=n) * 1e307, extremes]})
    shifted = pd.DataFrame({"v": np.r_[rng.normal(size=n) * 1e307 + 5e307, extremes]})
    for result in (*_both(reference, steady), *_both(reference, shifted)):
        data = json.loads(result.to_json())
        assert data["columns"][0]["statistic"] is not None
        assert all(np.isfinite(v) for v in result.metrics().values())
        edges = result.details["v"]["edges"]
        assert edges and all(np.isfinite(edges))
    for result in _both(reference, steady):
        assert not result.dataset_drift, result.table.to_dict(orient="records")
    small = 2.0 ** -900  # the same data far from the limit (a power of two: exactly): the same statistics
    for current in (steady, shifted):
        for big, tame in zip(_both(reference, current), _both(reference * small, current * small)):
            for key in ("statistic", "p_value", "psi", "effect_size"):
                assert big.table[key][0] == pytest.approx(tame.table[key][0], rel=1e-9, nan_ok=True), key
    for result in _both(reference, shifted):
        assert result.dataset_drift and result.table["effect_size"][0] > 3


def test_only_the_float_limit_on_both_sides():
    reference = pd.DataFrame({"v": [1e308, -1e308] * 300})
    current = pd.DataFrame({"v": [1e308] * 600})
    for result in _both(reference, current):
        assert result.dataset_drift
        json.loads(result.to_json())
    assert json.loads(summarize(reference).to_json())["columns"]["v"]["std"] == pytest.approx(1e308)


def test_drift_log_of_extreme_values_lands_in_a_run(store, store_client, find_runs):
    from mlops_magics.core.tracking.drift_log import log_drift

    reference = pd.DataFrame({"v": [1e308, -1e308, 0.0] * 200, "a/..//b": [1.0, 2.0, 3.0] * 200})
    current = pd.DataFrame({"v": [1e308, 1e308, 0.0] * 200, "a/..//b": [1.0, 2.0, 2.0] * 200})
    result = compare(reference, current)
    run_id = log_drift(result)
    (run,) = find_runs()
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    assert run.data.metrics["drift.n_drifted"] == 2.0
    assert "drift.a/b.drift" in run.data.metrics  # a column name MLflow would refuse as a key, made safe
    report = store_client.download_artifacts(run_id, "drift/drift_report.json")
    assert json.loads(open(report).read())["n_columns"] == 2
