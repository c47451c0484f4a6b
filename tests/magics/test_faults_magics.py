"""Issue 12 from the notebook: a failed %mlops track leaves no run behind, %mlops log artifact . leaves
the store out, a huge integer in a tracked cell is named in the card, bad names are one-line errors.
A real InteractiveShell, checked through MlflowClient."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from mlops_magics.core.errors import StoreError
from mlops_magics.core.tracking import runs


def _runs(client, **kw):
    exps = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(exps, **kw)


def test_a_track_that_fails_to_start_leaves_no_run_behind(ip, mlflow_client, mlops_home, capsys):
    artifacts = mlops_home / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "blocked").write_text("a file where the experiment's folder goes")
    with pytest.raises(StoreError) as info:
        ip.run_cell("%mlops track --experiment blocked --run-name doomed")
    assert "\n" not in str(info.value) and "cannot write" in str(info.value)
    assert runs.active_run() is None
    status = ip.run_line_magic("mlops", "status")
    assert "active run:   none" in repr(status)
    with pytest.raises(UsageError, match="no active run"):
        ip.run_cell("%mlops log metric acc=0.5")
    capsys.readouterr()
    ip.run_cell("%mlops stop")
    assert "no notebook run is active" in capsys.readouterr().out
    (run,) = _runs(mlflow_client)
    assert run.info.run_name == "doomed" and run.info.status == "FAILED" and not run.data.metrics


@pytest.mark.parametrize("name, why", [("..", "reads as a folder"), ("x" * 501, "at most 500")])
def test_bad_experiment_names_are_usage_errors_before_any_run(ip, mlflow_client, name, why):
    with pytest.raises(UsageError, match=why):
        ip.run_cell(f"%mlops track --experiment '{name}'")
    with pytest.raises(UsageError, match=why):
        ip.run_cell(f"%%mlops track --experiment '{name}'\nran = True\n")
    assert "ran" not in ip.user_ns  # the cell did not run without its run
    assert runs.active_run() is None and not _runs(mlflow_client)


def test_a_long_experiment_name_works_and_its_run_ends(ip, mlflow_client, mlops_home):
    name = "e" * 300
    ip.run_cell(f"%mlops track --experiment {name}")
    ip.run_cell("%mlops log metric acc=0.5")
    card = ip.run_line_magic("mlops", "stop")
    assert card.status == "FINISHED"
    (run,) = _runs(mlflow_client)
    assert run.data.metrics["acc"] == 0.5
    assert all(len(p.name) <= 100 for p in (mlops_home / "artifacts").iterdir())


def test_log_artifact_of_the_project_leaves_the_store_out(ip, mlflow_client, mlops_home, capsys):
    project = mlops_home.parent
    (project / "train.py").write_text("print('hi')\n")
    ip.run_cell("%mlops track --run-name nb --no-env")
    capsys.readouterr()
    ip.run_cell("%mlops log artifact . --path project")
    assert "without .mlops (the store is never uploaded into itself)" in capsys.readouterr().out
    with pytest.raises(UsageError, match="not a folder inside the run's artifacts"):
        ip.run_cell("%mlops log artifact train.py --path /abs/path")
    with pytest.raises(UsageError, match="part of the tracking store"):
        ip.run_cell("%mlops log artifact .mlops/mlflow.db")
    card = ip.run_line_magic("mlops", "stop")
    listed = {a.path for a in mlflow_client.list_artifacts(card.run_id, "project")}
    assert listed == {"project/pyproject.toml", "project/train.py"}
    assert any("left out of ." in w for w in card.warnings)


def test_a_huge_integer_in_a_tracked_cell_is_named_in_the_card(ip, mlflow_client, capsys):
    ip.run_cell("%%mlops track --run-name huge\nbig = 10**400\nlr = 0.1\nacc = 0.93 * 1\n")
    shown = capsys.readouterr().out  # the card, as a plain shell shows it
    (run,) = _runs(mlflow_client)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"lr": "0.1"} and run.data.metrics == {"acc": 0.93}
    assert ip.user_ns["big"] == 10**400  # the cell itself ran as written
    assert "warning: not logged: metric big=<an integer of about 401 digits> is too large for a metric" in shown


def test_bad_metric_and_param_names_are_one_line_and_keep_the_good_values(ip, mlflow_client):
    ip.run_cell("%mlops track --run-name names --no-env")
    ip.run_cell("%mlops log metric good=1")
    with pytest.raises(UsageError, match="metric name 'bad\"name' is not allowed"):
        ip.run_cell("%mlops log metric 'bad\"name=2'")
    with pytest.raises(UsageError, match="param name '../p' is not allowed"):
        ip.run_cell("%mlops log param ../p=1")
    with pytest.raises(UsageError, match="64-bit"):
        ip.run_cell("%mlops log metric acc=1 --step 100000000000000000000000")
    ip.run_cell("%mlops log param lr=0.1")
    with pytest.raises(UsageError, match="lr is already '0.1'"):
        ip.run_cell("%mlops log param lr=0.2")
    card = ip.run_line_magic("mlops", "stop")
    (run,) = _runs(mlflow_client)
    assert run.info.run_id == card.run_id and run.info.status == "FINISHED"
    assert run.data.metrics["good"] == 1.0 and run.data.params == {"lr": "0.1"}


@pytest.mark.parametrize("line", [
    "models a/b --history", "models .. --history", "models . --history", "rollback ../x --alias champion",
    "rollback a/b --alias champion", "load ../x@v1", "runs --max 1000000000",
])
def test_registry_names_and_counts_are_one_line_usage_errors(ip, line):
    with pytest.raises(UsageError) as info:
        ip.run_cell(f"%mlops {line}")
    assert "\n" not in str(info.value)
