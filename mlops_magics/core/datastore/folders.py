"""Folders: walk the files, skipping the store itself and VCS / notebook clutter."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import MlopsUsageError

__all__ = ["SKIP_DIRS", "walk_files"]

SKIP_DIRS = {".git", ".hg", ".svn", ".mlops", ".dvc", "__pycache__", ".ipynb_checkpoints"}


def walk_files(root: Path, exclude: Path | None = None) -> list[tuple[str, Path]]:
    """``(posix relative path, absolute path)`` of every regular file below ``root``, sorted."""
    found: list[tuple[str, Path]] = []
    exclude_s = str(exclude) if exclude else None
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and os.path.join(dirpath, d) != exclude_s
        )
        for fname in filenames:
            full = Path(dirpath, fname)
            if full.is_file():  # follows symlinks to files; skips sockets, fifos, dangling links
                found.append((full.relative_to(root).as_posix(), full))
    found.sort()
    return found


def _raise(err: OSError) -> None:
    raise MlopsUsageError(f"cannot read folder {err.filename}: {err.strerror}; check its permissions")
