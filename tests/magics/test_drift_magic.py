"""%mlops drift on a real InteractiveShell: sources, options, --log / --fail / --save, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError

from mlops_magics.drift import DriftDetected, DriftResult, summarize


@pytest.fixture
def frames(ip):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("ab"), 300), "y": rng.normal(size=300)})
    cur = ref.assign(x=rng.normal(2, size=300), c=rng.choice(list("ab"), 300, p=[.9, .1]))
    ip.user_ns.update(ref=ref, cur=cur, same=ref.copy())
    return ref, cur


def test_variables_in_and_result_out(ip, frames):
    r = ip.run_line_magic("mlops", "drift ref cur")
    assert isinstance(r, DriftResult) and r.dataset_drift and r.drifted_columns == ["x", "c"]
    assert r.reference_label == "ref"
    ip.run_cell("r2 = %mlops drift ref same --columns x,y --method psi --threshold 0.2")
    r2 = ip.user_ns["r2"]
    assert r2.table["column"].tolist() == ["x", "y"] and set(r2.table["test"]) == {"psi"}
    assert r2.thresholds == {"p_value": 0.2, "distance": 0.2} and not r2.dataset_drift


def test_display_is_the_static_report_then_the_widget(ip, frames):
    from IPython.core.displaypub import CapturingDisplayPublisher

    publisher, ip.display_pub = ip.display_pub, CapturingDisplayPublisher()
    try:
        ip.run_cell("r = %mlops drift ref cur --target c --correction bh\nr")
        outputs = [o["data"] for o in ip.display_pub.outputs]
    finally:
        ip.display_pub = publisher
    r = ip.user_ns["r"]
    static, live = outputs  # papermill/nbconvert/GitHub show the first; a live frontend the widget
    assert static["text/html"].startswith("<style>") and "dataset drift" in static["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in static
    assert "application/vnd.jupyter.widget-view+json" in live
    assert "p_value_adj" in r.table.columns and r.table.set_index("column").loc["c", "role"] == "target"


def test_files_and_stored_summaries(ip, frames, tmp_path):
    ref, cur = frames
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_parquet(tmp_path / "cur.parquet")
    summarize(ref).save(tmp_path / "ref.json")
    ip.user_ns["summary"] = summarize(ref)
    from_files = ip.run_line_magic("mlops", f"drift {tmp_path / 'ref.csv'} {tmp_path / 'cur.parquet'}")
    from_json = ip.run_line_magic("mlops", f"drift {tmp_path / 'ref.json'} cur")
    from_var = ip.run_line_magic("mlops", "drift summary cur")
    for r in (from_files, from_json, from_var):
        assert r.drifted_columns == ["x", "c"]


def test_data_versions(ip, frames):
    ip.run_line_magic("mlops", "data add ref --name train")
    r = ip.run_line_magic("mlops", "drift train@v1 cur")
    assert r.drifted_columns == ["x", "c"] and r.reference_label == "train@v1"
    with pytest.raises(UsageError, match="no dataset named 'nope'"):
        ip.run_line_magic("mlops", "drift nope@v1 cur")


def test_bad_input_is_a_usage_error(ip, frames):
    cases = {
        "drift ref": "the following arguments are required",
        "drift ref nothere": "'nothere' is not a variable, a file",
        "drift ref cur --method magic": "invalid choice",
        "drift ref cur --columns x,zz": "'zz' is in neither",
        "drift ref cur --threshold -1": "must be a positive number",
        "drift ref missing.csv": "no file at",
    }
    for line, message in cases.items():
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("mlops", line)
    ip.user_ns["number"] = 3
    with pytest.raises(UsageError, match="number is a int"):
        ip.run_line_magic("mlops", "drift number cur")
    ip.user_ns["summary"] = summarize(frames[0])
    with pytest.raises(UsageError, match="the current side needs rows"):
        ip.run_line_magic("mlops", "drift ref summary")


def test_fail_raises_drift_detected_after_showing_the_report(ip, frames, capsys):
    result = ip.run_cell_quiet("%mlops drift ref cur --fail")
    assert isinstance(result.error_in_exec, DriftDetected)
    assert "2 of 3 columns drifted (x, c)" in str(result.error_in_exec)
    assert "Drift in 2 of 3 columns" in capsys.readouterr().out  # the report, shown before the error
    assert ip.run_line_magic("mlops", "drift ref same --fail").dataset_drift is False


def test_save_writes_the_static_report(ip, frames, tmp_path):
    path = tmp_path / "report.html"
    ip.run_line_magic("mlops", f"drift ref cur --save {path}")
    text = path.read_text()
    assert text.startswith("<!doctype html>") and "<script" not in text and "Drift: 2 of 3 columns" in text


def test_log_without_a_run_logs_into_a_run_of_its_own(ip, frames, capsys, mlflow_client):
    ip.run_line_magic("mlops", "drift ref cur --log")
    run_id = capsys.readouterr().out.split("logged to run ")[1].split()[0]
    run = mlflow_client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "drift ref vs cur"
    assert run.data.metrics["drift.dataset_drift"] == 1.0
    names = {a.path for a in mlflow_client.list_artifacts(run_id, "drift")}
    assert names == {"drift/drift_report.html", "drift/drift_report.json"}


def test_log_into_the_active_run(ip, frames, mlflow_client):
    ip.run_cell("%%mlops track --run-name drift-check\nresult = %mlops drift ref cur --log\n")
    exps = [e.experiment_id for e in mlflow_client.search_experiments()]
    (run,) = mlflow_client.search_runs(exps)
    metrics = run.data.metrics
    assert metrics["drift.dataset_drift"] == 1.0 and metrics["drift.n_drifted"] == 2.0
    assert metrics["drift.x.drift"] == 1.0 and "drift.x.p_value" in metrics and "drift.y.psi" in metrics
    files = {a.path for a in mlflow_client.list_artifacts(run.info.run_id, "drift")}
    assert files == {"drift/drift_report.html", "drift/drift_report.json"}


def test_evidently_report_inline(ip, frames):
    shown = []
    ip.display_pub.publish = lambda data, *a, **k: shown.append(data)
    try:
        ip.run_line_magic("mlops", "drift ref cur --evidently --columns x")
    finally:
        del ip.display_pub.publish
    assert any("text/html" in d for d in shown)
    ip.user_ns["summary"] = summarize(frames[0])
    with pytest.raises(UsageError, match="needs the reference rows"):
        ip.run_line_magic("mlops", "drift summary cur --evidently")
