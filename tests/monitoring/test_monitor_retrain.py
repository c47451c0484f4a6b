"""A drifted window triggers a real retraining pipeline (notebooks in fresh kernels): its gate and --if-better
promotion decide, the alias moves or stays, and every trigger is recorded; two monitors retrain once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlops_magics import registry
from mlops_magics.core.monitoring import check, latest, monitor_spec
from mlops_magics.render.formatters import html as html_of
from notebook_factory import write_nb
from traffic_factory import capture, customers, label, serve_champion

pytestmark = pytest.mark.kernel

TRAIN = [
    "%load_ext mlops_magics\n%mlops track",
    "from mlops_magics.core.monitoring.labels import labelled_traffic\n"
    "data = labelled_traffic(traffic, labels)  # the captured rows whose late labels have arrived\n"
    "X, y = data[['tenure', 'charges', 'plan']], data['churn']",
    "%%mlops track --run-name retrain --no-autolog\n"
    "from sklearn.compose import make_column_transformer\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.pipeline import make_pipeline\n"
    "from sklearn.preprocessing import OneHotEncoder\n"
    "clf = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown='ignore'), ['plan']),\n"
    "                    remainder='passthrough'), LogisticRegression(max_iter=1000)).fit(X, y)\n"
    "accuracy = clf.score(X, y)",
    '%mlops register clf --name churn --gate "accuracy >= {min_accuracy}" --alias challenger --reference X',
]
PROMOTE = [
    "%load_ext mlops_magics\nfrom mlops_magics import registry",
    "try:\n"
    "    promotion = %mlops promote churn@challenger --to champion --if-better accuracy --reason \"beats the champion\"\n"
    "    print(repr(promotion))\n"
    "except registry.PromotionRefused as refused:\n"
    "    print(f'The champion stays. {refused}')",
]


def retraining_pipeline(root: Path) -> str:
    """train (gate) -> promote (--if-better), on the newest labelled traffic (declared as data inputs)."""
    folder = root / "retrain"
    folder.mkdir()
    write_nb(folder / "train.ipynb", "min_accuracy = 0.6\ntraffic = 'traffic'\nlabels = 'labels'", *TRAIN)
    write_nb(folder / "promote.ipynb", None, *PROMOTE)
    (folder / "pipeline.yaml").write_text(textwrap.dedent("""
        name: retrain
        experiment: retrain
        steps:
          train: {notebook: train.ipynb, inputs: [traffic@latest, labels@latest]}
          promote: {notebook: promote.ipynb, depends_on: [train]}
        """))
    return str(folder / "pipeline.yaml")


def drifted_traffic(root: Path, model, part: int = 0, seed: int = 7):
    """A drifted partition of traffic, every row labelled (the labels are cleaner than the training data's)."""
    batch = customers(2000, seed, shift=1.5, noise=0.05)
    captured = capture(root / "capture", "traffic", model, batch, part)
    label(root / "capture", "labels", captured, batch["churn"], part)


def pipeline_runs(client) -> list:
    exp = client.get_experiment_by_name("retrain")
    if exp is None:
        return []
    return client.search_runs([exp.experiment_id], "tags.`mlops.kind` = 'pipeline'")


def test_drift_retrains_promotes_and_the_next_check_scores_the_new_version(mlops_home, mlflow_client):
    root = mlops_home.parent
    model = serve_champion(noise=0.3)
    drifted_traffic(root, model)
    spec = monitor_spec("churn@champion", "traffic", window=2000, labels="labels", retrain=retraining_pipeline(root))
    result = check(spec)
    trigger = result.trigger
    assert result.verdict == "drift" and trigger is not None, repr(result)
    assert trigger.state == "promoted", trigger.summary
    assert (trigger.holder_before, trigger.candidate, trigger.holder_after) == ("1", "2", "2")
    assert trigger.gates_passed and trigger.gates.startswith("accuracy >= 0.6 (")
    assert "promoted churn@champion v1 -> v2; promoted churn v2 to @champion: accuracy" in trigger.summary
    assert mlflow_client.get_model_version_by_alias("churn", "champion").version in (2, "2")

    events = registry.history("churn").events
    assert [(e.action, e.alias, e.to_version) for e in events] == [
        ("register", "champion", "1"), ("register", "challenger", "2"), ("promote", "champion", "2"),
        ("retrain", "champion", "2")]
    entry = events[-1].reason
    assert entry.startswith("monitor: dataset drift in 3 of 3 columns (tenure, charges, plan); window traffic@v1 (2,000 rows")
    assert "candidate v2 (gates: accuracy >= 0.6" in entry and "v1 -> v2" in entry
    tags = mlflow_client.get_run(result.run_id).data.tags
    assert tags["mlops.monitor.trigger"] == "promoted" and tags["mlops.monitor.candidate"] == "2"
    assert tags["mlops.monitor.pipeline_run"] == trigger.pipeline_run_id
    assert mlflow_client.get_run(trigger.pipeline_run_id).data.tags["mlops.monitor.check_run"] == result.run_id
    assert len(pipeline_runs(mlflow_client)) == 1

    # the loop closes: the next check resolves v2 and scores the same traffic against ITS reference
    after = check(spec)
    assert after.version == "2" and after.verdict == "no drift" and after.trigger is None, repr(after)
    assert after.last_trigger.state == "promoted"
    card = html_of(after)
    assert "last retraining:" in card and ">promoted<" in card and "promoted churn@champion v1 -&gt; v2" in card
    assert ">v2</text>" in card  # the chart marks where the checks began to score v2

    # a rule that fires anyway: the same window is never retrained twice, a new one waits for the cooldown
    eager = monitor_spec("churn@champion", "traffic", window=2000, labels="labels", retrain=spec.retrain,
                         when=["window.rows >= 1"])
    same = check(eager).trigger
    assert same.state == "skipped" and "already acted on" in same.summary, same.summary
    drifted_traffic(root, model, part=1, seed=8)
    later = check(eager).trigger
    assert later.state == "skipped" and later.summary.startswith("cooldown: the last retraining started"), later.summary
    assert len(pipeline_runs(mlflow_client)) == 1
    (status,) = latest("churn")
    assert status.last_trigger.state == "promoted" and status.last_trigger.candidate == "2"

    # the trigger's entry leaves the alias history replayable: rollback goes back to v1
    assert registry.rollback("churn", "champion").to_version == "1"


def test_a_retraining_whose_gate_fails_leaves_the_champion_and_says_so(mlops_home, mlflow_client):
    root = mlops_home.parent
    model = serve_champion(noise=0.3)
    drifted_traffic(root, model)
    spec = monitor_spec("churn@champion", "traffic", window=2000, labels="labels", retrain=retraining_pipeline(root),
                        params={"min_accuracy": 0.999})
    trigger = check(spec).trigger
    assert trigger.state == "failed", trigger.summary
    assert trigger.gates_passed is False and "needs >= 0.999" in trigger.gates
    assert trigger.candidate is None and trigger.holder_after == "1"
    assert trigger.summary.startswith("pipeline run ") and "failed at step train" in trigger.summary
    assert trigger.summary.endswith("churn@champion stays at v1")
    assert str(mlflow_client.get_model_version_by_alias("churn", "champion").version) == "1"
    (event,) = [e for e in registry.history("churn").events if e.action == "retrain"]
    assert event.to_version == "1" and "GateFailed" in event.reason and "stays at v1" in event.reason


def test_two_monitors_started_at_once_retrain_exactly_once(mlops_home, mlflow_client):
    root = mlops_home.parent
    model = serve_champion(noise=0.3)
    drifted_traffic(root, model)
    pipeline = retraining_pipeline(root)
    command = [str(Path(sys.executable).with_name("mlops")), "monitor", "churn@champion", "--traffic", "traffic",
               "--window", "2000", "--labels", "labels", "--retrain", pipeline]
    procs = [subprocess.Popen(command, cwd=root, env=dict(os.environ), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=280) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    texts = [out for out, _ in outputs]
    assert sum("trigger: promoted:" in t for t in texts) == 1, texts
    assert sum("trigger: skipped:" in t for t in texts) == 1, texts
    assert len(pipeline_runs(mlflow_client)) == 1
    assert [e.action for e in registry.history("churn").events].count("retrain") == 1
