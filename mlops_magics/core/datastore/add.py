"""``add``: store a file, a folder or a DataFrame as a new version (or report it unchanged).

An unchanged file is recognised from the stat cache without reading it and without taking a lock.
Anything new is stored inside a writer session (:mod:`.writers`): large files and snapshots as
chunks (:mod:`.ingest`), so a version that appends 1% stores about 1% more.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import MlopsUsageError
from .chunking import CHUNK_MIN_FILE, parquet_cuts
from .diskerrors import write_errors
from .folders import walk_files
from .hashing import TreeEntry, hash_bytes, tree_bytes
from .ingest import store_bytes, store_file
from .manifest import Version
from .meter import Meter, ProgressFn
from .names import sanitize_name, validate_name
from .repo import DataRepo
from .results import AddResult
from .snapshot import dataframe_schema, fingerprint, to_parquet_bytes
from .statcache import FileChangedError, stat_key
from .tabular import inspect_table, table_format
from .writers import writing

__all__ = ["add_dataframe", "add_path"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _record(repo: DataRepo, name: str, candidate: Version, same: Callable[[Version], bool]) -> AddResult:
    """Append ``candidate`` under the dataset lock unless the latest version has the same content."""
    with write_errors(repo.paths.manifests), repo.editing(name) as manifest:
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
             run_id: str | None = None, progress: ProgressFn | None = None) -> AddResult:
    """Version the file or folder at ``path``."""
    given = Path(path).expanduser()
    resolved = _check_path(given, repo)
    stem = resolved.stem if resolved.is_file() else resolved.name
    name = validate_name(name) if name is not None else sanitize_name(stem)
    latest = repo.manifest(name).latest
    try:
        if resolved.is_dir():
            return _add_folder(repo, resolved, name, message, run_id, latest, progress)
        return _add_file(repo, resolved, name, message, run_id, latest, progress)
    except PermissionError as exc:
        raise MlopsUsageError(f"cannot read {exc.filename or given}: permission denied; fix its permissions") from None
    finally:
        try:
            repo.cache.save()
        except OSError:  # a cache: on a full disk the add's own error (or result) is what matters
            pass


def _store(repo: DataRepo, path: Path, st: os.stat_result, cached: str | None, meter: Meter | None) -> Any:
    """Store one file through the stat cache; returns :class:`.ingest.Stored`."""
    started = time.time_ns()
    if cached is None and st.st_size < CHUNK_MIN_FILE:
        cached, st = repo.cache.hash(path)  # small: hash first, copy only if new
    stored = store_file(repo.content, path, st, cached, meter)
    repo.cache.record(path, st, stored.digest, started)
    return stored


def _add_file(repo: DataRepo, path: Path, name: str, message: str, run_id: str | None,
              latest: Version | None, progress: ProgressFn | None) -> AddResult:
    st = os.stat(path)
    cached = repo.cache.lookup(path, st)
    if cached is not None and latest is not None and latest.hash == cached and repo.content.has(cached):
        return AddResult(name, latest, unchanged=True)
    with writing(repo.paths):
        with Meter(progress, "add", path.name, bytes_total=st.st_size) as meter:
            stored = _store(repo, path, st, cached, meter)
        fmt = table_format(path)
        rows = cols = schema = None
        if fmt:
            rows, cols, schema = inspect_table(path, fmt)
            fmt = fmt if rows is not None else None
        candidate = Version(version=0, hash=stored.digest, kind="file", size=st.st_size, created="",
                            message=message, path=repo.stored_path(path), rows=rows, columns=cols, schema=schema,
                            format=fmt, produced_by=run_id, chunks=stored.chunks)
        result = _record(repo, name, candidate, lambda v: v.hash == stored.digest)
    result.stored_bytes = stored.new_bytes
    return result


def _add_folder(repo: DataRepo, path: Path, name: str, message: str, run_id: str | None,
                latest: Version | None, progress: ProgressFn | None) -> AddResult:
    files = []
    for rel, full in walk_files(path, exclude=repo.paths.home):
        st = os.stat(full)
        files.append((rel, full, st, repo.cache.lookup(full, st)))
    if all(c is not None for *_, c in files):  # every file known: decide "unchanged" without reading
        tree = tree_bytes((rel, c, st.st_size) for rel, _, st, c in files)
        digest = hash_bytes(tree)
        if latest is not None and latest.hash == digest and repo.content.has(digest):
            return AddResult(name, latest, unchanged=True)
    total = sum(st.st_size for _, _, st, _ in files)
    entries: list[TreeEntry] = []
    stored_bytes = 0
    with writing(repo.paths):
        with Meter(progress, "add", path.name, items_total=len(files), bytes_total=total) as meter:
            for rel, full, st, cached in files:
                stored = _store(repo, full, st, cached, None)
                if stat_key(os.stat(full)) != stat_key(st):
                    raise FileChangedError(full)
                entries.append((rel, stored.digest, st.st_size))
                stored_bytes += stored.new_bytes
                meter.advance(1, st.st_size)
        tree = tree_bytes(entries)
        digest, _ = repo.objects.put_bytes(tree)  # the tree last: a folder version is visible only when complete
        candidate = Version(version=0, hash=digest, kind="folder", size=total, created="", message=message,
                            path=repo.stored_path(path), files=len(files), produced_by=run_id)
        result = _record(repo, name, candidate, lambda v: v.hash == digest)
    result.stored_bytes = stored_bytes
    return result


def add_dataframe(repo: DataRepo, df: Any, name: str, message: str = "", run_id: str | None = None,
                  progress: ProgressFn | None = None) -> AddResult:
    """Snapshot a DataFrame (Parquet) as a new version unless its fingerprint is unchanged."""
    name = validate_name(name)
    fp = fingerprint(df)
    latest = repo.manifest(name).latest
    if latest is not None and latest.fingerprint == fp and repo.content.has(latest.hash):
        return AddResult(name, latest, unchanged=True)
    data = to_parquet_bytes(df)
    with writing(repo.paths):
        with Meter(progress, "add", name, bytes_total=len(data)) as meter:
            stored = store_bytes(repo.content, data, parquet_cuts, meter)
        candidate = Version(version=0, hash=stored.digest, kind="dataframe", size=len(data), created="",
                            message=message, rows=int(df.shape[0]), columns=int(df.shape[1]),
                            schema=dataframe_schema(df), fingerprint=fp, format="parquet", produced_by=run_id,
                            chunks=stored.chunks)
        result = _record(repo, name, candidate, lambda v: v.fingerprint == fp or v.hash == stored.digest)
    result.stored_bytes = stored.new_bytes
    return result
