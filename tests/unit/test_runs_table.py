"""Run tables people can read: the current experiment by default, key columns that fit a terminal,
``--columns`` to choose, every column in ``--json`` / ``--csv`` / ``to_pandas()`` (embedded store; the
CLI through its real ``main``)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from mlops_magics import track
from mlops_magics.cli import main
from mlops_magics.core.errors import MlopsUsageError, NotFound
from mlops_magics.core.tracking import queries

DRIFT_COLUMNS = [f"col{i}" for i in range(9)]


def _drift_metrics(seed: float) -> dict[str, float]:
    """Per-column drift metrics the way ``drift --log`` names them (48 here)."""
    out = {"drift.dataset_drift": 0.0, "drift.n_drifted": 0.0, "drift.share_drifted": seed}
    for col in DRIFT_COLUMNS:
        for key in ("statistic", "p_value", "psi", "effect_size", "drift"):
            out[f"drift.{col}.{key}"] = seed / (len(col) + len(key))
    return out


@pytest.fixture
def runs_store(mlops_home, monkeypatch):
    """Three training runs with 48 drift metrics and a long param in experiment ``churn``, one in ``other``."""
    for i, acc in enumerate([0.7, 0.9, 0.8]):
        with track(run_name=f"train-{i}", experiment="churn", capture_env=False,
                   params={"depth": i, "features": "x" * 200}) as run:
            run.log_metrics({"accuracy": acc, "rmse": 1 - acc, **_drift_metrics(acc)})
    with track(run_name="elsewhere", experiment="other", capture_env=False) as run:
        run.log_metric("loss", 0.5)
    monkeypatch.setenv("MLOPS_EXPERIMENT", "churn")
    from mlops_magics.core.backend import session

    session.reset()
    return mlops_home


def test_current_experiment_by_default_and_every_one_on_request(runs_store, monkeypatch):
    table = queries.list_runs()
    assert table.experiment == "churn"
    assert [r["name"] for r in table.rows] == ["train-2", "train-1", "train-0"]
    assert "experiment" not in table.shown_keys(120)
    other = queries.list_runs("other")
    assert [r["name"] for r in other.rows] == ["elsewhere"]
    every = queries.list_runs(all_experiments=True)
    assert {r["name"] for r in every.rows} == {"train-0", "train-1", "train-2", "elsewhere"}
    assert every.experiment is None and "experiment" in every.shown_keys(120)
    assert {r["experiment"] for r in every.rows} == {"churn", "other"}
    with pytest.raises(MlopsUsageError, match="not both"):
        queries.list_runs("other", all_experiments=True)
    with pytest.raises(NotFound, match="no experiment named 'nope'"):
        queries.list_runs("nope")
    monkeypatch.setenv("MLOPS_EXPERIMENT", "not-created-yet")
    from mlops_magics.core.backend import session

    session.reset()
    empty = queries.list_runs()
    assert len(empty) == 0 and "no runs in not-created-yet yet" in repr(empty)


def test_key_columns_fit_the_width_and_say_what_is_left_out(runs_store):
    table = queries.list_runs(sort="-rmse")
    assert table.metric_keys()[:2] == ["metrics.rmse", "metrics.accuracy"]  # the sort metric first
    assert table.metric_keys()[-1].startswith("metrics.drift.col")  # nested per-column metrics last
    for width in (60, 80, 120):
        text = table.text(width)
        body = text.splitlines()[1:5]
        assert all(len(line) <= width for line in body), (width, text)
    text = table.text(80)
    header = text.splitlines()[1].split()
    assert header[:7] == ["run", "id", "status", "started", "duration", "rmse", "accuracy"]
    hint = " ".join(text.split())
    assert "not shown: 48 metrics, 2 params; pick columns with --columns drift.*,params.depth" in hint
    assert "x" * 30 not in text
    wide = table.text(400)
    assert "drift.col0.p_value" in wide  # a wide terminal gets more columns
    df = table.to_pandas()
    assert {"metrics.drift.col8.psi", "params.features", "params.depth", "run_id"} <= set(df.columns)
    assert len(df.columns) == 9 + 50 + 2


def test_columns_option_picks_and_explains(runs_store):
    table = queries.list_runs(columns=["acc*", "drift.col1.*", "depth", "id"])
    assert table.columns == ["name", "metrics.accuracy", "metrics.drift.col1.drift", "metrics.drift.col1.effect_size",
                             "metrics.drift.col1.p_value", "metrics.drift.col1.psi", "metrics.drift.col1.statistic",
                             "params.depth", "run_id"]
    header = table.text(80).splitlines()[1].split()
    assert header[:3] == ["run", "accuracy", "drift.col1.drift"] and header[-1] == "id"
    explicit = queries.list_runs(columns=["params.depth", "name", "metrics.rmse"])
    assert explicit.columns == ["params.depth", "name", "metrics.rmse"]  # the run name where it was put
    with pytest.raises(MlopsUsageError) as err:
        queries.list_runs(columns=["accuracy", "nope"])
    message = str(err.value)
    assert "no column 'nope'" in message and "accuracy, rmse, drift.*" in message and "\n" not in message


def test_cli_fits_the_terminal_and_json_csv_carry_everything(runs_store, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("runs of churn (3, newest first)")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "train-1" in out and "drift.col0" not in out.splitlines()[1]

    assert main(["runs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and rows[0]["metrics.drift.col3.psi"] > 0 and rows[0]["params.features"] == "x" * 200
    assert main(["runs", "--csv", "--all-experiments"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(frame) == 4 and "metrics.loss" in frame.columns and "metrics.drift.col8.drift" in frame.columns

    target = tmp_path / "runs.csv"
    assert main(["runs", "--csv", str(target), "--columns", "rmse"]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[1].split() == ["run", "rmse"]  # the table is still printed
    assert len(pd.read_csv(target).columns) == 9 + 50 + 2  # the file has every column

    assert main(["runs", "--columns", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlops runs: --columns: no column 'nope'") and len(err.strip().splitlines()) == 1
    assert main(["runs", "--json", "--csv"]) == 2
    assert "cannot both go to stdout" in capsys.readouterr().err
    assert main(["runs", "--json", str(tmp_path / "missing" / "runs.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
