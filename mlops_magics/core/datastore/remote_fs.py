"""A data remote: any fsspec URL, its layout, transfers that never leave partial files visible, and
one-line errors for remotes that are unreachable, refuse, or are not folders.

Layout (mirrors the local store)::

    URL/objects/ab/cdef...      whole objects and chunks
    URL/chunklists/ab/cdef...   chunk lists, named by the whole content's hash (uploaded after the chunks)
    URL/manifests/NAME.json     every version of one dataset (updated by compare-and-swap or under a lock)

On object stores (S3) a single PUT is atomic. On file systems an upload goes to a hidden temp name
beside its destination and is renamed, so readers (and listings) see whole files only.
"""

from __future__ import annotations

import errno
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import MlopsError, MlopsUsageError, StoreError

__all__ = ["Remote", "open_remote", "remote_errors"]

_RENAME_PROTOCOLS = {"file", "local", "sftp", "ssh", "smb"}
_LOCAL_PROTOCOLS = {"file", "local"}


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 25] + "..." + url[-22:]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


@contextmanager
def remote_errors(url: str, doing: str) -> Iterator[None]:
    """Turn whatever the fsspec backend raises into one line that says what to do."""
    shown = _short(url)
    try:
        yield
    except MlopsError:
        raise
    except FileNotFoundError as exc:
        raise StoreError(f"remote {shown}: {doing} failed, not found ({_first_line(exc)}); "
                         "check the URL (does the bucket exist?)") from None
    except PermissionError as exc:
        raise StoreError(f"remote {shown} refused {doing} ({_first_line(exc)}); check your credentials "
                         "and permissions") from None
    except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
        raise MlopsUsageError(f"remote {shown} is not a folder ({_first_line(exc)}); give a folder path or a URL "
                              "such as s3://bucket/path") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise MlopsUsageError(f"remote path is too long ({len(url)} characters, a folder name may have at "
                                  f"most 255): {shown}") from None
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise StoreError(f"no space left on device at the remote {shown}; free some space there") from None
        raise StoreError(f"remote {shown} is unreachable or refused {doing} ({_first_line(exc)}); "
                         "check the URL and your network") from None
    except Exception as exc:  # noqa: BLE001 - backends raise their own types (botocore, aiohttp, ...)
        raise StoreError(f"remote {shown} is unreachable or refused {doing} ({type(exc).__name__}: "
                         f"{_first_line(exc)}); check the URL and your network") from None


@dataclass
class Remote:
    """An opened remote: the fsspec file system and the root path inside it."""

    url: str
    fs: Any
    root: str
    protocols: tuple[str, ...]

    @property
    def renames(self) -> bool:
        """True on file systems (upload to a temp name, then rename); False on object stores."""
        return bool(set(self.protocols) & _RENAME_PROTOCOLS)

    @property
    def is_local(self) -> bool:
        return bool(set(self.protocols) & _LOCAL_PROTOCOLS)

    @property
    def is_s3(self) -> bool:
        return bool(set(self.protocols) & {"s3", "s3a"})

    def object_path(self, digest: str) -> str:
        return f"{self.root}/objects/{digest[:2]}/{digest[2:]}"

    def list_path(self, digest: str) -> str:
        return f"{self.root}/chunklists/{digest[:2]}/{digest[2:]}"

    def manifest_path(self, name: str) -> str:
        return f"{self.root}/manifests/{name}.json"

    def _digests(self, folder: str) -> set[str]:
        base = f"{self.root}/{folder}"
        with remote_errors(self.url, "listing"):
            if not self.fs.exists(base):
                return set()
            found = set()
            for path in self.fs.find(base):
                parts = path.rstrip("/").split("/")
                if len(parts) >= 2 and len(parts[-2]) == 2 and not parts[-1].startswith("."):
                    found.add(parts[-2] + parts[-1])
            return found

    def objects(self) -> set[str]:
        """Digests of every object (whole or chunk) on the remote."""
        return self._digests("objects")

    def chunk_lists(self) -> set[str]:
        """Content hashes of every chunk list on the remote."""
        return self._digests("chunklists")

    def upload(self, local: str | Path, dest: str) -> None:
        """Copy a local file to ``dest``; readers never see it partially written."""
        with remote_errors(self.url, "an upload"):
            parent, leaf = dest.rsplit("/", 1)
            if not self.renames:
                self.fs.put_file(str(local), dest)
                return
            self.fs.makedirs(parent, exist_ok=True)
            tmp = f"{parent}/.{leaf}.tmp-{uuid.uuid4().hex}"
            try:
                self.fs.put_file(str(local), tmp)
                self.fs.mv(tmp, dest)
            except BaseException:
                try:
                    self.fs.rm_file(tmp)
                except Exception:  # noqa: BLE001 - best effort; hidden and harmless if it stays
                    pass
                raise

    def download(self, src: str, local: Path) -> None:
        """Copy ``src`` to the local file ``local``; a missing source says which object is missing."""
        with remote_errors(self.url, "a download"):
            try:
                self.fs.get_file(src, str(local))
            except FileNotFoundError:
                leaf = "/".join(src.rsplit("/", 2)[-2:]).replace("/", "")
                raise StoreError(f"{leaf[:12]} is missing on the remote {_short(self.url)}; push it from a "
                                 "machine that has it") from None

    def cat(self, path: str) -> bytes:
        with remote_errors(self.url, "a read"):
            return self.fs.cat_file(path)

    def exists(self, path: str) -> bool:
        with remote_errors(self.url, "a lookup"):
            return bool(self.fs.exists(path))


def _check_local_root(url: str, root: str) -> None:
    """A local remote must be a folder (or not exist yet) with a path the file system accepts."""
    shown = _short(url)
    path = Path(root)
    for part in path.parts:
        if len(os.fsencode(part)) > 255:
            raise MlopsUsageError(f"remote path is too long (a folder name of {len(part)} characters; the limit "
                                  f"is 255): {shown}")
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise MlopsUsageError(f"remote {shown} is inside a file ({probe}); give a folder path or a URL "
                              "such as s3://bucket/path")


def open_remote(url: str) -> Remote:
    """Open ``url`` with fsspec (one-line errors for unknown protocols, missing backends, bad paths)."""
    import fsspec

    if not isinstance(url, str) or not url.strip():
        raise MlopsUsageError("empty remote; pass --remote URI (a folder or an fsspec URL such as s3://bucket/path)")
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise MlopsUsageError(f"cannot use remote '{_short(url)}' ({_first_line(exc)}); install the fsspec backend "
                              "it needs (e.g. s3fs for s3://)") from None
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    remote = Remote(url, fs, root.rstrip("/") or root, tuple(protocols))
    if remote.is_local:
        _check_local_root(url, remote.root)
    return remote
