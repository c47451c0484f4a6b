"""Run tracking: runs with batched logging, cell / notebook / script runs, capture of params and metrics,
autolog, the code log, stale-state lineage, provenance, the reaper of dead runs, queries and results.

Importing the package registers tracking's part of the store warm-up with the backend session: end runs
left RUNNING by dead kernels, read the package list once; and, on a session reset, end this process's runs.
"""

from __future__ import annotations

from typing import Any

from ..backend import session
from ..backend.settings import Settings


def _reap(conf: Settings, client: Any) -> None:
    from .reaper import reap_at_start

    reap_at_start(client, conf)


def _read_environment(conf: Settings, client: Any) -> None:
    from .provenance import environment_text

    environment_text()  # cached: the first tracked cell does not pay for reading ~200 package files


def _end_runs() -> None:
    from .runs import end_all_runs

    end_all_runs(status="KILLED")


session.add_warmup_task("check for runs left by dead kernels", _reap)
session.add_warmup_task("read the installed packages", _read_environment)
session.add_reset_hook(_end_runs)
