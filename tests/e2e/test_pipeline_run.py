"""A real pipeline on real kernels: order, parameters, parallel branches, tracking, lock file, cache."""

from __future__ import annotations

import re
import textwrap

import nbformat
import pytest
import yaml

from mlops_magics import pipeline
from notebook_factory import write_nb

pytestmark = pytest.mark.kernel


@pytest.fixture
def churn(mlops_home):
    root = mlops_home.parent
    write_nb(root / "prepare.ipynb", "rows = 1\nseed = 0",
             "import os, time\nos.makedirs('data', exist_ok=True)\ntime.sleep(0.5)\n"
             "open('data/clean.txt', 'w').write(f\"{open('raw.txt').read()}|rows={rows}|seed={seed}\")")
    write_nb(root / "train.ipynb", "n = 1\nmode = 'fast'",
             "%load_ext mlops_magics\n%mlops track",
             "%%mlops track --run-name fit\ndepth = 4\nscore = n * 0.25\n",
             "open('model.txt', 'w').write(open('data/clean.txt').read() + f'|n={n}')",
             "%mlops log metric final=2.5")
    write_nb(root / "report.ipynb", None, "open('report.txt', 'w').write(open('model.txt').read().upper())",
             "from mlops_magics import pipeline\npipeline.publish_outcome('report written\\n(second line dropped)')")
    write_nb(root / "side.ipynb", "seed = 0", "import time\ntime.sleep(0.5)\nopen('side.txt', 'w').write(str(seed))")
    (root / "raw.txt").write_text("raw")
    path = root / "churn.yaml"
    path.write_text(textwrap.dedent("""
        name: churn
        params: {seed: 7}
        steps:
          prepare:
            notebook: prepare.ipynb
            parameters: {rows: 20}
            inputs: [raw.txt]
            outputs: [data/clean.txt]
          train:
            notebook: train.ipynb
            parameters: {n: 3}
            inputs: [data/clean.txt]
            outputs: [model.txt]
          report:
            notebook: report.ipynb
            depends_on: [train]
            outputs: [report.txt]
          side:
            notebook: side.ipynb
            outputs: [side.txt]
        """))
    return path


def test_pipeline_runs_tracks_locks_and_caches(churn, mlflow_client, monkeypatch):
    root = churn.parent
    events: list[tuple[str, str, str]] = []
    result = pipeline.run(str(churn), params={"train.n": 2}, jobs=2,
                          progress=lambda e, r: events.append((e.kind, e.step, e.state)))
    assert result.ok, repr(result)
    assert [s.state for s in result.steps.values()] == ["succeeded"] * 4

    # DAG order, parameters (pipeline-wide, per step, command line), parallel branches
    assert (root / "report.txt").read_text() == "RAW|ROWS=20|SEED=7|N=2"
    assert (root / "side.txt").read_text() == "7"
    order = [(k, s) for k, s, _ in events if k in ("started", "finished")]
    assert order.index(("finished", "prepare")) < order.index(("started", "train"))
    assert order.index(("finished", "train")) < order.index(("started", "report"))
    first_end = next(i for i, (k, _) in enumerate(order) if k == "finished")
    assert {("started", "prepare"), ("started", "side")} <= set(order[:first_end])  # ran side by side
    assert any(k == "cell" and s == "train" for k, s, _ in events)

    # MLflow: one parent run, one child per step with its parameters, the executed notebook
    parent = mlflow_client.get_run(result.run_id)
    assert parent.info.status == "FINISHED" and parent.data.params == {"seed": "7", "train.n": "2"}
    assert re.fullmatch(r"churn \d\d-\d\d \d\d:\d\d:\d\d", parent.info.run_name), parent.info.run_name
    assert parent.data.metrics["steps_succeeded"] == 4
    steps = {s: mlflow_client.get_run(result[s].run_id) for s in result.steps}
    for name, run in steps.items():
        assert run.info.status == "FINISHED" and run.info.run_name == name
        assert run.data.tags["mlflow.parentRunId"] == result.run_id
        assert "notebook" in {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
    assert steps["prepare"].data.params == {"seed": "7", "rows": "20"}
    assert steps["train"].data.params == {"n": "2", "mode": "fast"}  # the notebook's defaults, then injected
    assert steps["train"].data.metrics["final"] == 2.5  # %mlops track in the step attached to its run
    (fit,) = mlflow_client.search_runs([parent.info.experiment_id], "attributes.run_name = 'fit'")
    assert fit.data.tags["mlflow.parentRunId"] == result["train"].run_id and fit.data.metrics == {"score": 0.5}
    executed = nbformat.read(result["train"].executed, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)

    # what a step decided: published in its kernel, on its run, in the result and the lock file
    assert result["report"].outcome == "report written"
    assert steps["report"].data.tags["mlops.outcome"] == "report written"
    assert result["train"].outcome is None and "mlops.outcome" not in steps["train"].data.tags

    # the lock file records what produced what
    lock = yaml.safe_load(churn.with_suffix(".lock").read_text())
    assert lock["last_run"]["run_id"] == result.run_id
    assert lock["steps"]["train"]["run_id"] == result["train"].run_id
    assert lock["steps"]["train"]["upstream"] == {"prepare": lock["steps"]["prepare"]["key"]}
    assert set(lock["steps"]["train"]["outputs"]) == {"model.txt"}
    assert lock["steps"]["report"]["outcome"] == "report written"

    # unchanged: everything cached, no kernel, no run
    with monkeypatch.context() as patch:  # (monkeypatch.undo() would also undo the store's MLOPS_HOME)
        patch.setattr("mlops_magics.core.pipeline.execute.execute_step",
                      lambda *a, **k: pytest.fail("a cached step started a kernel"))
        again = pipeline.run(str(churn), params={"train.n": 2}, jobs=2)
    assert [s.state for s in again.steps.values()] == ["cached"] * 4 and again.run_id is None
    assert again["report"].outcome == "report written"

    # a code edit in report: only report runs, in a new parent run
    nb = nbformat.read(root / "report.ipynb", as_version=4)
    nb.cells[-1].source += "\nprint('edited')"
    nbformat.write(nb, root / "report.ipynb")
    third = pipeline.run(str(churn), params={"train.n": 2})
    assert {n: s.state for n, s in third.steps.items()} == {
        "prepare": "cached", "train": "cached", "report": "succeeded", "side": "cached"}
    assert third.run_id != result.run_id and third["report"].reason == "notebook code changed"
    assert mlflow_client.get_run(third["report"].run_id).data.tags["mlflow.parentRunId"] == third.run_id
    status = pipeline.status(str(churn), params={"train.n": 2})
    assert {s.reason for s in status.steps.values()} == {"up to date"}
    assert status.run_id == third.run_id and status["train"].run_id == result["train"].run_id
