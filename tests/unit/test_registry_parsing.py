"""Gate expressions, model references, reserved aliases, --if-better and the rollback stack: no MLflow."""

from __future__ import annotations

import math

import pytest

from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.registry.audit import AliasEvent
from mlops_magics.core.registry.errors import GateFailed
from mlops_magics.core.registry.gates import Gate, check_gates, enforce_gates, parse_gate, parse_gates
from mlops_magics.core.registry.promote import parse_if_better
from mlops_magics.core.registry.refs import ModelRef, check_alias, parse_ref
from mlops_magics.core.registry.rollback import holder_stack


@pytest.mark.parametrize("text, gate", [
    ("accuracy >= 0.85", Gate("accuracy", ">=", 0.85)),
    ("  f1>0.8 ", Gate("f1", ">", 0.8)),
    ("rmse<=1e-2", Gate("rmse", "<=", 0.01)),
    ("val/loss < .5", Gate("val/loss", "<", 0.5)),
    ("test accuracy == 1", Gate("test accuracy", "==", 1.0)),
    ("delta >= -3", Gate("delta", ">=", -3.0)),
])
def test_gate_grammar(text, gate):
    assert parse_gate(text) == gate


@pytest.mark.parametrize("text, hint", [
    ("accuracy = 0.85", "'=' alone"),
    ("accuracy != 0.85", "'!=' is not supported"),
    ("accuracy >= high", "METRIC OP NUMBER"),
    ("__import__('os').system('x') or 1 > 0", "METRIC OP NUMBER"),
    (">= 0.8", "METRIC OP NUMBER"),
    ("accuracy >= 0.8 and f1 > 0.1", "METRIC OP NUMBER"),
    ("accuracy >= 1e999", "finite"),
])
def test_malformed_gate_names_the_grammar(text, hint):
    with pytest.raises(MlopsUsageError, match="malformed|finite") as info:
        parse_gate(text)
    assert hint in str(info.value)


def test_gates_check_values_and_name_missing_metrics():
    gates = parse_gates(["accuracy >= 0.85", "rmse < 0.3"])
    checks = check_gates(gates, {"accuracy": 0.9, "rmse": 0.2, "f1": 0.5})
    assert [c.passed for c in checks] == [True, True]
    with pytest.raises(GateFailed) as info:
        enforce_gates(gates, {"accuracy": 0.8, "rmse": 0.2})
    assert "accuracy = 0.8, needs >= 0.85" in str(info.value) and "rmse" not in str(info.value)
    with pytest.raises(MlopsUsageError, match="no metric 'accuracy'; its metrics: f1, loss"):
        enforce_gates(gates, {"loss": 1.0, "f1": 0.5})
    assert not Gate("a", ">=", 0.0).holds(math.nan)
    assert parse_gates("a > 1") == [Gate("a", ">", 1.0)] and parse_gates(None) == []


def test_refs_and_reserved_aliases():
    assert parse_ref("churn@v4") == ModelRef("churn", version=4)
    assert parse_ref("churn@V2") == ModelRef("churn", version=2)
    assert parse_ref("churn@champion") == ModelRef("churn", alias="champion")
    assert parse_ref("churn@latest") == ModelRef("churn", latest=True)
    assert parse_ref("team.churn-model@v1").name == "team.churn-model"
    assert str(parse_ref("churn@v4")) == "churn@v4"
    for bad in ("churn", "@v1", "churn@", "churn@bad alias", "churn@v0", "ch'urn@v1"):
        with pytest.raises(MlopsUsageError):
            parse_ref(bad)
    assert check_alias("champion") == "champion"
    with pytest.raises(MlopsUsageError, match="'latest' is reserved"):
        check_alias("Latest")
    with pytest.raises(MlopsUsageError, match="'v3' is reserved by MLflow for version 3"):
        check_alias("v3")
    with pytest.raises(MlopsUsageError, match="letters, digits"):
        check_alias("my alias")


def test_if_better_direction():
    assert parse_if_better("accuracy") == ("accuracy", True)
    assert parse_if_better("-rmse") == ("rmse", False)
    with pytest.raises(MlopsUsageError, match="give a metric name"):
        parse_if_better("-")


def _event(action, src, dst, seq):
    return AliasEvent("m", "champion", action, src, dst, "u", float(seq), seq=seq)


def test_rollback_stack_replays_promotions_and_rollbacks():
    events = [_event("register", None, "1", 1), _event("promote", "1", "2", 2), _event("promote", "2", "3", 3)]
    assert holder_stack(events) == ["1", "2", "3"]
    events.append(_event("rollback", "3", "2", 4))
    assert holder_stack(events) == ["1", "2"]
    events.append(_event("rollback", "2", "1", 5))
    assert holder_stack(events) == ["1"]
    # an alias moved outside our tools (v1 -> v5 in the UI) before the next recorded promotion
    assert holder_stack([_event("promote", None, "1", 1), _event("promote", "5", "6", 2)]) == ["1", "5", "6"]
