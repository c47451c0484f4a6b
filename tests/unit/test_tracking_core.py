"""The tracking core without IPython, once on the embedded store and once on a real mlflow server."""

from __future__ import annotations

import pytest

from mlops_magics import active_run, track
from mlops_magics.core.tracking import notebook_runs, queries
from mlops_magics.core.backend import session
from mlops_magics.core.tracking.cell_runs import CellOptions, run_tracked_cell
from mlops_magics.core.errors import MlopsUsageError, NotFound
from mlops_magics.render.formatters import html as html_of


def test_track_context_manager_batches_and_finishes(store, store_client, find_runs):
    with track(run_name="script", params={"seed": 7}) as run:
        assert active_run() is run
        run.log_params({f"p{i}": i for i in range(150)})
        for step in range(3):
            run.log_metrics({f"m{i}": i * step for i in range(40)}, step=step)
    assert active_run() is None
    (found,) = find_runs()
    assert found.info.status == "FINISHED"
    assert found.data.params["seed"] == "7" and len(found.data.params) == 151
    history = store_client.get_metric_history(found.info.run_id, "m5")
    assert [(m.step, m.value) for m in history] == [(0, 0.0), (1, 5.0), (2, 10.0)]
    assert "environment" in {a.path for a in store_client.list_artifacts(found.info.run_id)}


def test_track_failure_and_interrupt(store, store_client, find_runs):
    with pytest.raises(ZeroDivisionError):
        with track(run_name="bad"):
            1 / 0
    with pytest.raises(KeyboardInterrupt):
        with track(run_name="interrupted"):
            raise KeyboardInterrupt
    runs = {r.info.run_name: r for r in find_runs()}
    assert runs["bad"].info.status == "FAILED"
    assert runs["interrupted"].info.status == "KILLED"
    tb = store_client.download_artifacts(runs["bad"].info.run_id, "traceback.txt")
    assert "ZeroDivisionError" in open(tb).read()


def test_track_decorator_logs_arguments_and_result(store, find_runs):
    @track(experiment=None)
    def train(alpha: float, layers: int = 2, data=None) -> dict:
        return {"loss": alpha * layers, "note": "text"}

    assert train(0.5, data=[1, 2]) == {"loss": 1.0, "note": "text"}
    (run,) = find_runs()
    assert run.info.run_name == "train"
    assert run.data.params == {"alpha": "0.5", "layers": "2"}
    assert run.data.metrics == {"loss": 1.0}


def test_cell_run_is_child_of_notebook_run(store, find_runs):
    nb, started = notebook_runs.start(run_name="nb", capture_env=False)
    assert started
    again, started_again = notebook_runs.start(run_name="other")
    assert again is nb and not started_again
    ns: dict = {}
    outcome = run_tracked_cell(
        "lr = 0.1\nscore = lr * 5\n",
        lambda: exec("lr = 0.1\nscore = lr * 5\n", ns),
        ns,
        CellOptions(run_name="cell"),
    )
    assert outcome.error is None and outcome.card.status == "FINISHED"
    assert outcome.card.params == {"lr": "0.1"} and outcome.card.metrics == {"score": 0.5}
    card = notebook_runs.stop()
    assert card.status == "FINISHED" and notebook_runs.current() is None
    runs = {r.info.run_name: r for r in find_runs()}
    assert runs["cell"].data.tags["mlflow.parentRunId"] == runs["nb"].info.run_id
    assert runs["nb"].data.tags["mlops.kind"] == "notebook"


def test_runs_table_sort_and_compare(store, find_runs):
    for i, acc in enumerate([0.7, 0.9, 0.8]):
        with track(run_name=f"r{i}", params={"depth": i, "same": 1}) as run:
            run.log_metric("accuracy", acc)
    table = queries.list_runs(session.settings().experiment, max_results=10, sort="accuracy")
    assert [r["name"] for r in table.rows] == ["r1", "r2", "r0"]
    low_first = queries.list_runs(session.settings().experiment, sort="-accuracy")
    assert [r["name"] for r in low_first.rows] == ["r0", "r2", "r1"]
    newest = queries.list_runs(session.settings().experiment, max_results=2)
    assert [r["name"] for r in newest.rows] == ["r2", "r1"]
    df = table.to_pandas()
    assert list(df["metrics.accuracy"]) == [0.9, 0.8, 0.7]
    comparison = queries.compare_runs(["r0", table.rows[0]["run_id"][:10]])
    keys = [(kind, key) for kind, key, _ in comparison.rows()]
    assert keys == [("param", "depth"), ("metric", "accuracy")]
    assert len(queries.compare_runs(["r0", "r1"], show_all=True).rows()) == 3
    html = html_of(comparison)
    assert "depth" in html and "same" not in html


def test_resolve_run_errors(store):
    with track(run_name="only"):
        pass
    with pytest.raises(NotFound, match="no run named or starting with 'zzz'"):
        queries.resolve_run("zzz")
    with pytest.raises(MlopsUsageError, match="at least two runs"):
        queries.compare_runs(["only"])


def test_status_reports_store_and_active_runs(store):
    nb, _ = notebook_runs.start(run_name="nb", capture_env=False)
    status = queries.store_status()
    assert status.active[0]["run_id"] == nb.handle.run_id
    assert status.embedded == (store == "embedded")
    text = repr(status)
    assert "active run" in text and nb.handle.run_id in text
    notebook_runs.stop()


def test_notebook_run_attaches_to_a_run_started_elsewhere(store, store_client, find_runs, monkeypatch):
    from mlops_magics.core.tracking import runs

    owner = runs.start_run("pipeline-step", run_name="step")
    monkeypatch.setenv("MLOPS_ATTACH_RUN_ID", owner.run_id)
    nb, started = notebook_runs.start(run_name="ignored", capture_env=False)
    assert started and nb.handle.run_id == owner.run_id
    nb.handle.log_metric("inside", 1.0)
    notebook_runs.stop()
    assert store_client.get_run(owner.run_id).info.status == "RUNNING"  # the owner ends it
    owner.end("FINISHED")
    (run,) = find_runs()
    assert run.info.status == "FINISHED" and run.data.metrics["inside"] == 1.0
    assert run.data.metrics["cells_executed"] == 0


def test_producing_run_remembers_which_cell_run_bound_a_variable(store):
    from mlops_magics.core.tracking.cell_runs import producing_run

    ns: dict = {}
    code = "model = object()\nscore = 0.5 + 0.1\n"
    outcome = run_tracked_cell(code, lambda: exec(code, ns), ns, CellOptions(run_name="fit"))
    assert producing_run("model") == outcome.card.run_id == producing_run("score")
    failing = "model = 1\nraise ValueError('x')\n"
    run_tracked_cell(failing, lambda: exec(failing, ns), ns, CellOptions(run_name="broken"))
    assert producing_run("model") == outcome.card.run_id


def test_unreachable_server_is_one_clear_error(mlops_home, monkeypatch):
    from jupyter_proc import free_port

    from mlops_magics.core.errors import StoreError

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")
    session.reset()
    with pytest.raises(StoreError, match="cannot reach the tracking server .* unset MLFLOW_TRACKING_URI"):
        with track(run_name="never"):
            pass
    session.reset()


def test_unwritable_home_is_one_clear_error(tmp_path, monkeypatch):
    from mlops_magics.core.errors import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLOPS_HOME", str(blocker / "store"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    session.reset()
    with pytest.raises(StoreError, match="cannot create the store .* set MLOPS_HOME"):
        session.ready()
    session.reset()
