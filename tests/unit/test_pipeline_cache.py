"""Cache keys, decisions and the lock file, without kernels (dry runs plan exactly what a run does)."""

from __future__ import annotations

import json
import textwrap
import threading

import nbformat
import pytest

from mlops_magics.core.pipeline import runner
from mlops_magics.core.pipeline.cache import key_parts
from mlops_magics.core.pipeline.lockfile import LockFile
from mlops_magics.core.pipeline.notebooks import read_notebook
from mlops_magics.core.pipeline.spec import load


def write_nb(path, params: str, *code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), cell] + [nbformat.v4.new_code_cell(c) for c in code]
    nbformat.write(nb, path)


@pytest.fixture
def pipeline(tmp_path):
    write_nb(tmp_path / "prepare.ipynb", "rows = 1", "open('clean.txt', 'w').write(open('raw.txt').read())")
    write_nb(tmp_path / "train.ipynb", "n = 1", "open('model.txt', 'w').write('m')")
    write_nb(tmp_path / "side.ipynb", "seed = 0", "open('side.txt', 'w').write('s')")
    (tmp_path / "raw.txt").write_text("raw v1")
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent("""
        name: p
        params: {seed: 3}
        steps:
          prepare: {notebook: prepare.ipynb, inputs: [raw.txt], outputs: [clean.txt]}
          train: {notebook: train.ipynb, inputs: [clean.txt], outputs: [model.txt]}
          side: {notebook: side.ipynb, outputs: [side.txt]}
        """))
    return path


def _pretend_ran(path, params=None) -> None:
    """Write the outputs and a lock file as a successful run would (no kernel)."""
    spec = load(path, params)
    lock = LockFile(spec.lock_path, spec.name)
    keys: dict[str, str] = {}
    for name in spec.order:
        step = spec.steps[name]
        for out in step.outputs:
            (spec.root / out).write_text(f"{name} output")
        parts = key_parts(step, spec.root, keys)
        keys[name] = parts.key
        from mlops_magics.core.pipeline.cache import hash_outputs

        lock.set_step(name, {"key": parts.key, "status": "succeeded", **parts.to_json(),
                             "outputs": hash_outputs(step, spec.root), "run_id": f"run-{name}"})


def _plan(path, **kwargs) -> dict[str, tuple[str, str]]:
    result = runner.run(str(path), dry_run=True, **kwargs)
    return {name: (s.state, s.reason) for name, s in result.steps.items()}


def test_code_hash_ignores_markdown_outputs_and_metadata(tmp_path):
    path = tmp_path / "n.ipynb"
    write_nb(path, "a = 1", "print(a)")
    before = read_notebook(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "# another title"
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[2].execution_count = 7
    nb.cells[2].metadata["collapsed"] = True
    nb.metadata["widgets"] = {"x": 1}
    nbformat.write(nb, path)
    assert read_notebook(path).code_hash == before.code_hash
    nb.cells[2].source = "print(a + 1)"
    nbformat.write(nb, path)
    assert read_notebook(path).code_hash != before.code_hash
    assert before.declared == {"a"} and before.has_parameters_cell and before.kernel == "python3"
    assert before.defaults == {"a": 1}


def test_hits_and_misses(pipeline):
    assert _plan(pipeline) == {n: ("would run", "no previous run") for n in ("prepare", "train", "side")}
    _pretend_ran(pipeline)
    assert {n: s for n, (s, _) in _plan(pipeline).items()} == {"prepare": "cached", "train": "cached", "side": "cached"}

    nb = nbformat.read(pipeline.parent / "train.ipynb", as_version=4)  # markdown + outputs only: hit
    nb.cells[0].source = "# reworded"
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="noise\n")]
    nbformat.write(nb, pipeline.parent / "train.ipynb")
    assert _plan(pipeline)["train"][0] == "cached"

    nb.cells[2].source += "\n# a code change"  # code: miss, this step only
    nbformat.write(nb, pipeline.parent / "train.ipynb")
    assert _plan(pipeline) == {"prepare": ("cached", "unchanged"), "train": ("would run", "notebook code changed"),
                               "side": ("cached", "unchanged")}
    _pretend_ran(pipeline)

    (pipeline.parent / "raw.txt").write_text("raw v2")  # an input file: miss here and downstream
    assert _plan(pipeline) == {"prepare": ("would run", "input raw.txt changed"),
                               "train": ("would run", "upstream step prepare changed"),
                               "side": ("cached", "unchanged")}
    _pretend_ran(pipeline)

    assert _plan(pipeline, params={"side.seed": 4})["side"] == ("would run", "parameters changed: seed")
    assert _plan(pipeline, params={"seed": 3})["side"] == ("cached", "unchanged")  # same effective value
    (pipeline.parent / "model.txt").unlink()
    assert _plan(pipeline)["train"] == ("would run", "output model.txt is missing")
    (pipeline.parent / "model.txt").write_text("tampered")
    assert _plan(pipeline)["train"] == ("would run", "output model.txt changed since it was produced")
    assert _plan(pipeline, force=True)["side"] == ("would run", "forced")
    assert _plan(pipeline, only=["side"]) ["prepare"] == ("not selected", "not selected")


