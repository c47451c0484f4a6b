"""Alias following under load: a promotion swaps the new version in with no failed request and no request
answered by the old version once the swap completed; a failed load keeps the old model serving."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from serving_procs import PYTHON, metric_samples, register_models, split_body, start_ours, total, wait_for

pytestmark = pytest.mark.server


@dataclass
class Answer:
    started: float
    status: int | None
    version: str | None
    error: str | None = None


class Load:
    """Clients sending requests in a loop until stopped, each answer recorded with when it was sent."""

    def __init__(self, url: str, body: dict, clients: int = 4) -> None:
        self.url, self.body = url, body
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                started = time.time()
                try:
                    r = client.post(f"{self.url}/invocations", json=self.body)
                    self.answers.append(Answer(started, r.status_code, r.headers.get("x-model-version")))
                except httpx.HTTPError as exc:
                    self.answers.append(Answer(started, None, None, repr(exc)))

    def __enter__(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def versions_seen(self) -> set[str | None]:
        return {a.version for a in list(self.answers)}


def _mlops(project, *args: str) -> None:
    proc = subprocess.run([PYTHON, "-m", "mlops_magics.cli", *args], cwd=project.root, env=project.env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def _swapped_at(url: str) -> float:
    return httpx.get(f"{url}/mlops/status").json()["roles"]["primary"]["swapped_at"]


def _check_swap(load: Load, swapped_at: float, old: str, new: str) -> None:
    answers = list(load.answers)
    assert [a for a in answers if a.status != 200] == [], "a request failed during the swap"
    assert any(a.version == old for a in answers) and any(a.version == new for a in answers)
    late = [a for a in answers if a.started > swapped_at and a.version != new]
    assert late == [], f"{len(late)} requests sent after the swap were answered by v{old}"


def test_a_promotion_under_load_swaps_without_a_failed_request(served_project, servers):
    server = start_ours(served_project, "flip@champion", "--poll-interval", "0.5")
    servers.append(server)
    body = split_body(served_project.train().head(20))
    try:
        with Load(server.url, body) as load:
            wait_for(lambda: len(load.answers) > 20, "load to start")
            before = _swapped_at(server.url)
            _mlops(served_project, "promote", "flip@v2", "--to", "champion", "--reason", "test")  # as %mlops promote
            wait_for(lambda: _swapped_at(server.url) > before, "the new version to be swapped in", timeout=120)
            swapped = _swapped_at(server.url)
            wait_for(lambda: any(a.started > swapped + 0.5 for a in list(load.answers)), "requests after the swap")
        _check_swap(load, swapped, "1", "2")
    finally:
        _mlops(served_project, "promote", "flip@v1", "--to", "champion", "--reason", "restore")
    samples = metric_samples(server.url)
    assert total(samples, "mlops_serving_model_swaps_total", role="primary") >= 1
    assert total(samples, "mlops_serving_model_info", role="primary", version="1") in (0.0, 1.0)
    assert total(samples, "mlops_serving_requests_total", model_version="2", status="200") > 0


def test_a_version_that_fails_to_load_keeps_the_old_one_serving(served_project, servers):
    client = served_project.client()
    broken = Path(client.get_model_version_download_uri("flip", "3").removeprefix("file://"))
    (broken / "MLmodel").unlink(missing_ok=True)  # version 3 can no longer be loaded
    server = start_ours(served_project, "flip@champion", "--poll-interval", "0.5")
    servers.append(server)
    body = split_body(served_project.train().head(3))
    try:
        with Load(server.url, body, clients=2) as load:
            _mlops(served_project, "promote", "flip@v3", "--to", "champion")
            samples = wait_for(lambda: (s := metric_samples(server.url)) and
                               total(s, "mlops_serving_model_load_failures_total", role="primary", version="3") and s,
                               "the failed load to be reported", timeout=120)
            assert total(samples, "mlops_serving_model_load_error", role="primary") == 1
            status = httpx.get(f"{server.url}/mlops/status").json()
            assert status["version"] == "1" and status["roles"]["primary"]["load_error"]
            wait_for(lambda: len(load.answers) > 10, "more requests")
        assert {a.status for a in load.answers} == {200} and load.versions_seen() == {"1"}
        assert "loading flip v3 failed" in server.log_text()
    finally:
        _mlops(served_project, "promote", "flip@v1", "--to", "champion", "--reason", "restore")
    samples = wait_for(lambda: (s := metric_samples(server.url)) and
                       total(s, "mlops_serving_model_load_error", role="primary") == 0 and s, "the error to clear")
    assert total(samples, "mlops_serving_model_swaps_total", role="primary") == 0  # v1 never left


def test_another_machines_promotion_on_a_shared_mlflow_server(served_project, servers, mlflow_server, tmp_path):
    name = f"shared-{uuid.uuid4().hex[:8]}"
    env = served_project.env(MLFLOW_TRACKING_URI=mlflow_server, MLOPS_EXPERIMENT=name)
    register_models(env, served_project.root, name, "champion", 1.0, 0.0005)
    server = start_ours(served_project, f"{name}@champion", "--poll-interval", "0.5", env=env, name="shared")
    servers.append(server)
    body = {"dataframe_split": {"columns": ["tenure", "charges"], "data": [[10.0, 50.0], [40.0, 90.0]]}}
    with Load(server.url, body, clients=2) as load:
        wait_for(lambda: len(load.answers) > 10, "load to start")
        before = _swapped_at(server.url)
        from mlflow import MlflowClient

        elsewhere = MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
        elsewhere.set_registered_model_alias(name, "champion", "2")
        wait_for(lambda: _swapped_at(server.url) > before, "the shared server's promotion to be followed", 120)
        swapped = _swapped_at(server.url)
        wait_for(lambda: any(a.started > swapped + 0.5 for a in list(load.answers)), "requests after the swap")
    _check_swap(load, swapped, "1", "2")
