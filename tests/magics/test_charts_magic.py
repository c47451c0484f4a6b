"""Live charts under ``%%mlops track`` cells, ``%mlops compare`` / ``%mlops runs --plot`` pictures and
autolog beyond scikit-learn (LightGBM), on a real InteractiveShell."""

from __future__ import annotations

import re

import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.error import UsageError

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def outputs(ip):
    """What the cells display (every display and display update, in order)."""
    publisher, ip.display_pub = ip.display_pub, CapturingDisplayPublisher()
    yield ip.display_pub.outputs
    ip.display_pub = publisher


def _runs(client, **kw):
    return client.search_runs([e.experiment_id for e in client.search_experiments()], **kw)


def _curve_points(html: str, series: str) -> int:
    found = re.search(rf'data-series="{re.escape(series)}".*?<path d="([^"]+)"', html)
    assert found, f"no curve of {series}"
    return found.group(1).count("L") + 1


def _charts(outputs) -> tuple[list[dict], list[dict]]:
    """(the static chart outputs, the widget views) among the captured outputs."""
    static = [o for o in outputs if "mlops-chart-static" in o["data"].get("text/html", "")
              and "mlops-run-card" not in o["data"]["text/html"]]
    return static, [o for o in outputs if WIDGET in o["data"]]


def test_stepped_metrics_draw_a_live_chart_that_ends_as_a_picture(ip, outputs):
    ip.run_cell(
        "%%mlops track --run-name loop\n"
        "import time\n"
        "from mlops_magics import active_run\n"
        "for i in range(12):\n"
        "    active_run().log_metric('loss', 1 / (i + 1), step=i)\n"
        "    %mlops log metric acc={0.5 + i / 30} --step {i}\n"
        "    time.sleep(0.1)\n"
    )
    static, views = _charts(outputs)
    first, *updates = static
    assert first["transient"]["display_id"] and len(views) == 1  # shown once, updated in place
    final = updates[-1]
    assert final["update"] and final["transient"]["display_id"] == first["transient"]["display_id"]
    picture = final["data"]["text/html"]
    assert _curve_points(picture, "loss") == 12 and _curve_points(picture, "acc") == 12  # one line a metric
    assert "run loop" in picture
    card = outputs[-1]["data"]["text/html"]
    assert "mlops-run-card" in card and "live chart" not in card  # no problems reported
    assert outputs.index(first) < outputs.index(views[0]) < outputs.index(final)


def test_a_failing_cell_keeps_its_curve_and_its_run_ends_failed(ip, outputs, mlflow_client):
    result = ip.run_cell_quiet(
        "%%mlops track --run-name diverged\n"
        "from mlops_magics import active_run\n"
        "for i in range(6):\n"
        "    active_run().log_metric('loss', 2.0 ** i, step=i)\n"
        "raise FloatingPointError('loss diverged')\n"
    )
    assert isinstance(result.error_in_exec, FloatingPointError)
    static, _ = _charts(outputs)
    assert _curve_points(static[-1]["data"]["text/html"], "loss") == 6
    (run,) = _runs(mlflow_client)
    assert run.info.status == "FAILED" and len(mlflow_client.get_metric_history(run.info.run_id, "loss")) == 6
    import threading

    assert not any(t.name == "mlops-live-metrics" for t in threading.enumerate())  # the watcher stopped


def test_values_sent_straight_to_mlflow_are_drawn_too(ip, outputs, mlflow_client):
    ip.run_cell(
        "%%mlops track --run-name own-mlflow\n"
        "import time, mlflow\n"
        "for i in range(6):\n"
        "    mlflow.log_metric('val_loss', 2 / (i + 1), step=i)\n"
        "    time.sleep(0.2)\n"
    )
    static, _ = _charts(outputs)
    assert _curve_points(static[-1]["data"]["text/html"], "val_loss") == 6
    (run,) = _runs(mlflow_client)
    assert len(mlflow_client.get_metric_history(run.info.run_id, "val_loss")) == 6


def test_no_chart_without_steps_or_with_no_chart(ip, outputs):
    ip.run_cell("%%mlops track --run-name flat\nscore = 0.5 + 0.25\n")
    ip.run_cell("%%mlops track --run-name quiet --no-chart\nfrom mlops_magics import active_run\n"
                "for i in range(5):\n    active_run().log_metric('loss', 1 / (i + 1), step=i)\n")
    assert _charts(outputs) == ([], [])
    assert sum("mlops-run-card" in o["data"].get("text/html", "") for o in outputs) == 2
    with pytest.raises(UsageError, match="--no-chart are for %%mlops track cells"):
        ip.run_line_magic("mlops", "track --no-chart")


