"""The Models tab shows what serves a model and how its monitor judges the traffic (issues 14 and 15), in a
real ``jupyter lab`` and chromium at the default panel width, with a REAL model server of the project, a real
monitor check and a real (one-step) retraining recorded in its store.

With ``MLOPS_SCREENSHOTS=1`` it refreshes ``docs/screenshots/panel-models-serving.png``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lab_page import open_notebook, require_chromium, screenshot_dir, start_lab, stop_jupyter  # noqa: E402
from served_panel import MODEL, build, serve_drifted  # noqa: E402
from serving_procs import free_port, split_body  # noqa: E402
from test_panel_readability import BROKEN_WORDS_JS  # noqa: E402

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

CARD = f".mlops-view-models [data-model='{MODEL}']"
# the computed colour of an element, and of a JupyterLab theme colour variable
COLOUR_JS = "el => getComputedStyle(el).color"
THEME_JS = """(name) => { const probe = document.createElement('span'); probe.style.color = `var(${name})`;
  document.body.appendChild(probe); const c = getComputedStyle(probe).color; probe.remove(); return c; }"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_chromium()
    import nbformat

    base = tmp_path_factory.mktemp("serving-ui")
    project = build(base / "project", retrain=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, project.root / "serving.ipynb")
    server = serve_drifted(project)
    try:
        proc, url, log = start_lab(base, project.root)
    except BaseException:
        server.stop()
        raise
    yield {"url": url, "root": project.root, "log": log, "server": server}
    stop_jupyter(proc)
    server.stop()


def test_the_models_card_shows_its_server_and_its_monitor(lab, browser, tmp_path):
    server = lab["server"]
    page, alerts, problems = open_notebook(browser, lab, "serving.ipynb")
    page.click(".jp-SideBar [data-id='mlops-panel']")
    page.click(".mlops-panel .mlops-tab[data-tab='models']")
    row = page.locator(f"{CARD} .mlops-served[data-url='{server.url}']")
    row.wait_for(timeout=30_000)

    # the server: its URL as a link opening in a new tab, the version answering, requests, drift in red
    link = row.locator("a.mlops-served-url")
    assert link.inner_text() == server.url and link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").rstrip("/") == server.url
    facts = row.locator(".mlops-served-facts .mlops-fact").all_inner_texts()
    assert facts == ["v1", "4 requests"]
    drift = row.locator(".mlops-served-drift")
    assert drift.inner_text().startswith("drift ") and "mlops-tone-bad" in drift.get_attribute("class")
    assert drift.evaluate(COLOUR_JS) == page.evaluate(THEME_JS, "--jp-error-color1")
    assert "state: serving" in row.get_attribute("title") and "churn@champion answering with v1" in row.get_attribute(
        "title")

    # the monitor: the latest check (drift, share of columns, when), the last retraining and why
    check = page.locator(f"{CARD} .mlops-check")
    assert check.locator(".mlops-check-verdict").inner_text() == "drift"
    assert "100% of columns" in check.inner_text() and "just now" in check.inner_text()
    assert "window traffic@v1" in check.get_attribute("title")
    retrain = page.locator(f"{CARD} .mlops-retrain")
    assert retrain.locator(".mlops-retrain-state").inner_text() == "not promoted"
    assert "candidate v2" in retrain.inner_text()
    why = retrain.locator(".mlops-why").inner_text()
    assert "churn@champion stays at v1" in why
    assert why in retrain.get_attribute("title")  # the full text is the tooltip

    # readable at the default width: no horizontal overflow, no word broken across lines
    view = page.locator(".mlops-view-models")
    assert view.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate(BROKEN_WORDS_JS, f"{CARD} .mlops-serving, {CARD} .mlops-monitoring") == []
    panel, card = page.locator(".mlops-panel").bounding_box(), page.locator(CARD).bounding_box()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "panel-models-serving.png"),
                    clip={"x": 0, "y": 0, "width": panel["x"] + panel["width"] + 8,
                          "height": card["y"] + card["height"] + 12})

    # keyed updates: a refresh with nothing new keeps the card's node; a new request redraws it
    page.evaluate(f"window.__mlopsCard = document.querySelector(\"{CARD}\")")
    page.evaluate("window.jupyterapp.commands.execute('mlops:refresh-panel')")
    assert page.evaluate(f"document.querySelector(\"{CARD}\") === window.__mlopsCard")
    rows = lab["root"] / "drifted.parquet"
    import pandas as pd

    r = httpx.post(f"{server.url}/invocations", json=split_body(pd.read_parquet(rows).head(5)), timeout=30)
    assert r.status_code == 200
    page.evaluate("window.jupyterapp.commands.execute('mlops:refresh-panel')")
    page.locator(f"{CARD} .mlops-served .mlops-fact", has_text="5 requests").wait_for(timeout=30_000)
    assert page.evaluate(f"document.querySelector(\"{CARD}\") !== window.__mlopsCard")

    # a server of a model not registered here (an entry of this test's process, nothing on its port)
    # is listed apart, not answering, in red
    from mlops_magics.core.serving import served as registry

    entry = registry.ServedEntry(pid=os.getpid(), url=f"http://127.0.0.1:{free_port()}", host="127.0.0.1", port=0,
                                 source="/models/elsewhere", model="elsewhere", started=time.time() - 3600)
    registry.record(lab["root"] / ".mlops", entry)
    try:
        page.evaluate("window.jupyterapp.commands.execute('mlops:refresh-panel')")
        other = page.locator(f".mlops-served-other .mlops-served[data-url='{entry.url}']")
        other.wait_for(timeout=30_000)
        state = other.locator(".mlops-served-state")
        assert state.inner_text() == "not answering" and "mlops-tone-bad" in state.get_attribute("class")
        assert other.locator(".mlops-served-source").get_attribute("title") == "/models/elsewhere"
        assert page.locator(".mlops-view-models .mlops-section-title").inner_text().lower() == (
            "served, not registered here")
        assert view.evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        registry.remove(lab["root"] / ".mlops", entry.pid)
    assert alerts == [] and problems == []
    page.close()
