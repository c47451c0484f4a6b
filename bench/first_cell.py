"""The first tracked cell in a brand-new project vs MLflow's own first ``start_run`` on a new SQLite store.

Each repetition is a fresh interpreter in a fresh, empty project (``MLOPS_HOME`` does not exist yet).

* ours: an ``InteractiveShell`` exists (the kernel is up); timed from ``%load_ext mlops_magics``
  through the end of the first ``%%mlops track`` cell (``a = 1``), which waits for the background
  warm-up (MLflow import, store creation, dead-run reaping) as a real first cell would;
* MLflow: timed from before ``import mlflow`` through
  ``mlflow.set_tracking_uri('sqlite:///new.db'); with mlflow.start_run(): mlflow.log_param('a', 1)``
  (its first ``start_run`` creates the store by running the Alembic migrations).

Cases: warm (our migrated-store template already in ``MLOPS_CACHE_DIR``: the normal case after the
first project on a machine), cold (``MLOPS_CACHE_DIR`` empty: the first project ever), and "the user
types for 2 s": ``%load_ext``, a 2 s pause, then only the cell is timed; MLflow's counterpart is a
user who ran ``import mlflow; mlflow.set_tracking_uri(...)`` in an earlier cell, paused 2 s, and
times only the ``start_run`` cell.

The issue names no number for this comparison; the targets below are ours (see bench/README.md).

Run: ``python bench/first_cell.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Row, clean_env, finish, make_project, parse_args, print_table, run_python, tmpdir  # noqa: E402

TYPING_PAUSE_S = 2.0
# The issue names no number here; these are ours (rationale in bench/README.md). MLflow's first run is
# about 55% `import mlflow` and 45% opening + migrating the new store; ours must save the migrations
# (warm), not be much worse when it has to build the template itself (cold), and cost no more than an
# ordinary tracked cell once the user has had 2 s to type (typed).
TARGETS = {"warm": 0.8, "cold": 1.2, "typed": 0.1}

OURS = r"""
import contextlib, io, os, time
from traitlets.config import Config
from IPython.core.interactiveshell import InteractiveShell
config = Config()
config.HistoryManager.enabled = False
ip = InteractiveShell.instance(config=config)
pause = float(os.environ["BENCH_PAUSE"])
t0 = time.perf_counter()
ip.run_line_magic("load_ext", "mlops_magics")
if pause:
    time.sleep(pause)  # the user types the next cell
t1 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    result = ip.run_cell("%%mlops track\na = 1\n")
t2 = time.perf_counter()
if not result.success:
    raise SystemExit(f"first cell failed: {result.error_before_exec or result.error_in_exec!r}")
from mlops_magics.core.backend import session
runs = session.client().search_runs(["0"])
assert len(runs) == 1 and runs[0].data.params == {"a": "1"}, runs
print(t2 - (t1 if pause else t0), flush=True)
os._exit(0)
"""

THEIRS = r"""
import os, time
pause = float(os.environ["BENCH_PAUSE"])
t0 = time.perf_counter()
import mlflow
mlflow.set_tracking_uri("sqlite:///new.db")
if pause:
    time.sleep(pause)  # the user types the next cell
t1 = time.perf_counter()
with mlflow.start_run():
    mlflow.log_param("a", 1)
t2 = time.perf_counter()
print(t2 - (t1 if pause else t0), flush=True)
os._exit(0)
"""


def one(code: str, root: Path, name: str, cache: Path, pause: float = 0.0) -> float:
    project = make_project(root, name)
    env = clean_env(MLOPS_HOME=str(project / ".mlops"), MLOPS_CACHE_DIR=str(cache),
                    IPYTHONDIR=str(root / "ipython"), BENCH_PAUSE=str(pause))
    return run_python(code, project, env)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    rounds = 2 if args.quick else 6
    started = time.perf_counter()
    with tmpdir("first-cell") as tmp:
        root = Path(tmp)
        warm_cache = root / "warm-cache"
        one(OURS, root, "prime", warm_cache)  # builds the template once, untimed: now it is warm
        one(THEIRS, root, "prime-mlflow", root / "unused")  # warms the OS file cache for MLflow too
        warm, cold, theirs, typed, theirs_typed = [], [], [], [], []
        # round-robin, so a burst of load on the shared machine hits every variant alike
        for i in range(rounds):
            warm.append(one(OURS, root, f"warm-{i}", warm_cache))
            theirs.append(one(THEIRS, root, f"mlflow-{i}", root / "unused"))
            cold.append(one(OURS, root, f"cold-{i}", root / f"cold-cache-{i}"))
            typed.append(one(OURS, root, f"typed-{i}", warm_cache, TYPING_PAUSE_S))
            theirs_typed.append(one(THEIRS, root, f"mlflow-typed-{i}", root / "unused", TYPING_PAUSE_S))
    rows = [
        Row("warm template: %load_ext .. end of 1st cell", warm, theirs, f"ratio <= {TARGETS['warm']}", None),
        Row("cold cache: %load_ext .. end of 1st cell", cold, theirs, f"ratio <= {TARGETS['cold']}", None),
        Row("user types 2 s: the 1st cell alone", typed, theirs_typed, f"ratio <= {TARGETS['typed']}", None,
            note="MLflow side: import + set_tracking_uri, 2 s pause, then only the start_run cell is timed"),
    ]
    for row, key in zip(rows, ("warm", "cold", "typed")):
        row.passed = row.ratio <= TARGETS[key]
    print_table("First tracked cell in a new project vs MLflow's first start_run on a new SQLite store",
                "mlflow first run", rows)
    finish(started, rows)


if __name__ == "__main__":
    main()
