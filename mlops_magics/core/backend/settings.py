"""Where the store lives and which tracking server to talk to.

Resolution order, first match wins:

* tracking URI: ``MLFLOW_TRACKING_URI`` > ``[tool.mlops_magics] tracking_uri`` in the project's
  ``pyproject.toml`` > the embedded SQLite store ``MLOPS_HOME/mlflow.db``;
* store home: ``MLOPS_HOME`` > ``[tool.mlops_magics] home`` (relative to the project root) >
  ``<project root>/.mlops``;
* project root: the nearest ancestor of the working directory holding ``.git`` or
  ``pyproject.toml``, else the working directory.

Nothing here imports MLflow: reading the configuration must stay cheap (``%load_ext``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["Settings", "find_project_root", "load_settings"]

ENV_HOME = "MLOPS_HOME"
ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"
ENV_EXPERIMENT = "MLOPS_EXPERIMENT"
STORE_DIRNAME = ".mlops"
PROJECT_MARKERS = (".git", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one project."""

    project_root: Path
    home: Path
    tracking_uri: str
    embedded: bool
    experiment: str | None = None
    data_remote: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        """The SQLite file of the embedded tracking + registry store."""
        return self.home / "mlflow.db"

    @property
    def artifact_root(self) -> Path:
        """Where artifacts of the embedded store go."""
        return self.home / "artifacts"

    @property
    def spool_dir(self) -> Path:
        """Local, crash-safe journals of active runs (code logs) before they are uploaded."""
        return self.home / "spool"

    @property
    def registry_uri(self) -> str:
        """The model registry lives beside the tracking store."""
        return self.tracking_uri

    def ui_hint(self) -> str:
        """How a user opens this store in the MLflow UI."""
        if self.tracking_uri.startswith(("http://", "https://")):
            return f"{self.tracking_uri.rstrip('/')}/#/experiments?workflowType=machine_learning"
        # MLflow 3's UI opens in its GenAI view unless the address asks for the training-runs one
        return (f'mlflow ui --backend-store-uri "{self.tracking_uri}", then open '
                "http://127.0.0.1:5000/#/experiments?workflowType=machine_learning")

    def ui_run_url(self, experiment_id: str, run_id: str) -> str | None:
        """A link to one run in the MLflow UI, when a UI is reachable at a known address (in the UI's
        training-runs view, not its GenAI one: see :mod:`mlops_magics.core.tracking.experiments`)."""
        if self.tracking_uri.startswith(("http://", "https://")):
            base = self.tracking_uri.rstrip("/")
            return f"{base}/#/experiments/{experiment_id}/runs/{run_id}?workflowType=machine_learning"
        return None


def find_project_root(start: Path | None = None) -> Path:
    """The nearest ancestor of ``start`` (default: cwd) holding ``.git`` or ``pyproject.toml``."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return here


def _read_pyproject_table(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MlopsUsageError(
            f"cannot read {path}: {exc}; fix the file or set MLOPS_HOME / MLFLOW_TRACKING_URI"
        ) from None
    table = data.get("tool", {}).get("mlops_magics", {})
    if not isinstance(table, dict):
        raise MlopsUsageError(f"[tool.mlops_magics] in {path} must be a table")
    return table


def sqlite_uri(path: Path) -> str:
    """An MLflow/SQLAlchemy URI for a SQLite file at an absolute path."""
    return "sqlite:///" + path.resolve().as_posix()


def load_settings(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Resolve the configuration for the project that contains ``cwd``."""
    env = os.environ if environ is None else environ
    root = find_project_root(cwd)
    table = _read_pyproject_table(root)

    home_value = env.get(ENV_HOME) or table.get("home")
    home = Path(home_value).expanduser() if home_value else root / STORE_DIRNAME
    if not home.is_absolute():
        home = (root / home) if not env.get(ENV_HOME) else (Path.cwd() / home)
    home = home.resolve()

    own_store = sqlite_uri(home / "mlflow.db")
    tracking_uri = env.get(ENV_TRACKING_URI) or table.get("tracking_uri")
    # a URI that names our own SQLite file (inherited from a parent process) is still the embedded store
    embedded = not tracking_uri or tracking_uri == own_store
    if embedded:
        tracking_uri = own_store

    known = {"home", "tracking_uri", "experiment", "data_remote"}
    return Settings(
        project_root=root,
        home=home,
        tracking_uri=str(tracking_uri),
        embedded=embedded,
        experiment=env.get(ENV_EXPERIMENT) or table.get("experiment"),
        data_remote=table.get("data_remote"),
        extra={k: v for k, v in table.items() if k not in known},
    )
