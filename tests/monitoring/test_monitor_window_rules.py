"""Windows of captured traffic (read through the data store's API), durations and --when rules."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from mlops_magics.core.backend.traffic import REQUEST_ID
from mlops_magics.core.datastore import api
from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.monitoring.durations import duration_label, parse_duration
from mlops_magics.core.monitoring.options import monitor_spec
from mlops_magics.core.monitoring.rules import evaluate, known_measures, parse_rules, resolve_rules
from mlops_magics.core.monitoring.window import WindowSpec, parse_window, read_window
from traffic_factory import capture, customers, fit


def test_durations_and_window_specs():
    assert parse_duration("90s") == 90 and parse_duration("10m") == 600 and parse_duration("2h") == 7200
    assert parse_duration("7d") == 7 * 86400 and parse_duration("45") == 45
    assert duration_label(600) == "10m" and duration_label(90) == "90s"
    assert parse_window("5000") == WindowSpec(rows=5000) and parse_window("1_000 rows") == WindowSpec(rows=1000)
    assert parse_window("24h") == WindowSpec(seconds=86400.0)
    assert str(parse_window("5000")) == "last 5,000 rows" and str(parse_window("30m")) == "last 30m"
    with pytest.raises(MlopsUsageError, match="--window 'soon': give a number of rows"):
        parse_window("soon")
    with pytest.raises(MlopsUsageError, match="--every '0m' must be longer than zero|--every must be longer"):
        parse_duration("0m", "--every")


def test_rules_parse_like_gates_resolve_short_names_and_never_eval():
    known = known_measures(["tenure", "monthly charges"])
    rules = resolve_rules(parse_rules(["share_drifted >= 0.3", "tenure.psi > 0.2", "accuracy < 0.8",
                                       "quality.issues > 0", "monthly charges.null_rate >= 0.1"]), known)
    assert [r.measure for r in rules] == ["drift.share_drifted", "drift.tenure.psi", "labels.accuracy",
                                          "quality.issues", "quality.monthly charges.null_rate"]
    judged = evaluate(rules, {"drift.share_drifted": 0.5, "drift.tenure.psi": 0.1, "quality.issues": 0.0,
                              "quality.monthly charges.null_rate": 0.2})
    assert [r.fired for r in judged] == [True, False, False, False, True]
    assert str(judged[2]) == "accuracy < 0.8: not judged (no labelled rows in this window)"
    with pytest.raises(MlopsUsageError, match="--when: rule '__import__\\(.os.\\) > 1' is malformed"):
        parse_rules(["__import__('os') > 1"])
    with pytest.raises(MlopsUsageError, match="no measure 'salary.psi'; use one of share_drifted"):
        resolve_rules(parse_rules("salary.psi > 0.1"), known)


def test_monitor_options_are_checked_before_anything_runs(tmp_path):
    with pytest.raises(MlopsUsageError, match="not a model reference"):
        monitor_spec("churn", "traffic")
    with pytest.raises(MlopsUsageError, match="reads the labels' metric: give the labels dataset with --labels"):
        monitor_spec("churn@champion", "traffic", when=["accuracy < 0.8"])
    with pytest.raises(MlopsUsageError, match="-p sets parameters of the retraining pipeline"):
        monitor_spec("churn@champion", "traffic", params={"seed": 1})
    with pytest.raises(MlopsUsageError, match="--cooldown 'later' is not a duration"):
        monitor_spec("churn@champion", "traffic", cooldown="later")
    with pytest.raises(MlopsUsageError):
        monitor_spec("churn@champion", "traffic", retrain=str(tmp_path / "missing.yaml"))


def test_a_row_window_reads_only_the_newest_partitions_and_its_identity_is_the_versions(mlops_home):
    folder = mlops_home.parent / "capture"
    model = fit(customers(500, 0))
    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=10)
    for part in range(4):
        capture(folder, "traffic", model, customers(1000, 10 + part), part, at=start + pd.Timedelta(minutes=part))
    window = read_window("traffic", "2500")
    assert window.rows == 2500 and window.versions == [2, 3, 4] and window.label == "traffic@v2..v4"
    assert window.frame[REQUEST_ID].iloc[0] == "p1-500" and window.frame[REQUEST_ID].iloc[-1] == "p3-999"
    again = read_window("traffic", "2500")
    assert again.identity == window.identity
    capture(folder, "traffic", model, customers(1000, 20), 4, at=start + pd.Timedelta(minutes=4))
    moved = read_window("traffic", "2500")
    assert moved.versions == [3, 4, 5] and moved.identity != window.identity
    assert read_window("traffic", "1").versions == [5]


def test_a_time_window_keeps_the_rows_of_the_last_period(mlops_home):
    folder = mlops_home.parent / "capture"
    model = fit(customers(500, 0))
    now = pd.Timestamp.now(tz="UTC")
    capture(folder, "traffic", model, customers(300, 1), 0, at=now - pd.Timedelta(hours=3))
    capture(folder, "traffic", model, customers(200, 2), 1, at=now - pd.Timedelta(minutes=20))
    window = read_window("traffic", "1h")
    assert window.rows == 200 and window.versions == [2]
    assert window.first.startswith(str((now - pd.Timedelta(minutes=20)).year))
    assert read_window("traffic", "1h", now=time.time() + 7200).rows == 0  # two hours later: nothing new


def test_traffic_that_is_not_a_table_is_refused(mlops_home):
    note = mlops_home.parent / "notes.txt"
    note.write_text("not a table")
    api.add(str(note), name="traffic", run=None)
    with pytest.raises(MlopsUsageError, match="traffic@v1 is not a table"):
        read_window("traffic", "100")
