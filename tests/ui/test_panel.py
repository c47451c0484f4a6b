"""Browser end to end: a real ``jupyter lab``, Debian's chromium driven by Playwright.

Opens a notebook, runs ``%load_ext mlops_magics``, ``%mlops track`` and a ``%%mlops track`` cell
whose run name is HTML, then checks the side panel, the status bar and the parameters-cell command.
Screenshots go to ``docs/screenshots/`` when ``MLOPS_SCREENSHOTS=1`` (for the README), else to the
test's temporary folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_page import (  # noqa: E402
    lab_project, open_notebook, run_all_cells, screenshot_dir, start_lab, stop_jupyter,
)

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

HOSTILE = "<img src=x onerror=alert(1)>"
TOGGLE = "[data-jp-item-name='mlops-toggle-parameters']"
RUN_WITH = "[data-jp-item-name='mlops-run-with-parameters']"


def write_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext mlops_magics\n%mlops track --run-name notebook-session"),
        nbformat.v4.new_code_cell(f'%%mlops track --run-name "{HOSTILE}"\nlearning_rate = 0.1\naccuracy = 0.5 + 0.42'),
        nbformat.v4.new_code_cell("%%mlops track --run-name train-baseline\nn_estimators = 200\nscore = 0.87"),
        nbformat.v4.new_code_cell("alpha = 0.5\nseed = 7"),
    ]
    nbformat.write(nb, path)


def kernel_execute(page, code: str) -> None:
    """Run ``code`` on the open notebook's kernel (not as a cell) and wait for it to finish."""
    page.evaluate("""async (code) => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.sessionContext.session.kernel.requestExecute({code}).done; }""", code)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base, root = lab_project(tmp_path_factory, "panel-ui")
    write_notebook(root / "demo.ipynb")
    proc, url, log = start_lab(base, root)
    yield {"url": url, "root": root, "log": log}
    stop_jupyter(proc)


