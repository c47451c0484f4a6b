"""The alias history lives in runs of the hidden experiment ``mlops-alias-history``, not as raw JSON tags
on the registered model; old tag events are still read; the per-model lock is ``filelock``'s, across real
processes. Once on the embedded store and once on a real mlflow server."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mlops_magics import registry, track
from mlops_magics.core.backend import session
from mlops_magics.core.errors import StoreError
from mlops_magics.core.registry import audit
from mlops_magics.core.tracking import queries
from mlops_magics.core.tracking.experiments import HIDDEN_TAG, KIND_TAG, ML_KIND


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _model_with_versions(name: str, n: int) -> None:
    X = np.arange(20.0).reshape(-1, 2)
    model = LogisticRegression().fit(X, (X[:, 0] > 9).astype(int))
    with track(run_name=f"train-{name}", capture_env=False) as run:
        run.log_metric("accuracy", 0.9)
    for _ in range(n):
        registry.register(model, name, run=run.run_id)


def _event_runs(client, name: str) -> list:
    exp = client.get_experiment_by_name(audit.EXPERIMENT)
    runs = client.search_runs([exp.experiment_id], filter_string=f"tags.`mlops.model` = '{name}'",
                              order_by=["attributes.start_time ASC"])
    return sorted(runs, key=lambda r: int(r.data.params["seq"]))


def test_moves_are_readable_runs_off_the_model_page(store, store_client):
    name = _unique("churn")
    _model_with_versions(name, 3)
    registry.promote(f"{name}@v1", "champion")
    registry.promote(f"{name}@v2", "champion", reason="retrained on May data")
    registry.rollback(name, "champion", reason="May data was bad")

    model_tags = store_client.get_registered_model(name).tags
    assert not [k for k in model_tags if k.startswith(audit.TAG_PREFIX)]  # no raw JSON event tags
    assert audit.EXPERIMENT in model_tags[audit.TAG_POINTER]
    assert not any(v.lstrip().startswith("{") for v in model_tags.values())

    exp = store_client.get_experiment_by_name(audit.EXPERIMENT)
    assert exp.tags[HIDDEN_TAG] == "true" and exp.tags[KIND_TAG] == ML_KIND
    assert "mlops history" in exp.tags["mlflow.note.content"]
    runs = _event_runs(store_client, name)
    assert [r.info.run_name for r in runs] == [f"{name}@champion: (none) -> v1", f"{name}@champion: v1 -> v2",
                                               f"{name}@champion: v2 -> v1"]
    assert all(r.info.status == "FINISHED" for r in runs)
    promote = runs[1].data
    assert promote.params == {"model": name, "alias": "champion", "action": "promote", "from_version": "1",
                              "to_version": "2", "host": promote.params["host"], "seq": "2",
                              "reason": "retrained on May data"}
    assert promote.tags["mlflow.note.content"] == "retrained on May data" and promote.tags["mlflow.user"]

    events = registry.history(name, "champion").events
    assert [(e.action, e.from_version, e.to_version, e.seq) for e in events] == [
        ("promote", None, "1", 1), ("promote", "1", "2", 2), ("rollback", "2", "1", 3)]
    assert events[2].reason == "May data was bad"

    # our run listings leave the bookkeeping out
    listed = queries.list_runs(all_experiments=True, max_results=1000)
    assert audit.EXPERIMENT not in {r["experiment"] for r in listed.rows}
    from mlops_magics.core.panel.queries import PanelStore

    panel = PanelStore(session.settings().project_root, session.settings())
    assert audit.EXPERIMENT not in panel.experiments().values()


def test_old_tag_events_are_still_read_and_continued(store, store_client):
    name = _unique("legacy")
    _model_with_versions(name, 3)
    client = session.client()
    # a store written by the previous release: alias moves as JSON registered-model tags
    client.set_registered_model_alias(name, "champion", "2")
    for seq, (before, after) in enumerate([(None, "1"), ("1", "2")], start=1):
        payload = {"alias": "champion", "action": "promote", "from_version": before, "to_version": after,
                   "user": "old", "at": time.time() - 100 + seq, "reason": f"old {seq}", "host": "h", "seq": seq}
        client.set_registered_model_tag(name, f"{audit.TAG_PREFIX}{seq}-abc", json.dumps(payload))
    client.set_registered_model_tag(name, f"{audit.TAG_PREFIX}broken", "{not json")

    registry.promote(f"{name}@v3", "champion", reason="new")
    events = registry.history(name, "champion").events
    assert [(e.seq, e.user, e.to_version) for e in events][:2] == [(1, "old", "1"), (2, "old", "2")]
    assert (events[2].seq, events[2].from_version, events[2].to_version, events[2].reason) == (3, "2", "3", "new")
    # rollback replays both kinds: v3 -> v2 -> v1
    assert registry.rollback(name, "champion").to_version == "2"
    assert registry.rollback(name, "champion").to_version == "1"
    assert [e.seq for e in registry.history(name).events] == [1, 2, 3, 4, 5]


def test_a_model_registered_again_starts_a_new_history(store, store_client):
    name = _unique("again")
    _model_with_versions(name, 1)
    registry.promote(f"{name}@v1", "champion")
    store_client.delete_registered_model(name)
    time.sleep(0.01)  # a new creation timestamp
    _model_with_versions(name, 1)
    assert registry.history(name).events == []
    registry.promote(f"{name}@v1", "champion", reason="fresh")
    (event,) = registry.history(name).events
    assert (event.seq, event.reason) == (1, "fresh")


def test_deleted_history_is_restored_and_deleted_events_still_count(store, store_client):
    name = _unique("keep")
    _model_with_versions(name, 2)
    registry.promote(f"{name}@v1", "champion")
    registry.promote(f"{name}@v2", "champion")
    first = _event_runs(store_client, name)[0]
    store_client.delete_run(first.info.run_id)  # someone tidies the experiment in the UI
    assert len(registry.history(name).events) == 2
    exp = store_client.get_experiment_by_name(audit.EXPERIMENT)
    store_client.delete_experiment(exp.experiment_id)
    assert len(registry.history(name).events) == 2  # reading does not need it active
    assert registry.rollback(name, "champion").to_version == "1"
    assert store_client.get_experiment(exp.experiment_id).lifecycle_stage == "active"
    assert [e.seq for e in registry.history(name).events] == [1, 2, 3]


HOLDER = textwrap.dedent("""
    import sys, time
    from mlops_magics.core.registry import audit
    with audit.alias_lock(sys.argv[1]):
        print("held", flush=True)
        sys.stdin.readline()  # hold it until the test says so
""")


def test_the_lock_spans_processes_and_times_out_with_one_line(mlops_home, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "m"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(audit, "LOCK_TIMEOUT_S", 0.3)
        with pytest.raises(StoreError, match="another process has held the registry lock of 'm'"):
            with audit.alias_lock("m"):
                pass
        with audit.alias_lock("other-model"):  # one lock a model
            pass
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0
    with audit.alias_lock("m"):  # free again once the other process let go
        pass
