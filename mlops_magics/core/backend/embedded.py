"""The embedded store: an MLflow SQLite database and an artifact folder under ``MLOPS_HOME``.

MLflow creates a new SQLite store by running its whole chain of Alembic migrations, about 1.5-2 s
here, on the first ``start_run``. We run those migrations once per MLflow version into a template
database kept in the user cache (``MLOPS_CACHE_DIR``, else platformdirs' user cache folder:
``$XDG_CACHE_HOME/mlops_magics`` or ``~/.cache/mlops_magics`` on Linux), and a new project's store is
a copy of that template: a few milliseconds. The template is made by MLflow's own code, so the schema is
exactly what MLflow would have created; only the default experiment's artifact location is set to
``MLOPS_HOME/artifacts/0`` after the copy.

Commits: the store runs in SQLite's WAL journal mode (a property of the database file: set on the template,
on every new store, and on an older store when it is opened) and every connection to it uses
``synchronous=NORMAL`` (:func:`tune_connections`, a SQLAlchemy pool listener that touches only connections
to our stores' files). A commit then appends to the WAL file without an ``fsync``: every committed
transaction survives the death of the process (``kill -9``), the last ones may be lost on a power cut or an
OS crash (the database stays consistent). MLflow's own calls in the same process share the engine and get
the same settings. SQLite's WAL needs a local file system (not NFS), like the rest of the embedded store.
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

__all__ = ["cache_dir", "prepare_embedded_store", "template_path", "tune_connections", "use_wal"]

_lock = threading.Lock()
_tune_lock = threading.Lock()
_tuned: set[str] = set()  # real paths of the store files whose connections get synchronous=NORMAL
_listening = False


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
        use_wal(Path(tmp))  # persistent in the file: every copy of the template starts in WAL mode
        os.replace(tmp, target)
    finally:
        quiet.setLevel(old_level)
        if os.path.exists(tmp):
            os.unlink(tmp)


def prepare_embedded_store(settings: Settings) -> bool:
    """Create ``MLOPS_HOME/mlflow.db`` if it does not exist yet. Returns True when it was created."""
    db = settings.db_path
    if db.exists():
        use_wal(db)  # a store made before WAL was used
        return False
    with _lock:
        if db.exists():
            use_wal(db)
            return False
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
            settings.artifact_root.mkdir(parents=True, exist_ok=True)
            template = template_path()
            if not template.exists():
                _build_template(template)
            tmp = db.with_name(f".{db.name}.{os.getpid()}.tmp")
            shutil.copyfile(template, tmp)
            use_wal(tmp)  # a template made before WAL was used
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


def use_wal(db: Path) -> bool:
    """Put the SQLite file ``db`` in WAL journal mode (kept in the file); True when it is in WAL mode.

    Switching needs the database to itself: while another process has it open the switch is left for a
    later start (the store works the same, its commits just cost an fsync each).
    """
    try:
        conn = sqlite3.connect(db, timeout=0.2, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() != "wal":
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
        return str(mode).lower() == "wal"
    except sqlite3.Error:  # busy: another process holds it
        return False
    finally:
        conn.close()


def tune_connections(db: Path) -> None:
    """Every new SQLAlchemy connection to ``db`` (MLflow's engine included) runs ``PRAGMA synchronous=NORMAL``.

    One listener for every pool of the process; it checks each new SQLite connection's file and leaves
    connections to any other database as they are.
    """
    global _listening
    with _tune_lock:
        _tuned.add(os.path.realpath(db))
        if _listening:
            return
        from sqlalchemy import event
        from sqlalchemy.pool import Pool

        event.listen(Pool, "connect", _on_connect)
        _listening = True


def _on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    try:
        files = [row[2] for row in dbapi_connection.execute("PRAGMA database_list") if row[1] == "main"]
        if files and files[0] and os.path.realpath(files[0]) in _tuned:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:  # an unusual connection: it keeps SQLite's defaults
        pass
