"""The extension's settings (``schema/plugin.json``), written through JupyterLab's settings REST API
the way the Settings Editor writes them, then read by a freshly loaded page: what the status bar
shows, and toolbar buttons users hide through ``jupyter.lab.toolbars``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_page import TOKEN, lab_project, open_notebook, run_all_cells, start_lab, stop_jupyter  # noqa: E402

pytestmark = [pytest.mark.ui, pytest.mark.jupyter, pytest.mark.kernel]

PLUGIN = "mlops-magics:plugin"
NOTEBOOK_PANEL = "@jupyterlab/notebook-extension:panel"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    import nbformat

    base, root = lab_project(tmp_path_factory, "settings-ui")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("%load_ext mlops_magics\n%mlops track --run-name settings-session")]
    nbformat.write(nb, root / "settings.ipynb")
    proc, url, log = start_lab(base, root)
    yield {"url": url, "root": root, "log": log}
    stop_jupyter(proc)


def put_settings(lab: dict, plugin: str, values: dict) -> None:
    """What the Settings Editor does on save: PUT the user's raw JSON for ``plugin`` (validated by the server)."""
    reply = requests.put(f"{lab['url']}/lab/api/settings/{plugin}", timeout=30,
                         headers={"Authorization": f"token {TOKEN}"}, data=json.dumps({"raw": json.dumps(values)}))
    assert reply.status_code == 204, reply.text


def test_the_schema_is_served_with_its_defaults(lab):
    reply = requests.get(f"{lab['url']}/lab/api/settings/{PLUGIN}", headers={"Authorization": f"token {TOKEN}"},
                         timeout=30)
    assert reply.ok, reply.text
    schema = reply.json()["schema"]
    assert schema["properties"]["refreshInterval"]["default"] == 3000
    assert schema["properties"]["statusBar"]["default"] == "name-and-time"
    names = [item["name"] for item in schema["jupyter.lab.toolbars"]["Notebook"]]
    assert names == ["mlops-toggle-parameters", "mlops-run-with-parameters"]
    bad = requests.put(f"{lab['url']}/lab/api/settings/{PLUGIN}", headers={"Authorization": f"token {TOKEN}"},
                       data=json.dumps({"raw": json.dumps({"refreshInterval": 10})}), timeout=30)
    assert bad.status_code == 400  # below the schema's minimum: refused by the server


def test_status_bar_setting_and_hidden_toolbar_buttons(lab, browser):
    # the run's name without its clock; the "Run with parameters" button and the panel's refresh hidden
    put_settings(lab, PLUGIN, {"statusBar": "name", "toolbar": [{"name": "refresh", "disabled": True}]})
    put_settings(lab, NOTEBOOK_PANEL, {"toolbar": [{"name": "mlops-run-with-parameters", "disabled": True}]})
    shown: list[str] = []
    page, alerts, problems = open_notebook(browser, lab, "settings.ipynb", before_load=lambda p: p.on(
        "request", lambda r: shown.append(r.url) if "/mlops/api/active" in r.url else None))
    page.locator("[data-jp-item-name='mlops-toggle-parameters']").wait_for(timeout=30_000)
    assert page.locator("[data-jp-item-name='mlops-run-with-parameters']").count() == 0
    assert run_all_cells(page) == []
    indicator = page.locator(".mlops-statusbar:not(.mlops-hidden)")
    indicator.wait_for(timeout=30_000)
    assert "settings-session" in indicator.inner_text()
    assert page.locator(".mlops-statusbar-clock").is_hidden()
    assert shown  # the item asks the server (the same listener stays empty below)
    page.click(".jp-SideBar [data-id='mlops-panel']")
    page.locator(".mlops-panel .mlops-run", has_text="settings-session").wait_for(timeout=30_000)
    assert page.locator(".mlops-panel .jp-SidePanel-toolbar [data-jp-item-name='refresh']").count() == 0
    assert alerts == [] and problems == []
    page.close()

    # "hidden": no status bar item and no request for it at all, while the run is still active
    put_settings(lab, PLUGIN, {"statusBar": "hidden"})
    put_settings(lab, NOTEBOOK_PANEL, {})
    asked: list[str] = []
    page, alerts, problems = open_notebook(browser, lab, "settings.ipynb", before_load=lambda p: p.on(
        "request", lambda r: asked.append(r.url) if "/mlops/api/active" in r.url else None))
    page.locator("[data-jp-item-name='mlops-run-with-parameters']").wait_for(timeout=30_000)
    page.click(".jp-SideBar [data-id='mlops-panel']")
    page.locator(".mlops-panel .mlops-run", has_text="settings-session").wait_for(timeout=30_000)
    page.evaluate("window.jupyterapp.commands.execute('mlops:refresh-panel')")
    assert page.locator(".mlops-panel .jp-SidePanel-toolbar [data-jp-item-name='refresh']").count() == 1
    assert page.locator(".mlops-statusbar:not(.mlops-hidden)").count() == 0
    assert asked == []
    assert alerts == [] and problems == []
    page.close()