def test_cached_run_starts_no_kernel_and_no_tracking(pipeline, monkeypatch, mlops_home):
    _pretend_ran(pipeline)
    import mlops_magics.core.pipeline.step_runs as tracking

    def boom(*args, **kwargs):
        raise AssertionError("a cached pipeline must not start runs or kernels")

    monkeypatch.setattr(tracking.PipelineTracking, "ensure_parent", boom)
    monkeypatch.setattr("mlops_magics.core.pipeline.execute.execute_step", boom)
    events = []
    result = runner.run(str(pipeline), progress=lambda e, r: events.append((e.kind, e.step, e.state)))
    assert result.ok and result.state == "succeeded" and result.run_id is None
    assert [s.state for s in result.steps.values()] == ["cached"] * 3
    assert result["train"].run_id == "run-train"
    assert ("finished", "train", "cached") in events and not any(k == "started" for k, _, _ in events)
    assert events[0] == ("planned", "", "")  # the plan comes first, at once
    assert {s.plan for s in result.steps.values()} == {"cached"}
    last = json.loads((mlops_home / "pipelines" / "last.json").read_text())
    assert last["path"] == str(pipeline)


def test_lock_file_round_trip(tmp_path):
    lock = LockFile(tmp_path / "x.lock", "x")
    assert not lock.exists and lock.entry("a") is None
    lock.set_step("b", {"key": "2"}, order=["a", "b"])
    lock.set_step("a", {"key": "1"}, order=["a", "b"])
    lock.set_run({"run_id": "r"})
    again = LockFile(tmp_path / "x.lock", "x")
    assert list(again.doc["steps"]) == ["a", "b"] and again.entry("a") == {"key": "1"}
    assert again.last_run == {"run_id": "r"}
    assert (tmp_path / "x.lock").read_text().startswith("# written by mlops run")
    again.set_status("a", "running")  # a step whose outputs are being rewritten
    again.set_status("c", "running")  # no entry: nothing on record to mark
    assert LockFile(tmp_path / "x.lock", "x").doc["steps"] == {"a": {"key": "1", "status": "running"},
                                                                "b": {"key": "2"}}


def test_a_step_interrupted_while_writing_runs_again(pipeline):
    _pretend_ran(pipeline)
    lock = LockFile(pipeline.with_suffix(".lock"), "p")
    lock.set_status("train", "running")  # the run that was rewriting model.txt died
    assert _plan(pipeline)["train"] == ("would run", "its last run was interrupted while writing its outputs")
    lock.set_status("train", "cancelled")
    assert _plan(pipeline)["train"] == ("would run", "last run cancelled")


def test_folder_hash_leaves_out_checkpoints_and_caches(tmp_path):
    from mlops_magics.core.pipeline.inputs import hash_path

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("1")
    before = hash_path(tmp_path / "d")
    for folder in (".ipynb_checkpoints", "__pycache__", "sub/.ipynb_checkpoints"):
        (tmp_path / "d" / folder).mkdir(parents=True)
        (tmp_path / "d" / folder / "x").write_text("editor state")
    assert hash_path(tmp_path / "d") == before
    (tmp_path / "d" / "sub" / "b.csv").write_text("2")
    assert hash_path(tmp_path / "d") != before


def test_a_different_or_deleted_store_is_a_miss(pipeline, mlops_home):
    from mlops_magics.core.backend import session
    from mlops_magics.core.pipeline.cache import current_store

    session.ready()  # the embedded store exists
    store = current_store()
    _pretend_ran(pipeline)
    spec = load(pipeline)
    lock = LockFile(spec.lock_path, spec.name)
    for name in spec.order:
        lock.set_step(name, {**lock.entry(name), "store": store}, list(spec.order))
    assert {n: s for n, (s, _) in _plan(pipeline).items()} == {"prepare": "cached", "train": "cached", "side": "cached"}
    session.reset()
    (mlops_home / "mlflow.db").unlink()  # the store the steps ran against is gone
    plan = _plan(pipeline)
    assert plan["side"] == ("would run", "its runs are in another tracking store (or the store was deleted)")


def test_waiting_for_another_run_can_be_cancelled(pipeline, mlops_home):
    """While another execution holds the pipeline's run lock, a run says so and waits; cancelling it then
    ends it with nothing started (the lock is an OS lock: held here by a second file descriptor)."""
    from mlops_magics.core.pipeline import runlock
    from mlops_magics.core.pipeline.results import PipelineCancelled

    cancel = threading.Event()
    messages = []

    def progress(event, result):
        if event.kind == "waiting":
            messages.append(event.message)
            cancel.set()

    with runlock.holding(pipeline):
        with pytest.raises(PipelineCancelled) as info:
            runner.run(str(pipeline), progress=progress, cancel=cancel)
    assert len(messages) == 1 and "another run of this pipeline is in progress (pid " in messages[0]
    assert {s.state for s in info.value.result.steps.values()} == {"cancelled"}
    assert not pipeline.with_suffix(".lock").exists()  # nothing was planned, run or recorded
    with runlock.holding(pipeline):  # released by both
        pass
