"""The project's main job: notebooks/churn/pipeline.yaml on a fresh embedded store, as the README runs it.

Three executions (kernels are slow): the full run (every step succeeds, churn@champion exists), the same
again (every step cached, nothing starts), and a large production shift (only the monitor step runs, and
fails at the drift gate with the drift message).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHURN = Path(__file__).resolve().parents[2] / "notebooks" / "churn"

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(600)]


def test_churn_pipeline(mlops_home, mlflow_client):
    from mlops_magics import pipeline

    work = mlops_home.parent / "churn"
    shutil.copytree(CHURN, work, ignore=shutil.ignore_patterns("data", "pipeline.lock", ".*.running",
                                                               ".ipynb_checkpoints", "__pycache__", "*.executed.ipynb"))
    path = str(work / "pipeline.yaml")

    first = pipeline.run(path)
    assert first.ok, repr(first)
    assert {name: step.state for name, step in first.steps.items()} == dict.fromkeys(
        ["prepare", "train", "evaluate", "monitor"], "succeeded")
    assert (work / "data" / "customers.parquet").is_file()
    for step in first.steps.values():  # the executed notebooks are kept in the store
        assert Path(step.executed).is_file() and Path(step.executed).is_relative_to(mlops_home)
    import nbformat

    monitor = nbformat.read(first["monitor"].executed, as_version=4)  # the drift report survives papermill
    drift_cell = next(c for c in monitor.cells if c.cell_type == "code" and "%mlops drift" in c.source)
    html = [o["data"]["text/html"] for o in drift_cell.outputs if "text/html" in o.get("data", {})]
    assert html and 'class="mmd"' in html[0] and "tenure_months" in html[0]
    champion = mlflow_client.get_model_version_by_alias("churn", "champion")
    challenger = mlflow_client.get_model_version_by_alias("churn", "challenger")
    assert str(champion.version) == str(challenger.version) == "1"
    assert float(mlflow_client.get_run(champion.run_id).data.metrics["accuracy"]) >= 0.75
    # what each step decided, published by the results of register, promote and drift in its kernel
    assert first["prepare"].outcome is None
    assert first["train"].outcome.startswith("registered churn v1 as churn@challenger (gate accuracy = ")
    assert first["evaluate"].outcome == "promoted churn v1 to @champion: no previous holder"
    assert first["monitor"].outcome.startswith("Drift in ") and "dataset drift: no" in first["monitor"].outcome
    evaluate_run = mlflow_client.get_run(first["evaluate"].run_id)
    assert evaluate_run.data.tags["mlops.outcome"] == first["evaluate"].outcome
    assert "outcome: promoted churn v1 to @champion" in repr(first)
    monitor_params = mlflow_client.get_run(first["monitor"].run_id).data.params  # defaults + injected
    assert monitor_params == {"shift": "0.3", "batch_rows": "1000", "batch_seed": "7", "seed": "42"}

    second = pipeline.run(path)
    assert second.ok and second.count("cached") == 4, repr(second)
    assert second.run_id is None  # nothing ran, so no pipeline run was even started
    assert second["evaluate"].outcome == first["evaluate"].outcome  # remembered by the lock file

    shifted = pipeline.run(path, params={"monitor.shift": 3.0})
    assert not shifted.ok and shifted.failed == ["monitor"], repr(shifted)
    assert [shifted[n].state for n in ("prepare", "train", "evaluate")] == ["cached"] * 3
    error = shifted["monitor"].error
    assert "DriftDetected" in error and "columns drifted" in error, error
    assert "parameters changed: shift" in shifted["monitor"].reason
    assert "dataset drift: yes" in shifted["monitor"].outcome
    # the failure left the registry alone
    assert str(mlflow_client.get_model_version_by_alias("churn", "champion").version) == "1"
