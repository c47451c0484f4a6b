"""The outcome of a reproducibility check: a verdict, each value compared, the likely causes.

Plain data with a text ``repr`` (the CLI prints it); its HTML card is drawn by
:mod:`mlops_magics.render.reproduce_html`. ``to_pandas()`` gives one row per compared value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import CheckFailed
from ..formatting import duration_text, format_value
from ..result_table import TableResult

__all__ = ["Cause", "NotReproduced", "Reproduction", "ValueCheck"]

# the order causes are listed in: what explains a difference for sure first
CAUSE_ORDER = ("failed", "not-run", "outside-state", "file-changed", "interrupted", "missing-run", "edited",
               "stale-input", "out-of-order", "environment", "unexplained", "store")
HIDDEN_STATE = ("edited", "stale-input", "out-of-order")  # cannot change an exact replay's values


@dataclass(frozen=True)
class Cause:
    """One finding about the original run or the reproduction, pointing at the cells concerned."""

    kind: str  # one of CAUSE_ORDER
    text: str
    cells: tuple[int, ...] = ()  # execution counts (In[n]) of the original run's cells concerned

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ValueCheck:
    """One param or metric of the original run (or one of its cell runs) against the reproduction's."""

    scope: str  # "notebook" or "In[4] train" (a %%mlops track cell's run)
    kind: str  # param | metric
    key: str
    original: Any  # None: the reproduction has a value the original lacks
    new: Any  # None: missing from the reproduction
    abs_diff: float | None = None
    rel_diff: float | None = None
    ok: bool = True

    def row(self) -> dict[str, Any]:
        return {"where": self.scope, "kind": self.kind, "key": self.key, "original": self.original,
                "new": self.new, "abs_diff": self.abs_diff, "rel_diff": self.rel_diff, "ok": self.ok}


@dataclass(repr=False)
class Reproduction(TableResult):
    """Whether re-executing a notebook run's recorded cells in a fresh kernel gave the same values."""

    original_run_id: str
    original_name: str
    new_run_id: str
    new_name: str
    experiment_id: str
    reproduced: bool
    values: list[ValueCheck]
    causes: list[Cause]
    notebook: str  # the executed notebook
    cells: int  # recorded cells re-executed
    status: str  # the reproduction run's status
    rtol: float
    atol: float
    pinned: dict[str, str] = field(default_factory=dict)  # dataset -> the version loaded for 'latest'
    notes: list[Cause] = field(default_factory=list)  # findings that do not explain a difference
    exact: bool = False  # every recorded execution replayed (else each cell once, its last version)
    superseded: int = 0  # tracked cells' runs of earlier executions of re-run cells, not compared
    duration_s: float | None = None
    original_url: str | None = None
    new_url: str | None = None
    ui_hint: str | None = None
    empty_text: ClassVar[str] = "the original run logged no params or metrics to compare"

    def table_rows(self) -> list[dict[str, Any]]:
        return [v.row() for v in self.values]

    @property
    def differing(self) -> list[ValueCheck]:
        return [v for v in self.values if not v.ok]

    @property
    def verdict(self) -> str:
        return "reproduced" if self.reproduced else "not reproduced"

    @property
    def headline(self) -> str:
        """One line: the verdict and why."""
        tolerance = f"rtol {self.rtol:g}, atol {self.atol:g}"
        failed = [c for c in self.causes if c.kind in ("failed", "not-run")]
        if self.reproduced:
            return f"reproduced: the same {len(self.values)} value(s) in a fresh kernel ({tolerance})"
        if self.differing:
            reason = f"{len(self.differing)} of {len(self.values)} value(s) differ ({tolerance})"
            return f"not reproduced: {reason}" + ("; the re-execution failed" if failed else "")
        if failed:
            return "not reproduced: the re-execution failed"
        return "not reproduced: " + (self.causes[0].text if self.causes else "see the reproduction run")

    @property
    def replayed(self) -> str:
        """What was re-executed, in words."""
        if self.exact:
            return f"{self.cells} recorded execution(s), as they happened"
        text = f"{self.cells} cell(s), each once in its last version, in the order they first ran"
        if self.superseded:
            text += f" ({self.superseded} run(s) of earlier executions of re-run cells not compared)"
        return text

    def __repr__(self) -> str:
        lines = [
            self.headline,
            f"  original      {self.original_name} ({self.original_run_id})",
            f"  reproduction  {self.new_name} ({self.new_run_id}) {self.status} in {duration_text(self.duration_s)}",
            f"  replayed      {self.replayed}",
            f"  notebook      {self.notebook}",
        ]
        if self.pinned:
            lines.append("  data          " + ", ".join(f"{n}@{v}" for n, v in self.pinned.items()) +
                         " (the versions the original used)")
        if self.differing:
            lines += ["values that differ:", _text_table(self.differing)]
        for title, found in (("likely causes:", self.causes), ("notes:", self.notes)):
            if found:
                lines.append(title)
                lines += [f"  - {c.text}" for c in found]
        lines.append(f"  MLflow UI: {self.new_url or self.ui_hint or self.new_run_id}")
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`NotReproduced` unless reproduced (``%mlops reproduce --fail``)."""
        if not self.reproduced:
            raise NotReproduced(self)


class NotReproduced(CheckFailed):
    """``--fail``: the run did not reproduce (the message is the result's headline)."""

    def __init__(self, result: Reproduction) -> None:
        super().__init__(f"{result.headline}; see run {result.new_run_id}")
        self.result = result


def _cell(value: Any) -> str:
    return format_value(value, "(missing)")


def _text_table(checks: list[ValueCheck]) -> str:
    header = ["where", "value", "original", "new", "abs diff", "rel diff"]
    rows = [[c.scope, f"{c.kind} {c.key}", _cell(c.original), _cell(c.new), format_value(c.abs_diff, "-"),
             format_value(c.rel_diff, "-")] for c in checks]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in [header, *rows])
