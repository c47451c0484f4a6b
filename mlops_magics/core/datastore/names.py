"""Dataset names and ``NAME@REF`` specs: validation with one-line errors."""

from __future__ import annotations

import re

from ..errors import MlopsUsageError

__all__ = ["MAX_NAME", "parse_spec", "sanitize_name", "validate_name"]

MAX_NAME = 100
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_BAD_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid dataset name, else raise a one-line usage error."""
    if not isinstance(name, str) or not name:
        raise MlopsUsageError("dataset name is empty; pass --name NAME")
    if "/" in name or "\\" in name or ".." in name:
        raise MlopsUsageError(
            f"invalid dataset name '{name}': no path separators or '..'; use letters, digits, '.', '_', '-'"
        )
    if len(name) > MAX_NAME or not _NAME.match(name):
        raise MlopsUsageError(
            f"invalid dataset name '{name}': use up to {MAX_NAME} letters, digits, '.', '_', '-' "
            "starting with a letter or digit"
        )
    return name


def sanitize_name(stem: str) -> str:
    """A valid default name derived from a file stem or variable name (``my data.csv`` -> ``my_data``)."""
    cleaned = _BAD_CHARS.sub("_", stem).strip("._-")
    cleaned = re.sub(r"\.{2,}", ".", cleaned)[:MAX_NAME]
    if not cleaned:
        raise MlopsUsageError(f"cannot derive a dataset name from '{stem}'; pass --name NAME")
    return cleaned


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``NAME[@REF]`` into ``(name, ref)``; the ref defaults to ``latest``."""
    name, sep, ref = spec.partition("@")
    if sep and not ref:
        raise MlopsUsageError(f"'{spec}': empty version after '@'; use NAME@vN, NAME@latest or NAME@HASHPREFIX")
    return validate_name(name), (ref or "latest")
