"""``data gc``: delete stored chunks, objects and chunk lists that nothing references.

Safe against a concurrent ``data add`` or ``data pull``: gc holds the store's gate (``locks/gc.lock``)
for its whole run, so no writer starts, and first waits for the writers already running to finish
(:mod:`.writers`); only then does it decide what is unreferenced. Safe against being killed: it
only ever deletes what is unreferenced, chunk lists before the chunks they name (so a content that
looks present is always complete) and a rerun finishes the job. Temp files of dead writers, and
read-only copies made by ``load`` for contents that are gone, are removed too.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import fsync_dir
from .gcroots import Roots, find_roots
from .hashing import read_tree
from .locking import file_lock
from .meter import Meter, ProgressFn
from .repo import DataRepo
from ..formatting import human_size
from .writers import clean_abandoned

__all__ = ["GcResult", "collect"]

_TREE_PREFIX = b'{"format":1,"algorithm":"blake3","files":'
_TREE_MAX = 256 << 20


@dataclass
class GcResult:
    """What gc removed (or, with ``dry_run``, would remove) and what it kept."""

    dry_run: bool
    objects: int = 0  # whole objects and chunks
    object_bytes: int = 0
    lists: int = 0
    list_bytes: int = 0
    temp_files: int = 0  # left by killed writers
    temp_bytes: int = 0
    views: int = 0  # read-only copies of contents that are gone
    view_bytes: int = 0
    kept_objects: int = 0
    kept_bytes: int = 0
    referenced_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def freed_bytes(self) -> int:
        return self.object_bytes + self.list_bytes + self.temp_bytes + self.view_bytes

    def __repr__(self) -> str:
        verb = "would free" if self.dry_run else "freed"
        parts = [f"{self.objects} chunk(s)/object(s)", f"{self.lists} chunk list(s)"]
        if self.temp_files:
            parts.append(f"{self.temp_files} temp file(s) of killed writers")
        if self.views:
            parts.append(f"{self.views} stale load copy(ies)")
        refs = ", ".join(f"{n} {what}" for what, n in self.referenced_by.items() if n)
        line = (f"gc {verb} {human_size(self.freed_bytes) or '0 B'} ({', '.join(parts)}); kept "
                f"{self.kept_objects} object(s), {human_size(self.kept_bytes) or '0 B'}, referenced by "
                f"{refs or 'nothing'}")
        if self.dry_run:
            line += "; run without --dry-run to delete"
        return "\n".join([line, *(f"  note: {n}" for n in self.notes)])


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except FileNotFoundError:
        return 0


def _maybe_tree(repo: DataRepo, digest: str) -> list[tuple[str, int]]:
    """The files of ``digest`` if it is a folder tree object (roots of unknown kind), else []."""
    path = repo.objects.path(digest)
    try:
        if path.stat().st_size > _TREE_MAX:
            return []
        with open(path, "rb") as fh:
            if fh.read(len(_TREE_PREFIX)) != _TREE_PREFIX:
                return []
        return [(h, s) for _, h, s in read_tree(path.read_bytes())]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _live(repo: DataRepo, roots: Roots) -> tuple[set[str], set[str]]:
    """``(objects, chunk lists)`` reachable from the roots."""
    content = repo.content
    contents: set[str] = set()
    for version in roots.versions:
        contents.add(version.hash)
        if version.kind == "folder" and content.has(version.hash):
            contents.update(h for _, h, _ in repo.tree(version))
    for digest in roots.summaries | roots.models | roots.pipelines:
        if digest not in contents:
            contents.add(digest)
            contents.update(h for h, _ in _maybe_tree(repo, digest))
    objects, lists = set(), set()
    for digest in contents:
        if content.is_chunked(digest):
            lists.add(digest)
            objects.update(h for h, _ in content.chunk_list(digest).chunks)
        else:
            objects.add(digest)
    return objects, lists


def _delete(path: Path, dry_run: bool) -> int:
    size = _size(path)
    if not dry_run:
        try:
            path.unlink()
        except FileNotFoundError:
            return 0
    return size


def _stale_views(repo: DataRepo, live_contents: set[str], result: GcResult, dry_run: bool) -> None:
    views = repo.paths.views
    prefixes = {d[:16] for d in live_contents}
    for folder in views.iterdir() if views.is_dir() else []:
        if folder.name not in prefixes:
            size = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())
            if not dry_run:
                shutil.rmtree(folder, ignore_errors=True)
            result.views += 1
            result.view_bytes += size


def collect(repo: DataRepo, dry_run: bool = False, registry: bool = True,
            progress: ProgressFn | None = None) -> GcResult:
    """Garbage-collect the store (see the module docstring)."""
    result = GcResult(dry_run=dry_run)
    busy = "another 'data gc' is running on this store; wait for it to finish"
    with file_lock(repo.paths.gate, timeout=3600, busy=busy):
        result.temp_files, result.temp_bytes = clean_abandoned(repo.paths, wait=True, dry_run=dry_run)
        roots = find_roots(repo, registry=registry)
        result.referenced_by = roots.counts
        result.notes = roots.notes
        live_objects, live_lists = _live(repo, roots)
        content = repo.content
        dead_lists = [d for d in content.lists() if d not in live_lists]
        dead_objects, kept = [], 0
        for digest in repo.objects:
            if digest in live_objects:
                result.kept_objects += 1
                kept += _size(repo.objects.path(digest))
            else:
                dead_objects.append(digest)
        result.kept_bytes = kept
        with Meter(progress, "gc", str(repo.paths.root), len(dead_lists) + len(dead_objects)) as meter:
            for digest in dead_lists:  # lists first: a content that looks present stays complete
                result.list_bytes += _delete(content.list_path(digest), dry_run)
                result.lists += 1
                meter.advance(1)
            if dead_lists and not dry_run and content.lists_root.is_dir():
                for sub in {d[:2] for d in dead_lists}:
                    fsync_dir(content.lists_root / sub)
            for digest in dead_objects:
                result.object_bytes += _delete(repo.objects.path(digest), dry_run)
                result.objects += 1
                meter.advance(1)
        _stale_views(repo, live_objects | live_lists, result, dry_run)
        if not dry_run:
            _prune_empty(repo.objects.root)
            _prune_empty(content.lists_root)
    return result


def _prune_empty(root: Path) -> None:
    """Remove empty ``ab/`` fan-out folders."""
    for sub in root.iterdir() if root.is_dir() else []:
        try:
            if sub.is_dir() and not any(os.scandir(sub)):
                sub.rmdir()
        except OSError:
            continue
