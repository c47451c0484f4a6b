"""Reference summaries: JSON round trips, and scoring against a summary equals scoring against the rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_magics.core.drift import ReferenceSummary
from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.drift import compare, summarize

STATS = ["test", "statistic", "p_value", "psi", "effect_size", "drift", "n_ref", "n_cur", "missing_ref", "missing_cur"]


def _frames(n_ref: int, n_cur: int, seed: int = 0):
    rng = np.random.default_rng(seed)

    def make(n, shift):
        return pd.DataFrame({
            "x": rng.normal(shift, size=n), "k": rng.integers(0, 7, n), "c": rng.choice(list("abcde"), n),
            "b": rng.random(n) < 0.3 + shift / 4, "few": rng.choice([0.5, 1.5], n),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
            "m": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n)),
        })

    return make(n_ref, 0.0), make(n_cur, 0.4)


def test_summary_round_trips_through_json_and_scores_the_same(tmp_path):
    ref, cur = _frames(400, 300)
    summary = summarize(ref, source="train@v1")
    path = summary.save(tmp_path / "ref.json")
    loaded = ReferenceSummary.load(path)
    assert json.loads(path.read_text())["format"] == "mlops_magics.drift.summary/1"
    a, b = compare(summary, cur), compare(loaded, cur)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.details == b.details


def test_exact_summary_scores_like_the_rows():
    ref, cur = _frames(800, 500)  # <= 1000 distinct values per column: the summary is exact
    rows, summ = compare(ref, cur), compare(summarize(ref), cur)
    pd.testing.assert_frame_equal(rows.table[STATS], summ.table[STATS])
    assert rows.details == summ.details


def test_sketched_summary_is_close_to_the_rows():
    ref, cur = _frames(20_000, 5_000, seed=3)  # many distinct values: a 1,000-bin quantile sketch
    rows, summ = compare(ref, cur), compare(summarize(ref), cur)
    a, b = rows.table.set_index("column"), summ.table.set_index("column")
    assert (a["test"] == b["test"]).all() and (a["drift"] == b["drift"]).all()
    assert np.allclose(a["psi"], b["psi"])  # PSI bins are stored exactly
    assert np.allclose(a["effect_size"], b["effect_size"], rtol=0.02, atol=2e-3)
    sketch = summarize(ref).columns["x"]
    assert sketch.values is None and len(sketch.sketch.edges) <= 1001
    assert len(summarize(ref).to_json()) < 200_000


def test_summary_of_a_categorical_tail_and_new_values():
    ref = pd.DataFrame({"c": [f"v{i % 300}" for i in range(3000)]})
    summary = summarize(ref, max_categories=20)
    col = summary.columns["c"]
    assert len(col.keys) == 20 and col.other == 2800 and col.n_categories == 300
    cur = pd.DataFrame({"c": ["brand-new"] * 100 + [f"v{i % 300}" for i in range(900)]})
    r = compare(ReferenceSummary.from_json(summary.to_json()), cur)
    assert r.details["c"]["labels"][-1] == "(other)"


def test_summary_against_a_current_of_another_type():
    ref = pd.DataFrame({"x": np.arange(50.0)})
    r = compare(summarize(ref), pd.DataFrame({"x": ["a", "b"] * 25}))
    row = r.table.iloc[0]
    assert row["test"] == "missing" and row["drift"] and "dtypes differ" in row["note"]


def test_summary_errors_are_one_line(tmp_path):
    with pytest.raises(MlopsUsageError, match="not a drift reference summary"):
        ReferenceSummary.from_dict({"format": "other"})
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(MlopsUsageError, match="not valid JSON"):
        ReferenceSummary.load(bad)
    with pytest.raises(MlopsUsageError, match="no reference summary"):
        ReferenceSummary.load(tmp_path / "missing.json")
    with pytest.raises(MlopsUsageError, match="empty"):
        summarize(pd.DataFrame({"x": []}))
