"""``--workers 2``: two uvicorn worker processes, each counting its own requests; ``/metrics`` sums them
(prometheus_client's multiprocess mode) and both workers' captured rows reach the store at SIGTERM."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from mlops_magics import data
from mlops_magics.core.backend import session
from serving_procs import metric_samples, split_body, start_ours, total, wait_for

pytestmark = pytest.mark.server


def _multiproc_dir(server_pid: int) -> Path:
    """The metrics folder the supervisor gave its workers (set after it started: read a worker's env)."""
    import psutil

    workers = [c for c in psutil.Process(server_pid).children() if "PROMETHEUS_MULTIPROC_DIR" in c.environ()]
    return Path(workers[0].environ()["PROMETHEUS_MULTIPROC_DIR"])


def _per_worker_requests(folder: Path, tmp_path: Path) -> dict[int, float]:
    """Each worker's own count of /invocations requests, read from its own files only."""
    out = {}
    for f in folder.glob("counter_*.db"):
        pid = int(re.match(r"counter_(\d+)\.db", f.name).group(1))
        alone = tmp_path / str(pid)
        alone.mkdir()
        shutil.copy(f, alone / f.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, str(alone))
        out[pid] = sum(s.value for fam in registry.collect() for s in fam.samples
                       if s.name == "mlops_serving_requests_total" and s.labels.get("route") == "/invocations")
    return out


def test_two_workers_metrics_are_summed(served_project, servers, tmp_path, monkeypatch):
    server = start_ours(served_project, "churn@champion", "--workers", "2", "--capture", "two-workers",
                        "--capture-rows", "100000", "--capture-seconds", "3600")
    servers.append(server)
    folder = _multiproc_dir(server.proc.pid)
    body = split_body(served_project.train().head(2))
    no_reuse = httpx.Limits(max_keepalive_connections=0)  # a new connection each time: both workers accept
    with httpx.Client(timeout=30, limits=no_reuse) as client:
        pids = set()
        wait_for(lambda: pids.add(client.get(f"{server.url}/mlops/status").json()["pid"]) or len(pids) == 2,
                 "both workers to answer", timeout=120, every=0.05)
        for i in range(200):
            assert client.post(f"{server.url}/invocations", json=body).status_code == 200
    attempt = iter(range(10_000))  # a request is counted just after its response is sent: poll

    def counted() -> dict[int, float] | None:
        folder_copy = tmp_path / f"read-{next(attempt)}"
        folder_copy.mkdir()
        per = _per_worker_requests(folder, folder_copy)
        return per if sum(per.values()) == 200 else None

    per_worker = wait_for(counted, "both workers' counts to reach 200")
    assert set(per_worker) == pids and all(n > 0 for n in per_worker.values()), per_worker
    samples = wait_for(lambda: (s := metric_samples(server.url)) and
                       total(s, "mlops_serving_rows_total") == 400 and s, "rows from both workers")
    assert total(samples, "mlops_serving_requests_total", route="/invocations", status="200") == 200
    assert total(samples, "mlops_serving_request_duration_seconds_count", route="/invocations") == 200
    assert total(samples, "mlops_serving_predictions_total") == 400
    assert total(samples, "mlops_serving_model_info", role="primary", version="1") == 1  # live max, not a sum
    status = httpx.get(f"{server.url}/mlops/status").json()
    assert status["totals"]["requests"] == 200 and status["workers"] == 2

    assert server.stop() == 0
    assert not folder.exists()  # the supervisor removes the metrics folder
    monkeypatch.setenv("MLOPS_HOME", str(served_project.home))
    monkeypatch.chdir(served_project.root)
    session.reset()
    versions = data.log("two-workers").versions
    assert len(versions) == 2 and sum(v.rows for v in versions) == 400  # each worker flushed its own partition
