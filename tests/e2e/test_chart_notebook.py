"""The live chart's static picture survives papermill and nbconvert (a real kernel, real converters)."""

from __future__ import annotations

import re

import nbformat
import pytest

pytestmark = pytest.mark.kernel

TRAIN = """%%mlops track --run-name curve
import time
from mlops_magics import active_run
for i in range(25):
    active_run().log_metric("loss", 1 / (i + 1), step=i)
    time.sleep(0.05)
"""
BOOST = """%%mlops track --run-name boost
import numpy as np, lightgbm as lgb
rng = np.random.default_rng(0)
X = rng.normal(size=(400, 3)); y = X[:, 0] + rng.normal(size=400)
train = lgb.Dataset(X, y); valid = lgb.Dataset(X[:80], y[:80], reference=train)
booster = lgb.train({"objective": "regression", "verbose": -1}, train, num_boost_round=12, valid_sets=[valid])
"""


def _curve_points(html: str, series: str) -> int:
    found = re.search(rf'data-series="{re.escape(series)}".*?<path d="([^"]+)"', html)
    assert found, f"no curve of {series}"
    return found.group(1).count("L") + 1


def test_static_chart_survives_papermill_and_nbconvert(mlops_home, tmp_path):
    import papermill
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ("%load_ext mlops_magics", TRAIN, BOOST)]
    nbformat.write(nb, tmp_path / "in.ipynb")
    papermill.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"),
                               cwd=str(mlops_home.parent), progress_bar=False, kernel_name="python3")
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)

    for cell, series, steps in ((executed.cells[1], "loss", 25), (executed.cells[2], "valid_0-l2", 12)):
        html = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        static = [h for h in html if h.startswith('<div class="mlops-chart-static"')]
        assert len(static) == 1, "one static picture, updated in place to the final curve"
        assert "<svg" in static[0] and _curve_points(static[0], series) == steps
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)
        assert "mlops-run-card" in html[-1]

    page, _ = HTMLExporter().from_notebook_node(executed)
    pictures = re.findall(r'<div class="mlops-chart-static".*?</svg></div></div>', page, re.S)
    assert len(pictures) == 2
    assert _curve_points(pictures[0], "loss") == 25 and _curve_points(pictures[1], "valid_0-l2") == 12
    assert "display:none" not in pictures[0][:200]  # nothing hides it where no widget runs
