"""What keeps stored content alive: the roots garbage collection starts from.

* every version of every dataset (its manifest);
* every stored drift reference summary (``summaries/HASH.json`` keeps content ``HASH``);
* every registered model version's data: the hashes its run (or parent run) logged as dataset
  inputs (``mlops.data.hash``) and the ``NAME@vN`` refs of its ``mlops.data_versions`` tag;
* every pipeline lock file of the project: ``data:HASH`` inputs recorded per step.

A root that cannot be read (a damaged manifest, an unreachable registry) stops gc before it deletes
anything: an unknown reference must never be collected.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MlopsError, StoreError
from .folders import SKIP_DIRS
from .manifest import Version
from .repo import DataRepo, current_settings

__all__ = ["Roots", "find_roots"]

_HASH = re.compile(r"^[0-9a-f]{64}$")
_DATA_REF = re.compile(r"data:([0-9a-f]{64})")
_REF = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)@v(\d+)$")
LOCK_HEADER = b"# written by mlops run"
_SKIP_SCAN = SKIP_DIRS | {"node_modules", ".venv", "venv", "site-packages", ".tox", ".cache"}


@dataclass
class Roots:
    """Content hashes that must stay, by where they come from."""

    versions: list[Version] = field(default_factory=list)  # with their kind: folders expand to files
    summaries: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    pipelines: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)  # what referenced them: versions, models, lock files
    notes: list[str] = field(default_factory=list)


def _manifest_roots(repo: DataRepo, roots: Roots) -> dict[str, dict[int, str]]:
    """Every version of every dataset; returns ``{name: {number: hash}}`` for resolving refs."""
    numbers: dict[str, dict[int, str]] = {}
    for name in repo.names():
        try:
            manifest = repo.manifest(name)
        except StoreError as exc:
            raise StoreError(f"gc stopped, nothing deleted: {exc}") from None
        roots.versions.extend(manifest.versions)
        numbers[name] = {v.version: v.hash for v in manifest.versions}
    roots.counts["versions"] = len(roots.versions)
    return numbers


def _summary_roots(repo: DataRepo, roots: Roots) -> None:
    folder = repo.paths.summaries
    for path in folder.glob("*.json") if folder.is_dir() else []:
        if _HASH.match(path.stem):
            roots.summaries.add(path.stem)
    roots.counts["drift summaries"] = len(roots.summaries)


def _run_hashes(client: object, run_id: str | None, seen: set[str]) -> set[str]:
    """``mlops.data.hash`` of the dataset inputs of a run and of its parent run."""
    from ..backend.tags import PARENT

    found: set[str] = set()
    while run_id and run_id not in seen:
        seen.add(run_id)
        run = client.get_run(run_id)  # type: ignore[attr-defined]
        for item in getattr(getattr(run, "inputs", None), "dataset_inputs", None) or []:
            for tag in item.tags or []:
                if tag.key == "mlops.data.hash" and _HASH.match(tag.value or ""):
                    found.add(tag.value)
        run_id = run.data.tags.get(PARENT)
    return found


def _model_roots(roots: Roots, numbers: dict[str, dict[int, str]]) -> None:
    """Data of registered model versions (asks MLflow's registry; skipped when no store exists yet)."""
    conf = current_settings()
    if conf.embedded and not conf.db_path.exists():
        roots.counts["model versions"] = 0
        return
    from ..backend import session
    from ..backend.tags import MODEL_DATA

    try:
        client = session.client()
        versions, token = [], None
        while True:
            page = client.search_model_versions(max_results=1000, page_token=token)
            versions.extend(page)
            token = getattr(page, "token", None)
            if not token:
                break
        runs_seen: set[str] = set()
        for mv in versions:
            roots.models |= _run_hashes(client, mv.run_id, runs_seen)
            for ref in ((mv.tags or {}).get(MODEL_DATA) or "").split(","):
                match = _REF.match(ref.strip())
                if match:
                    digest = numbers.get(match.group(1), {}).get(int(match.group(2)))
                    if digest:
                        roots.models.add(digest)
                    else:
                        roots.notes.append(f"model {mv.name} v{mv.version} names {ref.strip()}, which is not here")
    except MlopsError as exc:
        raise StoreError(f"gc stopped, nothing deleted: cannot read registered models ({exc}); "
                         "retry, or pass --no-registry to ignore model references") from None
    except Exception as exc:  # noqa: BLE001 - MLflow / network errors of any type
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise StoreError(f"gc stopped, nothing deleted: cannot read registered models ({first}); "
                         "retry, or pass --no-registry to ignore model references") from None
    roots.counts["model versions"] = len(versions)


def _lock_files(root: Path, home: Path) -> list[Path]:
    """Pipeline lock files below the project root (``*.lock`` starting with our header)."""
    found = []
    home_s = str(home)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_SCAN and not d.startswith(".")
                       and os.path.join(dirpath, d) != home_s]
        for fname in filenames:
            if fname.endswith(".lock"):
                path = Path(dirpath, fname)
                try:
                    with open(path, "rb") as fh:
                        if fh.read(len(LOCK_HEADER)) == LOCK_HEADER:
                            found.append(path)
                except OSError:
                    continue
    return found


def _pipeline_roots(repo: DataRepo, roots: Roots) -> None:
    files = _lock_files(repo.project_root, repo.paths.home)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise StoreError(f"gc stopped, nothing deleted: cannot read pipeline lock file {path} ({exc})") from None
        roots.pipelines.update(_DATA_REF.findall(text))
    roots.counts["pipeline lock files"] = len(files)


def find_roots(repo: DataRepo, registry: bool = True) -> Roots:
    """Every reference to stored content (see the module docstring)."""
    roots = Roots()
    numbers = _manifest_roots(repo, roots)
    _summary_roots(repo, roots)
    if registry:
        _model_roots(roots, numbers)
    _pipeline_roots(repo, roots)
    return roots
