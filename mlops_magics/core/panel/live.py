"""What the Models tab shows of production: the project's model servers and its latest monitor checks.

Servers come from the served-process registry under the store (:mod:`..serving.served`), each asked for
its ``/mlops/status`` (:mod:`..serving.status`) in parallel with a short timeout, so one server that
hangs (stopped, swapping, overloaded) costs the panel about a second, never a stuck request. A server
that does not answer is ``not answering`` when it answered this probe before, when its process on this
machine is stopped (``kill -STOP``, a debugger) or when it never answered in its first minutes;
otherwise it is still ``starting`` (the entry is written before the model is loaded).

Monitoring is :func:`..monitoring.status.latest` read through the panel's own client: read only, no
experiment is made.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..backend.processes import process_state
from ..errors import first_line
from ..serving.served import ServedEntry, list_entries
from ..serving.status import describe, fetch_status

__all__ = ["NOT_ANSWERING", "ServingProbe", "monitor_statuses"]

STATUS_TIMEOUT = 1.0  # seconds a server has to answer /mlops/status
STARTUP_GRACE = 300.0  # a server that never answered is "starting" this long (a big model loads slowly)
MAX_PARALLEL = 16
NOT_ANSWERING = "not answering"


class ServingProbe:
    """Asks every live server of one project for its status; remembers which ones answered before."""

    def __init__(self, home: str | Path, timeout: float = STATUS_TIMEOUT) -> None:
        self.home = Path(home)
        self.timeout = timeout
        self._answered: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def served(self) -> list[dict[str, Any]]:
        """One JSON-ready card per live server (oldest first): ``ServedModel.to_dict()``."""
        entries = list_entries(self.home, prune=False)  # the panel only reads: the CLI prunes dead entries
        if not entries:
            return []
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(entries)),
                                thread_name_prefix="mlops-served") as pool:
            statuses = list(pool.map(lambda e: fetch_status(e.url, self.timeout), entries))
        now = time.time()
        cards = [self._card(e, s, now) for e, s in zip(entries, statuses)]
        with self._lock:  # forget servers that are gone
            self._answered &= {(e.url, e.pid) for e in entries}
        return cards

    def _card(self, entry: ServedEntry, status: dict[str, Any] | None, now: float) -> dict[str, Any]:
        card = describe(entry, status)
        key = (entry.url, entry.pid)
        with self._lock:
            if status is not None:
                self._answered.add(key)
            elif key in self._answered or now - entry.started > STARTUP_GRACE or _stopped(entry):
                card.state = NOT_ANSWERING
        return card.to_dict()


def _stopped(entry: ServedEntry) -> bool:
    """True when the entry's process runs on this machine and is stopped (``kill -STOP``, a debugger)."""
    return entry.hostname == socket.gethostname() and process_state(entry.pid) in ("T", "t")


def monitor_statuses(client: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The newest check of every monitor (with its model's last retraining), and an error text if the
    monitoring records could not be read (the registered models are still shown)."""
    from ..monitoring.status import latest

    try:
        return [m.to_dict() for m in latest(client=client)], None
    except Exception as exc:  # noqa: BLE001 - the Models tab shows the models and says what failed
        return [], f"could not read the monitoring checks: {first_line(exc)}"
