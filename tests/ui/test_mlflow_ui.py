"""Our store in MLflow's own UI: a real ``mlflow ui`` on the embedded store, Debian's chromium via Playwright.

* Experiments we create, and the embedded store's Default experiment, are tagged
  ``mlflow.experimentKind=custom_model_development``, and the run links we print open MLflow 3's
  training-runs view (Runs, Models, Model registry), not its GenAI view (Overview, Traces, "Detect
  issues", "Evaluation runs"). See :mod:`mlops_magics.core.tracking.experiments` for what the UI reads.
* The registered model's page carries no raw JSON alias events; the moves read as runs of the
  ``mlops-alias-history`` experiment.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mlflow_proc import start_mlflow_server, stop_mlflow_server

pytestmark = [pytest.mark.ui, pytest.mark.server]

MODEL = "churn-ui"
GENAI_MARKERS = ("Evaluation runs", "Detect Issues", "Detect issues")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Runs in Default and in ``churn``, a model whose champion moved twice; ``mlflow ui`` on the store."""
    from mlops_magics import registry, track
    from mlops_magics.core.backend import session

    base = tmp_path_factory.mktemp("mlflow-ui")
    root = base / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(root / ".mlops"))
        for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "MLOPS_EXPERIMENT"):
            mp.delenv(name, raising=False)
        mp.chdir(root)
        session.reset()
        try:
            with track(run_name="train-default", capture_env=False) as default_run:
                default_run.log_metric("accuracy", 0.81)
            X = np.arange(20.0).reshape(-1, 2)
            model = LogisticRegression().fit(X, (X[:, 0] > 9).astype(int))
            with track(run_name="train-churn", experiment="churn", capture_env=False) as churn_run:
                churn_run.log_metric("accuracy", 0.9)
            for _ in range(2):
                registry.register(model, MODEL, run=churn_run.run_id)
            registry.promote(f"{MODEL}@v1", "champion")
            registry.promote(f"{MODEL}@v2", "champion", reason="retrained on May data")
            conf = session.settings()
            client = session.client()
            proc, url = start_mlflow_server(base, conf.tracking_uri, command="ui")
            try:
                yield {
                    "conf": conf, "client": client, "ui": url,
                    "runs": {"train-default": default_run, "train-churn": churn_run},
                    "history_id": client.get_experiment_by_name("mlops-alias-history").experiment_id,
                }
            finally:
                stop_mlflow_server(proc)
        finally:
            session.reset()


def _page(browser, url: str):
    """A fresh browser context (MLflow's UI remembers its GenAI / Model training switch per browser)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url)
    return context, page


def _assert_training_view(page) -> None:
    page.get_by_text("Model registry", exact=True).first.wait_for(timeout=60_000)  # only in that view
    body = page.inner_text("body")
    assert not [m for m in GENAI_MARKERS if m in body], body[:2000]


def test_experiments_we_create_are_model_development(project):
    from mlops_magics.core.tracking.experiments import HIDDEN_TAG, KIND_TAG, ML_KIND

    client = project["client"]
    churn = client.get_experiment_by_name("churn")
    assert churn.tags[KIND_TAG] == ML_KIND and HIDDEN_TAG not in churn.tags
    assert client.get_experiment("0").tags[KIND_TAG] == ML_KIND  # the embedded store's Default too
    history = client.get_experiment(project["history_id"])
    assert history.tags[KIND_TAG] == ML_KIND and history.tags[HIDDEN_TAG] == "true"


def test_run_links_open_the_training_runs_view(project, browser, tmp_path):
    linked = dataclasses.replace(project["conf"], tracking_uri=project["ui"])  # as if the UI were the server
    for name, run in project["runs"].items():
        url = linked.ui_run_url(run.experiment_id, run.run_id)
        assert url.startswith(project["ui"]) and url.endswith("workflowType=machine_learning")
        context, page = _page(browser, url)
        try:
            page.get_by_text(name, exact=True).first.wait_for(timeout=60_000)
            _assert_training_view(page)
            page.screenshot(path=str(tmp_path / f"{name}.png"))
        finally:
            context.close()
    # an experiment opened the same way lands on its runs table (Default included)
    for experiment_id, name in (("0", "train-default"), (project["runs"]["train-churn"].experiment_id, "train-churn")):
        context, page = _page(browser, f"{project['ui']}/#/experiments/{experiment_id}?workflowType=machine_learning")
        try:
            page.wait_for_url("**/runs?*", timeout=60_000)
            page.get_by_text(name, exact=True).first.wait_for(timeout=60_000)
            _assert_training_view(page)
        finally:
            context.close()


def test_model_page_has_no_raw_events_and_the_history_reads(project, browser, tmp_path):
    context, page = _page(browser, f"{project['ui']}/#/models/{MODEL}?workflowType=machine_learning")
    try:
        page.get_by_text("@ champion", exact=False).first.wait_for(timeout=60_000)
        page.get_by_text("mlops.alias_history", exact=True).first.wait_for(timeout=60_000)  # tags have loaded
        body = page.inner_text("body")
        assert "mlops.alias_event" not in body and '"action"' not in body and "{" not in body
        page.screenshot(path=str(tmp_path / "model.png"))
    finally:
        context.close()
    context, page = _page(browser, f"{project['ui']}/#/experiments/{project['history_id']}"
                                   "?workflowType=machine_learning")
    try:
        for title in (f"{MODEL}@champion: (none) -> v1", f"{MODEL}@champion: v1 -> v2"):
            page.get_by_text(title, exact=True).first.wait_for(timeout=60_000)
        _assert_training_view(page)
        page.screenshot(path=str(tmp_path / "history.png"))
    finally:
        context.close()
