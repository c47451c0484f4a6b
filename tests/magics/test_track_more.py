"""Stale-state warnings, autolog, hook failures, artifacts, escaping, unload."""

from __future__ import annotations

import pytest

from mlops_magics.render.formatters import html as html_of


def _runs(client):
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


def test_stale_input_from_out_of_order_rerun_is_warned(ip, mlflow_client, capsys):
    ip.run_cell("y = 2", cell_id="c1")
    ip.run_cell("x = y * 10", cell_id="c2")
    ip.run_cell("y = 3", cell_id="c1")  # y changed; x still derived from the old y
    ip.run_cell("%%mlops track --run-name uses-x\nresult = x + 1\n", cell_id="c3")
    (run,) = _runs(mlflow_client)
    assert run.data.tags["mlops.stale_inputs"] == "x"


def test_stale_input_from_edited_cell_is_warned(ip, mlflow_client):
    ip.run_cell("threshold = 0.5\nlimit = 3", cell_id="a")
    ip.run_cell("limit = 4", cell_id="a")  # edited: no longer sets threshold
    ip.run_cell("%%mlops track\nscore = threshold * limit\n", cell_id="b")
    (run,) = _runs(mlflow_client)
    assert run.data.tags["mlops.stale_inputs"] == "threshold"


def test_fresh_inputs_are_not_flagged(ip, mlflow_client):
    ip.run_cell("y = 2", cell_id="c1")
    ip.run_cell("x = y * 10", cell_id="c2")
    ip.run_cell("%%mlops track\nresult = x + y\n", cell_id="c3")
    (run,) = _runs(mlflow_client)
    assert "mlops.stale_inputs" not in run.data.tags


def test_sklearn_fit_is_autologged_only_inside_tracked_cells(ip, mlflow_client):
    ip.run_cell(
        "from sklearn.datasets import make_classification\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X, y = make_classification(n_samples=200, random_state=0)\n"
    )
    ip.run_cell(
        "%%mlops track --run-name lr\n"
        "C = 0.5\n"
        "clf = LogisticRegression(C=C, max_iter=200).fit(X, y)\n"
        "accuracy = clf.score(X, y)\n"
    )
    ip.run_cell("LogisticRegression().fit(X, y)")  # untracked: must not start a run
    (run,) = _runs(mlflow_client)
    assert run.data.params["C"] == "0.5"
    assert "max_iter" in run.data.params  # from autolog
    assert "training_accuracy_score" in run.data.metrics
    assert 0.5 < run.data.metrics["accuracy"] <= 1.0
    ip.run_cell("%%mlops track --no-autolog --run-name plain\nclf2 = LogisticRegression().fit(X, y)\n")
    plain = [r for r in _runs(mlflow_client) if r.info.run_name == "plain"][0]
    assert "max_iter" not in plain.data.params


def test_autolog_param_conflict_keeps_run_and_warns(ip, mlflow_client):
    ip.run_cell("from sklearn.tree import DecisionTreeClassifier\nimport numpy as np\n")
    ip.run_cell(
        "%%mlops track --run-name conflict\n"
        "max_depth = 3\n"
        "model = DecisionTreeClassifier(max_depth=5).fit(np.eye(4), [0, 1, 0, 1])\n"
    )
    (run,) = _runs(mlflow_client)
    assert run.info.status == "FINISHED"
    assert run.data.params["max_depth"] == "5"


def test_hook_failure_warns_once_and_never_breaks_cells(ip, capsys):
    from mlops_magics.magics.extension import hooks_for

    hooks = hooks_for(ip)
    original = hooks.lineage.record

    def broken(*args, **kwargs):
        raise OSError("disk full")

    hooks.lineage.record = broken
    try:
        ip.run_cell("a = 1")
        ip.run_cell("b = 2")
    finally:
        hooks.lineage.record = original
    err = capsys.readouterr().err
    assert err.count("could not record this cell") == 1
    assert "OSError: disk full" in err
    assert ip.user_ns["b"] == 2


