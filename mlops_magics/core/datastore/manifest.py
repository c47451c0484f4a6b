"""Per-dataset manifests: a small JSON file listing every version of one dataset."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError, NotFound, StoreError
from .atomic import atomic_write_bytes
from .hashing import ALGORITHM

__all__ = ["Manifest", "Version", "load_manifest", "save_manifest"]

FORMAT = 1
_VN = re.compile(r"^v(\d+)$")
_HEX = re.compile(r"^[0-9a-f]+$")
MIN_PREFIX = 4


@dataclass
class Version:
    """One version of a dataset as recorded in its manifest."""

    version: int
    hash: str
    kind: str  # "file" | "folder" | "dataframe"
    size: int
    created: str  # ISO 8601, UTC
    message: str = ""
    path: str | None = None  # original path (relative to the project root when inside it)
    rows: int | None = None
    columns: int | None = None
    schema: dict[str, str] | None = None
    files: int | None = None  # folders: number of files
    fingerprint: str | None = None  # DataFrames: content fingerprint (covers every row)
    format: str | None = None  # tabular format: "csv", "parquet", ... (None: not tabular)
    produced_by: str | None = None  # run id
    chunks: int | None = None  # stored as this many chunks (None: one whole object, or a folder)
    used_by: list[str] = field(default_factory=list)  # run ids

    @property
    def short(self) -> str:
        return self.hash[:10]

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != []}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Version:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in doc.items() if k in known})


@dataclass
class Manifest:
    """Every version of one dataset, oldest first."""

    name: str
    versions: list[Version] = field(default_factory=list)

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def next_number(self) -> int:
        return (self.versions[-1].version + 1) if self.versions else 1

    def resolve(self, ref: str = "latest") -> Version:
        """The version named by ``vN``, ``latest`` or a unique hash prefix."""
        if not self.versions:
            raise NotFound(f"dataset '{self.name}' has no versions; add one with '%mlops data add'")
        if ref in ("latest", "", None):
            return self.versions[-1]
        match = _VN.match(ref)
        if match:
            number = int(match.group(1))
            for v in self.versions:
                if v.version == number:
                    return v
            raise NotFound(
                f"'{self.name}@{ref}' does not exist; versions are v1..v{self.versions[-1].version}"
            )
        prefix = ref.lower()
        if not _HEX.match(prefix):
            raise MlopsUsageError(f"'{self.name}@{ref}': a version is vN, latest or a hash prefix")
        if len(prefix) < MIN_PREFIX:
            raise MlopsUsageError(f"'{self.name}@{ref}': hash prefix too short; give at least {MIN_PREFIX} characters")
        hits = [v for v in self.versions if v.hash.startswith(prefix)]
        if not hits:
            raise NotFound(f"no version of '{self.name}' has a hash starting with '{ref}'")
        if len({v.hash for v in hits}) > 1:
            choices = ", ".join(f"v{v.version}={v.short}" for v in hits[:5])
            raise MlopsUsageError(f"'{self.name}@{ref}' is ambiguous ({choices}); give more characters")
        return hits[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "algorithm": ALGORITHM,
            "versions": [v.to_json() for v in self.versions],
        }


def load_manifest(path: Path, name: str) -> Manifest:
    """Read ``path``; a missing file is an empty manifest."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Manifest(name=name)
    try:
        doc = json.loads(raw)
        return Manifest(name=doc.get("name", name), versions=[Version.from_json(v) for v in doc["versions"]])
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"manifest {path} is damaged ({exc}); restore it from the remote with 'data pull'") from None


def save_manifest(path: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (readers see the old or the new file)."""
    data = json.dumps(manifest.to_json(), indent=1, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, data.encode("utf-8"))
