"""Lineage on a real MLflow store: add inside a run = output, load/checkout = input; queryable both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mlops_magics import data, track


def _dataset_inputs(client, run_id: str) -> dict[str, dict]:
    run = client.get_run(run_id)
    out = {}
    for item in run.inputs.dataset_inputs:
        tags = {t.key: t.value for t in item.tags}
        out[item.dataset.name] = {"digest": item.dataset.digest, "source": json.loads(item.dataset.source),
                                  "profile": json.loads(item.dataset.profile), "tags": tags,
                                  "source_type": item.dataset.source_type, "schema": item.dataset.schema}
    return out


def test_lineage_through_mlflow_dataset_inputs(mlops_home):
    Path("raw.csv").write_text("a,b\n1,x\n2,y\n")
    data.add("raw.csv")  # outside any run: no lineage
    with track(run_name="prepare") as prep:
        raw = data.load("raw")
        features = raw.assign(c=raw["a"] * 2)
        produced = data.add(features, name="features", message="from raw")
        data.load("raw")  # used twice, recorded once
    with track(run_name="train") as train:
        data.checkout("features", to="features.parquet")

    assert produced.version.produced_by == prep.run_id
    assert "[run " in repr(produced)
    client = prep.client
    prep_inputs = _dataset_inputs(client, prep.run_id)
    assert set(prep_inputs) == {"raw@v1", "features@v1"}
    out = prep_inputs["features@v1"]
    assert out["tags"]["mlflow.data.context"] == "output"
    assert out["tags"]["mlops.data.hash"] == produced.version.hash
    assert out["digest"] == produced.version.hash[:36]
    assert out["source"]["hash"] == f"blake3:{produced.version.hash}"
    assert out["profile"]["num_rows"] == 2 and out["source_type"] == "mlops_data"
    assert "mlflow_colspec" in out["schema"]
    assert prep_inputs["raw@v1"]["tags"]["mlflow.data.context"] == "input"
    assert _dataset_inputs(client, train.run_id)["features@v1"]["tags"]["mlflow.data.context"] == "input"

    # queryable from Python, both directions
    assert data.lineage(prep.run_id).used == ["raw@v1"]
    assert data.lineage(prep.run_id).produced == ["features@v1"]
    assert data.lineage(train.run_id).used == ["features@v1"]
    who = data.version_lineage("features@v1")
    assert who.produced_by == prep.run_id and who.used_by == [train.run_id]
    assert data.version_lineage("raw").used_by == [prep.run_id]
    assert data.version_lineage("raw").produced_by is None
    log = repr(data.log("features"))
    assert prep.run_id[:8] in log and train.run_id[:8] in log


def test_plain_mlflow_run_is_picked_up(mlops_home):
    import mlflow

    from mlops_magics.core.backend import session

    mlflow.set_tracking_uri(session.settings().tracking_uri)
    from mlops_magics.core.backend import embedded

    embedded.prepare_embedded_store(session.settings())
    with mlflow.start_run() as run:
        result = data.add(pd.DataFrame({"a": [1]}), name="df")
    assert result.version.produced_by == run.info.run_id
    assert data.lineage(run.info.run_id).produced == ["df@v1"]


def test_reference_summary_is_stored_once_and_used_by_drift(mlops_home):
    import numpy as np
    import pandas as pd

    from mlops_magics import data, drift

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(0, 1, 5000), "c": rng.choice(["a", "b"], 5000)})
    data.add(train, name="train")
    summaries = mlops_home / "data" / "summaries"
    assert not summaries.exists()
    same = pd.DataFrame({"x": rng.normal(0, 1, 3000), "c": rng.choice(["a", "b"], 3000)})
    shifted = same.assign(x=same["x"] + 2)
    calm = drift.compare("train@v1", same)
    assert len(list(summaries.glob("*.json"))) == 1  # summarised once, on first use
    moved = drift.compare("train@latest", shifted)
    assert len(list(summaries.glob("*.json"))) == 1
    assert not calm.dataset_drift and moved.drifted_columns == ["x"]
    rows = drift.compare(train, shifted)  # the same verdict as from the rows
    assert rows.drifted_columns == moved.drifted_columns
