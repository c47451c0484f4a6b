"""A project that serves and monitors a model, for the side panel's tests (tests/server, tests/ui).

``churn@champion`` is registered with its training features as the drift reference (as the monitoring
tests do, :mod:`traffic_factory`); drifted traffic is captured and checked by a real monitor check (drift,
recorded in the monitoring experiment), optionally with a real one-step retraining pipeline that registers
a candidate and leaves the champion where it is; then our model server (started as the serving tests start
it, :mod:`serving_procs`) answers drifted requests until it has computed its own drift verdict.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

TESTS = Path(__file__).resolve().parent
for _folder in (TESTS / "serving", TESTS / "monitoring"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from serving_procs import PYTHON, Proc, Project, split_body, start_ours, wait_for  # noqa: E402

__all__ = ["MODEL", "build", "serve_drifted"]

MODEL = "churn"

BUILD = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from traffic_factory import FEATURES, capture, customers, serve_champion
    from mlops_magics.core.monitoring import check, monitor_spec

    root = Path.cwd()
    model = serve_champion()
    capture(root / "capture", "traffic", model, customers(1500, 2, shift=1.5), 0)
    result = check(monitor_spec("churn@champion", "traffic", window=1500, retrain=sys.argv[2] or None))
    assert result.verdict == "drift", repr(result)
    customers(400, 3, shift=1.5)[FEATURES].to_parquet(root / "drifted.parquet")
''')

RETRAIN_CELL = textwrap.dedent('''
    import pandas as pd
    from sklearn.dummy import DummyClassifier
    from mlops_magics import registry
    X = pd.DataFrame({"tenure": [1.0, 30.0], "charges": [50.0, 90.0], "plan": ["basic", "pro"]})
    registry.register(DummyClassifier().fit(X, [0, 1]), "churn", alias="challenger")
''')


def _retraining_pipeline(root: Path) -> str:
    """One step that registers a candidate (``churn@challenger``) and promotes nothing."""
    from notebook_factory import write_nb

    folder = root / "retrain"
    folder.mkdir(parents=True, exist_ok=True)
    write_nb(folder / "train.ipynb", None, "%load_ext mlops_magics", RETRAIN_CELL)
    (folder / "pipeline.yaml").write_text("name: retrain\nexperiment: retrain\n"
                                          "steps:\n  train: {notebook: train.ipynb}\n")
    return str(folder / "pipeline.yaml")


def build(root: Path, retrain: bool = False) -> Project:
    """The project (in a subprocess: its own session and store under ``root/.mlops``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'served'\n")
    project = Project(root)
    pipeline = _retraining_pipeline(root) if retrain else ""
    proc = subprocess.run([PYTHON, "-c", BUILD, str(TESTS / "monitoring"), pipeline], cwd=root,
                          env=project.env(PYTHONPATH=str(TESTS)), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"could not build the served project:\n{proc.stderr[-4000:]}")
    return project


def serve_drifted(project: Project, requests: int = 4) -> Proc:
    """Our model server for churn@champion, after ``requests`` requests of drifted rows and its drift computed."""
    import pandas as pd

    server = start_ours(project, "churn@champion", "--drift-every", "100", "--drift-window", "400",
                        "--drift-seconds", "1")
    try:
        rows = pd.read_parquet(project.root / "drifted.parquet")
        size = len(rows) // requests
        with httpx.Client(timeout=30) as client:
            for i in range(requests):
                r = client.post(f"{server.url}/invocations", json=split_body(rows.iloc[i * size:(i + 1) * size]))
                assert r.status_code == 200, r.text
        wait_for(lambda: httpx.get(f"{server.url}/mlops/status", timeout=5).json()["totals"].get("dataset_drift")
                 is not None, "the server to compute its drift", timeout=120)
    except BaseException:
        server.stop()
        raise
    return server
