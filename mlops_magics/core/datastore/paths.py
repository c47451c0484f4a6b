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
    def chunklists(self) -> Path:
        """Chunk lists of large files: ``chunklists/ab/cdef...`` named by the whole content's hash."""
        return self.root / "chunklists"

    @property
    def writers(self) -> Path:
        """One lock file per running writer (``add``, ``pull``); its temp files in ``tmp`` carry its id."""
        return self.root / "writers"

    @property
    def gate(self) -> Path:
        """Held by ``gc`` for its whole run and by a writer while it registers: no writer starts mid-gc."""
        return self.locks / "gc.lock"

    @property
    def summaries(self) -> Path:
        """Drift reference summaries, ``summaries/HASH.json``."""
        return self.root / "summaries"

    @property
    def manifests(self) -> Path:
        """One human-readable JSON manifest per dataset."""
        return self.root / "manifests"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def views(self) -> Path:
        """Read-only named copies of versions returned by ``load`` for non-tabular data."""
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
        for path in (self.objects, self.tmp, self.manifests, self.locks, self.writers):
            path.mkdir(parents=True, exist_ok=True)
