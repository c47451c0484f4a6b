"""Production traffic captured as versioned data: partitions become versions, SIGTERM and Ctrl-C flush
what is buffered, two servers capture into one store without colliding, and the drift engine reads it."""

from __future__ import annotations

import signal
import threading

import httpx
import pandas as pd
import pytest

from mlops_magics import data, drift
from mlops_magics.core.backend import session
from serving_procs import metric_samples, split_body, start_ours, total, wait_for

pytestmark = pytest.mark.server


@pytest.fixture
def in_project(served_project, monkeypatch):
    """This test process reads the served project's store (data, registry) like a notebook in it would."""
    monkeypatch.setenv("MLOPS_HOME", str(served_project.home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(served_project.root)
    session.reset()
    yield served_project
    session.reset()


def _send(url: str, frame: pd.DataFrame, prefix: str, batch: int) -> dict[str, str]:
    """Send ``frame`` in batches with request ids ``prefix-i``; returns request id -> version that answered."""
    out = {}
    with httpx.Client(timeout=30) as client:
        for i, start in enumerate(range(0, len(frame), batch)):
            rid = f"{prefix}-{i}"
            r = client.post(f"{url}/invocations", json=split_body(frame.iloc[start:start + batch]),
                            headers={"x-request-id": rid})
            assert r.status_code == 200 and r.headers["x-request-id"] == rid
            out[rid] = r.headers["x-model-version"]
    return out


def test_partitions_become_versions_and_sigterm_or_ctrl_c_flushes(in_project, servers):
    project = in_project
    train = project.train()
    began = pd.Timestamp.now(tz="UTC")
    server = start_ours(project, "churn@champion", "--capture", "traffic", "--capture-rows", "100",
                        "--capture-seconds", "3600")
    servers.append(server)
    sent = _send(server.url, train.iloc[:250], "t", 10)
    wait_for(lambda: total(metric_samples(server.url), "mlops_serving_capture_partitions_total") == 2,
             "two full partitions to be closed")
    wait_for(lambda: "traffic" in [d[0] for d in data.list_datasets().items] and
             len(data.log("traffic").versions) == 2, "the ingester to store them")
    assert [v.rows for v in data.log("traffic").versions] == [100, 100]  # the 50 others are buffered
    assert server.stop(signal.SIGTERM) == 0
    assert [v.rows for v in data.log("traffic").versions] == [100, 100, 50]

    again = start_ours(project, "churn@champion", "--capture", "traffic", "--capture-rows", "100",
                       "--capture-seconds", "3600", name="again")
    servers.append(again)
    sent.update(_send(again.url, train.iloc[250:280], "u", 10))
    assert again.stop(signal.SIGINT) == 0  # Ctrl-C flushes too
    versions = data.log("traffic").versions
    assert [v.rows for v in versions] == [100, 100, 50, 30]
    frame = pd.concat([data.load(f"traffic@v{v.version}", run=None) for v in versions], ignore_index=True)
    assert len(frame) == 280
    assert frame.groupby("_request_id").size().to_dict() == {rid: 10 for rid in sent}
    assert set(frame["_model_version"]) == {"1"} and set(frame["_model_alias"]) == {"champion"}
    assert frame["plan"].dtype == "category"  # repetitive text is stored as categories (smaller, faster)
    pd.testing.assert_frame_equal(frame[list(train.columns)].astype({"plan": object}).reset_index(drop=True),
                                  train.iloc[:280].reset_index(drop=True), check_dtype=False)
    assert frame["_timestamp"].between(began, pd.Timestamp.now(tz="UTC")).all()

    # production traffic is ordinary data: the drift engine scores it against the model's stored reference
    result = drift.compare("churn@champion", "traffic@latest")
    assert result.n_columns == 4 and not result.dataset_drift
    assert "_prediction" in result.skipped.get("only in current", [])


def test_two_servers_capture_into_one_store_without_colliding(in_project, servers):
    project = in_project
    a = start_ours(project, "churn@champion", "--capture", "shared-traffic", "--capture-rows", "30", name="a")
    servers.append(a)
    b = start_ours(project, "churn@champion", "--capture", "shared-traffic", "--capture-rows", "30", name="b")
    servers.append(b)
    train = project.train()
    sent: dict[str, str] = {}

    def send(url: str, prefix: str) -> None:
        sent.update(_send(url, train.iloc[:300], prefix, 3))

    threads = [threading.Thread(target=send, args=(a.url, "a")), threading.Thread(target=send, args=(b.url, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(sent) == 200
    assert a.stop() == 0 and b.stop() == 0
    versions = data.log("shared-traffic").versions
    assert [v.version for v in versions] == list(range(1, len(versions) + 1))  # no number taken twice
    assert sum(v.rows for v in versions) == 600 and len(versions) >= 20
    frame = pd.concat([data.load(f"shared-traffic@v{v.version}", run=None) for v in versions], ignore_index=True)
    assert frame.groupby("_request_id").size().to_dict() == {rid: 3 for rid in sent}
    for v in versions:  # each version is one process's partition
        part = data.load(f"shared-traffic@v{v.version}", run=None)
        assert part["_request_id"].str[0].nunique() == 1
    assert data.verify() == []
