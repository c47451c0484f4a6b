"""Read-modify-write of a remote manifest that two machines can do at once without losing versions.

* S3 (and S3-compatible servers): compare-and-swap. The manifest is read with its ETag and written
  back with ``If-Match: ETAG`` (``If-None-Match: *`` when it did not exist); a 412/409 answer means
  another machine wrote first, so we read again, merge again and retry.
* Local and mounted file systems: an exclusive ``filelock`` on ``URL/locks/NAME.lock`` around the
  read-merge-write, and the new manifest is renamed into place.
* Other fsspec backends: written as before (last writer wins); use S3 or a shared folder for teams.
"""

from __future__ import annotations

import json
import random
import time
from typing import Callable

from ..errors import StoreError
from .manifest import Manifest, Version
from .remote_fs import Remote, remote_errors

__all__ = ["read_remote_manifest", "update_remote_manifest"]

MAX_TRIES = 20


def _parse(data: bytes, remote: Remote, name: str) -> Manifest:
    try:
        doc = json.loads(data)
        return Manifest(name=name, versions=[Version.from_json(v) for v in doc["versions"]])
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"the remote's manifest of '{name}' is damaged ({exc}); push it again from a good copy") \
            from None


def _dump(manifest: Manifest) -> bytes:
    return (json.dumps(manifest.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# -- S3: conditional writes ------------------------------------------------------------------------
def _s3_read(remote: Remote, path: str) -> tuple[bytes | None, str | None]:
    from fsspec.asyn import sync

    fs = remote.fs
    bucket, key, _ = fs.split_path(path)

    async def get() -> tuple[bytes, str]:
        resp = await fs._call_s3("get_object", Bucket=bucket, Key=key)
        try:
            return await resp["Body"].read(), resp["ETag"]
        finally:
            resp["Body"].close()

    try:
        with remote_errors(remote.url, "reading a manifest"):
            try:
                return sync(fs.loop, get)
            except FileNotFoundError:
                return None, None
    finally:
        fs.invalidate_cache(path)


def _is_conflict(exc: BaseException) -> bool:
    """A failed precondition (412) or a concurrent conditional write (409)."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            err = response.get("Error", {})
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if err.get("Code") in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                return True
        if isinstance(seen, FileExistsError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _s3_write(remote: Remote, path: str, data: bytes, etag: str | None) -> bool:
    """Write if nobody changed the object since ``etag`` was read (None: if it still does not exist)."""
    from fsspec.asyn import sync

    fs = remote.fs
    bucket, key, _ = fs.split_path(path)
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}

    async def put() -> None:
        await fs._call_s3("put_object", Bucket=bucket, Key=key, Body=data, ContentType="application/json",
                          **condition)

    try:
        with remote_errors(remote.url, "writing a manifest"):
            try:
                sync(fs.loop, put)
            except Exception as exc:  # noqa: BLE001 - a lost race is an answer, anything else an error
                if _is_conflict(exc):
                    return False
                raise
        return True
    finally:
        fs.invalidate_cache(path)


def _update_s3(remote: Remote, name: str, change: Callable[[Manifest | None], Manifest]) -> Manifest:
    path = remote.manifest_path(name)
    for attempt in range(MAX_TRIES):
        data, etag = _s3_read(remote, path)
        current = _parse(data, remote, name) if data is not None else None
        wanted = change(current)
        if current is not None and wanted.to_json() == current.to_json():
            return current
        if _s3_write(remote, path, _dump(wanted), etag):
            return wanted
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # another machine wrote first: merge again
    raise StoreError(f"the remote manifest of '{name}' kept changing while pushing ({MAX_TRIES} tries); push again")


# -- file systems: a lock ----------------------------------------------------------------------------
def _update_locked(remote: Remote, name: str, change: Callable[[Manifest | None], Manifest]) -> Manifest:
    from pathlib import Path

    from .atomic import atomic_write_bytes
    from .locking import file_lock

    path = Path(remote.manifest_path(name))
    with remote_errors(remote.url, "updating a manifest"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(Path(remote.root) / "locks" / f"{name}.lock", timeout=300,
                       busy=f"the remote manifest of '{name}' stays locked by another push; try again later"):
            current = _parse(path.read_bytes(), remote, name) if path.is_file() else None
            wanted = change(current)
            if current is None or wanted.to_json() != current.to_json():
                atomic_write_bytes(path, _dump(wanted))
            return wanted


def _update_plain(remote: Remote, name: str, change: Callable[[Manifest | None], Manifest]) -> Manifest:
    current = read_remote_manifest(remote, name)
    wanted = change(current)
    if current is None or wanted.to_json() != current.to_json():
        with remote_errors(remote.url, "writing a manifest"):
            remote.fs.pipe_file(remote.manifest_path(name), _dump(wanted))
    return wanted


def read_remote_manifest(remote: Remote, name: str) -> Manifest | None:
    """The remote's manifest of ``name``, or None."""
    if remote.is_s3:
        data, _ = _s3_read(remote, remote.manifest_path(name))
        return _parse(data, remote, name) if data is not None else None
    path = remote.manifest_path(name)
    if not remote.exists(path):
        return None
    return _parse(remote.cat(path), remote, name)


def update_remote_manifest(remote: Remote, name: str, change: Callable[[Manifest | None], Manifest]) -> Manifest:
    """Replace the remote manifest of ``name`` by ``change(current)`` atomically; returns what was written."""
    if remote.is_s3:
        return _update_s3(remote, name, change)
    if remote.is_local:
        return _update_locked(remote, name, change)
    return _update_plain(remote, name, change)
