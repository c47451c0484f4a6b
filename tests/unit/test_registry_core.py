"""The registry core with real scikit-learn models, once on the embedded store and once on a real mlflow server."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlops_magics import registry, track
from mlops_magics.core.errors import MlopsUsageError, NotFound
from mlops_magics.core.registry import audit
from mlops_magics.registry import GateFailed, NotAModel, PromotionRefused
from mlops_magics.render.formatters import html as html_of


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"tenure": rng.normal(size=60), "charges": rng.normal(size=60)})
    y = (X.tenure + 0.3 * X.charges > 0).astype(int)
    return X, y


def _trained(X, y, C, metrics, name):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(X, y)
    with track(run_name=name, params={"C": C}, capture_env=False) as run:
        run.log_metrics(metrics)
    return model, run.run_id


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_register_gate_promote_rollback_load_history(store, store_client, data):
    X, y = data
    name = _unique("churn")
    first, run1 = _trained(X, y, 1.0, {"accuracy": 0.90, "rmse": 0.30}, "first")
    second, run2 = _trained(X, y, 0.01, {"accuracy": 0.80, "rmse": 0.20}, "second")

    # a failing gate registers nothing, and says which metric failed, its value and the threshold
    with pytest.raises(GateFailed, match=r"accuracy = 0.9, needs >= 0.95"):
        registry.register(first, name, gates=["accuracy >= 0.95", "rmse < 1"], run=run1, input_example=X)
    assert store_client.search_registered_models(f"name = '{name}'") == []
    assert store_client.get_run(run1).outputs.model_outputs == []  # not even logged

    reg = registry.register(first, name, gates=["accuracy >= 0.85", "rmse < 1"], run=run1, input_example=X,
                            alias="champion", description="baseline")
    assert (reg.version, reg.run_id, reg.flavor, reg.has_signature) == ("1", run1, "sklearn", True)
    mv = store_client.get_model_version(name, "1")
    assert mv.run_id == run1 and mv.description == "baseline"
    assert mv.tags["mlops.run_id"] == run1
    assert mv.tags["mlops.gates"] == "accuracy >= 0.85 (0.9); rmse < 1 (0.3)"
    assert "mlops.data_versions" in mv.tags
    assert str(store_client.get_model_version_by_alias(name, "champion").version) == "1"
    assert "registered" in repr(reg) and "churn" in html_of(reg)

    registry.register(second, name, run=run2, input_example=X)
    with pytest.raises(PromotionRefused, match=r"accuracy = 0.8 is worse than .*@champion \(v1\) accuracy = 0.9; "
                                               r"it falls short by 0.1") as refused:
        registry.promote(f"{name}@v2", "champion", if_better="accuracy")
    assert [r[:2] for r in refused.value.comparison.rows()] == [("metric", "accuracy"), ("metric", "rmse"),
                                                                ("param", "C")]
    assert str(store_client.get_model_version_by_alias(name, "champion").version) == "1"

    promo = registry.promote(f"{name}@v2", "champion", if_better="-rmse", reason="lower error")
    assert promo.moved and promo.from_version == "1" and promo.to_version == "2"
    assert "rmse 0.2 beats 0.3 by 0.1" in promo.decision
    assert "<table" in html_of(promo)
    assert str(store_client.get_model_version_by_alias(name, "champion").version) == "2"
    assert isinstance(registry.load(f"{name}@champion"), type(second))

    back = registry.rollback(name, "champion", reason="regression in prod")
    assert (back.from_version, back.to_version) == ("2", "1")
    loaded = registry.load(f"{name}@champion")
    assert type(loaded) is type(first)
    np.testing.assert_array_equal(loaded.predict(X), first.predict(X))
    with pytest.raises(MlopsUsageError, match="no earlier holder"):
        registry.rollback(name, "champion")

    events = registry.history(name, "champion").events
    assert [(e.action, e.from_version, e.to_version) for e in events] == [
        ("register", None, "1"), ("promote", "1", "2"), ("rollback", "2", "1")]
    assert events[1].reason == "lower error" and events[0].user and events[2].at >= events[0].at
    table = registry.models(name)
    assert [r["version"] for r in table.rows] == ["v2", "v1"]
    assert table.rows[1]["aliases"] == "champion" and table.rows[1]["metrics.accuracy"] == 0.9
    assert table.rows[0]["run_id"] == run2 and len(table.history) == 3
    assert name in {r["name"] for r in registry.models().rows}


def test_bad_input_is_one_line_and_leaves_nothing(store, store_client, data):
    X, y = data
    name = _unique("bad")
    model, run_id = _trained(X, y, 1.0, {"accuracy": 0.9}, "bad")
    with pytest.raises(NotAModel, match="no predict"):
        registry.register("not a model", name)
    with pytest.raises(NotAModel, match="not fitted"):
        registry.register(LogisticRegression(), name)
    with pytest.raises(MlopsUsageError, match="malformed.*METRIC OP NUMBER"):
        registry.register(model, name, gates=["accuracy => 0.9"], run=run_id)
    with pytest.raises(MlopsUsageError, match="has no metric 'f1'; its metrics: accuracy"):
        registry.register(model, name, gates=["f1 > 0.5"], run=run_id)
    with pytest.raises(MlopsUsageError, match="'latest' is reserved"):
        registry.register(model, name, alias="latest", run=run_id)
    assert store_client.search_registered_models(f"name = '{name}'") == []
    with pytest.raises(NotFound, match=f"no registered model named '{name}'"):
        registry.load(f"{name}@v1")

    registry.register(model, name, run=run_id)
    with pytest.raises(NotFound, match="has no version v7; its versions: v1"):
        registry.promote(f"{name}@v7", "champion")
    with pytest.raises(NotFound, match="has no alias 'champion'; its aliases: none"):
        registry.load(f"{name}@champion")
    with pytest.raises(MlopsUsageError, match="'v2' is reserved"):
        registry.promote(f"{name}@v1", "v2")
    with pytest.raises(NotFound, match="nothing to roll back"):
        registry.rollback(name, "champion")
    assert registry.promote(f"{name}@latest", "champion", if_better="accuracy").decision.endswith("no previous holder")


def test_failure_after_the_version_exists_undoes_it(store, store_client, data, monkeypatch):
    X, y = data
    name = _unique("undo")
    model, run_id = _trained(X, y, 1.0, {"accuracy": 0.9}, "undo")

    def broken(*args, **kwargs):
        raise RuntimeError("store went away")

    monkeypatch.setattr("mlops_magics.core.registry.aliases.record_event", broken)
    with pytest.raises(RuntimeError, match="store went away"):
        registry.register(model, name, alias="champion", run=run_id)
    assert store_client.search_registered_models(f"name = '{name}'") == []
    monkeypatch.undo()
    registry.register(model, name, run=run_id)  # the first real version is v1
    assert [str(v.version) for v in store_client.search_model_versions(f"name = '{name}'")] == ["1"]


class Scorer:
    """Not a scikit-learn estimator, but it predicts."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def predict(self, X):
        return np.asarray(X)[:, 0] + self.offset


