"""The run to reproduce: its code log, its tracked cells' runs, the data versions it used, its packages."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backend import session, tags
from ..backend.quiet import quiet_downloads
from ..datastore import api as data_api
from ..errors import MlopsUsageError, StoreError, first_line
from ..pipeline.step_runs import TAG_PIPELINE, TAG_STEP
from ..tracking.codelog import read_records
from ..tracking.queries import resolve_run

__all__ = ["Original", "child_runs", "load_original", "packages"]

CODE_LOG = "code/code_log.jsonl"
PACKAGES = "environment/packages.txt"
_REF = re.compile(r"^(?P<name>.+)@v(?P<version>\d+)$")


@dataclass
class Original:
    run: Any  # mlflow.entities.Run
    records: list[dict[str, Any]]
    children: list[Any]  # the runs of its %%mlops track cells, in the order they started
    experiment_name: str
    pins: dict[str, str] = field(default_factory=dict)  # dataset -> vN: what `latest` resolved to

    @property
    def run_id(self) -> str:
        return self.run.info.run_id

    @property
    def name(self) -> str:
        return self.run.info.run_name

    @property
    def notebook(self) -> str | None:
        return self.run.data.tags.get(tags.NOTEBOOK)

    def cell_counts(self) -> dict[str, int]:
        """Run id of a tracked cell's run -> the execution count of its cell, from the code log (the
        run's own ``mlops.cell.execution_count`` tag is the shell's next count)."""
        return {r["child_run_id"]: r["execution_count"] for r in self.records
                if r.get("child_run_id") and r.get("execution_count") is not None}

    def stale_tags(self) -> dict[int, list[str]]:
        """Execution count -> the names the original kernel flagged stale for that tracked cell."""
        counts = self.cell_counts()
        out: dict[int, list[str]] = {}
        for child in self.children:
            names = child.data.tags.get(tags.STALE)
            count = counts.get(child.info.run_id)
            if names and count is not None:
                out[count] = [n for n in names.split(",") if n]
        return out


def child_runs(client: Any, experiment_id: str, run_id: str) -> list[Any]:
    """The runs whose parent is ``run_id``, oldest first."""
    return client.search_runs([experiment_id], filter_string=f"tags.`{tags.PARENT}` = '{run_id}'",
                              order_by=["attributes.start_time ASC"], max_results=1000)




def _artifact_text(client: Any, run_id: str, path: str) -> str | None:
    """A text artifact of a run, None when the run has none at ``path``."""
    folder, _, name = path.rpartition("/")
    try:
        if name not in {Path(a.path).name for a in client.list_artifacts(run_id, folder)}:
            return None
        with tempfile.TemporaryDirectory(prefix="mlops-reproduce-") as tmp, quiet_downloads():
            local = client.download_artifacts(run_id, path, tmp)
            return Path(local).read_text(encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - the store's own error, in one line
        raise StoreError(f"cannot read {path} of run {run_id}: {first_line(exc)}") from None


def _records(client: Any, run: Any) -> list[dict[str, Any]]:
    info, run_tags = run.info, run.data.tags
    who = f"run '{info.run_name}' ({info.run_id})"
    if run_tags.get(tags.KIND) == "cell":
        parent = run_tags.get(tags.PARENT)
        where = f": reproduce the notebook run it belongs to, {parent}" if parent else ""
        raise MlopsUsageError(f"{who} is the run of one %%mlops track cell{where}")
    if run_tags.get(TAG_STEP):  # the runner's own params and metrics are on it, and its kernel got parameters
        raise MlopsUsageError(f"{who} is step '{run_tags[TAG_STEP]}' of pipeline '{run_tags.get(TAG_PIPELINE)}': "
                              f"re-run it with mlops run PIPELINE.yaml --only {run_tags[TAG_STEP]} --force")
    text = _artifact_text(client, info.run_id, CODE_LOG)
    if text is not None:
        with tempfile.TemporaryDirectory(prefix="mlops-reproduce-") as tmp:
            log = Path(tmp, "code_log.jsonl")
            log.write_text(text, encoding="utf-8")
            return read_records(log)
    spool = session.settings().spool_dir / f"{info.run_id}.jsonl"
    if info.status == "RUNNING" and spool.exists():  # a notebook run still going in a kernel on this machine
        return read_records(spool)
    if info.status == "RUNNING":
        raise MlopsUsageError(f"{who} is still running elsewhere; its code log is uploaded when it ends "
                              "(%mlops stop), reproduce it then")
    raise MlopsUsageError(f"{who} has no code log ({CODE_LOG}): only notebook runs started with %mlops track "
                          "record their cells")


def _pins(run_ids: list[str]) -> dict[str, str]:
    """Per dataset, the newest version these runs used: what a load of NAME / NAME@latest gave them (an
    older version can only have been named explicitly, and is loaded by that name again)."""
    newest: dict[str, int] = {}
    for run_id in run_ids:
        for ref in data_api.lineage(run_id).used:
            match = _REF.match(ref)
            if match:
                name, number = match["name"], int(match["version"])
                newest[name] = max(newest.get(name, 0), number)
    return {name: f"v{number}" for name, number in sorted(newest.items())}


def load_original(ref: str) -> Original:
    """The notebook run ``ref`` names (id, id prefix or run name) with everything a reproduction needs."""
    client = session.client()
    run = resolve_run(ref)
    records = _records(client, run)
    who = f"run '{run.info.run_name}' ({run.info.run_id})"
    if not records:
        raise MlopsUsageError(f"{who} recorded no cells: there is nothing to re-execute")
    if all(not r.get("source") for r in records):
        raise MlopsUsageError(f"{who} was tracked with --no-code: its cells' sources were not stored, so there is "
                              "nothing to re-execute")
    children = child_runs(client, run.info.experiment_id, run.info.run_id)
    experiment = client.get_experiment(run.info.experiment_id).name
    pins = _pins([run.info.run_id, *(c.info.run_id for c in children)])
    return Original(run, records, children, experiment, pins)


def packages(client: Any, run_id: str) -> dict[str, str] | None:
    """``name -> version`` from a run's package list, None when it has none."""
    try:
        text = _artifact_text(client, run_id, PACKAGES)
    except StoreError:
        return None
    if text is None:
        return None
    found = {}
    for line in text.splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith("#"):
            found[name.strip().lower()] = version.strip()
    return found
