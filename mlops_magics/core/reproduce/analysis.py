"""What in a notebook run's code log can keep it from reproducing, found before anything is re-executed.

* outside state: names a recorded cell reads that no earlier recorded cell bound (variables defined
  before ``%mlops track``, or in cells that ran while it was off);
* cells edited after they ran (one cell id, several sources), cells run again or out of the
  notebook's order, names a replay of each cell's last version would lack (set only by a version
  edited since, or by a cell re-run after the reader), and the reads the stale-state lineage flags (:mod:`..tracking.staleness`,
  replayed over the log, plus the ``mlops.stale_inputs`` tags the original kernel set on tracked cells);
* cells interrupted in the original run (their partial effects cannot be replayed);
* files the cells name that changed after the original run ended.
"""

from __future__ import annotations

import ast
import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..tracking.codelog import source_hash
from ..tracking.staleness import StateLineage
from .results import Cause
from .source import CellNames, ToPython, cell_names, python_of

__all__ = ["Recorded", "analyse", "interrupted", "label", "lost_bindings", "outside_state", "prepare"]

MAX_PATH = 300


@dataclass
class Recorded:
    """One record of the code log, with the Python it ran."""

    index: int  # position in the log
    record: dict[str, Any]
    python: str

    @property
    def execution_count(self) -> int | None:
        return self.record.get("execution_count")

    @property
    def cell_id(self) -> str | None:
        return self.record.get("cell_id")

    @property
    def label(self) -> str:
        return label(self.record, self.index)

    @functools.cached_property
    def names(self) -> CellNames:
        return cell_names(self.python)


def label(record: Mapping[str, Any], index: int) -> str:
    """``In[4]`` (its execution count), else ``cell 5 of the log``."""
    count = record.get("execution_count")
    return f"In[{count}]" if count is not None else f"cell {index + 1} of the log"


