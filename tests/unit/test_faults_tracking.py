"""Tracking under bad input and faults (issue 12): bad names and values, huge numbers, a failed start,
the store uploaded into itself. On the embedded store and on a real mlflow server."""

from __future__ import annotations

import os

import pytest

from mlops_magics import track
from mlops_magics.core.backend import session
from mlops_magics.core.errors import MlopsError, MlopsUsageError, StoreError
from mlops_magics.core.tracking import notebook_runs, runs
from mlops_magics.core.tracking.cell_runs import CellOptions, run_tracked_cell


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text
    return text


def test_a_bad_metric_name_is_refused_when_logged_and_the_good_values_stay(store, store_client, find_runs):
    with track(run_name="bad-name", capture_env=False) as run:
        run.log_params({"lr": 0.1, "layers": 3})
        run.log_metrics({f"m{i}": float(i) for i in range(600)})
        with pytest.raises(MlopsUsageError) as info:
            run.log_metrics({"good": 1.0, 'bad"name': 2.0})
        assert 'bad"name' in _one_line(info.value) and "Names may only contain" in str(info.value)
        run.log_metrics({f"n{i}": float(i) for i in range(399)})
        with pytest.raises(MlopsUsageError, match="bad.x"):  # the 1000th value would have been sent with them
            run.log_metric('bad"x', 1.0)
    (found,) = find_runs()
    assert found.info.status == "FINISHED"
    assert found.data.params == {"lr": "0.1", "layers": "3"}
    assert len(found.data.metrics) == 999 and "good" not in found.data.metrics  # a refused call logs nothing


@pytest.mark.parametrize("key, why", [
    ("a" * 251, "at most 250"),
    ("../up", "'..' parts"),
    ("/abs", "leading '/'"),
    ("", "empty"),
    ("tab\there", "Names may only contain"),
])
def test_keys_follow_mlflows_rules_with_one_line_messages(store, key, why):
    with track(run_name="keys", capture_env=False) as run:
        for log in (lambda: run.log_metric(key, 1.0), lambda: run.log_param(key, 1), lambda: run.set_tag(key, "x")):
            with pytest.raises(MlopsUsageError, match=why) as info:
                log()
            _one_line(info.value)
        run.log_metric("train/loss", 0.5)  # slashes inside a name are fine


def test_values_and_steps_out_of_range_are_refused_by_name(store, find_runs):
    with track(run_name="values", capture_env=False) as run:
        with pytest.raises(MlopsUsageError, match=r"metric big=.*about 401 digits.*too large"):
            run.log_metrics({"big": 10**400})
        with pytest.raises(MlopsUsageError, match="not a number"):
            run.log_metric("flag", True)
        with pytest.raises(MlopsUsageError, match="64-bit"):
            run.log_metric("acc", 0.9, step=2**70)
        run.log_param("lr", 0.1)
        with pytest.raises(MlopsUsageError, match="lr is already '0.1'"):
            run.log_param("lr", 0.2)
        run.log_param("long", "x" * 7000)
        run.log_param("digits", 10**5000)  # str() of it raises: it reads as a description
        run.log_metric("acc", 0.9)
    (found,) = find_runs()
    assert found.data.metrics == {"acc": 0.9}
    assert found.data.params["lr"] == "0.1" and len(found.data.params["long"]) == 6000
    assert found.data.params["digits"] == "<an integer of about 5001 digits>"
    assert any("cut to 6,000" in w for w in run_card_warnings(run))


def run_card_warnings(handle: runs.RunHandle) -> list[str]:
    assert handle.ended is not None
    return handle.ended.warnings


def test_an_entry_mlflow_still_refuses_is_left_out_alone(store, store_client, find_runs, monkeypatch):
    """Values MLflow refuses at send time (here: a tag too long once truncation is off, a param the run
    already has) are left out one by one; every other value in the same batch is stored."""
    monkeypatch.setenv("MLFLOW_TRUNCATE_LONG_VALUES", "false")
    with track(run_name="refused", capture_env=False) as run:
        store_client.log_param(run.run_id, "seed", "1")  # as autolog would, behind our back
        run.log_params({"seed": 2, "lr": 0.1})
        run.log_metrics({f"m{i}": float(i) for i in range(50)})
        run.set_tag("huge", "x" * 9000)
        run.set_tag("small", "ok")
    (found,) = find_runs()
    assert found.info.status == "FINISHED"
    assert found.data.params == {"seed": "1", "lr": "0.1"} and len(found.data.metrics) == 50
    assert found.data.tags["small"] == "ok"
    warnings = " | ".join(run.ended.warnings)
    assert "seed=2 not logged: the run already has seed=1" in warnings
    if store == "embedded":  # the setting is read where the store runs: a server keeps truncating
        assert "huge" not in found.data.tags and "tag huge not logged" in warnings
    else:
        assert found.data.tags["huge"] == "x" * 8000


def test_a_huge_integer_in_a_tracked_cell_is_skipped_and_named(store, find_runs):
    ns: dict = {}
    source = "big = 10**400\nlr = 0.1\nacc = 0.93 * 1\n" + "x" * 260 + " = 1.5 * 2\n"

    def execute():
        exec(source, ns)

    outcome = run_tracked_cell(source, execute, ns, CellOptions(run_name="huge", capture_code=False))
    assert outcome.error is None and outcome.card.status == "FINISHED"
    (found,) = find_runs()
    assert found.data.metrics == {"acc": 0.93}
    assert found.data.params["lr"] == "0.1"
    warnings = " | ".join(outcome.card.warnings)
    assert "metric big=<an integer of about 401 digits> is too large" in warnings
    assert "is 260 characters long" in warnings


