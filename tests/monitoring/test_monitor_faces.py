"""The faces: %mlops monitor / %mlops validate in a real InteractiveShell, and the mlops CLI (exit statuses,
and --every stopped by Ctrl-C in a real process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from mlops_magics.cli import main
from mlops_magics.core.drift.quality import QualityFailed
from mlops_magics.core.drift.result import DriftDetected
from mlops_magics.render.formatters import html as html_of
from traffic_factory import FEATURES, capture, customers, serve_champion


@pytest.fixture
def served(mlops_home):
    model = serve_champion()
    capture(mlops_home.parent / "capture", "traffic", model, customers(1500, 1), 0)
    return model


def test_monitor_magic_shows_a_card_and_fails_the_cell_on_drift(ip, served, mlops_home):
    result = ip.run_line_magic("mlops", "monitor churn@champion --traffic traffic --window 1500")
    assert result.verdict == "no drift" and result.run_id
    card = html_of(result)
    assert "churn@champion" in card and ">no drift<" in card and "no retraining recorded for churn yet" in card
    capture(mlops_home.parent / "capture", "traffic", served, customers(1500, 2, shift=2.0), 1)
    with pytest.raises(DriftDetected, match="data drift: 3 of 3 columns drifted"):
        ip.run_cell("%mlops monitor churn@champion --traffic traffic --window 1500 --fail-on-drift")
    with pytest.raises(UsageError, match="--window 'soon': give a number of rows"):
        ip.run_line_magic("mlops", "monitor churn@champion --traffic traffic --window soon")
    with pytest.raises(UsageError, match="no measure 'nope'"):
        ip.run_line_magic("mlops", "monitor churn@champion --traffic traffic --when 'nope > 1'")


def test_validate_magic_returns_the_report_and_fails_the_cell_with_fail(ip, served):
    ip.run_cell("from traffic_factory import customers, FEATURES\n"
                "good = customers(800, 3)[FEATURES]\nbad = good.drop(columns=['plan']).assign(extra=1)")
    report = ip.run_line_magic("mlops", "validate good --against churn@champion --fail")
    assert report.ok
    outcome = ip.run_cell_quiet("%mlops validate bad --against churn@champion --fail")
    assert isinstance(outcome.error_in_exec, QualityFailed)
    assert "plan: missing column" in str(outcome.error_in_exec) and "extra: extra column" in str(outcome.error_in_exec)
    # a data version of captured traffic: the capture's own columns are not "extra"
    assert ip.run_line_magic("mlops", "validate traffic@latest --against churn@champion").ok


def test_cli_exit_statuses(served, mlops_home, capsys):
    assert main(["monitor", "churn@champion", "--traffic", "traffic", "--window", "1500", "--fail-on-drift"]) == 0
    out, _ = capsys.readouterr()
    assert "churn@champion (v1) on traffic@v1 (1,500 rows): no drift" in out
    capture(mlops_home.parent / "capture", "traffic", served, customers(1500, 2, shift=2.0), 1)
    assert main(["monitor", "churn@champion", "--traffic", "traffic", "--window", "1500", "--fail-on-drift"]) == 1
    out, err = capsys.readouterr()
    assert "drift, 3 of 3 columns drifted" in out and err.startswith("mlops monitor: churn@champion (v1)")
    assert main(["monitor", "churn@champion", "--traffic", "no-such-traffic"]) == 2
    assert "no-such-traffic" in capsys.readouterr().err
    assert main(["monitor", "churn@champion", "--traffic", "traffic", "--every", "1m", "--fail-on-drift"]) == 2
    assert "--fail-on-drift is for single checks" in capsys.readouterr().err

    bad = mlops_home.parent / "bad.csv"
    customers(300, 4)[FEATURES].assign(tenure="unknown").to_csv(bad, index=False)
    assert main(["validate", str(bad), "--against", "churn@champion", "--fail", "--json", str(bad) + ".json"]) == 1
    out, err = capsys.readouterr()
    assert "tenure: retyped (was numeric (float64), now categorical (object))" in out
    assert Path(str(bad) + ".json").read_text().count('"check": "retyped"') == 1
    assert main(["validate", "traffic@v1", "--against", "churn@champion", "--fail"]) == 0


def test_every_keeps_checking_until_ctrl_c_and_every_run_ends(served, mlops_home, mlflow_client):
    command = [str(Path(sys.executable).with_name("mlops")), "monitor", "churn@champion", "--traffic", "traffic",
               "--window", "1500", "--every", "1s"]
    proc = subprocess.Popen(command, cwd=mlops_home.parent, env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            exp = mlflow_client.get_experiment_by_name("monitoring")
            finished = mlflow_client.search_runs([exp.experiment_id], "attributes.status = 'FINISHED'") if exp else []
            if len(finished) >= 2:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "checking churn@champion on traffic every 1s; Ctrl-C stops" in err
    assert "mlops monitor: stopped after" in err and "Traceback" not in err
    assert out.count("churn@champion (v1) on traffic@v1 (1,500 rows): no drift") >= 2
    exp = mlflow_client.get_experiment_by_name("monitoring")
    statuses = {r.info.status for r in mlflow_client.search_runs([exp.experiment_id])}
    assert statuses <= {"FINISHED", "KILLED"}, statuses  # none left RUNNING
