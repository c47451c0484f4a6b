"""Plain result objects of the registry commands; HTML lives in :mod:`mlops_magics.render.registry_cards`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..backend.outcome import publish_outcome
from ..formatting import format_value
from ..result_table import TableResult
from .audit import AliasEvent
from .gates import GateCheck

__all__ = ["AliasHistory", "Comparison", "ModelTable", "Promotion", "Registration", "VersionFacts",
           "VersionTable"]


@dataclass
class Registration:
    """A new registered version, and what it was checked and tagged with."""

    name: str
    version: str
    run_id: str
    flavor: str
    model_id: str
    gates: list[GateCheck] = field(default_factory=list)
    data_versions: list[str] = field(default_factory=list)
    git_commit: str | None = None
    alias: str | None = None
    has_signature: bool = False
    new_run: bool = False

    def __post_init__(self) -> None:
        publish_outcome(self.outcome)  # inside a pipeline step: the step's one-line outcome

    def outcome(self) -> str:
        """One line: what was registered, as what, past which gates."""
        alias = f" as {self.name}@{self.alias}" if self.alias else ""
        gates = f" (gate {'; '.join(str(c) for c in self.gates)})" if self.gates else ""
        return f"registered {self.name} v{self.version}{alias}{gates}"

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    def __repr__(self) -> str:
        lines = [f"registered {self.name} v{self.version} ({self.flavor}) from run {self.run_id}"
                 + (" (a new run)" if self.new_run else "")]
        lines += [f"  gate {c}" for c in self.gates]
        if self.alias:
            lines.append(f"  alias: {self.name}@{self.alias} -> v{self.version}")
        lines.append(f"  data: {', '.join(self.data_versions) or 'no data versions recorded'}")
        lines.append(f"  git commit: {self.git_commit or 'unknown'}")
        if not self.has_signature:
            lines.append("  no signature: pass --input-example X to record one")
        lines.append(f"  load: %mlops load {self.name}@v{self.version}  (MLflow: {self.uri})")
        return "\n".join(lines)


@dataclass
class VersionFacts:
    """What a comparison needs to know about one version."""

    version: str
    run_id: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    data_versions: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    """Candidate vs the alias's current holder: metrics and params that differ, data of each."""

    name: str
    alias: str
    candidate: VersionFacts
    holder: VersionFacts | None

    def rows(self) -> list[tuple[str, str, Any, Any]]:
        """(kind, key, candidate value, holder value) for each metric / param that differs."""
        if self.holder is None:
            return []
        out = []
        for kind in ("metrics", "params"):
            mine, theirs = getattr(self.candidate, kind), getattr(self.holder, kind)
            for key in sorted(set(mine) | set(theirs)):
                if mine.get(key) != theirs.get(key):
                    out.append((kind[:-1], key, mine.get(key), theirs.get(key)))
        return out

    def __repr__(self) -> str:
        head = f"{self.name} v{self.candidate.version} vs {self.name}@{self.alias}"
        if self.holder is None:
            return f"{head}: no current holder"
        lines = [f"{head} (v{self.holder.version})"]
        rows = self.rows()
        lines += [f"  {kind} {key}: {format_value(a, '-')} vs {format_value(b, '-')}" for kind, key, a, b in rows]
        if not rows:
            lines.append("  no metric or param differs")
        lines.append(f"  data: {', '.join(self.candidate.data_versions) or '-'} vs "
                     f"{', '.join(self.holder.data_versions) or '-'}")
        return "\n".join(lines)


@dataclass
class Promotion:
    """An alias move (promote or rollback), or a promotion with nothing to move."""

    name: str
    alias: str
    action: str
    from_version: str | None
    to_version: str
    moved: bool
    decision: str
    comparison: Comparison | None = None
    event: AliasEvent | None = None

    def __post_init__(self) -> None:
        publish_outcome(self.decision)  # inside a pipeline step: the step's one-line outcome

    def __repr__(self) -> str:
        text = [f"{self.decision}"]
        if self.comparison is not None and self.comparison.holder is not None:
            text.append(repr(self.comparison))
        return "\n".join(text)


@dataclass(repr=False)
class ModelTable(TableResult):
    """Registered models: name, versions, aliases, last update."""

    rows: list[dict[str, Any]]
    empty_text = "no registered models yet: %mlops register MODEL --name NAME"


@dataclass(repr=False)
class VersionTable(TableResult):
    """One model's versions (newest first) with aliases, key metrics, source run, data; recent alias moves."""

    name: str
    rows: list[dict[str, Any]]
    history: list[AliasEvent] = field(default_factory=list)

    def __repr__(self) -> str:
        if not self.rows:
            return f"{self.name} has no versions yet"
        text = super().__repr__()
        if self.history:
            text += "\nrecent alias moves:\n" + "\n".join(f"  {e}" for e in self.history)
        return text


@dataclass(repr=False)
class AliasHistory(TableResult):
    """Every recorded alias move of a model (or of one alias), oldest first."""

    name: str
    alias: str | None
    events: list[AliasEvent]

    def table_rows(self) -> list[dict[str, Any]]:
        return [{**asdict(e), "when": e.when} for e in self.events]

    def __iter__(self):  # noqa: ANN204 - iterate the events
        return iter(self.events)

    def __repr__(self) -> str:
        what = f"{self.name}@{self.alias}" if self.alias else self.name
        if not self.events:
            return f"no alias moves recorded for {what}"
        return "\n".join(str(e) for e in self.events)

