"""Atomic file writes: temp file in the same directory, fsync, ``os.replace``, fsync the directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write_bytes", "fsync_dir", "temp_path"]


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def temp_path(directory: Path, prefix: str = ".tmp-") -> Path:
    """A fresh, unique, empty file in ``directory`` (caller renames or removes it)."""
    directory.mkdir(parents=True, exist_ok=True)
    while True:  # like tempfile.mkstemp, without importing tempfile (CLI start-up time)
        path = directory / f"{prefix}{os.getpid()}-{os.urandom(6).hex()}"
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return path
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix."""
    tmp = temp_path(path.parent, prefix=f".{path.name}.")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
