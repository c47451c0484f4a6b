"""Notebook 7 (the classic-style app on JupyterLab components): the extension degrades cleanly.

The side panel and the status bar are JupyterLab-shell pieces; in Notebook 7 the notebook must open,
run a tracked cell and show its run card, the schema's toolbar buttons must be there, and the browser
console must stay free of errors: any console error or uncaught exception fails the test (the only
exceptions are the exact messages of ``lab_page.ALLOWED_CONSOLE_ERRORS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_page import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, TOKEN, require_chromium, run_all_cells, start_jupyter, stop_jupyter, watch_console,
)

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]


def test_notebook7_opens_runs_and_shows_the_run_card(tmp_path):
    require_chromium()
    import nbformat
    import notebook  # noqa: F401 - a test dependency: Notebook 7 itself
    from playwright.sync_api import sync_playwright

    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("%load_ext mlops_magics"),
                nbformat.v4.new_code_cell("%%mlops track --run-name nb7\nalpha = 0.1\nscore = alpha * 5")]
    nbformat.write(nb, root / "demo.ipynb")
    labconfig = tmp_path / "jupyter-config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    proc, url, log = start_jupyter("notebook", root, root / ".mlops", [
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ])
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            problems = watch_console(page)
            page.goto(f"{url}/notebooks/demo.ipynb?token={TOKEN}")
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus"
                                   " === 'idle'", timeout=90_000)
            # the notebook toolbar carries the buttons our settings schema declares
            page.locator("[data-jp-item-name='mlops-toggle-parameters']").wait_for(timeout=30_000)
            assert page.locator("[data-jp-item-name='mlops-run-with-parameters']").count() == 1
            errors = run_all_cells(page)
            page.wait_for_selector(".mlops-run-card", timeout=90_000)
            card = page.locator(".mlops-run-card").first.inner_text()
            browser.close()
        assert errors == []
        assert "nb7" in card and "FINISHED" in card
        assert problems == []
    finally:
        stop_jupyter(proc)
