"""``--when`` rules: what makes a check trigger the retraining, parsed like the registry's gates (never eval'd).

A rule is ``MEASURE OP NUMBER`` (``share_drifted >= 0.3``, ``monthly_charges.psi > 0.2``,
``accuracy < 0.8``, ``quality.issues > 0``). MEASURE is one of the check's logged metrics, written in
full (``drift.monthly_charges.psi``) or without its family prefix (``drift.``, ``quality.``, ``labels.``,
``window.``). Names are checked against the model's reference columns before anything runs; a rule whose
measure this window lacks (no labelled rows yet, a p-value of a distance test) does not fire and says so.
Several rules: any one firing triggers. Without rules, dataset drift triggers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ..errors import MlopsUsageError

__all__ = ["DEFAULT_RULE", "Rule", "RuleResult", "evaluate", "known_measures", "parse_rules", "resolve_rules"]

FAMILIES = ("drift.", "quality.", "labels.", "window.")
DEFAULT_RULE = "dataset_drift >= 1"
_DATASET = ("drift.dataset_drift", "drift.n_drifted", "drift.share_drifted", "window.rows",
            "quality.issues", "quality.missing_column", "quality.extra_column", "quality.retyped", "quality.nulls",
            "quality.out_of_range", "quality.unseen_categories",
            "labels.accuracy", "labels.f1", "labels.mae", "labels.mape", "labels.rows", "labels.share")
_PER_COLUMN = {"drift": ("statistic", "p_value", "psi", "effect_size", "drift"),
               "quality": ("null_rate", "out_of_range", "unseen")}
EXAMPLES = ("share_drifted, n_drifted, dataset_drift, COLUMN.psi, COLUMN.effect_size, COLUMN.p_value, "
            "quality.issues, COLUMN.null_rate, COLUMN.out_of_range, COLUMN.unseen, accuracy, f1, mae, mape")


@dataclass(frozen=True)
class Rule:
    """A parsed rule and the full name of the measure it reads."""

    text: str
    measure: str
    op: str
    threshold: float

    def holds(self, value: float) -> bool:
        from ..registry.gates import Gate

        return Gate(self.measure, self.op, self.threshold).holds(value)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class RuleResult:
    """One rule judged on one check."""

    rule: str
    measure: str
    value: float | None
    fired: bool
    note: str = ""

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.rule}: not judged ({self.note})"
        return f"{self.rule}: {self.measure} = {self.value:.4g}, {'fired' if self.fired else 'not met'}"


def parse_rules(texts: Iterable[str] | str | None) -> list:
    """The rules' syntax, checked before anything touches the store (registry gates' grammar)."""
    from ..registry.gates import parse_gate

    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [texts]
    out = []
    for text in texts:
        try:
            out.append(parse_gate(text))
        except MlopsUsageError as exc:
            raise MlopsUsageError(f"--when: {str(exc).replace('gate ', 'rule ', 1)}") from None
    return out


def known_measures(columns: Iterable[str]) -> set[str]:
    """Every measure a check can log for a reference with these columns."""
    from ..drift.result import metric_key

    names = set(_DATASET)
    for column in columns:
        key = metric_key(str(column))
        for family, stats in _PER_COLUMN.items():
            names.update(f"{family}.{key}.{s}" for s in stats)
    return names


def resolve_rules(gates: Iterable, known: set[str]) -> list[Rule]:
    """Full measure names for parsed rules; an unknown name is a one-line error listing what exists."""
    rules = []
    for gate in gates:
        name = gate.metric
        found = name if name in known else next((f + name for f in FAMILIES if f + name in known), None)
        if found is None:
            raise MlopsUsageError(f"--when '{gate}': no measure '{name}'; use one of {EXAMPLES} "
                                  "(COLUMN: a column of the model's reference)")
        rules.append(Rule(f"{name} {gate.op} {gate.threshold:g}", found, gate.op, gate.threshold))
    return rules


def evaluate(rules: Iterable[Rule], measures: Mapping[str, float]) -> list[RuleResult]:
    """Each rule against this check's measures."""
    out = []
    for rule in rules:
        value = measures.get(rule.measure)
        if value is None:
            why = "no labelled rows in this window" if rule.measure.startswith("labels.") else "not measured in this window"
            out.append(RuleResult(rule.text, rule.measure, None, False, why))
        else:
            out.append(RuleResult(rule.text, rule.measure, float(value), rule.holds(float(value))))
    return out
