"""One data store: paths, objects, stat cache and locked manifest edits."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..backend.settings import Settings, load_settings
from ..errors import NotFound
from .content import ContentStore
from .diskerrors import write_errors
from .hashing import TreeEntry, read_tree
from .locking import file_lock
from .manifest import Manifest, Version, load_manifest, save_manifest
from .names import parse_spec, validate_name
from .objects import ObjectStore
from .paths import StorePaths
from .statcache import StatCache

__all__ = ["PIN_ENV", "DataRepo", "current_settings", "open_repo", "pinned_versions"]

PIN_ENV = "MLOPS_PIN_DATA"  # "train=v3,prices=v1": `train` / `train@latest` resolve to v3 (set by reproduce)


def pinned_versions() -> dict[str, str]:
    """The pins of ``MLOPS_PIN_DATA`` (a reproduction loads the versions the original run used)."""
    pins = {}
    for item in os.environ.get(PIN_ENV, "").split(","):
        name, sep, ref = item.strip().partition("=")
        if sep and name and ref:
            pins[name] = ref
    return pins


class DataRepo:
    """The data store under ``home``; paths are recorded relative to ``project_root`` when inside it."""

    def __init__(self, home: Path, project_root: Path) -> None:
        self.paths = StorePaths(home)
        self.project_root = project_root
        with write_errors(self.paths.root):
            self.paths.ensure()
        self.objects = ObjectStore(self.paths.objects, self.paths.tmp)
        self.content = ContentStore(self.objects, self.paths.chunklists)
        self.cache = StatCache(self.paths.statcache)

    def manifest(self, name: str) -> Manifest:
        return load_manifest(self.paths.manifest(validate_name(name)), name)

    @contextmanager
    def editing(self, name: str) -> Iterator[Manifest]:
        """Read-modify-write one manifest under its lock; saved only if the block succeeds."""
        validate_name(name)
        with file_lock(self.paths.lock(name)):
            manifest = load_manifest(self.paths.manifest(name), name)
            before = manifest.to_json()
            yield manifest
            if manifest.to_json() != before:
                save_manifest(self.paths.manifest(name), manifest)

    def names(self) -> list[str]:
        if not self.paths.manifests.is_dir():
            return []
        return sorted(p.stem for p in self.paths.manifests.glob("*.json") if not p.name.startswith("."))

    def resolve(self, spec: str) -> tuple[str, Version]:
        """``NAME[@REF]`` -> (name, version), with one-line errors for unknown names and refs.
        ``latest`` of a name pinned by ``MLOPS_PIN_DATA`` is the pinned version."""
        name, ref = parse_spec(spec)
        if ref == "latest":
            ref = pinned_versions().get(name, ref)
        manifest = self.manifest(name)
        if not manifest.versions:
            known = ", ".join(self.names()[:10]) or "none yet"
            raise NotFound(f"no dataset named '{name}' (known: {known}); add it with 'data add'")
        return name, manifest.resolve(ref)

    def clean_temp(self) -> int:
        """Remove temp files left by writers that died (their lock is gone); returns how many."""
        from .writers import clean_abandoned

        return clean_abandoned(self.paths)[0]

    def tree(self, version: Version) -> list[TreeEntry]:
        """The files of a folder version."""
        return read_tree(self.content.read_bytes(version.hash))

    def contents(self, version: Version) -> list[tuple[str, int]]:
        """Every content a version needs, ``(hash, size)``: a folder's tree first, then its files."""
        if version.kind != "folder":
            return [(version.hash, version.size)]
        tree_size = self.content.size(version.hash) if self.content.has(version.hash) else 0
        return [(version.hash, tree_size)] + [(h, s) for _, h, s in self.tree(version)]

    def stored_path(self, path: Path) -> str:
        """How a path is recorded: relative to the project root if inside it, else absolute."""
        path = Path(os.path.abspath(path))
        try:
            return path.relative_to(self.project_root).as_posix()
        except ValueError:
            return path.as_posix()

    def restore_path(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.project_root / path


def current_settings() -> Settings:
    """The notebook session's cached settings when a session exists, else freshly resolved ones."""
    session = sys.modules.get("mlops_magics.core.backend.session")
    if session is not None:
        return session.settings()
    return load_settings()


def open_repo(home: Path | None = None) -> DataRepo:
    """The data store of the current project (``MLOPS_HOME``), or of an explicit home."""
    conf = current_settings()
    return DataRepo(Path(home) if home is not None else conf.home, conf.project_root)
