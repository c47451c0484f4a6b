"""What ``load`` returns: a DataFrame for tabular versions, else the path of a read-only copy.

Copies (not hard links) under ``data/views/HASH/NAME``: a user who edits the returned file must not
be able to corrupt the store, even as root. A copy whose stat changed is made again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError
from ..backend.table_files import read_table
from .atomic import temp_path
from .diskerrors import write_errors
from .hashing import tree_path
from .manifest import Version
from .repo import DataRepo

__all__ = ["materialize", "read_version"]


def read_version(repo: DataRepo, name: str, version: Version) -> Any:
    """A DataFrame for tabular versions, else the path of a read-only copy."""
    if not repo.content.has(version.hash):
        raise MlopsUsageError(f"{name}@v{version.version} is not in the local store; 'data pull' it first")
    if not version.format:
        return materialize(repo, name, version)
    # objects have no suffix; the shared reader picks the format by suffix: give it a named link
    # (a whole object) or a rebuilt, hash-checked copy (chunked content)
    link_dir = temp_path(repo.paths.tmp, prefix=".view-")
    link_dir.unlink()
    link_dir.mkdir()
    link = link_dir / f"{name}.{version.format}"
    try:
        if repo.content.is_chunked(version.hash):
            repo.content.export(version.hash, link)
        else:
            os.symlink(repo.objects.path(version.hash), link)
        return read_table(link)
    finally:
        shutil.rmtree(link_dir, ignore_errors=True)


def _fresh(repo: DataRepo, path: Path, digest: str) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return repo.cache.lookup(path, st) == digest or repo.cache.hash(path)[0] == digest


def _copy(repo: DataRepo, digest: str, dest: Path) -> None:
    with write_errors(dest.parent):
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(dest.parent, prefix=f".{dest.name}.")
    try:
        repo.content.export(digest, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def materialize(repo: DataRepo, name: str, version: Version) -> Path:
    """A read-only copy of a file or folder version under ``data/views`` (made once per content)."""
    base = repo.paths.views / version.hash[:16]
    leaf = Path(version.path).name if version.path else name
    target = base / leaf
    try:
        if version.kind != "folder":
            if not _fresh(repo, target, version.hash):
                _copy(repo, version.hash, target)
            return target
        for rel, digest, _ in repo.tree(version):
            dest = tree_path(target, rel)
            if not _fresh(repo, dest, digest):
                _copy(repo, digest, dest)
        target.mkdir(parents=True, exist_ok=True)
        return target
    finally:
        repo.cache.save()
