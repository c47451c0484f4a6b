"""``checkout``: restore a version's content, never destroying content that is not stored."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import MlopsUsageError
from .atomic import temp_path
from .diskerrors import write_errors
from .folders import walk_files
from .hashing import tree_path
from .manifest import Version
from .meter import Meter, ProgressFn
from .repo import DataRepo
from .results import CheckoutResult

__all__ = ["checkout_version", "default_target"]


def default_target(repo: DataRepo, name: str, version: Version) -> Path:
    """Where a version goes without ``--to``: its original path, or ``NAME.parquet`` for DataFrames."""
    if version.path:
        return repo.restore_path(version.path)
    return Path.cwd() / f"{name}.parquet"


def _file_name(name: str, version: Version) -> str:
    if version.path:
        return Path(version.path).name
    return f"{name}.parquet"


def _copy_object(repo: DataRepo, digest: str, dest: Path, meter: Meter | None = None) -> None:
    """Write content ``digest`` to ``dest`` atomically (temp file beside it, hash checked, then rename)."""
    with write_errors(dest.parent):
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(dest.parent, prefix=f".{dest.name}.")
    try:
        repo.content.export(digest, tmp, meter)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _state(repo: DataRepo, path: Path, wanted: str | None) -> str:
    """'same' (already the wanted content), 'stored' (safe to replace) or 'unstored'."""
    if path.is_dir():
        return "unstored"
    digest, _ = repo.cache.hash(path)
    if digest == wanted:
        return "same"
    return "stored" if repo.content.has(digest) else "unstored"


def _refuse(paths: list[Path]) -> MlopsUsageError:
    shown = ", ".join(str(p) for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return MlopsUsageError(
        f"checkout would overwrite {shown} whose content is not stored in any version; "
        "add it first ('data add') or pass --force"
    )


def checkout_version(repo: DataRepo, name: str, version: Version, to: str | os.PathLike[str] | None = None,
                     force: bool = False, progress: ProgressFn | None = None) -> CheckoutResult:
    """Restore ``version`` to its original path or ``to``."""
    target = Path(to).expanduser() if to else default_target(repo, name, version)
    target = Path(os.path.abspath(target))
    try:
        if version.kind == "folder":
            return _checkout_folder(repo, name, version, target, force, progress)
        if target.is_dir():
            target = target / _file_name(name, version)
        result = CheckoutResult(name, version, target)
        if not repo.content.has(version.hash):
            raise MlopsUsageError(f"{name}@v{version.version} is not in the local store; 'data pull' it first")
        if os.path.lexists(target):
            state = _state(repo, target, version.hash)
            if state == "same":
                result.unchanged = 1
                return result
            if state == "unstored" and not force:
                raise _refuse([target])
            if target.is_dir():
                shutil.rmtree(target)
        with Meter(progress, "checkout", f"{name}@v{version.version}", version.chunks or 1, version.size) as meter:
            _copy_object(repo, version.hash, target, meter)
        result.written = 1
        return result
    finally:
        repo.cache.save()


def _checkout_folder(repo: DataRepo, name: str, version: Version, target: Path, force: bool,
                     progress: ProgressFn | None) -> CheckoutResult:
    entries = repo.tree(version)
    missing = [h for _, h, _ in entries if not repo.content.has(h)]
    if missing:
        raise MlopsUsageError(f"{name}@v{version.version} is not complete in the local store; 'data pull' it first")
    if target.exists() and not target.is_dir():
        if not force and _state(repo, target, None) == "unstored":
            raise _refuse([target])
        target.unlink()
    wanted = {rel: digest for rel, digest, _ in entries}
    present = dict(walk_files(target, exclude=repo.paths.home)) if target.is_dir() else {}
    plan_write, conflicts, same, extras = [], [], 0, []
    for rel, digest in wanted.items():
        dest = tree_path(target, rel)
        if rel in present or os.path.lexists(dest):
            state = _state(repo, dest, digest)
            if state == "same":
                same += 1
                continue
            if state == "unstored":
                conflicts.append(dest)
        plan_write.append((rel, digest))
    for rel, full in present.items():
        if rel not in wanted:
            if _state(repo, full, None) == "unstored":
                conflicts.append(full)
            extras.append(full)
    if conflicts and not force:
        raise _refuse(conflicts)
    sizes = {rel: size for rel, _, size in entries}
    label = f"{name}@v{version.version}"
    with Meter(progress, "checkout", label, len(plan_write), sum(sizes[r] for r, _ in plan_write)) as meter:
        for rel, digest in plan_write:
            dest = tree_path(target, rel)
            if dest.is_dir():
                shutil.rmtree(dest)
            _copy_object(repo, digest, dest)
            meter.advance(1, sizes[rel])
    for full in extras:
        full.unlink()
    target.mkdir(parents=True, exist_ok=True)
    return CheckoutResult(name, version, target, written=len(plan_write), unchanged=same, removed=len(extras))
