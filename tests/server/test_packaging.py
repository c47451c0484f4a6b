"""The JupyterLab extension ships prebuilt in the wheel and is enabled in this environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
JUPYTER = str(Path(sys.executable).with_name("jupyter"))
BUILT = REPO / "mlops_magics" / "labextension" / "package.json"


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_labextension_is_installed_enabled_and_ok():
    out = subprocess.run([JUPYTER, "labextension", "list"], capture_output=True, text=True, timeout=120)
    text = _plain(out.stdout + out.stderr)
    assert re.search(r"mlops-magics v\S+ enabled\s+OK \(python, mlops_magics\)", text), text


def test_server_extension_is_enabled():
    out = subprocess.run([JUPYTER, "server", "extension", "list"], capture_output=True, text=True, timeout=120)
    text = _plain(out.stdout + out.stderr)
    assert re.search(r"mlops_magics\s+enabled", text), text
    assert re.search(r"mlops_magics \S+ OK", text), text


def test_wheel_contains_the_prebuilt_extension(tmp_path):
    """A wheel built here carries the built extension, so it works on a machine without Node.js.

    npm is skipped (HATCH_JUPYTER_BUILDER_SKIP_NPM): the install already built the extension and the
    hook's ensured-targets still checks it is there; this tests the packaging, not npm.
    """
    assert BUILT.exists(), "the labextension was not built: pip install -e . builds it (with npm)"
    env = {**os.environ, "HATCH_JUPYTER_BUILDER_SKIP_NPM": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("mlops_magics-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".data"))
    ext = f"{data}/data/share/jupyter/labextensions/mlops-magics/"
    assert f"{ext}package.json" in names
    assert f"{ext}install.json" in names
    assert f"{ext}schemas/mlops-magics/plugin.json" in names  # the settings schema (toolbars, intervals)
    assert any(re.fullmatch(re.escape(ext) + r"static/remoteEntry\.[0-9a-f]+\.js", n) for n in names), names
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/mlops_magics.json" in names
    assert not any("node_modules" in n for n in names)
    assert "mlops_magics/server/handlers.py" in names
