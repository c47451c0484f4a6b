"""The churn example's production half, end to end: ``notebooks/churn/production.ipynb`` executed once with
papermill on a fresh store (as test_notebooks runs every other notebook), then what it did, read back.

Real components throughout: the main pipeline's kernels make the champion; a real model server process
(``%mlops serve``) answers real HTTP requests and captures them as data versions; late labels are versioned;
the monitor finds the drift and runs the retraining pipeline (two more kernels), whose gate and
``--if-better`` promotion move ``churn@champion``; the server follows the alias and answers from the new
version; the trigger is an entry of the alias history; the server is stopped at the end.
"""

from __future__ import annotations

import re
import time

import pytest

from test_notebooks import NOTEBOOKS, execute_copy

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(900)]

STREAM_ROWS = 400  # the notebook's default


FEATURES = ["tenure_months", "monthly_charges", "total_charges", "contract", "payment_method", "internet_service",
            "support_calls", "paperless_billing", "senior_citizen", "num_services"]  # churn_data.FEATURES


def outputs(executed, source: str, which: int = 0) -> str:
    """The text (plain and HTML) of every output of the ``which``-th code cell whose source contains ``source``."""
    import nbformat

    cells = [c for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code" and source in c.source]
    parts = []
    for out in cells[which].outputs:
        parts.append(out.get("text", ""))
        parts.extend(str(v) for k, v in out.get("data", {}).items() if k in ("text/plain", "text/html"))
    return "\n".join(parts)


def test_production_notebook_closes_the_loop(mlops_home, tmp_path):
    from mlops_magics import data, registry
    from mlops_magics.core.backend import session
    from mlops_magics.core.backend.traffic import MODEL_VERSION, PREDICTION, REQUEST_ID
    from mlops_magics.core.registry.reference import drift_reference
    from mlops_magics.core.serving.served import pid_alive

    started = time.monotonic()
    executed = execute_copy(NOTEBOOKS / "churn" / "production.ipynb", tmp_path)
    print(f"production.ipynb executed in {time.monotonic() - started:.1f} s")
    session.reset()
    session.ready()
    client = session.new_client(session.settings())

    # the main job made the champion on the empty store, with its training features as drift reference
    assert "churn@champion is v1" in outputs(executed, "if champion_version() is None")
    assert drift_reference("churn@v1").n_rows == 3000 and list(drift_reference("churn@v1").columns) == FEATURES

    # a real server process on a port it chose; the drifted stream went to it over HTTP, answered by v1
    served = outputs(executed, "served = %mlops serve churn@champion")
    where = re.search(r"churn@champion -> churn v1 at http://127\.0\.0\.1:(\d+) \(serving, pid (\d+)\)", served)
    assert where and where.group(1) != "0", served
    server_pid = int(where.group(2))
    assert f"{STREAM_ROWS} requests in " in outputs(executed, "def ask(row")
    assert f"answered by v1 ({STREAM_ROWS})" in outputs(executed, "def ask(row")
    assert "drift: drift (" in outputs(executed, "%mlops serve --status", 0)  # the server's /metrics gauges

    # the stream is the first captured data version: every request, the id it was sent with, who answered
    versions = sorted(data.log("churn-traffic").versions, key=lambda v: v.version)
    assert versions[0].rows == STREAM_ROWS, [(v.version, v.rows) for v in versions]
    stream = data.load("churn-traffic@v1")
    assert stream[REQUEST_ID].tolist() == [f"C012-{i:05d}" for i in range(STREAM_ROWS)]  # X-Request-Id: customer id
    assert set(stream[MODEL_VERSION].astype(str)) == {"1"} and stream[PREDICTION].isin([0, 1]).all()
    labels = data.load("churn-labels@v1")  # the late labels, keyed by the request ids the server returned
    assert labels["request_id"].tolist() == stream[REQUEST_ID].tolist() and set(labels["churn"]) <= {0, 1}

    # one check: dataset drift, the champion scored on the labels, a real pipeline run that moved the alias
    monitoring = client.get_experiment_by_name("monitoring")
    (check_run,) = client.search_runs([monitoring.experiment_id])
    tags, metrics = check_run.data.tags, check_run.data.metrics
    assert tags["mlops.monitor.trigger"] == "promoted" and tags["mlops.monitor.candidate"] == "2", tags
    assert metrics["drift.dataset_drift"] == 1.0 and metrics["labels.rows"] == STREAM_ROWS, metrics
    pipeline_run = client.get_run(tags["mlops.monitor.pipeline_run"])
    assert pipeline_run.info.status == "FINISHED"
    assert pipeline_run.data.tags["mlops.monitor.check_run"] == check_run.info.run_id
    champion = client.get_model_version_by_alias("churn", "champion")
    assert str(champion.version) == "2"
    trained = client.get_run(champion.run_id)  # on the labelled traffic: 3/4 of the 400 rows
    assert trained.data.params["source"] == "churn-traffic" and trained.data.params["n_estimators"] == "30"
    assert drift_reference("churn@v2").n_rows == STREAM_ROWS * 3 // 4
    first = client.get_run(client.get_model_version("churn", "1").run_id)
    assert trained.data.metrics["accuracy"] > first.data.metrics["accuracy"]  # --if-better let it through
    card = outputs(executed, "check = %mlops monitor churn@champion")
    assert "promoted churn@champion v1 -&gt; v2" in card and "labels (churn-labels): accuracy" in card, card[-3000:]

    # the server followed the alias: answers carried X-Model-Version 2, and the capture says so too
    said = outputs(executed, "trigger = check.trigger")
    timed = re.search(r"first drifted request -> first answer from v2: ([\d.]+) s \(the server swapped it in after "
                      r"([\d.]+) s\)", said)
    assert timed and 0 < float(timed.group(2)) <= float(timed.group(1)), said
    print(f"first drifted request -> first answer from the new champion: {timed.group(1)} s "
          f"(swapped in after {timed.group(2)} s)")
    newest = max(v.version for v in data.log("churn-traffic").versions)  # the partition stored at the stop
    assert newest >= 2 and "2" in set(data.load(f"churn-traffic@v{newest}")[MODEL_VERSION].astype(str))
    assert "churn@champion -> churn v2 at http" in outputs(executed, "%mlops serve --status", 1)

    # the trigger's audit entry in the alias history (what `mlops history churn` prints)
    events = registry.history("churn").events
    retrain = [e for e in events if e.action == "retrain"]
    assert len(retrain) == 1 and retrain[0].to_version == "2", [(e.action, e.to_version) for e in events]
    assert retrain[0].reason.startswith("monitor: dataset drift in ") and "candidate v2" in retrain[0].reason
    assert "retrain churn@champion" in outputs(executed, "%mlops models churn --history")

    # and the server is gone
    assert "stopped churn@champion" in outputs(executed, "%mlops serve --stop")
    assert not pid_alive(server_pid)
