"""``push`` / ``pull``: only the chunks and objects the other side lacks travel; both resume.

Push lists what the remote holds once, uploads the missing chunks and whole objects, then the
chunk lists (a chunk list on the remote means its chunks are there), then merges each manifest by
compare-and-swap (:mod:`.remote_manifest`). Pull fetches the chunk lists it needs, downloads the
missing chunks (each checked against its hash before it becomes visible), publishes chunk lists and
folder trees last and merges the manifest only when the version is complete here. An interrupted
push or pull leaves only complete objects behind: run it again and it sends or fetches the rest.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import NotFound, StoreError
from .chunklist import ChunkList
from .futures import wait_or_raise
from .hashing import hash_bytes, read_tree
from .manifest import Manifest, Version
from .merge import MergeResult, merge_histories
from .meter import Meter, ProgressFn
from .remote_fs import Remote, open_remote
from .remote_manifest import read_remote_manifest, update_remote_manifest
from .repo import DataRepo
from .results import PullResult, PushResult
from .writers import writing

__all__ = ["pull", "push"]

TRANSFERS = 8  # concurrent uploads / downloads


def _run_all(jobs: list[Callable[[], None]]) -> None:
    """Run transfer jobs on a small pool; the first failure stops the rest and is raised."""
    if not jobs:
        return
    with ThreadPoolExecutor(TRANSFERS, thread_name_prefix="mlops-transfer") as pool:
        wait_or_raise([pool.submit(job) for job in jobs])


@dataclass
class _PushPlan:
    objects: list[tuple[str, int]] = field(default_factory=list)  # (digest, size) to upload
    lists: list[str] = field(default_factory=list)  # chunk lists to upload after the objects
    present: int = 0


def _plan_push(repo: DataRepo, remote: Remote, manifests: dict[str, Manifest]) -> _PushPlan:
    content = repo.content
    have_objects, have_lists = remote.objects(), remote.chunk_lists()
    plan, seen = _PushPlan(), set()

    def want_object(digest: str, size: int) -> None:
        if digest in seen:
            return
        seen.add(digest)
        if digest in have_objects:
            plan.present += 1
        else:
            plan.objects.append((digest, size))

    for manifest in manifests.values():
        for version in manifest.versions:
            if not content.has(version.hash):
                continue  # a pulled manifest entry whose content was never fetched here
            for digest, size in repo.contents(version):
                if digest in seen:
                    continue
                if content.is_chunked(digest):
                    seen.add(digest)
                    if digest in have_lists:
                        plan.present += 1
                        continue
                    for chunk, chunk_size in content.chunk_list(digest).chunks:
                        want_object(chunk, chunk_size)
                    plan.lists.append(digest)
                elif repo.objects.has(digest):
                    want_object(digest, size)
    return plan


def _label(name: str, old: int, new: int) -> str:
    return f"{name}@v{old} -> {name}@v{new}"


def push(repo: DataRepo, url: str, names: list[str] | None = None, progress: ProgressFn | None = None) -> PushResult:
    """Send what the remote lacks for the named datasets (default: all), then merge their manifests."""
    remote = open_remote(url)
    manifests: dict[str, Manifest] = {}
    for name in names or repo.names():
        manifest = repo.manifest(name)
        if not manifest.versions:
            raise NotFound(f"no dataset named '{name}'; see 'data list'")
        manifests[name] = manifest
    plan = _plan_push(repo, remote, manifests)
    result = PushResult(remote=url, present=plan.present)
    list_bytes = {d: repo.content.list_path(d).stat().st_size for d in plan.lists}
    total = sum(s for _, s in plan.objects) + sum(list_bytes.values())
    with Meter(progress, "push", url, len(plan.objects) + len(plan.lists), total) as meter:

        def send(local: Path, dest: str, size: int) -> Callable[[], None]:
            def job() -> None:
                remote.upload(local, dest)
                meter.advance(1, size)
            return job

        _run_all([send(repo.objects.path(d), remote.object_path(d), s) for d, s in plan.objects])
        _run_all([send(repo.content.list_path(d), remote.list_path(d), list_bytes[d]) for d in plan.lists])
    result.sent = len(plan.objects) + len(plan.lists)
    result.sent_bytes = total
    for name, manifest in manifests.items():
        merged: list[MergeResult] = []

        def change(current: Manifest | None, ours: Manifest = manifest) -> Manifest:
            merged[:] = [merge_histories(current, ours)]
            return merged[0].manifest

        written = update_remote_manifest(remote, name, change)
        with repo.editing(name) as local:  # adopt the remote's numbering (and versions added meanwhile)
            local.versions = merge_histories(written, local).manifest.versions
        result.renumbered += [_label(name, old, new) for old, new in merged[0].renumbered] if merged else []
        result.manifests.append(name)
    return result


def _fetch_list(repo: DataRepo, remote: Remote, digest: str) -> ChunkList:
    tmp = repo.objects.temp()
    try:
        remote.download(remote.list_path(digest), tmp)
        return ChunkList.from_bytes(tmp.read_bytes(), digest)
    finally:
        tmp.unlink(missing_ok=True)


def _download_job(repo: DataRepo, remote: Remote, digest: str, size: int, meter: Meter,
                  result: PullResult) -> Callable[[], None]:
    def job() -> None:
        tmp = repo.objects.temp()
        try:
            remote.download(remote.object_path(digest), tmp)
            repo.objects.put_verified(tmp, digest)  # hash-checked; the temp file is consumed either way
        finally:
            tmp.unlink(missing_ok=True)
        meter.advance(1, size)

    return job


def _fetch_contents(repo: DataRepo, remote: Remote, wanted: list[tuple[str, int]], result: PullResult,
                    progress: ProgressFn | None, label: str) -> None:
    """Make every content in ``wanted`` complete here: missing chunks first, then their chunk lists."""
    content = repo.content
    missing = [(d, s) for d, s in wanted if not content.has(d)]
    result.present += len(wanted) - len(missing)
    remote_lists = remote.chunk_lists() if missing else set()
    objects: dict[str, int] = {}
    lists: dict[str, ChunkList] = {}
    for digest, size in missing:
        if digest in remote_lists:
            lists[digest] = chunks = _fetch_list(repo, remote, digest)
            for chunk, chunk_size in chunks.chunks:
                if repo.objects.has(chunk):
                    result.present += 1
                else:
                    objects[chunk] = chunk_size
        else:
            objects[digest] = size
    with Meter(progress, "pull", label, len(objects), sum(objects.values())) as meter:
        _run_all([_download_job(repo, remote, d, s, meter, result) for d, s in objects.items()])
    result.fetched += len(objects)
    result.fetched_bytes += sum(objects.values())
    for digest, chunks in lists.items():
        content.put_list(digest, chunks)
        result.fetched += 1


def pull(repo: DataRepo, url: str, name: str, ref: str = "latest", progress: ProgressFn | None = None) -> PullResult:
    """Fetch ``name@ref`` from the remote, then merge the remote's history of ``name`` into ours."""
    remote = open_remote(url)
    remote_manifest = read_remote_manifest(remote, name)
    if remote_manifest is None:
        raise NotFound(f"the remote {url} has no dataset '{name}'; push it first")
    version = remote_manifest.resolve(ref)  # what the remote calls name@ref
    result = PullResult(remote=url, name=name, version=version)
    label = f"{name}@v{version.version}"
    with writing(repo.paths):
        if version.kind != "folder":
            _fetch_contents(repo, remote, [(version.hash, version.size)], result, progress, label)
        elif repo.content.has(version.hash):
            result.present += 1
            _fetch_contents(repo, remote, [(h, s) for _, h, s in repo.tree(version)], result, progress, label)
        else:
            tree = _fetch_tree(repo, remote, version)
            _fetch_contents(repo, remote, [(h, s) for _, h, s in read_tree(tree)], result, progress, label)
            repo.objects.put_bytes(tree, version.hash)  # the tree last: the folder is complete only now
            result.fetched += 1
        with repo.editing(name) as local:
            merged = merge_histories(remote_manifest, local)
            local.versions = merged.manifest.versions
    result.renumbered = [_label(name, old, new) for old, new in merged.renumbered]
    result.version = next(v for v in merged.manifest.versions if (v.hash, v.created) == (version.hash, version.created))
    return result


def _fetch_tree(repo: DataRepo, remote: Remote, version: Version) -> bytes:
    tmp = repo.objects.temp()
    try:
        remote.download(remote.object_path(version.hash), tmp)
        data = tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    if hash_bytes(data) != version.hash:
        raise StoreError(f"object {version.hash[:12]} arrived corrupted; pull again")
    return data
