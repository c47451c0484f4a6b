"""Result objects of the data commands, with a readable ``repr``; tables are :class:`TableResult` (their HTML
is drawn by :mod:`mlops_magics.render.tables`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..formatting import human_size
from ..result_table import TableResult
from .manifest import Version

__all__ = [
    "AddResult", "CheckoutResult", "DatasetList", "DatasetLog", "PullResult", "PushResult",
    "RunLineage", "VersionLineage", "version_line",
]


def shape_text(v: Version) -> str:
    if v.rows is not None and v.columns is not None:
        return f"{v.rows:,} rows x {v.columns} columns"
    if v.files is not None:
        return f"{v.files} files"
    return ""


def schema_text(v: Version, limit: int = 8) -> str:
    if not v.schema:
        return ""
    items = [f"{k}: {t}" for k, t in v.schema.items()]
    more = f", ... +{len(items) - limit}" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def version_line(name: str, v: Version) -> str:
    """``train@v3  3f2a9c01d2  1.2 MB  1,000 rows x 5 columns  (a: int64, ...)``."""
    parts = [f"{name}@v{v.version}", v.short, human_size(v.size), shape_text(v)]
    line = "  ".join(p for p in parts if p)
    schema = schema_text(v)
    return f"{line}  ({schema})" if schema else line


def _runs(ids: Sequence[str]) -> str:
    return ", ".join(r[:8] for r in ids)


@dataclass
class AddResult:
    """The outcome of ``data add``: a new version, or 'unchanged' with the current one."""

    name: str
    version: Version
    unchanged: bool = False
    stored_bytes: int = 0  # bytes of new objects written to the store

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version.version}"

    def __repr__(self) -> str:
        if self.unchanged:
            return f"unchanged, still {self.ref} ({self.version.short})"
        run = f"  [run {self.version.produced_by[:8]}]" if self.version.produced_by else ""
        return version_line(self.name, self.version) + run


@dataclass(repr=False)
class DatasetLog(TableResult):
    """The version history of one dataset, newest first."""

    name: str
    versions: list[Version]

    def table_rows(self) -> list[dict[str, Any]]:
        return [
            {"version": f"v{v.version}", "hash": v.short, "size": human_size(v.size),
             "rows": "" if v.rows is None else f"{v.rows:,}", "created": v.created.replace("T", " ")[:19],
             "message": v.message, "produced by": (v.produced_by or "")[:8], "used by": _runs(v.used_by)}
            for v in reversed(self.versions)
        ]

    def table_caption(self) -> str:
        return f"{self.name}: {len(self.versions)} version(s)"

    def __repr__(self) -> str:
        lines = [self.table_caption()]
        for row in self.table_rows():
            lines.append("  " + "  ".join(str(c) for c in row.values() if c))
        return "\n".join(lines)


@dataclass(repr=False)
class DatasetList(TableResult):
    """Every dataset with its latest version."""

    items: list[tuple[str, Version, int]]  # (name, latest version, number of versions)
    empty_text = "no datasets yet; add one with '%mlops data add PATH_OR_VARIABLE'"

    def table_rows(self) -> list[dict[str, Any]]:
        return [{"latest": f"{n}@v{v.version}", "kind": v.kind, "hash": v.short, "size": human_size(v.size),
                 "shape": shape_text(v), "created": v.created.replace("T", " ")[:19], "versions": count}
                for n, v, count in self.items]

    def __repr__(self) -> str:
        if not self.items:
            return self.empty_text
        return "\n".join("  ".join(str(c) for c in row.values() if c != "") for row in self.table_rows())


@dataclass
class CheckoutResult:
    """Files restored by ``data checkout``."""

    name: str
    version: Version
    target: Path
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    def __repr__(self) -> str:
        what = f"{self.written} written, {self.unchanged} already up to date"
        if self.removed:
            what += f", {self.removed} removed"
        return f"{self.name}@v{self.version.version} -> {self.target} ({what})"


def _renumbered_text(renumbered: Sequence[str]) -> str:
    if not renumbered:
        return ""
    return "; renumbered to follow the remote's versions: " + ", ".join(renumbered)


@dataclass
class PushResult:
    remote: str
    sent: int = 0  # objects (whole objects, chunks, chunk lists) uploaded
    sent_bytes: int = 0
    present: int = 0  # objects the remote already had
    manifests: list[str] = field(default_factory=list)
    renumbered: list[str] = field(default_factory=list)  # "x@v2 -> x@v3": ours, moved after the remote's

    def __repr__(self) -> str:
        return (f"pushed {len(self.manifests)} dataset(s) to {self.remote}: {self.sent} object(s) sent "
                f"({human_size(self.sent_bytes)}), {self.present} already there"
                + _renumbered_text(self.renumbered))


@dataclass
class PullResult:
    remote: str
    name: str
    version: Version
    fetched: int = 0  # objects (whole objects, chunks, chunk lists) downloaded
    fetched_bytes: int = 0
    present: int = 0
    renumbered: list[str] = field(default_factory=list)  # local versions moved after the remote's

    def __repr__(self) -> str:
        return (f"pulled {self.name}@v{self.version.version} from {self.remote}: {self.fetched} object(s) "
                f"fetched ({human_size(self.fetched_bytes)}), {self.present} already here; "
                f"use 'data load {self.name}@v{self.version.version}' or 'data checkout'"
                + _renumbered_text(self.renumbered))


@dataclass
class RunLineage:
    """Which data versions one run used and produced."""

    run_id: str
    used: list[str] = field(default_factory=list)  # "name@vN"
    produced: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"run {self.run_id[:8]}: used {', '.join(self.used) or 'nothing'}; "
                f"produced {', '.join(self.produced) or 'nothing'}")


@dataclass
class VersionLineage:
    """Which run produced one version and which runs used it."""

    ref: str
    produced_by: str | None
    used_by: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"{self.ref}: produced by {self.produced_by or 'no run'}; "
                f"used by {', '.join(self.used_by) or 'no run'}")

