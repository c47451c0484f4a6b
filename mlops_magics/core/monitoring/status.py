"""What the side panel shows of monitoring: per model, the latest check's verdict and the last trigger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import records
from .results import TriggerOutcome

__all__ = ["MonitorStatus", "latest"]

MAX_MONITORS = 200  # monitors listed at most (one query each: the store never scans its whole history)


@dataclass
class MonitorStatus:
    """The newest check of one monitor (a model alias watched on one traffic dataset)."""

    model: str
    alias: str
    traffic: str
    version: str
    verdict: str
    at: float  # epoch seconds
    run_id: str
    drifted: list[str] = field(default_factory=list)
    last_trigger: TriggerOutcome | None = None
    share_drifted: float | None = None  # of the columns compared (None when the window was empty)
    window: str = ""  # the window's label, e.g. ``traffic@v3``

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("model", "alias", "traffic", "version", "verdict", "at", "run_id",
                                             "drifted", "share_drifted", "window")}
        out["last_trigger"] = self.last_trigger.to_dict() if self.last_trigger is not None else None
        return out


def latest(model: str | None = None, experiment: str = records.DEFAULT_EXPERIMENT,
           client: Any = None) -> list[MonitorStatus]:
    """Per monitor (of ``model``, or of every model), the newest check and the model's last retraining.

    ``client``: an ``MlflowClient`` on another store (the side panel's); it is only read, never written
    (no experiment is made). Without it, the session's store. The newest check of each monitor is found
    by asking for the newest check of a monitor not seen yet, so the cost grows with the number of
    monitors, not with the number of checks recorded (the panel asks every few seconds).
    """
    from ..backend.tags import KIND
    from .trigger import outcome_from_run

    if client is None:
        from ..backend import session

        session.ready()
        client = session.client()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    flt = f"tags.`{KIND}` = '{records.CHECK_KIND}'"
    if model is not None:
        flt += f" and tags.`{records.TAG_MODEL}` = '{model.replace(chr(39), '')}'"
    out: list[MonitorStatus] = []
    seen: list[str] = []
    triggers: dict[str, TriggerOutcome | None] = {}
    while len(seen) < MAX_MONITORS:  # the newest check of a monitor not seen yet: one small query per monitor
        others = "".join(f" and tags.`{records.TAG_KEY}` != '{key}'" for key in seen)
        runs = client.search_runs([found.experiment_id], filter_string=flt + others, max_results=1,
                                  order_by=["attributes.start_time DESC"])
        if not runs:
            break
        run = runs[0]
        tags = run.data.tags
        key = tags.get(records.TAG_KEY, "")
        if not key or key in seen:  # a check without its monitor's key: nothing more to tell apart
            break
        seen.append(key)
        name = tags.get(records.TAG_MODEL, "")
        if name not in triggers:
            last = records.last_trigger_in(client, [found.experiment_id], name)
            triggers[name] = outcome_from_run(last) if last is not None else None
        out.append(MonitorStatus(
            model=name, alias=tags.get(records.TAG_ALIAS, ""), traffic=tags.get(records.TAG_TRAFFIC, ""),
            version=tags.get(records.TAG_VERSION, ""), verdict=tags.get(records.TAG_VERDICT, ""),
            at=run.info.start_time / 1000, run_id=run.info.run_id,
            drifted=[c for c in tags.get(records.TAG_DRIFTED, "").split(",") if c], last_trigger=triggers[name],
            share_drifted=run.data.metrics.get("drift.share_drifted"), window=tags.get(records.TAG_WINDOW, "")))
    return out
