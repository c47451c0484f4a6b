"""Result objects users see: readable ``__repr__`` and escaped ``_repr_html_``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .manifest import Version

__all__ = [
    "AddResult", "CheckoutResult", "DatasetList", "DatasetLog", "PullResult", "PushResult",
    "RunLineage", "VersionLineage", "human_size", "html_table", "version_line",
]


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


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


def _escape(text: str) -> str:
    import html  # only when a notebook renders the result

    return html.escape(text)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    """A small HTML table with every cell escaped."""
    esc = _escape
    head = "".join(f"<th style='text-align:left'>{esc(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{esc('' if c is None else str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{esc(caption)}</caption>" if caption else ""
    return f"<table class='mlops-data'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"


LOG_HEADERS = ("version", "hash", "size", "rows", "created", "message", "produced by", "used by")


@dataclass
class DatasetLog:
    """The version history of one dataset, newest first."""

    name: str
    versions: list[Version]

    def rows(self) -> list[tuple]:
        return [
            (f"v{v.version}", v.short, human_size(v.size), "" if v.rows is None else f"{v.rows:,}",
             v.created.replace("T", " ")[:19], v.message, (v.produced_by or "")[:8], _runs(v.used_by))
            for v in reversed(self.versions)
        ]

    def __repr__(self) -> str:
        lines = [f"{self.name}: {len(self.versions)} version(s)"]
        for row in self.rows():
            lines.append("  " + "  ".join(str(c) for c in row if c))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(LOG_HEADERS, self.rows(), caption=f"{self.name}: {len(self.versions)} version(s)")


@dataclass
class DatasetList:
    """Every dataset with its latest version."""

    items: list[tuple[str, Version, int]]  # (name, latest version, number of versions)

    def __len__(self) -> int:
        return len(self.items)

    def rows(self) -> list[tuple]:
        return [(f"{n}@v{v.version}", v.kind, v.short, human_size(v.size), shape_text(v),
                 v.created.replace("T", " ")[:19], count) for n, v, count in self.items]

    def __repr__(self) -> str:
        if not self.items:
            return "no datasets yet; add one with '%mlops data add PATH_OR_VARIABLE'"
        return "\n".join("  ".join(str(c) for c in row if c != "") for row in self.rows())

    def _repr_html_(self) -> str:
        if not self.items:
            return f"<p>{_escape(repr(self))}</p>"
        return html_table(("latest", "kind", "hash", "size", "shape", "created", "versions"), self.rows())


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

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"


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

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"


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

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"


@dataclass
class RunLineage:
    """Which data versions one run used and produced."""

    run_id: str
    used: list[str] = field(default_factory=list)  # "name@vN"
    produced: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"run {self.run_id[:8]}: used {', '.join(self.used) or 'nothing'}; "
                f"produced {', '.join(self.produced) or 'nothing'}")

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"


@dataclass
class VersionLineage:
    """Which run produced one version and which runs used it."""

    ref: str
    produced_by: str | None
    used_by: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"{self.ref}: produced by {self.produced_by or 'no run'}; "
                f"used by {', '.join(self.used_by) or 'no run'}")

    def _repr_html_(self) -> str:
        return f"<pre class='mlops-data'>{_escape(repr(self))}</pre>"
