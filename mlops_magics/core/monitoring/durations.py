"""Durations as people type them: ``90s``, ``10m``, ``2h``, ``7d`` (a bare number is seconds)."""

from __future__ import annotations

import re

from ..errors import MlopsUsageError

__all__ = ["duration_label", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(text: str | float | int, option: str = "the duration") -> float:
    """Seconds from ``"10m"``; a one-line error naming ``option`` for anything else."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _PATTERN.match(str(text))
        if match is None:
            raise MlopsUsageError(f"{option} '{text}' is not a duration; write e.g. 90s, 10m, 2h or 7d")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise MlopsUsageError(f"{option} must be longer than zero, not '{text}'")
    return seconds


def duration_label(seconds: float) -> str:
    """``600`` -> ``10m``: the largest unit that divides the duration exactly."""
    for unit in ("w", "d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"
