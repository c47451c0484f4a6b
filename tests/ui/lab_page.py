"""What the browser tests share: chromium's arguments, a real ``jupyter lab``, one way to open a notebook.

Every page opened through :func:`watch_console` records browser console errors and uncaught page
errors; a test asserts the list is empty (an exact, commented allow-list is in :data:`ALLOWED_CONSOLE_ERRORS`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter_proc import TOKEN, start_jupyter, stop_jupyter  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]

# Errors that JupyterLab / Notebook 7 themselves raise and that no extension can avoid, matched
# exactly (never by substring), each with the script it comes from, so the same message raised by
# our extension (served from /lab/extensions/mlops-magics/) still fails. Add an entry only with the
# reason next to it.
ALLOWED_CONSOLE_ERRORS: frozenset[str] = frozenset({
    # Notebook 7.6.5: its keyboard-shortcuts plugin reacts to any plugin's settings being loaded
    # and reads `registry.plugins[shortcuts-plugin-id].schema`, a plugin Notebook does not load.
    # Raised with every extension disabled too (checked with page_config disabledExtensions).
    "pageerror: Cannot read properties of undefined (reading 'schema') (static/notebook/notebook_core.js)",
})

__all__ = ["ALLOWED_CONSOLE_ERRORS", "CHROMIUM", "CHROMIUM_ARGS", "REPO", "TOKEN", "open_notebook",
           "run_all_cells", "screenshot_dir", "start_lab", "start_jupyter", "stop_jupyter",
           "watch_console"]


def require_chromium() -> None:
    """Skip the calling test, saying why, when Debian's chromium is not installed."""
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")


def lab_project(tmp_path_factory, name: str) -> tuple[Path, Path]:
    """``(base, root)`` for a module's lab: a temporary folder and a project in it (``pyproject.toml``);
    the module's tests are skipped when chromium is missing."""
    require_chromium()
    base = tmp_path_factory.mktemp(name)
    root = base / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return base, root


def screenshot_dir(tmp_path: Path) -> Path:
    """``docs/screenshots`` when ``MLOPS_SCREENSHOTS=1`` (refreshes the README's pictures), else a temp folder."""
    folder = REPO / "docs" / "screenshots" if os.environ.get("MLOPS_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_lab(base: Path, root: Path, extra: list[str] | None = None):
    """``jupyter lab`` serving ``root`` with its config, data and settings under ``base`` (isolated)."""
    labconfig = base / "jupyter-config" / "labconfig"  # the server's isolated JUPYTER_CONFIG_DIR
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    return start_jupyter("lab", root, root / ".mlops", [
        "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={base / 'workspaces'}",
        f"--LabApp.user_settings_dir={base / 'user-settings'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *(extra or []),
    ])


def watch_console(page) -> list[str]:
    """The list that collects every console error and uncaught exception of ``page``."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location or {}
            keep(f"console: {message.text} ({_script(location.get('url', ''))})")

    def on_pageerror(error) -> None:
        frames = re.findall(r"\((https?://[^)]+?)(?::\d+){2}\)|at (https?://\S+?)(?::\d+){2}$",
                            error.stack or "", re.M)
        first = next((a or b for a, b in frames), "")
        keep(f"pageerror: {error.message} ({_script(first)})")

    def keep(problem: str) -> None:
        if problem not in ALLOWED_CONSOLE_ERRORS:
            problems.append(problem)

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    return problems


def _script(url: str) -> str:
    """A script's path without host, query and content hash: ``static/notebook/notebook_core.js``."""
    path = urlsplit(url).path.lstrip("/")
    return re.sub(r"\.[0-9a-f]{16,}(\.js)$", r"\1", path)


def open_notebook(browser, lab: dict, name: str, height: int = 860, width: int = 1400, before_load=None):
    """A page with notebook ``name`` open and its kernel idle; (page, JS alerts, console problems).

    ``before_load(page)`` runs before the page is loaded (to listen to its requests from the start).
    """
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = watch_console(page)
    if before_load is not None:
        before_load(page)
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
    return page, alerts, problems


def run_all_cells(page) -> list[str]:
    """Run every cell of the open notebook, wait for all of them; the errors they raised."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return wait_for_all_cells(page)


def wait_for_all_cells(page) -> list[str]:
    """Wait until every code cell of the open notebook has run; the errors they raised."""
    page.wait_for_function(
        "(() => { const cells = window.jupyterapp.shell.currentWidget.content.widgets;"
        " return cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null); })()",
        timeout=120_000)
    return page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets"
                         ".flatMap(c => c.model.type === 'code' ? c.model.outputs.toJSON() : [])"
                         ".filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)")
