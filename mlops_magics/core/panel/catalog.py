"""The panel's Models, Data and Pipelines tabs (mixed into :class:`~.panel_queries.PanelStore`)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from ..backend import tags
from ..errors import NotFound, first_line
from .live import monitor_statuses

__all__ = ["CatalogQueries"]


def _quote(value: str) -> str:
    """A value inside a single-quoted MLflow filter string."""
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


class CatalogQueries:
    """Registered models, datasets and pipeline executions of the panel's project."""

    def models(self, max_results: int = 100) -> dict[str, Any]:
        """Registered models with their aliases and newest versions, what serves them and how it is doing.

        Each model has ``served`` (its live servers, see :class:`.live.ServingProbe`) and ``monitors``
        (the newest check of each monitor watching it, with the model's last retraining). Servers of a
        model that is not registered here (a model folder) are in ``served_other``. The servers are asked
        while the store is read, so a server that does not answer costs its timeout once. A failed read of
        the monitoring records or of the servers is a one-line ``monitoring_error`` / ``serving_error``.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlops-probe") as side:
            asked = side.submit(self.serving.served)
            out, monitors, monitoring_error = self._registered_models(max_results)
            try:
                served, serving_error = asked.result(), None
            except Exception as exc:  # noqa: BLE001 - the Models tab shows the models and says what failed
                served, serving_error = [], f"could not list the model servers: {first_line(exc)}"
        names = {m["name"] for m in out}
        for model in out:
            model["served"] = [s for s in served if s["model"] == model["name"]]
            model["monitors"] = [m for m in monitors if m["model"] == model["name"]]
        return {"models": out, "store_exists": self.store_exists, "ui_url": self.ui_url(),
                "served_other": [s for s in served if s["model"] not in names],
                "monitoring_error": monitoring_error, "serving_error": serving_error,
                "server_time": int(time.time() * 1000)}

    def _registered_models(self, max_results: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
        if not self.store_exists:
            return [], [], None
        client = self.client()
        out = []
        for model in client.search_registered_models(max_results=max(1, min(int(max_results), 500))):
            aliases = {str(k): str(v) for k, v in (getattr(model, "aliases", {}) or {}).items()}
            by_version: dict[str, list[str]] = {}
            for alias, version in aliases.items():
                by_version.setdefault(str(version), []).append(alias)
            versions = client.search_model_versions(f"name = '{_quote(model.name)}'", max_results=50,
                                                    order_by=["version_number DESC"])
            out.append({
                "name": model.name,
                "description": model.description or "",
                "aliases": aliases,
                "tags": dict(model.tags or {}),
                "last_updated": model.last_updated_timestamp,
                "versions": [{
                    "version": str(v.version),
                    "run_id": v.run_id,
                    "status": v.status,
                    "source": v.source,
                    "created": v.creation_timestamp,
                    "aliases": sorted(by_version.get(str(v.version), [])),
                    "tags": dict(v.tags or {}),
                } for v in versions],
            })
        monitors, error = monitor_statuses(client) if out else ([], None)
        return out, monitors, error

    # -- data ------------------------------------------------------------------------------------
    def datasets(self) -> dict[str, Any]:
        """Datasets with their versions."""
        from ..datastore import api as data

        try:
            listing = data.list_datasets(home=self.settings.home)
        except NotFound:
            return {"datasets": []}
        out = []
        for name, latest, count in listing.items:
            try:
                versions = data.log(name, home=self.settings.home).versions
            except Exception:  # noqa: BLE001 - show the dataset even if its history is unreadable
                versions = [latest]
            out.append({
                "name": name,
                "count": count,
                "latest": _version_json(latest),
                "versions": [_version_json(v) for v in sorted(versions, key=lambda v: -v.version)][:50],
            })
        return {"datasets": out}

    # -- pipelines -------------------------------------------------------------------------------
    def pipelines(self, max_results: int = 20) -> dict[str, Any]:
        """Pipeline executions (parent runs) with the state of each step (child runs)."""
        from ..pipeline import step_runs

        if not self.store_exists:
            return {"pipelines": []}
        ids = list(self.experiments())
        if not ids:
            return {"pipelines": []}
        client = self.client()
        parents = client.search_runs(ids, filter_string=f"tags.`{tags.KIND}` = '{step_runs.KIND_PIPELINE}'",
                                     order_by=["attributes.start_time DESC"],
                                     max_results=max(1, min(int(max_results), 100)))
        out = []
        for parent in parents:
            steps = client.search_runs([parent.info.experiment_id],
                                       filter_string=f"tags.`{tags.PARENT}` = '{parent.info.run_id}'",
                                       order_by=["attributes.start_time ASC"], max_results=200)
            item = asdict(self._summary(parent, None))
            item["pipeline"] = parent.data.tags.get(step_runs.TAG_PIPELINE, parent.info.run_name)
            item["file"] = self._display_notebook(parent.data.tags.get(step_runs.TAG_FILE))
            item["steps"] = [{
                "name": s.data.tags.get(step_runs.TAG_STEP, s.info.run_name),
                "run_id": s.info.run_id,
                "status": s.info.status,
                "state": _STEP_STATE.get(s.info.status, s.info.status.lower()),
                "start_time": s.info.start_time,
                "end_time": s.info.end_time,
                "reason": s.data.tags.get(step_runs.TAG_REASON),
                "error": s.data.tags.get(step_runs.TAG_ERROR),
                "notebook": self._display_notebook(s.data.tags.get(tags.NOTEBOOK)),
            } for s in steps]
            out.append(item)
        return {"pipelines": out, "server_time": int(time.time() * 1000)}


_STEP_STATE = {"RUNNING": "running", "FINISHED": "succeeded", "FAILED": "failed", "KILLED": "cancelled",
               "SCHEDULED": "pending"}


def _version_json(v: Any) -> dict[str, Any]:
    keep = ("version", "hash", "kind", "size", "created", "message", "path", "rows", "columns", "files",
            "format", "produced_by")
    out = {k: getattr(v, k, None) for k in keep}
    out["used_by"] = list(getattr(v, "used_by", []) or [])[:20]
    return out
