"""One check of captured traffic against the served version's stored reference, recorded in MLflow."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from mlops_magics import registry
from mlops_magics.core.backend.traffic import PREDICTION
from mlops_magics.core.monitoring import check, latest, monitor_spec
from mlops_magics.core.monitoring.labels import infer_task, score_labels
from mlops_magics.render.drift_html import report_page
from mlops_magics.render.formatters import html as html_of
from notebook_factory import write_nb
from traffic_factory import FEATURES, capture, customers, label, serve_champion


def monitoring_runs(client):
    exp = client.get_experiment_by_name("monitoring")
    return client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"]) if exp else []


@pytest.fixture
def served(mlops_home):
    return serve_champion()


def never_run_pipeline(root):
    """A real pipeline whose only step would leave a file behind if it ever ran."""
    write_nb(root / "retrain.ipynb", "seed = 1", "open('RETRAINED', 'w').write('yes')")
    (root / "retrain.yaml").write_text("name: retrain\nsteps:\n  retrain: {notebook: retrain.ipynb}\n")
    return str(root / "retrain.yaml")


def test_a_window_without_drift_triggers_nothing_and_is_recorded(served, mlops_home, mlflow_client):
    root = mlops_home.parent
    capture(root / "capture", "traffic", served, customers(2000, 1), 0)
    spec = monitor_spec("churn@champion", "traffic", window=2000, retrain=never_run_pipeline(root))
    result = check(spec, report_html=report_page)
    assert result.verdict == "no drift" and not result.triggered and result.trigger is None, repr(result)
    assert result.quality.ok and result.version == "1" and result.seq == 1
    assert not (root / "RETRAINED").exists()
    assert [e.action for e in registry.history("churn").events] == ["register"]  # no trigger entry

    (run,) = monitoring_runs(mlflow_client)
    assert run.info.run_id == result.run_id and run.info.status == "FINISHED"
    tags = run.data.tags
    assert tags["mlops.kind"] == "monitor" and tags["mlops.monitor.verdict"] == "no drift"
    assert tags["mlops.monitor.window"] == "traffic@v1" and tags["mlops.monitor.version"] == "1"
    assert "mlops.monitor.retrained" not in tags and "mlops.monitor.trigger" not in tags
    history = mlflow_client.get_metric_history(run.info.run_id, "drift.share_drifted")
    assert [(m.value, m.step) for m in history] == [(0.0, 1)]
    assert run.data.metrics["window.rows"] == 2000 and run.data.metrics["quality.issues"] == 0
    files = {f.path for f in mlflow_client.list_artifacts(run.info.run_id, "monitor")}
    assert {"monitor/drift.json", "monitor/quality.json", "monitor/window.json", "monitor/rules.json",
            "monitor/drift_report.html"} <= files
    page = mlflow_client.download_artifacts(run.info.run_id, "monitor/drift_report.html", str(root))
    assert "tenure" in open(page, encoding="utf-8").read()


def test_drift_over_successive_checks_is_logged_with_steps_and_drawn(served, mlops_home, mlflow_client):
    folder = mlops_home.parent / "capture"
    capture(folder, "traffic", served, customers(1500, 1), 0)
    spec = monitor_spec("churn@champion", "traffic", window=1500)
    first = check(spec)
    capture(folder, "traffic", served, customers(1500, 2, shift=1.5), 1)
    second = check(spec)
    assert first.verdict == "no drift" and second.verdict == "drift"
    assert set(second.drifted_columns) == {"tenure", "charges", "plan"}
    assert second.triggered and second.trigger.state == "no pipeline"  # a rule fired, nothing to run
    assert second.trigger_reason == "dataset drift in 3 of 3 columns (tenure, charges, plan)"
    assert second.seq == 2 and [p.seq for p in second.history] == [1, 2]
    runs = monitoring_runs(mlflow_client)
    steps = [mlflow_client.get_metric_history(r.info.run_id, "drift.share_drifted")[0].step for r in runs]
    assert steps == [1, 2]
    assert runs[1].data.tags["mlops.monitor.drifted"] == "tenure,charges,plan"
    assert runs[1].data.tags["mlops.monitor.trigger"] == "no pipeline"

    card = html_of(second)
    assert 'class="mlops-monitor-card"' in card and ">drift<" in card
    assert card.count("<polyline") == 4  # share of columns drifted, and one line per drifted column
    assert "effect size of the drifted columns" in card and "no retraining recorded for churn yet" not in card
    assert "traffic@v2" in repr(second) and "3 of 3 columns drifted" in repr(second)


def test_late_labels_are_joined_and_score_the_served_model(served, mlops_home, mlflow_client):
    folder = mlops_home.parent / "capture"
    batch = customers(2000, 3, noise=0.1)
    captured = capture(folder, "traffic", served, batch, 0)
    label(folder, "labels", captured, batch["churn"], 0, fraction=0.6)
    result = check(monitor_spec("churn@champion", "traffic", window=2000, labels="labels",
                                when=["accuracy < 0.99"]))
    lab = result.labels
    assert lab.task == "classification" and lab.label == "churn"  # from the training run's 'accuracy'
    assert lab.n_labelled == 1200 and lab.share == pytest.approx(0.6)
    expected = float((captured[PREDICTION].iloc[:1200].to_numpy() == batch["churn"].iloc[:1200].to_numpy()).mean())
    assert lab.metrics["accuracy"] == pytest.approx(expected)
    assert lab.served_by == {"1": 1200}
    assert result.triggered and result.rules[0].measure == "labels.accuracy"
    run = mlflow_client.get_run(result.run_id)
    assert run.data.metrics["labels.accuracy"] == pytest.approx(expected)
    assert run.data.metrics["labels.rows"] == 1200


def test_label_metrics_follow_the_task():
    assert infer_task(pd.Series([0, 1, 1]), ["training_r2_score"]) == "regression"
    assert infer_task(pd.Series([2.5, 3.1, 8.0])) == "regression"
    assert infer_task(pd.Series(["yes", "no"])) == "classification"
    joined = pd.DataFrame({PREDICTION: [110.0, 90.0, 50.0], "y": [100.0, 100.0, 0.0]})
    scored = score_labels(joined, "y", "regression")
    assert scored["mae"] == pytest.approx((10 + 10 + 50) / 3) and scored["mape"] == pytest.approx(0.1)
    joined = pd.DataFrame({PREDICTION: ["a", "b", "c", "a"], "y": ["a", "b", "b", "c"]})
    scored = score_labels(joined, "y", "classification")
    assert scored["accuracy"] == 0.5 and 0 < scored["f1"] < 1


def test_every_check_resolves_the_alias_afresh(served, mlops_home):
    from mlops_magics import track

    folder = mlops_home.parent / "capture"
    shifted = customers(2000, 4, shift=1.5)
    capture(folder, "traffic", served, shifted, 0)
    spec = monitor_spec("churn@champion", "traffic", window=2000)
    assert check(spec).verdict == "drift"
    with track(run_name="retrained", capture_env=False) as run:  # a model trained on the new population
        run.log_metric("accuracy", 0.9)
    registry.register(served, "churn", run=run.run_id, reference=customers(3000, 5, shift=1.5)[FEATURES])
    registry.promote("churn@v2", "champion", reason="trained on the new population")
    after = check(spec)
    assert after.version == "2" and after.verdict == "no drift", repr(after)

    (status,) = latest("churn")
    assert (status.alias, status.traffic, status.version, status.verdict) == ("champion", "traffic", "2", "no drift")
    assert status.last_trigger is None and status.to_dict()["run_id"] == after.run_id


def test_a_model_without_a_stored_reference_says_how_to_add_one(mlops_home):
    from sklearn.linear_model import LogisticRegression

    from mlops_magics import track
    from mlops_magics.core.errors import MlopsUsageError

    X = np.arange(20.0).reshape(-1, 2)
    with track(run_name="plain", capture_env=False) as run:
        run.log_metric("accuracy", 1.0)
    registry.register(LogisticRegression().fit(X, (X[:, 0] > 9).astype(int)), "plain", run=run.run_id,
                      alias="champion")
    with pytest.raises(MlopsUsageError, match="has no stored drift reference; register it with --reference"):
        check(monitor_spec("plain@champion", "traffic"))


def test_checks_are_recorded_on_a_tracking_server_too(store, store_client, mlops_home):
    model = serve_champion(f"churn-{store}")
    capture(mlops_home.parent / "capture", "traffic", model, customers(1000, 6, shift=2.0), 0)
    name = f"churn-{store}"
    first = check(monitor_spec(f"{name}@champion", "traffic", window=1000))
    second = check(monitor_spec(f"{name}@champion", "traffic", window=1000))
    assert first.verdict == second.verdict == "drift" and second.seq == 2
    run = store_client.get_run(second.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["mlops.monitor.seq"] == "2"
    doc = json.loads(open(store_client.download_artifacts(second.run_id, "monitor/window.json",
                                                          str(mlops_home.parent)), encoding="utf-8").read())
    assert doc["label"] == "traffic@v1" and doc["rows"] == 1000
    assert textwrap.shorten(repr(second), 60).startswith(f"{name}@champion (v1) on traffic@v1")