def test_log_artifact_and_params_into_cell_run(ip, mlflow_client, tmp_path):
    (tmp_path / "report.txt").write_text("hello")
    ip.run_cell(
        f"%%mlops track --run-name art\n"
        f"%mlops log artifact {tmp_path / 'report.txt'}\n"
        f"%mlops log param source=manual\n"
        f"%mlops log metric loss=0.5 --step 3\n"
    )
    (run,) = _runs(mlflow_client)
    assert run.data.params["source"] == "manual"
    assert mlflow_client.get_metric_history(run.info.run_id, "loss")[0].step == 3
    assert "report.txt" in {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}


def test_missing_artifact_is_usage_error(ip):
    from IPython.core.error import UsageError

    ip.run_cell("%mlops track")
    with pytest.raises(UsageError, match="no file or folder"):
        ip.run_line_magic("mlops", "log artifact /nonexistent/file.txt")


def test_run_card_escapes_html(ip):
    from mlops_magics.core.tracking.results import RunCard

    card = RunCard(run_id="r1", name="<script>alert(1)</script>", experiment_id="0", status="FINISHED",
                   duration_s=0.1, params={"<img src=x onerror=alert(1)>": "<b>"}, metrics={"m": 1.0},
                   warnings=["<i>stale</i>"])
    html = html_of(card)
    assert "<script>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html


def test_runs_compare_status_magics(ip, mlflow_client):
    ip.run_cell("%%mlops track --run-name a\ndepth = 2\nacc = 0.5 + 0.1\n")
    ip.run_cell("%%mlops track --run-name b\ndepth = 4\nacc = 0.5 + 0.3\n")
    table = ip.run_line_magic("mlops", "runs --sort acc")
    assert [r["name"] for r in table.rows] == ["b", "a"]
    assert "<table" in html_of(table)
    comparison = ip.run_line_magic("mlops", "compare a b")
    assert {key for _, key, _ in comparison.rows()} == {"depth", "acc"}
    status = ip.run_line_magic("mlops", "status")
    assert status.embedded and "mlflow.db" in status.tracking_uri


def test_unload_finishes_notebook_run(ip, mlflow_client):
    ip.run_cell("%mlops track --run-name nb")
    ip.run_line_magic("unload_ext", "mlops_magics")
    (run,) = _runs(mlflow_client)
    assert run.info.status == "FINISHED"
    ip.run_line_magic("load_ext", "mlops_magics")  # the fixture unloads again at teardown


def test_notebook_identity_and_git_state_are_captured(ip, mlflow_client, mlops_home):
    import subprocess

    project = mlops_home.parent
    (project / "train.py").write_text("print('v1')\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], cwd=project, check=True)
    subprocess.run(git + ["add", "train.py"], cwd=project, check=True)
    subprocess.run(git + ["commit", "-qm", "first"], cwd=project, check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    (project / "train.py").write_text("print('v2')\n")
    ip.user_ns["__session__"] = str(project / "analysis.ipynb")
    ip.run_cell("%mlops track --run-name nb")
    ip.run_cell("%mlops stop")
    (run,) = _runs(mlflow_client)
    assert run.data.tags["mlops.notebook"].endswith("analysis.ipynb")
    assert run.data.tags["mlflow.source.type"] == "NOTEBOOK"
    assert run.data.tags["mlflow.source.git.commit"] == commit
    assert run.data.tags["mlops.git.dirty"] == "true"
    diff = open(mlflow_client.download_artifacts(run.info.run_id, "code/git.diff")).read()
    assert "+print('v2')" in diff


def test_environment_values_are_never_recorded(ip, mlflow_client, monkeypatch):
    monkeypatch.setenv("MY_SECRET_TOKEN", "hunter2-very-secret")
    ip.run_cell("%mlops track --run-name nb")
    ip.run_cell("%%mlops track --run-name c\nx = 1\n")
    ip.run_cell("%mlops stop")
    for run in _runs(mlflow_client):
        assert "hunter2" not in repr(run.data.tags) + repr(run.data.params)
        local = mlflow_client.download_artifacts(run.info.run_id, "")
        import pathlib

        for path in pathlib.Path(local).rglob("*"):
            if path.is_file():
                assert "hunter2" not in path.read_text(errors="ignore")
