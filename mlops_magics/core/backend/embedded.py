"""The embedded store: an MLflow SQLite database and an artifact folder under ``MLOPS_HOME``.

MLflow creates a new SQLite store by running its whole chain of Alembic migrations, about 1.5-2 s
here, on the first ``start_run``. We run those migrations once per MLflow version into a template
database kept in the user cache (``MLOPS_CACHE_DIR``, else platformdirs' user cache folder:
``$XDG_CACHE_HOME/mlops_magics`` or ``~/.cache/mlops_magics`` on Linux), and a new project's store is
a copy of that template: a few milliseconds. The template is made by MLflow's own code, so the schema is
exactly what MLflow would have created; only the default experiment's artifact location is set to
``MLOPS_HOME/artifacts/0`` after the copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from .settings import Settings, sqlite_uri
from ..errors import StoreError

__all__ = ["cache_dir", "prepare_embedded_store", "template_path"]

_lock = threading.Lock()


def cache_dir() -> Path:
    """Per-user cache for store templates: ``MLOPS_CACHE_DIR``, else the platform's user cache folder."""
    explicit = os.environ.get("MLOPS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_path  # honours XDG_CACHE_HOME on Linux

    return user_cache_path("mlops_magics", appauthor=False)


def template_path() -> Path:
    """Where the migrated empty store for the installed MLflow version lives."""
    from importlib.metadata import version

    return cache_dir() / f"mlflow-{version('mlflow')}-sqlite-template.db"


def _build_template(target: Path) -> None:
    """Run MLflow's real schema creation + migrations into ``target`` (atomically)."""
    import logging

    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".template-", suffix=".db", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)
    quiet = logging.getLogger("mlflow.store.db.utils")
    old_level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        store = SqlAlchemyStore(sqlite_uri(Path(tmp)), str(target.parent / "unused-artifacts"))
        store.engine.dispose()
        os.replace(tmp, target)
    finally:
        quiet.setLevel(old_level)
        if os.path.exists(tmp):
            os.unlink(tmp)


def prepare_embedded_store(settings: Settings) -> bool:
    """Create ``MLOPS_HOME/mlflow.db`` if it does not exist yet. Returns True when it was created."""
    db = settings.db_path
    if db.exists():
        return False
    with _lock:
        if db.exists():
            return False
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
            settings.artifact_root.mkdir(parents=True, exist_ok=True)
            template = template_path()
            if not template.exists():
                _build_template(template)
            tmp = db.with_name(f".{db.name}.{os.getpid()}.tmp")
            shutil.copyfile(template, tmp)
            with sqlite3.connect(tmp) as conn:
                conn.execute(
                    "UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                    ((settings.artifact_root / "0").as_uri(),),
                )
            conn.close()
            try:
                os.link(tmp, db)  # never replaces a store another process created meanwhile
            except FileExistsError:
                return False
            except OSError:  # a filesystem without hard links
                if db.exists():
                    return False
                os.replace(tmp, db)
            finally:
                if tmp.exists():
                    os.unlink(tmp)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store in {settings.home}: {exc.strerror or exc}; "
                "set MLOPS_HOME to a writable folder"
            ) from None
    return True
