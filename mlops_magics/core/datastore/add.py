"""``add``: store a file, a folder or a DataFrame as a new version (or report it unchanged)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import MlopsUsageError
from .folders import hash_folder
from .hashing import hash_bytes, tree_bytes
from .manifest import Version
from .names import sanitize_name, validate_name
from .repo import DataRepo
from .results import AddResult
from .snapshot import dataframe_schema, fingerprint, to_parquet_bytes
from .tabular import inspect_table, table_format

__all__ = ["add_dataframe", "add_path"]

INGEST_MIN = 64 << 20  # from this size a new file is copied in and hashed once (not hashed, then copied)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _record(repo: DataRepo, name: str, candidate: Version, same: Callable[[Version], bool]) -> AddResult:
    """Append ``candidate`` under the dataset lock unless the latest version has the same content."""
    with repo.editing(name) as manifest:
        latest = manifest.latest
        if latest is not None and same(latest):
            return AddResult(name, latest, unchanged=True)
        candidate.version = manifest.next_number()
        candidate.created = _now()
        manifest.versions.append(candidate)
    return AddResult(name, candidate)


def _check_path(path: Path, repo: DataRepo) -> Path:
    if not os.path.lexists(path):
        raise MlopsUsageError(f"{path}: no such file or folder; check the path (relative to {Path.cwd()})")
    if not path.exists():
        raise MlopsUsageError(f"{path}: broken symbolic link; point it at a file or folder")
    resolved = path.resolve()
    home = repo.paths.home.resolve()
    if resolved == home or home in resolved.parents:
        raise MlopsUsageError(f"{path} is inside the mlops store ({home}); add your data, not the store")
    if not (resolved.is_file() or resolved.is_dir()):
        raise MlopsUsageError(f"{path} is not a regular file or folder; copy it to a file first")
    if not os.access(resolved, os.R_OK):
        raise MlopsUsageError(f"cannot read {path}: permission denied; fix its permissions")
    return resolved


def add_path(repo: DataRepo, path: str | os.PathLike[str], name: str | None = None, message: str = "",
             run_id: str | None = None) -> AddResult:
    """Version the file or folder at ``path``."""
    given = Path(path).expanduser()
    resolved = _check_path(given, repo)
    stem = resolved.stem if resolved.is_file() else resolved.name
    name = validate_name(name) if name is not None else sanitize_name(stem)
    latest = repo.manifest(name).latest
    try:
        if resolved.is_dir():
            return _add_folder(repo, resolved, name, message, run_id, latest)
        return _add_file(repo, resolved, name, message, run_id, latest)
    except PermissionError as exc:
        raise MlopsUsageError(f"cannot read {exc.filename or given}: permission denied; fix its permissions") from None
    finally:
        repo.cache.save()


def _hash_or_ingest(repo: DataRepo, path: Path) -> tuple[str, os.stat_result, bool | None]:
    """The file's hash: from the stat cache, by hashing (small files) or by copying it in (large files).

    Returns ``(digest, stat, was_new)`` where ``was_new`` is None when nothing was stored yet.
    """
    st = os.stat(path)
    cached = repo.cache.lookup(path, st)
    if cached is not None:
        return cached, st, None
    if st.st_size < INGEST_MIN:
        digest, st = repo.cache.hash(path)
        return digest, st, None
    started = time.time_ns()
    digest, new = repo.objects.ingest(path, st)  # a new large file is read once, not twice
    repo.cache.record(path, st, digest, started)
    return digest, st, new


def _add_file(repo: DataRepo, path: Path, name: str, message: str, run_id: str | None,
              latest: Version | None) -> AddResult:
    digest, st, new = _hash_or_ingest(repo, path)
    if latest is not None and latest.hash == digest and repo.objects.has(digest):
        return AddResult(name, latest, unchanged=True)
    if new is None:
        new = repo.objects.put_file(path, digest, st.st_size)
    fmt = table_format(path)
    rows = cols = schema = None
    if fmt:
        rows, cols, schema = inspect_table(path, fmt)
        fmt = fmt if rows is not None else None
    candidate = Version(version=0, hash=digest, kind="file", size=st.st_size, created="", message=message,
                        path=repo.stored_path(path), rows=rows, columns=cols, schema=schema, format=fmt,
                        produced_by=run_id)
    result = _record(repo, name, candidate, lambda v: v.hash == digest)
    result.stored_bytes = st.st_size if new else 0
    return result


def _add_folder(repo: DataRepo, path: Path, name: str, message: str, run_id: str | None,
                latest: Version | None) -> AddResult:
    files = hash_folder(path, repo.cache, exclude=repo.paths.home)
    tree = tree_bytes(entry for entry, _ in files)
    digest = hash_bytes(tree)
    if latest is not None and latest.hash == digest and repo.objects.has(digest):
        return AddResult(name, latest, unchanged=True)
    stored = 0
    for (_, file_hash, size), full in files:
        if repo.objects.put_file(full, file_hash, size):
            stored += size
    repo.objects.put_bytes(tree)  # the tree last: a folder version is visible only when complete
    candidate = Version(version=0, hash=digest, kind="folder", size=sum(e[2] for e, _ in files), created="",
                        message=message, path=repo.stored_path(path), files=len(files), produced_by=run_id)
    result = _record(repo, name, candidate, lambda v: v.hash == digest)
    result.stored_bytes = stored
    return result


def add_dataframe(repo: DataRepo, df: Any, name: str, message: str = "", run_id: str | None = None) -> AddResult:
    """Snapshot a DataFrame (Parquet) as a new version unless its fingerprint is unchanged."""
    name = validate_name(name)
    fp = fingerprint(df)
    latest = repo.manifest(name).latest
    if latest is not None and latest.fingerprint == fp and repo.objects.has(latest.hash):
        return AddResult(name, latest, unchanged=True)
    data = to_parquet_bytes(df)
    digest, new = repo.objects.put_bytes(data)
    candidate = Version(version=0, hash=digest, kind="dataframe", size=len(data), created="", message=message,
                        rows=int(df.shape[0]), columns=int(df.shape[1]), schema=dataframe_schema(df),
                        fingerprint=fp, format="parquet", produced_by=run_id)
    result = _record(repo, name, candidate, lambda v: v.fingerprint == fp or v.hash == digest)
    result.stored_bytes = len(data) if new else 0
    return result
