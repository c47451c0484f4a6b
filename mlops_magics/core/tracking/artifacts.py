"""Uploading a file or folder as a run's artifacts, never the store into itself.

With the default store ``.mlops/`` inside the project, ``%mlops log artifact .`` would copy the store
into its own artifact folder, which is inside the folder being copied: 65 nested copies and a full disk.
So a folder upload never includes ``MLOPS_HOME`` nor the run's own artifact folder (when local), nor a
symbolic link that leads into them or loops back to a folder above it; such entries are left out and
named. A folder inside the store, the store's database or a file of its artifact folders is refused. A
single file the store keeps beside them (an executed pipeline notebook) may be logged: it cannot recurse.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlparse

from ..backend import session
from ..backend.store_errors import store_errors
from ..errors import MlopsUsageError
from ..names import check_artifact_path

__all__ = ["protected_paths", "upload"]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def protected_paths(artifact_uri: str | None) -> list[Path]:
    """Folders a folder upload must never read from: the store home and the run's local artifact folder."""
    out = [session.settings().home.resolve()]
    if artifact_uri and artifact_uri.startswith("file:"):
        out.append(Path(unquote(urlparse(artifact_uri).path)).resolve())
    return out


def _store_file(real: Path, protected: list[Path]) -> bool:
    """A file of the store itself: its database (and journal), or one under its artifact folders."""
    conf = session.settings()
    db = conf.db_path.resolve()
    if real.parent == db.parent and real.name.startswith(db.name):
        return True
    return any(_inside(real, folder) for folder in [conf.artifact_root.resolve(), *protected[1:]])


def _bad_entries(root: Path, protected: list[Path]) -> list[Path]:
    """Entries under ``root`` (links not followed) that are, hold or lead into a protected folder, or loop."""
    bad: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here, here_real = Path(folder), Path(folder).resolve()
        for name in [*dirs, *files]:
            entry = here / name
            link = entry.is_symlink()
            real = entry.resolve() if link else here_real / name
            if any(_inside(real, p) or _inside(p, real) for p in protected):
                bad.append(entry)
            elif link and entry.is_dir() and _inside(here_real, real):
                bad.append(entry)  # a link to a folder above it: copying it would never end
        dirs[:] = [d for d in dirs if here / d not in bad]
    return bad


def _send(client: Any, run_id: str, path: Path, artifact_path: str | None) -> None:
    with store_errors():
        if path.is_dir():
            client.log_artifacts(run_id, str(path), artifact_path=artifact_path)
        else:
            client.log_artifact(run_id, str(path), artifact_path=artifact_path)


def _join(base: str | None, name: str) -> str:
    return posixpath.join(base, name) if base else name


def _upload_tree(client: Any, run_id: str, folder: Path, artifact_path: str | None, bad: set[Path],
                 above_bad: set[Path]) -> None:
    for entry in sorted(folder.iterdir()):
        if entry in bad:
            continue
        if entry in above_bad:
            _upload_tree(client, run_id, entry, _join(artifact_path, entry.name), bad, above_bad)
        elif entry.is_dir():
            _send(client, run_id, entry, _join(artifact_path, entry.name))
        else:
            _send(client, run_id, entry, artifact_path)


def _ancestors(entries: Iterable[Path], root: Path) -> set[Path]:
    out: set[Path] = set()
    for entry in entries:
        for parent in entry.parents:
            if parent == root or root not in parent.parents:
                break
            out.add(parent)
    return out


def upload(client: Any, run_id: str, local_path: str | os.PathLike, artifact_path: str | None,
           artifact_uri: str | None) -> list[str]:
    """Upload ``local_path`` (file or folder) to the run; return the entries left out (the store, loops)."""
    artifact_path = check_artifact_path(artifact_path)
    path = Path(local_path)
    try:
        exists = path.exists()
    except OSError as exc:  # a name longer than the file system allows, ...
        raise MlopsUsageError(f"no file or folder at {str(path)[:120]} ({exc.strerror}); check the path") from None
    if not exists:
        raise MlopsUsageError(f"no file or folder at {path}; check the path")
    protected = protected_paths(artifact_uri)
    real = path.resolve()
    is_dir = path.is_dir()
    if (is_dir and any(_inside(real, folder) for folder in protected)) or (not is_dir and _store_file(real, protected)):
        raise MlopsUsageError(f"{path} is part of the tracking store ({protected[0]}); the store is never "
                              "uploaded into itself: log a file or folder outside it")
    if not is_dir:
        _send(client, run_id, path, artifact_path)
        return []
    bad = _bad_entries(path, protected)
    if not bad:
        _send(client, run_id, path, artifact_path)
        return []
    _upload_tree(client, run_id, path, artifact_path, set(bad), _ancestors(bad, path))
    return [os.path.relpath(b, path) for b in bad]