def interrupted(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "error" and str(record.get("error") or "").startswith("KeyboardInterrupt")


def prepare(records: list[dict[str, Any]], to_python: ToPython) -> list[Recorded]:
    return [Recorded(i, r, python_of(r.get("source") or "", to_python)) for i, r in enumerate(records)]


def _cells(items: Iterable[Recorded]) -> tuple[int, ...]:
    return tuple(sorted({r.execution_count for r in items if r.execution_count is not None}))


def _ordered(found: dict[str, Recorded]) -> list[tuple[str, Recorded]]:
    return sorted(found.items(), key=lambda kv: (kv[1].index, kv[0]))


def outside_state(cells: list[Recorded]) -> list[Cause]:
    """Names read that no earlier recorded cell bound (none at all, for reads inside function bodies)."""
    bound: set[str] = set()
    now: dict[str, Recorded] = {}
    for recorded in cells:
        if recorded.names.opaque:
            break  # a star import, %run or exec() binds names nobody can list: stop guessing here
        for name in recorded.names.reads - bound:
            now.setdefault(name, recorded)
        bound |= recorded.names.binds
    anywhere = set().union(*(r.names.binds for r in cells))
    later = {}
    for recorded in cells:
        for name in recorded.names.deferred - anywhere:
            later.setdefault(name, recorded)
    causes = []
    if now:
        parts = []
        for name, reader in _ordered(now):
            setter = next((r for r in cells if r.index > reader.index and name in r.names.binds), None)
            parts.append(f"{name} (read by {reader.label}" + (f"; set only later, by {setter.label})" if setter else ")"))
        causes.append(Cause("outside-state", "variables defined before %mlops track (no earlier recorded cell sets "
                            "them): " + ", ".join(parts), _cells(now.values())))
    if later:
        causes.append(Cause("outside-state", "functions read variables no recorded cell sets: " + ", ".join(
            f"{name} (a function defined in {r.label})" for name, r in _ordered(later)), _cells(later.values())))
    return causes


def lost_bindings(selected: list[Recorded], cells: list[Recorded]) -> list[Cause]:
    """Names a replayed cell reads that, in the replay's order, no earlier replayed cell binds, though an
    execution in the log did before it read them: a version of a cell edited since, or a cell the
    replay runs later (it was re-run after the reader)."""
    kept = {r.index for r in selected}
    causes = []
    bound: set[str] = set()
    for reader in selected:
        if reader.names.opaque:
            break
        for name in sorted(reader.names.reads - bound):
            setters = [r for r in cells if r.index < reader.index and name in r.names.binds]
            if not setters:
                continue  # outside state: reported by outside_state()
            setter = setters[-1]
            if setter.index in kept:
                causes.append(Cause("out-of-order", f"{reader.label} read '{name}', set by {setter.label}: the "
                                    "reproduction runs each cell once, where it first ran, which puts that cell after "
                                    "it", _cells([reader, setter])))
            else:
                causes.append(Cause("edited", f"{reader.label} read '{name}', set by {setter.label}: a version of cell "
                                    f"{(setter.cell_id or '?')[:12]} edited since, which no longer sets it "
                                    "(the reproduction runs each cell's last version)", _cells([reader, setter])))
        bound |= reader.names.binds
    return causes


def _edits_and_reruns(cells: list[Recorded]) -> list[Cause]:
    by_cell: dict[str, list[Recorded]] = {}
    for r in cells:
        if r.cell_id:
            by_cell.setdefault(r.cell_id, []).append(r)
    causes = []
    for cell_id, runs in by_cell.items():
        versions = list(dict.fromkeys(r.record.get("sha1") for r in runs))
        if len(versions) > 1:
            which = "; ".join(f"{r.label} ran version {versions.index(r.record.get('sha1')) + 1}" for r in runs)
            causes.append(Cause("edited", f"cell {cell_id[:12]} was edited after it ran: {which}", _cells(runs)))
        elif len(runs) > 1:
            which = ", ".join(r.label for r in runs)
            causes.append(Cause("out-of-order", f"cell {cell_id[:12]} ran {len(runs)} times ({which})", _cells(runs)))
    return causes


def _stale(cells: list[Recorded], stale_tags: Mapping[int, list[str]]) -> list[Cause]:
    lineage = StateLineage()
    causes = []
    for r in cells:
        if interrupted(r.record):
            continue
        found = {s.name: s.reason for s in lineage.stale_reads(r.python)}
        tagged = [n for n in stale_tags.get(r.execution_count, []) if n not in found] \
            if r.execution_count is not None else []
        parts = [f"'{name}' ({reason})" for name, reason in sorted(found.items())]
        if tagged:
            parts.append(", ".join(f"'{n}'" for n in tagged) + " (flagged stale when the cell ran: set by a cell "
                         "edited since, or computed from a value reassigned afterwards)")
        if parts:
            causes.append(Cause("stale-input", f"{r.label} read {'; '.join(parts)}", _cells([r])))
        if r.record.get("status") == "ok":  # as the kernel's lineage does: a failed cell's writes are not noted
            lineage.record(r.python, r.record.get("sha1") or source_hash(r.python), r.cell_id)
    return causes


def _notebook_order(cells: list[Recorded], notebook: Path | None) -> list[Cause]:
    """With the saved notebook at hand: cells run above one that ran before, cells edited since their run."""
    if notebook is None or not notebook.is_file():
        return []
    try:
        import nbformat

        saved = nbformat.read(str(notebook), as_version=4)
    except Exception:  # noqa: BLE001 - a notebook we cannot read says nothing about order
        return []
    position = {c.get("id"): i for i, c in enumerate(saved.cells) if c.get("id")}
    source = {c.get("id"): c.source for c in saved.cells if c.get("id")}
    causes = []
    furthest: Recorded | None = None
    for r in cells:
        if r.cell_id not in position:
            continue
        if furthest is not None and position[r.cell_id] < position[furthest.cell_id] and r.cell_id != furthest.cell_id:
            causes.append(Cause("out-of-order", f"{r.label} (cell {position[r.cell_id] + 1} of the notebook) ran "
                                f"after {furthest.label} (cell {position[furthest.cell_id] + 1})", _cells([r, furthest])))
        if furthest is None or position[r.cell_id] > position[furthest.cell_id]:
            furthest = r
    last: dict[str, Recorded] = {r.cell_id: r for r in cells if r.cell_id in source}
    for cell_id, r in last.items():
        if source_hash(source[cell_id]) != r.record.get("sha1"):
            causes.append(Cause("edited", f"cell {position[cell_id] + 1} of {notebook.name} was edited after its "
                                f"last run ({r.label}): the saved notebook no longer has the code that ran", _cells([r])))
    return causes


def _changed_files(cells: list[Recorded], cwd: Path, ended_ms: int | None) -> list[Cause]:
    """Files named by string literals in the cells that were modified after the original run ended."""
    if not ended_ms:
        return []
    seen: dict[Path, Recorded] = {}
    for r in cells:
        try:
            tree = ast.parse(r.python)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) < MAX_PATH \
                    and "\n" not in node.value:
                path = cwd / node.value
                try:
                    if path.is_file():
                        seen.setdefault(path.resolve(), r)
                except OSError:
                    continue
    causes = []
    for path, r in seen.items():
        modified = path.stat().st_mtime
        if modified * 1000 > ended_ms:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(modified))
            causes.append(Cause("file-changed", f"{path} (named in {r.label}) changed after the original run ended "
                                f"(modified {when})", _cells([r])))
    return causes


def analyse(cells: list[Recorded], selected: list[Recorded], *, stale_tags: Mapping[int, list[str]],
            ended_ms: int | None, cwd: Path, notebook: Path | None) -> list[Cause]:
    """Every finding about the recorded cells (see the module's docstring); ``selected``: the executions
    the reproduction replays (each cell's last version, unless it replays every execution)."""
    causes = outside_state(cells)
    if len(selected) != len(cells):
        causes += lost_bindings(selected, cells)
    causes += _changed_files(cells, cwd, ended_ms)
    causes += [Cause("interrupted", f"{r.label} was interrupted in the original run: its partial effects cannot be "
                     "replayed (the reproduction skips it)", _cells([r])) for r in cells if interrupted(r.record)]
    causes += _edits_and_reruns(cells)
    causes += _notebook_order(cells, notebook)
    causes += _stale(cells, stale_tags)
    return causes
