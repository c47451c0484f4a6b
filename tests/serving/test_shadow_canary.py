"""Shadow (every request also scored by the challenger, off the response path) and canary (a share of
request ids answered by the challenger, every metric labelled by the version that answered)."""

from __future__ import annotations

import signal

import httpx
import numpy as np
import pandas as pd
import pytest

from mlops_magics import data
from mlops_magics.core.serving.slots import canary_point
from serving_procs import metric_samples, split_body, start_ours, total, wait_for

pytestmark = pytest.mark.server


def _models(project):
    """Versions 1 and 2 of churn, loaded from their files (no global MLflow URI set in this process)."""
    import mlflow.pyfunc

    client = project.client()
    return [mlflow.pyfunc.load_model(client.get_model_version_download_uri("churn", v).removeprefix("file://"))
            for v in ("1", "2")]


def test_shadow_scores_every_request_and_captured_rows_carry_both_predictions(served_project, servers,
                                                                              monkeypatch):
    server = start_ours(served_project, "churn@champion", "--shadow", "challenger", "--capture", "shadowed",
                        "--capture-rows", "100000", "--capture-seconds", "3600")
    servers.append(server)
    train = served_project.train()
    sent = {}
    with httpx.Client(timeout=30) as client:
        for i in range(20):
            rows = train.iloc[i * 10:(i + 1) * 10]
            r = client.post(f"{server.url}/invocations", json=split_body(rows), headers={"x-request-id": f"s-{i}"})
            assert r.status_code == 200
            assert (r.headers["x-model-version"], r.headers["x-model-alias"]) == ("1", "champion")  # primary only
            sent[f"s-{i}"] = r.json()["predictions"]
    champion, challenger = _models(served_project)
    head = train.iloc[:200]
    agree = int((np.asarray(champion.predict(head)) == np.asarray(challenger.predict(head))).sum())
    assert 0 < agree < 200  # the two models differ on some rows: agreement is a real count
    samples = wait_for(lambda: (s := metric_samples(server.url)) and
                       total(s, "mlops_serving_shadow_rows_total") == 200 and s, "the shadow to score every row")
    assert total(samples, "mlops_serving_shadow_rows_total", model_version="1", shadow_version="2") == 200
    assert total(samples, "mlops_serving_shadow_agreement_rows_total", shadow_version="2") == agree
    assert total(samples, "mlops_serving_shadow_errors_total") == 0

    assert server.stop(signal.SIGTERM) == 0  # flushes the buffered rows as a version
    monkeypatch.setenv("MLOPS_HOME", str(served_project.home))
    monkeypatch.chdir(served_project.root)
    frame = data.load("shadowed@latest", run=None)
    assert len(frame) == 200
    assert set(frame["_shadow_version"]) == {"2"} and set(frame["_model_version"]) == {"1"}
    for rid, predictions in sent.items():
        assert frame.loc[frame["_request_id"] == rid, "_prediction"].tolist() == predictions
    assert int((frame["_prediction"] == frame["_shadow_prediction"]).sum()) == agree


def test_canary_answers_its_share_by_request_id_with_metrics_per_version(served_project, servers):
    server = start_ours(served_project, "churn@champion", "--canary", "challenger", "--canary-share", "0.3")
    servers.append(server)
    body = split_body(served_project.train().head(2))
    answered = {}
    with httpx.Client(timeout=30) as client:
        for i in range(300):
            r = client.post(f"{server.url}/invocations", json=body, headers={"x-request-id": f"c-{i}"})
            assert r.status_code == 200
            answered[f"c-{i}"] = (r.headers["x-model-version"], r.headers["x-model-alias"])
        for i in range(0, 300, 7):  # a retried request lands on the same model
            r = client.post(f"{server.url}/invocations", json=body, headers={"x-request-id": f"c-{i}"})
            assert (r.headers["x-model-version"], r.headers["x-model-alias"]) == answered[f"c-{i}"]
    expected = {rid for rid in answered if canary_point(rid) < 0.3}
    assert {rid for rid, (v, _) in answered.items() if v == "2"} == expected
    assert {a for v, a in answered.values() if v == "2"} == {"challenger"}
    assert 0.2 < len(expected) / 300 < 0.4
    retries = len(range(0, 300, 7))
    by_version = pd.Series([answered[f"c-{i}"][0] for i in [*range(300), *range(0, 300, 7)]]).value_counts()
    samples = wait_for(lambda: (s := metric_samples(server.url)) and
                       total(s, "mlops_serving_rows_total") == 2 * (300 + retries) and s, "rows to be counted")
    for version in ("1", "2"):
        assert total(samples, "mlops_serving_requests_total", route="/invocations",
                     model_version=version) == by_version[version]
        assert total(samples, "mlops_serving_rows_total", model_version=version) == 2 * by_version[version]
        assert total(samples, "mlops_serving_request_duration_seconds_count", route="/invocations",
                     model_version=version) == by_version[version]
    assert total(samples, "mlops_serving_model_info", role="canary", alias="challenger", version="2") == 1
    status = httpx.get(f"{server.url}/mlops/status").json()
    assert status["roles"]["canary"]["version"] == "2" and status["canary_share"] == 0.3
