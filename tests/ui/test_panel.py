"""Browser end to end: a real ``jupyter lab``, Debian's chromium driven by Playwright.

Opens a notebook, runs ``%load_ext mlops_magics``, ``%mlops track`` and a ``%%mlops track`` cell
whose run name is HTML, then checks the side panel, the status bar and the parameters-cell command.
Screenshots go to ``docs/screenshots/`` when ``MLOPS_SCREENSHOTS=1`` (for the README), else to the
test's temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter_proc import TOKEN, start_jupyter, stop_jupyter  # noqa: E402

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = "<img src=x onerror=alert(1)>"
REPO = Path(__file__).resolve().parents[2]


def screenshot_dir(tmp_path: Path) -> Path:
    if os.environ.get("MLOPS_SCREENSHOTS") == "1":
        folder = REPO / "docs" / "screenshots"
    else:
        folder = tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def open_notebook(browser, lab, name: str, height: int):
    """A page with notebook ``name`` open and its kernel idle; the list that collects any JS alert."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{lab['url']}/lab/tree/{name}?token={TOKEN}&reset")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=90_000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'",
                           timeout=90_000)
    return page, alerts


def run_all_cells(page) -> list[str]:
    """Run every cell of the open notebook, wait for all of them; the errors they raised."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "(() => { const cells = window.jupyterapp.shell.currentWidget.content.widgets;"
        " return cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null); })()",
        timeout=120_000)
    return page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets"
                         ".flatMap(c => c.model.type === 'code' ? c.model.outputs.toJSON() : [])"
                         ".filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    base = tmp_path_factory.mktemp("panel-ui")
    root = base / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    write_notebook(root / "demo.ipynb")
    labconfig = base / "jupyter-config" / "labconfig"  # the server's isolated JUPYTER_CONFIG_DIR
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    proc, url, log = start_jupyter("lab", root, root / ".mlops", [
        "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ])
    yield {"url": url, "root": root, "log": log}
    stop_jupyter(proc)


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def test_panel_status_bar_and_parameters(lab, browser, tmp_path):
    shots = screenshot_dir(tmp_path)
    page, alerts = open_notebook(browser, lab, "demo.ipynb", height=860)

    # the extension's pieces are there before anything ran
    assert page.locator(".jp-SideBar [data-id='mlops-panel']").count() == 1
    assert page.locator(".mlops-toolbar-toggle").count() == 1
    assert page.locator(".mlops-toolbar-run").count() == 1

    # run every cell: %load_ext, the notebook run, two tracked cells
    assert run_all_cells(page) == []

    # the status bar shows the kernel's active notebook run
    indicator = page.locator(".mlops-statusbar:not(.mlops-hidden)")
    indicator.wait_for(timeout=30_000)
    assert "notebook-session" in indicator.inner_text()

    # the side panel lists this notebook's runs first, the hostile name as text
    page.click(".jp-SideBar [data-id='mlops-panel']")
    page.wait_for_selector(".mlops-panel .mlops-run", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.mlops-panel .mlops-run').length >= 3", timeout=30_000)
    titles = page.locator(".mlops-panel .mlops-section-title").all_inner_texts()
    assert titles[0].lower().startswith("this notebook (demo.ipynb)")
    names = page.locator(".mlops-panel .mlops-run .mlops-run-name").all_inner_texts()
    assert names[:3] == ["train-baseline", HOSTILE, "notebook-session"]
    assert page.locator(".mlops-panel img").count() == 0
    assert alerts == []
    page.screenshot(path=str(shots / "panel.png"))

    # a run's details on click
    page.locator(".mlops-panel .mlops-run", has_text=HOSTILE).first.click()
    page.wait_for_selector(".mlops-detail .mlops-params", timeout=30_000)
    title = page.locator(".mlops-detail-title").inner_text()
    assert HOSTILE in title
    params = page.locator(".mlops-detail .mlops-params").inner_text()
    assert "learning_rate" in params and "0.1" in params
    assert "accuracy" in page.locator(".mlops-detail .mlops-metrics").inner_text()
    assert page.locator(".mlops-panel img").count() == 0 and alerts == []
    page.screenshot(path=str(shots / "run-details.png"))
    page.click(".mlops-back")

    # the other tabs: nothing registered, versioned or pipelined here yet, so each says what to type
    for tab, hint in (("models", "%mlops register"), ("data", "%mlops data add"), ("pipelines", "mlops run")):
        page.click(f".mlops-panel .mlops-tab[data-tab='{tab}']")
        page.wait_for_selector(f".mlops-panel .mlops-empty:has-text('{hint}')", timeout=30_000)
    page.click(".mlops-panel .mlops-tab[data-tab='runs']")
    page.wait_for_selector(".mlops-panel .mlops-run", timeout=30_000)

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
    page.click(".mlops-toolbar-toggle")  # the toolbar button does the same
    assert page.evaluate(tags) == ["parameters"]
    page.locator(".jp-Cell.mlops-parameters-cell").wait_for(timeout=5_000)
    page.locator(".jp-Cell.mlops-parameters-cell").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "parameters-cell.png"))

    # the palette knows both commands
    labels = page.evaluate("['mlops:toggle-parameters-cell', 'mlops:run-notebook-with-parameters']"
                           ".map(id => window.jupyterapp.commands.label(id))")
    assert labels == ["Toggle parameters cell", "Run notebook with parameters\u2026"]

    # %mlops stop ends the notebook run: the status bar clears
    page.evaluate("""(async () => {
        const panel = window.jupyterapp.shell.currentWidget;
        const future = panel.sessionContext.session.kernel.requestExecute({code: '%mlops stop'});
        await future.done; })()""")
    page.locator(".mlops-statusbar.mlops-hidden").wait_for(state="attached", timeout=30_000)

    # "Run with parameters…": the dialog lists the parameters cell's variables; the run happens in
    # the background (a fresh kernel) and the executed notebook opens when done
    page.click(".mlops-toolbar-run")
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
    assert alerts == []
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
    page, alerts = open_notebook(browser, lab, "drift.ipynb", height=1000)
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
    page.close()
