"""Load and validate a pipeline file, reporting every problem at once with its line.

    name: churn
    params: {seed: 42}
    steps:
      prepare: {notebook: prepare.ipynb, outputs: [data/train.parquet]}
      train:   {notebook: train.ipynb, inputs: [data/train.parquet], timeout: 600, retries: 1}

Paths are relative to the pipeline file's folder, which is also the kernels' working directory.
Effective parameters of a step: the pipeline's ``params`` its notebook declares, then the step's
``parameters``, then command-line overrides ``KEY=VALUE`` (every step declaring KEY) and
``STEP.KEY=VALUE`` (one step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import MlopsUsageError
from . import dag
from .inputs import Input, classify_input, normalize_path
from .notebooks import NotebookInfo, read_notebook
from .schema import DocPath, duplicate_keys, schema_problems, yaml_marks

__all__ = ["PipelineSpec", "StepSpec", "load"]


@dataclass(frozen=True)
class StepSpec:
    """One step, resolved: absolute notebook, effective parameters, inputs, edges."""

    name: str
    notebook: Path
    notebook_text: str  # as written in the file
    info: NotebookInfo
    parameters: dict[str, Any]  # effective
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]  # normalized, relative to the pipeline folder when inside it
    depends_on: tuple[str, ...]  # explicit and inferred
    timeout: float | None = None
    retries: int = 0
    kernel: str = "python3"
    description: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """A validated pipeline."""

    name: str
    path: Path
    root: Path
    params: dict[str, Any]
    steps: dict[str, StepSpec]
    experiment: str | None = None
    description: str = ""
    order: tuple[str, ...] = field(default=())

    @property
    def lock_path(self) -> Path:
        """The lock file beside the pipeline file (``churn.yaml`` -> ``churn.lock``)."""
        return self.path.with_suffix(".lock")

    @property
    def deps(self) -> dict[str, tuple[str, ...]]:
        return {name: step.depends_on for name, step in self.steps.items()}


class _Problems:
    def __init__(self, path: Path, text: str) -> None:
        self.file = path.name
        self.marks = yaml_marks(text)
        self.items: list[tuple[int, str]] = []

    def add(self, where: DocPath, message: str, line: int | None = None) -> None:
        if line is None:
            probe = tuple(where)
            while probe and probe not in self.marks:
                probe = probe[:-1]
            line = self.marks.get(probe, 0)
        label = ".".join(str(p) for p in where) or "(top)"
        self.items.append((line, f"{self.file}:{line}: {label}: {message}"))

    def raise_if_any(self) -> None:
        if self.items:
            lines = [text for _, text in sorted(self.items, key=lambda item: item[0])]
            noun = "problem" if len(lines) == 1 else "problems"
            raise MlopsUsageError(f"{self.file} has {len(lines)} {noun}:\n  " + "\n  ".join(lines))


def _parse_overrides(overrides: Mapping[str, Any] | None, steps: Mapping[str, Any],
                     problems: _Problems) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    everywhere: dict[str, Any] = {}
    per_step: dict[str, dict[str, Any]] = {}
    for key, value in (overrides or {}).items():
        step, dot, name = str(key).rpartition(".")
        if dot and step not in steps:
            problems.add(("-p",), f"'{key}': there is no step '{step}'", line=0)
        elif dot:
            per_step.setdefault(step, {})[name] = value
        else:
            everywhere[name] = value
    return everywhere, per_step


def _get(raw: Any, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    """``raw[key]`` when it has the right type (wrong types are already reported by the schema)."""
    value = raw.get(key) if isinstance(raw, dict) else None
    if isinstance(value, bool) or not isinstance(value, kind):  # YAML's true/false are not numbers here
        return default
    return value


def _step(name: str, raw: dict, doc: dict, root: Path, everywhere: dict, mine: dict,
          problems: _Problems) -> tuple[StepSpec | None, set[str]]:
    where = ("steps", name)
    notebook = (root / raw["notebook"]).resolve()
    try:
        info = read_notebook(notebook)
    except FileNotFoundError:
        problems.add(where + ("notebook",), f"notebook {raw['notebook']} does not exist (looked in {root})")
        return None, set()
    except (OSError, ValueError) as exc:
        problems.add(where + ("notebook",), f"cannot read notebook {raw['notebook']}: {exc}")
        return None, set()
    step_params = dict(_get(raw, "parameters", dict, {}))
    wanted = {**step_params, **mine}
    for key in wanted:
        origin = where + ("parameters", key) if key in step_params else ("-p",)
        if not info.has_parameters_cell:
            problems.add(origin, f"notebook {raw['notebook']} has no cell tagged 'parameters', so '{key}' "
                                 "cannot be set; tag the cell that assigns its defaults")
        elif key not in info.declared:
            declared = ", ".join(sorted(info.declared)) or "nothing"
            problems.add(origin, f"notebook {raw['notebook']} has no parameter '{key}' in its 'parameters' "
                                 f"cell (it declares {declared})")
    pipeline_params = {**_get(doc, "params", dict, {}), **everywhere}
    effective = {k: v for k, v in pipeline_params.items() if k in info.declared}
    effective.update(step_params)
    effective.update({k: v for k, v in everywhere.items() if k in info.declared})
    effective.update(mine)
    outputs = tuple(normalize_path(o, root) for o in _get(raw, "outputs", list, []) if isinstance(o, str) and o)
    kernel = _get(raw, "kernel", str, None) or _get(doc, "kernel", str, None) or info.kernel or "python3"
    step = StepSpec(name=name, notebook=notebook, notebook_text=raw["notebook"], info=info,
                    parameters=effective, inputs=(), outputs=outputs,
                    depends_on=tuple(d for d in _get(raw, "depends_on", list, []) if isinstance(d, str)),
                    timeout=_get(raw, "timeout", (int, float), None), retries=_get(raw, "retries", int, 0),
                    kernel=kernel, description=_get(raw, "description", str, ""))
    return step, set(info.declared)


def load(path: str | os.PathLike[str], params: Mapping[str, Any] | None = None) -> PipelineSpec:
    """Read and validate a pipeline file; every problem is reported in one ``MlopsUsageError``."""
    path = Path(path).expanduser().resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MlopsUsageError(f"no pipeline file at {path}; check the path") from None
    except OSError as exc:
        raise MlopsUsageError(f"cannot read {path}: {exc}") from None
    problems = _Problems(path, text)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        problems.add((), f"not valid YAML: {getattr(exc, 'problem', None) or exc}", line=line)
        problems.raise_if_any()
    for where, line, message in duplicate_keys(text):
        problems.add(where, message, line=line)
    for where, message in schema_problems(doc):
        problems.add(where, message)
    if not isinstance(doc, dict):
        problems.raise_if_any()
    root = path.parent
    raw_steps = doc.get("steps") if isinstance(doc.get("steps"), dict) else {}
    raw_steps = {str(k): v for k, v in raw_steps.items()}
    everywhere, per_step = _parse_overrides(params, raw_steps, problems)
    steps: dict[str, StepSpec] = {}
    declared_anywhere: set[str] = set()
    for name, raw in raw_steps.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("notebook"), str):
            continue
        step, declared = _step(name, raw, doc, root, everywhere, per_step.get(name, {}), problems)
        declared_anywhere |= declared
        if step is not None:
            steps[name] = step
    for key in everywhere:
        if key not in declared_anywhere and key not in _get(doc, "params", dict, {}):
            problems.add(("-p",), f"'{key}': no step's notebook declares a parameter '{key}'", line=0)
    steps = _link(steps, raw_steps, root, problems)
    problems.raise_if_any()
    order = tuple(dag.topological_order({n: s.depends_on for n, s in steps.items()}))
    name = doc.get("name") or path.stem
    return PipelineSpec(name=name, path=path, root=root, params=dict(_get(doc, "params", dict, {})), steps=steps,
                        experiment=doc.get("experiment"), description=doc.get("description", ""), order=order)


def _link(steps: dict[str, StepSpec], raw_steps: dict[str, Any], root: Path,
          problems: _Problems) -> dict[str, StepSpec]:
    """Resolve inputs (who produces them), check explicit edges, infer the rest, find cycles.

    Works on every step of the file, also those whose notebook could not be read, so their outputs
    still count as produced and a cycle through them is still reported with the other problems.
    """
    raw = {name: value for name, value in raw_steps.items() if isinstance(value, dict)}
    producers: dict[str, str] = {}
    for name, value in raw.items():
        outputs = [o for o in _get(value, "outputs", list, []) if isinstance(o, str) and o]
        for index, output in enumerate(normalize_path(o, root) for o in outputs):
            if output in producers and producers[output] != name:
                problems.add(("steps", name, "outputs", index),
                             f"{output} is also an output of step '{producers[output]}'; one step per output")
            producers.setdefault(output, name)
    edges: dict[str, list[str]] = {}
    inputs_of: dict[str, list[Input]] = {}
    for name, value in raw.items():
        explicit = [d for d in _get(value, "depends_on", list, []) if isinstance(d, str)]
        for index, dep in enumerate(explicit):
            if dep == name:
                problems.add(("steps", name, "depends_on", index), "a step cannot depend on itself")
            elif dep not in raw_steps:
                problems.add(("steps", name, "depends_on", index),
                             f"there is no step '{dep}' (steps: {', '.join(raw_steps)})")
        deps = [d for d in explicit if d in raw and d != name]
        inputs: list[Input] = []
        for index, text in enumerate(_get(value, "inputs", list, [])):
            if not isinstance(text, str) or not text:
                continue
            item, error = classify_input(text, root, producers)
            if error:
                problems.add(("steps", name, "inputs", index), error)
                continue
            if item.producer == name:
                problems.add(("steps", name, "inputs", index), f"{item.ref} is an output of this same step")
                continue
            if item.producer and item.producer not in deps:
                deps.append(item.producer)
            inputs.append(item)
        edges[name], inputs_of[name] = list(dict.fromkeys(deps)), inputs
    cycle = dag.find_cycle(edges)
    if cycle:
        problems.add(("steps", cycle[0]), "dependency cycle: " + " -> ".join(cycle))
    return {name: StepSpec(**{**step.__dict__, "inputs": tuple(inputs_of[name]),
                              "depends_on": tuple(d for d in edges[name] if d in steps)})
            for name, step in steps.items()}
