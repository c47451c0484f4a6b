"""%mlops track / %%mlops track on a real InteractiveShell, checked through MlflowClient."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError


def _runs(client, **kw):
    exps = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(exps, **kw)


def test_tracked_cell_logs_params_metrics_and_source(ip, mlflow_client):
    ip.run_cell(
        "%%mlops track --run-name rf-baseline\n"
        "n_estimators = 200\n"
        "max_depth = 8\n"
        "name = 'rf'\n"
        "flags = (1, None, 'a')\n"
        "neg = -1.5\n"
        "accuracy = n_estimators / 1000\n"
        "count = len([1, 2, 3])\n"
        "ok = accuracy > 0.1\n"
        "label = str(accuracy)\n"
    )
    (run,) = _runs(mlflow_client)
    assert run.info.run_name == "rf-baseline"
    assert run.info.status == "FINISHED"
    assert run.data.params == {"n_estimators": "200", "max_depth": "8", "name": "rf",
                               "flags": "(1, None, 'a')", "neg": "-1.5"}
    assert run.data.metrics == {"accuracy": 0.2, "count": 3.0}
    artifacts = {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
    assert "cell.py" in artifacts
    source = mlflow_client.download_artifacts(run.info.run_id, "cell.py")
    assert "n_estimators = 200" in open(source).read()


def test_explicit_params_and_metrics_override_rules(ip, mlflow_client):
    ip.run_cell("base = 3")
    ip.run_cell(
        "%%mlops track --params base,lr --metrics score\n"
        "lr = 0.1\n"
        "score = base * 2\n"
        "other = base * 3\n"
    )
    (run,) = _runs(mlflow_client)
    assert run.data.params == {"base": "3", "lr": "0.1"}
    assert run.data.metrics == {"score": 6.0}


def test_cell_value_is_returned_and_namespace_updated(ip):
    result = ip.run_cell("%%mlops track\nx = 41\nx + 1\n")
    assert result.result == 42
    assert ip.user_ns["x"] == 41


def test_notebook_run_records_cells_and_children(ip, mlflow_client):
    ip.run_cell("%mlops track --experiment churn --run-name nb")
    ip.run_cell("a = 1")
    ip.run_cell("%%mlops track --run-name child\nlr = 0.5\nloss = lr * 2\n")
    ip.run_cell("%mlops log metric extra=3.5")
    ip.run_cell("%mlops stop")
    experiment = mlflow_client.get_experiment_by_name("churn")
    runs = {r.info.run_name: r for r in mlflow_client.search_runs([experiment.experiment_id])}
    parent, child = runs["nb"], runs["child"]
    assert parent.info.status == "FINISHED" and child.info.status == "FINISHED"
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert parent.data.metrics["extra"] == 3.5
    assert parent.data.metrics["cells_executed"] >= 3
    log_path = mlflow_client.download_artifacts(parent.info.run_id, "code/code_log.jsonl")
    records = [json.loads(line) for line in open(log_path)]
    sources = [r["source"] for r in records]
    assert "a = 1" in sources
    assert any(r.get("child_run_id") == child.info.run_id for r in records)
    assert all(len(r["sha1"]) == 40 and r["status"] == "ok" for r in records)
    counts = [r["execution_count"] for r in records]
    assert counts == sorted(counts)
    env = mlflow_client.download_artifacts(parent.info.run_id, "environment/packages.txt")
    assert "mlflow==" in open(env).read()


def test_track_twice_keeps_active_run(ip, mlflow_client, capsys):
    ip.run_cell("%mlops track --run-name first")
    ip.run_cell("%mlops track --run-name second")
    assert "already active" in capsys.readouterr().out
    ip.run_cell("%mlops stop")
    runs = _runs(mlflow_client)
    assert [r.info.run_name for r in runs] == ["first"]


def test_stop_with_status_and_without_run(ip, mlflow_client, capsys):
    ip.run_cell("%mlops stop")
    assert "no notebook run is active" in capsys.readouterr().out
    ip.run_cell("%mlops track")
    ip.run_cell("%mlops stop --status killed")
    (run,) = _runs(mlflow_client)
    assert run.info.status == "KILLED"


def test_no_code_keeps_sources_out(ip, mlflow_client):
    ip.run_cell("%mlops track --no-code --run-name secret")
    ip.run_cell("password_like = 'x'")
    ip.run_cell("%%mlops track --run-name c\nv = 1\n")
    ip.run_cell("%mlops stop")
    runs = {r.info.run_name: r for r in _runs(mlflow_client)}
    child_artifacts = {a.path for a in mlflow_client.list_artifacts(runs["c"].info.run_id)}
    assert "cell.py" not in child_artifacts
    log_path = mlflow_client.download_artifacts(runs["secret"].info.run_id, "code/code_log.jsonl")
    assert "password_like" not in open(log_path).read()


def test_failing_cell_ends_failed_with_traceback(ip, mlflow_client):
    result = ip.run_cell_quiet("%%mlops track --run-name boom\nalpha = 1\nraise ValueError('bad data')\n")
    assert isinstance(result.error_in_exec, ValueError)
    (run,) = _runs(mlflow_client)
    assert run.info.status == "FAILED"
    assert run.data.params == {"alpha": "1"}
    tb = open(mlflow_client.download_artifacts(run.info.run_id, "traceback.txt")).read()
    assert "ValueError: bad data" in tb
    ip.run_cell("still_usable = 2")
    assert ip.user_ns["still_usable"] == 2


def test_keyboard_interrupt_ends_killed(ip, mlflow_client):
    result = ip.run_cell_quiet("%%mlops track --run-name stopped\nraise KeyboardInterrupt\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    (run,) = _runs(mlflow_client)
    assert run.info.status == "KILLED"
    import mlflow

    assert mlflow.active_run() is None


def test_log_without_run_is_usage_error(ip):
    with pytest.raises(UsageError, match="no active run"):
        ip.run_line_magic("mlops", "log metric a=1")


@pytest.mark.parametrize(
    "line, message",
    [
        ("nonsense", "unknown sub-command 'nonsense'"),
        ("trak", "Did you mean 'track'"),
        ("track --bogus", "unrecognized arguments: --bogus"),
        ("track --params 'a b'", "not variable names"),
        ("stop --status DONE", "invalid choice"),
        ("log metric acc=high", "is not a number"),
        ("log metric acc", "is not NAME=VALUE"),
        ("runs --max 0", "0 is out of range: give 1 to 100,000"),
        ("compare onlyone", "at least two runs"),
        ("runs --experiment nope", "no experiment named 'nope'"),
        ("track 'unbalanced", "check the quotes"),
        ("track --params x", "for %%mlops track cells"),
    ],
)
def test_bad_arguments_give_usage_errors(ip, line, message):
    if line.startswith("log metric"):
        ip.run_cell("%mlops track")
    with pytest.raises(UsageError, match=message):
        ip.run_line_magic("mlops", line)


def test_help(ip, capsys):
    ip.run_line_magic("mlops", "")
    out = capsys.readouterr().out
    assert "track" in out and "compare" in out
    ip.run_line_magic("mlops", "track --help")
    assert "--run-name" in capsys.readouterr().out
    ip.run_line_magic("mlops", "help runs")
    assert "--sort" in capsys.readouterr().out


def test_line_only_command_used_as_cell_magic(ip):
    with pytest.raises(UsageError, match="not a cell magic"):
        ip.run_cell_magic("mlops", "runs", "x = 1")
