"""Data quality against a stored reference summary: schema, null rates, ranges, unseen categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_magics.core.drift import summarize
from mlops_magics.core.drift.quality import QualityFailed, validate
from mlops_magics.core.drift.summary import ReferenceSummary
from mlops_magics.core.errors import CheckFailed, MlopsUsageError
from mlops_magics.render.formatters import html as html_of
from traffic_factory import FEATURES, customers


@pytest.fixture(scope="module")
def summary():
    """The summary as it comes back from storage (JSON), not the in-memory one."""
    return ReferenceSummary.from_json(summarize(customers(4000, 0)[FEATURES]).to_json())


def test_a_fresh_sample_of_the_same_population_has_no_issues(summary):
    report = validate(summary, customers(5000, 1)[FEATURES])
    assert report.ok, repr(report)
    assert [r["status"] for r in report.rows] == ["ok", "ok", "ok"]
    # a large fresh sample has a few values past the reference's extremes: within the range tolerance
    assert 0 < report.rows[0]["out_of_range"] + report.rows[1]["out_of_range"] < 0.01


def test_each_kind_of_issue_is_found_and_named(summary):
    batch = customers(2000, 2)[FEATURES]
    batch.loc[:399, "charges"] = np.nan                      # 20% missing, the reference had none
    batch.loc[400:499, "tenure"] = 500.0                     # 5% far outside the reference's range
    batch.loc[500:509, "plan"] = "enterprise"                # a category the reference never had
    batch = batch.assign(region="north")                     # an extra column
    report = validate(summary, batch)
    found = {(i.column, i.check) for i in report.issues}
    assert found == {("charges", "nulls"), ("tenure", "out of range"), ("plan", "unseen categories"),
                     ("region", "extra column")}
    text = repr(report)
    assert "20.0% missing, reference 0.0%" in text
    assert "5.0% of values (100) outside [" in text and "batch min" in text and "max 500" in text
    assert "'enterprise'" in text and "0.5% of rows" in text
    assert report.count("nulls") == 1 and not report.ok
    metrics = report.metrics()
    assert metrics["quality.issues"] == 4.0
    assert metrics["quality.charges.null_rate"] == pytest.approx(0.2)
    assert metrics["quality.plan.unseen"] == pytest.approx(10 / 2000)


def test_schema_changes_missing_and_retyped_columns(summary):
    batch = customers(500, 3)[FEATURES].drop(columns=["plan"])
    batch["tenure"] = batch["tenure"].astype(str) + " months"  # numbers arriving as text
    report = validate(summary, batch)
    assert {(i.column, i.check) for i in report.issues} == {("plan", "missing column"), ("tenure", "retyped")}
    retyped = next(i for i in report.issues if i.check == "retyped")
    assert retyped.detail == "was numeric (float64), now categorical (object)"
    # a reference column a batch need not have (the target) is not a missing column when ignored
    assert {i.column for i in validate(summary, batch, ignore=["plan"]).issues} == {"tenure"}


def test_tolerances_decide_what_counts(summary):
    batch = customers(1000, 4)[FEATURES]
    batch.loc[:29, "charges"] = np.nan  # 3% missing
    assert [i.check for i in validate(summary, batch).issues] == ["nulls"]
    assert validate(summary, batch, null_tolerance=0.05).ok
    with pytest.raises(MlopsUsageError, match="the null tolerance must be a share from 0 to below 1"):
        validate(summary, batch, null_tolerance=5)


def test_raise_if_failed_is_a_check_failure_naming_the_issues(summary):
    batch = customers(300, 5)[FEATURES].drop(columns=["charges"])
    with pytest.raises(QualityFailed, match=r"1 issue: charges: missing column") as caught:
        validate(summary, batch, current_label="batch", reference_label="churn@champion").raise_if_failed()
    assert isinstance(caught.value, CheckFailed)
    assert "data quality of batch against churn@champion" in str(caught.value)


def test_a_grouped_category_tail_is_not_judged_and_booleans_and_small_ints_are():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"city": [f"c{i}" for i in rng.integers(0, 500, 3000)],
                        "flag": rng.random(3000) < 0.3, "calls": rng.integers(0, 5, 3000)})
    summary = summarize(ref)
    cur = pd.DataFrame({"city": ["brand-new"] * 100, "flag": [True] * 100, "calls": [9] * 100})
    report = validate(summary, cur)
    assert {(i.column, i.check) for i in report.issues} == {("calls", "out of range")}
    city = next(r for r in report.rows if r["column"] == "city")
    assert "unseen values not judged" in city["note"]


def test_the_html_escapes_names_and_shows_the_issues(summary):
    batch = customers(200, 6)[FEATURES].assign(**{"<script>x</script>": 1})
    page = html_of(validate(summary, batch))
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "extra column" in page and 'class="mlops-quality"' in page
