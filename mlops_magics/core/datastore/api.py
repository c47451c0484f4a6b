"""The data-versioning engine's public functions (used by the magic, the CLI and ``mlops_magics.data``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MlopsUsageError, StoreError
from .add import add_dataframe, add_path
from .hashing import read_tree
from .lineage import ROLE_INPUT, ROLE_OUTPUT, RunRef, current_run, log_version
from .manifest import Version
from .meter import ProgressFn
from .repo import DataRepo, open_repo
from .results import (AddResult, CheckoutResult, DatasetList, DatasetLog, PullResult, PushResult, RunLineage,
                      VersionLineage)
from .snapshot import is_dataframe

if TYPE_CHECKING:  # pragma: no cover
    from .diff import DataDiff
    from .gc import GcResult

# checkout, diff, views and remote are imported by the functions that need them: `mlops data add`
# of an unchanged file must start in a few tens of milliseconds.

__all__ = ["add", "checkout", "diff", "gc", "lineage", "list_datasets", "load", "log", "pull", "push", "verify",
           "version_lineage"]

AUTO = "auto"


def _run(run: Any) -> RunRef | None:
    if isinstance(run, str) and run == AUTO:
        return current_run()
    if run is None or isinstance(run, RunRef):
        return run
    return RunRef(run.run_id, run.client)


def _record_use(repo: DataRepo, name: str, version: Version, run: RunRef | None) -> None:
    """Remember that ``run`` used ``name@vN`` (manifest + MLflow dataset input), once per run."""
    if run is None or run.run_id in version.used_by:
        return
    log_version(run, name, version, ROLE_INPUT)  # first: a failure here leaves no half-recorded use
    with repo.editing(name) as manifest:
        stored = manifest.resolve(f"v{version.version}")
        if run.run_id not in stored.used_by:
            stored.used_by.append(run.run_id)
    version.used_by.append(run.run_id)


def add(source: Any, name: str | None = None, message: str = "", *, home: Path | None = None,
        run: Any = AUTO, progress: ProgressFn | None = None) -> AddResult:
    """Version a file, a folder (path) or a pandas DataFrame; unchanged content adds nothing.

    Large files and snapshots are stored as content-defined chunks: only chunks the store lacks are
    written. ``progress`` receives :class:`.meter.Progress` reports (chunks and bytes).
    """
    repo = open_repo(home)
    active = _run(run)
    run_id = active.run_id if active else None
    if is_dataframe(source):
        if not name:
            raise MlopsUsageError("a DataFrame needs a name: add(df, name='train')")
        result = add_dataframe(repo, source, name, message, run_id, progress)
    elif isinstance(source, (str, os.PathLike)):
        result = add_path(repo, source, name, message, run_id, progress)
    else:
        raise MlopsUsageError(
            f"cannot version a {type(source).__name__}; pass a pandas DataFrame or a path (str / Path)"
        )
    if active is not None and not result.unchanged:
        log_version(active, result.name, result.version, ROLE_OUTPUT)
    return result


def list_datasets(*, home: Path | None = None) -> DatasetList:
    """Every dataset with its latest version."""
    repo = open_repo(home)
    items = []
    for name in repo.names():
        manifest = repo.manifest(name)
        if manifest.latest is not None:
            items.append((name, manifest.latest, len(manifest.versions)))
    return DatasetList(items)


def log(name: str, *, home: Path | None = None) -> DatasetLog:
    """The version history of one dataset, newest first."""
    repo = open_repo(home)
    name, _ = repo.resolve(name.split("@")[0])  # one-line error for unknown names
    return DatasetLog(name, repo.manifest(name).versions)


def checkout(spec: str, to: str | os.PathLike[str] | None = None, force: bool = False, *,
             home: Path | None = None, run: Any = AUTO, progress: ProgressFn | None = None) -> CheckoutResult:
    """Restore ``NAME[@REF]`` to its original path (or ``to``); refuses to destroy unstored content."""
    from .checkout import checkout_version

    repo = open_repo(home)
    name, version = repo.resolve(spec)
    result = checkout_version(repo, name, version, to, force, progress)
    _record_use(repo, name, version, _run(run))
    return result


def load(spec: str, *, home: Path | None = None, run: Any = AUTO) -> Any:
    """A DataFrame for tabular versions (CSV, Parquet, snapshots), else a read-only copy's path."""
    from .views import read_version

    repo = open_repo(home)
    name, version = repo.resolve(spec)
    value = read_version(repo, name, version)
    _record_use(repo, name, version, _run(run))
    return value


def reference_summary(spec: str, *, home: Path | None = None, run: Any = AUTO) -> Any:
    """The drift reference summary of a tabular version (stored on first use), or None."""
    from .summaries import summary_of

    repo = open_repo(home)
    name, version = repo.resolve(spec)
    summary = summary_of(repo, name, version)
    if summary is not None:
        _record_use(repo, name, version, _run(run))
    return summary