def test_lightgbm_is_autologged_into_the_cell_run_with_its_curve(ip, outputs, mlflow_client):
    ip.run_cell(
        "%%mlops track --run-name boost\n"
        "import numpy as np, lightgbm as lgb\n"  # imported inside the tracked cell: MLflow's import hook
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(500, 4)); y = X[:, 0] * 2 + rng.normal(size=500)\n"
        "train = lgb.Dataset(X, y); valid = lgb.Dataset(X[:100], y[:100], reference=train)\n"
        "booster = lgb.train({'objective': 'regression', 'verbose': -1}, train, num_boost_round=15,\n"
        "                    valid_sets=[valid])\n"
    )
    ip.run_cell("booster2 = lgb.train({'objective': 'regression', 'verbose': -1}, train, num_boost_round=5)")
    (run,) = _runs(mlflow_client)  # the untracked fit started no run of its own
    assert run.info.run_name == "boost" and run.data.params["objective"] == "regression"
    history = mlflow_client.get_metric_history(run.info.run_id, "valid_0-l2")
    assert [m.step for m in history] == list(range(15))
    static, _ = _charts(outputs)
    assert _curve_points(static[-1]["data"]["text/html"], "valid_0-l2") == 15
    ip.run_cell("%%mlops track --run-name boost-again --no-autolog\n"
                "booster3 = lgb.train({'objective': 'regression', 'verbose': -1}, train, num_boost_round=5)\n")
    again = [r for r in _runs(mlflow_client) if r.info.run_name == "boost-again"][0]
    assert "objective" not in again.data.params


def test_compare_and_plot_show_pictures_and_a_widget(ip, outputs):
    for name, lr in (("<b>a</b>", 0.1), ("b", 0.01), ("c", 0.001)):
        ip.run_cell(f"%%mlops track --run-name '{name}' --no-chart\nfrom mlops_magics import active_run\n"
                    f"learning_rate = {lr}\n"
                    "for i in range(8):\n    active_run().log_metric('loss', learning_rate * 10 / (i + 1), step=i)\n"
                    "rmse = learning_rate * 3\n")
    outputs.clear()
    ip.run_cell("cmp = %mlops compare '<b>a</b>' b\ncmp")
    card, view = outputs
    assert card["data"]["text/html"].count("<svg") == 2 and "&lt;b&gt;a&lt;/b&gt;" in card["data"]["text/html"]
    assert "<b>a</b>" not in card["data"]["text/html"] and WIDGET in view["data"]
    outputs.clear()
    ip.run_cell("p = %mlops runs --plot -rmse --by learning_rate\np")
    card, view = outputs
    assert "best: c" in card["data"]["text/html"] and WIDGET in view["data"]
    assert ip.user_ns["p"].best["name"] == "c"
    cases = {
        "runs --by learning_rate": "--by goes with --plot",
        "runs --plot rmse --by depth": "no such param in these runs",
        "runs --plot nothing": "no listed run has the metric 'nothing'",
        "runs --plot rmse --by ,": "give param names",
    }
    for line, message in cases.items():
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("mlops", line)


AUTOLOG_SCRIPT = """
import sys
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "mlops_magics")
ip.run_cell("%%mlops track --run-name plain\\nscore = 0.5 + 0.25\\n")
print("imported after a tracked cell:", sorted(m for m in ("lightgbm", "mlflow.lightgbm", "xgboost", "keras",
      "torch", "tensorflow", "statsmodels") if m in sys.modules))
import mlflow, mlflow.lightgbm, lightgbm as lgb, numpy as np
mlflow.lightgbm.autolog(log_models=False, log_datasets=False, silent=True)  # the user's own choice
ip.run_cell("%%mlops track --run-name mine\\nx = 1 + 1\\n")
X = np.random.default_rng(0).normal(size=(200, 3))
with mlflow.start_run(run_name="users-own") as run:
    lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, X[:, 0]), num_boost_round=3)
print("user's autolog still on:", "objective" in mlflow.get_run(run.info.run_id).data.params)
"""


def test_autolog_imports_no_framework_and_leaves_the_users_own_settings(mlops_home, tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "autolog_check.py"
    script.write_text(AUTOLOG_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=mlops_home.parent, env={**os.environ})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported after a tracked cell: []" in done.stdout
    assert "user's autolog still on: True" in done.stdout
