"""Tables of the registry: every registered model, or one model's versions; and the alias history."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..backend import session
from ..errors import MlopsUsageError
from .audit import history as _history
from .gates import parse_gate
from .promote import version_facts
from .refs import all_versions, check_model_name, get_registered_model
from .register import TAG_GATES, TAG_USER
from .results import AliasHistory, ModelTable, VersionTable

__all__ = ["history", "models"]

MAX_VERSIONS = 100
MAX_METRIC_COLUMNS = 6
RECENT_EVENTS = 10


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S") if ms else ""


def _aliases_text(aliases: dict[str, Any]) -> str:
    return ", ".join(f"{a}=v{v}" for a, v in sorted(aliases.items()))


def _model_rows(client: Any) -> list[dict[str, Any]]:
    rows = []
    for rm in sorted(client.search_registered_models(max_results=1000), key=lambda m: m.name):
        latest = max((int(v.version) for v in (rm.latest_versions or [])), default=None)
        rows.append({
            "name": rm.name,
            "latest": f"v{latest}" if latest else "",
            "aliases": _aliases_text(dict(rm.aliases or {})),
            "updated": _when(rm.last_updated_timestamp),
            "description": rm.description or "",
        })
    return rows


def _gate_metrics(tag: str) -> list[str]:
    """Metric names of a version's gate tag (``accuracy >= 0.85 (0.91); ...``)."""
    out = []
    for part in (tag or "").split(";"):
        text = re.sub(r"\s*\([^()]*\)\s*$", "", part.strip())
        try:
            out.append(parse_gate(text).metric)
        except MlopsUsageError:
            continue
    return out


def _version_rows(client: Any, name: str) -> list[dict[str, Any]]:
    model = get_registered_model(client, name)
    by_version: dict[str, list[str]] = {}
    for alias, version in (model.aliases or {}).items():
        by_version.setdefault(str(version), []).append(alias)
    versions = all_versions(client, name)[:MAX_VERSIONS]
    facts = {str(v.version): version_facts(client, v) for v in versions}
    keys = [k for v in versions for k in _gate_metrics((v.tags or {}).get(TAG_GATES, ""))]
    keys += sorted({k for f in facts.values() for k in f.metrics})
    keys = list(dict.fromkeys(keys))[:MAX_METRIC_COLUMNS]
    rows = []
    for v in versions:
        fact = facts[str(v.version)]
        row: dict[str, Any] = {
            "version": f"v{v.version}",
            "aliases": ", ".join(sorted(by_version.get(str(v.version), []))),
        }
        row.update({f"metrics.{k}": fact.metrics.get(k) for k in keys})
        row.update({
            "run_id": v.run_id or "",
            "data": ", ".join(fact.data_versions),
            "created": _when(v.creation_timestamp),
            "by": (v.tags or {}).get(TAG_USER, ""),
        })
        rows.append(row)
    return rows


def models(name: str | None = None) -> ModelTable | VersionTable:
    """Every registered model, or ``name``'s versions with aliases, key metrics, run, data and time."""
    session.ready()
    client = session.client()
    if name is None:
        return ModelTable(_model_rows(client))
    name = check_model_name(name)
    rows = _version_rows(client, name)
    return VersionTable(name, rows, _history(client, name)[-RECENT_EVENTS:])


def history(name: str, alias: str | None = None) -> AliasHistory:
    """Every recorded move of ``name``'s aliases (or of one alias), oldest first."""
    name = check_model_name(name)
    session.ready()
    return AliasHistory(name, alias, _history(session.client(), name, alias))
