"""Run tracking: runs with batched logging, cell / notebook / script runs, capture of params and metrics,
autolog, the code log, stale-state lineage, provenance, the reaper of dead runs, queries and results.

Importing the package registers tracking's part of the store warm-up with the backend session: store what
dead processes' writer spools still owe and end runs left RUNNING by dead kernels, read the package list
and MLflow's run context once; on a session reset, end this process's runs and stop its writer; and, before
every read of runs through ``session.client()``, wait for the background writer (:mod:`.writer`).
"""

from __future__ import annotations

from typing import Any

from ..backend import session
from ..backend.settings import Settings


def _replay(conf: Settings, client: Any) -> None:
    from .reaper import replay_at_start

    replay_at_start(client, conf)


def _reap(conf: Settings, client: Any) -> None:
    from .reaper import reap_at_start

    reap_at_start(client, conf)


def _read_environment(conf: Settings, client: Any) -> None:
    from .provenance import environment_text

    environment_text()  # cached: the first tracked cell does not pay for reading ~200 package files


def _resolve_context(conf: Settings, client: Any) -> None:
    from .mlflow_active import context_tags

    context_tags()  # cached: the first tracked cell does not pay for MLflow's context providers (git, ...)


def _end_runs() -> None:
    from . import writer
    from .runs import end_all_runs

    try:
        end_all_runs(status="KILLED")
    finally:
        writer.close()


def _wait_for_writer() -> None:
    from . import writer

    writer.drain()


session.add_warmup_task("replay what killed processes left", _replay)
session.add_warmup_task("check for runs left by dead kernels", _reap)
session.add_warmup_task("read the installed packages", _read_environment)
session.add_warmup_task("resolve MLflow's run context", _resolve_context)
session.add_reset_hook(_end_runs)
session.add_read_barrier(_wait_for_writer)