def test_panel_status_bar_and_parameters(lab, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    page, alerts, problems = open_notebook(browser, lab, "demo.ipynb", height=860)

    # the extension's pieces are there before anything ran: the toolbar buttons come from the schema
    assert page.locator(".jp-SideBar [data-id='mlops-panel']").count() == 1
    page.locator(f".jp-NotebookPanel-toolbar {TOGGLE}").wait_for(timeout=30_000)
    assert page.locator(f".jp-NotebookPanel-toolbar {RUN_WITH}").count() == 1

    # run every cell: %load_ext, the notebook run, two tracked cells
    assert run_all_cells(page) == []

    # the status bar shows the kernel's active notebook run, with its clock
    indicator = page.locator(".mlops-statusbar:not(.mlops-hidden)")
    indicator.wait_for(timeout=30_000)
    assert "notebook-session" in indicator.inner_text()
    assert page.locator(".mlops-statusbar-clock").inner_text().strip().count(":") == 1

    # the side panel lists this notebook's runs first, the hostile name as text
    page.click(".jp-SideBar [data-id='mlops-panel']")
    page.wait_for_function("document.querySelectorAll('.mlops-panel .mlops-run').length >= 3", timeout=30_000)
    titles = page.locator(".mlops-panel .mlops-section-title").all_inner_texts()
    assert titles[0].lower().startswith("this notebook (demo.ipynb)")
    names = page.locator(".mlops-panel .mlops-run .mlops-run-name").all_inner_texts()
    assert names[:3] == ["train-baseline", HOSTILE, "notebook-session"]
    assert page.locator(".mlops-panel img").count() == 0
    assert alerts == []

    # keyed updates: a refresh that brings the same finished run back keeps its row's DOM node, a
    # new run gets a new row above it (the refresh button is the schema's toolbar item)
    page.evaluate("window.__mlopsRow = document.querySelector('.mlops-panel .mlops-run[data-run-id]"
                  ":not(:has(.mlops-status-running))')")
    kept_id = page.evaluate("window.__mlopsRow.dataset.runId")
    page.click(".mlops-panel .jp-SidePanel-toolbar [data-jp-item-name='refresh'] button")
    kernel_execute(page, "from mlops_magics import track\nwith track(run_name='keyed-new'):\n    pass")
    page.evaluate("window.jupyterapp.commands.execute('mlops:refresh-panel')")  # resolves once updated
    page.locator(".mlops-panel .mlops-run", has_text="keyed-new").wait_for(timeout=30_000)
    assert page.evaluate(f"document.querySelector('.mlops-panel .mlops-run[data-run-id=\"{kept_id}\"]')"
                         " === window.__mlopsRow && window.__mlopsRow.isConnected")

    # a run's details on click
    page.locator(".mlops-panel .mlops-run", has_text=HOSTILE).first.click()
    page.wait_for_selector(".mlops-detail .mlops-params", timeout=30_000)
    title = page.locator(".mlops-detail-title").inner_text()
    assert HOSTILE in title
    params = page.locator(".mlops-detail .mlops-params").inner_text()
    assert "learning_rate" in params and "0.1" in params
    assert "accuracy" in page.locator(".mlops-detail .mlops-metrics").inner_text()
    assert page.locator(".mlops-panel img").count() == 0 and alerts == []
    page.click(".mlops-back")

    # the other tabs: nothing registered, versioned or pipelined here yet, so each says what to type
    for tab, hint in (("models", "%mlops register"), ("data", "%mlops data add"), ("pipelines", "mlops run")):
        page.click(f".mlops-panel .mlops-tab[data-tab='{tab}']")
        page.wait_for_selector(f".mlops-panel .mlops-view-{tab} .mlops-empty:has-text('{hint}')", timeout=30_000)
    page.click(".mlops-panel .mlops-tab[data-tab='runs']")
    page.wait_for_selector(".mlops-panel .mlops-view-runs .mlops-run", timeout=30_000)

    # toggle the parameters tag on the last cell: tag + visible marker, then off, then on again
    page.evaluate("(() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                  " nb.activeCellIndex = nb.widgets.length - 1; })()")
    tags = ("window.jupyterapp.shell.currentWidget.content.activeCell.model.getMetadata('tags') || []")
    page.evaluate("window.jupyterapp.commands.execute('mlops:toggle-parameters-cell')")
    assert page.evaluate(tags) == ["parameters"]
    assert page.locator(".jp-Cell.mlops-parameters-cell").count() == 1
    page.evaluate("window.jupyterapp.commands.execute('mlops:toggle-parameters-cell')")
    assert page.evaluate(tags) == []
    assert page.locator(".jp-Cell.mlops-parameters-cell").count() == 0
    page.click(f"{TOGGLE} button")  # the toolbar button does the same
    assert page.evaluate(tags) == ["parameters"]
    page.locator(".jp-Cell.mlops-parameters-cell").wait_for(timeout=5_000)
    page.locator(".jp-Cell.mlops-parameters-cell").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "parameters-cell.png"))

    # the palette knows the commands
    labels = page.evaluate("['mlops:toggle-parameters-cell', 'mlops:run-notebook-with-parameters',"
                           " 'mlops:refresh-panel'].map(id => window.jupyterapp.commands.label(id))")
    assert labels == ["Toggle parameters cell", "Run notebook with parameters\u2026", "Refresh MLOps panel"]

    # %mlops stop ends the notebook run: the status bar clears
    kernel_execute(page, "%mlops stop")
    page.locator(".mlops-statusbar.mlops-hidden").wait_for(state="attached", timeout=30_000)

    # "Run with parameters…": the dialog lists the parameters cell's variables; the run happens in
    # the background (a fresh kernel) and the executed notebook opens when done
    page.click(f"{RUN_WITH} button")
    page.wait_for_selector(".mlops-params-form input[data-param='alpha']", timeout=30_000)
    assert page.locator(".mlops-params-form input[data-param='alpha']").input_value() == "0.5"
    assert page.locator(".mlops-params-form input[data-param='seed']").input_value() == "7"
    page.fill(".mlops-params-form input[data-param='alpha']", "0.25")
    page.screenshot(path=str(shots / "run-with-parameters.png"))
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_function("window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.context.path === 'demo.executed.ipynb'",
                           timeout=120_000)
    executed = json.loads((lab["root"] / "demo.executed.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "alpha = 0.25" in "".join(injected[0]["source"])
    assert alerts == [] and problems == []
    page.close()


def test_drift_widget_and_run_card_render_in_lab(lab, browser, tmp_path):
    """The interactive drift report (anywidget, offline) and the run card, in a real JupyterLab."""
    import nbformat

    shots = screenshot_dir(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "%load_ext mlops_magics\n"
            "import numpy as np, pandas as pd\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "rng = np.random.default_rng(1)\n"
            "def batch(n, shift=0.0):\n"
            "    return pd.DataFrame({'tenure': rng.gamma(2, 12 + 8 * shift, n), 'monthly_charges': rng.normal(65 + 15 * shift, 20, n),\n"
            "                         'contract': rng.choice(['monthly', 'yearly', 'two-year'], n, p=[0.5 + 0.3 * shift, 0.3, 0.2 - 0.3 * shift]),\n"
            f"                         {HOSTILE!r}: rng.normal(0, 1, n)}})\n"
            "train, production = batch(5000), batch(5000, shift=0.5)"),
        nbformat.v4.new_code_cell(
            "%%mlops track --run-name churn-logreg\n"
            "C = 0.5\n"
            "y = (train['tenure'] < 20).astype(int)\n"
            "clf = LogisticRegression(C=C, max_iter=500).fit(train[['tenure', 'monthly_charges']], y)\n"
            "accuracy = clf.score(train[['tenure', 'monthly_charges']], y)"),
        nbformat.v4.new_code_cell("%mlops drift train production"),
    ]
    nbformat.write(nb, lab["root"] / "drift.ipynb")
    page, alerts, problems = open_notebook(browser, lab, "drift.ipynb", height=1000)
    assert run_all_cells(page) == []

    card = page.locator(".mlops-run-card").first
    card.wait_for(timeout=30_000)
    assert "churn-logreg" in card.inner_text() and "FINISHED" in card.inner_text()
    card.screenshot(path=str(shots / "run-card.png"))

    widget = page.locator(".mmw").first  # the live anywidget view, not the static fallback
    widget.wait_for(timeout=60_000)
    page.wait_for_function("[...document.querySelectorAll('.mmd')].every(e => e.offsetParent === null)",
                           timeout=10_000)  # the static twin (what nbconvert shows) is hidden here
    rows = widget.locator("tbody tr")
    assert rows.count() == 4
    text = widget.inner_text()
    assert "tenure" in text and "contract" in text and HOSTILE in text  # the hostile column name as text
    assert page.locator(".mmw img").count() == 0 and alerts == []
    rows.filter(has_text="tenure").first.click()
    assert "sel" in (rows.filter(has_text="tenure").first.get_attribute("class") or "")
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(shots / "drift-widget.png"))
    assert problems == []
    page.close()
