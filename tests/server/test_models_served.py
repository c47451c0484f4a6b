"""The Models endpoint says what is served and how it is doing (issues 14 and 15), on a REAL ``jupyter server``
with a REAL model server of the project and a real monitor check in its store; a stopped server makes the
endpoint answer quickly with ``not answering``, never hang."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter_proc import TOKEN, start_jupyter, stop_jupyter  # noqa: E402
from served_panel import MODEL, build, serve_drifted  # noqa: E402
from serving_procs import free_port, wait_for  # noqa: E402

pytestmark = pytest.mark.jupyter


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    project = build(tmp_path_factory.mktemp("panel-served") / "project")
    server = serve_drifted(project)
    yield project, server
    server.stop()


@pytest.fixture(scope="module")
def jupyter(served):
    project, _ = served
    proc, url, _log = start_jupyter("server", project.root, project.home)
    yield url
    stop_jupyter(proc)


def models(jupyter: str) -> dict:
    # the read timeout bounds the endpoint: a stuck server must not make it hang
    r = requests.get(f"{jupyter}/mlops/api/models", headers={"Authorization": f"token {TOKEN}"}, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_model_card_has_its_server_and_its_latest_check(served, jupyter):
    _, server = served
    body = models(jupyter)
    (model,) = body["models"]
    assert model["name"] == MODEL and model["aliases"] == {"champion": "1"}
    (live,) = model["served"]
    assert live["url"] == server.url and live["pid"] == server.proc.pid
    assert live["state"] == "serving" and live["version"] == "1" and live["alias"] == "champion"
    assert live["requests"] == 4 and live["errors"] == 0 and live["rows"] == 400
    assert live["dataset_drift"] is True and live["drift_verdict"].startswith("drift (")
    assert live["load_error"] is None
    (check,) = model["monitors"]
    assert check["alias"] == "champion" and check["traffic"] == "traffic" and check["window"] == "traffic@v1"
    assert check["verdict"] == "drift" and check["share_drifted"] == 1.0
    assert set(check["drifted"]) == {"tenure", "charges", "plan"}
    assert check["version"] == "1" and check["last_trigger"] is None  # no --retrain: nothing was retrained
    assert body["served_other"] == [] and body["monitoring_error"] is None and body["serving_error"] is None


def test_a_stopped_server_is_not_answering_and_the_endpoint_answers(served, jupyter):
    _, server = served
    assert models(jupyter)["models"][0]["served"][0]["state"] == "serving"
    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        body = models(jupyter)  # within the 15 s read timeout: the server is asked with a 1 s timeout
        (live,) = body["models"][0]["served"]
        assert live["state"] == "not answering" and live["url"] == server.url
        assert live["requests"] == 0 and live["version"] is None  # nothing is known of it now
        assert body["models"][0]["monitors"][0]["verdict"] == "drift"  # the rest of the card is still there
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    wait_for(lambda: models(jupyter)["models"][0]["served"][0]["state"] == "serving", "the server to answer again")


def test_servers_of_models_not_registered_here_are_listed_apart(served, jupyter):
    """A registry entry of a live process (this test's) whose port nobody listens on, started long ago."""
    from mlops_magics.core.serving import served as registry

    project, _ = served
    entry = registry.ServedEntry(pid=os.getpid(), url=f"http://127.0.0.1:{free_port()}", host="127.0.0.1", port=0,
                                 source="/models/elsewhere", model="elsewhere", started=time.time() - 3600)
    registry.record(project.home, entry)
    try:
        body = models(jupyter)
        (other,) = body["served_other"]
        assert other["model"] == "elsewhere" and other["url"] == entry.url
        assert other["state"] == "not answering"  # it never answered in its first minutes
        assert [s["model"] for s in body["models"][0]["served"]] == [MODEL]
    finally:
        registry.remove(project.home, entry.pid)


def test_a_monitoring_read_that_fails_leaves_the_models_and_one_line(monkeypatch):
    """The panel's reader when the tracking server holding the checks is down (nothing listens on its port)."""
    from mlflow import MlflowClient

    from mlops_magics.core.panel.live import monitor_statuses

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    statuses, error = monitor_statuses(MlflowClient(tracking_uri=f"http://127.0.0.1:{free_port()}"))
    assert statuses == []
    assert error.startswith("could not read the monitoring checks: ") and "\n" not in error, error
