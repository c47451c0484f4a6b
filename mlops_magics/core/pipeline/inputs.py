"""Step inputs and outputs: what a reference names (a file, a URL, a data version) and its content hash.

* a local path (file or folder), relative to the pipeline folder: BLAKE3 of its content (a folder:
  of its sorted ``(relative path, content hash)`` list, leaving out what editors and Python write
  beside the real content: ``.ipynb_checkpoints/`` and ``__pycache__/``);
* an fsspec URL (``s3://bucket/x.parquet``, ``memory://...``): BLAKE3 of the bytes read through fsspec;
* a data version ``NAME@REF`` (``train@v3``): the version's content hash from
  :mod:`mlops_magics.core.datastore`, without reading the data.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from blake3 import blake3

__all__ = ["MISSING", "Input", "classify_input", "hash_path", "hash_ref", "normalize_path"]

MISSING = "missing"
NOT_CONTENT = frozenset({".ipynb_checkpoints", "__pycache__"})  # folders left out of a folder's hash
_DATA_VERSION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*@[A-Za-z0-9_.-]+$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Input:
    """One input of a step."""

    ref: str  # normalized path, URL or NAME@REF
    kind: str  # "path" | "url" | "data"
    producer: str | None = None  # the step that writes it, if any


def is_url(text: str) -> bool:
    return "://" in text and not text.startswith("file://")


def normalize_path(text: str, root: Path) -> str:
    """A path as recorded: relative to ``root`` (posix, normalized) when inside it, else absolute."""
    if is_url(text):
        return text
    if text.startswith("file://"):
        text = text[len("file://"):]
    path = Path(os.path.normpath(root / os.path.expanduser(text)))
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def classify_input(text: str, root: Path, producers: dict[str, str]) -> tuple[Input, str | None]:
    """What an input names, or an error message when it names nothing that exists or will exist."""
    if is_url(text):
        return Input(text, "url", producers.get(text)), None
    ref = normalize_path(text, root)
    if ref in producers:
        return Input(ref, "path", producers[ref]), None
    if (root / ref).exists():
        return Input(ref, "path"), None
    if "/" not in text and _DATA_VERSION.match(text):
        try:
            hash_ref(Input(text, "data"), root)
        except Exception as exc:  # noqa: BLE001 - reported as a problem of the pipeline file
            return Input(text, "data"), f"data version {text}: {exc}"
        return Input(text, "data"), None
    return Input(ref, "path"), f"{text} does not exist and no step lists it in its outputs"


def _hash_file(path: Path) -> str:
    hasher = blake3()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def hash_path(path: Path) -> str:
    """Content hash of a file or folder, or ``MISSING``."""
    if path.is_file():
        return _hash_file(path)
    if path.is_dir():
        hasher = blake3()
        files = (p for p in path.rglob("*") if p.is_file() and not NOT_CONTENT & set(p.relative_to(path).parts))
        for child in sorted(files):
            rel = child.relative_to(path).as_posix()
            hasher.update(f"{rel}\0{_hash_file(child)}\n".encode())
        return "tree:" + hasher.hexdigest()
    return MISSING


def _hash_url(url: str) -> str:
    import fsspec

    try:
        with fsspec.open(url, "rb") as fh:
            hasher = blake3()
            while chunk := fh.read(_CHUNK):
                hasher.update(chunk)
            return hasher.hexdigest()
    except FileNotFoundError:
        return MISSING


def _hash_data_version(spec: str) -> str:
    from ..datastore.paths import StorePaths
    from ..datastore.repo import current_settings, open_repo

    name = spec.partition("@")[0]
    if not StorePaths(current_settings().home).manifest(name).is_file():  # checked first: no store created
        raise LookupError(f"no dataset named '{name}' in this project; add it with 'mlops data add'")
    _, version = open_repo().resolve(spec)
    return f"data:{version.hash}"


def hash_ref(item: Input | str, root: Path) -> str:
    """Content hash of an input or output reference (``MISSING`` when absent)."""
    if isinstance(item, str):
        item = Input(item, "url" if is_url(item) else "path")
    if item.kind == "url":
        return _hash_url(item.ref)
    if item.kind == "data":
        return _hash_data_version(item.ref)
    return hash_path(root / item.ref)
