"""Where a run came from: notebook identity, git state, Python environment.

Secrets are never captured: no environment variable values are recorded, only the package list,
the Python version and the platform.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = ["GitState", "environment_text", "git_state", "notebook_path"]

NOTEBOOK_ENV = "MLOPS_NOTEBOOK"  # set by our pipeline runner for papermill kernels


def notebook_path(user_ns: Mapping[str, Any] | None = None) -> str | None:
    """The running notebook's path, from the kernel session (JupyterLab, VS Code) or our runner."""
    ns = user_ns or {}
    for key in ("__vsc_ipynb_file__", "__session__"):
        value = ns.get(key)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value
    for key in (NOTEBOOK_ENV, "JPY_SESSION_NAME"):
        value = os.environ.get(key)
        if value and value.endswith(".ipynb"):
            return value
    return None


@dataclass(frozen=True)
class GitState:
    commit: str
    dirty: bool
    diff: str
    root: str


def _git(args: list[str], cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=10
    ).stdout


def git_state(path: Path) -> GitState | None:
    """Commit, dirty flag and diff of tracked files of the repository holding ``path``, if any."""
    try:
        root = _git(["rev-parse", "--show-toplevel"], path).strip()
        commit = _git(["rev-parse", "HEAD"], path).strip()
        diff = _git(["diff", "HEAD", "--no-color"], path)
    except (OSError, subprocess.SubprocessError):
        return None
    return GitState(commit=commit, dirty=bool(diff.strip()), diff=diff, root=root)


@functools.lru_cache(maxsize=1)
def environment_text() -> str:
    """Python version, platform and the installed distributions (``name==version``), one a line."""
    from importlib.metadata import distributions

    packages = set()
    for dist in distributions():
        meta = dist.metadata  # parsed once: each access re-reads the METADATA file
        name, version = meta["Name"], meta["Version"]
        if name:
            packages.add(f"{name}=={version}")
    packages = sorted(packages, key=str.lower)
    head = [
        f"# python {sys.version.split()[0]} ({sys.implementation.name})",
        f"# platform {platform.platform()}",
        f"# executable {sys.executable}",
    ]
    return "\n".join(head + packages) + "\n"
