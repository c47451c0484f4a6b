"""The background writer seen from a real InteractiveShell (issue 17): the drain points, the notes of the
writer after the next cell, the end-of-cell hand-over of a long-lived run, and a tracked cell's bindings
in the stale-state lineage."""

from __future__ import annotations

from mlflow import MlflowClient

from mlops_magics.core.backend import session
from mlops_magics.core.tracking import writer


def _plain_client() -> MlflowClient:
    """MLflow's own client: its reads do not wait for our writer (unlike every read of ours)."""
    conf = session.settings()
    return MlflowClient(tracking_uri=conf.tracking_uri, registry_uri=conf.registry_uri)


def _only_run(client):
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    return run


def test_mlops_runs_right_after_a_tracked_cell_shows_every_value(ip):
    ip.run_cell("%%mlops track --run-name fresh\nalpha = 0.5\nscore = alpha * 3\n")
    table = ip.run_line_magic("mlops", "runs")  # a read of ours: waits for the writer
    (row,) = table.rows
    assert row["name"] == "fresh" and row["status"] == "FINISHED"
    assert row["metrics.score"] == 1.5 and row["params.alpha"] == "0.5"


def test_unload_waits_for_the_writer(ip):
    ip.run_cell("%mlops track --run-name nb --no-env")
    ip.run_cell("%%mlops track --run-name last\nscore = 2 * 2\n")
    ip.run_line_magic("unload_ext", "mlops_magics")
    try:
        client = _plain_client()
        found = {r.info.run_name: r for r in client.search_runs(["0"])}
        assert found["last"].info.status == "FINISHED" and found["last"].data.metrics == {"score": 4.0}
        assert found["nb"].info.status == "FINISHED" and found["nb"].data.metrics["cells_executed"] >= 1
        assert writer.drain() is True
    finally:
        ip.run_line_magic("load_ext", "mlops_magics")  # the fixture unloads it again


def test_stop_waits_for_the_writer(ip):
    ip.run_cell("%mlops track --run-name nb --no-env")
    ip.run_cell("%%mlops track --run-name child\nscore = 1 + 1\n")
    ip.run_cell("%mlops stop")
    found = {r.info.run_name: r for r in _plain_client().search_runs(["0"])}
    assert found["child"].info.status == "FINISHED" and found["child"].data.metrics == {"score": 2.0}
    assert found["nb"].info.status == "FINISHED"


def test_values_logged_to_the_notebook_run_are_handed_over_at_the_end_of_their_cell(ip):
    ip.run_cell("%mlops track --run-name nb --no-env")
    ip.run_cell("import mlops_magics\nmlops_magics.active_run().log_metric('seen', 7.0)")
    writer.drain()  # stored by the writer, though the notebook run is still active and nothing was flushed
    run = _only_run(_plain_client())
    assert run.info.status == "RUNNING" and run.data.metrics == {"seen": 7.0}


def test_a_value_mlflow_refuses_after_the_cell_is_said_after_a_later_cell(ip, capsys):
    ip.run_cell("%%mlops track --run-name clash\n"
                "import mlflow\n"
                "mlflow.log_param('depth', '3')\n"  # the user's own call, into the cell's run
                "depth = 4\n")
    ip.run_line_magic("mlops", "runs")  # a read: the writer is done with the cell
    ip.run_cell("x = 1")
    err = capsys.readouterr().err
    assert "mlops: run clash" in err and "param depth=4 not logged: the run already has depth=3" in err
    run = _only_run(_plain_client())
    assert run.data.params == {"depth": "3"} and run.info.status == "FINISHED"


def test_a_name_bound_in_a_tracked_cell_is_followed_by_the_stale_state_check(ip, mlflow_client):
    ip.run_cell("%%mlops track --run-name base\nthreshold = 0.5\nlimit = 3\n", cell_id="a")
    ip.run_cell("%%mlops track --run-name base\nlimit = 4\n", cell_id="a")  # edited: no longer sets threshold
    ip.run_cell("%%mlops track --run-name uses\nscore = threshold * limit\n", cell_id="b")
    found = {r.info.run_name: r for r in mlflow_client.search_runs(["0"])}
    assert found["uses"].data.tags["mlops.stale_inputs"] == "threshold"