def test_the_decorator_skips_a_huge_return_value(store, find_runs):
    @track(capture_env=False)
    def score() -> dict:
        return {"acc": 0.5, "count": 10**400}

    score()
    (found,) = find_runs()
    assert found.data.metrics == {"acc": 0.5}


def test_a_start_that_fails_half_way_ends_its_run(mlops_home, mlflow_client):
    """A notebook run whose first flush fails (a file where its artifact folder must go, on the embedded
    store) is ended FAILED: nothing is left active, no later log lands in it."""
    store_client = mlflow_client
    conf = session.ready()
    conf.artifact_root.mkdir(parents=True, exist_ok=True)
    (conf.artifact_root / "blocked").write_text("a file where the experiment's folder goes")
    with pytest.raises(StoreError) as info:
        notebook_runs.start(experiment="blocked", run_name="doomed")
    assert "cannot write" in _one_line(info.value)
    assert runs.active_run() is None and notebook_runs.current() is None
    exp = store_client.get_experiment_by_name("blocked")
    (found,) = store_client.search_runs([exp.experiment_id])
    assert found.info.run_name == "doomed" and found.info.status == "FAILED"


@pytest.mark.parametrize("name, why", [
    ("..", "reads as a folder"),
    (".", "reads as a folder"),
    ("x" * 501, "at most 500"),
    ("two\nlines", "control characters"),
    ("  ", "empty"),
])
def test_bad_experiment_names_never_create_a_run(store, store_client, name, why):
    before = {e.name for e in store_client.search_experiments()}
    with pytest.raises(MlopsUsageError, match=why) as info:
        notebook_runs.start(experiment=name)
    _one_line(info.value)
    assert runs.active_run() is None
    assert {e.name for e in store_client.search_experiments()} == before


def test_a_long_experiment_name_gets_a_short_distinct_folder(store, store_client, find_runs):
    long_a, long_b = "a" * 300, "a" * 299 + "b"
    for name in (long_a, long_b):
        with track(run_name="long", experiment=name, capture_env=False) as run:
            run.log_text("hello", "note.txt")
    locations = {store_client.get_experiment_by_name(n).artifact_location for n in (long_a, long_b)}
    assert len(locations) == 2
    if store == "embedded":
        for location in locations:
            assert len(os.path.basename(location)) <= 100


def test_logging_the_project_folder_leaves_the_store_out(store, store_client, find_runs, tmp_path):
    conf = session.ready()
    project = conf.home.parent
    (project / "data").mkdir()
    (project / "data" / "rows.csv").write_text("a,b\n1,2\n")
    (project / "train.py").write_text("print('train')\n")
    os.symlink(conf.home, project / "data" / "store-link")  # a link into the store is left out too
    os.symlink(project, project / "data" / "loop")  # and a link to a folder above it
    for folder in (conf.home / "spool", conf.artifact_root):  # a server store may not have made them
        folder.mkdir(parents=True, exist_ok=True)
    if not conf.db_path.exists():
        conf.db_path.write_bytes(b"")
    size_before = sum(f.stat().st_size for f in conf.home.rglob("*") if f.is_file())
    with track(run_name="artifact", capture_env=False) as run:
        left_out = run.log_artifact(project, "project")
        assert sorted(left_out) == [".mlops", os.path.join("data", "loop"), os.path.join("data", "store-link")]
        for part in (conf.home / "spool", conf.home / "mlflow.db", conf.artifact_root):
            with pytest.raises(MlopsUsageError, match="part of the tracking store"):
                run.log_artifact(part)
        kept = conf.home / "pipelines" / "executed.ipynb"  # a file the store keeps beside (a pipeline's)
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text("{}")
        assert run.log_artifact(kept, "notebook") == []
        for bad in ("/abs/path", "../up", "a//b"):
            with pytest.raises(MlopsUsageError, match="not a folder inside the run's artifacts"):
                run.log_artifact(project / "train.py", bad)
    (found,) = find_runs()
    assert "notebook/executed.ipynb" in {a.path for a in store_client.list_artifacts(found.info.run_id, "notebook")}
    listed = {a.path for a in store_client.list_artifacts(found.info.run_id, "project")}
    assert listed == {"project/data", "project/pyproject.toml", "project/train.py"}
    assert {a.path for a in store_client.list_artifacts(found.info.run_id, "project/data")} == {"project/data/rows.csv"}
    size_after = sum(f.stat().st_size for f in conf.home.rglob("*") if f.is_file())
    assert size_after - size_before < 1_000_000  # the store did not copy itself
    assert any("left out of" in w for w in run.ended.warnings)


def test_errors_of_ours_stay_one_line(store):
    """Every refusal above is an MlopsError whose message is one line (no dependency traceback)."""
    with track(run_name="lines", capture_env=False) as run:
        for call in (lambda: run.log_metric("a" * 300, 1), lambda: run.log_artifact("/nonexistent/x"),
                     lambda: run.log_metrics({"x": object()})):
            with pytest.raises(MlopsError) as info:
                call()
            _one_line(info.value)
