"""What a pipeline execution (or a dry run, or ``status``) returns: plain dataclasses.

They render themselves as text (``repr``); their HTML (with the DAG as SVG) is built by
:mod:`mlops_magics.render.pipeline_html`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..formatting import duration_text

__all__ = ["DONE_STATES", "OK_STATES", "PipelineCancelled", "PipelineGraph", "PipelineResult", "StepResult"]

OK_STATES = ("succeeded", "cached")
DONE_STATES = ("succeeded", "cached", "failed", "skipped", "cancelled", "not selected")


@dataclass
class StepResult:
    """One step of one execution.

    ``state``: pending, running, succeeded, cached, failed, skipped, cancelled, not selected, or
    (dry run) would run.
    """

    name: str
    notebook: str
    state: str = "pending"
    reason: str = ""  # why it ran / was skipped / is stale
    duration_s: float | None = None
    key: str | None = None
    run_id: str | None = None
    executed: str | None = None  # path of the executed notebook
    error: str | None = None  # the error's last line
    outcome: str | None = None  # what the step decided, published by the notebook (``mlops.outcome``)
    plan: str = ""  # before it ran: run | cached | not selected (``reason`` says why)
    attempts: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    cell: int = 0  # while running: the code cell being executed
    cells: int = 0
    started: float | None = None  # epoch seconds, while running

    @property
    def elapsed_s(self) -> float | None:
        """The duration, or for a running step the time so far."""
        if self.duration_s is None and self.state == "running" and self.started is not None:
            return time.time() - self.started
        return self.duration_s

    @property
    def cached(self) -> bool:
        return self.state == "cached"

    @property
    def ok(self) -> bool:
        return self.state in OK_STATES

    def line(self) -> str:
        """One line of text for this step."""
        text = f"{self.name:<16} {self.state:<12} {duration_text(self.elapsed_s):>8}"
        if self.state == "running" and self.cells:
            text += f"  cell {self.cell}/{self.cells}"
        if self.reason:
            text += f"  ({self.reason})"
        if self.error:
            text += f"  {self.error}"
        if self.outcome and self.outcome != self.error:
            text += f"\n{'':<16} outcome: {self.outcome}"
        if self.executed and self.state in ("failed", "succeeded", "cancelled"):
            text += f"\n{'':<16} notebook: {self.executed}"
        return text


@dataclass
class PipelineResult:
    """One execution of a pipeline: per-step results, the parent run, the lock file."""

    name: str
    path: str
    lock_path: str
    steps: dict[str, StepResult]
    state: str = "running"  # running | succeeded | failed | cancelled | planned | status | waiting
    run_id: str | None = None  # the parent run (None when nothing had to run)
    duration_s: float | None = None
    dry_run: bool = False
    executor: str = "local"
    jobs: int = 1
    ui_hint: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> StepResult:
        return self.steps[name]

    @property
    def ok(self) -> bool:
        """Every selected step succeeded or was reused from cache."""
        return all(s.ok or s.state == "not selected" for s in self.steps.values()) and self.state != "cancelled"

    @property
    def failed(self) -> list[str]:
        return [n for n, s in self.steps.items() if s.state == "failed"]

    def count(self, state: str) -> int:
        return sum(1 for s in self.steps.values() if s.state == state)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("succeeded", "cached", "failed", "skipped", "cancelled",
                                                   "would run") if self.count(s)]
        return ", ".join(parts) or "nothing to do"

    def __repr__(self) -> str:
        head = f"pipeline {self.name}: {self.state}"
        if self.duration_s is not None:
            head += f" in {duration_text(self.duration_s)}"
        head += f" ({self.summary()})"
        lines = [head] + ["  " + s.line().replace("\n", "\n  ") for s in self.steps.values()]
        if self.run_id:
            lines.append(f"  run: {self.run_id}")
        lines.append(f"  lock: {self.lock_path}")
        if self.ui_hint:
            lines.append(f"  MLflow UI: {self.ui_hint}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


class PipelineCancelled(KeyboardInterrupt):
    """Ctrl-C (or a cancel event) stopped the pipeline; ``result`` says what had finished.

    A ``KeyboardInterrupt``, so scripts still stop; kernels are already shut down when it is raised.
    """

    def __init__(self, result: PipelineResult) -> None:
        super().__init__(f"pipeline {result.name} cancelled")
        self.result = result


@dataclass
class PipelineGraph:
    """What ``%mlops pipeline show`` draws: the steps, their notebooks and dependencies."""

    name: str
    path: str
    notebooks: dict[str, str]
    depends_on: dict[str, tuple[str, ...]]
    inputs: dict[str, list[str]] = field(default_factory=dict)
    outputs: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: Any) -> "PipelineGraph":
        return cls(name=spec.name, path=str(spec.path),
                   notebooks={n: s.notebook_text for n, s in spec.steps.items()},
                   depends_on={n: spec.steps[n].depends_on for n in spec.order},
                   inputs={n: [i.ref for i in s.inputs] for n, s in spec.steps.items()},
                   outputs={n: list(s.outputs) for n, s in spec.steps.items()})

    def __repr__(self) -> str:
        lines = [f"pipeline {self.name} ({len(self.notebooks)} steps)"]
        for name, deps in self.depends_on.items():
            after = f" after {', '.join(deps)}" if deps else ""
            lines.append(f"  {name}: {self.notebooks[name]}{after}")
        return "\n".join(lines)
