"""Where the data store keeps things under ``MLOPS_HOME/data``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["StorePaths"]


@dataclass(frozen=True)
class StorePaths:
    """The layout of one data store (all paths derive from ``home``)."""

    home: Path

    @property
    def root(self) -> Path:
        return self.home / "data"

    @property
    def objects(self) -> Path:
        """Content-addressed objects: ``objects/ab/cdef...`` (read-only files)."""
        return self.root / "objects"

    @property
    def tmp(self) -> Path:
        """Temporary files being written; renamed into ``objects`` only when complete."""
        return self.root / "tmp"

    @property
    def manifests(self) -> Path:
        """One human-readable JSON manifest per dataset."""
        return self.root / "manifests"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def views(self) -> Path:
        """Hard-linked, named views of objects returned by ``load`` for non-tabular data."""
        return self.root / "views"

    @property
    def statcache(self) -> Path:
        return self.root / "statcache.json"

    def manifest(self, name: str) -> Path:
        return self.manifests / f"{name}.json"

    def lock(self, name: str) -> Path:
        return self.locks / f"{name}.lock"

    def ensure(self) -> None:
        """Create the directories (idempotent)."""
        for path in (self.objects, self.tmp, self.manifests, self.locks):
            path.mkdir(parents=True, exist_ok=True)
