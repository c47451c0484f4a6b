"""The audit trail of alias moves: one finished run per move, in an experiment of its own.

Where the trail lives, and why there:

* registered-model tags (how it was kept until now): the model's page in MLflow's UI listed every
  move as a raw JSON tag (``mlops.alias_event.<id>`` = ``{"action": ...}``), one more per move;
* model-version tags: still raw JSON, and the moves of a version vanish when the version is deleted;
* a JSON-lines file in the store under a file lock: a lock spans one machine only, and an artifact
  cannot be appended to, so two machines sharing a tracking server would overwrite each other's moves;
* **a run per move in the experiment** ``mlops-alias-history`` (this module): recording a move inserts
  a new run (a fresh id), so racing writers, on one machine or on many sharing a server, never
  overwrite each other; it works wherever runs work (the embedded store, a remote ``mlflow server``);
  it outlives deleted versions; and MLflow's UI shows it readably, out of the model's page: a table
  of moves named ``churn@champion: v2 -> v3``, with who (``mlflow.user``) and when (the run's start),
  the fields as params (``model``, ``alias``, ``action``, ``from_version``, ``to_version``, ``host``,
  ``seq``, ``reason``; MLflow refuses to change a logged param, which suits an audit trail), the
  reason as the run's description, and the tag ``mlops.model`` to find a model's moves. The registered
  model keeps one plain tag, ``mlops.alias_history``, saying where its moves are. The experiment is
  tagged ``mlops.hidden`` so our run listings leave it out; if someone deletes it in the UI, the next
  move restores it (the trail is never dropped).

A model deleted and registered again under the same name starts a new history: each move records the
registered model's creation time (tag ``mlops.model_created``) and only the moves of the current
model are read. Events recorded the old way (registered-model tags) are still read and merged in, so
existing stores keep their history. Soft-deleted event runs still count.

Order: a per-model sequence number (the highest so far plus one), then time. Moves made on one machine
are serialised by a file lock (``filelock``) under MLOPS_HOME: read the holder, set the alias, record
the move, so the alias always agrees with the last event. Writers on different machines against one
server are not serialised (no lock spans machines): all their events are kept, ordered by time.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from ..backend import session
from ..errors import StoreError

__all__ = ["AliasEvent", "EXPERIMENT", "TAG_PREFIX", "alias_lock", "current_holder", "history", "os_user",
           "record_event"]

EXPERIMENT = "mlops-alias-history"
EXPERIMENT_NOTE = ("Every move of a registered model's aliases (register, promote, rollback), one run a move, "
                   "written by mlops_magics. Read it with `mlops history MODEL`. Keep this experiment: "
                   "rollbacks replay it.")
TAG_PREFIX = "mlops.alias_event."  # the old registered-model tags (still read)
TAG_MODEL = "mlops.model"  # on event runs: the registered model moved
TAG_MODEL_CREATED = "mlops.model_created"
TAG_POINTER = "mlops.alias_history"
LOCK_TIMEOUT_S = 120.0
MAX_REASON = 2000
PAGE = 1000


@dataclass(frozen=True)
class AliasEvent:
    """One alias move."""

    model: str
    alias: str
    action: str  # register | promote | rollback | retrain (an audit entry, moves nothing)
    from_version: str | None
    to_version: str | None
    user: str
    at: float  # epoch seconds
    reason: str = ""
    host: str = ""
    seq: int = 0

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.at))

    @property
    def move(self) -> str:
        """``v2 -> v3``, ``(none) -> v1`` for a first holder; an entry that moved nothing itself (a
        retraining's audit entry: the promotion has its own) names the holder after it: ``holds v3``."""
        if self.action == "retrain" and not self.from_version:
            return f"holds v{self.to_version}" if self.to_version else "no holder"
        source = f"v{self.from_version}" if self.from_version else "(none)"
        return f"{source} -> v{self.to_version}"

    @property
    def title(self) -> str:
        """``churn@champion: v2 -> v3`` (the event run's name)."""
        return f"{self.model}@{self.alias}: {self.move}"

    def __str__(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        return f"{self.when} {self.user} {self.action} {self.model}@{self.alias} {self.move}{why}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


@contextmanager
def alias_lock(model: str) -> Iterator[None]:
    """An exclusive lock on one registered model of this store, across processes of this machine."""
    from filelock import FileLock, Timeout

    conf = session.settings()
    digest = hashlib.sha1(f"{conf.tracking_uri}\0{model}".encode()).hexdigest()[:16]
    path = conf.home / "locks" / f"registry-{digest}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=LOCK_TIMEOUT_S, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(f"another process has held the registry lock of '{model}' for {LOCK_TIMEOUT_S:.0f} s "
                         f"({path}); retry when it is done") from None
    try:
        yield
    finally:
        lock.release()


def current_holder(client: Any, model: str, alias: str) -> str | None:
    """The version number holding ``model@alias``, or None."""
    from .refs import get_registered_model

    aliases = dict(getattr(get_registered_model(client, model), "aliases", {}) or {})
    value = aliases.get(alias)
    return str(value) if value is not None else None


def _quote(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _tag_events(model: str, model_tags: dict[str, str]) -> list[AliasEvent]:
    """Events recorded the old way, as registered-model tags."""
    events = []
    for key, value in model_tags.items():
        if not key.startswith(TAG_PREFIX):
            continue
        try:
            data = json.loads(value)
            events.append(AliasEvent(model=model, **{k: data.get(k) for k in (
                "alias", "action", "from_version", "to_version", "user", "at")},
                reason=data.get("reason") or "", host=data.get("host") or "", seq=int(data.get("seq") or 0)))
        except (ValueError, TypeError):
            continue  # a tag someone edited by hand: skip it, keep the rest
    return events


def _run_event(model: str, run: Any) -> AliasEvent | None:
    """The event an event run records (None for a run left half-written)."""
    params, tags = run.data.params, run.data.tags
    if not params.get("action") or not params.get("alias") or not params.get("to_version"):
        return None
    try:
        seq = int(params.get("seq") or 0)
    except ValueError:
        seq = 0
    return AliasEvent(model=model, alias=params["alias"], action=params["action"],
                      from_version=params.get("from_version") or None, to_version=params["to_version"],
                      user=tags.get("mlflow.user") or "", at=run.info.start_time / 1000,
                      reason=params.get("reason") or "", host=params.get("host") or "", seq=seq)


def _experiment_id(client: Any, create: bool) -> str | None:
    """The history experiment's id (created, or restored when deleted, if ``create``); None if absent."""
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        if create and found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return found.experiment_id
    if not create:
        return None
    from ..tracking.experiments import experiment_id_for

    return experiment_id_for(EXPERIMENT, hidden=True, description=EXPERIMENT_NOTE)


def _run_events(client: Any, model: str, created: Any) -> list[AliasEvent]:
    """Events recorded as runs of the history experiment, for the current registered model ``model``."""
    from mlflow.entities import ViewType

    experiment_id = _experiment_id(client, create=False)
    if experiment_id is None:
        return []
    events, token = [], None
    while True:
        page = client.search_runs([experiment_id], filter_string=f"tags.`{TAG_MODEL}` = '{_quote(model)}'",
                                  run_view_type=ViewType.ALL, max_results=PAGE, page_token=token)
        for run in page:
            stamp = run.data.tags.get(TAG_MODEL_CREATED)
            if created is not None and stamp is not None and stamp != str(created):
                continue  # a move of an earlier model of the same name, deleted since
            event = _run_event(model, run)
            if event is not None:
                events.append(event)
        token = page.token
        if not token:
            return events


def _history_of(client: Any, model: str, registered: Any) -> list[AliasEvent]:
    events = _tag_events(model, dict(registered.tags or {}))
    events += _run_events(client, model, getattr(registered, "creation_timestamp", None))
    return sorted(events, key=lambda e: (e.seq, e.at))


def history(client: Any, model: str, alias: str | None = None) -> list[AliasEvent]:
    """Every recorded move of ``model``'s aliases (or of one alias), oldest first."""
    from .refs import get_registered_model

    events = _history_of(client, model, get_registered_model(client, model))
    return [e for e in events if alias is None or e.alias == alias]


def record_event(client: Any, model: str, alias: str, action: str, from_version: str | None,
                 to_version: str | None, reason: str | None = None) -> AliasEvent:
    """Append one event (call it under :func:`alias_lock`, right after moving the alias)."""
    from mlflow.entities import Param

    from .refs import get_registered_model

    registered = get_registered_model(client, model)
    previous = _history_of(client, model, registered)
    event = AliasEvent(
        model=model, alias=alias, action=action,
        from_version=str(from_version) if from_version is not None else None,
        to_version=str(to_version) if to_version is not None else None,
        user=os_user(), at=time.time(), reason=(reason or "")[:MAX_REASON], host=socket.gethostname(),
        seq=max((e.seq for e in previous), default=0) + 1,
    )
    experiment_id = _experiment_id(client, create=True)
    tags = {TAG_MODEL: model, "mlflow.user": event.user}
    if getattr(registered, "creation_timestamp", None) is not None:
        tags[TAG_MODEL_CREATED] = str(registered.creation_timestamp)
    if event.reason:
        tags["mlflow.note.content"] = event.reason
    stamp = int(event.at * 1000)
    run = client.create_run(experiment_id, start_time=stamp, tags=tags, run_name=event.title)
    run_id = run.info.run_id
    fields = {"model": model, "alias": alias, "action": action, "from_version": event.from_version,
              "to_version": event.to_version, "host": event.host, "seq": str(event.seq), "reason": event.reason}
    try:
        client.log_batch(run_id, params=[Param(k, v) for k, v in fields.items() if v])
        client.set_terminated(run_id, "FINISHED", end_time=stamp)
    except BaseException:
        try:
            client.delete_run(run_id)
        except Exception:  # noqa: BLE001 - a half-written event run is skipped when read
            pass
        raise
    if TAG_POINTER not in (registered.tags or {}):
        try:
            client.set_registered_model_tag(model, TAG_POINTER, f"alias moves: runs of the MLflow experiment "
                                            f"'{EXPERIMENT}' tagged {TAG_MODEL}={model}; mlops history {model}")
        except Exception:  # noqa: BLE001 - a signpost only; the event itself is recorded
            pass
    return event