def test_pyfunc_object_round_trip_and_data_versions(store, store_client, data):
    from mlops_magics import data as datastore

    X, _ = data
    name = _unique("scorer")
    datastore.add(X, name="features")
    with track(run_name="uses-data", capture_env=False) as run:
        datastore.load("features@v1")
        run.log_metric("mae", 0.1)
        reg = registry.register(Scorer(2.0), name, gates="mae <= 0.2", input_example=X)
    assert reg.run_id == run.run_id and reg.flavor == "pyfunc"
    assert reg.data_versions == ["features@v1"]
    assert store_client.get_model_version(name, "1").tags["mlops.data_versions"] == "features@v1"
    loaded = registry.load(f"{name}@latest")
    assert isinstance(loaded, Scorer) and loaded.offset == 2.0
    np.testing.assert_allclose(loaded.predict(X.head(3)), X.tenure.head(3) + 2.0)


def test_no_run_makes_a_new_one_but_a_gate_needs_a_run(store, store_client, data):
    X, y = data
    name = _unique("norun")
    model = LogisticRegression().fit(X, y)
    with pytest.raises(MlopsUsageError, match="a gate needs the training run's metrics"):
        registry.register(model, name, gates=["accuracy > 0.5"])
    reg = registry.register(model, name)
    assert reg.new_run and not reg.has_signature
    assert store_client.get_run(reg.run_id).info.status == "FINISHED"


def test_lock_serialises_in_process(store):
    with audit.alias_lock("m"):
        pass  # re-entering after release works; cross-process racing is tested in test_registry_race
    with audit.alias_lock("m"):
        pass
