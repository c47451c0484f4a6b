"""The Binder files install cleanly, the way repo2docker runs them, as far as that goes without Docker.

repo2docker (Python buildpack, ``binder/runtime.txt``) gives a Python 3.11 environment with JupyterLab 4 and
Node.js, installs ``binder/requirements.txt``, then runs ``binder/postBuild`` as the notebook user with the
repository root as working directory. Here: a fresh virtual environment in a temporary folder (its ``bin``
first on ``PATH``, Node.js from the machine), a clean copy of the checkout (the files git would push: tracked
and untracked-but-not-ignored, so no node_modules, build output or store), the same two steps, then the
checks a Binder user depends on. Slow (a full install from the package registries): marked ``slow``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _clean_copy(dest: Path) -> None:
    """The files a clone would have, plus new files not yet committed (git ls-files honours .gitignore)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():  # skips files deleted in the working tree
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(cmd)}  (cwd {cwd})\n{proc.stdout}\n")
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}"
    return proc.stdout


def test_binder_files(tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("npm is needed to build the JupyterLab extension (repo2docker's base environment has it)")
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-3."), runtime
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable"
    assert (BINDER / "postBuild").read_text().startswith("#!/bin/bash")
    wanted = runtime.removeprefix("python-")
    if f"{sys.version_info.major}.{sys.version_info.minor}" != wanted:
        print(f"note: testing with Python {sys.version.split()[0]}, Binder uses {wanted}")

    repo = tmp_path / "repo"
    _clean_copy(repo)
    assert (repo / "binder" / "postBuild").exists() and not (repo / "labextension" / "node_modules").exists()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    home = tmp_path / "home"  # XDG folders of the notebook user (the store template lands in its cache)
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MLOPS_HOME", "MLFLOW_TRACKING_URI",
                        "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(env_dir),
               JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
               XDG_CACHE_HOME=str(home / ".cache"), PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_COMPILE="1")  # the same packages, without byte-compiling each module (half the time)
    log = tmp_path / "binder-build.log"

    # what repo2docker does: requirements.txt (if any), then postBuild from the repository root
    if (repo / "binder" / "requirements.txt").exists():
        _run([str(bin_dir / "python"), "-m", "pip", "install", "-r", "binder/requirements.txt"], repo, env, log)
    _run(["./binder/postBuild"], repo, env, log)

    # the checks, from outside the checkout so the source tree cannot shadow the installed package
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(bin_dir / "python"), "-c", "import mlops_magics; print(mlops_magics.__file__)"],
                 elsewhere, env, log).strip()
    assert Path(where).is_relative_to(env_dir), f"mlops_magics imported from {where}, not the new environment"
    labext = _run([str(bin_dir / "jupyter"), "labextension", "list"], elsewhere, env, log)
    assert any("mlops-magics" in line and "enabled" in line and "OK" in line for line in labext.splitlines()), labext
    server = _run([str(bin_dir / "jupyter"), "server", "extension", "list"], elsewhere, env, log)
    assert any("mlops_magics" in line and "enabled" in line for line in server.splitlines()), server
    static = env_dir / "share" / "jupyter" / "labextensions" / "mlops-magics" / "static"
    assert any(static.glob("remoteEntry.*.js")), f"no prebuilt extension in {static}"
    assert list((home / ".cache" / "mlops_magics").glob("*template*")), "postBuild did not prepare the store template"