def diff(a: str, b: str | None = None, *, home: Path | None = None) -> "DataDiff":
    """What changed from ``a`` to ``b``; with only ``a``, from its previous version to ``a``."""
    from .diff import DataDiff, diff_frames, diff_trees
    from .views import read_version

    repo = open_repo(home)
    name_a, va = repo.resolve(a)
    if b is None:
        earlier = [v for v in repo.manifest(name_a).versions if v.version < va.version]
        if not earlier:
            raise MlopsUsageError(f"{name_a}@v{va.version} has no previous version; name two versions to compare")
        name_b, vb, va = name_a, va, earlier[-1]
    else:
        if "@" not in b and not repo.manifest(b.split("@")[0]).versions:
            b = f"{name_a}@{b}"  # 'diff train@v1 v3' compares two versions of train
        name_b, vb = repo.resolve(b)
    result = DataDiff(f"{name_a}@v{va.version}", f"{name_b}@v{vb.version}", va, vb, same_content=va.hash == vb.hash)
    if result.same_content:
        return result
    if va.kind == "folder" and vb.kind == "folder":
        return diff_trees(result, repo.tree(va), repo.tree(vb))
    if va.format and vb.format:
        return diff_frames(result, read_version(repo, name_a, va), read_version(repo, name_b, vb))
    return result


def _remote_url(remote: str | None) -> str:
    if remote:
        return remote
    from .repo import current_settings

    url = current_settings().data_remote
    if not url:
        raise MlopsUsageError(
            "no remote: pass --remote URI or set data_remote under [tool.mlops_magics] in pyproject.toml"
        )
    return str(url)


def push(remote: str | None = None, names: list[str] | None = None, *, home: Path | None = None,
         progress: ProgressFn | None = None) -> PushResult:
    """Send the chunks and objects the remote lacks, then merge the manifests (default: every dataset).

    Resumable: an interrupted push left only complete objects behind and sends the rest next time.
    Each remote manifest is updated by compare-and-swap (S3) or under a lock (file systems), so two
    machines pushing new versions of one dataset both land, with distinct version numbers.
    """
    from . import remote as _remote

    return _remote.push(open_repo(home), _remote_url(remote), names, progress)


def pull(spec: str, remote: str | None = None, *, home: Path | None = None,
         progress: ProgressFn | None = None) -> PullResult:
    """Fetch ``NAME[@REF]`` from the remote (manifest merged, missing chunks downloaded and verified)."""
    from . import remote as _remote
    from .names import parse_spec

    name, ref = parse_spec(spec)
    return _remote.pull(open_repo(home), _remote_url(remote), name, ref, progress)


def gc(dry_run: bool = False, *, home: Path | None = None, registry: bool = True,
       progress: ProgressFn | None = None) -> "GcResult":
    """Delete chunks, objects and chunk lists that nothing references; ``dry_run`` only counts them.

    References: every version of every dataset, stored drift summaries, registered model versions'
    data (``registry=False`` skips asking MLflow) and pipeline lock files of this project. Waits for
    running adds and pulls and holds new ones back meanwhile; safe to interrupt and rerun.
    """
    from .gc import collect

    return collect(open_repo(home), dry_run=dry_run, registry=registry, progress=progress)


def lineage(run_id: str, *, home: Path | None = None) -> RunLineage:
    """Which versions a run used and produced."""
    repo = open_repo(home)
    out = RunLineage(run_id)
    for name in repo.names():
        for v in repo.manifest(name).versions:
            if v.produced_by == run_id:
                out.produced.append(f"{name}@v{v.version}")
            if run_id in v.used_by:
                out.used.append(f"{name}@v{v.version}")
    return out


def version_lineage(spec: str, *, home: Path | None = None) -> VersionLineage:
    """Which run produced ``NAME[@REF]`` and which runs used it."""
    name, version = open_repo(home).resolve(spec)
    return VersionLineage(f"{name}@v{version.version}", version.produced_by, list(version.used_by))


def verify(*, home: Path | None = None, include_missing: bool = True) -> list[str]:
    """Check every object's and chunk list's hash and every version's contents; returns the problems.

    Temp files left by killed writers are removed on the way.

    ``include_missing=False`` ignores versions whose content was never fetched here (pulled manifests).
    """
    repo = open_repo(home)
    repo.clean_temp()
    content = repo.content
    problems = [f"object {d[:12]} is corrupted" for d in repo.objects if not repo.objects.verify(d)]
    for d in content.lists():
        try:
            missing = [h for h, _ in content.chunk_list(d).chunks if not repo.objects.has(h)]
        except StoreError as exc:
            problems.append(str(exc))
            continue
        if missing:
            problems.append(f"content {d[:12]}: {len(missing)} chunk(s) missing, e.g. {missing[0][:12]}")
        elif not content.verify(d):
            problems.append(f"content {d[:12]} does not rebuild to its hash")
    for name in repo.names():
        try:
            manifest = repo.manifest(name)
        except StoreError as exc:  # a damaged manifest: report it and go on
            problems.append(str(exc))
            continue
        for v in manifest.versions:
            if not content.has(v.hash):
                if include_missing:
                    problems.append(f"{name}@v{v.version}: object {v.short} is missing")
            elif v.kind == "folder":
                missing = [p for p, h, _ in read_tree(content.read_bytes(v.hash)) if not content.has(h)]
                if missing:
                    problems.append(f"{name}@v{v.version}: {len(missing)} file(s) missing, e.g. {missing[0]}")
    return problems
