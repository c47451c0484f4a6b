"""``/metrics`` in Prometheus' format, scraped by a real Prometheus (Debian's ``prometheus``), and the
per-feature drift of recent requests against the reference stored with the served version."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from serving_procs import free_port, metric_samples, split_body, start_ours, total, wait_for

pytestmark = pytest.mark.server

PROMETHEUS = shutil.which("prometheus")
DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "mlops-serving.json"


@pytest.fixture
def prometheus(tmp_path):
    """A real Prometheus on a free loopback port; ``start(target)`` scrapes ``target`` every second."""
    if PROMETHEUS is None:
        pytest.fail("Debian's prometheus is not installed (apt-get install -y prometheus; .ci/run does it)")
    procs = []

    def start(target: str) -> str:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: mlops\n    static_configs:\n      - targets: ['{target}']\n")
        log = open(tmp_path / "prometheus.log", "wb")
        proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                                 f"--storage.tsdb.path={tmp_path / 'tsdb'}"], stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "prometheus.log").read_text()[-3000:])
            try:
                return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, "prometheus to be ready", timeout=90)
        return url

    yield start
    for proc, log in procs:
        proc.terminate()
        proc.wait(30)
        log.close()


def _query(url: str, promql: str) -> list[dict]:
    body = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_metrics_and_drift_through_a_real_prometheus(served_project, servers, prometheus):
    server = start_ours(served_project, "churn@champion", "--drift-every", "100", "--drift-window", "400",
                        "--drift-seconds", "1")
    servers.append(server)
    train = served_project.train()
    rng = np.random.default_rng(5)
    drifted = train.sample(400, replace=True, random_state=3).reset_index(drop=True)
    drifted["tenure"] = drifted["tenure"] + 25  # customers staying far longer than in training
    drifted["charges"] = drifted["charges"] * 2
    drifted["plan"] = rng.choice(["pro", "plus"], len(drifted), p=[0.9, 0.1])
    rows = 0
    with httpx.Client(timeout=30) as client:
        for start in range(0, 400, 40):
            r = client.post(f"{server.url}/invocations", json=split_body(drifted.iloc[start:start + 40]))
            assert r.status_code == 200
            rows += 40
        bad = client.post(f"{server.url}/invocations", json={"dataframe_split": {"columns": ["x"], "data": [[1]]}})
        assert bad.status_code == 400

    samples = wait_for(lambda: (s := metric_samples(server.url)) and
                       total(s, "mlops_serving_drift_last_computed_timestamp_seconds") > 0 and
                       total(s, "mlops_serving_rows_total") == rows and s, "drift to be computed")
    inv = {"route": "/invocations", "model_version": "1"}
    assert total(samples, "mlops_serving_requests_total", status="200", **inv) == 10
    assert total(samples, "mlops_serving_requests_total", status="400", **inv) == 1
    assert total(samples, "mlops_serving_request_duration_seconds_count", **inv) == 11
    assert total(samples, "mlops_serving_rows_total", model_version="1") == rows
    assert total(samples, "mlops_serving_predictions_total", model_version="1") == rows  # every row, by class
    assert total(samples, "mlops_serving_model_info", role="primary", model="churn", alias="champion",
                 version="1") == 1
    assert total(samples, "mlops_serving_model_version", role="primary") == 1
    assert total(samples, "mlops_serving_model_last_swap_timestamp_seconds", role="primary") <= time.time()
    assert total(samples, "mlops_serving_drift_psi", feature="tenure") > 0.25  # PSI's "major shift"
    assert total(samples, "mlops_serving_drift_detected", feature="tenure") == 1
    assert total(samples, "mlops_serving_dataset_drift") == 1
    tests = {dict(k[1]).get("test") for k in samples if k[0] == "mlops_serving_drift_statistic"}
    assert tests and None not in tests  # the engine's test is named with its statistic

    status = httpx.get(f"{server.url}/mlops/status").json()
    assert status["drift"]["dataset_drift"] is True and "tenure" in status["drift"]["drifted"]
    assert status["totals"]["requests"] == 11 and status["totals"]["errors"] == 1

    prom = prometheus(server.url.removeprefix("http://"))
    result = wait_for(lambda: _query(prom, 'mlops_serving_dataset_drift{job="mlops"}'),
                      "prometheus to scrape the drift gauge", timeout=120)
    assert float(result[0]["value"][1]) == 1.0
    psi = _query(prom, 'mlops_serving_drift_psi{feature="tenure"}')
    assert float(psi[0]["value"][1]) > 0.25
    answered = wait_for(lambda: _query(prom, 'sum(mlops_serving_rows_total)'), "rows in prometheus")
    assert float(answered[0]["value"][1]) == rows

    # the Grafana dashboard's queries are valid PromQL on these metrics, and its main panels have data
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = {p["title"]: [t["expr"].replace("$job", "mlops") for t in p["targets"]] for p in dashboard["panels"]}
    for title, queries in exprs.items():
        for q in queries:
            _query(prom, q)  # asserts the query parses and runs
    for title in ("Throughput by answering version", "Rows scored per second", "PSI per feature",
                  "Version behind the alias", "Dataset drift (recent requests vs the served version's reference)",
                  "Prediction distribution (classifiers)"):
        wait_for(lambda: _query(prom, exprs[title][0]), f"data in the dashboard panel '{title}'", timeout=120)
