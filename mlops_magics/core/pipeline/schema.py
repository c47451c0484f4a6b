"""The pipeline file's JSON schema, and where in the YAML text each value sits.

:func:`schema_problems` validates a parsed document with ``jsonschema`` and returns every problem
(not just the first) as ``(path, message)`` pairs, in the file's words; :func:`yaml_marks` maps each path to its line in the file so problems
can be reported as ``pipeline.yaml:12: steps.train.timout: unknown key``.
"""

from __future__ import annotations

import difflib
import functools
import sys
from typing import Any

import yaml

__all__ = ["PIPELINE_SCHEMA", "STEP_KEYS", "TOP_KEYS", "DocPath", "duplicate_keys", "schema_problems", "yaml_marks"]

DocPath = tuple  # a path into the document: ("steps", "train", "timeout")

NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
_PATHS = {"type": "array", "items": {"type": "string", "minLength": 1}}

STEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["notebook"],
    "properties": {
        "notebook": {"type": "string", "minLength": 1},
        "parameters": {"type": "object", "propertyNames": {"type": "string", "pattern": IDENT}},
        "inputs": _PATHS,
        "outputs": _PATHS,
        "depends_on": {"type": "array", "items": {"type": "string"}},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "retries": {"type": "integer", "minimum": 0, "maximum": 20},
        "kernel": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
    },
}

PIPELINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["steps"],
    "properties": {
        "name": {"type": "string", "pattern": NAME},
        "description": {"type": "string"},
        "experiment": {"type": "string", "minLength": 1},
        "kernel": {"type": "string", "minLength": 1},
        "params": {"type": "object", "propertyNames": {"type": "string", "pattern": IDENT}},
        "steps": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"type": "string", "pattern": NAME},
            "additionalProperties": STEP_SCHEMA,
        },
    },
}

TOP_KEYS = tuple(PIPELINE_SCHEMA["properties"])
STEP_KEYS = tuple(STEP_SCHEMA["properties"])

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "number": "a number",
               "integer": "a whole number", "boolean": "true or false"}
_BAD_NAME = "is not a valid name (letters, digits, _ . -; parameters: a Python identifier)"


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    """jsonschema's validator of :data:`PIPELINE_SCHEMA`, imported on first use.

    ``import jsonschema`` imports every optional format checker it finds; where Jupyter is installed
    that includes ``rfc3987_syntax``, which builds a grammar at import (over a second here). The
    schema uses no ``format``, so that one module is kept out of this import (when nothing imported
    it before): about 60 ms instead of 1.2 s, which a cached ``mlops run`` would otherwise pay.
    """
    blocked = sys.modules.setdefault("rfc3987_syntax", None) is None  # type: ignore[arg-type]
    try:
        from jsonschema import Draft202012Validator
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", "") is None:
            del sys.modules["rfc3987_syntax"]
    return Draft202012Validator(PIPELINE_SCHEMA)


def _unknown_key(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown key '{key}'{hint}"


def _friendly(error: Any) -> list[tuple[DocPath, str]]:
    """jsonschema's error as ``(path, message)`` pairs in the words of a pipeline file."""
    path: DocPath = tuple(error.absolute_path)
    kind, value, schema = error.validator, error.instance, error.schema
    if "propertyNames" in error.relative_schema_path:  # a bad key: the error is about the key itself
        return [(path + (str(value),), f"'{value}' {_BAD_NAME}")]
    if kind == "type":
        return [(path, f"must be {_TYPE_WORDS.get(schema['type'], schema['type'])}, not {value!r}")]
    if kind == "required":
        return [(path, f"missing key '{key}'") for key in schema["required"] if key not in value]
    if kind == "additionalProperties":
        allowed = tuple(schema.get("properties", {}))
        return [(path + (key,), _unknown_key(str(key), allowed)) for key in value if key not in allowed]
    if kind == "minLength":
        return [(path, "must not be empty")]
    if kind == "pattern":
        return [(path, f"'{value}' is not a valid name (letters, digits, _ . -)")]
    if kind == "exclusiveMinimum":
        return [(path, f"must be greater than {schema['exclusiveMinimum']}, not {value!r}")]
    if kind in ("minimum", "maximum"):
        return [(path, f"must be between {schema.get('minimum')} and {schema.get('maximum')}, not {value!r}")]
    if kind == "minProperties":
        return [(path, "needs at least one entry")]
    return [(path, error.message)]


def schema_problems(doc: Any) -> list[tuple[DocPath, str]]:
    """Every schema violation of a parsed pipeline document (validated by ``jsonschema``)."""
    if not isinstance(doc, dict):
        return [((), "the file must hold a mapping with a 'steps' key")]
    problems: list[tuple[DocPath, str]] = []
    for error in _validator().iter_errors(doc):
        for problem in _friendly(error):
            if problem not in problems:
                problems.append(problem)
    return problems


def yaml_marks(text: str) -> dict[DocPath, int]:
    """1-based line of every key and value in the YAML text, by path (empty when it does not parse)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    marks: dict[DocPath, int] = {}

    def walk(node: Any, path: DocPath) -> None:
        marks.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = path + (key_node.value,)
                marks[key] = key_node.start_mark.line + 1
                walk(value_node, key)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    if root is not None:
        walk(root, ())
    return marks


def duplicate_keys(text: str) -> list[tuple[DocPath, int, str]]:
    """Keys that appear twice in one mapping (YAML would silently keep the last)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    found: list[tuple[DocPath, int, str]] = []

    def walk(node: Any, path: DocPath) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if key_node.value in seen:
                    found.append((path + (key_node.value,), key_node.start_mark.line + 1,
                                  f"duplicate key '{key_node.value}' (YAML keeps only the last)"))
                seen.add(key_node.value)
                walk(value_node, path + (key_node.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    if root is not None:
        walk(root, ())
    return found
