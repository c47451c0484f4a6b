"""The pipeline file's JSON schema, and where in the YAML text each value sits.

:func:`schema_problems` validates a parsed document and returns every problem (not just the first)
as ``(path, message)`` pairs; :func:`yaml_marks` maps each path to its line in the file so problems
can be reported as ``pipeline.yaml:12: steps.train.timout: unknown key``.
"""

from __future__ import annotations

import difflib
import re
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
        "parameters": {"type": "object", "propertyNames": {"pattern": IDENT}},
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
        "params": {"type": "object", "propertyNames": {"pattern": IDENT}},
        "steps": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": NAME},
            "additionalProperties": STEP_SCHEMA,
        },
    },
}

TOP_KEYS = tuple(PIPELINE_SCHEMA["properties"])
STEP_KEYS = tuple(STEP_SCHEMA["properties"])

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "number": "a number",
               "integer": "a whole number", "boolean": "true or false"}


def _unknown_key(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown key '{key}'{hint}"


def _type_ok(value: Any, wanted: str) -> bool:
    if wanted == "object":
        return isinstance(value, dict)
    if wanted == "array":
        return isinstance(value, list)
    if wanted == "string":
        return isinstance(value, str)
    if wanted == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if wanted == "boolean":
        return isinstance(value, bool)
    return True


def _check(value: Any, schema: dict[str, Any], path: DocPath, out: list[tuple[DocPath, str]]) -> None:
    """Validate ``value`` against the subset of JSON Schema used above, collecting every problem.

    (``jsonschema`` would do, but importing it costs seconds where its optional format checkers
    are installed, and a cached pipeline re-run must take well under a second.)
    """
    wanted = schema.get("type")
    if wanted and not _type_ok(value, wanted):
        out.append((path, f"must be {_TYPE_WORDS.get(wanted, wanted)}, not {value!r}"))
        return
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append((path, "must not be empty"))
        elif "pattern" in schema and not re.match(schema["pattern"], value):
            out.append((path, f"'{value}' is not a valid name (letters, digits, _ . -)"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            out.append((path, f"must be greater than {schema['exclusiveMinimum']}, not {value!r}"))
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            out.append((path, f"must be between {low} and {high}, not {value!r}"))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], path + (index,), out)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append((path, f"missing key '{key}'"))
        if len(value) < schema.get("minProperties", 0):
            out.append((path, "needs at least one entry"))
        names = schema.get("propertyNames")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if names and not (isinstance(key, str) and re.match(names["pattern"], key)):
                out.append((path + (key,), f"'{key}' is not a valid name (letters, digits, _ . -; "
                                           "parameters: a Python identifier)"))
                continue
            if key in props:
                _check(item, props[key], path + (key,), out)
            elif extra is False:
                out.append((path + (key,), _unknown_key(str(key), tuple(props))))
            elif isinstance(extra, dict):
                _check(item, extra, path + (key,), out)


def schema_problems(doc: Any) -> list[tuple[DocPath, str]]:
    """Every schema violation of a parsed pipeline document."""
    if not isinstance(doc, dict):
        return [((), "the file must hold a mapping with a 'steps' key")]
    problems: list[tuple[DocPath, str]] = []
    _check(doc, PIPELINE_SCHEMA, (), problems)
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
