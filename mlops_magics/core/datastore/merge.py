"""Merging two histories of one dataset (a machine's and the remote's) without losing a version.

A version is identified by its content hash and creation time. The remote's numbering wins: versions
only the other side has are appended after the remote's last number, in their own order, so two
machines that each added a ``v3`` both land (one as ``v3``, the other as ``v4``) instead of one
being refused or overwritten. Run ids (``used_by``, ``produced_by``) of shared versions are united.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .manifest import Manifest, Version

__all__ = ["MergeResult", "merge_histories"]


@dataclass
class MergeResult:
    manifest: Manifest
    renumbered: list[tuple[int, int]] = field(default_factory=list)  # (old number, new number), ours

    @property
    def changed_numbers(self) -> bool:
        return bool(self.renumbered)


def _key(v: Version) -> tuple[str, str]:
    return v.hash, v.created


def _copy(v: Version) -> Version:
    return Version.from_json(v.to_json())


def merge_histories(remote: Manifest | None, ours: Manifest) -> MergeResult:
    """The union of ``remote`` (numbering kept) and ``ours`` (new versions appended after it)."""
    if remote is None:
        return MergeResult(Manifest(ours.name, [_copy(v) for v in ours.versions]))
    merged = [_copy(v) for v in remote.versions]
    index = {_key(v): i for i, v in enumerate(merged)}
    last = max((v.version for v in merged), default=0)
    renumbered: list[tuple[int, int]] = []
    for v in ours.versions:
        at = index.get(_key(v))
        if at is not None:
            shared = merged[at]
            shared.used_by = list(dict.fromkeys([*shared.used_by, *v.used_by]))
            shared.produced_by = shared.produced_by or v.produced_by
            continue
        new = _copy(v)
        last += 1
        if new.version != last:
            renumbered.append((new.version, last))
            new.version = last
        merged.append(new)
        index[_key(new)] = len(merged) - 1
    return MergeResult(Manifest(ours.name, merged), renumbered)
