"""Quality gates: ``accuracy >= 0.85`` parsed by hand (never ``eval``) and checked against run metrics.

Grammar: ``METRIC OP NUMBER`` where METRIC is an MLflow metric name (letters, digits, ``_ - . / :`` and
spaces), OP one of ``>= > <= < ==`` and NUMBER a finite decimal or scientific literal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from ..errors import MlopsUsageError
from .errors import GateFailed

__all__ = ["GRAMMAR", "Gate", "GateCheck", "check_gates", "enforce_gates", "parse_gate", "parse_gates"]

GRAMMAR = 'METRIC OP NUMBER with OP one of >= > <= < == (e.g. "accuracy >= 0.85")'
_OPS = (">=", "<=", "==", ">", "<")
_PATTERN = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][\w\-./: ]*?)\s*(?P<op>>=|<=|==|>|<)\s*"
    r"(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Gate:
    """One condition on one metric of the training run."""

    metric: str
    op: str
    threshold: float

    def holds(self, value: float) -> bool:
        """True when ``value OP threshold`` (a NaN value never passes)."""
        if math.isnan(value):
            return False
        return {
            ">=": value >= self.threshold,
            ">": value > self.threshold,
            "<=": value <= self.threshold,
            "<": value < self.threshold,
            "==": value == self.threshold,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class GateCheck:
    """A gate and the value it was checked against."""

    gate: Gate
    value: float
    passed: bool

    def __str__(self) -> str:
        mark = "passed" if self.passed else "FAILED"
        return f"{self.gate.metric} = {self.value:.6g} (needs {self.gate.op} {self.gate.threshold:g}): {mark}"


def parse_gate(text: str | Gate) -> Gate:
    """A :class:`Gate` from ``"accuracy >= 0.85"``; a malformed gate says what the grammar is."""
    if isinstance(text, Gate):
        return text
    match = _PATTERN.match(str(text))
    if match is None:
        hint = ""
        if re.search(r"(?<![<>=!])=(?!=)", str(text)):
            hint = " ('=' alone is not an operator: use '==')"
        elif "!=" in str(text):
            hint = " ('!=' is not supported)"
        raise MlopsUsageError(f"gate '{text}' is malformed{hint}; write {GRAMMAR}")
    threshold = float(match["number"])
    if math.isinf(threshold):
        raise MlopsUsageError(f"gate '{text}': the threshold must be a finite number")
    return Gate(match["metric"], match["op"], threshold)


def parse_gates(texts: Iterable[str | Gate] | str | None) -> list[Gate]:
    """Every gate of ``texts`` (one string or several), parsed before anything touches the store."""
    if texts is None:
        return []
    if isinstance(texts, (str, Gate)):
        texts = [texts]
    return [parse_gate(t) for t in texts]


def check_gates(gates: Iterable[Gate], metrics: Mapping[str, float], run_label: str = "the run") -> list[GateCheck]:
    """Check each gate; a gate on a metric the run lacks is an error naming the metrics it has."""
    checks = []
    for gate in gates:
        if gate.metric not in metrics:
            known = ", ".join(sorted(metrics)) or "none"
            raise MlopsUsageError(
                f"gate '{gate}': {run_label} has no metric '{gate.metric}'; its metrics: {known}"
            )
        value = float(metrics[gate.metric])
        checks.append(GateCheck(gate, value, gate.holds(value)))
    return checks


def enforce_gates(gates: Iterable[Gate], metrics: Mapping[str, float], run_label: str = "the run") -> list[GateCheck]:
    """Check every gate and raise :class:`GateFailed` naming each failure (metric, value, threshold)."""
    checks = check_gates(gates, metrics, run_label)
    failed = [c for c in checks if not c.passed]
    if failed:
        detail = "; ".join(f"{c.gate.metric} = {c.value:.6g}, needs {c.gate.op} {c.gate.threshold:g}" for c in failed)
        raise GateFailed(f"gate failed, nothing registered: {detail} ({run_label})", checks)
    return checks
