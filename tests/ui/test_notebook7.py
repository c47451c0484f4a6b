"""Notebook 7 (the classic-style app on JupyterLab components): the extension degrades cleanly.

The side panel and status bar are JupyterLab-shell pieces; in Notebook 7 the notebook must open,
run a tracked cell and show its run card with no error from our extension in the browser console.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter_proc import TOKEN, start_jupyter, stop_jupyter  # noqa: E402

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_notebook7_opens_runs_and_shows_the_run_card(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
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
    proc, url, log = start_jupyter("notebook", root, root / ".mlops")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "mlops" in m.text.lower() else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{url}/notebooks/demo.ipynb?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_function("document.querySelector('.jp-Notebook') !== null", timeout=30_000)
            page.wait_for_timeout(3_000)  # let the kernel connect
            page.keyboard.press("Escape")
            for _ in range(2):  # run both cells: shift+enter from the first one
                page.locator(".jp-Notebook .jp-Cell").first.click() if _ == 0 else None
                page.keyboard.press("Shift+Enter")
            page.wait_for_selector(".mlops-run-card", timeout=90_000)
            card = page.locator(".mlops-run-card").first.inner_text()
            browser.close()
        assert "nb7" in card and "FINISHED" in card
        assert not [p for p in problems if "mlops" in p.lower()], problems
    finally:
        stop_jupyter(proc)
