"""``push`` / ``pull``: objects and manifests to and from any fsspec URL, sending only what is missing.

Remote layout mirrors the local one: ``URL/objects/ab/cdef...`` and ``URL/manifests/NAME.json``.
On local and network file systems an upload goes to a temp name first and is renamed, so a reader
never sees a partial object; downloaded objects are hash-checked before they become visible.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError, NotFound, StoreError
from .atomic import temp_path
from .hashing import read_tree
from .manifest import Manifest, Version
from .repo import DataRepo
from .results import PullResult, PushResult

__all__ = ["merge_manifests", "pull", "push"]

_RENAME_PROTOCOLS = {"file", "local", "sftp", "ssh", "smb"}


def _open(url: str) -> tuple[Any, str, bool]:
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise MlopsUsageError(f"cannot use remote '{url}' ({exc}); install the fsspec backend it needs") from None
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return fs, root.rstrip("/"), bool(set(protocols) & _RENAME_PROTOCOLS)


def _remote_objects(fs: Any, root: str) -> set[str]:
    base = f"{root}/objects"
    if not fs.exists(base):
        return set()
    found = set()
    for path in fs.find(base):
        parts = path.rstrip("/").split("/")
        if len(parts) >= 2 and len(parts[-2]) == 2 and not parts[-1].startswith("."):
            found.add(parts[-2] + parts[-1])
    return found


def _read_remote_manifest(fs: Any, root: str, name: str) -> Manifest | None:
    path = f"{root}/manifests/{name}.json"
    if not fs.exists(path):
        return None
    doc = json.loads(fs.cat_file(path))
    return Manifest(name=name, versions=[Version.from_json(v) for v in doc["versions"]])


def _upload(fs: Any, local: str, dest: str, rename: bool) -> None:
    fs.makedirs(dest.rsplit("/", 1)[0], exist_ok=True)
    if not rename:
        fs.put_file(local, dest)
        return
    tmp = f"{dest}.tmp-{uuid.uuid4().hex}"
    fs.put_file(local, tmp)
    fs.mv(tmp, dest)


def merge_manifests(local: Manifest, remote: Manifest) -> Manifest:
    """The union of two histories of one dataset; an error if they disagree on a version number."""
    by_number: dict[int, Version] = {v.version: v for v in remote.versions}
    for v in local.versions:
        other = by_number.get(v.version)
        if other is None:
            by_number[v.version] = v
            continue
        if other.hash != v.hash:
            raise StoreError(
                f"'{local.name}' has diverged: v{v.version} is {v.short} here and {other.short} on the remote; "
                "add yours under another --name"
            )
        merged = Version.from_json(v.to_json())
        merged.used_by = list(dict.fromkeys([*other.used_by, *v.used_by]))
        merged.produced_by = v.produced_by or other.produced_by
        by_number[v.version] = merged
    return Manifest(local.name, [by_number[n] for n in sorted(by_number)])


def push(repo: DataRepo, url: str, names: list[str] | None = None) -> PushResult:
    """Send every locally stored object of the named datasets (default: all) that the remote lacks."""
    fs, root, rename = _open(url)
    have = _remote_objects(fs, root)
    result = PushResult(remote=url)
    for name in names or repo.names():
        manifest = repo.manifest(name)
        if not manifest.versions:
            raise NotFound(f"no dataset named '{name}'; see 'data list'")
        remote_manifest = _read_remote_manifest(fs, root, name)
        merged = merge_manifests(manifest, remote_manifest) if remote_manifest else manifest
        for version in manifest.versions:
            if not repo.objects.has(version.hash):
                continue  # pulled manifest entry whose content was never fetched here
            for digest, size in repo.object_hashes(version):
                if digest in have:
                    result.present += 1
                    continue
                _upload(fs, str(repo.objects.path(digest)), f"{root}/objects/{digest[:2]}/{digest[2:]}", rename)
                have.add(digest)
                result.sent += 1
                result.sent_bytes += size
        tmp = temp_path(repo.paths.tmp)
        try:
            tmp.write_text(json.dumps(merged.to_json(), indent=1) + "\n", encoding="utf-8")
            _upload(fs, str(tmp), f"{root}/manifests/{name}.json", rename)
        finally:
            tmp.unlink(missing_ok=True)
        result.manifests.append(name)
    return result


def _download(repo: DataRepo, fs: Any, root: str, digest: str) -> Path:
    src = f"{root}/objects/{digest[:2]}/{digest[2:]}"
    if not fs.exists(src):
        raise StoreError(f"object {digest[:12]} is missing on the remote; push it from a machine that has it")
    tmp = temp_path(repo.paths.tmp)
    fs.get_file(src, str(tmp))
    return tmp


def _fetch(repo: DataRepo, fs: Any, root: str, digest: str, result: PullResult, size: int) -> None:
    if repo.objects.has(digest):
        result.present += 1
        return
    repo.objects.put_verified(_download(repo, fs, root, digest), digest)
    result.fetched += 1
    result.fetched_bytes += size


def pull(repo: DataRepo, url: str, name: str, ref: str = "latest") -> PullResult:
    """Merge the remote manifest of ``name`` into ours and fetch the objects of ``name@ref``.

    A folder's tree object is published last, so an interrupted pull never looks complete.
    """
    fs, root, _ = _open(url)
    remote_manifest = _read_remote_manifest(fs, root, name)
    if remote_manifest is None:
        raise NotFound(f"the remote {url} has no dataset '{name}'; push it first")
    with repo.editing(name) as manifest:
        merged = merge_manifests(manifest, remote_manifest)
        manifest.versions = merged.versions
    version = merged.resolve(ref)
    result = PullResult(remote=url, name=name, version=version)
    if version.kind != "folder" or repo.objects.has(version.hash):
        _fetch(repo, fs, root, version.hash, result, version.size)
        if version.kind == "folder":
            for _, digest, size in repo.tree(version):
                _fetch(repo, fs, root, digest, result, size)
        return result
    tree_tmp = _download(repo, fs, root, version.hash)
    try:
        for _, digest, size in read_tree(tree_tmp.read_bytes()):
            _fetch(repo, fs, root, digest, result, size)
    except BaseException:
        tree_tmp.unlink(missing_ok=True)
        raise
    repo.objects.put_verified(tree_tmp, version.hash)
    result.fetched += 1
    return result
