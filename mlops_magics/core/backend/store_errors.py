"""Failures of the tracking store said in one line: a full disk, above all.

A full disk under the embedded SQLite store surfaces as a 100-line SQLAlchemy traceback (and MLflow logs
it once more through ``mlflow.store.db.utils``). :func:`store_errors` turns it into one
:class:`~mlops_magics.core.errors.StoreError` that names the place: "no space left on device at PATH".
SQLite rolls the failed transaction back, so what was stored before stays intact.
"""

from __future__ import annotations

import errno
import logging
from contextlib import contextmanager
from typing import Iterator

from ..errors import MlopsError, StoreError, first_line

__all__ = ["disk_full_error", "is_disk_full", "store_error", "store_errors"]

_DISK_FULL_TEXT = ("database or disk is full", "no space left on device")
_quieted = False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk is full."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return True
        text = str(e).lower()
        if any(t in text for t in _DISK_FULL_TEXT):
            return True
    return False


def _where(exc: BaseException) -> str:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC and e.filename:
            return str(e.filename)
    from . import session

    conf = session.settings()
    if conf.tracking_uri.startswith("sqlite:"):
        return str(conf.tracking_uri.split("sqlite:///", 1)[-1])
    return str(conf.home)


def disk_full_error(exc: BaseException) -> StoreError | None:
    """The one-line error for a full disk, or None when ``exc`` is something else."""
    if not is_disk_full(exc):
        return None
    return StoreError(f"no space left on device at {_where(exc)}; free some space and try again "
                      "(what was stored before is intact)")


def store_error(exc: BaseException) -> StoreError | None:
    """A one-line error for a store failure we can name: a full disk, or a file the store cannot write."""
    full = disk_full_error(exc)
    if full is not None:
        return full
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return StoreError(f"the tracking store cannot write{where}: {exc.strerror or first_line(exc)}; "
                          "check that folder (permissions, a file in the way, its length)")
    return None


class _DropDiskFull(logging.Filter):
    """MLflow logs a store error with its whole traceback before raising it; we say it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_disk_full(exc):
            return False
        return not any(t in record.getMessage().lower() for t in _DISK_FULL_TEXT)


def _quiet_mlflow_logs() -> None:
    global _quieted
    if not _quieted:
        logging.getLogger("mlflow.store.db.utils").addFilter(_DropDiskFull())
        _quieted = True


@contextmanager
def store_errors() -> Iterator[None]:
    """Run a store call; a full disk or an unwritable file becomes one :class:`StoreError` (other errors pass)."""
    _quiet_mlflow_logs()
    try:
        yield
    except MlopsError:
        raise
    except Exception as exc:
        error = store_error(exc)
        if error is None:
            raise
        raise error from None
