"""The audit trail of alias moves, stored on the registered model itself (so it lives in the store).

Each move is one registered-model tag with a unique key (``mlops.alias_event.<ns>-<random>``) whose
value is a small JSON record: action (register / promote / rollback), alias, from and to version, OS
user, host, time, reason and a per-model sequence number. Unique keys mean two racing writers never
overwrite each other's event. Moves made on one machine are serialised by a file lock under
MLOPS_HOME (read the holder, set the alias, record the event), so the alias always agrees with the last
event. Writers on different machines against one server are not serialised (no lock spans machines):
their events are all kept, ordered by time.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Iterator

from ..backend import session
from ..errors import StoreError

__all__ = ["AliasEvent", "TAG_PREFIX", "alias_lock", "current_holder", "history", "os_user", "record_event"]

TAG_PREFIX = "mlops.alias_event."
LOCK_TIMEOUT_S = 120.0
MAX_REASON = 2000


@dataclass(frozen=True)
class AliasEvent:
    """One alias move."""

    model: str
    alias: str
    action: str  # register | promote | rollback
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

    def __str__(self) -> str:
        source = f"v{self.from_version}" if self.from_version else "(none)"
        why = f": {self.reason}" if self.reason else ""
        return f"{self.when} {self.user} {self.action} {self.model}@{self.alias} {source} -> v{self.to_version}{why}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


@contextmanager
def alias_lock(model: str) -> Iterator[None]:
    """An exclusive lock on one registered model of this store, across processes of this machine."""
    conf = session.settings()
    digest = hashlib.sha1(f"{conf.tracking_uri}\0{model}".encode()).hexdigest()[:16]
    path = conf.home / "locks" / f"registry-{digest}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(f"another process has held the registry lock of '{model}' for "
                                     f"{LOCK_TIMEOUT_S:.0f} s ({path}); retry when it is done") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


def current_holder(client: Any, model: str, alias: str) -> str | None:
    """The version number holding ``model@alias``, or None."""
    from .refs import get_registered_model

    aliases = dict(getattr(get_registered_model(client, model), "aliases", {}) or {})
    value = aliases.get(alias)
    return str(value) if value is not None else None


def _events(model: str, model_tags: dict[str, str]) -> list[AliasEvent]:
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
    return sorted(events, key=lambda e: (e.seq, e.at))


def history(client: Any, model: str, alias: str | None = None) -> list[AliasEvent]:
    """Every recorded move of ``model``'s aliases (or of one alias), oldest first."""
    from .refs import get_registered_model

    events = _events(model, dict(get_registered_model(client, model).tags or {}))
    return [e for e in events if alias is None or e.alias == alias]


def record_event(client: Any, model: str, alias: str, action: str, from_version: str | None,
                 to_version: str | None, reason: str | None = None) -> AliasEvent:
    """Append one event (call it under :func:`alias_lock`, right after moving the alias)."""
    previous = history(client, model)
    event = AliasEvent(
        model=model, alias=alias, action=action,
        from_version=str(from_version) if from_version is not None else None,
        to_version=str(to_version) if to_version is not None else None,
        user=os_user(), at=time.time(), reason=(reason or "")[:MAX_REASON], host=socket.gethostname(),
        seq=max((e.seq for e in previous), default=0) + 1,
    )
    payload = {k: v for k, v in asdict(event).items() if k != "model"}
    key = f"{TAG_PREFIX}{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    client.set_registered_model_tag(model, key, json.dumps(payload, sort_keys=True))
    return event
