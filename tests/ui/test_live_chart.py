"""Charts in a real JupyterLab (Debian's chromium driven by Playwright).

A tracked cell that logs a stepped metric slowly grows a line under the cell while it runs (two
screenshots at two moments), the static twin stays hidden where the widget runs, and clicking a mark of
``%mlops compare`` / ``%mlops runs --plot`` names its run. With ``MLOPS_SCREENSHOTS=1`` the screenshots
go to ``docs/screenshots/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_page import lab_project, open_notebook, screenshot_dir, start_lab, stop_jupyter, wait_for_all_cells  # noqa: E402

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

HOSTILE = "<img src=x onerror=alert(1)>"
STEPS = 40
LOOP = f"""%%mlops track --run-name slow-training
import math, time
from mlops_magics import active_run
for i in range({STEPS}):
    active_run().log_metric("loss", math.exp(-i / 12) + 0.05 * math.sin(i), step=i)
    time.sleep(0.3)
"""
POINTS = ("(() => { const p = document.querySelector('.mmc svg.mlops-line-chart g[data-series=\"loss\"] path');"
          " return p ? p.getAttribute('d').split('L').length : 0; })()")


def _notebook(path: Path, *cells: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base, root = lab_project(tmp_path_factory, "charts-ui")
    _notebook(root / "live.ipynb", "%load_ext mlops_magics", LOOP)
    training = [
        f"%%mlops track --run-name '{name}' --no-chart\nfrom mlops_magics import active_run\n"
        f"learning_rate = {lr}\nfor i in range(10):\n"
        "    active_run().log_metric('loss', learning_rate * 10 / (i + 1), step=i)\nrmse = learning_rate * 3"
        for name, lr in ((HOSTILE, 0.1), ("baseline", 0.01), ("small-lr", 0.001))
    ]
    _notebook(root / "compare.ipynb", "%load_ext mlops_magics", *training,
              f"%mlops compare '{HOSTILE}' baseline", "%mlops runs --plot rmse --by learning_rate")
    proc, url, log = start_lab(base, root)
    yield {"url": url, "root": root, "log": log}
    stop_jupyter(proc)


def _run_all(page) -> None:
    """Start every cell; returns at once (the command's promise resolves only when all have run)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def test_live_chart_grows_while_the_cell_runs(lab, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    page, alerts, problems = open_notebook(browser, lab, "live.ipynb", height=700)
    _run_all(page)
    cell = page.locator(".jp-Notebook .jp-Cell").nth(1)  # the tracked loop, its code and its chart
    page.wait_for_function(f"{POINTS} >= 3", timeout=60_000)
    early = page.evaluate(POINTS)
    assert early < STEPS  # drawn while the loop still runs
    cell.screenshot(path=str(shots / "live-chart-early.png"))
    page.wait_for_function(f"{POINTS} >= {early + 10}", timeout=60_000)
    later = page.evaluate(POINTS)
    cell.screenshot(path=str(shots / "live-chart-later.png"))
    assert early < later
    # the static twin (what a saved notebook shows) is there but hidden while the widget runs
    assert page.locator(".mlops-chart-static").count() == 1
    assert page.evaluate("document.querySelector('.mlops-chart-static').offsetParent === null")

    assert wait_for_all_cells(page) == []
    page.wait_for_function(f"{POINTS} === {STEPS}", timeout=30_000)  # the final picture
    page.locator(".mlops-run-card").wait_for(timeout=30_000)
    # the final picture replaced the static output; it stays hidden under the live widget
    page.wait_for_function("[...document.querySelectorAll('.mlops-chart-static')].every(e => e.offsetParent === null)"
                           " && document.querySelector('.mlops-chart-static path') !== null", timeout=30_000)
    static_points = page.evaluate("document.querySelector('.mlops-chart-static g[data-series=\"loss\"] path')"
                                  ".getAttribute('d').split('L').length")
    assert static_points == STEPS
    assert alerts == [] and problems == []
    page.close()


def test_clicking_a_mark_names_its_run(lab, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    page, alerts, problems = open_notebook(browser, lab, "compare.ipynb", height=1400)
    _run_all(page)
    assert wait_for_all_cells(page) == []
    compare, plot = page.locator(".mmc").nth(0), page.locator(".mmc").nth(1)
    compare.locator("svg.mlops-line-chart").wait_for(timeout=60_000)
    assert page.evaluate("[...document.querySelectorAll('.mlops-chart-static')].every(e => e.offsetParent === null)")
    assert page.locator(".mlops-chart-static").count() == 2  # and the comparison table stays visible
    assert page.locator("table", has_text="learning_rate").first.is_visible()

    hostile_line = compare.locator(f"svg.mlops-line-chart g[data-series^='{HOSTILE}'] circle")
    hostile_line.click()
    info = compare.locator(".info")
    assert HOSTILE in info.inner_text() and "run " in info.inner_text()
    run_id = info.locator("code").inner_text().removeprefix("run ")
    assert len(run_id) == 32
    compare.locator("svg.mlops-bar-chart g[data-run] rect").last.click()
    assert "baseline" in info.inner_text() and "rmse" in info.inner_text()
    compare.scroll_into_view_if_needed()
    compare.screenshot(path=str(shots / "compare-charts.png"))

    best = plot.locator("svg.mlops-scatter g[data-run]", has_text="best: small-lr")
    best.locator("circle").click()
    assert "small-lr" in plot.locator(".info").inner_text()
    plot.scroll_into_view_if_needed()
    plot.screenshot(path=str(shots / "runs-plot.png"))
    assert page.locator(".mmc img").count() == 0 and alerts == [] and problems == []
    page.close()
