"""Two real processes promoting on the same alias at once: the alias agrees with the last recorded event and
the history is complete (every move recorded, each event starting where the previous one ended)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import numpy as np
from sklearn.linear_model import LogisticRegression

from mlops_magics import registry, track

WORKER = textwrap.dedent("""
    import pathlib, sys, time
    from mlops_magics import registry
    from mlops_magics.core.backend import session
    name, barrier, versions = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3].split(",")
    session.ready()
    (barrier / sys.argv[4]).touch()  # then wait for the other worker: both start promoting together
    deadline = time.time() + 120
    while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
        time.sleep(0.005)
    moved = 0
    for v in versions:
        moved += registry.promote(f"{name}@v{v}", "champion", reason=f"worker {sys.argv[4]}").moved
    print(moved)
""")


def test_racing_promotions_leave_a_consistent_alias_and_complete_history(store, store_client, tmp_path):
    name = f"race-{uuid.uuid4().hex[:8]}"
    X = np.arange(20.0).reshape(-1, 2)
    model = LogisticRegression().fit(X, (X[:, 0] > 9).astype(int))
    with track(run_name="race", capture_env=False) as run:
        run.log_metric("accuracy", 0.9)
    for _ in range(3):
        registry.register(model, name, run=run.run_id)

    barrier = tmp_path / "barrier"
    barrier.mkdir()
    plans = ["1,2,3,1,2", "3,2,1,3,2"]
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, name, str(barrier), plan, str(i)], env=dict(os.environ),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i, plan in enumerate(plans)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    moved = sum(int(out.strip().splitlines()[-1]) for out, _ in outputs)

    events = registry.history(name, "champion").events
    assert len(events) == moved > 0
    assert [e.seq for e in events] == list(range(1, moved + 1))
    assert events[0].from_version is None
    for before, after in zip(events, events[1:]):
        assert after.from_version == before.to_version
    holder = store_client.get_model_version_by_alias(name, "champion").version
    assert str(holder) == events[-1].to_version
    assert {e.reason for e in events} == {"worker 0", "worker 1"}
