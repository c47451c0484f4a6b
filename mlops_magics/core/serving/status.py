"""What this project serves: the served-process registry joined with each server's ``/mlops/status``.

:func:`served_models` is what ``%mlops serve --status``, ``mlops serve --status`` and the side panel's
Models tab read: URL, model, alias, version, requests so far and the drift verdict of every live server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .results import ServedModel, ServedTable
from .served import ServedEntry, list_entries

__all__ = ["answers_ping", "describe", "fetch_status", "served_models"]


def fetch_status(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """A server's own status (JSON), or None when it does not answer (yet)."""
    try:
        with urllib.request.urlopen(f"{url}/mlops/status", timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return None


def describe(entry: ServedEntry, status: dict[str, Any] | None) -> ServedModel:
    """A card from a registry entry and (when it answered) the server's status."""
    card = ServedModel(url=entry.url, pid=entry.pid, source=entry.source, model=entry.model, alias=entry.alias,
                       started=entry.started, workers=entry.workers, capture=entry.capture, shadow=entry.shadow,
                       canary=entry.canary, log=entry.log, owner_pid=entry.owner_pid,
                       state="serving" if status else "starting")
    if not status:
        return card
    totals = status.get("totals") or {}
    roles = status.get("roles") or {}
    card.version = status.get("version")
    card.requests = int(totals.get("requests", 0))
    card.errors = int(totals.get("errors", 0))
    card.rows = int(totals.get("rows", 0))
    card.dataset_drift = totals.get("dataset_drift")
    card.drifted = list(totals.get("drifted") or [])
    card.features = int(totals.get("features", 0))
    card.has_reference = bool(status.get("has_reference"))
    card.capture_rows = int(totals.get("capture_rows", 0))
    card.canary_share = float(status.get("canary_share") or 0.0)
    if "shadow" in roles:
        card.shadow_version = roles["shadow"].get("version")
        if totals.get("shadow_rows"):
            card.shadow_agreement = totals.get("shadow_agreement_rows", 0) / totals["shadow_rows"]
    if "canary" in roles:
        card.canary_version = roles["canary"].get("version")
    errors = [f"{name}: {r['load_error']}" for name, r in roles.items() if r.get("load_error")]
    card.load_error = "; ".join(errors) or None
    return card


def served_models(home: Path | None = None, timeout: float = 2.0) -> ServedTable:
    """Every live server of this project (entries of dead processes are pruned on the way)."""
    if home is None:
        from ..datastore.repo import current_settings

        home = current_settings().home
    items = []
    for entry in list_entries(Path(home)):
        status = fetch_status(entry.url, timeout)
        card = describe(entry, status)
        if status is None and answers_ping(entry.url, timeout) is False and _older_than(entry, 300):
            card.state = "not answering"
        items.append(card)
    return ServedTable(items)


def answers_ping(url: str, timeout: float) -> bool:
    """True when the server answers MLflow's health check."""
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=timeout) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _older_than(entry: ServedEntry, seconds: float) -> bool:
    import time

    return time.time() - entry.started > seconds
