"""What a check returns: plain dataclasses with a text ``repr`` (HTML in :mod:`mlops_magics.render.monitor_html`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..formatting import duration_text

__all__ = ["CheckPoint", "MonitorCheck", "TriggerOutcome", "when_text"]


def when_text(at: float | None) -> str:
    """Local time of an epoch, for people."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "-"


@dataclass
class CheckPoint:
    """One check of a monitor as read back from its run: what the card's chart draws."""

    seq: int
    at: float  # epoch seconds
    verdict: str
    share_drifted: float | None
    effects: dict[str, float] = field(default_factory=dict)  # column -> effect size
    drifted: list[str] = field(default_factory=list)
    run_id: str = ""
    version: str = ""  # the model version the check scored against


@dataclass
class TriggerOutcome:
    """What a trigger did: retrained (and whether the candidate passed its gates and was promoted), or why not.

    ``state``: ``promoted``, ``not promoted``, ``failed`` (the pipeline failed: the champion stays),
    ``cancelled`` (interrupted), ``skipped`` (another monitor holds the lock, the cooldown, or this window
    was already acted on) or ``no pipeline`` (a rule fired but no ``--retrain`` was given).
    """

    state: str
    summary: str
    at: float = field(default_factory=time.time)
    window: dict[str, Any] = field(default_factory=dict)
    pipeline: str | None = None
    pipeline_run_id: str | None = None
    pipeline_state: str | None = None
    candidate: str | None = None  # the version the retraining registered
    gates: str = ""
    gates_passed: bool | None = None
    holder_before: str | None = None
    holder_after: str | None = None
    failed_steps: dict[str, str] = field(default_factory=dict)
    audit: str | None = None  # the alias-history entry, as text

    @property
    def promoted(self) -> bool:
        return self.state == "promoted"

    @property
    def retrained(self) -> bool:
        return self.state in ("promoted", "not promoted", "failed", "cancelled")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def __str__(self) -> str:
        return f"{self.state}: {self.summary}"


@dataclass
class MonitorCheck:
    """One check of ``model@alias`` against a window of captured traffic."""

    model: str
    alias: str
    version: str
    traffic: str
    window: dict[str, Any]
    drift: Any = None  # DriftResult (None when the window is empty)
    quality: Any = None  # QualityReport
    labels: Any = None  # LabelMetrics
    rules: list[Any] = field(default_factory=list)  # RuleResult
    triggered: bool = False
    trigger_reason: str = ""
    trigger: TriggerOutcome | None = None
    last_trigger: TriggerOutcome | None = None  # the latest retraining before this check, for the card
    run_id: str | None = None
    seq: int = 0
    experiment: str = ""
    history: list[CheckPoint] = field(default_factory=list)  # oldest first, this check last
    at: float = field(default_factory=time.time)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``drift``, ``no drift`` or ``no traffic``."""
        if self.drift is None:
            return "no traffic"
        return "drift" if self.drift.dataset_drift else "no drift"

    @property
    def dataset_drift(self) -> bool:
        return self.drift is not None and bool(self.drift.dataset_drift)

    @property
    def drifted_columns(self) -> list[str]:
        return [] if self.drift is None else list(self.drift.drifted_columns)

    @property
    def ref(self) -> str:
        return f"{self.model}@{self.alias}"

    def headline(self) -> str:
        window = self.window.get("label", self.traffic)
        rows = self.window.get("rows", 0)
        head = f"{self.ref} (v{self.version}) on {window} ({rows:,} rows): {self.verdict}"
        if self.drift is not None:
            head += f", {self.drift.n_drifted} of {self.drift.n_columns} columns drifted"
        return head

    def lines(self) -> list[str]:
        out = [self.headline()]
        if self.drifted_columns:
            out.append(f"  drifted: {', '.join(self.drifted_columns)}")
        if self.quality is not None:
            out.append(f"  {self.quality.headline()}")
            out += [f"    {i}" for i in self.quality.issues[:10]]
        if self.labels is not None:
            out.append(f"  {self.labels.line()}")
        out += [f"  rule {r}" for r in self.rules]
        if self.trigger is not None:
            out.append(f"  trigger: {self.trigger}")
        elif self.triggered:
            out.append(f"  triggered: {self.trigger_reason}")
        if self.last_trigger is not None and self.last_trigger is not self.trigger:
            out.append(f"  last retraining {when_text(self.last_trigger.at)}: {self.last_trigger}")
        if self.run_id:
            out.append(f"  check #{self.seq}: run {self.run_id} in experiment '{self.experiment}' "
                       f"({duration_text(self.seconds)})")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())
