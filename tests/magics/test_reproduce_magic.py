"""``%mlops reproduce`` / ``mlops reproduce`` refusing what cannot be reproduced, before any kernel starts:
one-line messages (UsageError in the notebook, exit status 2 from the CLI); the data pins of the store; the
card's HTML escapes what it shows."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from mlops_magics.cli import main
from mlops_magics.core.reproduce.results import Cause, Reproduction, ValueCheck
from mlops_magics.render.formatters import html as html_of


def _runs(client, name):
    exps = [e.experiment_id for e in client.search_experiments()]
    return [r for r in client.search_runs(exps) if r.info.run_name == name]


def test_a_cell_run_is_refused_with_its_notebook_run_named(ip, mlflow_client):
    ip.run_line_magic("mlops", "track --run-name session")
    ip.run_cell("%%mlops track --run-name step\nscore = 1 + 1\n")
    ip.run_line_magic("mlops", "stop")
    (notebook,) = _runs(mlflow_client, "session")
    with pytest.raises(UsageError, match=f"is the run of one %%mlops track cell: reproduce the notebook run it "
                                         f"belongs to, {notebook.info.run_id}"):
        ip.run_line_magic("mlops", "reproduce step")


def test_a_run_tracked_without_code_has_nothing_to_re_execute(ip, mlflow_client):
    ip.run_line_magic("mlops", "track --run-name secret --no-code")
    ip.run_cell("x = 1")
    ip.run_line_magic("mlops", "stop")
    with pytest.raises(UsageError, match="was tracked with --no-code: its cells' sources were not stored"):
        ip.run_line_magic("mlops", "reproduce secret")


def test_a_run_with_no_code_log_is_refused(ip, mlflow_client):
    from mlops_magics import track

    with track(run_name="script-run"):
        pass
    with pytest.raises(UsageError, match=r"has no code log \(code/code_log.jsonl\): only notebook runs"):
        ip.run_line_magic("mlops", "reproduce script-run")


def test_a_pipeline_step_is_sent_back_to_its_pipeline(ip, mlflow_client):
    experiment = mlflow_client.create_experiment("pipe")
    step = mlflow_client.create_run(experiment, run_name="train-step",
                                    tags={"mlops.kind": "pipeline-step", "mlops.pipeline": "churn",
                                          "mlops.pipeline.step": "train"})
    mlflow_client.set_terminated(step.info.run_id)
    with pytest.raises(UsageError, match="is step 'train' of pipeline 'churn': re-run it with mlops run "
                                         "PIPELINE.yaml --only train --force"):
        ip.run_line_magic("mlops", "reproduce train-step")


def test_bad_tolerances_and_unknown_runs(ip, capsys):
    with pytest.raises(UsageError, match="--rtol and --atol must be 0 or more"):
        ip.run_line_magic("mlops", "reproduce anything --rtol -1")
    with pytest.raises(UsageError, match="argument --atol: invalid float value"):
        ip.run_line_magic("mlops", "reproduce anything --atol lots")
    assert main(["reproduce", "no-such-run"]) == 2
    assert "mlops reproduce: no run named or starting with 'no-such-run'" in capsys.readouterr().err


def test_pinned_names_resolve_latest_to_the_pinned_version(mlops_home, monkeypatch):
    import pandas as pd

    from mlops_magics import data

    data.add(pd.DataFrame({"v": [1]}), name="train", run=None)
    data.add(pd.DataFrame({"v": [1, 2]}), name="train", run=None)
    data.add(pd.DataFrame({"w": [3]}), name="other", run=None)
    monkeypatch.setenv("MLOPS_PIN_DATA", "train=v1")
    assert len(data.load("train", run=None)) == 1
    assert len(data.load("train@latest", run=None)) == 1
    assert len(data.load("train@v2", run=None)) == 2  # an explicit version is what it says
    assert list(data.load("other", run=None).columns) == ["w"]
    monkeypatch.setenv("MLOPS_PIN_DATA", "")
    assert len(data.load("train", run=None)) == 2


def test_the_card_escapes_what_it_shows():
    result = Reproduction(
        original_run_id="a" * 32, original_name="<b>nb</b>", new_run_id="b" * 32, new_name="nb (reproduction)",
        experiment_id="1", reproduced=False, notebook="/tmp/x.ipynb", cells=3, status="FINISHED", rtol=1e-7,
        atol=0.0, values=[ValueCheck("notebook", "param", "model", "<script>", "rf", ok=False),
                          ValueCheck("notebook", "metric", "acc", 0.9, 0.9, 0.0, 0.0, True)],
        causes=[Cause("outside-state", "variables defined before %mlops track: <x> (read by In[2])", (2,))])
    card = html_of(result)
    assert "<script>" not in card and "&lt;script&gt;" in card and "&lt;b&gt;nb&lt;/b&gt;" in card
    assert "not reproduced" in card and "1 of 2 value(s) differ" in card and "&lt;x&gt; (read by In[2])" in card
    text = repr(result)
    assert text.splitlines()[0] == "not reproduced: 1 of 2 value(s) differ (rtol 1e-07, atol 0)"
    assert "likely causes:\n  - variables defined before %mlops track: <x> (read by In[2])" in text
    assert result.to_pandas().shape == (2, 8)
